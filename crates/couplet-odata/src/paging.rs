//! Server-driven paging: one page at a time by URL, following `@odata.nextLink` verbatim.

use futures::Stream;
use reqwest::header::HeaderName;
use serde_json::Value;

use crate::client::ODataClient;
use crate::error::ODataError;

/// One page of a collection.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ODataPage {
    /// The rows (`value`).
    pub rows: Vec<Value>,
    /// The absolute URL of the next page (`@odata.nextLink`), `None` on the last page.
    pub next_link: Option<String>,
    /// `@odata.count`, when asked for.
    pub count: Option<u64>,
}

impl ODataPage {
    /// Reads a collection body; anything else is a protocol error naming `url`.
    pub fn from_body(url: &str, body: Value) -> Result<ODataPage, ODataError> {
        let Value::Object(mut map) = body else {
            return Err(ODataError::malformed(
                url,
                "expected a JSON object with \"value\"",
            ));
        };
        let rows = match map.remove("value") {
            Some(Value::Array(rows)) => rows,
            _ => {
                return Err(ODataError::malformed(
                    url,
                    "the collection has no \"value\" array",
                ));
            }
        };
        let next_link = match map.remove("@odata.nextLink") {
            None | Some(Value::Null) => None,
            Some(Value::String(link)) => Some(absolute_link(url, &link)?),
            Some(other) => {
                return Err(ODataError::malformed(
                    url,
                    format!("@odata.nextLink is not a string: {other}"),
                ));
            }
        };
        let count = map.get("@odata.count").and_then(Value::as_u64);
        Ok(ODataPage {
            rows,
            next_link,
            count,
        })
    }
}

/// The next link as an absolute URL: kept verbatim when absolute, else resolved against the
/// request URL.
fn absolute_link(url: &str, link: &str) -> Result<String, ODataError> {
    if url::Url::parse(link).is_ok() {
        return Ok(link.to_owned());
    }
    url::Url::parse(url)
        .and_then(|base| base.join(link))
        .map(String::from)
        .map_err(|e| {
            ODataError::malformed(url, format!("@odata.nextLink {link:?} is not a URL: {e}"))
        })
}

/// The `Prefer` header asking for at most `n` rows per page.
pub fn max_page_size_header(n: u32) -> (HeaderName, String) {
    (
        HeaderName::from_static("prefer"),
        format!("odata.maxpagesize={n}"),
    )
}

impl ODataClient {
    /// Fetches the page at `url` (a first-page URL or a next link, sent exactly as given).
    pub async fn get_page(
        &self,
        url: &str,
        max_page_size: Option<u32>,
    ) -> Result<ODataPage, ODataError> {
        let headers = max_page_size
            .map(max_page_size_header)
            .into_iter()
            .collect();
        let body = self.get_json(url, headers).await?;
        ODataPage::from_body(url, body)
    }

    /// All pages from `url` on, as a stream that stops after the first error.
    pub fn pages(
        &self,
        url: String,
        max_page_size: Option<u32>,
    ) -> impl Stream<Item = Result<ODataPage, ODataError>> + '_ {
        futures::stream::try_unfold(Some(url), move |next| async move {
            let Some(url) = next else {
                return Ok(None);
            };
            let page = self.get_page(&url, max_page_size).await?;
            let following = page.next_link.clone();
            Ok(Some((page, following)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn next_link_is_kept_verbatim() {
        let link = "http://h:1/api/data/v9.2/accounts?$select=name&$skiptoken=%3Ccookie%20page%3D%222%22%3E";
        let page = ODataPage::from_body(
            "http://h:1/api/data/v9.2/accounts?$select=name",
            json!({"value":[{"a":1}],"@odata.nextLink":link}),
        )
        .expect("page");
        assert_eq!(page.next_link.as_deref(), Some(link));
        assert_eq!(page.rows.len(), 1);
    }

    #[test]
    fn body_without_value_is_a_protocol_error() {
        let err = ODataPage::from_body("http://h/x", json!({"rows": []})).expect_err("no value");
        assert_eq!(err.kind, couplet_model::ErrorKind::Protocol);
        assert!(err.message.contains("http://h/x"));
    }
}
