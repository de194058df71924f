//! Creating many records in one request: Dataverse's `CreateMultiple` message.
//!
//! A first synchronization mostly creates; one `CreateMultiple` of up to [`BULK_CHUNK`] records
//! replaces as many single POSTs. The message is all-or-nothing on standard tables, so when it
//! refuses the data (one invalid record, an id that already exists) the chunk is written again
//! one record at a time: the bad record fails alone and a retried create is recognised as ours.
//! A table that does not support the message is remembered and written singly from then on.

use couplet_model::{EndpointError, ErrorKind, WriteOp, WriteOutcome};
use couplet_odata::{Method, ODataRequest};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Dataverse, SERVICE, SIDE, wire_body};
use crate::entity::EntityDef;

/// Records per `CreateMultiple` request (Microsoft suggests starting around 1,000 for standard
/// tables; the engine hands over at most 500 at a time).
pub(super) const BULK_CHUNK: usize = 500;
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

impl Dataverse {
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
        let written = self
            .source(def)
            .by_ids(&ids, &[])
            .await
            .map_err(BulkFailure::Failed)?;
        Ok(ops
            .iter()
            .map(|op| {
                let id = op.id();
                written
                    .iter()
                    .find(|r| r.id == id)
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
