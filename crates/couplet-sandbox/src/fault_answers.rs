//! How the OData services (Business Central, Dataverse) answer an injected fault: the same
//! four cases for both, in each service's own codes, messages and content type.

use crate::faults::Fault;
use crate::http::{ApiBody, ApiResponse};

/// One service's wording of fault answers.
pub(crate) struct FaultWording {
    /// The service's error response for a status, code and message.
    pub error: fn(u16, &str, &str) -> ApiResponse,
    /// Code and message of its throttling error.
    pub throttled: (&'static str, &'static str),
    /// Code and message of its error for a status.
    pub status: fn(u16) -> (&'static str, &'static str),
    /// A truncated JSON body, as a connection cut mid-answer leaves it.
    pub truncated: &'static [u8],
    /// The JSON content type it claims.
    pub content_type: &'static str,
}

impl FaultWording {
    /// The response `fault` produces; None for a delay, which only postpones the real answer.
    pub(crate) fn answer(&self, fault: &Fault) -> Option<ApiResponse> {
        match fault {
            Fault::Delay(_) => None,
            Fault::Throttle { retry_after_secs } => {
                let (code, message) = self.throttled;
                Some(
                    (self.error)(429, code, message)
                        .with_header("retry-after", retry_after_secs.to_string()),
                )
            }
            Fault::Status(status) => {
                let (code, message) = (self.status)(*status);
                Some((self.error)(*status, code, message))
            }
            Fault::MalformedBody => Some(
                ApiResponse::new(200, ApiBody::Raw(self.truncated.to_vec()))
                    .with_header("content-type", self.content_type)
                    .with_header("odata-version", "4.0"),
            ),
        }
    }
}
