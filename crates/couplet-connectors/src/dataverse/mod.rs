//! Dataverse Web API v9.2 as an [`Endpoint`].

mod bulk;
mod definitions;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use couplet_model::{
    ChangePage, ConnectionSettings, Endpoint, EndpointError, EntitySchema, ErrorKind, Fields,
    IntegrationUser, Page, Query, Record, ServiceUsage, Side, WriteOp, WriteOutcome,
};
use couplet_odata::query::encode_value;
use couplet_odata::{
    AdaptiveLimit, Auth, ClientConfig, Method, ODataClient, ODataError, ODataRequest, Secret,
};
use futures::StreamExt;
use reqwest::header::{HeaderName, IF_MATCH};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::catalog::{Catalog, SchemaCache};
use crate::connection::{checked_url, client_credentials, odata_client};
use crate::entity::{EntityDef, EntityDescription, lookup_bind, unknown_entity};
use crate::read::Source;
use crate::write::Written;

const SIDE: Side = Side::Crm;

/// The service's name in messages.
const SERVICE: &str = "Dataverse";

/// The largest page Dataverse serves.
pub const MAX_PAGE_SIZE: u32 = 5_000;

/// The longest URL a read by ids builds: Dataverse accepts 32,768 characters ("Compose HTTP
/// requests and handle errors", maximum URL length); some room is kept.
const MAX_URL_LEN: usize = 32_000;

/// Single writes in flight at once until the service recommends a degree of parallelism
/// (`x-ms-dop-hint`).
const WRITE_CONCURRENCY: usize = 8;

/// Dataverse's service protection refuses more concurrent requests per user than this.
const MAX_CONCURRENT: usize = 52;

/// Dataverse's service protection: 6,000 requests per user per 300 s.
const REQUESTS_PER_WINDOW: u64 = 6_000;

/// The Web API path under the environment URL.
const API_PATH: &str = "api/data/v9.2";

/// Who last modified a row, on the wire.
const MODIFIED_BY: &str = "_modifiedby_value";

/// The hex code of "A record with matching key values already exists."
const DUPLICATE_RECORD: &str = "0x80040237";

/// A Dataverse environment reached through the Web API.
#[derive(Debug, Clone)]
pub struct Dataverse {
    client: ODataClient,
    root: url::Url,
    api: String,
    /// Tables that refused `CreateMultiple`; they are written one record at a time.
    single_writes_only: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// The integration user's id, once `WhoAmI` named it.
    me: std::sync::Arc<std::sync::OnceLock<Uuid>>,
    /// The integration user, once read: it does not change while the connection stands.
    user: std::sync::Arc<std::sync::OnceLock<IntegrationUser>>,
    /// Single writes in flight: from the service's hint, halved when it throttles.
    in_flight: AdaptiveLimit,
    /// The tables described by `EntityDefinitions`.
    catalog: Arc<Catalog>,
    /// Every table's logical name → entity set name, once read.
    entity_sets: Arc<OnceLock<Arc<HashMap<String, String>>>>,
}

impl Dataverse {
    /// Connects with Entra client credentials; a malformed URL or empty field is a Config error.
    pub fn new(settings: &ConnectionSettings, secret: Secret) -> Result<Dataverse, EndpointError> {
        Dataverse::with_config(settings, secret, dataverse_config(ClientConfig::default()))
    }

    /// Like [`Dataverse::new`], with a chosen timeout and retry policy.
    pub fn with_config(
        settings: &ConnectionSettings,
        secret: Secret,
        config: ClientConfig,
    ) -> Result<Dataverse, EndpointError> {
        let config = dataverse_config(config);
        let auth = client_credentials(settings, SIDE, secret, &config)?;
        Dataverse::with_auth(settings, auth, config)
    }

    /// Connects with any [`Auth`].
    pub fn with_auth(
        settings: &ConnectionSettings,
        auth: Auth,
        config: ClientConfig,
    ) -> Result<Dataverse, EndpointError> {
        let root = checked_url(SIDE, "environment URL", &settings.url)?;
        let api = format!("{}/{API_PATH}", root.as_str().trim_end_matches('/'));
        Ok(Dataverse {
            client: odata_client(SIDE, auth, dataverse_config(config))?,
            root,
            api,
            single_writes_only: Default::default(),
            me: Default::default(),
            user: Default::default(),
            in_flight: AdaptiveLimit::new(WRITE_CONCURRENCY, MAX_CONCURRENT),
            catalog: Arc::new(Catalog::new(SIDE)),
            entity_sets: Default::default(),
        })
    }

    /// The same connection, keeping the table descriptions it discovers in `cache` and
    /// reusing those found there instead of reading `EntityDefinitions` again.
    pub fn with_schema_cache(mut self, cache: Arc<dyn SchemaCache>) -> Dataverse {
        self.catalog = Arc::new(Catalog::new(SIDE).with_cache(cache));
        self
    }

    /// The description of table `entity` (a logical name): from memory or the cache, or,
    /// with `refresh` or on first use, from `EntityDefinitions`.
    pub async fn describe(
        &self,
        entity: &str,
        refresh: bool,
    ) -> Result<EntityDescription, EndpointError> {
        if refresh {
            let _discovering = self.catalog.discovering.lock().await;
            self.discover(entity).await?;
        }
        Ok(self.entity(entity).await?.description().clone())
    }

    /// The table, described once per connection (or taken from the cache).
    async fn entity(&self, name: &str) -> Result<Arc<EntityDef>, EndpointError> {
        if let Some(def) = self.catalog.known(name).await {
            return Ok(def);
        }
        let _discovering = self.catalog.discovering.lock().await;
        if let Some(def) = self.catalog.get(name) {
            return Ok(def);
        }
        self.discover(name).await
    }

    /// Every table's entity set name, read once per connection.
    async fn entity_sets(&self) -> Result<Arc<HashMap<String, String>>, EndpointError> {
        if let Some(sets) = self.entity_sets.get() {
            return Ok(sets.clone());
        }
        let body = self
            .get_json(&format!("{}/{}", self.api, definitions::ENTITY_SETS))
            .await?;
        let sets = Arc::new(definitions::entity_sets(&body));
        Ok(self.entity_sets.get_or_init(|| sets).clone())
    }

    /// Reads the table's metadata (the table with its attributes and relationships, then the
    /// options of its choice columns) and remembers its description.
    async fn discover(&self, name: &str) -> Result<Arc<EntityDef>, EndpointError> {
        let sets = self.entity_sets().await?;
        if !definitions::is_logical_name(name) || !sets.contains_key(name) {
            let known: Vec<String> = sets.keys().cloned().collect();
            return Err(unknown_entity(SIDE, name, &known));
        }
        let read_at = chrono::Utc::now();
        let table = self
            .get_json(&format!("{}/{}", self.api, definitions::table_path(name)))
            .await?;
        let mut options = HashMap::new();
        for cast in definitions::CHOICE_CASTS {
            let url = format!("{}/{}", self.api, definitions::choices_path(name, cast));
            options.extend(definitions::choice_options(&self.get_json(&url).await?));
        }
        let description = definitions::TableMetadata {
            table: &table,
            sets: &sets,
            options: &options,
        }
        .describe(read_at)
        .map_err(|why| {
            EndpointError::new(
                ErrorKind::Protocol,
                SIDE,
                format!("the Dataverse metadata of table {name} cannot be used: {why}"),
            )
        })?;
        self.catalog.remember(vec![description]).await;
        self.catalog.get(name).ok_or_else(|| {
            EndpointError::new(
                ErrorKind::Protocol,
                SIDE,
                format!("Dataverse described table {name} under another name"),
            )
        })
    }

    fn source<'a>(&'a self, def: &'a EntityDef) -> Source<'a> {
        Source {
            client: &self.client,
            side: SIDE,
            def,
            collection_url: format!("{}/{}", self.api, def.set),
            root: &self.root,
            max_page: MAX_PAGE_SIZE,
            modified_by: Some(MODIFIED_BY),
            max_url_len: MAX_URL_LEN,
        }
    }

    /// A JSON answer from `url`.
    async fn get_json(&self, url: &str) -> Result<Value, EndpointError> {
        self.client
            .get_json(url, Vec::new())
            .await
            .map_err(|e| e.into_endpoint_error(SIDE))
    }

    /// The bound on single writes in flight, started from the service's recommended degree of
    /// parallelism once an answer carried it.
    fn single_writes(&self) -> &AdaptiveLimit {
        if let Some(hint) = self.client.usage().dop_hint {
            self.in_flight.start_from_hint(hint, MAX_CONCURRENT);
        }
        &self.in_flight
    }

    fn writes_singly(&self, def: &EntityDef) -> bool {
        self.single_writes_only
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&def.name)
    }

    fn write_singly_from_now_on(&self, def: &EntityDef) {
        self.single_writes_only
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(def.name.clone());
    }

    /// `?$select=<key>,modifiedon,versionnumber` for write representations.
    fn written_select(def: &EntityDef) -> String {
        format!(
            "?$select={}",
            encode_value(&format!("{},{},versionnumber", def.key, def.modified))
        )
    }

    async fn write_one(
        &self,
        def: &EntityDef,
        op: &WriteOp,
    ) -> Result<WriteOutcome, EndpointError> {
        let id = op.id();
        let prefer = (
            HeaderName::from_static("prefer"),
            "return=representation".to_owned(),
        );
        let select = Dataverse::written_select(def);
        let (request, created) = match op {
            WriteOp::Create { fields, .. } => {
                let mut body = wire_body(def, fields)?;
                body.insert(def.key.to_owned(), Value::String(id.to_string()));
                let url = format!("{}/{}{select}", self.api, def.set);
                (
                    ODataRequest::new(Method::POST, url)
                        .header(prefer.0, prefer.1)
                        .json(Value::Object(body)),
                    true,
                )
            }
            WriteOp::Update { etag, fields, .. } => {
                let body = wire_body(def, fields)?;
                let url = format!("{}/{}({id}){select}", self.api, def.set);
                (
                    ODataRequest::new(Method::PATCH, url)
                        .header(prefer.0, prefer.1)
                        .header(IF_MATCH, etag.clone().unwrap_or_else(|| "*".to_owned()))
                        .json(Value::Object(body)),
                    false,
                )
            }
        };
        let source = self.source(def);
        let written = Written {
            source: &source,
            service: SERVICE,
            id,
            created,
        };
        match self.client.send(&request).await {
            Ok(response) => {
                written
                    .accepted(response.body.as_ref(), response.header("etag"))
                    .await
            }
            Err(e) if created && is_duplicate(&e) => written.already_created(e).await,
            Err(e) => Err(e.into_endpoint_error(SIDE)),
        }
    }
}

/// Dataverse wants the OData version headers on every request.
fn dataverse_config(config: ClientConfig) -> ClientConfig {
    ClientConfig {
        odata_version_headers: true,
        ..config
    }
}

/// A create answered "already exists" (412 `0x80040237`).
fn is_duplicate(e: &ODataError) -> bool {
    e.status == Some(412) || e.code.as_deref() == Some(DUPLICATE_RECORD)
}

/// Field values as Dataverse takes them: lookups as `<nav>@odata.bind: "/<set>(<guid>)"`,
/// through the navigation property of the target (a bare GUID binds to the first target,
/// `/<set>(<guid>)` to the named one); a null lookup is left out (an owner cannot be cleared).
fn wire_body(def: &EntityDef, fields: &Fields) -> Result<Map<String, Value>, EndpointError> {
    let mut body = Map::new();
    for (name, value) in fields {
        match def.field(name) {
            Some(field) if matches!(field.kind, couplet_model::FieldKind::Lookup { .. }) => {
                if value.is_null() {
                    continue;
                }
                let (target, id) = value
                    .as_str()
                    .and_then(|s| lookup_bind(field, s))
                    .ok_or_else(|| {
                        EndpointError::new(
                            ErrorKind::Rejected,
                            SIDE,
                            format!(
                                "Dataverse {} lookup {name} must be a GUID or /<entity set>(<GUID>) of one of its tables, got {value}",
                                def.name
                            ),
                        )
                    })?;
                body.insert(
                    format!("{}@odata.bind", target.navigation),
                    Value::String(format!("/{}({id})", target.set)),
                );
            }
            _ => {
                body.insert(name.clone(), value.clone());
            }
        }
    }
    Ok(body)
}

#[async_trait]
impl Endpoint for Dataverse {
    fn side(&self) -> Side {
        SIDE
    }

    fn usage(&self) -> Option<ServiceUsage> {
        let limit = self.single_writes().limit();
        Some(
            self.client
                .usage()
                .service_usage(Some(REQUESTS_PER_WINDOW), Some(limit)),
        )
    }

    async fn integration_user(&self) -> Result<IntegrationUser, EndpointError> {
        if let Some(user) = self.user.get() {
            return Ok(user.clone());
        }
        let who_url = format!("{}/WhoAmI", self.api);
        let who = self.get_json(&who_url).await?;
        let id = who
            .get("UserId")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| {
                EndpointError::new(
                    ErrorKind::Protocol,
                    SIDE,
                    format!("WhoAmI at {who_url} answered without a valid UserId: {who}"),
                )
            })?;
        let _ = self.me.set(id);
        let user_url = format!("{}/systemusers({id})?$select=fullname", self.api);
        let user = self.get_json(&user_url).await?;
        let user = IntegrationUser {
            id,
            name: user
                .get("fullname")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        Ok(self.user.get_or_init(|| user).clone())
    }

    async fn schema(&self, entity: &str) -> Result<EntitySchema, EndpointError> {
        Ok(self.entity(entity).await?.schema().clone())
    }

    async fn query(&self, query: &Query, page: Option<&str>) -> Result<Page, EndpointError> {
        let def = self.entity(&query.entity).await?;
        self.source(&def).query_page(query, page).await
    }

    async fn changes(
        &self,
        query: &Query,
        token: Option<&str>,
        page: Option<&str>,
    ) -> Result<Option<ChangePage>, EndpointError> {
        let def = self.entity(&query.entity).await?;
        if !def.change_tracking {
            return Ok(None);
        }
        self.source(&def)
            .changes_page(query, token, page)
            .await
            .map(Some)
    }

    async fn get_many(
        &self,
        entity: &str,
        ids: &[Uuid],
        fields: &[String],
    ) -> Result<Vec<Record>, EndpointError> {
        let def = self.entity(entity).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.source(&def).by_ids(ids, fields).await
    }

    async fn write(
        &self,
        entity: &str,
        ops: Vec<WriteOp>,
    ) -> Vec<Result<WriteOutcome, EndpointError>> {
        let def = match self.entity(entity).await {
            Ok(def) => def,
            Err(e) => return ops.iter().map(|_| Err(e.clone())).collect(),
        };
        let def = def.as_ref();
        // Values the metadata says are too long fail alone, before anything is sent.
        let mut results: Vec<Option<Result<WriteOutcome, EndpointError>>> = ops
            .iter()
            .map(|op| {
                let (WriteOp::Create { fields, .. } | WriteOp::Update { fields, .. }) = op;
                def.check_values(SIDE, SERVICE, fields).err().map(Err)
            })
            .collect();
        for message in [bulk::Message::Create, bulk::Message::Update] {
            let indexes: Vec<usize> = ops
                .iter()
                .enumerate()
                .filter(|(i, op)| results[*i].is_none() && bulk::Message::of(op) == message)
                .map(|(i, _)| i)
                .collect();
            if indexes.len() < 2 {
                continue;
            }
            for chunk in indexes.chunks(bulk::BULK_CHUNK) {
                if self.writes_singly(def) {
                    break;
                }
                let batch: Vec<WriteOp> = chunk.iter().map(|i| ops[*i].clone()).collect();
                match self.write_multiple(def, message, &batch).await {
                    Ok(outcomes) => {
                        for (i, outcome) in chunk.iter().zip(outcomes) {
                            results[*i] = Some(outcome);
                        }
                    }
                    Err(bulk::BulkFailure::Unsupported) => {
                        tracing::info!(
                            table = def.name,
                            "the bulk messages are not supported; writing one record at a time"
                        );
                        self.write_singly_from_now_on(def);
                    }
                    // Written one at a time below, so the bad record fails alone.
                    Err(bulk::BulkFailure::Refused) => {}
                    Err(bulk::BulkFailure::Failed(e)) => {
                        for i in chunk {
                            results[*i] = Some(Err(e.clone()));
                        }
                    }
                }
            }
        }
        let in_flight = self.single_writes();
        let singles: Vec<_> = results
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_none())
            .map(|(i, _)| {
                let op = &ops[i];
                async move {
                    let _slot = in_flight.acquire().await;
                    let outcome = self.write_one(def, op).await;
                    in_flight.completed(self.client.usage().pressure());
                    (i, outcome)
                }
            })
            .collect();
        let written: Vec<(usize, Result<WriteOutcome, EndpointError>)> =
            futures::stream::iter(singles)
                .buffer_unordered(MAX_CONCURRENT)
                .collect()
                .await;
        for (i, outcome) in written {
            results[i] = Some(outcome);
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(EndpointError::new(
                        ErrorKind::Protocol,
                        SIDE,
                        "a write was neither sent in bulk nor singly",
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::{Filter, Literal};
    use serde_json::json;

    fn settings(url: &str) -> ConnectionSettings {
        ConnectionSettings {
            side: Side::Crm,
            url: url.to_owned(),
            tenant: "contoso".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            authority: "https://login.microsoftonline.com".into(),
            scope: "https://org.crm.dynamics.com/.default".into(),
            company_id: None,
            company_name: None,
            integration_user: None,
            sandbox: false,
            auth: Default::default(),
        }
    }

    /// `account` as the sandbox describes it (a part).
    fn account() -> EntityDef {
        let text = |name: &str, max: usize, required: bool| couplet_model::FieldSchema {
            name: name.into(),
            kind: couplet_model::FieldKind::Text { max_len: Some(max) },
            required,
            read_only: false,
        };
        let target = |entity: &str, set: &str| couplet_model::LookupTarget {
            entity: entity.into(),
            set: set.into(),
            navigation: "ownerid".into(),
        };
        EntityDef::new(EntityDescription {
            schema: EntitySchema {
                entity: "account".into(),
                fields: vec![
                    text("name", 160, true),
                    couplet_model::FieldSchema {
                        name: "ownerid".into(),
                        kind: couplet_model::FieldKind::Lookup {
                            target: "systemusers".into(),
                            targets: vec![
                                target("systemuser", "systemusers"),
                                target("team", "teams"),
                            ],
                        },
                        required: false,
                        read_only: false,
                    },
                ],
            },
            set: "accounts".into(),
            key: "accountid".into(),
            modified: "modifiedon".into(),
            custom_api: false,
            change_tracking: false,
            read_at: chrono::Utc::now(),
        })
    }

    fn dataverse() -> Dataverse {
        Dataverse::new(&settings("https://org.crm.dynamics.com"), Secret::new("s")).expect("valid")
    }

    #[test]
    fn malformed_environment_url_is_a_config_error_naming_the_field() {
        let err = Dataverse::new(&settings("org.crm.dynamics.com"), Secret::new("s"))
            .expect_err("no scheme");
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains("environment URL"), "{}", err.message);
        let mut s = settings("https://org.crm.dynamics.com");
        s.authority = "login microsoft".into();
        let err = Dataverse::new(&s, Secret::new("s")).expect_err("bad authority");
        assert!(err.message.contains("authority"), "{}", err.message);
    }

    #[test]
    fn query_selects_key_modified_fields_and_renames_lookups() {
        let d = dataverse();
        let def = account();
        let since = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .expect("date")
            .with_timezone(&chrono::Utc);
        let url = d
            .source(&def)
            .first_page_url(&Query {
                entity: "account".into(),
                fields: vec!["name".into(), "ownerid".into()],
                filter: Some(Filter::And(vec![
                    Filter::eq("statecode", Literal::Int(0)),
                    Filter::cmp("ownerid", couplet_model::CmpOp::Ne, Literal::Null),
                ])),
                modified_since: Some(since),
                ..Query::default()
            })
            .expect("url");
        assert_eq!(
            url,
            "https://org.crm.dynamics.com/api/data/v9.2/accounts?$select=name,_ownerid_value,accountid,modifiedon,_modifiedby_value\
             &$filter=statecode%20eq%200%20and%20_ownerid_value%20ne%20null%20and%20modifiedon%20ge%202024-01-01T00:00:00.000Z\
             &$orderby=modifiedon%20asc,accountid%20asc"
        );
    }

    #[test]
    fn rows_map_lookups_back_to_model_names() {
        let d = dataverse();
        let def = account();
        let owner = Uuid::new_v4();
        let me = Uuid::new_v4();
        let id = Uuid::new_v4();
        let row = json!({
            "@odata.etag": "W/\"123\"", "accountid": id.to_string(), "name": "Adatum",
            "_ownerid_value": owner.to_string(), "modifiedon": "2024-05-01T10:00:00Z",
            "_modifiedby_value": me.to_string()
        });
        let source = d.source(&def);
        let r = source
            .record(
                row,
                0,
                &source.wire_names(&["name".into(), "ownerid".into()]),
            )
            .expect("record");
        assert_eq!(r.id, id);
        assert_eq!(r.fields["ownerid"], json!(owner.to_string()));
        assert_eq!(r.fields["name"], json!("Adatum"));
        assert_eq!(r.modified_by, Some(me));
        assert_eq!(r.etag.as_deref(), Some("W/\"123\""));
    }

    #[test]
    fn rows_without_key_or_timestamp_are_protocol_errors_naming_entity_and_row() {
        let d = dataverse();
        let def = account();
        let err = d
            .source(&def)
            .record(
                json!({"name": "x", "modifiedon": "2024-05-01T10:00:00Z"}),
                3,
                &[],
            )
            .expect_err("no key");
        assert_eq!(err.kind, ErrorKind::Protocol);
        assert!(err.message.contains("account row 3"), "{}", err.message);
        assert!(err.message.contains("accountid"), "{}", err.message);
        let err = d
            .source(&def)
            .record(
                json!({"accountid": Uuid::new_v4().to_string(), "modifiedon": "yesterday"}),
                0,
                &[],
            )
            .expect_err("bad timestamp");
        assert!(err.message.contains("modifiedon"), "{}", err.message);
    }

    #[test]
    fn lookups_are_written_as_binds_and_null_owner_is_skipped() {
        let def = account();
        let owner = Uuid::new_v4();
        let fields: Fields = [
            ("name".to_owned(), json!("Adatum")),
            ("ownerid".to_owned(), json!(owner.to_string())),
        ]
        .into();
        let body = wire_body(&def, &fields).expect("body");
        assert_eq!(
            body["ownerid@odata.bind"],
            json!(format!("/systemusers({owner})"))
        );
        assert!(!body.contains_key("ownerid"));
        let cleared: Fields = [("ownerid".to_owned(), Value::Null)].into();
        assert!(wire_body(&def, &cleared).expect("body").is_empty());
        let bad: Fields = [("ownerid".to_owned(), json!("SP01"))].into();
        assert_eq!(
            wire_body(&def, &bad).map_err(|e| e.kind),
            Err(ErrorKind::Rejected)
        );
    }

    #[tokio::test]
    async fn page_token_pointing_elsewhere_is_refused() {
        let d = dataverse();
        let def = account();
        let err = d
            .source(&def)
            .query_page(
                &Query {
                    entity: "account".into(),
                    ..Query::default()
                },
                Some("https://evil.example/api/data/v9.2/accounts?$skiptoken=1"),
            )
            .await
            .expect_err("foreign link");
        assert_eq!(err.kind, ErrorKind::Protocol);
    }
}
