//! The emulated Dataverse Web API v9.2 (api-reference section B).

mod batch;
mod bulk;
mod definitions;
mod delta;
mod errors;
mod expand;
mod organization;
pub(crate) mod rules;
pub(crate) mod schema;
pub(crate) mod tables;
pub(crate) mod write;

use axum::http::Method;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::Shared;
use crate::http::{ApiBody, ApiRequest, ApiResponse};
use crate::identity::{self, App};
use crate::listing::{self, Cursor, ListSpec};
use crate::options::{self, OptionTarget};
use crate::query::{Dialect, QueryError};
use crate::store::{Row, Store};

pub(crate) use errors::fault_response;
use errors::{error, method_not_allowed, resource_not_found, unknown_property};
use schema::{Kind, Table, tables};

/// Largest page and largest count Dataverse returns.
const MAX_PAGE: usize = 5_000;
const JSON_CONTENT_TYPE: &str = "application/json; odata.metadata=minimal";

/// The fixed business unit of every user.
pub(crate) const BUSINESS_UNIT_ID: Uuid =
    Uuid::from_u128(0x4f2b_7c1d_9e3a_4b5c_8d6e_7f80_91a2_b301);
/// The fixed organization id.
pub(crate) const ORGANIZATION_ID: Uuid = Uuid::from_u128(0x0c1d_2e3f_4a5b_4c6d_8e7f_8091_a2b3_c401);

/// Per-request context.
pub(crate) struct Ctx {
    /// The calling app.
    pub app: App,
    /// `{origin}/api/data/v9.x`.
    pub base: String,
    /// Whether the request is part of a `$batch` change set, whose transaction it joins.
    pub in_change_set: bool,
}

enum Resource {
    ServiceDocument,
    Metadata,
    WhoAmI,
    /// `EntityDefinitions...`, by its path segments.
    Definitions(Vec<String>),
    Collection(&'static Table),
    Count(&'static Table),
    Entity(&'static Table, Uuid),
    Bulk(&'static Table, bulk::Message),
}

/// Entry point for every request to the Dataverse port.
pub(crate) fn handle(shared: &Shared, req: &ApiRequest) -> ApiResponse {
    let app = match identity::authenticate(shared, req, &shared.info.crm_url) {
        Ok(app) => app,
        Err(_) => return errors::unauthorized(&shared.info.authority, &shared.info.crm_url),
    };
    let segments: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    let version = match segments.as_slice() {
        ["api", "data", version, ..] if matches!(*version, "v9.0" | "v9.1" | "v9.2") => *version,
        _ => {
            return resource_not_found(segments.first().copied().unwrap_or("/"));
        }
    };
    let ctx = Ctx {
        app,
        base: format!("{}/api/data/{version}", req.origin),
        in_change_set: false,
    };
    if segments.len() == 4 && segments[3] == "$batch" {
        let mut store = shared.lock();
        return store.in_one_request(true, |store| batch::handle(store, &ctx, req, version));
    }
    let resource = match parse_resource(&segments[3..]) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut store = shared.lock();
    let writes = req.method != axum::http::Method::GET;
    store.in_one_request(writes, |store| dispatch(store, &ctx, req, resource))
}

fn parse_resource(rest: &[&str]) -> Result<Resource, ApiResponse> {
    let Some(first) = rest.first() else {
        return Ok(Resource::ServiceDocument);
    };
    match (*first, rest.len()) {
        ("$metadata", 1) => return Ok(Resource::Metadata),
        ("WhoAmI" | "WhoAmI()", 1) => return Ok(Resource::WhoAmI),
        (segment, _) if segment.starts_with("EntityDefinitions") => {
            return Ok(Resource::Definitions(
                rest.iter().map(|s| (*s).to_owned()).collect(),
            ));
        }
        _ => {}
    }
    let (name, key) = match first.split_once('(') {
        None => (*first, None),
        Some((name, rest)) => {
            let key = rest.strip_suffix(')').unwrap_or(rest);
            (name, Some(key))
        }
    };
    let table = tables()
        .find(|t| t.set == name)
        .ok_or_else(|| resource_not_found(name))?;
    match (key, rest.len()) {
        (None, 1) => Ok(Resource::Collection(table)),
        (None, 2) if rest[1] == "$count" => Ok(Resource::Count(table)),
        (None, 2) if let Some(message) = bulk::Message::from_segment(rest[1]) => {
            Ok(Resource::Bulk(table, message))
        }
        (Some(key), 1) => {
            let bare = key
                .strip_prefix(&format!("{}=", table.key))
                .unwrap_or(key)
                .trim_matches(|c| c == '{' || c == '}');
            match Uuid::parse_str(bare) {
                Ok(id) => Ok(Resource::Entity(table, id)),
                Err(_) => Err(error(
                    400,
                    "0x80060888",
                    &format!(
                        "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.{}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.{}'.",
                        table.logical, table.logical
                    ),
                )),
            }
        }
        _ => Err(resource_not_found(rest[rest.len() - 1])),
    }
}

fn dispatch(store: &mut Store, ctx: &Ctx, req: &ApiRequest, resource: Resource) -> ApiResponse {
    let method = &req.method;
    if let Resource::Collection(table) | Resource::Count(table) | Resource::Entity(table, _) =
        &resource
        && table.set == schema::ORGANIZATIONS.set
    {
        organization::ensure(store, ctx.app.crm_user);
    }
    match resource {
        Resource::ServiceDocument => {
            if *method != Method::GET {
                return method_not_allowed(method.as_str(), "the service document");
            }
            let sets: Vec<Value> = tables()
                .map(|t| json!({"name": t.set, "kind": "EntitySet", "url": t.set}))
                .collect();
            json_response(
                200,
                json!({"@odata.context": format!("{}/$metadata", ctx.base), "value": sets}),
            )
        }
        Resource::Metadata => {
            if *method != Method::GET {
                return method_not_allowed(method.as_str(), "$metadata");
            }
            ApiResponse::new(200, ApiBody::Text(metadata()))
                .with_header("content-type", "application/xml")
                .with_header("odata-version", "4.0")
        }
        Resource::WhoAmI => {
            if *method != Method::GET {
                return method_not_allowed(method.as_str(), "WhoAmI");
            }
            json_response(
                200,
                json!({
                    "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse", ctx.base),
                    "BusinessUnitId": BUSINESS_UNIT_ID,
                    "UserId": ctx.app.crm_user,
                    "OrganizationId": ORGANIZATION_ID,
                }),
            )
        }
        Resource::Definitions(segments) => {
            if *method != Method::GET {
                return method_not_allowed(method.as_str(), "EntityDefinitions");
            }
            let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
            definitions::answer(ctx, req, &segments)
        }
        Resource::Collection(table) => match *method {
            Method::GET => list(store, ctx, req, table),
            Method::POST => write::create(store, ctx, req, table),
            _ => method_not_allowed(method.as_str(), table.set),
        },
        Resource::Count(table) => {
            if *method != Method::GET {
                return method_not_allowed(method.as_str(), "$count");
            }
            match options::parse_filter(req, table) {
                Ok(filter) => {
                    listing::count_response(store, table.table, filter.as_ref(), MAX_PAGE)
                }
                Err(r) => r,
            }
        }
        Resource::Entity(table, id) => match *method {
            Method::GET => get_one(store, ctx, req, table, id),
            Method::PATCH => write::upsert(store, ctx, req, table, id),
            Method::DELETE => write::delete(store, ctx, req, table, id),
            _ => method_not_allowed(method.as_str(), table.set),
        },
        Resource::Bulk(table, message) => match *method {
            Method::POST => bulk::handle(store, ctx, req, table, message),
            _ => method_not_allowed(method.as_str(), message.qualified_name()),
        },
    }
}

/// A JSON response with Dataverse's OData headers.
pub(crate) fn json_response(status: u16, body: Value) -> ApiResponse {
    ApiResponse::new(status, ApiBody::Json(body))
        .with_header("content-type", JSON_CONTENT_TYPE)
        .with_header("odata-version", "4.0")
}

/// `W/"<versionnumber>"`.
pub(crate) fn etag(version: u64) -> String {
    format!("W/\"{version}\"")
}

/// Whether an `If-Match`/`If-None-Match` value names the row's version (or `*`).
pub(crate) fn etag_matches(header: &str, version: u64) -> bool {
    let current = version.to_string();
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.trim_start_matches("W/").trim_matches('"') == current
    })
}

/// Which annotations `Prefer: odata.include-annotations` asks for.
pub(crate) struct Annotations {
    patterns: Vec<String>,
}

impl Annotations {
    pub(crate) fn from_request(req: &ApiRequest) -> Self {
        let patterns = req
            .prefer()
            .into_iter()
            .filter(|(k, _)| k == "odata.include-annotations")
            .flat_map(|(_, v)| {
                v.trim_matches('"')
                    .split(',')
                    .map(|p| p.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .filter(|p| !p.is_empty())
            .collect();
        Self { patterns }
    }

    fn wants(&self, annotation: &str) -> bool {
        self.patterns.iter().any(|p| {
            p == "*"
                || p == annotation
                || p.strip_suffix('*')
                    .is_some_and(|prefix| annotation.starts_with(prefix))
        })
    }

    pub(crate) fn any(&self) -> bool {
        !self.patterns.is_empty()
    }

    pub(crate) fn preference(&self) -> String {
        format!("odata.include-annotations=\"{}\"", self.patterns.join(","))
    }
}

const FORMATTED: &str = "OData.Community.Display.V1.FormattedValue";
const LOOKUP_LOGICAL: &str = "Microsoft.Dynamics.CRM.lookuplogicalname";
const ASSOCIATED_NAV: &str = "Microsoft.Dynamics.CRM.associatednavigationproperty";

/// The table a lookup value points to (for a lookup with several targets, the one holding
/// the row; the first when none does) and the primary name of the row it points to.
pub(crate) fn lookup_target(
    store: &Store,
    lookup: &schema::Lookup,
    id: Uuid,
) -> (schema::Target, Option<Value>) {
    for target in lookup.targets {
        let Some(table) = schema::by_set(target.set) else {
            continue;
        };
        if let Some(row) = store.get(table.table, &id) {
            let name = row.fields.get(table.primary_name).cloned();
            return (*target, name.filter(|n| !n.is_null()));
        }
    }
    let first = lookup.targets.first().copied().unwrap_or(schema::Target {
        set: "",
        logical: "",
    });
    (first, None)
}

/// The wire form of a row.
pub(crate) fn render(
    store: &Store,
    table: &Table,
    row: &Row,
    select: Option<&[String]>,
    annotations: &Annotations,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("@odata.etag".into(), Value::String(etag(row.version)));
    let include =
        |name: &str| name == table.key || select.is_none_or(|s| s.iter().any(|f| f == name));
    for column in table.columns() {
        if !include(column.name) {
            continue;
        }
        let value = row.fields.get(column.name).cloned().unwrap_or(Value::Null);
        if annotations.any() && !value.is_null() {
            match column.kind {
                Kind::Lookup(lookup) => {
                    let id = value.as_str().and_then(|s| Uuid::parse_str(s).ok());
                    let target = id.map(|id| lookup_target(store, &lookup, id));
                    if let Some((target, _)) = &target {
                        if annotations.wants(LOOKUP_LOGICAL) {
                            out.insert(
                                format!("{}@{LOOKUP_LOGICAL}", column.name),
                                Value::String(target.logical.into()),
                            );
                        }
                        if annotations.wants(ASSOCIATED_NAV) {
                            out.insert(
                                format!("{}@{ASSOCIATED_NAV}", column.name),
                                Value::String(lookup.nav_for(target)),
                            );
                        }
                    }
                    if annotations.wants(FORMATTED)
                        && let Some((_, Some(name))) = target
                    {
                        out.insert(format!("{}@{FORMATTED}", column.name), name);
                    }
                }
                Kind::Choice(options) if annotations.wants(FORMATTED) => {
                    if let Some((_, label)) =
                        options.iter().find(|(v, _)| value.as_i64() == Some(*v))
                    {
                        out.insert(
                            format!("{}@{FORMATTED}", column.name),
                            Value::String((*label).into()),
                        );
                    }
                }
                Kind::Bool if annotations.wants(FORMATTED) => {
                    let label = if value.as_bool() == Some(true) {
                        "Yes"
                    } else {
                        "No"
                    };
                    out.insert(
                        format!("{}@{FORMATTED}", column.name),
                        Value::String(label.into()),
                    );
                }
                _ => {}
            }
        }
        out.insert(column.name.into(), value);
    }
    out
}

impl OptionTarget for Table {
    const DIALECT: Dialect = Dialect::Dataverse;

    fn has_field(&self, name: &str) -> bool {
        self.column(name).is_some()
    }

    fn unknown_property(&self, name: &str) -> ApiResponse {
        unknown_property(self.logical, name)
    }

    fn query_error(e: &QueryError) -> ApiResponse {
        error(400, "0x80060888", &e.message)
    }
}

fn reject_unsupported(req: &ApiRequest) -> Result<(), ApiResponse> {
    if req.option("$skip").is_some() {
        return Err(error(
            400,
            "0x80060888",
            "The query parameter $skip is not supported",
        ));
    }
    Ok(())
}

pub(crate) fn context_url(
    ctx: &Ctx,
    table: &Table,
    select: Option<&[String]>,
    entity: bool,
) -> String {
    let mut url = format!("{}/$metadata#{}", ctx.base, table.set);
    if let Some(fields) = select {
        url.push('(');
        url.push_str(&fields.join(","));
        url.push(')');
    }
    if entity {
        url.push_str("/$entity");
    }
    url
}

/// A `$skiptoken` in Dataverse's own shape (a paging cookie), carrying `state` for the next
/// page; `tracking` marks change-tracking reads as the service does.
pub(crate) fn encode_cookie(
    state: &impl serde::Serialize,
    page_number: usize,
    tracking: bool,
) -> String {
    let inner = URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).unwrap_or_default());
    let tracking = if tracking { "True" } else { "False" };
    let cookie = format!(
        "<cookie pagenumber=\"{page_number}\" pagingcookie=\"{}\" istracking=\"{tracking}\" />",
        utf8_percent_encode(&format!("<cookie sbx=\"{inner}\" />"), NON_ALPHANUMERIC)
    );
    utf8_percent_encode(&cookie, NON_ALPHANUMERIC).to_string()
}

/// The state [`encode_cookie`] carried; `token` is the query option's value (decoded once).
pub(crate) fn decode_cookie<T: serde::de::DeserializeOwned>(token: &str) -> Option<T> {
    let start = token.find("pagingcookie=\"")? + "pagingcookie=\"".len();
    let end = start + token[start..].find('"')?;
    let paging = percent_decode_str(&token[start..end]).decode_utf8().ok()?;
    let s = paging.find("sbx=\"")? + "sbx=\"".len();
    let e = s + paging[s..].find('"')?;
    let bytes = URL_SAFE_NO_PAD.decode(&paging[s..e]).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn list(store: &Store, ctx: &Ctx, req: &ApiRequest, table: &Table) -> ApiResponse {
    if delta::is_tracking(req) {
        return delta::list(store, ctx, req, table);
    }
    let parsed = (|| {
        reject_unsupported(req)?;
        let expand = expand::parse(req, table)?;
        let filter = options::parse_filter(req, table)?;
        let select = options::parse_select(req, table)?;
        let order = options::parse_orderby(req, table)?;
        let top = match req.option("$top") {
            None => None,
            Some(v) => Some(v.trim().parse::<usize>().map_err(|_| {
                error(
                    400,
                    "0x80060888",
                    &format!("Invalid value '{v}' for $top query option found. The $top query option requires a non-negative integer value."),
                )
            })?),
        };
        let cursor = match req.option("$skiptoken") {
            None => None,
            Some(token) => Some(decode_cookie::<Cursor>(token).ok_or_else(|| {
                error(
                    400,
                    "0x80060888",
                    "The $skiptoken is not valid. Follow @odata.nextLink exactly as returned.",
                )
            })?),
        };
        Ok::<_, ApiResponse>((filter, select, order, top, cursor, expand))
    })();
    let (filter, select, order, top, cursor, expand) = match parsed {
        Ok(p) => p,
        Err(r) => return r,
    };
    let max_page = match req.max_page_size() {
        Some(Ok(n)) => Some(n.clamp(1, MAX_PAGE)),
        _ => None,
    };
    let (page_size, top) = match max_page {
        Some(n) => (n, None),
        None => (MAX_PAGE, top),
    };
    let count = req
        .option("$count")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let page = listing::list(
        store,
        table.table,
        &ListSpec {
            filter: filter.as_ref(),
            order: &order,
            after: cursor.as_ref(),
            skip: 0,
            page_size,
            top,
            count,
        },
    );
    let annotations = Annotations::from_request(req);
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        Value::String(context_url(ctx, table, select.as_deref(), false)),
    );
    if let Some(total) = page.total {
        let exceeded = total > MAX_PAGE;
        body.insert("@odata.count".into(), Value::from(total.min(MAX_PAGE)));
        body.insert(
            "@Microsoft.Dynamics.CRM.totalrecordcount".into(),
            Value::from(if exceeded { -1 } else { total as i64 }),
        );
        body.insert(
            "@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded".into(),
            Value::Bool(exceeded),
        );
    }
    let values: Vec<Value> = page
        .rows
        .iter()
        .map(|(_, row)| {
            let mut out = render(store, table, row, select.as_deref(), &annotations);
            expand::attach(store, table, row, &expand, &annotations, &mut out);
            Value::Object(out)
        })
        .collect();
    body.insert("value".into(), Value::Array(values));
    if let Some(next) = &page.next {
        let kept = req.raw_query_without(&["$skiptoken"]);
        let page_number = next.served.div_ceil(page_size) + 1;
        let token = encode_cookie(next, page_number, false);
        let sep = if kept.is_empty() { "" } else { "&" };
        body.insert(
            "@odata.nextLink".into(),
            Value::String(format!(
                "{}{}?{kept}{sep}$skiptoken={token}",
                req.origin, req.raw_path
            )),
        );
    }
    let mut response = json_response(200, Value::Object(body));
    let mut applied = Vec::new();
    if let Some(n) = max_page {
        applied.push(format!("odata.maxpagesize={n}"));
    }
    if annotations.any() {
        applied.push(annotations.preference());
    }
    if !applied.is_empty() {
        response = response.with_header("preference-applied", applied.join(","));
    }
    response
}

fn get_one(store: &Store, ctx: &Ctx, req: &ApiRequest, table: &Table, id: Uuid) -> ApiResponse {
    let select = match options::parse_select(req, table) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let expand = match expand::parse(req, table) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let Some(row) = store.get(table.table, &id) else {
        return errors::row_not_found(table.logical, &id);
    };
    let annotations = Annotations::from_request(req);
    if !annotations.any()
        && expand.is_empty()
        && let Some(none_match) = req.header("if-none-match")
        && none_match.trim() != "null"
        && etag_matches(none_match, row.version)
    {
        return ApiResponse::new(304, ApiBody::Empty).with_header("etag", etag(row.version));
    }
    let mut body = render(store, table, &row, select.as_deref(), &annotations);
    expand::attach(store, table, &row, &expand, &annotations, &mut body);
    body.insert(
        "@odata.context".into(),
        Value::String(context_url(ctx, table, select.as_deref(), true)),
    );
    let mut response =
        json_response(200, Value::Object(body)).with_header("etag", etag(row.version));
    if annotations.any() {
        response = response.with_header("preference-applied", annotations.preference());
    }
    response
}

fn metadata() -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n  <edmx:DataServices>\n    <Schema Namespace=\"Microsoft.Dynamics.CRM\" Alias=\"mscrm\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">\n",
    );
    for table in tables() {
        out.push_str(&entity_type(table));
    }
    out.push_str(&bulk::metadata());
    out.push_str("      <EntityContainer Name=\"System\">\n");
    for table in tables() {
        out.push_str(&format!(
            "        <EntitySet Name=\"{}\" EntityType=\"Microsoft.Dynamics.CRM.{}\"/>\n",
            table.set, table.logical
        ));
    }
    out.push_str("        <FunctionImport Name=\"WhoAmI\" Function=\"Microsoft.Dynamics.CRM.WhoAmI\"/>\n      </EntityContainer>\n    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>\n");
    out
}

/// A table's `EntityType`: key, properties with their Edm types (and `MaxLength` for text),
/// single-valued navigation properties (one per target of a polymorphic lookup) and the
/// collection-valued ones.
fn entity_type(table: &Table) -> String {
    let mut out = format!(
        "      <EntityType Name=\"{}\"><Key><PropertyRef Name=\"{}\"/></Key>\n",
        table.logical, table.key
    );
    for column in table.columns() {
        let ty = match column.kind {
            Kind::Text(_) => "Edm.String",
            Kind::Choice(_) | Kind::Int(..) => "Edm.Int32",
            Kind::Bool => "Edm.Boolean",
            Kind::Decimal | Kind::Number => "Edm.Decimal",
            Kind::Guid | Kind::Lookup(_) => "Edm.Guid",
            Kind::DateTime => "Edm.DateTimeOffset",
            Kind::Date => "Edm.Date",
            Kind::BigInt => "Edm.Int64",
        };
        let length = match column.kind {
            Kind::Text(max) => format!(" MaxLength=\"{max}\""),
            _ => String::new(),
        };
        out.push_str(&format!(
            "        <Property Name=\"{}\" Type=\"{ty}\"{length}/>\n",
            column.name
        ));
    }
    for column in table.columns() {
        let Kind::Lookup(lookup) = column.kind else {
            continue;
        };
        let known = lookup
            .targets
            .iter()
            .filter(|t| schema::by_set(t.set).is_some());
        if lookup.per_target {
            for target in known {
                out.push_str(&format!(
                    "        <NavigationProperty Name=\"{}\" Type=\"mscrm.{}\"/>\n",
                    lookup.nav_for(target),
                    target.logical
                ));
            }
        } else if let Some(target) = known.clone().next() {
            // One property for every target (the owner is a user or a team: a principal).
            let ty = if known.count() > 1 {
                "principal"
            } else {
                target.logical
            };
            out.push_str(&format!(
                "        <NavigationProperty Name=\"{}\" Type=\"mscrm.{ty}\"/>\n",
                lookup.nav
            ));
        }
    }
    for collection in table.collections {
        if let Some(related) = schema::by_set(collection.set) {
            out.push_str(&format!(
                "        <NavigationProperty Name=\"{}\" Type=\"Collection(mscrm.{})\"/>\n",
                collection.name, related.logical
            ));
        }
    }
    out.push_str("      </EntityType>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skiptoken_is_a_paging_cookie_that_round_trips() {
        let cursor = Cursor {
            values: vec![json!("Contoso")],
            key: Uuid::from_u128(7),
            served: 10,
        };
        let token = encode_cookie(&cursor, 2, false);
        let decoded_once = percent_decode_str(&token)
            .decode_utf8()
            .expect("utf8")
            .into_owned();
        assert!(decoded_once.starts_with("<cookie pagenumber=\"2\" pagingcookie=\""));
        assert_eq!(decode_cookie::<Cursor>(&decoded_once), Some(cursor));
    }

    #[test]
    fn metadata_declares_the_bulk_actions_bound_to_entity_sets() {
        let csdl = metadata();
        for action in ["CreateMultiple", "UpdateMultiple", "UpsertMultiple"] {
            assert!(
                csdl.contains(&format!("<Action Name=\"{action}\" IsBound=\"true\">")),
                "{action}"
            );
        }
        assert!(csdl.contains("<ComplexType Name=\"CreateMultipleResponse\">"));
    }

    #[test]
    fn etags_match_by_version_number() {
        assert!(etag_matches("W/\"42\"", 42));
        assert!(!etag_matches("W/\"41\"", 42));
        assert!(etag_matches("*", 42));
    }
}
