//! An in-memory [`Endpoint`] test double with modified-on, modified-by and ETag semantics,
//! a write counter and injected failures.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use couplet_model::Endpoint;
use couplet_model::{
    EndpointError, EntitySchema, ErrorKind, Fields, IntegrationUser, Page, Query, Record, Side,
    WriteOp, WriteOutcome,
};
use uuid::Uuid;

#[derive(Default)]
struct State {
    entities: HashMap<String, BTreeMap<Uuid, Record>>,
    schemas: HashMap<String, EntitySchema>,
    defaults: HashMap<String, Fields>,
    last: Option<DateTime<Utc>>,
    etag: u64,
    writes: usize,
    /// Ids asked for through `get_many`.
    ids_read: usize,
    /// Writes still allowed before the endpoint "crashes" (panics after applying the write).
    crash_after: Option<usize>,
    /// Writes still allowed before writes are applied but answered with an error.
    lose_responses_after: Option<usize>,
    refuse_token: bool,
}

/// A fake side.
pub struct FakeEndpoint {
    side: Side,
    user: Uuid,
    human: Uuid,
    page_size: usize,
    state: Mutex<State>,
}

impl FakeEndpoint {
    /// A fake side answering `page_size` rows per page.
    pub fn new(side: Side, page_size: usize) -> Arc<FakeEndpoint> {
        Arc::new(FakeEndpoint {
            side,
            user: Uuid::new_v4(),
            human: Uuid::new_v4(),
            page_size,
            state: Mutex::new(State::default()),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("fake endpoint lock")
    }

    /// The integration user's id.
    pub fn integration_user_id(&self) -> Uuid {
        self.user
    }

    fn stamp(state: &mut State) -> (DateTime<Utc>, String) {
        let now = Utc::now();
        let t = match state.last {
            Some(last) if now <= last => last + Duration::microseconds(1),
            _ => now,
        };
        state.last = Some(t);
        state.etag += 1;
        (t, format!("W/\"{}\"", state.etag))
    }

    fn modified_by(&self, ours: bool) -> Option<Uuid> {
        match (self.side, ours) {
            // Business Central does not tell who modified a record.
            (Side::Erp, _) => None,
            (Side::Crm, true) => Some(self.user),
            (Side::Crm, false) => Some(self.human),
        }
    }

    /// Inserts a record as a person would; returns its id.
    pub fn insert(&self, entity: &str, fields: serde_json::Value) -> Uuid {
        let id = Uuid::new_v4();
        let fields: Fields = serde_json::from_value(fields).expect("object");
        let mut state = self.state();
        let (t, etag) = Self::stamp(&mut state);
        let record = Record {
            id,
            fields,
            modified_on: t,
            modified_by: self.modified_by(false),
            etag: Some(etag),
        };
        state
            .entities
            .entry(entity.to_owned())
            .or_default()
            .insert(id, record);
        id
    }

    /// Changes a field as a person would.
    pub fn edit(&self, entity: &str, id: Uuid, field: &str, value: serde_json::Value) {
        let by = self.modified_by(false);
        let mut state = self.state();
        let (t, etag) = Self::stamp(&mut state);
        let record = state
            .entities
            .get_mut(entity)
            .and_then(|e| e.get_mut(&id))
            .expect("record to edit exists");
        record.fields.insert(field.to_owned(), value);
        record.modified_on = t;
        record.modified_by = by;
        record.etag = Some(etag);
    }

    /// A record as stored.
    pub fn get(&self, entity: &str, id: Uuid) -> Option<Record> {
        self.state().entities.get(entity)?.get(&id).cloned()
    }

    /// Every record of `entity`.
    pub fn all(&self, entity: &str) -> Vec<Record> {
        self.state()
            .entities
            .get(entity)
            .map(|e| e.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The record of `entity` whose `field` is `value`.
    pub fn find(&self, entity: &str, field: &str, value: &str) -> Vec<Record> {
        self.all(entity)
            .into_iter()
            .filter(|r| r.text(field) == Some(value))
            .collect()
    }

    /// Successful writes so far.
    pub fn writes(&self) -> usize {
        self.state().writes
    }

    /// How many ids `get_many` was asked for so far.
    pub fn ids_read(&self) -> usize {
        self.state().ids_read
    }

    /// After `n` more writes, the next write is applied and then the process "crashes".
    pub fn crash_after(&self, n: Option<usize>) {
        self.state().crash_after = n;
    }

    /// After `n` more writes, writes are applied but answered with an error.
    pub fn lose_responses_after(&self, n: Option<usize>) {
        self.state().lose_responses_after = n;
    }

    /// Makes the token refused.
    pub fn refuse_token(&self, refuse: bool) {
        self.state().refuse_token = refuse;
    }

    /// Values the service gives a created record of `entity` when the create leaves them out
    /// (Dataverse `statecode` 0, Business Central `blocked` " ").
    pub fn set_defaults(&self, entity: &str, fields: serde_json::Value) {
        let fields: Fields = serde_json::from_value(fields).expect("object");
        self.state().defaults.insert(entity.to_owned(), fields);
    }

    /// Sets the schema of `entity`.
    pub fn set_schema(&self, schema: EntitySchema) {
        self.state().schemas.insert(schema.entity.clone(), schema);
    }

    fn project(record: &Record, fields: &[String]) -> Record {
        let mut out = record.clone();
        if !fields.is_empty() {
            out.fields.retain(|k, _| fields.contains(k));
        }
        out
    }

    fn apply(
        &self,
        state: &mut State,
        entity: &str,
        op: WriteOp,
    ) -> Result<WriteOutcome, EndpointError> {
        let by = self.modified_by(true);
        let (t, etag) = Self::stamp(state);
        let defaults = state.defaults.get(entity).cloned().unwrap_or_default();
        let table = state.entities.entry(entity.to_owned()).or_default();
        match op {
            WriteOp::Create { id, fields: given } => {
                let mut fields = defaults;
                fields.extend(given);
                if let Some(existing) = table.get(&id) {
                    return Ok(WriteOutcome {
                        id,
                        modified_on: existing.modified_on,
                        etag: existing.etag.clone(),
                        created: false,
                    });
                }
                table.insert(
                    id,
                    Record {
                        id,
                        fields,
                        modified_on: t,
                        modified_by: by,
                        etag: Some(etag.clone()),
                    },
                );
                Ok(WriteOutcome {
                    id,
                    modified_on: t,
                    etag: Some(etag),
                    created: true,
                })
            }
            WriteOp::Update {
                id,
                etag: expected,
                fields,
            } => {
                let Some(record) = table.get_mut(&id) else {
                    return Err(EndpointError::new(
                        ErrorKind::NotFound,
                        self.side,
                        format!("{entity} {id} does not exist"),
                    ));
                };
                if expected.is_some() && expected != record.etag {
                    return Err(EndpointError::new(
                        ErrorKind::Conflict,
                        self.side,
                        "the record changed since it was read",
                    ));
                }
                record.fields.extend(fields);
                record.modified_on = t;
                record.modified_by = by;
                record.etag = Some(etag.clone());
                Ok(WriteOutcome {
                    id,
                    modified_on: t,
                    etag: Some(etag),
                    created: false,
                })
            }
        }
    }
}

#[async_trait]
impl Endpoint for FakeEndpoint {
    fn side(&self) -> Side {
        self.side
    }

    async fn integration_user(&self) -> Result<IntegrationUser, EndpointError> {
        if self.state().refuse_token {
            return Err(EndpointError::new(
                ErrorKind::Auth,
                self.side,
                "AADSTS7000215: Invalid client secret provided",
            ));
        }
        Ok(IntegrationUser {
            id: self.user,
            name: Some("Couplet".into()),
        })
    }

    async fn schema(&self, entity: &str) -> Result<EntitySchema, EndpointError> {
        Ok(self
            .state()
            .schemas
            .get(entity)
            .cloned()
            .unwrap_or(EntitySchema {
                entity: entity.to_owned(),
                fields: vec![],
            }))
    }

    async fn query(&self, query: &Query, page: Option<&str>) -> Result<Page, EndpointError> {
        let state = self.state();
        let mut rows: Vec<&Record> = state
            .entities
            .get(&query.entity)
            .map(|e| e.values().collect())
            .unwrap_or_default();
        rows.retain(|r| {
            query.filter.as_ref().is_none_or(|f| f.matches(&r.fields))
                && query.modified_since.is_none_or(|s| r.modified_on >= s)
                && query.modified_before.is_none_or(|b| r.modified_on < b)
        });
        rows.sort_by_key(|r| (r.modified_on, r.id));
        let start: usize = page.map(|p| p.parse().expect("page token")).unwrap_or(0);
        let end = (start + self.page_size).min(rows.len());
        Ok(Page {
            records: rows[start.min(end)..end]
                .iter()
                .map(|r| Self::project(r, &query.fields))
                .collect(),
            next: (end < rows.len()).then(|| end.to_string()),
        })
    }

    async fn get_many(
        &self,
        entity: &str,
        ids: &[Uuid],
        fields: &[String],
    ) -> Result<Vec<Record>, EndpointError> {
        let mut state = self.state();
        state.ids_read += ids.len();
        let Some(table) = state.entities.get(entity) else {
            return Ok(vec![]);
        };
        Ok(ids
            .iter()
            .filter_map(|id| table.get(id))
            .map(|r| Self::project(r, fields))
            .collect())
    }

    async fn write(
        &self,
        entity: &str,
        ops: Vec<WriteOp>,
    ) -> Vec<Result<WriteOutcome, EndpointError>> {
        let mut out = Vec::new();
        let mut crash = false;
        {
            let mut state = self.state();
            for op in ops {
                let result = self.apply(&mut state, entity, op);
                if result.is_ok() {
                    state.writes += 1;
                }
                if let Some(n) = state.crash_after {
                    if n == 0 {
                        crash = true;
                        break;
                    }
                    state.crash_after = Some(n - 1);
                }
                let lost = match state.lose_responses_after {
                    Some(0) => true,
                    Some(n) => {
                        state.lose_responses_after = Some(n - 1);
                        false
                    }
                    None => false,
                };
                out.push(if lost {
                    Err(EndpointError::new(
                        ErrorKind::Connection,
                        self.side,
                        "the connection was reset",
                    ))
                } else {
                    result
                });
            }
        }
        if crash {
            panic!("simulated crash after the write landed");
        }
        out
    }
}
