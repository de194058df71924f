//! The Business Central and Dataverse connectors: each implements
//! [`couplet_model::Endpoint`] on top of the OData plumbing in `couplet-odata`.
//!
//! Both talk to the documented Microsoft APIs (Business Central API v2.0, Dataverse Web API
//! v9.2) and work unchanged against the real services and the emulated ones.

pub mod business_central;
mod catalog;
mod changes;
mod connection;
pub mod dataverse;
mod entity;
mod read;
mod write;
mod xml_document;

pub use business_central::{BusinessCentral, Company};
pub use catalog::{CacheFuture, SchemaCache};
pub use connection::check_token;
pub use couplet_odata::{ClientConfig, RetryPolicy, Secret};
pub use dataverse::Dataverse;
pub use entity::EntityDescription;
