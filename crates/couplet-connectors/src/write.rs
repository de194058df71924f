//! Turning a service's answer to one write into a [`WriteOutcome`], shared by both connectors.

use couplet_model::{EndpointError, ErrorKind, Record, WriteOutcome};
use couplet_odata::ODataError;
use serde_json::Value;
use uuid::Uuid;

use crate::read::{Source, parse_timestamp};

/// One write, with what is needed to read its record back.
pub(crate) struct Written<'a> {
    /// Where the record is read back from.
    pub source: &'a Source<'a>,
    /// The service's name, for errors ("Business Central", "Dataverse").
    pub service: &'static str,
    /// The record's id.
    pub id: Uuid,
    /// Whether the write was a create.
    pub created: bool,
}

impl Written<'_> {
    /// The outcome of a write the service accepted: the timestamp and ETag of the answer's
    /// representation (ETag header as fallback), or, without a usable one, of the record read back.
    pub(crate) async fn accepted(
        &self,
        body: Option<&Value>,
        etag_header: Option<&str>,
    ) -> Result<WriteOutcome, EndpointError> {
        match body.and_then(|b| self.representation(b)) {
            Some((modified_on, etag)) => Ok(WriteOutcome {
                id: self.id,
                modified_on,
                etag: etag.or_else(|| etag_header.map(str::to_owned)),
                created: self.created,
            }),
            None => {
                let record = self.read_back().await?.ok_or_else(|| {
                    EndpointError::new(
                        ErrorKind::Protocol,
                        self.source.side,
                        format!(
                            "{} accepted the write to {} {} but the record cannot be read back",
                            self.service, self.source.def.name, self.id
                        ),
                    )
                })?;
                Ok(self.outcome(record, self.created))
            }
        }
    }

    /// A create the service refused because the id already exists: a retried create that had
    /// succeeded, so the record with our id is ours. If it cannot be read, the refusal stands.
    pub(crate) async fn already_created(
        &self,
        refusal: ODataError,
    ) -> Result<WriteOutcome, EndpointError> {
        let found = self.read_back().await?;
        self.already_created_as(refusal, found)
    }

    /// Like [`Written::already_created`], with the record with our id already read (several
    /// refused creates are read back together): found, it is ours; missing, the refusal stands.
    pub(crate) fn already_created_as(
        &self,
        refusal: ODataError,
        found: Option<Record>,
    ) -> Result<WriteOutcome, EndpointError> {
        match found {
            Some(record) => Ok(self.outcome(record, false)),
            None => Err(refusal.into_endpoint_error(self.source.side)),
        }
    }

    async fn read_back(&self) -> Result<Option<Record>, EndpointError> {
        Ok(self
            .source
            .by_ids(&[self.id], &[])
            .await?
            .into_iter()
            .next())
    }

    fn outcome(&self, record: Record, created: bool) -> WriteOutcome {
        WriteOutcome {
            id: self.id,
            modified_on: record.modified_on,
            etag: record.etag,
            created,
        }
    }

    /// The modified-on timestamp and `@odata.etag` of a written entity's representation.
    fn representation(
        &self,
        body: &Value,
    ) -> Option<(chrono::DateTime<chrono::Utc>, Option<String>)> {
        let modified = body
            .get(&self.source.def.modified)?
            .as_str()
            .and_then(parse_timestamp)?;
        let etag = body
            .get("@odata.etag")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Some((modified, etag))
    }
}
