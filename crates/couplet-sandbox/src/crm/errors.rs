//! Dataverse error responses: `{"error":{"code":"0x…","message":"…"}}`.

use serde_json::json;

use crate::fault_answers::FaultWording;
use crate::faults::Fault;
use crate::http::{ApiBody, ApiResponse};
use crate::identity::TENANT;

/// An error response with Dataverse's body shape.
pub(crate) fn error(status: u16, code: &str, message: &str) -> ApiResponse {
    ApiResponse::new(
        status,
        ApiBody::Json(json!({"error": {"code": code, "message": message}})),
    )
    .with_header("content-type", "application/json; odata.metadata=minimal")
    .with_header("odata-version", "4.0")
}

/// 401 with an empty body and the `WWW-Authenticate` challenge.
pub(crate) fn unauthorized(authority: &str, crm_url: &str) -> ApiResponse {
    ApiResponse::new(401, ApiBody::Empty).with_header(
        "www-authenticate",
        format!(
            "Bearer authorization_uri={authority}/{TENANT}/oauth2/authorize, resource_id={crm_url}/"
        ),
    )
}

/// 404 for an unknown row.
pub(crate) fn row_not_found(logical: &str, id: &uuid::Uuid) -> ApiResponse {
    error(
        404,
        "0x80040217",
        &format!("{logical} With Id = {id} Does Not Exist"),
    )
}

/// 404 for an unknown path segment.
pub(crate) fn resource_not_found(segment: &str) -> ApiResponse {
    error(
        404,
        "0x8006088a",
        &format!("Resource not found for the segment '{segment}'."),
    )
}

/// 405 for an unsupported method.
pub(crate) fn method_not_allowed(method: &str, what: &str) -> ApiResponse {
    error(
        405,
        "0x80060888",
        &format!("The HTTP method '{method}' is not allowed for '{what}'."),
    )
}

/// 400 for an unknown property.
pub(crate) fn unknown_property(logical: &str, name: &str) -> ApiResponse {
    error(
        400,
        "0x80060888",
        &format!(
            "Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{logical}'."
        ),
    )
}

/// The response an injected fault produces.
pub(crate) fn fault_response(fault: &Fault) -> Option<ApiResponse> {
    FaultWording {
        error,
        throttled: (
            "0x80072322",
            "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
        ),
        status: status_error,
        truncated: br#"{"@odata.context":"$metadata#accounts","value":[{"accountid":"#,
        content_type: "application/json; odata.metadata=minimal",
    }
    .answer(fault)
}

/// Code and message of Dataverse's error for a status.
fn status_error(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("0x80040203", "Invalid argument."),
        401 => (
            "0x80072560",
            "The user is not a member of the organization.",
        ),
        403 => (
            "0x80040220",
            "Principal user is missing the privilege needed for this operation.",
        ),
        404 => ("0x80040217", "The requested record was not found."),
        412 => (
            "0x80060882",
            "The version of the existing record doesn't match the RowVersion property provided.",
        ),
        503 => ("0x80040216", "The service is temporarily unavailable."),
        s if s >= 500 => ("0x80040216", "An unexpected error occurred."),
        _ => ("0x80040203", "The request failed."),
    }
}
