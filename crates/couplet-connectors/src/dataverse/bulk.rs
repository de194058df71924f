//! Writing many records in one request: Dataverse's `CreateMultiple` and `UpdateMultiple`
//! messages.
//!
//! A first synchronization mostly creates, a later one mostly updates; one message of up to
//! [`BULK_CHUNK`] records replaces as many single requests. The messages are all-or-nothing on
//! standard tables, so when one refuses the data (one invalid record, an id that already
//! exists, a row deleted meanwhile) the chunk is written again one record at a time: the bad
//! record fails alone and a retried create is recognised as ours. A table that does not
//! support the messages is remembered and written singly from then on.
//!
//! `UpdateMultiple` takes no ETag per row, so unlike a single PATCH it cannot refuse a row that
//! someone changed between Couplet's read and its write (milliseconds apart, as the engine
//! reads the destination rows just before it writes them); see docs/decisions.md.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use couplet_model::{
    CmpOp, EndpointError, ErrorKind, Filter, Literal, Record, WriteOp, WriteOutcome,
};
use couplet_odata::{Method, ODataRequest};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Dataverse, SERVICE, SIDE, wire_body};
use crate::entity::EntityDef;

/// Records per `CreateMultiple` request (Microsoft suggests starting around 1,000 for standard
/// tables).
pub(super) const BULK_CHUNK: usize = 1_000;
/// The platform's answer for a table without the message.
const NOT_SUPPORTED: &str = "0x80040800";

/// A bulk message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Message {
    /// `CreateMultiple`: new rows with client-chosen ids.
    Create,
    /// `UpdateMultiple`: changed fields of existing rows.
    Update,
}

impl Message {
    /// The message for `op`'s kind.
    pub(super) fn of(op: &WriteOp) -> Message {
        match op {
            WriteOp::Create { .. } => Message::Create,
            WriteOp::Update { .. } => Message::Update,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Message::Create => "CreateMultiple",
            Message::Update => "UpdateMultiple",
        }
    }

    /// The timestamp column the message stamps and the lookup naming who wrote.
    fn stamps(self) -> (&'static str, &'static str) {
        match self {
            Message::Create => ("createdon", "_createdby_value"),
            Message::Update => ("modifiedon", "_modifiedby_value"),
        }
    }
}

/// Why a bulk message did not write its chunk.
pub(super) enum BulkFailure {
    /// The table does not support the message: write singly, now and later.
    Unsupported,
    /// The service refused the data: write the chunk singly to find the bad record.
    Refused,
    /// A failure that writing singly would meet too (network, throttling that outlasted the
    /// retries, authentication): every record of the chunk fails with it.
    Failed(EndpointError),
}

/// The earliest `createdon` / `modifiedon` the rows of a request can carry: the service's time when it
/// answered (`Date`, to the second) less the time the request took and the second `Date` drops.
fn creation_window_start(date: &str, took: Duration) -> Option<DateTime<Utc>> {
    let answered = DateTime::parse_from_rfc2822(date).ok()?.with_timezone(&Utc);
    let took = chrono::Duration::from_std(took).ok()?;
    Some(answered - took - chrono::Duration::seconds(1))
}

impl Dataverse {
    /// The written records' timestamps and ETags: one read of the rows the message stamped
    /// since the request started (by the integration user, when known) instead of reads by id,
    /// which fit only a few dozen ids in a URL; ids that read misses, or all of them when the
    /// service sent no `Date` or they fit one read by id, are read by id.
    async fn read_back(
        &self,
        def: &EntityDef,
        message: Message,
        ids: &[Uuid],
        window: Option<DateTime<Utc>>,
    ) -> Result<Vec<Record>, EndpointError> {
        let source = self.source(def);
        let mut found = match window {
            Some(since) if ids.len() > source.ids_per_read() => {
                let (stamped, by) = message.stamps();
                let mut parts = vec![Filter::cmp(stamped, CmpOp::Ge, Literal::DateTime(since))];
                if let Some(me) = self.me.get() {
                    parts.push(Filter::eq(by, Literal::Guid(*me)));
                }
                source.all_matching(&Filter::And(parts)).await?
            }
            _ => Vec::new(),
        };
        let wanted: HashSet<Uuid> = ids.iter().copied().collect();
        found.retain(|r| wanted.contains(&r.id));
        let seen: HashSet<Uuid> = found.iter().map(|r| r.id).collect();
        let missing: Vec<Uuid> = ids
            .iter()
            .copied()
            .filter(|id| !seen.contains(id))
            .collect();
        if !missing.is_empty() {
            found.extend(source.by_ids(&missing, &[]).await?);
        }
        Ok(found)
    }

    /// A `CreateMultiple` refused because ids already exist, typically the repeat of one whose
    /// answer was lost after the rows were created (the message is all-or-nothing): the rows
    /// with our ids are read back and reported as found, not created (so the engine writes
    /// its values over them), instead of creating anything twice. When some are missing, the
    /// chunk is written singly so each record gets its own answer.
    async fn created_before(
        &self,
        def: &EntityDef,
        ops: &[WriteOp],
    ) -> Result<Vec<Result<WriteOutcome, EndpointError>>, BulkFailure> {
        let ids: Vec<Uuid> = ops.iter().map(WriteOp::id).collect();
        let found = self
            .source(def)
            .by_ids(&ids, &[])
            .await
            .map_err(BulkFailure::Failed)?;
        let found: std::collections::HashMap<Uuid, Record> =
            found.into_iter().map(|r| (r.id, r)).collect();
        if ids.iter().any(|id| !found.contains_key(id)) {
            return Err(BulkFailure::Refused);
        }
        tracing::info!(
            table = def.name,
            rows = ids.len(),
            "a repeated CreateMultiple found its rows already created; not creating them again"
        );
        Ok(ids
            .iter()
            .filter_map(|id| found.get(id))
            .map(|r| {
                Ok(WriteOutcome {
                    id: r.id,
                    modified_on: r.modified_on,
                    etag: r.etag.clone(),
                    created: false,
                })
            })
            .collect())
    }

    /// Writes `ops` (all of `message`'s kind) with one message, then reads the records back
    /// for their timestamps and ETags. Outcomes come in the order of `ops`.
    pub(super) async fn write_multiple(
        &self,
        def: &EntityDef,
        message: Message,
        ops: &[WriteOp],
    ) -> Result<Vec<Result<WriteOutcome, EndpointError>>, BulkFailure> {
        let mut targets = Vec::with_capacity(ops.len());
        for op in ops {
            if Message::of(op) != message {
                return Err(BulkFailure::Refused);
            }
            let (WriteOp::Create { id, fields } | WriteOp::Update { id, fields, .. }) = op;
            let mut body: Map<String, Value> = match wire_body(def, fields) {
                Ok(body) => body,
                // The single write reports this record's own error.
                Err(_) => return Err(BulkFailure::Refused),
            };
            body.insert(
                "@odata.type".to_owned(),
                Value::String(format!("Microsoft.Dynamics.CRM.{}", def.name)),
            );
            body.insert(def.key.to_owned(), Value::String(id.to_string()));
            targets.push(Value::Object(body));
        }
        let url = format!(
            "{}/{}/Microsoft.Dynamics.CRM.{}",
            self.api,
            def.set,
            message.name()
        );
        let request = ODataRequest::new(Method::POST, url).json(serde_json::json!({
            "Targets": targets
        }));
        let started = std::time::Instant::now();
        let response = match self.client.send(&request).await {
            Ok(response) => response,
            Err(e) if e.code.as_deref() == Some(NOT_SUPPORTED) => {
                return Err(BulkFailure::Unsupported);
            }
            Err(e) if message == Message::Create && super::is_duplicate(&e) => {
                return self.created_before(def, ops).await;
            }
            Err(e) => {
                let e = e.into_endpoint_error(SIDE);
                return Err(match e.kind {
                    ErrorKind::Rejected | ErrorKind::Conflict | ErrorKind::NotFound => {
                        BulkFailure::Refused
                    }
                    _ => BulkFailure::Failed(e),
                });
            }
        };
        let ids: Vec<Uuid> = match message {
            Message::Create => response
                .body
                .as_ref()
                .and_then(|b| b.get("Ids"))
                .and_then(Value::as_array)
                .map(|ids| {
                    ids.iter()
                        .filter_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
                        .collect()
                })
                .unwrap_or_default(),
            // UpdateMultiple answers 204 without a body.
            Message::Update => ops.iter().map(WriteOp::id).collect(),
        };
        if ids.len() != ops.len() {
            return Err(BulkFailure::Failed(EndpointError::new(
                ErrorKind::Protocol,
                SIDE,
                format!(
                    "{SERVICE} answered {} of {} {} records with {} ids",
                    message.name(),
                    ops.len(),
                    def.name,
                    ids.len()
                ),
            )));
        }
        let window = response
            .header("date")
            .and_then(|date| creation_window_start(date, started.elapsed()));
        let written = self
            .read_back(def, message, &ids, window)
            .await
            .map_err(BulkFailure::Failed)?;
        let written: std::collections::HashMap<Uuid, Record> =
            written.into_iter().map(|r| (r.id, r)).collect();
        Ok(ops
            .iter()
            .map(|op| {
                let id = op.id();
                written
                    .get(&id)
                    .map(|r| WriteOutcome {
                        id,
                        modified_on: r.modified_on,
                        etag: r.etag.clone(),
                        created: message == Message::Create,
                    })
                    .ok_or_else(|| {
                        EndpointError::new(
                            ErrorKind::Protocol,
                            SIDE,
                            format!(
                                "{SERVICE} accepted {} of {} {id} but it cannot be read back",
                                message.name(),
                                def.name
                            ),
                        )
                    })
            })
            .collect())
    }
}
