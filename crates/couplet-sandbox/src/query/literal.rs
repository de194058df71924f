//! Literal values that can appear in a `$filter` expression.

use chrono::{DateTime, FixedOffset, NaiveDate};
use uuid::Uuid;

/// A literal written in a `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`.
    Null,
    /// `true` or `false`.
    Boolean(bool),
    /// An integer such as `12` or `-3`.
    Integer(i64),
    /// A decimal or floating-point number such as `1.5` or `1e3`.
    Decimal(f64),
    /// A quoted string such as `'O''Brien'` (stored unescaped: `O'Brien`).
    String(String),
    /// An unquoted GUID such as `6cb4e290-0c8a-4d9e-9b8d-2a6c8f1e0d11`.
    Guid(Uuid),
    /// An unquoted date such as `2019-05-01`.
    Date(NaiveDate),
    /// An unquoted datetime with offset such as `2019-08-18T20:05:51.603Z`.
    DateTime(DateTime<FixedOffset>),
}
