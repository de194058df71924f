//! Reads the engine needs besides the changed records: whole small entities, lookup
//! tables, the keys used for numbering, and match candidates.

use std::collections::{HashMap, HashSet};

use couplet_model::{
    Direction, Endpoint, EndpointError, Filter, Literal, Query, Record, Side, TableMapping,
    Transform,
};
use couplet_store::{RecordSpill, Store, couplings, mappings};
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

/// Which destination records can match a set of uncoupled source records.
enum MatchScope {
    /// The mapping has no match fields for this pass, or no record has a value for them.
    Nothing,
    /// A match value is translated (a lookup), so every row the filter allows may match.
    Everything,
    /// One set of `field = value` conditions per source record (the lowest match-priority
    /// group's values that are not empty).
    Alternatives(Vec<Vec<(String, Literal)>>),
}

fn match_scope(mapping: &TableMapping, pass: Direction, records: &[&Record]) -> MatchScope {
    let Some(source) = pass.source() else {
        return MatchScope::Nothing;
    };
    let dst = source.other();
    let match_fields: Vec<_> = mapping
        .fields_for(pass)
        .filter(|f| f.match_priority.is_some() && f.constant.is_none())
        .filter(|f| f.field(source).is_some() && f.field(dst).is_some())
        .collect();
    let Some(lowest) = match_fields.iter().filter_map(|f| f.match_priority).min() else {
        return MatchScope::Nothing;
    };
    let group: Vec<_> = match_fields
        .iter()
        .filter(|f| f.match_priority == Some(lowest))
        .collect();
    if group
        .iter()
        .any(|f| matches!(f.transform, Transform::Lookup { .. }))
    {
        return MatchScope::Everything;
    }
    let alternatives: Vec<Vec<(String, Literal)>> = records
        .iter()
        .map(|r| {
            group
                .iter()
                .filter_map(|f| {
                    let value = literal(r.get(f.field(source)?))?;
                    Some((f.field(dst)?.to_owned(), value))
                })
                .collect::<Vec<_>>()
        })
        .filter(|conditions| !conditions.is_empty())
        .collect();
    if alternatives.is_empty() {
        MatchScope::Nothing
    } else {
        MatchScope::Alternatives(alternatives)
    }
}

/// Uncoupled destination records that may match the uncoupled source `records`, queried
/// from the destination: the destination filter and the lowest match-priority group's
/// values, in chunks. Suited to a few records (incremental runs).
pub async fn candidates(
    store: &Store,
    destination: &dyn Endpoint,
    mapping: &TableMapping,
    pass: Direction,
    records: &[&Record],
) -> Result<Vec<Record>, EngineError> {
    let Some(dst) = pass.source().map(Side::other) else {
        return Ok(Vec::new());
    };
    let fields = mapping.selected_fields(dst);
    let entity = mapping.entity(dst);
    let found = match match_scope(mapping, pass, records) {
        MatchScope::Nothing => return Ok(Vec::new()),
        MatchScope::Everything => {
            read_all(destination, entity, fields, mapping.filter(dst).cloned()).await?
        }
        MatchScope::Alternatives(alternatives) => {
            let mut found = Vec::new();
            for chunk in alternatives.chunks(CANDIDATE_CHUNK) {
                let any = chunk
                    .iter()
                    .filter_map(|conditions| {
                        Filter::all(
                            conditions
                                .iter()
                                .map(|(field, value)| Some(Filter::eq(field, value.clone()))),
                        )
                    })
                    .collect();
                let filter = Filter::all([mapping.filter(dst).cloned(), Some(Filter::Or(any))]);
                found.extend(read_all(destination, entity, fields.clone(), filter).await?);
            }
            found
        }
    };
    uncoupled_only(store, mapping, dst, found).await
}

/// Every destination record the mapping's destination filter allows, read once per pass
/// when many records need candidates (a full synchronization): a few large pages cost far
/// fewer requests than one filtered query per handful of records. Searched through an index
/// per set of match fields, built the first time that set is asked for. Up to
/// [`POOL_IN_MEMORY`] records stay in memory; a larger pool goes to a [`RecordSpill`] on disk,
/// so a million destination rows do not take gigabytes.
pub struct CandidatePool {
    records: Vec<Record>,
    /// Per list of destination fields: each record's values of them (as compared) → where
    /// the records with those values are (in-memory pools).
    indexes: HashMap<Vec<String>, HashMap<Vec<String>, Vec<usize>>>,
    /// The records, when there are too many to keep in memory.
    spill: Option<RecordSpill>,
}

/// The most destination records a candidate pool keeps in memory.
pub const POOL_IN_MEMORY: usize = 20_000;

impl CandidatePool {
    /// Reads the pool of `mapping`'s destination in `pass`, page by page.
    pub async fn read(
        destination: &dyn Endpoint,
        mapping: &TableMapping,
        pass: Direction,
    ) -> Result<CandidatePool, EngineError> {
        let mut pool = CandidatePool::new(Vec::new());
        let Some(dst) = pass.source().map(Side::other) else {
            return Ok(pool);
        };
        let query = Query {
            entity: mapping.entity(dst).to_owned(),
            fields: mapping.selected_fields(dst),
            filter: mapping.filter(dst).cloned(),
            modified_since: None,
            modified_before: None,
            page_size: Some(super::PAGE_SIZE),
        };
        let mut next: Option<String> = None;
        loop {
            let page = destination.query(&query, next.as_deref()).await?;
            pool.add(page.records, POOL_IN_MEMORY).await?;
            match page.next {
                Some(token) => next = Some(token),
                None => return Ok(pool),
            }
        }
    }

    fn new(records: Vec<Record>) -> CandidatePool {
        CandidatePool {
            records,
            indexes: HashMap::new(),
            spill: None,
        }
    }

    /// Adds `records`, moving everything to disk once more than `in_memory` are held.
    async fn add(&mut self, records: Vec<Record>, in_memory: usize) -> Result<(), EngineError> {
        if let Some(spill) = &self.spill {
            spill.append(records).await?;
            return Ok(());
        }
        self.records.extend(records);
        if self.records.len() > in_memory {
            let spill = RecordSpill::new()?;
            spill.append(std::mem::take(&mut self.records)).await?;
            self.spill = Some(spill);
        }
        Ok(())
    }

    /// Every record of the pool.
    async fn all(&self) -> Result<Vec<Record>, EngineError> {
        match &self.spill {
            Some(spill) => Ok(spill.all().await?),
            None => Ok(self.records.clone()),
        }
    }

    /// The records that satisfy any of the alternatives (every condition of one), each once.
    async fn matching(
        &mut self,
        alternatives: &[Vec<(String, Literal)>],
    ) -> Result<Vec<Record>, EngineError> {
        let Some(spill) = &self.spill else {
            return Ok(self.matching_in_memory(alternatives));
        };
        let mut keys_by_fields: HashMap<Vec<String>, Vec<String>> = HashMap::new();
        for conditions in alternatives {
            let fields: Vec<String> = conditions.iter().map(|(f, _)| f.clone()).collect();
            let key: Vec<String> = conditions.iter().map(|(_, v)| literal_key(v)).collect();
            keys_by_fields
                .entry(fields)
                .or_default()
                .push(key.join(KEY_SEPARATOR));
        }
        let mut found: Vec<Record> = Vec::new();
        for (fields, keys) in keys_by_fields {
            let name = fields.join(KEY_SEPARATOR);
            spill
                .index(name.clone(), move |record| {
                    record_key(record, &fields).map(|key| key.join(KEY_SEPARATOR))
                })
                .await?;
            found.extend(spill.find(name, keys).await?);
        }
        Ok(found)
    }

    fn matching_in_memory(&mut self, alternatives: &[Vec<(String, Literal)>]) -> Vec<Record> {
        let mut positions: Vec<usize> = Vec::new();
        for conditions in alternatives {
            let fields: Vec<String> = conditions.iter().map(|(f, _)| f.clone()).collect();
            let records = &self.records;
            let index = self
                .indexes
                .entry(fields)
                .or_insert_with_key(|fields| index_by(records, fields));
            let key: Vec<String> = conditions.iter().map(|(_, v)| literal_key(v)).collect();
            if let Some(found) = index.get(&key) {
                positions.extend(found);
            }
        }
        positions.sort_unstable();
        positions.dedup();
        positions
            .into_iter()
            .map(|at| self.records[at].clone())
            .collect()
    }
}

/// Between the parts of a key made of several fields' values (a character no value uses).
const KEY_SEPARATOR: &str = "\u{1f}";

/// A record's values of `fields` as compared, or `None` when one is empty.
fn record_key(record: &Record, fields: &[String]) -> Option<Vec<String>> {
    fields
        .iter()
        .map(|f| literal(record.get(f)).map(|v| literal_key(&v)))
        .collect()
}

/// Where the records are, by their values of `fields` (records without a value for one of
/// them are left out: an empty value never matches).
fn index_by(records: &[Record], fields: &[String]) -> HashMap<Vec<String>, Vec<usize>> {
    let mut index: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
    for (at, record) in records.iter().enumerate() {
        if let Some(key) = record_key(record, fields) {
            index.entry(key).or_default().push(at);
        }
    }
    index
}

/// The records of `pool` that may match the uncoupled source `records`, with the same
/// rules as the service-side query (case-insensitive text), and not coupled yet.
pub async fn pick_candidates(
    store: &Store,
    pool: &mut CandidatePool,
    mapping: &TableMapping,
    pass: Direction,
    records: &[&Record],
) -> Result<Vec<Record>, EngineError> {
    let Some(dst) = pass.source().map(Side::other) else {
        return Ok(Vec::new());
    };
    let found: Vec<Record> = match match_scope(mapping, pass, records) {
        MatchScope::Nothing => return Ok(Vec::new()),
        MatchScope::Everything => pool.all().await?,
        MatchScope::Alternatives(alternatives) => pool.matching(&alternatives).await?,
    };
    uncoupled_only(store, mapping, dst, found).await
}

/// A value as compared by the services: text case-insensitively, other values exactly.
fn literal_key(value: &Literal) -> String {
    match value {
        Literal::String(s) => format!("s:{}", s.to_lowercase()),
        Literal::Int(i) => format!("n:{i}"),
        Literal::Decimal(d) => format!("n:{d}"),
        Literal::Bool(b) => format!("b:{b}"),
        other => format!("{other:?}"),
    }
}

/// Leaves out duplicates and records already coupled under the mapping.
async fn uncoupled_only(
    store: &Store,
    mapping: &TableMapping,
    dst: Side,
    mut found: Vec<Record>,
) -> Result<Vec<Record>, EngineError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use serde_json::json;
    use uuid::Uuid;

    fn record(name: &str, city: &str) -> Record {
        let mut fields = couplet_model::Fields::new();
        fields.insert("name".into(), json!(name));
        fields.insert("address1_city".into(), json!(city));
        Record {
            id: Uuid::new_v4(),
            fields,
            modified_on: Utc::now(),
            modified_by: None,
            etag: None,
        }
    }

    /// The pool of these records, in memory or spilled to disk.
    async fn pool_of(records: &[Record], spilled: bool) -> CandidatePool {
        let mut pool = CandidatePool::new(Vec::new());
        let in_memory = if spilled { 1 } else { records.len() };
        for record in records {
            pool.add(vec![record.clone()], in_memory)
                .await
                .expect("added");
        }
        assert_eq!(pool.spill.is_some(), spilled);
        pool
    }

    #[tokio::test]
    async fn the_pool_is_searched_like_the_service_case_insensitively_on_every_condition() {
        let records = vec![
            record("Adatum Corporation", "Paris"),
            record("ADATUM CORPORATION", "Lyon"),
            record("Fabrikam", "Paris"),
        ];
        for spilled in [false, true] {
            let mut pool = pool_of(&records, spilled).await;
            search_like_the_service(&mut pool, &records).await;
            assert_eq!(pool.all().await.expect("all"), records);
        }
    }

    async fn search_like_the_service(pool: &mut CandidatePool, records: &[Record]) {
        let name = |v: &str| ("name".to_owned(), Literal::String(v.to_owned()));
        let city = |v: &str| ("address1_city".to_owned(), Literal::String(v.to_owned()));
        let found = pool
            .matching(&[vec![name("adatum corporation")]])
            .await
            .expect("found");
        assert_eq!(found.len(), 2, "text compares case-insensitively");
        let found = pool
            .matching(&[vec![name("adatum corporation"), city("lyon")]])
            .await
            .expect("found");
        assert_eq!(
            found,
            vec![records[1].clone()],
            "every condition of a record must hold"
        );
        let found = pool
            .matching(&[vec![name("Contoso")], vec![name("fabrikam")]])
            .await
            .expect("found");
        assert_eq!(
            found,
            vec![records[2].clone()],
            "any record's conditions may hold"
        );
    }
}
