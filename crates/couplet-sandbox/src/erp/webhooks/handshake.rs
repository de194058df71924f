//! The notification URL rules and the validation handshake: before a subscription is created or
//! renewed, the subscriber must echo a `validationToken` within the handshake timeout.

use std::time::Duration;

use url::{Host, Url};

/// Why a notification URL is refused before any call is made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum UrlRefusal {
    /// Not an absolute http(s) URL.
    #[error(
        "The notificationUrl '{0}' is not a valid absolute http or https URL (for example http://127.0.0.1:8080/hook)."
    )]
    Invalid(String),
    /// The host is not this machine.
    #[error(
        "The notificationUrl '{0}' does not point to this machine. The sandbox only calls loopback addresses (127.0.0.1, ::1 or localhost); run the receiver locally."
    )]
    NotLoopback(String),
}

/// Checks that `text` is an http(s) URL on a loopback host.
pub(super) fn check_url(text: &str) -> Result<Url, UrlRefusal> {
    let url = Url::parse(text).map_err(|_| UrlRefusal::Invalid(text.to_owned()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlRefusal::Invalid(text.to_owned()));
    }
    let loopback = match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(UrlRefusal::Invalid(text.to_owned())),
    };
    if loopback {
        Ok(url)
    } else {
        Err(UrlRefusal::NotLoopback(text.to_owned()))
    }
}

/// An HTTP client for calls to subscribers: no proxy (they are local), no redirects (a
/// redirect is an answer like any other non-2xx).
pub(super) fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Calls `POST {url}?validationToken=<token>` and checks that the answer is 200 with the token
/// as the body. The error says what the subscriber did instead.
pub(super) async fn validate(
    client: &reqwest::Client,
    url: &Url,
    timeout: Duration,
) -> Result<(), String> {
    let token = uuid::Uuid::new_v4().simple().to_string();
    let mut call = url.clone();
    call.query_pairs_mut()
        .append_pair("validationToken", &token);
    let response = client
        .post(call)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("it did not answer within {} ms", timeout.as_millis())
            } else {
                format!("it could not be reached ({e})")
            }
        })?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        return Err(format!("it answered {status} instead of 200"));
    }
    let body = response
        .text()
        .await
        .map_err(|e| format!("its answer could not be read ({e})"))?;
    if body.trim() == token {
        Ok(())
    } else {
        Err("its answer did not contain the validationToken as the body".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_urls_are_accepted() {
        for ok in [
            "http://127.0.0.1:8080/hook",
            "http://localhost/hook?x=1",
            "https://[::1]:9/hook",
            "http://127.3.2.1/",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        assert!(matches!(
            check_url("https://example.com/hook"),
            Err(UrlRefusal::NotLoopback(_))
        ));
        assert!(matches!(
            check_url("http://10.0.0.5/hook"),
            Err(UrlRefusal::NotLoopback(_))
        ));
        assert!(matches!(
            check_url("ftp://127.0.0.1/hook"),
            Err(UrlRefusal::Invalid(_))
        ));
        assert!(matches!(check_url("hook"), Err(UrlRefusal::Invalid(_))));
    }
}
