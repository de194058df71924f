//! Business Central API v2.0 as an [`Endpoint`].

mod csdl;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use couplet_model::{
    ConnectionSettings, Endpoint, EndpointError, EntitySchema, ErrorKind, IntegrationUser, Page,
    Query, Record, ServiceUsage, Side, WriteOp, WriteOutcome,
};
use couplet_odata::{Auth, BatchRequest, BatchResponse, ClientConfig, Method, ODataClient, Secret};
use serde_json::Value;
use uuid::Uuid;

use crate::catalog::{Catalog, SchemaCache};
use crate::connection::{checked_url, client_credentials, odata_client};
use crate::entity::{EntityDef, EntityDescription, unknown_entity};
use crate::read::Source;
use crate::write::Written;
use crate::xml_document::XmlDocuments;

const SIDE: Side = Side::Erp;

/// The service's name in messages.
const SERVICE: &str = "Business Central";

/// The largest page Business Central online serves.
pub const MAX_PAGE_SIZE: u32 = 20_000;

/// Business Central online's published rate limit: 6,000 requests per user per 5 minutes.
const REQUESTS_PER_WINDOW: u64 = 6_000;

/// The standard API's path segment, replaced by [`CUSTOM_API_PATH`] for the custom API root.
const STANDARD_API_PATH: &str = "api/v2.0";

/// The custom API of Couplet's Business Central extension (resources, price groups, unit
/// groups, …), published beside the standard API.
pub const CUSTOM_API_PATH: &str = "api/couplet/sync/v1.0";

/// The error code Business Central answers a create with when the id or key already exists.
const SAME_KEY_EXISTS: &str = "Internal_EntityWithSameKeyExists";

/// A company of the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    /// The company's id (used in `companies(<id>)`).
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its display name.
    pub display_name: String,
}

/// A Business Central environment reached through API v2.0.
#[derive(Debug, Clone)]
pub struct BusinessCentral {
    client: ODataClient,
    root: url::Url,
    root_text: String,
    /// The custom API root, when the API URL is a standard `api/v2.0` one.
    custom_root_text: Option<String>,
    company_id: Option<Uuid>,
    client_id: String,
    /// Whether the environment was seen to have the configured company: it keeps it while
    /// the connection stands.
    company_found: std::sync::Arc<std::sync::OnceLock<()>>,
    /// The entity sets described by the APIs' `$metadata`.
    catalog: Arc<Catalog>,
    /// Reads the `$metadata` documents.
    documents: XmlDocuments,
}

impl BusinessCentral {
    /// Connects with Entra client credentials; a malformed URL or empty field is a Config error.
    pub fn new(
        settings: &ConnectionSettings,
        secret: Secret,
    ) -> Result<BusinessCentral, EndpointError> {
        BusinessCentral::with_config(settings, secret, ClientConfig::default())
    }

    /// Like [`BusinessCentral::new`], with a chosen timeout and retry policy.
    pub fn with_config(
        settings: &ConnectionSettings,
        secret: Secret,
        config: ClientConfig,
    ) -> Result<BusinessCentral, EndpointError> {
        let auth = client_credentials(settings, SIDE, secret, &config)?;
        BusinessCentral::with_auth(settings, auth, config)
    }

    /// Connects with any [`Auth`], e.g. basic auth for an on-premises server.
    pub fn with_auth(
        settings: &ConnectionSettings,
        auth: Auth,
        config: ClientConfig,
    ) -> Result<BusinessCentral, EndpointError> {
        let root = checked_url(SIDE, "API URL", &settings.url)?;
        let root_text = root.as_str().trim_end_matches('/').to_owned();
        let custom_root_text = root_text
            .ends_with(STANDARD_API_PATH)
            .then(|| root_text.replace(STANDARD_API_PATH, CUSTOM_API_PATH));
        let client = odata_client(SIDE, auth.clone(), config.clone())?;
        let documents = XmlDocuments::new(auth, &config, client.usage_meter())
            .map_err(|e| e.into_endpoint_error(SIDE))?;
        Ok(BusinessCentral {
            client,
            root,
            root_text,
            custom_root_text,
            catalog: Arc::new(Catalog::new(SIDE)),
            documents,
            company_id: settings.company_id,
            client_id: settings.client_id.trim().to_owned(),
            company_found: Default::default(),
        })
    }

    /// The same connection, keeping the entity descriptions it discovers in `cache` and
    /// reusing those found there instead of reading `$metadata` again.
    pub fn with_schema_cache(mut self, cache: Arc<dyn SchemaCache>) -> BusinessCentral {
        self.catalog = Arc::new(Catalog::new(SIDE).with_cache(cache));
        self
    }

    /// The description of `entity` (an entity set of API v2.0, else of the custom API): from
    /// memory or the cache, or, with `refresh` or on first use, from the APIs' `$metadata`.
    pub async fn describe(
        &self,
        entity: &str,
        refresh: bool,
    ) -> Result<EntityDescription, EndpointError> {
        if refresh {
            let _discovering = self.catalog.discovering.lock().await;
            self.discover().await?;
        }
        Ok(self.entity(entity).await?.description().clone())
    }

    /// The entity, described once per connection (or taken from the cache).
    async fn entity(&self, name: &str) -> Result<Arc<EntityDef>, EndpointError> {
        if let Some(def) = self.catalog.known(name).await {
            return Ok(def);
        }
        let _discovering = self.catalog.discovering.lock().await;
        if let Some(def) = self.catalog.get(name) {
            return Ok(def);
        }
        let known = self.discover().await?;
        self.catalog
            .get(name)
            .ok_or_else(|| unknown_entity(SIDE, name, &known))
    }

    /// Reads both APIs' `$metadata` and remembers every entity set; returns their names.
    /// The custom API is optional: a 404 there means the extension is not installed.
    async fn discover(&self) -> Result<Vec<String>, EndpointError> {
        let read_at = chrono::Utc::now();
        let mut all = self
            .api_descriptions(&self.root_text, false, read_at)
            .await?;
        if let Some(custom) = &self.custom_root_text {
            match self.api_descriptions(custom, true, read_at).await {
                Ok(found) => {
                    for d in found {
                        if !all.iter().any(|s| s.schema.entity == d.schema.entity) {
                            all.push(d);
                        }
                    }
                }
                Err(e) if e.kind == ErrorKind::NotFound => {
                    tracing::info!("no Business Central custom API at {custom}: {}", e.message);
                }
                Err(e) => return Err(e),
            }
        }
        let names = all.iter().map(|d| d.schema.entity.clone()).collect();
        self.catalog.remember(all).await;
        Ok(names)
    }

    async fn api_descriptions(
        &self,
        root: &str,
        custom_api: bool,
        read_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<EntityDescription>, EndpointError> {
        let url = format!("{root}/$metadata");
        let xml = self
            .documents
            .get(&url)
            .await
            .map_err(|e| e.into_endpoint_error(SIDE))?;
        csdl::entity_descriptions(&xml, custom_api, read_at).map_err(|why| {
            EndpointError::new(
                ErrorKind::Protocol,
                SIDE,
                format!("the Business Central metadata at {url} cannot be read: {why}"),
            )
        })
    }

    /// The API root an entity is served under.
    fn api_root(&self, def: &EntityDef) -> &str {
        match (&self.custom_root_text, def.custom_api) {
            (Some(custom), true) => custom,
            _ => &self.root_text,
        }
    }

    /// The companies of the environment (`GET {url}/companies`), for choosing one.
    pub async fn companies(&self) -> Result<Vec<Company>, EndpointError> {
        let mut out = Vec::new();
        let mut next = Some(format!("{}/companies", self.root_text));
        while let Some(url) = next {
            let page = self
                .client
                .get_page(&url, None)
                .await
                .map_err(|e| e.into_endpoint_error(SIDE))?;
            for (i, row) in page.rows.iter().enumerate() {
                let text = |f: &str| row.get(f).and_then(Value::as_str).map(str::to_owned);
                let id = text("id")
                    .and_then(|s| Uuid::parse_str(&s).ok())
                    .ok_or_else(|| {
                        EndpointError::new(
                            ErrorKind::Protocol,
                            SIDE,
                            format!("Business Central companies row {i} has no valid id: {row}"),
                        )
                    })?;
                let name = text("name").unwrap_or_default();
                out.push(Company {
                    id,
                    display_name: text("displayName").unwrap_or_else(|| name.clone()),
                    name,
                });
            }
            next = page.next_link;
        }
        Ok(out)
    }

    fn company(&self) -> Result<Uuid, EndpointError> {
        self.company_id.ok_or_else(|| {
            EndpointError::new(
                ErrorKind::Config,
                SIDE,
                "no Business Central company is chosen: pick one in the connection settings",
            )
        })
    }

    /// `companies(<id>)/<set>`, relative to the API root.
    fn relative_collection(&self, def: &EntityDef) -> Result<String, EndpointError> {
        Ok(format!("companies({})/{}", self.company()?, def.set))
    }

    fn source<'a>(&'a self, def: &'a EntityDef) -> Result<Source<'a>, EndpointError> {
        Ok(Source {
            client: &self.client,
            side: SIDE,
            def,
            collection_url: format!("{}/{}", self.api_root(def), self.relative_collection(def)?),
            root: &self.root,
            max_page: MAX_PAGE_SIZE,
            modified_by: None,
            max_url_len: crate::read::SAFE_URL_LEN,
        })
    }

    /// The outcome of one batch answer (creates refused because our id exists are settled by
    /// the caller, which reads them back together).
    async fn outcome(
        written: &Written<'_>,
        result: Result<BatchResponse, couplet_odata::ODataError>,
    ) -> Result<WriteOutcome, EndpointError> {
        match result {
            Ok(response) => {
                let etag_header = response.headers.get("etag").map(String::as_str);
                written.accepted(response.body.as_ref(), etag_header).await
            }
            Err(e) => Err(e.into_endpoint_error(SIDE)),
        }
    }

    fn batch_request(
        &self,
        index: usize,
        def: &EntityDef,
        op: &WriteOp,
    ) -> Result<BatchRequest, EndpointError> {
        let collection = self.relative_collection(def)?;
        let id = (index + 1).to_string();
        Ok(match op {
            WriteOp::Create {
                id: record_id,
                fields,
            } => {
                let mut body: serde_json::Map<String, Value> =
                    fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                body.insert(def.key.to_owned(), Value::String(record_id.to_string()));
                BatchRequest {
                    id,
                    method: Method::POST,
                    url: collection,
                    headers: BTreeMap::new(),
                    body: Some(Value::Object(body)),
                }
            }
            WriteOp::Update {
                id: record_id,
                etag,
                fields,
            } => BatchRequest {
                id,
                method: Method::PATCH,
                url: format!("{collection}({record_id})"),
                headers: [(
                    "If-Match".to_owned(),
                    etag.clone().unwrap_or_else(|| "*".to_owned()),
                )]
                .into(),
                body: Some(Value::Object(
                    fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                )),
            },
        })
    }
}

#[async_trait]
impl Endpoint for BusinessCentral {
    fn side(&self) -> Side {
        SIDE
    }

    fn usage(&self) -> Option<ServiceUsage> {
        let in_flight = couplet_odata::batch::BATCH_CONCURRENCY;
        Some(
            self.client
                .usage()
                .service_usage(Some(REQUESTS_PER_WINDOW), Some(in_flight)),
        )
    }

    async fn integration_user(&self) -> Result<IntegrationUser, EndpointError> {
        let company = self.company()?;
        if self.company_found.get().is_none() {
            let companies = self.companies().await?;
            if !companies.iter().any(|c| c.id == company) {
                return Err(EndpointError::new(
                    ErrorKind::NotFound,
                    SIDE,
                    format!(
                        "the Business Central environment has no company with id {company} (it has: {})",
                        companies
                            .iter()
                            .map(|c| format!("{} {}", c.id, c.display_name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            let _ = self.company_found.set(());
        }
        Ok(IntegrationUser {
            id: Uuid::parse_str(&self.client_id).unwrap_or(Uuid::nil()),
            name: Some(format!("app {}", self.client_id)),
        })
    }

    async fn schema(&self, entity: &str) -> Result<EntitySchema, EndpointError> {
        Ok(self.entity(entity).await?.schema().clone())
    }

    async fn query(&self, query: &Query, page: Option<&str>) -> Result<Page, EndpointError> {
        // Without a company nothing can be read: say so before asking for metadata.
        self.company()?;
        let def = self.entity(&query.entity).await?;
        self.source(&def)?.query_page(query, page).await
    }

    async fn get_many(
        &self,
        entity: &str,
        ids: &[Uuid],
        fields: &[String],
    ) -> Result<Vec<Record>, EndpointError> {
        self.company()?;
        let def = self.entity(entity).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.source(&def)?.by_ids(ids, fields).await
    }

    async fn write(
        &self,
        entity: &str,
        ops: Vec<WriteOp>,
    ) -> Vec<Result<WriteOutcome, EndpointError>> {
        let def = match self.company().map(|_| self.entity(entity)) {
            Ok(described) => described.await,
            Err(e) => Err(e),
        };
        let def = match def {
            Ok(def) => def,
            Err(e) => return ops.iter().map(|_| Err(e.clone())).collect(),
        };
        let def = def.as_ref();
        // Values the metadata says are too long fail alone, before anything is sent.
        let mut out: Vec<Option<Result<WriteOutcome, EndpointError>>> = ops
            .iter()
            .map(|op| {
                let (WriteOp::Create { fields, .. } | WriteOp::Update { fields, .. }) = op;
                def.check_values(SIDE, SERVICE, fields).err().map(Err)
            })
            .collect();
        let sent: Vec<usize> = (0..ops.len()).filter(|i| out[*i].is_none()).collect();
        let requests: Result<Vec<BatchRequest>, EndpointError> = sent
            .iter()
            .map(|i| self.batch_request(*i, def, &ops[*i]))
            .collect();
        // Both need the company; without one every write fails alike.
        let (requests, source) = match requests.and_then(|r| Ok((r, self.source(def)?))) {
            Ok(both) => both,
            Err(e) => return ops.iter().map(|_| Err(e.clone())).collect(),
        };
        if !requests.is_empty() {
            let answers = self
                .client
                .batch(&format!("{}/$batch", self.api_root(def)), &requests)
                .await;
            // Creates refused because our id exists (a resent batch whose first answer was lost)
            // are read back together, not one request each.
            let existing: Vec<Uuid> = sent
                .iter()
                .zip(&answers)
                .filter(|(i, answer)| {
                    matches!(ops[**i], WriteOp::Create { .. }) && same_key_exists(answer)
                })
                .map(|(i, _)| ops[*i].id())
                .collect();
            let mut found: std::collections::HashMap<Uuid, couplet_model::Record> =
                std::collections::HashMap::new();
            let mut unreadable: Option<EndpointError> = None;
            if !existing.is_empty() {
                match source.by_ids(&existing, &[]).await {
                    Ok(records) => found.extend(records.into_iter().map(|r| (r.id, r))),
                    Err(e) => unreadable = Some(e),
                }
            }
            for (i, answer) in sent.iter().zip(answers) {
                let op = &ops[*i];
                let written = Written {
                    source: &source,
                    service: SERVICE,
                    id: op.id(),
                    created: matches!(op, WriteOp::Create { .. }),
                };
                out[*i] = Some(match answer {
                    Err(refusal) if written.created && existing.contains(&written.id) => {
                        match &unreadable {
                            Some(e) => Err(e.clone()),
                            None => written.already_created_as(refusal, found.remove(&written.id)),
                        }
                    }
                    answer => BusinessCentral::outcome(&written, answer).await,
                });
            }
        }
        out.into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(EndpointError::new(
                        ErrorKind::Protocol,
                        SIDE,
                        "Business Central answered a $batch with fewer answers than requests",
                    ))
                })
            })
            .collect()
    }
}

/// Whether a batch answer refuses a create because the id or key already exists.
fn same_key_exists(answer: &Result<BatchResponse, couplet_odata::ODataError>) -> bool {
    matches!(answer, Err(e) if e.kind == ErrorKind::Conflict && e.code.as_deref() == Some(SAME_KEY_EXISTS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::{Filter, Literal};

    fn customers() -> EntityDef {
        EntityDef::new(EntityDescription {
            schema: EntitySchema {
                entity: "customers".into(),
                fields: Vec::new(),
            },
            set: "customers".into(),
            key: "id".into(),
            modified: "lastModifiedDateTime".into(),
            custom_api: false,
            change_tracking: false,
            read_at: chrono::Utc::now(),
        })
    }

    fn settings(company: Option<Uuid>) -> ConnectionSettings {
        ConnectionSettings {
            side: Side::Erp,
            url: "https://api.businesscentral.dynamics.com/v2.0/contoso/production/api/v2.0".into(),
            tenant: "contoso".into(),
            client_id: "not-a-guid".into(),
            authority: "https://login.microsoftonline.com".into(),
            scope: "https://api.businesscentral.dynamics.com/.default".into(),
            company_id: company,
            company_name: None,
            integration_user: None,
            sandbox: false,
            auth: Default::default(),
        }
    }

    #[test]
    fn query_goes_to_the_company_and_selects_key_and_modified() {
        let cid = Uuid::new_v4();
        let bc = BusinessCentral::new(&settings(Some(cid)), Secret::new("s")).expect("valid");
        let def = customers();
        let before = chrono::DateTime::parse_from_rfc3339("2024-01-01T12:00:00.5Z")
            .expect("date")
            .with_timezone(&chrono::Utc);
        let source = bc.source(&def).expect("company set");
        let query = Query {
            entity: "customers".into(),
            fields: vec!["displayName".into()],
            filter: Some(Filter::eq("blocked", Literal::String(" ".into()))),
            modified_before: Some(before),
            page_size: Some(50_000),
            ..Query::default()
        };
        assert_eq!(
            source.first_page_url(&query).expect("url"),
            format!(
                "https://api.businesscentral.dynamics.com/v2.0/contoso/production/api/v2.0/companies({cid})/customers\
                 ?$select=displayName,id,lastModifiedDateTime\
                 &$filter=blocked%20eq%20'%20'%20and%20lastModifiedDateTime%20lt%202024-01-01T12:00:00.500Z\
                 &$orderby=lastModifiedDateTime%20asc,id%20asc"
            )
        );
        assert_eq!(source.page_size(&query), MAX_PAGE_SIZE);
    }

    #[tokio::test]
    async fn missing_company_is_a_config_error() {
        let bc = BusinessCentral::new(&settings(None), Secret::new("s")).expect("valid");
        let err = bc
            .query(
                &Query {
                    entity: "customers".into(),
                    ..Query::default()
                },
                None,
            )
            .await
            .expect_err("no company");
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains("company"), "{}", err.message);
    }

    #[test]
    fn settings_of_the_other_side_are_refused() {
        let mut s = settings(None);
        s.side = Side::Crm;
        let err = BusinessCentral::new(&s, Secret::new("s")).expect_err("wrong side");
        assert_eq!(err.kind, ErrorKind::Config);
    }

    #[test]
    fn writes_become_posts_with_our_id_and_patches_with_if_match() {
        let cid = Uuid::new_v4();
        let bc = BusinessCentral::new(&settings(Some(cid)), Secret::new("s")).expect("valid");
        let def = customers();
        let id = Uuid::new_v4();
        let fields: couplet_model::Fields =
            [("displayName".to_owned(), serde_json::json!("Adatum"))].into();
        let create = bc
            .batch_request(
                0,
                &def,
                &WriteOp::Create {
                    id,
                    fields: fields.clone(),
                },
            )
            .expect("request");
        assert_eq!(create.method, Method::POST);
        assert_eq!(create.url, format!("companies({cid})/customers"));
        assert_eq!(
            create.body,
            Some(serde_json::json!({"displayName": "Adatum", "id": id.to_string()}))
        );
        let update = bc
            .batch_request(
                1,
                &def,
                &WriteOp::Update {
                    id,
                    etag: None,
                    fields,
                },
            )
            .expect("request");
        assert_eq!(update.method, Method::PATCH);
        assert_eq!(update.url, format!("companies({cid})/customers({id})"));
        assert_eq!(
            update.headers.get("If-Match").map(String::as_str),
            Some("*")
        );
        assert_eq!(update.id, "2");
    }
}
