//! Dataverse Web API v9.2 as an [`Endpoint`].

mod bulk;
mod entities;

use async_trait::async_trait;
use couplet_model::{
    ConnectionSettings, Endpoint, EndpointError, EntitySchema, ErrorKind, Fields, IntegrationUser,
    Page, Query, Record, Side, WriteOp, WriteOutcome,
};
use couplet_odata::query::encode_value;
use couplet_odata::{Auth, ClientConfig, Method, ODataClient, ODataError, ODataRequest, Secret};
use futures::StreamExt;
use reqwest::header::{HeaderName, IF_MATCH};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::connection::{checked_url, client_credentials, odata_client};
use crate::entity::{EntityDef, FieldType, find};
use crate::read::Source;
use crate::write::Written;
use entities::ENTITIES;

const SIDE: Side = Side::Crm;

/// The service's name in messages.
const SERVICE: &str = "Dataverse";

/// The largest page Dataverse serves.
pub const MAX_PAGE_SIZE: u32 = 5_000;

/// Writes in flight at once.
const WRITE_CONCURRENCY: usize = 8;

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
    single_writes_only: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<&'static str>>>,
    /// The integration user's id, once `WhoAmI` named it.
    me: std::sync::Arc<std::sync::OnceLock<Uuid>>,
    /// The integration user, once read: it does not change while the connection stands.
    user: std::sync::Arc<std::sync::OnceLock<IntegrationUser>>,
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
        }
    }

    /// A JSON answer from `url`.
    async fn get_json(&self, url: &str) -> Result<Value, EndpointError> {
        self.client
            .get_json(url, Vec::new())
            .await
            .map_err(|e| e.into_endpoint_error(SIDE))
    }

    fn writes_singly(&self, def: &EntityDef) -> bool {
        self.single_writes_only
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(def.name)
    }

    fn write_singly_from_now_on(&self, def: &EntityDef) {
        self.single_writes_only
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(def.name);
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

/// Field values as Dataverse takes them: lookups as `<nav>@odata.bind: "/<set>(<guid>)"`;
/// a null lookup is left out (an owner cannot be cleared).
fn wire_body(def: &EntityDef, fields: &Fields) -> Result<Map<String, Value>, EndpointError> {
    let mut body = Map::new();
    for (name, value) in fields {
        match def.field(name).map(|f| f.ty) {
            Some(FieldType::Lookup { target_set }) => {
                if value.is_null() {
                    continue;
                }
                let id = value
                    .as_str()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| {
                        EndpointError::new(
                            ErrorKind::Rejected,
                            SIDE,
                            format!(
                                "Dataverse {} lookup {name} must be a GUID, got {value}",
                                def.name
                            ),
                        )
                    })?;
                body.insert(
                    format!("{name}@odata.bind"),
                    Value::String(format!("/{target_set}({id})")),
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
        Ok(find(ENTITIES, SIDE, entity)?.schema())
    }

    async fn query(&self, query: &Query, page: Option<&str>) -> Result<Page, EndpointError> {
        let def = find(ENTITIES, SIDE, &query.entity)?;
        self.source(def).query_page(query, page).await
    }

    async fn get_many(
        &self,
        entity: &str,
        ids: &[Uuid],
        fields: &[String],
    ) -> Result<Vec<Record>, EndpointError> {
        let def = find(ENTITIES, SIDE, entity)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.source(def).by_ids(ids, fields).await
    }

    async fn write(
        &self,
        entity: &str,
        ops: Vec<WriteOp>,
    ) -> Vec<Result<WriteOutcome, EndpointError>> {
        let def = match find(ENTITIES, SIDE, entity) {
            Ok(def) => def,
            Err(e) => return ops.iter().map(|_| Err(e.clone())).collect(),
        };
        let mut results: Vec<Option<Result<WriteOutcome, EndpointError>>> =
            ops.iter().map(|_| None).collect();
        for message in [bulk::Message::Create, bulk::Message::Update] {
            let indexes: Vec<usize> = ops
                .iter()
                .enumerate()
                .filter(|(_, op)| bulk::Message::of(op) == message)
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
        let singles: Vec<_> = results
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_none())
            .map(|(i, _)| {
                let op = &ops[i];
                async move { (i, self.write_one(def, op).await) }
            })
            .collect();
        let written: Vec<(usize, Result<WriteOutcome, EndpointError>)> =
            futures::stream::iter(singles)
                .buffer_unordered(WRITE_CONCURRENCY)
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
        let def = find(ENTITIES, SIDE, "account").expect("known");
        let since = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .expect("date")
            .with_timezone(&chrono::Utc);
        let url = d
            .source(def)
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
        let def = find(ENTITIES, SIDE, "account").expect("known");
        let owner = Uuid::new_v4();
        let me = Uuid::new_v4();
        let id = Uuid::new_v4();
        let row = json!({
            "@odata.etag": "W/\"123\"", "accountid": id.to_string(), "name": "Adatum",
            "_ownerid_value": owner.to_string(), "modifiedon": "2024-05-01T10:00:00Z",
            "_modifiedby_value": me.to_string()
        });
        let source = d.source(def);
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
        let def = find(ENTITIES, SIDE, "account").expect("known");
        let err = d
            .source(def)
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
            .source(def)
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
        let def = find(ENTITIES, SIDE, "account").expect("known");
        let owner = Uuid::new_v4();
        let fields: Fields = [
            ("name".to_owned(), json!("Adatum")),
            ("ownerid".to_owned(), json!(owner.to_string())),
        ]
        .into();
        let body = wire_body(def, &fields).expect("body");
        assert_eq!(
            body["ownerid@odata.bind"],
            json!(format!("/systemusers({owner})"))
        );
        assert!(!body.contains_key("ownerid"));
        let cleared: Fields = [("ownerid".to_owned(), Value::Null)].into();
        assert!(wire_body(def, &cleared).expect("body").is_empty());
        let bad: Fields = [("ownerid".to_owned(), json!("SP01"))].into();
        assert_eq!(
            wire_body(def, &bad).map_err(|e| e.kind),
            Err(ErrorKind::Rejected)
        );
    }

    #[tokio::test]
    async fn unknown_entity_is_not_found_naming_it() {
        let d = dataverse();
        let err = d.schema("contact").await.expect_err("unknown");
        assert_eq!(err.kind, ErrorKind::NotFound);
        assert!(err.message.contains("'contact'"), "{}", err.message);
        let results = d
            .write(
                "contact",
                vec![WriteOp::Create {
                    id: Uuid::new_v4(),
                    fields: Fields::new(),
                }],
            )
            .await;
        assert_eq!(
            results[0].as_ref().map_err(|e| e.kind),
            Err(ErrorKind::NotFound)
        );
    }

    #[tokio::test]
    async fn page_token_pointing_elsewhere_is_refused() {
        let d = dataverse();
        let err = d
            .query(
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

    #[tokio::test]
    async fn schema_lists_limits_and_lookups() {
        let s = dataverse().schema("account").await.expect("known");
        assert_eq!(
            s.field("name").map(|f| (&f.kind, f.required)),
            Some((&couplet_model::FieldKind::Text { max_len: Some(160) }, true))
        );
        assert_eq!(
            s.field("ownerid").map(|f| &f.kind),
            Some(&couplet_model::FieldKind::Lookup {
                target: "systemusers".into()
            })
        );
    }
}
