//! Rendering of model literals and filters into OData `$filter` text.
//!
//! [`literal`] is the one place values become filter text; [`filter`] uses only it.

use chrono::SecondsFormat;
use couplet_model::{CmpOp, Filter, Literal};

/// Renders a value as an OData literal: strings quoted with `'` doubled, GUIDs bare,
/// datetimes bare RFC 3339 UTC with milliseconds, booleans and numbers bare, `null`.
pub fn literal(value: &Literal) -> String {
    match value {
        Literal::Null => "null".to_owned(),
        Literal::Bool(b) => b.to_string(),
        Literal::Int(i) => i.to_string(),
        Literal::Decimal(d) => decimal(*d),
        Literal::String(s) => format!("'{}'", s.replace('\'', "''")),
        Literal::Guid(g) => g.hyphenated().to_string(),
        Literal::DateTime(dt) => dt.to_rfc3339_opts(SecondsFormat::Millis, true),
    }
}

fn decimal(d: f64) -> String {
    if d.is_nan() {
        "NaN".to_owned()
    } else if d.is_infinite() {
        if d > 0.0 { "INF" } else { "-INF" }.to_owned()
    } else {
        // `{}` never uses exponent notation for f64 and keeps full precision.
        format!("{d}")
    }
}

/// Whether `name` is a plain property path (`name`, `_ownerid_value`, `primarycontactid/fullname`)
/// that may appear in a `$filter`, `$select` or `$orderby` as is.
pub fn is_property_path(name: &str) -> bool {
    !name.is_empty()
        && name.split('/').all(|segment| {
            let mut chars = segment.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Renders a model filter as OData `$filter` text, with parentheses where precedence needs them.
///
/// Field names are written as given; check them with [`is_property_path`] first when they come
/// from user input.
pub fn filter(f: &Filter) -> String {
    render(f, Level::Or)
}

/// Binding strength, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Or,
    And,
    Not,
}

fn render(f: &Filter, context: Level) -> String {
    match f {
        Filter::Cmp { field, cmp, value } => {
            format!("{field} {} {}", op(*cmp), literal(value))
        }
        Filter::Contains { field, value } => {
            format!(
                "contains({field},{})",
                literal(&Literal::String(value.clone()))
            )
        }
        Filter::StartsWith { field, value } => {
            format!(
                "startswith({field},{})",
                literal(&Literal::String(value.clone()))
            )
        }
        Filter::And(parts) => join(parts, " and ", Level::And, context, "true"),
        Filter::Or(parts) => join(parts, " or ", Level::Or, context, "false"),
        Filter::Not(inner) => match collapse(inner) {
            f @ (Filter::Contains { .. } | Filter::StartsWith { .. } | Filter::Not(_)) => {
                format!("not {}", render(f, Level::Not))
            }
            f => format!("not ({})", render(f, Level::Or)),
        },
    }
}

/// A group of one condition is that condition.
fn collapse(f: &Filter) -> &Filter {
    match f {
        Filter::And(p) | Filter::Or(p) if p.len() == 1 => collapse(&p[0]),
        _ => f,
    }
}

fn join(parts: &[Filter], sep: &str, level: Level, context: Level, empty: &str) -> String {
    match parts {
        [] => empty.to_owned(),
        [one] => render(one, context),
        _ => {
            let text = parts
                .iter()
                .map(|p| render(p, level))
                .collect::<Vec<_>>()
                .join(sep);
            if context > level {
                format!("({text})")
            } else {
                text
            }
        }
    }
}

fn op(cmp: CmpOp) -> &'static str {
    match cmp {
        CmpOp::Eq => "eq",
        CmpOp::Ne => "ne",
        CmpOp::Gt => "gt",
        CmpOp::Ge => "ge",
        CmpOp::Lt => "lt",
        CmpOp::Le => "le",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    #[test]
    fn quotes_in_strings_are_doubled() {
        assert_eq!(literal(&Literal::String("O'Brien".into())), "'O''Brien'");
        assert_eq!(literal(&Literal::String("''".into())), "''''''");
    }

    #[test]
    fn guids_are_bare_and_hyphenated() {
        let g = Uuid::parse_str("6CB4E290-A784-4105-B340-32BB3527BB87").expect("guid");
        assert_eq!(
            literal(&Literal::Guid(g)),
            "6cb4e290-a784-4105-b340-32bb3527bb87"
        );
    }

    #[test]
    fn datetimes_are_bare_utc_with_milliseconds() {
        let dt = chrono::Utc
            .with_ymd_and_hms(2019, 8, 18, 20, 5, 51)
            .single()
            .expect("valid")
            + chrono::Duration::milliseconds(603);
        assert_eq!(literal(&Literal::DateTime(dt)), "2019-08-18T20:05:51.603Z");
        let whole = chrono::Utc
            .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(
            literal(&Literal::DateTime(whole)),
            "2024-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn scalars_and_null_are_bare() {
        assert_eq!(literal(&Literal::Null), "null");
        assert_eq!(literal(&Literal::Bool(false)), "false");
        assert_eq!(literal(&Literal::Int(-3)), "-3");
        assert_eq!(literal(&Literal::Decimal(1.5)), "1.5");
        assert_eq!(literal(&Literal::Decimal(0.1)), "0.1");
    }

    #[test]
    fn and_inside_or_needs_no_parentheses_but_or_inside_and_does() {
        let f = Filter::And(vec![
            Filter::eq("statecode", Literal::Int(0)),
            Filter::Or(vec![
                Filter::eq("customertypecode", Literal::Int(3)),
                Filter::eq("customertypecode", Literal::Int(11)),
            ]),
        ]);
        assert_eq!(
            filter(&f),
            "statecode eq 0 and (customertypecode eq 3 or customertypecode eq 11)"
        );
        let g = Filter::Or(vec![
            Filter::And(vec![
                Filter::eq("a", Literal::Int(1)),
                Filter::eq("b", Literal::Int(2)),
            ]),
            Filter::eq("c", Literal::Null),
        ]);
        assert_eq!(filter(&g), "a eq 1 and b eq 2 or c eq null");
    }

    #[test]
    fn not_wraps_its_operand() {
        let f = Filter::Not(Box::new(Filter::And(vec![
            Filter::eq("a", Literal::Bool(true)),
            Filter::eq("b", Literal::Bool(false)),
        ])));
        assert_eq!(filter(&f), "not (a eq true and b eq false)");
        let g = Filter::Not(Box::new(Filter::Contains {
            field: "name".into(),
            value: "x".into(),
        }));
        assert_eq!(filter(&g), "not contains(name,'x')");
    }

    #[test]
    fn string_functions_escape_their_argument() {
        let f = Filter::StartsWith {
            field: "displayName".into(),
            value: "O'Br".into(),
        };
        assert_eq!(filter(&f), "startswith(displayName,'O''Br')");
    }

    #[test]
    fn empty_and_single_groups_collapse() {
        assert_eq!(filter(&Filter::And(vec![])), "true");
        assert_eq!(filter(&Filter::Or(vec![])), "false");
        let single = Filter::And(vec![Filter::Or(vec![Filter::eq("a", Literal::Int(1))])]);
        assert_eq!(filter(&single), "a eq 1");
    }

    #[test]
    fn property_paths_reject_injection() {
        assert!(is_property_path("_ownerid_value"));
        assert!(is_property_path("primarycontactid/fullname"));
        assert!(!is_property_path("name eq 'x' or 1"));
        assert!(!is_property_path(""));
        assert!(!is_property_path("a//b"));
    }
}
