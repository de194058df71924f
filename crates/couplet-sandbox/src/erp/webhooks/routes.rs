//! `{api}/subscriptions` (GET, POST) and `{api}/subscriptions('<id>')` (GET, PATCH, DELETE).
//! The validation handshake runs without the store lock.

use chrono::Utc;
use serde_json::{Map, Value, json};
use url::Url;
use uuid::Uuid;

use super::handshake::{self, UrlRefusal};
use super::subscriptions::{self, Subscription, TableError};
use super::{api_prefix, supported_sets};
use crate::Shared;
use crate::erp::errors::{error, method_not_allowed};
use crate::erp::schema::Api;
use crate::erp::schema::COMPANIES;
use crate::erp::{Ctx, api_set, etag, if_match_accepts, json_response, ok_json, split_key};
use crate::http::{ApiRequest, ApiResponse};
use crate::store::Store;

/// Most subscriptions per environment (A12.7).
const MAX_SUBSCRIPTIONS: usize = 200;
/// Longest `clientState`.
const MAX_CLIENT_STATE: usize = 2048;
/// Fields of a subscription that only the service sets; ignored in request bodies.
const READ_ONLY: &[&str] = &[
    "subscriptionId",
    "expirationDateTime",
    "userId",
    "lastModifiedDateTime",
    "timestamp",
    "systemCreatedAt",
    "systemCreatedBy",
    "systemModifiedAt",
    "systemModifiedBy",
];

/// Whether the path after the API root addresses subscriptions.
pub(crate) fn is_subscriptions_path(rest: &[String]) -> bool {
    rest.first()
        .is_some_and(|s| s == "subscriptions" || s.starts_with("subscriptions("))
}

/// Handles a request to `subscriptions` or `subscriptions('<id>')`.
pub(crate) fn handle(
    shared: &Shared,
    ctx: &Ctx<'_>,
    req: &ApiRequest,
    rest: &[String],
) -> ApiResponse {
    let id = match subscription_key(rest) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let method = req.method.as_str();
    let answered = match (id, method) {
        (None, "GET") => list(shared, ctx),
        (None, "POST") => create(shared, ctx, req),
        (None, _) => Ok(method_not_allowed(
            method,
            "subscriptions of EdmType 'Collection'",
        )),
        (Some(id), "GET") => get(shared, ctx, &id),
        (Some(id), "PATCH") => renew(shared, ctx, req, &id),
        (Some(id), "DELETE") => delete(shared, req, &id),
        (Some(_), _) => Ok(method_not_allowed(
            method,
            "subscriptions of EdmType 'Entity'",
        )),
    };
    answered.unwrap_or_else(|response| response)
}

/// The id in `subscriptions('<id>')` (quotes optional), None for the collection.
fn subscription_key(rest: &[String]) -> Result<Option<String>, ApiResponse> {
    if rest.len() > 1 {
        return Err(crate::erp::errors::not_found_resource(&rest[1]));
    }
    let segment = rest.first().map(String::as_str).unwrap_or("subscriptions");
    let Some(inner) = segment.strip_prefix("subscriptions(") else {
        return Ok(None);
    };
    let key = inner
        .strip_suffix(')')
        .map(|k| k.trim().trim_matches('\''))
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            error(
                400,
                "BadRequest_NotFound",
                &format!("Bad Request - Error in query syntax. Use subscriptions('<subscriptionId>') instead of '{segment}'."),
            )
        })?;
    Ok(Some(key.to_owned()))
}

fn table_failed(e: &TableError) -> ApiResponse {
    tracing::error!("webhook subscriptions: {e}");
    error(500, "Internal_ServerError", &e.to_string())
}

fn not_found(id: &str) -> ApiResponse {
    error(
        404,
        "Internal_RecordNotFound",
        &format!(
            "The API Webhook Subscription does not exist. Identification fields and values: Subscription Id='{id}'"
        ),
    )
}

fn entity_response(ctx: &Ctx<'_>, status: u16, subscription: &Subscription) -> ApiResponse {
    let mut body = subscription.render();
    body.insert(
        "@odata.context".into(),
        Value::String(format!("{}/$metadata#subscriptions/$entity", ctx.root)),
    );
    json_response(status, Value::Object(body)).with_header("etag", etag(subscription.version))
}

fn list(shared: &Shared, ctx: &Ctx<'_>) -> Result<ApiResponse, ApiResponse> {
    let found = subscriptions::active(&shared.lock(), Utc::now()).map_err(|e| table_failed(&e))?;
    let values: Vec<Value> = found.iter().map(|s| Value::Object(s.render())).collect();
    Ok(ok_json(json!({
        "@odata.context": format!("{}/$metadata#subscriptions", ctx.root),
        "value": values,
    })))
}

fn get(shared: &Shared, ctx: &Ctx<'_>, id: &str) -> Result<ApiResponse, ApiResponse> {
    let found =
        subscriptions::find(&shared.lock(), id, Utc::now()).map_err(|e| table_failed(&e))?;
    let subscription = found.ok_or_else(|| not_found(id))?;
    Ok(entity_response(ctx, 200, &subscription))
}

/// The writable fields of a request body.
#[derive(Debug, Default)]
struct Body {
    notification_url: Option<String>,
    resource: Option<String>,
    client_state: Option<String>,
}

fn parse_body(req: &ApiRequest) -> Result<Body, ApiResponse> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        // A renewal often comes without a body.
        return Ok(Body::default());
    }
    let map: Map<String, Value> = match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return Err(error(
                400,
                "BadRequest",
                "Invalid Request Body. The body must be a JSON object.",
            ));
        }
        Err(e) => {
            return Err(error(
                400,
                "BadRequest",
                &format!("Invalid Request Body: {e}"),
            ));
        }
    };
    let mut body = Body::default();
    for (name, value) in map {
        if name.starts_with('@') || name.contains("@odata.") || READ_ONLY.contains(&name.as_str()) {
            continue;
        }
        let text = match value {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => {
                return Err(error(
                    400,
                    "BadRequest",
                    &format!(
                        "Cannot convert the literal '{other}' to the expected type 'Edm.String'."
                    ),
                ));
            }
        };
        match name.as_str() {
            "notificationUrl" => body.notification_url = Some(text),
            "resource" => body.resource = Some(text),
            "clientState" => body.client_state = Some(text),
            _ => {
                return Err(error(
                    400,
                    "BadRequest",
                    &format!(
                        "The property '{name}' does not exist on type 'Microsoft.NAV.subscriptions'. Make sure to only use property names that are defined by the type."
                    ),
                ));
            }
        }
    }
    if let Some(state) = &body.client_state {
        let len = state.chars().count();
        if len > MAX_CLIENT_STATE {
            return Err(error(
                400,
                "Application_StringExceededLength",
                &format!(
                    "The length of the string is {len}, but it must be less than or equal to {MAX_CLIENT_STATE} characters. Field: clientState"
                ),
            ));
        }
    }
    Ok(body)
}

fn required(value: Option<String>, name: &str) -> Result<String, ApiResponse> {
    value.filter(|v| !v.trim().is_empty()).ok_or_else(|| {
        error(
            400,
            "BadRequest_RequiredParamNotProvided",
            &format!("Field '{name}' must not be blank or empty."),
        )
    })
}

fn check_url(text: &str) -> Result<Url, ApiResponse> {
    handshake::check_url(text.trim()).map_err(|refusal| {
        let code = match refusal {
            UrlRefusal::Invalid(_) => "BadRequest",
            UrlRefusal::NotLoopback(_) => "BadRequest_InvalidNotificationUrl",
        };
        error(400, code, &refusal.to_string())
    })
}

/// The company and entity set of a resource path such as `/api/v2.0/companies(<id>)/customers`
/// (or, on the custom API, `/api/couplet/sync/v1.0/companies(<id>)/resources`).
fn parse_resource(
    store: &Store,
    api: Api,
    resource: &str,
) -> Result<(Uuid, &'static str), ApiResponse> {
    let prefix = api_prefix(api);
    let shape = || {
        error(
            400,
            "BadRequest",
            &format!(
                "The resource '{resource}' is not an entity set path of this API; use /{prefix}companies(<company id>)/<entity set>."
            ),
        )
    };
    let path = resource.split(['?', '#']).next().unwrap_or_default();
    let after = path
        .find(prefix)
        .map(|pos| &path[pos + prefix.len()..])
        .ok_or_else(shape)?;
    let segments: Vec<&str> = after.split('/').filter(|s| !s.is_empty()).collect();
    let [company_segment, set_segment] = segments.as_slice() else {
        return Err(shape());
    };
    let (name, company) = split_key(company_segment)?;
    let (set_name, key) = split_key(set_segment)?;
    let company = match (name, company) {
        ("companies", Some(company)) => company,
        _ => return Err(shape()),
    };
    if store.get(COMPANIES.table, &company).is_none() {
        return Err(error(
            400,
            "Internal_CompanyNotFound",
            &format!("The company with id '{company}' does not exist."),
        ));
    }
    if key.is_some() {
        return Err(error(
            400,
            "Application_DialogException",
            &format!(
                "Webhook subscriptions are made on an entity set, not on one record: use /{prefix}companies({company})/{set_name}."
            ),
        ));
    }
    if let Some(set) = supported_sets(api).find(|s| *s == set_name) {
        return Ok((company, set));
    }
    let supported = supported_sets(api).collect::<Vec<_>>().join(", ");
    Err(if api_set(api, set_name).is_some() {
        error(
            400,
            "Application_DialogException",
            &format!(
                "The entity set '{set_name}' does not support webhooks. Webhook resources in this sandbox: {supported}."
            ),
        )
    } else {
        error(
            400,
            "BadRequest_ResourceNotFound",
            &format!(
                "Resource not found for the segment '{set_name}'. Webhook resources in this sandbox: {supported}."
            ),
        )
    })
}

/// Runs the validation handshake from this (blocking) request thread on the runtime.
fn run_handshake(shared: &Shared, url: &Url) -> Result<(), ApiResponse> {
    let timeout = shared.webhooks.timing().handshake_timeout;
    let outcome = match (
        tokio::runtime::Handle::try_current(),
        shared.webhooks.client(),
    ) {
        (Ok(runtime), Ok(client)) => runtime.block_on(handshake::validate(&client, url, timeout)),
        (Err(e), _) => Err(format!("the sandbox has no runtime to call it ({e})")),
        (_, Err(e)) => Err(format!("the sandbox cannot prepare the call ({e})")),
    };
    outcome.map_err(|reason| {
        tracing::info!(%url, %reason, "webhook validation handshake failed");
        error(
            400,
            "Application_DialogException",
            &format!(
                "The notification URL '{url}' failed the validation handshake: {reason}. It must answer the call {url}?validationToken=<token> (POST) with status 200 and the token as the body within {} ms.",
                timeout.as_millis()
            ),
        )
    })
}

fn limit_reached() -> ApiResponse {
    error(
        400,
        "Application_DialogException",
        &format!(
            "The environment already has {MAX_SUBSCRIPTIONS} webhook subscriptions, the most allowed. Delete unused subscriptions first."
        ),
    )
}

fn expiry(shared: &Shared) -> chrono::DateTime<Utc> {
    let lifetime = chrono::Duration::from_std(shared.webhooks.timing().subscription_lifetime)
        .unwrap_or(chrono::Duration::MAX);
    Utc::now()
        .checked_add_signed(lifetime)
        .unwrap_or(chrono::DateTime::<Utc>::MAX_UTC)
}

fn create(shared: &Shared, ctx: &Ctx<'_>, req: &ApiRequest) -> Result<ApiResponse, ApiResponse> {
    let body = parse_body(req)?;
    let notification_url = required(body.notification_url, "notificationUrl")?;
    let resource = required(body.resource, "resource")?;
    let url = check_url(&notification_url)?;
    let (company, set) = {
        let store = shared.lock();
        let target = parse_resource(&store, ctx.api, &resource)?;
        let count = subscriptions::active(&store, Utc::now())
            .map_err(|e| table_failed(&e))?
            .len();
        if count >= MAX_SUBSCRIPTIONS {
            return Err(limit_reached());
        }
        target
    };
    run_handshake(shared, &url)?;
    let mut store = shared.lock();
    let count = subscriptions::active(&store, Utc::now())
        .map_err(|e| table_failed(&e))?
        .len();
    if count >= MAX_SUBSCRIPTIONS {
        return Err(limit_reached());
    }
    let now = store.now();
    let subscription = Subscription {
        id: Uuid::new_v4().simple().to_string(),
        notification_url: notification_url.trim().to_owned(),
        resource: resource.trim().to_owned(),
        company,
        set: set.to_owned(),
        client_state: body.client_state.unwrap_or_default(),
        expires: expiry(shared),
        user: ctx.app.bc_user,
        created: now,
        modified: now,
        version: store.next_version(),
    };
    subscriptions::save(&store, &subscription).map_err(|e| table_failed(&e))?;
    tracing::info!(id = %subscription.id, url = %subscription.notification_url, "webhook subscription created");
    let location = format!("{}/subscriptions('{}')", ctx.root, subscription.id);
    Ok(entity_response(ctx, 201, &subscription).with_header("location", location))
}

fn missing_if_match() -> ApiResponse {
    error(
        400,
        "BadRequest_InvalidToken",
        "Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.",
    )
}

fn entity_changed() -> ApiResponse {
    error(
        409,
        "Request_EntityChanged",
        "Another user has already changed the record.",
    )
}

/// The subscription if `If-Match` (required) accepts its version.
fn matched(store: &Store, req: &ApiRequest, id: &str) -> Result<Subscription, ApiResponse> {
    let current = subscriptions::find(store, id, Utc::now())
        .map_err(|e| table_failed(&e))?
        .ok_or_else(|| not_found(id))?;
    let if_match = req.header("if-match").ok_or_else(missing_if_match)?;
    if !if_match_accepts(if_match, current.version) {
        return Err(entity_changed());
    }
    Ok(current)
}

/// PATCH: renews the subscription (a new handshake, a new expiration), optionally with a new
/// notification URL or client state.
fn renew(
    shared: &Shared,
    ctx: &Ctx<'_>,
    req: &ApiRequest,
    id: &str,
) -> Result<ApiResponse, ApiResponse> {
    let (current, body) = {
        let store = shared.lock();
        let current = matched(&store, req, id)?;
        let body = parse_body(req)?;
        if let Some(resource) = &body.resource {
            let target = parse_resource(&store, ctx.api, resource)?;
            if target != (current.company, current.set.as_str()) {
                return Err(error(
                    400,
                    "BadRequest_InvalidOperation",
                    "The resource of a subscription cannot be changed; delete it and subscribe to the other resource.",
                ));
            }
        }
        (current, body)
    };
    let notification_url = match body.notification_url {
        Some(text) => required(Some(text), "notificationUrl")?.trim().to_owned(),
        None => current.notification_url.clone(),
    };
    let url = check_url(&notification_url)?;
    run_handshake(shared, &url)?;
    let mut store = shared.lock();
    let latest = subscriptions::find(&store, id, Utc::now())
        .map_err(|e| table_failed(&e))?
        .ok_or_else(|| not_found(id))?;
    if latest.version != current.version {
        return Err(entity_changed());
    }
    let renewed = Subscription {
        notification_url,
        client_state: body.client_state.unwrap_or(latest.client_state.clone()),
        expires: expiry(shared),
        modified: store.now(),
        version: store.next_version(),
        ..latest
    };
    subscriptions::save(&store, &renewed).map_err(|e| table_failed(&e))?;
    tracing::info!(id = %renewed.id, "webhook subscription renewed");
    Ok(entity_response(ctx, 200, &renewed))
}

fn delete(shared: &Shared, req: &ApiRequest, id: &str) -> Result<ApiResponse, ApiResponse> {
    let store = shared.lock();
    let current = matched(&store, req, id)?;
    subscriptions::remove(&store, &current.id).map_err(|e| table_failed(&e))?;
    tracing::info!(id = %current.id, "webhook subscription deleted");
    Ok(ApiResponse::no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_with_or_without_quotes() {
        let key = |s: &str| subscription_key(&[s.to_owned()]).ok().flatten();
        assert_eq!(key("subscriptions('abc')"), Some("abc".into()));
        assert_eq!(key("subscriptions(abc)"), Some("abc".into()));
        assert_eq!(key("subscriptions"), None);
        assert!(subscription_key(&["subscriptions('')".to_owned()]).is_err());
    }
}
