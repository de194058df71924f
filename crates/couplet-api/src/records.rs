//! The records of one side of a table mapping, each with its coupled counterpart, for the
//! point-and-click coupling pages.

use std::collections::HashMap;

use couplet_model::{Coupling, Direction, Endpoint, Record, Side, SyncError, TableMapping};
use serde_json::Value;
use uuid::Uuid;

use crate::dto::{RecordList, RecordRow, RecordStatus};
use crate::{ApiError, AppContext, connections};

/// Fields that hold a record's short key, in the order they are looked for.
const KEY_FIELDS: [&str; 3] = ["number", "code", "accountnumber"];
/// How many ids one bulk read of counterparts asks for.
const COUNTERPART_CHUNK: usize = 200;

/// Every record of `side` that `mapping` covers (its filter applied), with its coupled
/// counterpart's title, the last sync time and whether its last sync failed and why.
pub async fn list(ctx: &AppContext, mapping: &str, side: Side) -> Result<RecordList, ApiError> {
    let m = crate::mappings::get(ctx, mapping).await?;
    let (erp, crm) = connections::endpoints(ctx).await?;
    let (this, other) = match side {
        Side::Erp => (erp, crm),
        Side::Crm => (crm, erp),
    };
    let title_field = title_field(&m, side)?;
    let other_title = title_field_or_id(&m, side.other());
    let schema = this.schema(m.entity(side)).await?;
    let key_field = KEY_FIELDS
        .iter()
        .find(|k| schema.field(k).is_some() && **k != title_field)
        .map(|k| (*k).to_owned());

    let mut fields = vec![title_field.clone()];
    fields.extend(key_field.clone());
    let records = couplet_engine::read_all(
        this.as_ref(),
        m.entity(side),
        fields,
        m.filter(side).cloned(),
    )
    .await?;

    let name = m.name.clone();
    let (couplings, errors) = ctx
        .store()
        .run(move |conn| {
            let couplings = couplet_store::couplings::list(conn, &name, 0, i64::MAX as u64)?;
            let errors = couplet_store::sync_errors::latest_per_source(conn, &name)?;
            Ok((couplings, errors))
        })
        .await?;
    let coupled: HashMap<Uuid, &Coupling> = couplings.iter().map(|c| (c.id(side), c)).collect();
    let failures = failures_of(&errors, side);

    let wanted: Vec<Uuid> = records
        .iter()
        .filter_map(|r| coupled.get(&r.id).map(|c| c.id(side.other())))
        .collect();
    let counterparts = titles(
        other.as_ref(),
        m.entity(side.other()),
        &wanted,
        other_title.as_deref(),
    )
    .await?;

    let rows = records
        .iter()
        .map(|r| {
            let coupling = coupled.get(&r.id);
            let counterpart_id = coupling.map(|c| c.id(side.other()));
            let counterpart_title = counterpart_id.and_then(|id| counterparts.get(&id).cloned());
            let failure = failures.get(&r.id);
            let status = match coupling {
                Some(_) if counterpart_title.is_none() => RecordStatus::CounterpartMissing,
                Some(c) if c.skipped => RecordStatus::Skipped,
                Some(c) if c.last_failed => RecordStatus::Failed,
                Some(_) => RecordStatus::Coupled,
                None if failure.is_some() => RecordStatus::Failed,
                None => RecordStatus::NotCoupled,
            };
            let error = match status {
                RecordStatus::Failed | RecordStatus::Skipped => failure.map(|e| e.message.clone()),
                _ => None,
            };
            RecordRow {
                id: r.id,
                key: key_field.as_deref().and_then(|k| text(r, k)),
                title: text(r, &title_field).unwrap_or_default(),
                modified_on: r.modified_on,
                status,
                counterpart_id,
                counterpart_title: counterpart_title.flatten(),
                last_synced_at: coupling.and_then(|c| c.last_synced_at),
                error,
            }
        })
        .collect();
    Ok(RecordList {
        mapping: m.name.clone(),
        side,
        entity: m.entity(side).to_owned(),
        counterpart_entity: m.entity(side.other()).to_owned(),
        title_field,
        key_field,
        direction: m.direction,
        rows,
    })
}

/// The titles of the records `ids` of `entity`, by id; a record that no longer exists is
/// absent, one without a title maps to `None`.
async fn titles(
    endpoint: &dyn Endpoint,
    entity: &str,
    ids: &[Uuid],
    field: Option<&str>,
) -> Result<HashMap<Uuid, Option<String>>, ApiError> {
    let fields: Vec<String> = field.map(str::to_owned).into_iter().collect();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(COUNTERPART_CHUNK) {
        for r in endpoint.get_many(entity, chunk, &fields).await? {
            let title = field.and_then(|f| text(&r, f));
            out.insert(r.id, title);
        }
    }
    Ok(out)
}

/// The field that names a record of `side` for people: the first match field, else the
/// first mapped field.
fn title_field(m: &TableMapping, side: Side) -> Result<String, ApiError> {
    title_field_or_id(m, side).ok_or_else(|| {
        ApiError::validation(format!(
            "Table mapping {} maps no field of {}, so its records cannot be listed by name.",
            m.name,
            m.entity(side)
        ))
    })
}

fn title_field_or_id(m: &TableMapping, side: Side) -> Option<String> {
    let field_of = |f: &couplet_model::FieldMapping| match side {
        Side::Erp => f.erp_field.clone(),
        Side::Crm => f.crm_field.clone(),
    };
    m.fields
        .iter()
        .filter(|f| f.match_priority.is_some())
        .min_by_key(|f| f.match_priority)
        .and_then(field_of)
        .or_else(|| m.fields.iter().find_map(field_of))
}

/// The newest failure of each record of `side`: as the source of a pass, or as its
/// destination.
fn failures_of(errors: &[SyncError], side: Side) -> HashMap<Uuid, &SyncError> {
    let mut out = HashMap::new();
    for e in errors {
        let source_side = match e.direction {
            Direction::FromCrm => Side::Crm,
            _ => Side::Erp,
        };
        let id = if source_side == side {
            e.source_id
        } else {
            e.destination_id
        };
        if let Some(id) = id {
            // Errors come newest first; keep the first seen.
            out.entry(id).or_insert(e);
        }
    }
    out
}

fn text(record: &Record, field: &str) -> Option<String> {
    match record.fields.get(field)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::catalog;

    #[test]
    fn records_are_named_by_their_match_field() {
        let customer = catalog::default_mappings()
            .into_iter()
            .find(|m| m.name == catalog::CUSTOMER)
            .expect("in the catalog");
        assert_eq!(
            title_field(&customer, Side::Erp).expect("mapped"),
            "displayName"
        );
        assert_eq!(title_field(&customer, Side::Crm).expect("mapped"), "name");
    }

    #[test]
    fn a_failure_is_found_from_either_side_of_its_pass() {
        let (erp, crm) = (Uuid::new_v4(), Uuid::new_v4());
        let error = SyncError {
            id: 1,
            run_id: Uuid::new_v4(),
            mapping: "CUSTOMER".into(),
            direction: Direction::FromCrm,
            source_id: Some(crm),
            destination_id: Some(erp),
            message: "too long".into(),
            cause: None,
            retryable: false,
            at: chrono::Utc::now(),
        };
        let errors = [error];
        assert!(failures_of(&errors, Side::Crm).contains_key(&crm));
        assert!(failures_of(&errors, Side::Erp).contains_key(&erp));
    }
}
