//! Business Central error responses: `{"error":{"code","message  CorrelationId:  <guid>."}}`.

use serde_json::json;

use crate::fault_answers::FaultWording;
use crate::faults::Fault;
use crate::http::{ApiBody, ApiResponse};
use crate::identity::{BC_AUDIENCE, TENANT};
use crate::ids::correlation_id;

/// An error response with BC's body shape.
pub(crate) fn error(status: u16, code: &str, message: &str) -> ApiResponse {
    let correlation = correlation_id();
    ApiResponse::new(
        status,
        ApiBody::Json(json!({
            "error": {
                "code": code,
                "message": format!("{message}  CorrelationId:  {correlation}."),
            }
        })),
    )
    .with_header("content-type", "application/json; charset=utf-8")
    .with_header("odata-version", "4.0")
}

/// 401 for a missing, unknown, expired or foreign token.
pub(crate) fn unauthorized(authority: &str) -> ApiResponse {
    let correlation = correlation_id();
    ApiResponse::new(
        401,
        ApiBody::Json(json!({
            "error": {
                "code": "Authentication_InvalidCredentials",
                "message": format!("The credentials provided are incorrect  CorrelationId:  {correlation}."),
            }
        })),
    )
    .with_header("content-type", "application/json; charset=utf-8")
    .with_header(
        "www-authenticate",
        format!(
            "Bearer authorization_uri=\"{authority}/{TENANT}/oauth2/authorize\", resource_id=\"{BC_AUDIENCE}\""
        ),
    )
}

/// 401 for HTTP Basic credentials no on-premises user matches (BC's body shape).
pub(crate) fn basic_unauthorized(user: &str) -> ApiResponse {
    let correlation = correlation_id();
    ApiResponse::new(
        401,
        ApiBody::Json(json!({
            "error": {
                "code": "Authentication_InvalidCredentials",
                "message": format!(
                    "The server has rejected the client credentials for user '{user}': check the user name and the web service access key  CorrelationId:  {correlation}."
                ),
            }
        })),
    )
    .with_header("content-type", "application/json; charset=utf-8")
    .with_header("www-authenticate", "Basic realm=\"\"")
}

/// 404 for a path that names nothing.
pub(crate) fn not_found_resource(segment: &str) -> ApiResponse {
    error(
        404,
        "BadRequest_ResourceNotFound",
        &format!("Resource not found for the segment '{segment}'."),
    )
}

/// 405 for a method the resource does not support.
pub(crate) fn method_not_allowed(method: &str, what: &str) -> ApiResponse {
    error(
        405,
        "BadRequest_MethodNotAllowed",
        &format!(
            "'{method}' requests for '{what}' are not allowed within Dynamics 365 Business Central OData web services."
        ),
    )
}

/// The response an injected fault produces.
pub(crate) fn fault_response(fault: &Fault) -> Option<ApiResponse> {
    FaultWording {
        error,
        throttled: (
            "Application_TooManyRequests",
            "Too Many Requests - the request was rate limited. Reduce the number of requests and retry after the time given in the Retry-After header.",
        ),
        status: status_error,
        truncated: br#"{"@odata.context":"$metadata#companies","value":[{"id":"#,
        content_type: "application/json; odata.metadata=minimal; odata.streaming=true",
    }
    .answer(fault)
}

/// Code and message of Business Central's error for a status.
fn status_error(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("BadRequest", "The request is invalid."),
        401 => (
            "Authentication_InvalidCredentials",
            "The credentials provided are incorrect",
        ),
        403 => (
            "Authorization_InsufficientPermissions",
            "You do not have permission to perform this operation.",
        ),
        404 => ("BadRequest_ResourceNotFound", "Resource not found."),
        408 => (
            "Request_Timeout",
            "The operation was canceled because it took too long.",
        ),
        409 => (
            "Request_EntityChanged",
            "Another user has already changed the record.",
        ),
        413 => ("Request_EntityTooLarge", "The request is too large."),
        502 => ("Internal_BadGateway", "Bad gateway."),
        503 => (
            "Internal_ServiceUnavailable",
            "The service is temporarily unavailable. Please retry.",
        ),
        504 => ("Internal_GatewayTimeout", "The gateway timed out."),
        s if s >= 500 => ("Internal_ServerError", "An internal server error occurred."),
        _ => ("BadRequest", "The request failed."),
    }
}
