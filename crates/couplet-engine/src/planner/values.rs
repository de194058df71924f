//! Destination values of a pass: constants, copies and lookups through field mappings,
//! normalised for the destination side, compared with what the destination holds, and
//! checked against the destination's limits.

use couplet_model::{
    Direction, EntitySchema, FieldKind, FieldMapping, Fields, Record, Side, TableMapping, Transform,
};
use serde_json::Value;
use uuid::Uuid;

use super::lookup::{Lookups, Translation};
use super::wording::{article, capitalized, display_value, noun, shortened};

/// Why a record cannot be written, and what the user should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

/// What a pass knows about its two sides.
pub struct PassContext<'a> {
    pub mapping: &'a TableMapping,
    pub pass: Direction,
    pub source: Side,
    pub destination: Side,
    pub lookups: &'a Lookups,
    pub schema: Option<&'a EntitySchema>,
}

impl PassContext<'_> {
    fn source_noun(&self) -> &str {
        noun(self.mapping.entity(self.source))
    }

    /// The field mappings of this pass that write a destination field.
    pub fn field_mappings(&self) -> impl Iterator<Item = &FieldMapping> {
        let destination = self.destination;
        self.mapping
            .fields_for(self.pass)
            .filter(move |f| f.field(destination).is_some())
    }

    fn text_limit(&self, field: &str) -> Option<usize> {
        match &self.schema?.field(field)?.kind {
            FieldKind::Text { max_len } => *max_len,
            _ => None,
        }
    }

    fn is_text(&self, field: &str) -> Option<bool> {
        self.schema
            .and_then(|s| s.field(field))
            .map(|f| matches!(f.kind, FieldKind::Text { .. }))
    }
}

/// One computed value, or a reason to leave the destination field alone.
enum Computed {
    Value(Value),
    Omit,
}

/// The destination values `source` maps to in this pass, by destination field.
pub fn compute(ctx: &PassContext<'_>, source: &Record) -> Result<Fields, Failure> {
    let mut out = Fields::new();
    for f in ctx.field_mappings() {
        let Some(dest_field) = f.field(ctx.destination) else {
            continue;
        };
        let computed = match &f.constant {
            Some(constant) => Computed::Value(constant.clone()),
            None => {
                let Some(src_field) = f.field(ctx.source) else {
                    continue;
                };
                let raw = source.get(src_field);
                match &f.transform {
                    Transform::Copy => Computed::Value(raw.clone()),
                    Transform::Lookup { mapping, .. } => translate(ctx, f, mapping, raw)?,
                }
            }
        };
        if let Computed::Value(v) = computed {
            out.insert(dest_field.to_owned(), normalize(ctx, dest_field, v));
        }
    }
    Ok(out)
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn translate(
    ctx: &PassContext<'_>,
    f: &FieldMapping,
    lookup_mapping: &str,
    raw: &Value,
) -> Result<Computed, Failure> {
    let empty_reference = match ctx.destination {
        Side::Crm => Value::Null,
        Side::Erp => Value::String(String::new()),
    };
    if is_empty(raw) {
        return Ok(if f.not_null {
            Computed::Omit
        } else {
            Computed::Value(empty_reference)
        });
    }
    let table = ctx.lookups.get(lookup_mapping);
    let (erp_noun, crm_noun) = match table {
        Some(t) => (
            noun(&t.erp_entity).to_owned(),
            noun(&t.crm_entity).to_owned(),
        ),
        None => (
            format!("{lookup_mapping} record"),
            format!("{lookup_mapping} row"),
        ),
    };
    let this = ctx.source_noun();
    let sync_again = format!("synchronize this {this} again");
    let failure = match ctx.source {
        Side::Erp => {
            let key = match raw {
                Value::String(s) => s.trim().to_owned(),
                other => other.to_string(),
            };
            let translation = table.map_or(Translation::Unknown, |t| t.crm_for_key(&key));
            match translation {
                Translation::Found(id) => {
                    return Ok(Computed::Value(Value::String(id.to_string())));
                }
                Translation::NotCoupled => Failure {
                    message: format!(
                        "{} {key} is not coupled to {} {crm_noun}.",
                        capitalized(&erp_noun),
                        article(&crm_noun)
                    ),
                    fix: format!(
                        "Couple {erp_noun} {key} in the {lookup_mapping} mapping (or run a full synchronization of {lookup_mapping}) and {sync_again}."
                    ),
                },
                Translation::Unknown => Failure {
                    message: format!(
                        "{} {key} does not exist in {}.",
                        capitalized(&erp_noun),
                        Side::Erp.product()
                    ),
                    fix: format!(
                        "Correct the {erp_noun} on this {this} (or create {erp_noun} {key} and couple it in the {lookup_mapping} mapping) and {sync_again}."
                    ),
                },
            }
        }
        Side::Crm => {
            let id = raw.as_str().and_then(|s| Uuid::parse_str(s.trim()).ok());
            let Some(id) = id else {
                return Err(Failure {
                    message: format!(
                        "The {} value {} is not a {} id.",
                        f.field(Side::Crm).unwrap_or("lookup"),
                        display_value(raw),
                        crm_noun
                    ),
                    fix: format!(
                        "Correct the value in {} and {sync_again}.",
                        Side::Crm.product()
                    ),
                });
            };
            let translation = table.map_or(Translation::NotCoupled, |t| t.key_for_crm(id));
            match translation {
                Translation::Found(key) => return Ok(Computed::Value(Value::String(key))),
                Translation::NotCoupled => Failure {
                    message: format!(
                        "{} {id} is not coupled to {} {erp_noun}.",
                        capitalized(&crm_noun),
                        article(&erp_noun)
                    ),
                    fix: format!(
                        "Couple {crm_noun} {id} in the {lookup_mapping} mapping (or run a full synchronization of {lookup_mapping}) and {sync_again}."
                    ),
                },
                Translation::Unknown => Failure {
                    message: format!(
                        "{} {id} is coupled to {} {erp_noun} that no longer exists in {}.",
                        capitalized(&crm_noun),
                        article(&erp_noun),
                        Side::Erp.product()
                    ),
                    fix: format!(
                        "Uncouple {crm_noun} {id} in the {lookup_mapping} mapping, couple it again, and {sync_again}."
                    ),
                },
            }
        }
    };
    if f.clear_on_failed_sync {
        Ok(Computed::Value(empty_reference))
    } else {
        Err(failure)
    }
}

/// Empty text is `null` in Dataverse and `""` in Business Central text fields.
fn normalize(ctx: &PassContext<'_>, dest_field: &str, value: Value) -> Value {
    match (ctx.destination, value) {
        (Side::Crm, Value::String(s)) if s.is_empty() => Value::Null,
        (Side::Erp, Value::Null) if ctx.is_text(dest_field).unwrap_or(true) => {
            Value::String(String::new())
        }
        (_, v) => v,
    }
}

/// Whether a computed value equals what the destination holds: empty text equals null,
/// GUIDs compare by value, numbers by magnitude.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::String(s)) | (Value::String(s), Value::Null) => s.is_empty(),
        (Value::String(x), Value::String(y)) => {
            x == y
                || matches!(
                    (Uuid::parse_str(x), Uuid::parse_str(y)),
                    (Ok(p), Ok(q)) if p == q
                )
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Refuses text longer than the destination field allows, naming the field, the value,
/// its length and the limit. Nothing is ever truncated.
pub fn check_lengths<'a>(
    ctx: &PassContext<'_>,
    values: impl IntoIterator<Item = (&'a String, &'a Value)>,
) -> Result<(), Failure> {
    for (field, value) in values {
        let (Some(limit), Value::String(text)) = (ctx.text_limit(field), value) else {
            continue;
        };
        let len = text.chars().count();
        if len <= limit {
            continue;
        }
        let source_field = ctx
            .field_mappings()
            .find(|f| f.field(ctx.destination) == Some(field.as_str()))
            .and_then(|f| f.field(ctx.source))
            .unwrap_or(field.as_str());
        return Err(Failure {
            message: format!(
                "The value for {field} in {} {} is {len} characters long, but the field holds at most {limit}: \"{}\".",
                ctx.destination.product(),
                ctx.mapping.entity(ctx.destination),
                shortened(text, 40)
            ),
            fix: format!(
                "Shorten {source_field} on the {} {} to {limit} characters or fewer and synchronize it again.",
                ctx.source.product(),
                ctx.source_noun()
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_text_equals_null_and_guids_compare_by_value() {
        assert!(same_value(&json!(""), &Value::Null));
        assert!(!same_value(&json!("x"), &Value::Null));
        let id = Uuid::new_v4();
        assert!(same_value(
            &json!(id.to_string()),
            &json!(id.to_string().to_uppercase())
        ));
        assert!(same_value(&json!(1), &json!(1.0)));
        assert!(!same_value(&json!("Paris"), &json!("paris")));
    }
}
