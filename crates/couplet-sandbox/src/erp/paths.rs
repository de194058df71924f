//! Request paths of both APIs: the API root (`api/v2.0` or the custom API's route), the
//! company, the entity set, a key, a navigation or a bound action.

use serde_json::Value;
use uuid::Uuid;

use super::errors::{error, not_found_resource};
use super::schema::{Api, COMPANIES, EntitySet, Link, Nav, company_sets, custom_sets};
use super::{CUSTOM_GROUP, CUSTOM_PUBLISHER, CUSTOM_VERSION, Ctx, ENVIRONMENT, record_not_found};
use crate::http::{ApiRequest, ApiResponse};
use crate::identity::TENANT;
use crate::store::Store;

/// What one request acts on, after the API root.
#[derive(Debug)]
pub(super) enum Resource {
    ServiceDocument,
    Metadata,
    Batch,
    Companies(Option<Uuid>),
    Collection(Uuid, &'static EntitySet),
    Count(&'static EntitySet),
    Entity(Uuid, &'static EntitySet, Uuid),
    /// A navigation of one entity (`salesInvoices({id})/salesInvoiceLines`, `.../customer`).
    Related(Uuid, &'static EntitySet, Uuid, &'static Nav),
    /// A bound action (`salesInvoices({id})/Microsoft.NAV.post`).
    Action(Uuid, &'static EntitySet, Uuid, String),
}

/// The custom API's route, for messages.
fn custom_route() -> String {
    format!("api/{CUSTOM_PUBLISHER}/{CUSTOM_GROUP}/{CUSTOM_VERSION}")
}

/// Splits `/v2.0/{tenant?}/{env}/api/v2.0/rest...` or
/// `/v2.0/{tenant?}/{env}/api/{publisher}/{group}/{version}/rest...` into the root path, the
/// API and the rest.
pub(super) fn split_root(path: &str) -> Result<(String, Api, Vec<String>), ApiResponse> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let api = segments
        .iter()
        .position(|s| *s == "api")
        .filter(|i| *i > 0 && segments.get(i + 1).is_some())
        .ok_or_else(|| not_found_resource(segments.last().copied().unwrap_or("/")))?;
    let (which, root_len) = if segments[api + 1] == "v2.0" {
        (Api::Standard, api + 2)
    } else {
        let route = segments.get(api + 1..api + 4).unwrap_or(&[]);
        let published = [CUSTOM_PUBLISHER, CUSTOM_GROUP, CUSTOM_VERSION];
        if route.len() != 3
            || route
                .iter()
                .zip(published)
                .any(|(a, b)| !a.eq_ignore_ascii_case(b))
        {
            return Err(error(
                404,
                "BadRequest_ResourceNotFound",
                &format!(
                    "No API is published at 'api/{}'. This environment publishes 'api/v2.0' and the custom API '{}'.",
                    route.join("/"),
                    custom_route()
                ),
            ));
        }
        (Api::Custom, api + 4)
    };
    let environment = match &segments[..api] {
        ["v2.0", tenant, env] => {
            if !tenant.eq_ignore_ascii_case(TENANT) {
                return Err(error(
                    404,
                    "BadRequest_ResourceNotFound",
                    &format!("The tenant '{tenant}' was not found."),
                ));
            }
            *env
        }
        ["v2.0", env] => *env,
        _ => return Err(not_found_resource(segments.first().copied().unwrap_or("/"))),
    };
    if !environment.eq_ignore_ascii_case(ENVIRONMENT) {
        return Err(error(
            404,
            "BadRequest_ResourceNotFound",
            &format!(
                "The environment '{environment}' was not found. This sandbox has the environment '{ENVIRONMENT}'."
            ),
        ));
    }
    let root = format!("/{}", segments[..root_len].join("/"));
    let rest = segments[root_len..].iter().map(|s| s.to_string()).collect();
    Ok((root, which, rest))
}

/// Splits `name(key)` into its parts.
pub(crate) fn split_key(segment: &str) -> Result<(&str, Option<Uuid>), ApiResponse> {
    match segment.split_once('(') {
        None => Ok((segment, None)),
        Some((name, rest)) => {
            let key = rest
                .strip_suffix(')')
                .ok_or_else(|| syntax_error(segment))?;
            let key = key
                .strip_prefix("id=")
                .unwrap_or(key)
                .trim_matches(|c| c == '{' || c == '}');
            let key = Uuid::parse_str(key).map_err(|_| syntax_error(segment))?;
            Ok((name, Some(key)))
        }
    }
}

fn syntax_error(segment: &str) -> ApiResponse {
    error(
        400,
        "BadRequest_NotFound",
        &format!(
            "Bad Request - Error in query syntax. The key in '{segment}' is not a valid GUID."
        ),
    )
}

/// A standard API set below a company, by name.
pub(crate) fn company_set(name: &str) -> Option<&'static EntitySet> {
    company_sets().find(|s| s.name == name)
}

/// A set below a company of the given API, by name.
pub(crate) fn api_set(api: Api, name: &str) -> Option<&'static EntitySet> {
    match api {
        Api::Standard => company_set(name),
        Api::Custom => custom_sets().find(|s| s.name == name),
    }
}

/// The sets below a company of the given API.
pub(super) fn api_sets(api: Api) -> Box<dyn Iterator<Item = &'static EntitySet>> {
    match api {
        Api::Standard => Box::new(company_sets()),
        Api::Custom => Box::new(custom_sets()),
    }
}

fn resolve_company(store: &Store, value: &str) -> Option<Uuid> {
    let value = value.trim().trim_matches('\'');
    if let Ok(id) = Uuid::parse_str(value)
        && store.get(COMPANIES.table, &id).is_some()
    {
        return Some(id);
    }
    store
        .rows(COMPANIES.table)
        .find(|(_, row)| row.fields.get("name").and_then(Value::as_str) == Some(value))
        .map(|(id, _)| id)
}

pub(super) fn parse_resource(
    store: &Store,
    ctx: &Ctx<'_>,
    req: &ApiRequest,
    rest: &[String],
) -> Result<Resource, ApiResponse> {
    let Some(first) = rest.first() else {
        return Ok(Resource::ServiceDocument);
    };
    if first == "$metadata" && rest.len() == 1 {
        return Ok(Resource::Metadata);
    }
    if first == "$batch" && rest.len() == 1 {
        return Ok(Resource::Batch);
    }
    let (name, key) = split_key(first)?;
    let (company, tail) = if name == "companies" {
        let Some(company) = key else {
            return if rest.len() == 1 {
                Ok(Resource::Companies(None))
            } else {
                Err(not_found_resource(&rest[1]))
            };
        };
        if rest.len() == 1 {
            return Ok(Resource::Companies(Some(company)));
        }
        if store.get(COMPANIES.table, &company).is_none() {
            return Err(error(
                404,
                "Internal_CompanyNotFound",
                &format!("The company with id '{company}' does not exist."),
            ));
        }
        (company, &rest[1..])
    } else {
        // `?company=<id or name>` or the `Company` header (used by $batch samples).
        let given = req
            .option("company")
            .or_else(|| req.header("company"))
            .map(str::to_string);
        let Some(given) = given else {
            return Err(if api_set(ctx.api, name).is_some() {
                error(
                    400,
                    "Internal_CompanyNotFound",
                    "Cannot determine the company. Use companies(<id>)/... or ?company=<id>.",
                )
            } else {
                not_found_resource(name)
            });
        };
        let company = resolve_company(store, &given).ok_or_else(|| {
            error(
                404,
                "Internal_CompanyNotFound",
                &format!("The company '{given}' does not exist."),
            )
        })?;
        (company, rest)
    };
    let (set_name, key) = split_key(&tail[0])?;
    let set = api_set(ctx.api, set_name).ok_or_else(|| not_found_resource(set_name))?;
    match (key, tail.len()) {
        (None, 1) => Ok(Resource::Collection(company, set)),
        (None, 2) if tail[1] == "$count" => Ok(Resource::Count(set)),
        (Some(id), 1) => Ok(Resource::Entity(company, set, id)),
        (Some(id), 2) => {
            if let Some(action) = tail[1].strip_prefix("Microsoft.NAV.") {
                return Ok(Resource::Action(company, set, id, action.to_string()));
            }
            let (nav_name, child) = split_key(&tail[1])?;
            let nav = set
                .nav(nav_name)
                .ok_or_else(|| not_found_resource(nav_name))?;
            match (child, nav.link) {
                (None, _) => Ok(Resource::Related(company, set, id, nav)),
                (Some(child), Link::Many(foreign)) => {
                    let belongs = store.get(nav.target.table, &child).is_some_and(|row| {
                        row.fields.get(foreign).and_then(Value::as_str)
                            == Some(id.to_string().as_str())
                    });
                    if belongs {
                        Ok(Resource::Entity(company, nav.target, child))
                    } else {
                        Err(record_not_found(nav.target, child))
                    }
                }
                (Some(_), Link::One(_)) => Err(not_found_resource(&tail[1])),
            }
        }
        _ => Err(not_found_resource(&tail[tail.len() - 1])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_accepts_the_path_with_and_without_the_tenant() {
        let (root, api, rest) =
            split_root(&format!("/v2.0/{TENANT}/production/api/v2.0/companies")).expect("valid");
        assert_eq!(root, format!("/v2.0/{TENANT}/production/api/v2.0"));
        assert_eq!(api, Api::Standard);
        assert_eq!(rest, vec!["companies".to_string()]);
        let (root, _, _) = split_root("/v2.0/production/api/v2.0/").expect("valid");
        assert_eq!(root, "/v2.0/production/api/v2.0");
        assert!(split_root("/v2.0/sandbox/api/v2.0/companies").is_err());
    }
}
