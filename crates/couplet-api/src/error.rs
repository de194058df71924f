//! The one error type that crosses to the UI and the CLI.

use couplet_model::{EndpointError, ErrorKind};
use serde::Serialize;

/// What kind of failure an operation met; the UI and the CLI branch on this, never on text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input is invalid; `details` says which field.
    Validation,
    /// The thing asked for does not exist.
    NotFound,
    /// The request conflicts with the current state (already coupled, changed meanwhile).
    Conflict,
    /// A service refused the credentials.
    AuthFailed,
    /// The identity lacks a privilege.
    PermissionDenied,
    /// A service could not be reached.
    Network,
    /// A service asked us to slow down.
    RateLimited,
    /// A service refused the data.
    RemoteRejected,
    /// Nothing is set up yet: connect first.
    NotConnected,
    /// The operation was cancelled.
    Cancelled,
    /// A fault inside Couplet.
    Internal,
}

/// An operation's failure, written for a person.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// The classification.
    pub code: ErrorCode,
    /// One sentence saying what failed and what to do.
    pub message: String,
    /// Further facts (field names, service error codes).
    pub details: Vec<String>,
    /// Whether trying again later may succeed.
    pub retryable: bool,
}

impl ApiError {
    /// An error with no details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            details: Vec::new(),
            retryable: false,
        }
    }

    /// Adds a detail line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> ApiError {
        self.details.push(detail.into());
        self
    }

    /// An invalid-input error.
    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Validation, message)
    }

    /// A not-found error.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// An internal error; the cause is logged, not shown.
    pub fn internal(context: &str, cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "{context}");
        ApiError::new(ErrorCode::Internal, format!("{context}: {cause}"))
    }
}

impl From<EndpointError> for ApiError {
    fn from(e: EndpointError) -> ApiError {
        let code = match e.kind {
            ErrorKind::Config => ErrorCode::Validation,
            ErrorKind::Connection | ErrorKind::Tls | ErrorKind::Timeout | ErrorKind::Server => {
                ErrorCode::Network
            }
            ErrorKind::Auth => ErrorCode::AuthFailed,
            ErrorKind::Forbidden => ErrorCode::PermissionDenied,
            ErrorKind::NotFound => ErrorCode::NotFound,
            ErrorKind::Conflict => ErrorCode::Conflict,
            ErrorKind::Throttled => ErrorCode::RateLimited,
            ErrorKind::Rejected | ErrorKind::Protocol => ErrorCode::RemoteRejected,
        };
        let retryable = e.retryable();
        let mut err = ApiError::new(code, format!("{}: {}", e.side, e.message));
        err.retryable = retryable;
        if let Some(status) = e.status {
            err.details.push(format!("HTTP status {status}"));
        }
        if let Some(c) = e.code {
            err.details.push(format!("service error code {c}"));
        }
        err
    }
}

impl From<couplet_store::StoreError> for ApiError {
    fn from(e: couplet_store::StoreError) -> ApiError {
        match e {
            couplet_store::StoreError::AlreadyCoupled { .. } => {
                ApiError::new(ErrorCode::Conflict, e.to_string())
            }
            other => ApiError::internal("Couplet's database failed", &other),
        }
    }
}

impl From<couplet_engine::EngineError> for ApiError {
    fn from(e: couplet_engine::EngineError) -> ApiError {
        use couplet_engine::EngineError as E;
        match e {
            E::Store(s) => ApiError::from(s),
            E::Endpoint(ep) => ApiError::from(ep),
            E::UnknownMapping(_) | E::RecordNotFound { .. } => {
                ApiError::new(ErrorCode::NotFound, sentence(&e.to_string()))
            }
            E::DisabledMapping(_) | E::DirectionNotAllowed { .. } | E::Order(_) => {
                ApiError::validation(sentence(&e.to_string()))
            }
            E::UnknownPlan(_) => ApiError::new(ErrorCode::NotFound, sentence(&e.to_string())),
            E::PlanApplied { .. } => ApiError::new(ErrorCode::Conflict, sentence(&e.to_string())),
            E::Cancelled => ApiError::new(ErrorCode::Cancelled, sentence(&e.to_string())),
            E::UnknownConflict(_) => ApiError::new(ErrorCode::NotFound, sentence(&e.to_string())),
            E::ConflictClosed(_) | E::ConflictChanged(_) => {
                ApiError::new(ErrorCode::Conflict, sentence(&e.to_string()))
            }
            E::Resolution(_) | E::Invalid(_) => ApiError::validation(sentence(&e.to_string())),
            E::ResolutionFailed(_) => {
                ApiError::new(ErrorCode::RemoteRejected, sentence(&e.to_string()))
            }
        }
    }
}

/// Capitalizes the first letter and ends with a full stop, for messages shown to people.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::Side;

    #[test]
    fn a_refused_token_is_an_auth_failure_naming_the_side() {
        let e = EndpointError::new(
            ErrorKind::Auth,
            Side::Crm,
            "the token endpoint refused the client secret",
        );
        let api = ApiError::from(e);
        assert_eq!(api.code, ErrorCode::AuthFailed);
        assert!(api.message.starts_with("Dataverse:"), "{}", api.message);
        assert!(!api.retryable);
    }

    #[test]
    fn the_json_shape_is_stable() {
        let api = ApiError::validation("bad").with_detail("field url");
        let json = serde_json::to_value(&api).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({"code": "validation", "message": "bad", "details": ["field url"], "retryable": false})
        );
    }
}
