//! Server-side OData v4 query options as Business Central and Dataverse implement them:
//! `$filter` parsing and evaluation against JSON rows, `$orderby`, `$select`, and the value
//! order used to sort rows.
//!
//! This is an independent implementation of the server side (api-reference A9, B6, C4); it
//! shares no code with the client-side OData crate.

mod eval;
mod expr;
mod lexer;
mod literal;
mod orderby;
mod ordering;
mod parser;
mod select;
mod syntax;

#[cfg(test)]
mod filter_tests;

pub use expr::{ComparisonOp, Expr, Function};
pub use literal::Literal;
pub use orderby::{OrderKey, parse_orderby};
pub use ordering::compare_values;
pub use parser::{BC_OR_DISTINCT_FIELDS, MAX_FILTER_DEPTH, MAX_FILTER_LEN};
pub use select::parse_select;

/// Which service's rules and error wording a query follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Business Central API v2.0: refuses `or` across distinct fields; syntax errors read
    /// `Expression expected at position N.`
    BusinessCentral,
    /// Dataverse Web API v9.2: allows `or` across fields; syntax errors name the position and
    /// the offending token.
    Dataverse,
}

/// Error in a query option: HTTP 400 with this message in the service's own error shape (the caller wraps it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    /// The human-readable message, worded as the emulated service words it.
    pub message: String,
}

/// Parses a `$filter` expression (already percent-decoded) under the rules of `dialect`.
///
/// A datetime offset whose `+` became a space during form decoding (`...T10:00:00 01:00`) is
/// accepted. Filters longer than [`MAX_FILTER_LEN`] bytes or nested deeper than
/// [`MAX_FILTER_DEPTH`] levels are refused.
pub fn parse_filter(src: &str, dialect: Dialect) -> Result<Expr, QueryError> {
    parser::parse(src, dialect)
}
