//! `$expand` syntax shared by both services:
//! `nav1,nav2($select=a,b;$filter=x eq 1;$orderby=a desc;$top=5;$expand=nav3)`.
//!
//! This module only reads the syntax into a tree; each service checks the navigation names
//! against its own entity definitions and words its own errors (the [`QueryError`] message is
//! the service-neutral explanation it wraps).

use crate::query::{self, Dialect, Expr, OrderKey, QueryError};

/// One expanded navigation property with the options given for it in parentheses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expand {
    /// The navigation property name, as written.
    pub nav: String,
    /// `$select` inside the parentheses (None = all fields).
    pub select: Option<Vec<String>>,
    /// `$filter` inside the parentheses (collection-valued navigations only).
    pub filter: Option<Expr>,
    /// `$orderby` inside the parentheses (empty = key order).
    pub orderby: Vec<OrderKey>,
    /// `$top` inside the parentheses.
    pub top: Option<usize>,
    /// Nested `$expand` inside the parentheses.
    pub expand: Vec<Expand>,
}

/// How deep `$expand` may nest before it is refused (Dataverse allows one nested level on
/// single-valued navigations; two is enough for every client).
const MAX_DEPTH: usize = 3;

fn fail(message: String) -> QueryError {
    QueryError { message }
}

/// Parses an `$expand` value (already percent-decoded). Names are returned in the order given;
/// an empty value gives an empty list.
pub(crate) fn parse(src: &str, dialect: Dialect) -> Result<Vec<Expand>, QueryError> {
    parse_at(src, dialect, 0)
}

fn parse_at(src: &str, dialect: Dialect, depth: usize) -> Result<Vec<Expand>, QueryError> {
    if depth >= MAX_DEPTH {
        return Err(fail(format!(
            "The $expand option nests deeper than {MAX_DEPTH} levels."
        )));
    }
    let mut items = Vec::new();
    if src.trim().is_empty() {
        return Ok(items);
    }
    for part in split_top_level(src, ',')? {
        let part = part.trim();
        let (nav, options) = match part.find('(') {
            None => (part, None),
            Some(open) => {
                let inner = part[open + 1..].strip_suffix(')').ok_or_else(|| {
                    fail(format!(
                        "The $expand item '{part}' has an opening parenthesis without its closing one."
                    ))
                })?;
                (part[..open].trim(), Some(inner))
            }
        };
        if nav == "*" {
            return Err(fail(
                "'$expand=*' is not supported; name the navigation properties to expand."
                    .to_string(),
            ));
        }
        if !is_name(nav) {
            return Err(fail(format!(
                "'{nav}' is not a valid navigation property name in $expand."
            )));
        }
        let mut item = Expand {
            nav: nav.to_string(),
            select: None,
            filter: None,
            orderby: Vec::new(),
            top: None,
            expand: Vec::new(),
        };
        if let Some(options) = options {
            for option in split_top_level(options, ';')? {
                let option = option.trim();
                if option.is_empty() {
                    continue;
                }
                let (name, value) = option.split_once('=').ok_or_else(|| {
                    fail(format!(
                        "The option '{option}' inside $expand({nav}) has no value; write e.g. '$select=name'."
                    ))
                })?;
                apply_option(&mut item, name.trim(), value.trim(), dialect, depth)?;
            }
        }
        if items.iter().any(|i: &Expand| i.nav == item.nav) {
            return Err(fail(format!(
                "The navigation property '{nav}' is expanded more than once."
            )));
        }
        items.push(item);
    }
    Ok(items)
}

fn apply_option(
    item: &mut Expand,
    name: &str,
    value: &str,
    dialect: Dialect,
    depth: usize,
) -> Result<(), QueryError> {
    match name {
        "$select" => {
            let fields = query::parse_select(value)?;
            item.select = (!fields.iter().any(|f| f == "*")).then_some(fields);
        }
        "$filter" => item.filter = Some(query::parse_filter(value, dialect)?),
        "$orderby" => item.orderby = query::parse_orderby(value)?,
        "$top" => {
            item.top = Some(value.parse().map_err(|_| {
                fail(format!(
                    "Invalid value '{value}' for $top inside $expand({}); expected a non-negative integer.",
                    item.nav
                ))
            })?);
        }
        "$expand" => item.expand = parse_at(value, dialect, depth + 1)?,
        other => {
            return Err(fail(format!(
                "The query option '{other}' is not supported inside $expand({}); use $select, $filter, $orderby, $top or $expand.",
                item.nav
            )));
        }
    }
    Ok(())
}

/// Whether `s` is an identifier (letters, digits, `_`; not starting with a digit).
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Splits at `sep` outside parentheses and string literals (`'it''s'`).
fn split_top_level(src: &str, sep: char) -> Result<Vec<&str>, QueryError> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut start = 0;
    for (i, c) in src.char_indices() {
        match c {
            '\'' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => {
                depth = depth.checked_sub(1).ok_or_else(|| {
                    fail(format!(
                        "The $expand value '{src}' has a closing parenthesis without its opening one."
                    ))
                })?;
            }
            c if c == sep && !in_string && depth == 0 => {
                parts.push(&src[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if depth != 0 || in_string {
        return Err(fail(format!(
            "The $expand value '{src}' has an unclosed parenthesis or quote."
        )));
    }
    parts.push(&src[start..]);
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(items: &[Expand]) -> Vec<&str> {
        items.iter().map(|i| i.nav.as_str()).collect()
    }

    #[test]
    fn plain_names_are_read_in_order() {
        let items = parse("salesInvoiceLines, customer", Dialect::BusinessCentral).expect("valid");
        assert_eq!(names(&items), ["salesInvoiceLines", "customer"]);
        assert_eq!(items[0].select, None);
        assert!(parse("", Dialect::Dataverse).expect("empty").is_empty());
    }

    #[test]
    fn options_in_parentheses_apply_to_their_navigation() {
        let items = parse(
            "order_details($select=quantity,priceperunit;$filter=quantity gt 1 and productdescription eq 'a;b,(c)';$orderby=lineitemnumber desc;$top=5),ownerid($select=fullname)",
            Dialect::Dataverse,
        )
        .expect("valid");
        assert_eq!(names(&items), ["order_details", "ownerid"]);
        let lines = &items[0];
        assert_eq!(
            lines.select.as_deref(),
            Some(&["quantity".to_string(), "priceperunit".to_string()][..])
        );
        assert!(lines.filter.is_some());
        assert_eq!(lines.orderby.len(), 1);
        assert!(lines.orderby[0].descending);
        assert_eq!(lines.top, Some(5));
        assert_eq!(
            items[1].select.as_deref(),
            Some(&["fullname".to_string()][..])
        );
    }

    #[test]
    fn nested_expands_are_read_and_bounded() {
        let items = parse(
            "primarycontactid($select=fullname;$expand=ownerid($select=fullname))",
            Dialect::Dataverse,
        )
        .expect("valid");
        assert_eq!(names(&items[0].expand), ["ownerid"]);
        let too_deep = "a($expand=b($expand=c($expand=d)))";
        assert!(parse(too_deep, Dialect::Dataverse).is_err());
    }

    #[test]
    fn malformed_values_are_refused_with_a_reason() {
        for (src, wanted) in [
            ("lines(", "unclosed"),
            ("lines)", "closing parenthesis"),
            ("lines($top=many)", "$top"),
            ("lines($skip=1)", "$skip"),
            ("lines($select)", "no value"),
            ("*", "not supported"),
            ("1abc", "not a valid navigation"),
            ("lines,lines", "more than once"),
            ("lines($filter=a eq)", ""),
        ] {
            let error = parse(src, Dialect::BusinessCentral).expect_err(src);
            assert!(error.message.contains(wanted), "{src}: {}", error.message);
        }
    }
}
