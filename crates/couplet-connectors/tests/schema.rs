//! Entities learnt from the services' metadata, against the emulated services: every standard
//! entity of both sides read through `Endpoint`, writes to entities no table in Couplet
//! names, limits taken from the metadata, and the schema cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use couplet_connectors::{
    BusinessCentral, CacheFuture, Dataverse, EntityDescription, SchemaCache, Secret,
};
use couplet_model::{
    ConnectionSettings, Endpoint, ErrorKind, FieldKind, Fields, Filter, Literal, Query, Record,
    Side, WriteOp,
};
use couplet_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use uuid::Uuid;

/// The Business Central entity sets of the standard mappings: API v2.0, then the custom API.
const ERP_ENTITIES: &[&str] = &[
    "customers",
    "contacts",
    "currencies",
    "items",
    "salesInvoices",
    "salesInvoiceLines",
    "salesOrders",
    "salesOrderLines",
    "opportunities",
    "unitsOfMeasure",
    "paymentTerms",
    "shipmentMethods",
    "salespeoplePurchasers",
    "resources",
    "customerPriceGroups",
    "priceListHeaders",
    "priceListLines",
    "unitGroups",
    "itemUnitsOfMeasure",
    "shippingAgents",
];

/// The Dataverse tables of the standard mappings.
const CRM_ENTITIES: &[&str] = &[
    "account",
    "contact",
    "systemuser",
    "team",
    "businessunit",
    "transactioncurrency",
    "uomschedule",
    "uom",
    "product",
    "pricelevel",
    "productpricelevel",
    "opportunity",
    "salesorder",
    "salesorderdetail",
    "invoice",
    "invoicedetail",
    "annotation",
];

async fn sandbox() -> Sandbox {
    couplet_sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn settings(sb: &Sandbox, side: Side) -> ConnectionSettings {
    let info = sb.info();
    ConnectionSettings {
        side,
        url: match side {
            Side::Erp => info.erp_api_url.clone(),
            Side::Crm => info.crm_url.clone(),
        },
        tenant: info.tenant.clone(),
        client_id: info.client_id.clone(),
        authority: info.authority.clone(),
        scope: match side {
            Side::Erp => info.erp_scope.clone(),
            Side::Crm => info.crm_scope.clone(),
        },
        company_id: (side == Side::Erp).then_some(info.erp_company_id),
        company_name: None,
        integration_user: None,
        sandbox: true,
        auth: Default::default(),
    }
}

fn secret(sb: &Sandbox) -> Secret {
    Secret::new(sb.info().client_secret.clone())
}

fn bc(sb: &Sandbox) -> BusinessCentral {
    BusinessCentral::new(&settings(sb, Side::Erp), secret(sb)).expect("valid settings")
}

fn dv(sb: &Sandbox) -> Dataverse {
    Dataverse::new(&settings(sb, Side::Crm), secret(sb)).expect("valid settings")
}

fn fields(v: Value) -> Fields {
    serde_json::from_value(v).expect("object")
}

fn tag() -> String {
    Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// Up to eight fields of the entity other than its key: the `$select` a mapping would ask for.
async fn mapped_fields(endpoint: &dyn Endpoint, entity: &str) -> Vec<String> {
    let schema = endpoint.schema(entity).await.expect("described");
    schema
        .fields
        .iter()
        .filter(|f| !f.read_only || matches!(f.kind, FieldKind::Lookup { .. }))
        .map(|f| f.name.clone())
        .take(8)
        .collect()
}

/// Business Central lists document lines only of one document (`documentId eq ...`), as the
/// service does: the filter for a line set, from the first document of its header set.
async fn lines_filter(endpoint: &dyn Endpoint, entity: &str) -> Option<Filter> {
    let header = entity
        .strip_prefix("sales")?
        .strip_suffix("Lines")
        .map(|h| format!("sales{h}s"))?;
    let document = first(endpoint, &header, &[]).await;
    Some(Filter::eq("documentId", Literal::Guid(document.id)))
}

/// Lists the first page of every entity with its mapped fields, reads the first rows back by
/// id, and checks both reads agree. Returns the entities that had no rows.
async fn every_entity_lists_and_reads_back(
    endpoint: &dyn Endpoint,
    entities: &[&str],
) -> Vec<String> {
    let mut empty = Vec::new();
    for entity in entities {
        let fields = mapped_fields(endpoint, entity).await;
        let filter = match endpoint.side() {
            Side::Erp => lines_filter(endpoint, entity).await,
            Side::Crm => None,
        };
        assert!(!fields.is_empty(), "{entity} has writable fields");
        let page = endpoint
            .query(
                &Query {
                    entity: (*entity).to_owned(),
                    fields: fields.clone(),
                    filter,
                    page_size: Some(3),
                    ..Query::default()
                },
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("{entity} lists: {e}"));
        if page.records.is_empty() {
            empty.push((*entity).to_owned());
            continue;
        }
        let ids: Vec<Uuid> = page.records.iter().map(|r| r.id).collect();
        let back = endpoint
            .get_many(entity, &ids, &fields)
            .await
            .unwrap_or_else(|e| panic!("{entity} reads back: {e}"));
        let by_id: HashMap<Uuid, &Record> = back.iter().map(|r| (r.id, r)).collect();
        for listed in &page.records {
            let again = by_id
                .get(&listed.id)
                .unwrap_or_else(|| panic!("{entity} {} read back", listed.id));
            assert_eq!(listed.fields, again.fields, "{entity} {}", listed.id);
            assert_eq!(
                listed.fields.len(),
                fields.len(),
                "{entity}: every selected field"
            );
        }
    }
    empty
}

#[tokio::test]
async fn every_standard_business_central_entity_lists_and_reads_back_by_id() {
    let sb = sandbox().await;
    let erp = bc(&sb);
    let empty = every_entity_lists_and_reads_back(&erp, ERP_ENTITIES).await;
    assert!(empty.len() <= 3, "demo data in most sets; empty: {empty:?}");
}

#[tokio::test]
async fn every_standard_dataverse_table_lists_and_reads_back_by_id() {
    let sb = sandbox().await;
    let crm = dv(&sb);
    let empty = every_entity_lists_and_reads_back(&crm, CRM_ENTITIES).await;
    let unseeded = ["team", "invoice", "invoicedetail", "annotation"];
    assert!(
        empty.iter().all(|e| unseeded.contains(&e.as_str())),
        "demo data in every other table; empty: {empty:?}"
    );
}

/// Creates one record, renames it, and reads the final value back.
async fn create_update_read(
    endpoint: &dyn Endpoint,
    entity: &str,
    create: Fields,
    rename: (&str, String),
) -> Record {
    let id = Uuid::new_v4();
    let created = endpoint
        .write(entity, vec![WriteOp::Create { id, fields: create }])
        .await
        .remove(0)
        .unwrap_or_else(|e| panic!("{entity} created: {e}"));
    assert!(created.created);
    let updated = endpoint
        .write(
            entity,
            vec![WriteOp::Update {
                id,
                etag: created.etag.clone(),
                fields: [(rename.0.to_owned(), json!(rename.1))].into(),
            }],
        )
        .await
        .remove(0)
        .unwrap_or_else(|e| panic!("{entity} updated: {e}"));
    assert_ne!(updated.etag, created.etag, "{entity}: a new ETag");
    let mut rows = endpoint
        .get_many(entity, &[id], &[rename.0.to_owned()])
        .await
        .expect("read back");
    assert_eq!(rows.len(), 1);
    let row = rows.remove(0);
    assert_eq!(row.fields[rename.0], json!(rename.1), "{entity}");
    row
}

#[tokio::test]
async fn business_central_contacts_and_items_are_created_and_updated() {
    let sb = sandbox().await;
    let erp = bc(&sb);
    let t = tag();
    create_update_read(
        &erp,
        "contacts",
        fields(json!({"displayName": format!("Contact {t}"), "email": format!("{t}@example.com")})),
        ("displayName", format!("Contact {t} renamed")),
    )
    .await;
    create_update_read(
        &erp,
        "items",
        fields(json!({"displayName": format!("Item {t}"), "type": "Service", "unitPrice": 12.5})),
        ("displayName", format!("Item {t} renamed")),
    )
    .await;
}

#[tokio::test]
async fn a_custom_api_entity_is_written_through_the_custom_api_root() {
    let sb = sandbox().await;
    let erp = bc(&sb);
    let description = erp.describe("shippingAgents", false).await.expect("known");
    assert!(description.custom_api);
    let code = format!("S{}", &tag()[..6]).to_uppercase();
    create_update_read(
        &erp,
        "shippingAgents",
        fields(json!({"code": code, "name": "Agent"})),
        ("name", "Agent renamed".to_owned()),
    )
    .await;
}

/// The first row's id and fields of an entity.
async fn first(endpoint: &dyn Endpoint, entity: &str, fields: &[&str]) -> Record {
    endpoint
        .query(
            &Query {
                entity: entity.to_owned(),
                fields: fields.iter().map(|f| (*f).to_owned()).collect(),
                page_size: Some(1),
                ..Query::default()
            },
            None,
        )
        .await
        .expect("listed")
        .records
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("a seeded {entity}"))
}

#[tokio::test]
async fn dataverse_contacts_bind_their_company_through_the_polymorphic_navigation() {
    let sb = sandbox().await;
    let crm = dv(&sb);
    let account = first(&crm, "account", &["name"]).await;
    let t = tag();
    let contact = create_update_read(
        &crm,
        "contact",
        fields(json!({
            "firstname": "Ada",
            "lastname": format!("Contact {t}"),
            "parentcustomerid": account.id.to_string(),
        })),
        ("lastname", format!("Contact {t} renamed")),
    )
    .await;
    let rows = crm
        .get_many("contact", &[contact.id], &["parentcustomerid".into()])
        .await
        .expect("read");
    assert_eq!(
        rows[0].fields["parentcustomerid"],
        json!(account.id.to_string())
    );
}

#[tokio::test]
async fn dataverse_products_are_created_and_updated_with_their_unit_lookups() {
    let sb = sandbox().await;
    let crm = dv(&sb);
    let unit = first(&crm, "uom", &["uomscheduleid"]).await;
    let group = unit.fields["uomscheduleid"].clone();
    let t = tag();
    create_update_read(
        &crm,
        "product",
        fields(json!({
            "name": format!("Product {t}"),
            "productnumber": format!("P-{t}"),
            "quantitydecimal": 2,
            "defaultuomscheduleid": group,
            "defaultuomid": unit.id.to_string(),
        })),
        ("name", format!("Product {t} renamed")),
    )
    .await;
}

#[tokio::test]
async fn a_value_longer_than_the_metadata_allows_is_refused_before_sending() {
    let sb = sandbox().await;
    let crm = dv(&sb);
    let limit = match crm.schema("product").await.expect("known").field("name") {
        Some(f) => f.kind.clone(),
        None => panic!("product has a name"),
    };
    assert_eq!(limit, FieldKind::Text { max_len: Some(100) });
    let before = sb.stats().crm.writes;
    let result = crm
        .write(
            "product",
            vec![WriteOp::Create {
                id: Uuid::new_v4(),
                fields: fields(json!({"name": "n".repeat(101)})),
            }],
        )
        .await
        .remove(0);
    let err = result.expect_err("too long");
    assert_eq!(err.kind, ErrorKind::Rejected);
    assert!(err.message.contains("at most 100"), "{}", err.message);
    assert_eq!(sb.stats().crm.writes, before, "nothing was sent");
}

#[tokio::test]
async fn an_unknown_entity_names_the_known_ones() {
    let sb = sandbox().await;
    let err = bc(&sb).schema("vendorz").await.expect_err("unknown");
    assert_eq!(err.kind, ErrorKind::NotFound);
    for known in ["customers", "items", "resources"] {
        assert!(err.message.contains(known), "{}", err.message);
    }
    let err = dv(&sb).schema("acount").await.expect_err("unknown");
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert!(err.message.contains("'acount'"), "{}", err.message);
    assert!(err.message.contains("account"), "{}", err.message);
    let results = dv(&sb)
        .write(
            "acount",
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
async fn the_account_schema_is_what_entity_definitions_say() {
    let sb = sandbox().await;
    let schema = dv(&sb).schema("account").await.expect("known");
    let name = schema.field("name").expect("name");
    assert_eq!(name.kind, FieldKind::Text { max_len: Some(160) });
    assert!(name.required && !name.read_only);
    let FieldKind::Lookup { target, targets } = &schema.field("ownerid").expect("owner").kind
    else {
        panic!("ownerid is a lookup");
    };
    assert_eq!(target, "systemusers");
    let entities: Vec<(&str, &str, &str)> = targets
        .iter()
        .map(|t| (t.entity.as_str(), t.set.as_str(), t.navigation.as_str()))
        .collect();
    assert_eq!(
        entities,
        [
            ("systemuser", "systemusers", "ownerid"),
            ("team", "teams", "ownerid")
        ]
    );
    let FieldKind::Choice { options } = &schema.field("customertypecode").expect("type").kind
    else {
        panic!("customertypecode is a choice");
    };
    assert!(
        options
            .iter()
            .any(|o| o.value == 3 && o.label == "Customer"),
        "{options:?}"
    );
    assert!(schema.field("accountid").expect("key").read_only);
    assert!(schema.field("modifiedon").expect("stamp").read_only);
}

/// A cache in memory that counts what it is asked.
#[derive(Debug, Default)]
struct MemoryCache {
    saved: Mutex<HashMap<(Side, String), EntityDescription>>,
}

impl SchemaCache for MemoryCache {
    fn load<'a>(
        &'a self,
        side: Side,
        entity: &'a str,
    ) -> CacheFuture<'a, Option<EntityDescription>> {
        Box::pin(async move {
            self.saved
                .lock()
                .expect("lock")
                .get(&(side, entity.to_owned()))
                .cloned()
        })
    }

    fn save<'a>(
        &'a self,
        side: Side,
        descriptions: &'a [EntityDescription],
    ) -> CacheFuture<'a, ()> {
        Box::pin(async move {
            let mut saved = self.saved.lock().expect("lock");
            for d in descriptions {
                saved.insert((side, d.schema.entity.clone()), d.clone());
            }
        })
    }
}

#[tokio::test]
async fn a_cached_schema_is_reused_by_a_new_connection_until_refreshed() {
    let sb = sandbox().await;
    let cache = Arc::new(MemoryCache::default());
    let first = dv(&sb).with_schema_cache(cache.clone());
    let described = first.describe("account", false).await.expect("described");
    assert!(cache.load(Side::Crm, "account").await.is_some(), "saved");

    let second = dv(&sb).with_schema_cache(cache.clone());
    let before = sb.stats().crm.requests;
    assert_eq!(
        second.describe("account", false).await.expect("cached"),
        described
    );
    assert_eq!(sb.stats().crm.requests, before, "no metadata read");
    let refreshed = second.describe("account", true).await.expect("refreshed");
    assert!(sb.stats().crm.requests > before, "metadata read again");
    assert!(refreshed.read_at >= described.read_at);
    assert_eq!(refreshed.schema, described.schema);

    let erp = bc(&sb).with_schema_cache(cache.clone());
    erp.describe("customers", false).await.expect("described");
    assert!(
        cache.load(Side::Erp, "resources").await.is_some(),
        "one $metadata describes every set"
    );
}
