//! Filters on records, as data.
//!
//! Mappings store their filters in this form; connectors render them into the service's
//! query language with one escaping function, and the engine can evaluate them in memory.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

/// A typed literal value in a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Literal {
    /// The null value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A whole number (also option-set values).
    Int(i64),
    /// A decimal number.
    Decimal(f64),
    /// Text (also BC enum members such as `" "` or `"Open"`).
    String(String),
    /// A GUID.
    Guid(Uuid),
    /// A UTC timestamp.
    DateTime(DateTime<Utc>),
}

/// A boolean condition on a record's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op", content = "args")]
pub enum Filter {
    /// `field <op> value`.
    Cmp {
        /// Field name on the wire.
        field: String,
        /// Operator.
        cmp: CmpOp,
        /// Right-hand side.
        value: Literal,
    },
    /// The field's text contains the value (case-insensitive, as both services compare).
    Contains {
        /// Field name on the wire.
        field: String,
        /// The text to look for.
        value: String,
    },
    /// The field's text starts with the value (case-insensitive).
    StartsWith {
        /// Field name on the wire.
        field: String,
        /// The prefix.
        value: String,
    },
    /// All of the conditions.
    And(Vec<Filter>),
    /// Any of the conditions.
    Or(Vec<Filter>),
    /// Negation.
    Not(Box<Filter>),
}

impl Filter {
    /// `field eq value`.
    pub fn eq(field: &str, value: Literal) -> Filter {
        Filter::Cmp {
            field: field.to_owned(),
            cmp: CmpOp::Eq,
            value,
        }
    }

    /// `field <cmp> value`.
    pub fn cmp(field: &str, cmp: CmpOp, value: Literal) -> Filter {
        Filter::Cmp {
            field: field.to_owned(),
            cmp,
            value,
        }
    }

    /// Combines optional filters with `and`, dropping the absent ones.
    pub fn all(parts: impl IntoIterator<Item = Option<Filter>>) -> Option<Filter> {
        let mut parts: Vec<Filter> = parts.into_iter().flatten().collect();
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Filter::And(parts)),
        }
    }

    /// The field names the filter reads.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    fn collect_fields<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Filter::Cmp { field, .. }
            | Filter::Contains { field, .. }
            | Filter::StartsWith { field, .. } => out.push(field),
            Filter::And(parts) | Filter::Or(parts) => {
                for p in parts {
                    p.collect_fields(out);
                }
            }
            Filter::Not(inner) => inner.collect_fields(out),
        }
    }

    /// Evaluates the filter against field values, with OData semantics: text compares
    /// case-insensitively, and a comparison with null is true only for `eq null` / `ne null`.
    pub fn matches(&self, fields: &crate::Fields) -> bool {
        match self {
            Filter::Cmp { field, cmp, value } => {
                let actual = fields.get(field).unwrap_or(&serde_json::Value::Null);
                compare(actual, *cmp, value)
            }
            Filter::Contains { field, value } => text_of(fields, field)
                .is_some_and(|t| t.to_lowercase().contains(&value.to_lowercase())),
            Filter::StartsWith { field, value } => text_of(fields, field)
                .is_some_and(|t| t.to_lowercase().starts_with(&value.to_lowercase())),
            Filter::And(parts) => parts.iter().all(|p| p.matches(fields)),
            Filter::Or(parts) => parts.iter().any(|p| p.matches(fields)),
            Filter::Not(inner) => !inner.matches(fields),
        }
    }
}

fn text_of<'a>(fields: &'a crate::Fields, field: &str) -> Option<&'a str> {
    fields.get(field).and_then(|v| v.as_str())
}

fn compare(actual: &serde_json::Value, cmp: CmpOp, value: &Literal) -> bool {
    use serde_json::Value;
    use std::cmp::Ordering;
    if matches!(value, Literal::Null) || actual.is_null() {
        let both_null = matches!(value, Literal::Null) && actual.is_null();
        return match cmp {
            CmpOp::Eq => both_null,
            CmpOp::Ne => !both_null,
            _ => false,
        };
    }
    let ordering: Option<Ordering> = match (actual, value) {
        (Value::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        (Value::Number(a), Literal::Int(b)) => a.as_f64().and_then(|a| a.partial_cmp(&(*b as f64))),
        (Value::Number(a), Literal::Decimal(b)) => a.as_f64().and_then(|a| a.partial_cmp(b)),
        (Value::String(a), Literal::String(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Value::String(a), Literal::Guid(b)) => Uuid::parse_str(a).ok().map(|a| a.cmp(b)),
        (Value::String(a), Literal::DateTime(b)) => DateTime::parse_from_rfc3339(a)
            .ok()
            .map(|a| a.with_timezone(&Utc).cmp(b)),
        _ => None,
    };
    match ordering {
        None => matches!(cmp, CmpOp::Ne),
        Some(o) => match cmp {
            CmpOp::Eq => o == Ordering::Equal,
            CmpOp::Ne => o != Ordering::Equal,
            CmpOp::Gt => o == Ordering::Greater,
            CmpOp::Ge => o != Ordering::Less,
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Le => o != Ordering::Greater,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: serde_json::Value) -> crate::Fields {
        serde_json::from_value(v).expect("object")
    }

    #[test]
    fn default_account_filter_selects_active_customers_only() {
        let f = Filter::And(vec![
            Filter::eq("customertypecode", Literal::Int(3)),
            Filter::eq("statecode", Literal::Int(0)),
        ]);
        assert!(f.matches(&fields(json!({"customertypecode": 3, "statecode": 0}))));
        assert!(!f.matches(&fields(json!({"customertypecode": 11, "statecode": 0}))));
        assert!(!f.matches(&fields(json!({"customertypecode": 3, "statecode": 1}))));
    }

    #[test]
    fn null_compares_only_with_eq_and_ne() {
        let rec = fields(json!({"a": null}));
        assert!(Filter::eq("a", Literal::Null).matches(&rec));
        assert!(!Filter::cmp("a", CmpOp::Gt, Literal::Int(1)).matches(&rec));
        assert!(Filter::cmp("a", CmpOp::Ne, Literal::Int(1)).matches(&rec));
    }

    #[test]
    fn filters_round_trip_through_json() {
        let f = Filter::And(vec![
            Filter::eq("statecode", Literal::Int(0)),
            Filter::Or(vec![
                Filter::eq("name", Literal::String("O'Brien".into())),
                Filter::Not(Box::new(Filter::eq("x", Literal::Null))),
            ]),
        ]);
        let text = serde_json::to_string(&f).expect("serializes");
        let back: Filter = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, f);
    }

    #[test]
    fn text_compares_case_insensitively() {
        let rec = fields(json!({"name": "Adatum Corporation"}));
        assert!(Filter::eq("name", Literal::String("ADATUM corporation".into())).matches(&rec));
        assert!(
            Filter::Contains {
                field: "name".into(),
                value: "DATUM".into()
            }
            .matches(&rec)
        );
    }
}
