//! The emulated Business Central API v2.0 (api-reference section A).

mod batch;
pub(crate) mod companions;
mod documents;
mod errors;
mod expansion;
mod metadata;
mod paths;
mod rules;
pub(crate) mod schema;
pub(crate) mod tables;
pub(crate) mod webhooks;
mod write;

use std::cell::RefCell;

use axum::http::Method;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::Shared;
use crate::http::{ApiBody, ApiRequest, ApiResponse};
use crate::identity::{self, App, BC_AUDIENCE};
use crate::listing::{self, Cursor, ListSpec};
use crate::options::{self, OptionTarget};
use crate::query::{self, Dialect, QueryError};
use crate::store::{Row, Store};

pub(crate) use errors::fault_response;
use errors::{error, method_not_allowed};
use paths::{Resource, api_sets, parse_resource, split_root};
pub(crate) use paths::{api_set, split_key};
use schema::{Api, COMPANIES, EntitySet, Link};

/// The environment name the sandbox serves.
pub(crate) const ENVIRONMENT: &str = "production";
/// Publisher of the sandbox's custom API (`api/{publisher}/{group}/{version}`).
pub(crate) const CUSTOM_PUBLISHER: &str = "couplet";
/// API group of the custom API.
pub(crate) const CUSTOM_GROUP: &str = "sync";
/// Version of the custom API.
pub(crate) const CUSTOM_VERSION: &str = "v1.0";
/// Largest page BC serves.
const MAX_PAGE: usize = 20_000;
/// Most requests in one `$batch`.
const MAX_BATCH: usize = 100;

const JSON_CONTENT_TYPE: &str = "application/json; odata.metadata=minimal; odata.streaming=true";

/// Per-request context.
pub(crate) struct Ctx<'a> {
    /// The calling app.
    pub app: App,
    /// `{origin}{api root path}`, e.g. `http://127.0.0.1:1234/v2.0/<tenant>/production/api/v2.0`.
    pub root: String,
    /// The request's origin (`http://host:port`).
    pub origin: &'a str,
    /// The API root path (`/v2.0/<tenant>/production/api/v2.0`).
    pub root_path: String,
    /// The API the request addresses (standard v2.0 or the custom API).
    pub api: Api,
    /// Changes this request made, published to the webhooks once it has finished.
    pub changes: RefCell<Vec<webhooks::Change>>,
}

/// Entry point for every request to the BC port.
pub(crate) fn handle(shared: &Shared, req: &ApiRequest) -> ApiResponse {
    // Business Central on-premises: HTTP Basic with a user's web service access key; the
    // sandbox attributes such writes to the integration app's user.
    let app = match identity::basic_user(shared, req) {
        Ok(_) => identity::INTEGRATION_APP,
        Err(Some(user)) => return errors::basic_unauthorized(&user),
        Err(None) => match identity::authenticate(shared, req, BC_AUDIENCE) {
            Ok(app) => app,
            Err(_) => return errors::unauthorized(&shared.info.authority),
        },
    };
    let (root_path, api, rest) = match split_root(&req.path) {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let ctx = Ctx {
        app,
        root: format!("{}{}", req.origin, root_path),
        origin: &req.origin,
        root_path,
        api,
        changes: RefCell::new(Vec::new()),
    };
    if webhooks::is_subscriptions_path(&rest) {
        return webhooks::handle(shared, &ctx, req, &rest);
    }
    let mut store = shared.lock();
    let writes = req.method != axum::http::Method::GET;
    let response = store.in_one_request(writes, |store| {
        if rest.len() == 1 && rest[0] == "$batch" {
            batch::handle(store, &ctx, req)
        } else {
            dispatch(store, &ctx, req, &rest)
        }
    });
    shared.webhooks.record(ctx.changes.take());
    response
}

/// Handles one (top-level or batched) request with the store locked.
fn dispatch(store: &mut Store, ctx: &Ctx<'_>, req: &ApiRequest, rest: &[String]) -> ApiResponse {
    if webhooks::is_subscriptions_path(rest) {
        return error(
            400,
            "BadRequest",
            "Webhook subscriptions cannot be managed inside $batch; send them as separate requests.",
        );
    }
    let resource = match parse_resource(store, ctx, req, rest) {
        Ok(r) => r,
        Err(response) => return response,
    };
    let method = &req.method;
    match resource {
        Resource::ServiceDocument => {
            if *method != Method::GET {
                return method_not_allowed(method.as_str(), "the service document");
            }
            let sets: Vec<Value> = std::iter::once(&COMPANIES)
                .chain(api_sets(ctx.api))
                .map(|s| json!({"name": s.name, "kind": "EntitySet", "url": s.name}))
                .collect();
            ok_json(json!({"@odata.context": format!("{}/$metadata", ctx.root), "value": sets}))
        }
        Resource::Metadata => {
            if *method != Method::GET {
                return method_not_allowed(method.as_str(), "$metadata");
            }
            ApiResponse::new(200, ApiBody::Text(metadata::csdl(ctx.api)))
                .with_header("content-type", "application/xml")
                .with_header("odata-version", "4.0")
        }
        Resource::Batch => method_not_allowed(method.as_str(), "$batch"),
        Resource::Companies(None) => {
            if *method != Method::GET {
                return method_not_allowed(method.as_str(), "companies");
            }
            let context = format!("{}/$metadata#companies", ctx.root);
            list(store, ctx, req, &COMPANIES, None, context)
        }
        Resource::Companies(Some(id)) => {
            if *method != Method::GET {
                return method_not_allowed(method.as_str(), "companies");
            }
            let context = format!("{}/$metadata#companies/$entity", ctx.root);
            get_one(store, req, &COMPANIES, id, context)
        }
        Resource::Collection(company, set) => {
            let context = format!("{}/$metadata#companies({company})/{}", ctx.root, set.name);
            match *method {
                Method::GET => list(store, ctx, req, set, None, context),
                Method::POST => write::create(store, ctx, req, company, set, None),
                _ => method_not_allowed(
                    method.as_str(),
                    &format!("{} of EdmType 'Collection'", set.name),
                ),
            }
        }
        Resource::Count(set) => {
            if *method != Method::GET {
                return method_not_allowed(method.as_str(), "$count");
            }
            match options::parse_filter(req, set) {
                Ok(filter) => {
                    listing::count_response(store, set.table, filter.as_ref(), usize::MAX)
                }
                Err(r) => r,
            }
        }
        Resource::Entity(company, set, id) => {
            let context = format!(
                "{}/$metadata#companies({company})/{}/$entity",
                ctx.root, set.name
            );
            match *method {
                Method::GET => get_one(store, req, set, id, context),
                Method::PATCH => write::update(store, ctx, req, company, set, id),
                Method::DELETE => write::delete(store, ctx, req, company, set, id),
                _ => method_not_allowed(
                    method.as_str(),
                    &format!("{} of EdmType 'Entity'", set.name),
                ),
            }
        }
        Resource::Related(company, set, id, nav) => {
            let Some(parent) = store.get(set.table, &id) else {
                return record_not_found(set, id);
            };
            let target = nav.target;
            match (nav.link, method) {
                (Link::Many(foreign), &Method::GET) => {
                    let context = format!(
                        "{}/$metadata#companies({company})/{}({id})/{}",
                        ctx.root, set.name, nav.name
                    );
                    list(store, ctx, req, target, Some((foreign, id)), context)
                }
                (Link::Many(foreign), &Method::POST) => {
                    write::create(store, ctx, req, company, target, Some((foreign, id)))
                }
                (Link::One(local), &Method::GET) => {
                    let related = parent
                        .fields
                        .get(local)
                        .and_then(Value::as_str)
                        .and_then(|s| Uuid::parse_str(s).ok())
                        .unwrap_or_default();
                    let context = format!(
                        "{}/$metadata#companies({company})/{}/$entity",
                        ctx.root, target.name
                    );
                    get_one(store, req, target, related, context)
                }
                _ => method_not_allowed(method.as_str(), nav.name),
            }
        }
        Resource::Action(company, set, id, action) => {
            if *method != Method::POST {
                return method_not_allowed(method.as_str(), &format!("Microsoft.NAV.{action}"));
            }
            documents::action(store, ctx, req, company, set, id, &action)
        }
    }
}

/// A 200 JSON response with BC's OData headers.
pub(crate) fn ok_json(body: Value) -> ApiResponse {
    json_response(200, body)
}

pub(crate) fn json_response(status: u16, body: Value) -> ApiResponse {
    ApiResponse::new(status, ApiBody::Json(body))
        .with_header("content-type", JSON_CONTENT_TYPE)
        .with_header("odata-version", "4.0")
}

/// The opaque weak ETag of a row version: `W/"<base64 of '<len>;<data>;<version>;'>"`.
pub(crate) fn etag(version: u64) -> String {
    let data = format!("{version:016X}");
    let inner = format!("'{};{};{};'", data.len(), data, version);
    format!("W/\"{}\"", STANDARD.encode(inner))
}

/// Whether an `If-Match` value accepts the row.
pub(crate) fn if_match_accepts(if_match: &str, version: u64) -> bool {
    let current = etag(version);
    if_match.split(',').map(str::trim).any(|candidate| {
        candidate == "*"
            || candidate == current
            || candidate.trim_start_matches("W/") == current.trim_start_matches("W/")
    })
}

/// The wire form of a row as `set` shows it: `@odata.etag` plus all (or the selected) fields.
pub(crate) fn render(set: &EntitySet, row: &Row, select: Option<&[String]>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("@odata.etag".into(), Value::String(etag(row.version)));
    match select {
        Some(fields) => {
            for f in fields {
                if set.field(f).is_some()
                    && let Some(v) = row.fields.get(f)
                {
                    out.insert(f.clone(), v.clone());
                }
            }
        }
        None => {
            for field in set.visible() {
                if let Some(v) = row.fields.get(field.name) {
                    out.insert(field.name.to_string(), v.clone());
                }
            }
        }
    }
    out
}

impl OptionTarget for EntitySet {
    const DIALECT: Dialect = Dialect::BusinessCentral;

    fn has_field(&self, name: &str) -> bool {
        self.field(name).is_some()
    }

    fn unknown_property(&self, name: &str) -> ApiResponse {
        error(
            400,
            "BadRequest_NotFound",
            &format!(
                "Could not find a property named '{name}' on type 'Microsoft.NAV.{}'.",
                self.entity_type
            ),
        )
    }

    fn query_error(e: &QueryError) -> ApiResponse {
        if e.message.contains(query::BC_OR_DISTINCT_FIELDS) {
            error(
                400,
                "BadRequest_NotSupported",
                &format!(
                    "An error occurred while processing this request. {}",
                    e.message
                ),
            )
        } else {
            error(400, "BadRequest_NotFound", &e.message)
        }
    }
}

fn parse_count_option(req: &ApiRequest, name: &str) -> Result<Option<usize>, ApiResponse> {
    match req.option(name) {
        None => Ok(None),
        Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| {
            error(
                400,
                "BadRequest",
                &format!("Invalid value '{v}' for the query option {name}; expected a non-negative integer."),
            )
        }),
    }
}

/// Lists a set; `scope` limits it to the rows whose field holds an id (a parent's lines).
fn list(
    store: &Store,
    ctx: &Ctx<'_>,
    req: &ApiRequest,
    set: &EntitySet,
    scope: Option<(&str, Uuid)>,
    context: String,
) -> ApiResponse {
    let parsed = (|| {
        let expand = expansion::parse(req, set)?;
        let filter = options::parse_filter(req, set)?;
        if scope.is_none() && documents::is_line_set(set) {
            let named = filter.as_ref().map(query::Expr::fields).unwrap_or_default();
            if !named.iter().any(|f| f == "documentId" || f == "id") {
                return Err(error(
                    400,
                    "BadRequest",
                    "You must specify an Id or a Document Id to get the lines.",
                ));
            }
        }
        let filter = match scope {
            None => filter,
            Some((field, id)) => {
                let within = query::Expr::Compare {
                    op: query::ComparisonOp::Eq,
                    left: Box::new(query::Expr::Property(vec![field.to_string()])),
                    right: Box::new(query::Expr::Literal(query::Literal::Guid(id))),
                };
                Some(match filter {
                    None => within,
                    Some(given) => query::Expr::And(vec![within, given]),
                })
            }
        };
        let select = options::parse_select(req, set)?;
        let order = options::parse_orderby(req, set)?;
        let top = parse_count_option(req, "$top")?;
        let skip = parse_count_option(req, "$skip")?.unwrap_or(0);
        let cursor = match req.option("$skiptoken") {
            None => None,
            Some(token) => Some(decode_skiptoken(token).ok_or_else(|| {
                error(
                    400,
                    "BadRequest",
                    &format!("The skip token value '{token}' is not valid. Follow @odata.nextLink exactly as returned."),
                )
            })?),
        };
        Ok::<_, ApiResponse>((expand, filter, select, order, top, skip, cursor))
    })();
    let (expand, filter, select, order, top, skip, cursor) = match parsed {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (page_size, applied) = match req.max_page_size() {
        Some(Ok(n)) => {
            let n = n.clamp(1, MAX_PAGE);
            (n, Some(n))
        }
        _ => (MAX_PAGE, None),
    };
    let count = req
        .option("$count")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let page = listing::list(
        store,
        set.table,
        &ListSpec {
            filter: filter.as_ref(),
            order: &order,
            after: cursor.as_ref(),
            skip,
            page_size,
            top,
            count,
        },
    );
    let mut body = Map::new();
    body.insert("@odata.context".into(), Value::String(context));
    if let Some(total) = page.total {
        body.insert("@odata.count".into(), Value::from(total));
    }
    let mut outs: Vec<Map<String, Value>> = page
        .rows
        .iter()
        .map(|(_, row)| render(set, row, select.as_deref()))
        .collect();
    if !expand.is_empty() {
        let rows: Vec<(Uuid, Map<String, Value>)> = page
            .rows
            .iter()
            .map(|(id, row)| (*id, row.fields.to_map()))
            .collect();
        expansion::apply_page(store, set, &rows, &expand, &mut outs);
    }
    let values: Vec<Value> = outs.into_iter().map(Value::Object).collect();
    body.insert("value".into(), Value::Array(values));
    if let Some(next) = &page.next {
        let kept = req.raw_query_without(&["$skiptoken", "$skip"]);
        let token = encode_skiptoken(next);
        let sep = if kept.is_empty() { "" } else { "&" };
        let path = if req.raw_path.is_empty() {
            req.path.clone()
        } else {
            req.raw_path.clone()
        };
        body.insert(
            "@odata.nextLink".into(),
            Value::String(format!(
                "{}{path}?{kept}{sep}$skiptoken={token}",
                ctx.origin
            )),
        );
    }
    let mut response = ok_json(Value::Object(body));
    if let Some(n) = applied {
        response = response.with_header("preference-applied", format!("odata.maxpagesize={n}"));
    }
    response
}

fn encode_skiptoken(cursor: &Cursor) -> String {
    let json = serde_json::to_vec(cursor).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

fn decode_skiptoken(token: &str) -> Option<Cursor> {
    let token = token.trim().trim_matches('\'');
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn get_one(
    store: &Store,
    req: &ApiRequest,
    set: &EntitySet,
    id: Uuid,
    context: String,
) -> ApiResponse {
    let parsed = expansion::parse(req, set)
        .and_then(|expand| options::parse_select(req, set).map(|select| (expand, select)));
    let (expand, select) = match parsed {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(row) = store.get(set.table, &id) else {
        return record_not_found(set, id);
    };
    let mut body = render(set, &row, select.as_deref());
    expansion::apply(store, set, id, &row.fields.to_map(), &expand, &mut body);
    body.insert("@odata.context".into(), Value::String(context));
    ok_json(Value::Object(body)).with_header("etag", etag(row.version))
}

/// 404 for an unknown key.
pub(crate) fn record_not_found(set: &EntitySet, id: Uuid) -> ApiResponse {
    error(
        404,
        "Internal_RecordNotFound",
        &format!(
            "The {} does not exist. Identification fields and values: Id='{id}'",
            set.caption
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_opaque_weak_and_match_only_their_version() {
        let tag = etag(1234);
        assert!(tag.starts_with("W/\"Jz"));
        assert!(if_match_accepts(&tag, 1234));
        assert!(!if_match_accepts(&tag, 1235));
        assert!(if_match_accepts("*", 1));
    }

    #[test]
    fn skiptokens_round_trip() {
        let cursor = Cursor {
            values: vec![json!("A")],
            key: Uuid::nil(),
            served: 3,
        };
        assert_eq!(decode_skiptoken(&encode_skiptoken(&cursor)), Some(cursor));
        assert_eq!(decode_skiptoken("nonsense!"), None);
    }
}
