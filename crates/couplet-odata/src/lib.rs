//! OData v4 client plumbing shared by the Business Central and Dataverse connectors:
//! credentials and tokens ([`auth`]), the one literal escaping function ([`literal`]),
//! query strings ([`query`]), the HTTP client with retries ([`client`], [`retry`]),
//! typed errors ([`error`]), server-driven paging ([`paging`]) and JSON `$batch` ([`batch`]).
//!
//! It knows nothing about customers or accounts.

pub mod auth;
pub mod auth_certificate;
pub mod batch;
pub mod client;
pub mod error;
pub mod literal;
pub mod paging;
pub mod query;
pub mod retry;

pub use auth::{Auth, BasicAuth, ClientCredential, Secret, TokenConfig, TokenProvider};
pub use auth_certificate::{CertificateError, ClientCertificate};
pub use batch::{BatchRequest, BatchResponse, MAX_BATCH_REQUESTS};
pub use client::{ClientConfig, ODataClient, ODataRequest, ODataResponse};
pub use error::ODataError;
pub use literal::{filter, literal};
pub use paging::ODataPage;
pub use query::QueryBuilder;
pub use reqwest::Method;
pub use retry::RetryPolicy;
