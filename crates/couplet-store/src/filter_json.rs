//! The stored JSON form of a [`Filter`].
//!
//! The store writes filters in its own documented form rather than through the model's serde
//! derive: the form is part of the database format and must not change when the model's serde
//! attributes do. (The model's internally tagged derive also cannot serialize `And`, `Or` and
//! `Not`.) Literals use the model's serde form (`{"type": "int", "value": 3}`).
//!
//! ```json
//! {"op": "cmp", "field": "statecode", "cmp": "eq", "value": {"type": "int", "value": 0}}
//! {"op": "contains", "field": "name", "value": "contoso"}
//! {"op": "starts_with", "field": "name", "value": "A"}
//! {"op": "and", "all": [ … ]}
//! {"op": "or", "any": [ … ]}
//! {"op": "not", "filter": { … }}
//! ```

use couplet_model::{CmpOp, Filter, Literal};
use serde_json::{Map, Value, json};

use crate::StoreError;

/// The JSON text of `filter`.
pub(crate) fn to_text(what: &str, filter: &Filter) -> Result<String, StoreError> {
    Ok(to_value(what, filter)?.to_string())
}

/// Parses the JSON text written by [`to_text`].
pub(crate) fn from_text(what: &str, text: &str) -> Result<Filter, StoreError> {
    let value: Value = serde_json::from_str(text).map_err(|e| StoreError::corrupt(what, e))?;
    from_value(&value).map_err(|detail| StoreError::corrupt(what, detail))
}

fn to_value(what: &str, filter: &Filter) -> Result<Value, StoreError> {
    let encode = |v: Result<Value, serde_json::Error>| {
        v.map_err(|e| StoreError::Invalid(format!("{what} cannot be written as JSON: {e}")))
    };
    Ok(match filter {
        Filter::Cmp { field, cmp, value } => json!({
            "op": "cmp",
            "field": field,
            "cmp": encode(serde_json::to_value(cmp))?,
            "value": encode(serde_json::to_value(value))?,
        }),
        Filter::Contains { field, value } => {
            json!({"op": "contains", "field": field, "value": value})
        }
        Filter::StartsWith { field, value } => {
            json!({"op": "starts_with", "field": field, "value": value})
        }
        Filter::And(parts) => json!({"op": "and", "all": list(what, parts)?}),
        Filter::Or(parts) => json!({"op": "or", "any": list(what, parts)?}),
        Filter::Not(inner) => json!({"op": "not", "filter": to_value(what, inner)?}),
    })
}

fn list(what: &str, parts: &[Filter]) -> Result<Vec<Value>, StoreError> {
    parts.iter().map(|p| to_value(what, p)).collect()
}

fn from_value(value: &Value) -> Result<Filter, String> {
    let object = value
        .as_object()
        .ok_or_else(|| format!("a filter must be a JSON object, found {value}"))?;
    let op = text(object, "op")?;
    Ok(match op {
        "cmp" => {
            let cmp: CmpOp = serde_json::from_value(member(object, "cmp")?.clone())
                .map_err(|e| format!("bad comparison operator: {e}"))?;
            let literal: Literal = serde_json::from_value(member(object, "value")?.clone())
                .map_err(|e| format!("bad literal: {e}"))?;
            Filter::Cmp {
                field: text(object, "field")?.to_owned(),
                cmp,
                value: literal,
            }
        }
        "contains" => Filter::Contains {
            field: text(object, "field")?.to_owned(),
            value: text(object, "value")?.to_owned(),
        },
        "starts_with" => Filter::StartsWith {
            field: text(object, "field")?.to_owned(),
            value: text(object, "value")?.to_owned(),
        },
        "and" => Filter::And(parts(object, "all")?),
        "or" => Filter::Or(parts(object, "any")?),
        "not" => Filter::Not(Box::new(from_value(member(object, "filter")?)?)),
        other => return Err(format!("unknown filter operator {other:?}")),
    })
}

fn member<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a Value, String> {
    object
        .get(key)
        .ok_or_else(|| format!("filter member {key:?} is missing"))
}

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    member(object, key)?
        .as_str()
        .ok_or_else(|| format!("filter member {key:?} must be text"))
}

fn parts(object: &Map<String, Value>, key: &str) -> Result<Vec<Filter>, String> {
    member(object, key)?
        .as_array()
        .ok_or_else(|| format!("filter member {key:?} must be a list"))?
        .iter()
        .map(from_value)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn every_filter_shape_survives_the_stored_form() {
        let filter = Filter::Or(vec![
            Filter::And(vec![
                Filter::eq("statecode", Literal::Int(0)),
                Filter::cmp("balance", CmpOp::Ge, Literal::Decimal(1.5)),
                Filter::eq("blocked", Literal::String(" ".into())),
                Filter::eq("parent", Literal::Null),
                Filter::eq("active", Literal::Bool(true)),
                Filter::eq("id", Literal::Guid(uuid::Uuid::nil())),
                Filter::cmp(
                    "modifiedon",
                    CmpOp::Lt,
                    Literal::DateTime(
                        Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0)
                            .single()
                            .expect("valid time"),
                    ),
                ),
            ]),
            Filter::Not(Box::new(Filter::Contains {
                field: "name".into(),
                value: "O'Brien".into(),
            })),
            Filter::StartsWith {
                field: "name".into(),
                value: "A".into(),
            },
        ]);
        let text = to_text("test filter", &filter).expect("encodes");
        assert_eq!(from_text("test filter", &text).expect("decodes"), filter);
    }

    #[test]
    fn an_unknown_operator_is_reported_as_corrupt() {
        let err = from_text("t", r#"{"op": "xor", "all": []}"#).expect_err("must fail");
        assert!(err.to_string().contains("unknown filter operator"), "{err}");
    }
}
