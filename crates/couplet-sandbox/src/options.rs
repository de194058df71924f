//! The `$filter`, `$select` and `$orderby` query options, parsed and checked against
//! the fields of the set a request reads. Each service words its own errors.

use crate::http::{ApiRequest, ApiResponse};
use crate::query::{self, Dialect, Expr, OrderKey, QueryError};

/// What the option parsers need from a service's entity set.
pub(crate) trait OptionTarget {
    /// The service's `$filter` dialect.
    const DIALECT: Dialect;

    /// Whether the set has a field of this (top-level) name.
    fn has_field(&self, name: &str) -> bool;

    /// The service's error for a name that is not a field of the set.
    fn unknown_property(&self, name: &str) -> ApiResponse;

    /// The service's error for an option that does not parse.
    fn query_error(e: &QueryError) -> ApiResponse;
}

/// Checks every name (`a/b` paths by their first segment) is a field of `target`.
fn check_fields<'a, T: OptionTarget>(
    target: &T,
    names: impl IntoIterator<Item = &'a String>,
) -> Result<(), ApiResponse> {
    for name in names {
        let top = name.split('/').next().unwrap_or(name);
        if !target.has_field(top) {
            return Err(target.unknown_property(name));
        }
    }
    Ok(())
}

/// Parses `$filter` (None = every row).
pub(crate) fn parse_filter<T: OptionTarget>(
    req: &ApiRequest,
    target: &T,
) -> Result<Option<Expr>, ApiResponse> {
    let Some(src) = req.option("$filter") else {
        return Ok(None);
    };
    let expr = query::parse_filter(src, T::DIALECT).map_err(|e| T::query_error(&e))?;
    check_fields(target, &expr.fields())?;
    Ok(Some(expr))
}

/// Parses `$select` (None = all fields, also for `*`).
pub(crate) fn parse_select<T: OptionTarget>(
    req: &ApiRequest,
    target: &T,
) -> Result<Option<Vec<String>>, ApiResponse> {
    let Some(src) = req.option("$select") else {
        return Ok(None);
    };
    let fields = query::parse_select(src).map_err(|e| T::query_error(&e))?;
    if fields.iter().any(|f| f == "*") {
        return Ok(None);
    }
    check_fields(target, &fields)?;
    Ok(Some(fields))
}

/// Parses `$orderby` (empty = key order).
pub(crate) fn parse_orderby<T: OptionTarget>(
    req: &ApiRequest,
    target: &T,
) -> Result<Vec<OrderKey>, ApiResponse> {
    let Some(src) = req.option("$orderby") else {
        return Ok(Vec::new());
    };
    let keys = query::parse_orderby(src).map_err(|e| T::query_error(&e))?;
    check_fields(target, keys.iter().map(|k| &k.field))?;
    Ok(keys)
}
