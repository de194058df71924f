//! Certificate credentials at the emulated token endpoint: checking a client assertion
//! (RFC 7523 JWT) against the certificate registered on the app, as Entra does.
//!
//! Accepted: `alg` = `PS256` with `x5t#S256` (what Microsoft now documents) or `RS256` with
//! `x5t` (SHA-1) or `x5t#S256`; `aud` = the tenant's token endpoint (v2.0 or v1); `iss` =
//! `sub` = the client id; `nbf` ≤ now ≤ `exp`, with five minutes of clock skew.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use rsa::RsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode};

/// The `client_assertion_type` Entra requires.
pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The clock skew allowed on `nbf` and `exp`.
const SKEW_SECS: i64 = 300;

/// The demo certificate and its private key registered on the integration app. Made once
/// with openssl for the sandbox; it is public and protects nothing.
pub(crate) const INTEGRATION_APP_PEM: &str = include_str!("../data/integration-app.pem");

/// A certificate registered on an app: what is needed to check assertions.
pub(crate) struct RegisteredCertificate {
    sha1: [u8; 20],
    sha256: [u8; 32],
    public: RsaPublicKey,
}

impl RegisteredCertificate {
    /// Reads the first certificate of a PEM text; `None` when there is none or it is not RSA.
    pub(crate) fn from_pem(pem: &str) -> Option<RegisteredCertificate> {
        let body: String = pem
            .split("-----BEGIN CERTIFICATE-----")
            .nth(1)?
            .split("-----END CERTIFICATE-----")
            .next()?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = STANDARD.decode(body).ok()?;
        let certificate = x509_cert::Certificate::from_der(&der).ok()?;
        let spki = certificate
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .ok()?;
        Some(RegisteredCertificate {
            sha1: Sha1::digest(&der).into(),
            sha256: Sha256::digest(&der).into(),
            public: RsaPublicKey::from_public_key_der(&spki).ok()?,
        })
    }

    /// The SHA-1 thumbprint in upper-case hex.
    pub(crate) fn thumbprint(&self) -> String {
        hex_upper(&self.sha1)
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Why an assertion was refused, with the AADSTS code and text Entra uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The AADSTS number.
    pub code: u32,
    /// The OAuth error (`invalid_client`, `invalid_request`).
    pub error: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The description after `AADSTS{code}: `.
    pub text: String,
}

fn refuse(status: u16, error: &'static str, code: u32, text: String) -> Refusal {
    Refusal {
        code,
        error,
        status,
        text,
    }
}

fn malformed(why: &str) -> Refusal {
    refuse(
        401,
        "invalid_client",
        50027,
        format!("JWT token is invalid or malformed: {why}."),
    )
}

/// What the request must match besides the key.
pub(crate) struct Expected<'a> {
    /// The client id of the app (from `client_id`, or the assertion's `sub`).
    pub client_id: &'a str,
    /// The token endpoints the assertion may name as `aud`.
    pub audiences: &'a [String],
    /// The current time.
    pub now: DateTime<Utc>,
}

/// The client id an assertion names (`sub`), for requests without `client_id`.
pub(crate) fn subject(assertion: &str) -> Option<String> {
    let claims = assertion.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(claims).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.get("sub")?.as_str().map(str::to_owned)
}

fn normalized(url: &str) -> String {
    crate::identity::normalize_audience(url)
}

/// Checks `assertion` against the app's registered certificates and `expected`.
pub(crate) fn verify(
    assertion: &str,
    certificates: &[RegisteredCertificate],
    expected: &Expected<'_>,
) -> Result<(), Refusal> {
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header_part, claims_part, signature_part] = parts.as_slice() else {
        return Err(malformed(
            "a client assertion has three dot-separated parts",
        ));
    };
    let decode = |part: &str, what: &str| -> Result<Value, Refusal> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| malformed(&format!("the {what} is not base64url")))?;
        serde_json::from_slice(&bytes).map_err(|_| malformed(&format!("the {what} is not JSON")))
    };
    let header = decode(header_part, "header")?;
    let claims = decode(claims_part, "payload")?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature_part)
        .map_err(|_| malformed("the signature is not base64url"))?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let x5t = header.get("x5t").and_then(Value::as_str);
    let x5t_s256 = header.get("x5t#S256").and_then(Value::as_str);
    let thumbprint_sent = x5t_s256.or(x5t).unwrap_or("");
    let key = certificates.iter().find(|c| {
        x5t_s256.is_some_and(|t| t == URL_SAFE_NO_PAD.encode(c.sha256))
            || x5t.is_some_and(|t| t == URL_SAFE_NO_PAD.encode(c.sha1))
    });
    let Some(key) = key else {
        let shown = URL_SAFE_NO_PAD
            .decode(thumbprint_sent)
            .map(|b| hex_upper(&b))
            .unwrap_or_else(|_| thumbprint_sent.to_owned());
        return Err(refuse(
            401,
            "invalid_client",
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{shown}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'.]",
                expected.client_id
            ),
        ));
    };
    let signed = format!("{header_part}.{claims_part}");
    let valid = match alg {
        "PS256" => rsa::pss::Signature::try_from(signature.as_slice())
            .ok()
            .is_some_and(|s| {
                rsa::pss::VerifyingKey::<Sha256>::new(key.public.clone())
                    .verify(signed.as_bytes(), &s)
                    .is_ok()
            }),
        "RS256" => rsa::pkcs1v15::Signature::try_from(signature.as_slice())
            .ok()
            .is_some_and(|s| {
                rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key.public.clone())
                    .verify(signed.as_bytes(), &s)
                    .is_ok()
            }),
        other => {
            return Err(malformed(&format!(
                "the signing algorithm '{other}' is not supported; use PS256 or RS256"
            )));
        }
    };
    if !valid {
        return Err(refuse(
            401,
            "invalid_client",
            700027,
            "Client assertion failed signature validation. [Reason - The key was found, but the signature could not be verified with it.]".to_owned(),
        ));
    }
    let text_claim = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or("");
    for name in ["iss", "sub"] {
        if !text_claim(name).eq_ignore_ascii_case(expected.client_id) {
            return Err(refuse(
                401,
                "invalid_client",
                700021,
                format!(
                    "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials. (claim '{name}' is '{}')",
                    text_claim(name)
                ),
            ));
        }
    }
    let aud = text_claim("aud");
    if !expected
        .audiences
        .iter()
        .any(|a| normalized(a) == normalized(aud))
    {
        return Err(malformed(&format!(
            "the audience claim '{aud}' does not name this token endpoint; expected '{}'",
            expected.audiences.first().map(String::as_str).unwrap_or("")
        )));
    }
    let now = expected.now.timestamp();
    let exp = claims.get("exp").and_then(Value::as_i64);
    let nbf = claims.get("nbf").and_then(Value::as_i64);
    let Some(exp) = exp else {
        return Err(malformed("the 'exp' claim is missing"));
    };
    let too_early = nbf.is_some_and(|nbf| now + SKEW_SECS < nbf);
    if now - SKEW_SECS > exp || too_early {
        let show = |secs: i64| {
            DateTime::from_timestamp(secs, 0)
                .map(|t| t.format("%m/%d/%Y %H:%M:%S").to_string())
                .unwrap_or_else(|| secs.to_string())
        };
        return Err(refuse(
            401,
            "invalid_client",
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials.",
                show(now),
                nbf.map(show).unwrap_or_else(|| "-".to_owned()),
                show(exp)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
    use serde_json::json;

    const CLIENT: &str = "6f0b3a7c-1d2e-4f5a-8b9c-0d1e2f3a4b5c";
    const AUD: &str = "http://127.0.0.1:9/t/oauth2/v2.0/token";

    fn key() -> rsa::RsaPrivateKey {
        let block: String = INTEGRATION_APP_PEM
            .split("-----BEGIN PRIVATE KEY-----")
            .nth(1)
            .and_then(|r| r.split("-----END PRIVATE KEY-----").next())
            .expect("key block")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        rsa::RsaPrivateKey::from_pkcs8_der(&STANDARD.decode(block).expect("base64")).expect("key")
    }

    fn registered() -> Vec<RegisteredCertificate> {
        vec![RegisteredCertificate::from_pem(INTEGRATION_APP_PEM).expect("demo certificate")]
    }

    fn sign(alg: &str, header: Value, claims: Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = match alg {
            "PS256" => rsa::pss::BlindedSigningKey::<Sha256>::new(key())
                .sign_with_rng(&mut rsa::rand_core::OsRng, input.as_bytes())
                .to_vec(),
            _ => rsa::pkcs1v15::SigningKey::<Sha256>::new(key())
                .sign(input.as_bytes())
                .to_vec(),
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn claims(now: i64) -> Value {
        json!({"aud": AUD, "iss": CLIENT, "sub": CLIENT, "jti": "j", "nbf": now, "iat": now, "exp": now + 600})
    }

    fn expected(now: DateTime<Utc>, audiences: &[String]) -> Expected<'_> {
        Expected {
            client_id: CLIENT,
            audiences,
            now,
        }
    }

    #[test]
    fn ps256_with_sha256_thumbprint_and_rs256_with_sha1_thumbprint_are_accepted() {
        let certs = registered();
        let now = Utc::now();
        let audiences = vec![AUD.to_owned()];
        let ps = sign(
            "PS256",
            json!({"alg":"PS256","typ":"JWT","x5t#S256": URL_SAFE_NO_PAD.encode(certs[0].sha256)}),
            claims(now.timestamp()),
        );
        assert_eq!(verify(&ps, &certs, &expected(now, &audiences)), Ok(()));
        let rs = sign(
            "RS256",
            json!({"alg":"RS256","typ":"JWT","x5t": URL_SAFE_NO_PAD.encode(certs[0].sha1)}),
            claims(now.timestamp()),
        );
        assert_eq!(verify(&rs, &certs, &expected(now, &audiences)), Ok(()));
    }

    #[test]
    fn an_expired_assertion_is_aadsts700024_and_a_foreign_audience_is_refused() {
        let certs = registered();
        let now = Utc::now();
        let audiences = vec![AUD.to_owned()];
        let header =
            json!({"alg":"PS256","typ":"JWT","x5t#S256": URL_SAFE_NO_PAD.encode(certs[0].sha256)});
        let old = sign("PS256", header.clone(), claims(now.timestamp() - 3600));
        let refusal = verify(&old, &certs, &expected(now, &audiences)).expect_err("expired");
        assert_eq!(refusal.code, 700024);
        let mut elsewhere = claims(now.timestamp());
        elsewhere["aud"] = json!("https://login.microsoftonline.com/other/oauth2/v2.0/token");
        let foreign = sign("PS256", header, elsewhere);
        let refusal = verify(&foreign, &certs, &expected(now, &audiences)).expect_err("aud");
        assert_eq!(refusal.error, "invalid_client");
        assert!(refusal.text.contains("audience claim"), "{}", refusal.text);
    }

    #[test]
    fn a_tampered_signature_is_aadsts700027() {
        let certs = registered();
        let now = Utc::now();
        let audiences = vec![AUD.to_owned()];
        let header =
            json!({"alg":"PS256","typ":"JWT","x5t#S256": URL_SAFE_NO_PAD.encode(certs[0].sha256)});
        let good = sign("PS256", header, claims(now.timestamp()));
        let mut other_claims = claims(now.timestamp());
        other_claims["sub"] = json!("someone-else");
        let forged = format!(
            "{}.{}.{}",
            good.split('.').next().expect("header"),
            URL_SAFE_NO_PAD.encode(other_claims.to_string()),
            good.split('.').nth(2).expect("signature")
        );
        let refusal = verify(&forged, &certs, &expected(now, &audiences)).expect_err("forged");
        assert_eq!(refusal.code, 700027);
        assert!(refusal.text.contains("signature"), "{}", refusal.text);
    }
}
