//! Creating many records in one request: Dataverse's `CreateMultiple` message.
//!
//! A first synchronization mostly creates; one `CreateMultiple` of up to [`BULK_CHUNK`] records
//! replaces as many single POSTs. The message is all-or-nothing on standard tables, so when it
//! refuses the data (one invalid record, an id that already exists) the chunk is written again
//! one record at a time: the bad record fails alone and a retried create is recognised as ours.
//! A table that does not support the message is remembered and written singly from then on.

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

/// Why a `CreateMultiple` did not write its chunk.
pub(super) enum BulkFailure {
    /// The table does not support the message: write singly, now and later.
    Unsupported,
    /// The service refused the data: write the chunk singly to find the bad record.
    Refused,
    /// A failure that writing singly would meet too (network, throttling that outlasted the
    /// retries, authentication): every record of the chunk fails with it.
    Failed(EndpointError),
}

/// The earliest `createdon` the rows of a request can carry: the service's time when it
/// answered (`Date`, to the second) less the time the request took and the second `Date` drops.
fn creation_window_start(date: &str, took: Duration) -> Option<DateTime<Utc>> {
    let answered = DateTime::parse_from_rfc2822(date).ok()?.with_timezone(&Utc);
    let took = chrono::Duration::from_std(took).ok()?;
    Some(answered - took - chrono::Duration::seconds(1))
}

impl Dataverse {
    /// The new records' timestamps and ETags: one read of the rows created since the request
    /// started (by the integration user, when known) instead of reads by id, which fit only a
    /// few dozen ids in a URL; ids that read misses, or all of them when the service sent no
    /// `Date`, are read by id.
    async fn read_back(
        &self,
        def: &EntityDef,
        ids: &[Uuid],
        window: Option<DateTime<Utc>>,
    ) -> Result<Vec<Record>, EndpointError> {
        let source = self.source(def);
        let mut found = match window {
            Some(since) => {
                let mut parts = vec![Filter::cmp(
                    "createdon",
                    CmpOp::Ge,
                    Literal::DateTime(since),
                )];
                if let Some(me) = self.me.get() {
                    parts.push(Filter::eq("_createdby_value", Literal::Guid(*me)));
                }
                source.all_matching(&Filter::And(parts)).await?
            }
            None => Vec::new(),
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

    /// Creates `ops` (all creates) with one `CreateMultiple`, then reads the new records back
    /// for their timestamps and ETags. Outcomes come in the order of `ops`.
    pub(super) async fn create_multiple(
        &self,
        def: &EntityDef,
        ops: &[WriteOp],
    ) -> Result<Vec<Result<WriteOutcome, EndpointError>>, BulkFailure> {
        let mut targets = Vec::with_capacity(ops.len());
        for op in ops {
            let WriteOp::Create { id, fields } = op else {
                return Err(BulkFailure::Refused);
            };
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
            "{}/{}/Microsoft.Dynamics.CRM.CreateMultiple",
            self.api, def.set
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
        let ids: Vec<Uuid> = response
            .body
            .as_ref()
            .and_then(|b| b.get("Ids"))
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
                    .collect()
            })
            .unwrap_or_default();
        if ids.len() != ops.len() {
            return Err(BulkFailure::Failed(EndpointError::new(
                ErrorKind::Protocol,
                SIDE,
                format!(
                    "{SERVICE} answered CreateMultiple of {} {} records with {} ids",
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
            .read_back(def, &ids, window)
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
                        created: true,
                    })
                    .ok_or_else(|| {
                        EndpointError::new(
                            ErrorKind::Protocol,
                            SIDE,
                            format!(
                                "{SERVICE} created {} {id} but it cannot be read back",
                                def.name
                            ),
                        )
                    })
            })
            .collect())
    }
}
