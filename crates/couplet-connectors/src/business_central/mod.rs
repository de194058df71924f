//! Business Central API v2.0 as an [`Endpoint`].

mod entities;

use std::collections::BTreeMap;

use async_trait::async_trait;
use couplet_model::{
    ConnectionSettings, Endpoint, EndpointError, EntitySchema, ErrorKind, IntegrationUser, Page,
    Query, Record, Side, WriteOp, WriteOutcome,
};
use couplet_odata::{Auth, BatchRequest, BatchResponse, ClientConfig, Method, ODataClient, Secret};
use serde_json::Value;
use uuid::Uuid;

use crate::connection::{checked_url, client_credentials, odata_client};
use crate::entity::{EntityDef, find};
use crate::read::Source;
use crate::write::Written;
use entities::ENTITIES;

const SIDE: Side = Side::Erp;

/// The service's name in messages.
const SERVICE: &str = "Business Central";

/// The largest page Business Central online serves.
pub const MAX_PAGE_SIZE: u32 = 20_000;

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
    company_id: Option<Uuid>,
    client_id: String,
    /// Whether the environment was seen to have the configured company: it keeps it while
    /// the connection stands.
    company_found: std::sync::Arc<std::sync::OnceLock<()>>,
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
        Ok(BusinessCentral {
            client: odata_client(SIDE, auth, config)?,
            root,
            root_text,
            company_id: settings.company_id,
            client_id: settings.client_id.trim().to_owned(),
            company_found: Default::default(),
        })
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
            collection_url: format!("{}/{}", self.root_text, self.relative_collection(def)?),
            root: &self.root,
            max_page: MAX_PAGE_SIZE,
            modified_by: None,
        })
    }

    /// The outcome of one batch answer.
    async fn outcome(
        written: &Written<'_>,
        result: Result<BatchResponse, couplet_odata::ODataError>,
    ) -> Result<WriteOutcome, EndpointError> {
        match result {
            Ok(response) => {
                let etag_header = response.headers.get("etag").map(String::as_str);
                written.accepted(response.body.as_ref(), etag_header).await
            }
            Err(e)
                if written.created
                    && e.kind == ErrorKind::Conflict
                    && e.code.as_deref() == Some(SAME_KEY_EXISTS) =>
            {
                written.already_created(e).await
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
        Ok(find(ENTITIES, SIDE, entity)?.schema())
    }

    async fn query(&self, query: &Query, page: Option<&str>) -> Result<Page, EndpointError> {
        let def = find(ENTITIES, SIDE, &query.entity)?;
        self.source(def)?.query_page(query, page).await
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
        self.source(def)?.by_ids(ids, fields).await
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
        let requests: Result<Vec<BatchRequest>, EndpointError> = ops
            .iter()
            .enumerate()
            .map(|(i, op)| self.batch_request(i, def, op))
            .collect();
        // Both need the company; without one every write fails alike.
        let (requests, source) = match requests.and_then(|r| Ok((r, self.source(def)?))) {
            Ok(both) => both,
            Err(e) => return ops.iter().map(|_| Err(e.clone())).collect(),
        };
        let answers = self
            .client
            .batch(&format!("{}/$batch", self.root_text), &requests)
            .await;
        let mut out = Vec::with_capacity(ops.len());
        for (op, answer) in ops.iter().zip(answers) {
            let written = Written {
                source: &source,
                service: SERVICE,
                id: op.id(),
                created: matches!(op, WriteOp::Create { .. }),
            };
            out.push(BusinessCentral::outcome(&written, answer).await);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::{Filter, Literal};

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
        let def = find(ENTITIES, SIDE, "customers").expect("known");
        let before = chrono::DateTime::parse_from_rfc3339("2024-01-01T12:00:00.5Z")
            .expect("date")
            .with_timezone(&chrono::Utc);
        let source = bc.source(def).expect("company set");
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
        let def = find(ENTITIES, SIDE, "customers").expect("known");
        let id = Uuid::new_v4();
        let fields: couplet_model::Fields =
            [("displayName".to_owned(), serde_json::json!("Adatum"))].into();
        let create = bc
            .batch_request(
                0,
                def,
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
                def,
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

    #[tokio::test]
    async fn salespeople_schema_requires_a_code() {
        let bc = BusinessCentral::new(&settings(None), Secret::new("s")).expect("valid");
        let s = bc.schema("salespeoplePurchasers").await.expect("known");
        let code = s.field("code").expect("code");
        assert!(code.required);
        assert_eq!(
            code.kind,
            couplet_model::FieldKind::Text { max_len: Some(20) }
        );
    }
}
