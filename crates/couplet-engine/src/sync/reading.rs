//! Reads the engine needs besides the changed records: whole small entities, lookup
//! tables, the keys used for numbering, and match candidates.

use std::collections::HashSet;

use couplet_model::{
    Direction, Endpoint, EndpointError, Filter, Literal, Query, Record, Side, TableMapping,
    Transform,
};
use couplet_store::{Store, couplings, mappings};
use serde_json::Value;

use crate::EngineError;
use crate::planner::{LookupTable, Lookups};

/// How many source records' match values go into one candidate query.
const CANDIDATE_CHUNK: usize = 25;
/// Couplings read per store call when building a lookup table.
const COUPLING_PAGE: u64 = 1000;

/// Every record of `entity` matching `filter`, all pages.
pub async fn read_all(
    endpoint: &dyn Endpoint,
    entity: &str,
    fields: Vec<String>,
    filter: Option<Filter>,
) -> Result<Vec<Record>, EndpointError> {
    let query = Query {
        entity: entity.to_owned(),
        fields,
        filter,
        ..Query::default()
    };
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = endpoint.query(&query, next.as_deref()).await?;
        out.extend(page.records);
        match page.next {
            Some(token) => next = Some(token),
            None => return Ok(out),
        }
    }
}

/// The lookup tables the field mappings of `pass` need: for each referenced mapping, the
/// keys of its ERP records and its couplings.
pub async fn lookups(
    store: &Store,
    erp: &dyn Endpoint,
    mapping: &TableMapping,
    pass: Direction,
) -> Result<Lookups, EngineError> {
    let mut out = Lookups::new();
    for f in mapping.fields_for(pass) {
        let Transform::Lookup {
            mapping: referenced,
            erp_key_field,
        } = &f.transform
        else {
            continue;
        };
        if out.get(referenced).is_some() {
            continue;
        }
        let name = referenced.clone();
        let Some(target) = store.run(move |conn| mappings::get(conn, &name)).await? else {
            continue;
        };
        let mut table = LookupTable::new(&target);
        let records = read_all(erp, &target.erp_entity, vec![erp_key_field.clone()], None).await?;
        for r in &records {
            if let Some(key) = r.text(erp_key_field) {
                table.add_erp_record(r.id, key);
            }
        }
        let mut offset: u64 = 0;
        loop {
            let name = referenced.clone();
            let page = store
                .run(move |conn| couplings::list(conn, &name, offset, COUPLING_PAGE))
                .await?;
            for c in &page {
                table.add_coupling(c.erp_id, c.crm_id);
            }
            if (page.len() as u64) < COUPLING_PAGE {
                break;
            }
            offset += COUPLING_PAGE;
        }
        out.insert(referenced, table);
    }
    Ok(out)
}

/// The keys already used in Business Central, when records created there are numbered
/// by Couplet (`mapping.erp_numbering`); empty otherwise.
pub async fn existing_keys(
    erp: &dyn Endpoint,
    mapping: &TableMapping,
    destination: Side,
) -> Result<Vec<String>, EndpointError> {
    let (Side::Erp, Some(numbering)) = (destination, &mapping.erp_numbering) else {
        return Ok(Vec::new());
    };
    let records = read_all(
        erp,
        &mapping.erp_entity,
        vec![numbering.field.clone()],
        None,
    )
    .await?;
    Ok(records
        .iter()
        .filter_map(|r| r.text(&numbering.field).map(str::to_owned))
        .collect())
}

fn literal(value: &Value) -> Option<Literal> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(Literal::String(s.trim().to_owned())),
        Value::Bool(b) => Some(Literal::Bool(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Some(Literal::Int(i)),
            None => n.as_f64().map(Literal::Decimal),
        },
        _ => None,
    }
}

/// Uncoupled destination records that may match the uncoupled source `records`: the
/// destination filter and the lowest match-priority group's values, queried in chunks;
/// records already coupled under the mapping are left out.
pub async fn candidates(
    store: &Store,
    destination: &dyn Endpoint,
    mapping: &TableMapping,
    pass: Direction,
    records: &[&Record],
) -> Result<Vec<Record>, EngineError> {
    let Some(source) = pass.source() else {
        return Ok(Vec::new());
    };
    let dst = source.other();
    let match_fields: Vec<_> = mapping
        .fields_for(pass)
        .filter(|f| f.match_priority.is_some() && f.constant.is_none())
        .filter(|f| f.field(source).is_some() && f.field(dst).is_some())
        .collect();
    let Some(lowest) = match_fields.iter().filter_map(|f| f.match_priority).min() else {
        return Ok(Vec::new());
    };
    let group: Vec<_> = match_fields
        .iter()
        .filter(|f| f.match_priority == Some(lowest))
        .collect();
    let fields = mapping.selected_fields(dst);
    let entity = mapping.entity(dst);
    let mut found: Vec<Record> = Vec::new();
    if group
        .iter()
        .any(|f| matches!(f.transform, Transform::Lookup { .. }))
    {
        // Translated values cannot be queried directly: read every row the filter allows.
        found = read_all(destination, entity, fields, mapping.filter(dst).cloned()).await?;
    } else {
        for chunk in records.chunks(CANDIDATE_CHUNK) {
            let alternatives: Vec<Filter> = chunk
                .iter()
                .filter_map(|r| {
                    let parts: Vec<Option<Filter>> = group
                        .iter()
                        .filter_map(|f| {
                            let value = literal(r.get(f.field(source)?))?;
                            Some(Some(Filter::eq(f.field(dst)?, value)))
                        })
                        .collect();
                    Filter::all(parts)
                })
                .collect();
            if alternatives.is_empty() {
                continue;
            }
            let filter =
                Filter::all([mapping.filter(dst).cloned(), Some(Filter::Or(alternatives))]);
            found.extend(read_all(destination, entity, fields.clone(), filter).await?);
        }
    }
    let mut seen = HashSet::new();
    found.retain(|r| seen.insert(r.id));
    if found.is_empty() {
        return Ok(found);
    }
    let ids: Vec<_> = found.iter().map(|r| r.id).collect();
    let name = mapping.name.clone();
    let coupled: HashSet<_> = store
        .run(move |conn| couplings::get_many(conn, &name, dst, &ids))
        .await?
        .iter()
        .map(|c| c.id(dst))
        .collect();
    found.retain(|r| !coupled.contains(&r.id));
    Ok(found)
}
