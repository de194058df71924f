//! The trait every connector implements, and its error.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{EntitySchema, Fields, Filter, Record, ServiceUsage, Side};

/// What kind of failure an endpoint call met; drives retries and the message shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The settings are unusable (malformed URL, missing company).
    Config,
    /// The host could not be resolved or reached.
    Connection,
    /// The TLS handshake failed.
    Tls,
    /// The token endpoint refused the credentials, or the service refused the token.
    Auth,
    /// The identity is known but lacks a privilege.
    Forbidden,
    /// The entity set or record does not exist.
    NotFound,
    /// The record changed since it was read (stale ETag) or already exists.
    Conflict,
    /// The service asked us to slow down (429).
    Throttled,
    /// The request timed out.
    Timeout,
    /// The service failed (5xx).
    Server,
    /// The service refused the data (validation, too long, unknown value).
    Rejected,
    /// The service answered something that does not follow the protocol.
    Protocol,
}

impl ErrorKind {
    /// Whether the same call may succeed later without a change.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::Connection | ErrorKind::Throttled | ErrorKind::Timeout | ErrorKind::Server
        )
    }
}

/// A failed endpoint call, classified.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct EndpointError {
    /// The classification.
    pub kind: ErrorKind,
    /// The side that failed.
    pub side: Side,
    /// What failed, for a person.
    pub message: String,
    /// The HTTP status, if there was a response.
    pub status: Option<u16>,
    /// The service's error code (`Request_EntityChanged`, `0x80060882`).
    pub code: Option<String>,
    /// How long the service asked us to wait.
    pub retry_after: Option<Duration>,
}

impl EndpointError {
    /// An error with no HTTP details.
    pub fn new(kind: ErrorKind, side: Side, message: impl Into<String>) -> EndpointError {
        EndpointError {
            kind,
            side,
            message: message.into(),
            status: None,
            code: None,
            retry_after: None,
        }
    }

    /// Whether the same call may succeed later without a change.
    pub fn retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

/// The identity the integration runs as on a side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IntegrationUser {
    /// The user's id on that side (Dataverse `systemuserid` from `WhoAmI`).
    pub id: Uuid,
    /// The user's name, where the side tells.
    pub name: Option<String>,
}

/// A read of one entity. Rows come oldest change first (modified-on, then id), so a
/// checkpoint taken after any page never skips a row of a later page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// The entity (`customers`, `account`).
    pub entity: String,
    /// The fields to return besides id, modified-on, modified-by and ETag.
    pub fields: Vec<String>,
    /// Which rows.
    pub filter: Option<Filter>,
    /// Only rows modified at or after this time (at least once: `ge`).
    pub modified_since: Option<DateTime<Utc>>,
    /// Only rows modified before this time (the run's start), when set.
    pub modified_before: Option<DateTime<Utc>>,
    /// Rows per page asked for; the connector caps it at the service's maximum.
    pub page_size: Option<u32>,
}

/// One page of a read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// The rows.
    pub records: Vec<Record>,
    /// Opaque continuation (the service's next link), `None` on the last page.
    pub next: Option<String>,
}

/// One page of the changes read with the service's change tracking.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChangePage {
    /// Rows created or changed since the token (every row on a first read), with their
    /// current values; only those the query's filter keeps.
    pub records: Vec<Record>,
    /// Rows deleted since the token.
    pub deleted: Vec<Uuid>,
    /// Opaque continuation of this read, `None` on its last page.
    pub next: Option<String>,
    /// On the last page: where the next read of changes starts.
    pub token: Option<String>,
}

/// One write in a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    /// Create a record with a client-chosen id, so a retried create is never a duplicate.
    Create {
        /// The id to create the record with.
        id: Uuid,
        /// Its field values.
        fields: Fields,
    },
    /// Update fields of a record, guarded by its ETag when given.
    Update {
        /// The record.
        id: Uuid,
        /// The ETag last seen; `None` writes unconditionally.
        etag: Option<String>,
        /// The changed fields only.
        fields: Fields,
    },
}

impl WriteOp {
    /// The record the write concerns.
    pub fn id(&self) -> Uuid {
        match self {
            WriteOp::Create { id, .. } | WriteOp::Update { id, .. } => *id,
        }
    }
}

/// The state of a record after our write, kept on the coupling so our own change is not
/// mistaken for a user's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// The record.
    pub id: Uuid,
    /// Its modified-on after the write.
    pub modified_on: DateTime<Utc>,
    /// Its ETag after the write.
    pub etag: Option<String>,
    /// Whether the write created the record (false when it already existed, e.g. a retried
    /// create that had succeeded).
    pub created: bool,
}

/// One side's service, as the engine sees it.
#[async_trait]
pub trait Endpoint: Send + Sync {
    /// Which side this is.
    fn side(&self) -> Side;

    /// Checks that the service can be reached with the configured credentials and returns
    /// the identity the integration runs as.
    async fn integration_user(&self) -> Result<IntegrationUser, EndpointError>;

    /// The fields of `entity`, their types and limits.
    async fn schema(&self, entity: &str) -> Result<EntitySchema, EndpointError>;

    /// Reads one page: the first when `page` is `None`, else the page the token names.
    async fn query(&self, query: &Query, page: Option<&str>) -> Result<Page, EndpointError>;

    /// Reads the rows of `query.entity` changed or deleted since `token` (every row, with a
    /// token for the next read, when `None`), one page at a time (`page` continues a read).
    /// `Ok(None)` when the entity has no change tracking: read it with [`Endpoint::query`].
    /// The query's filter is applied to the rows returned; its modified-since and
    /// modified-before are not used. An expired or refused token is an error: read again
    /// without one.
    async fn changes(
        &self,
        query: &Query,
        token: Option<&str>,
        page: Option<&str>,
    ) -> Result<Option<ChangePage>, EndpointError> {
        let _ = (query, token, page);
        Ok(None)
    }

    /// Reads the records with the given ids; ids that do not exist are left out.
    async fn get_many(
        &self,
        entity: &str,
        ids: &[Uuid],
        fields: &[String],
    ) -> Result<Vec<Record>, EndpointError>;

    /// Applies writes with as few requests as the service allows; one result per write,
    /// in order, so one bad record fails alone.
    async fn write(
        &self,
        entity: &str,
        ops: Vec<WriteOp>,
    ) -> Vec<Result<WriteOutcome, EndpointError>>;

    /// How much of the service's request quota this endpoint used so far, when it measures
    /// it; the engine reports it with its progress events.
    fn usage(&self) -> Option<ServiceUsage> {
        None
    }
}
