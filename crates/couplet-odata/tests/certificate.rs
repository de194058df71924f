//! Certificate credentials: reading the PEM, the client assertion's header, claims and
//! signature, and the token request that carries it.
//!
//! The PEM files under `tests/data` are throw-away test certificates made with openssl
//! (`openssl req -x509 -newkey rsa:2048 -nodes …`); they are not secrets of any system.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use couplet_model::ErrorKind;
use couplet_odata::{
    CertificateError, ClientCertificate, ClientCredential, TokenConfig, TokenProvider,
};
use rsa::RsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use serde_json::{Value, json};
use sha2::Sha256;

const CERT_AND_KEY: &str = include_str!("data/certificate-and-key.pem");
const CERT_AND_RSA_KEY: &str = include_str!("data/certificate-and-rsa-key.pem");
const CERT_WITH_FOREIGN_KEY: &str = include_str!("data/certificate-with-foreign-key.pem");
/// `openssl x509 -in … -noout -fingerprint -sha1` of the test certificate.
const SHA1_THUMBPRINT: &str = "453948696602D3122CE9046B8761B170065F6DBE";
/// `openssl x509 -in … -noout -fingerprint -sha256` of the test certificate.
const SHA256_THUMBPRINT: &str = "6B5A63CD395CCA079271BF44D15D27A561AAD31CD6A4815F08B15113614791A8";

/// The public key of the test certificate, taken from the certificate with openssl's view of it:
/// the SubjectPublicKeyInfo inside the X.509 DER.
fn certificate_public_key(pem: &str) -> RsaPublicKey {
    use x509_cert::der::{Decode, Encode};
    let body: String = pem
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)
        .and_then(|rest| rest.split("-----END CERTIFICATE-----").next())
        .expect("certificate block")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64");
    let cert = x509_cert::Certificate::from_der(&der).expect("x509");
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .expect("spki");
    RsaPublicKey::from_public_key_der(&spki).expect("rsa public key")
}

fn decode_part(part: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD.decode(part).expect("base64url");
    serde_json::from_slice(&bytes).expect("json")
}

#[test]
fn the_thumbprints_are_those_openssl_shows() {
    let cert = ClientCertificate::from_pem(CERT_AND_KEY).expect("valid PEM");
    assert_eq!(cert.thumbprint(), SHA1_THUMBPRINT);
    assert_eq!(cert.thumbprint_sha256(), SHA256_THUMBPRINT);
    assert!(format!("{cert:?}").contains(&cert.thumbprint()));
}

#[test]
fn the_keychain_form_is_short_and_signs_like_the_pem() {
    let cert = ClientCertificate::from_pem(CERT_AND_KEY).expect("valid PEM");
    let stored = cert.keychain_form().expect("two-prime key");
    // Windows Credential Manager keeps at most 2,560 bytes of UTF-16.
    assert!(
        stored.expose().encode_utf16().count() * 2 <= 2560,
        "{} characters",
        stored.expose().len()
    );
    let back = ClientCertificate::from_keychain_form(stored.expose()).expect("read back");
    assert_eq!(back.thumbprint(), SHA1_THUMBPRINT);
    assert_eq!(back.thumbprint_sha256(), SHA256_THUMBPRINT);
    assert_eq!(back.not_after(), cert.not_after());
    let assertion = back
        .client_assertion("https://x/t/oauth2/v2.0/token", "c", Utc::now())
        .expect("signed");
    let parts: Vec<&str> = assertion.expose().split('.').collect();
    let signature = rsa::pss::Signature::try_from(
        URL_SAFE_NO_PAD
            .decode(parts[2])
            .expect("base64url")
            .as_slice(),
    )
    .expect("signature");
    rsa::pss::VerifyingKey::<Sha256>::new(certificate_public_key(CERT_AND_KEY))
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the restored key is the certificate's key");
    let pem_too = ClientCertificate::from_keychain_form(CERT_AND_KEY).expect("a PEM is read too");
    assert_eq!(pem_too.thumbprint(), SHA1_THUMBPRINT);
    assert!(matches!(
        ClientCertificate::from_keychain_form("couplet-certificate-v1:abc"),
        Err(CertificateError::Unreadable(_))
    ));
}

#[test]
fn an_expired_certificate_is_a_config_error_before_any_request() {
    let cert = ClientCertificate::from_pem(CERT_AND_KEY).expect("valid PEM");
    cert.check_validity(Utc::now()).expect("valid today");
    let end = cert.not_after().expect("validity read");
    let err = cert
        .check_validity(end + chrono::Duration::days(1))
        .expect_err("expired");
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(err.message.contains("expired on"), "{}", err.message);
    assert!(err.message.contains(SHA1_THUMBPRINT), "{}", err.message);
}

#[test]
fn a_pkcs1_rsa_private_key_is_read_as_well_as_pkcs8() {
    let cert = ClientCertificate::from_pem(CERT_AND_RSA_KEY).expect("valid PEM");
    assert_eq!(cert.thumbprint(), SHA1_THUMBPRINT);
}

#[test]
fn a_key_that_is_not_the_certificates_own_is_refused_naming_the_thumbprint() {
    let err = ClientCertificate::from_pem(CERT_WITH_FOREIGN_KEY).expect_err("foreign key");
    assert_eq!(
        err,
        CertificateError::KeyDoesNotMatch {
            thumbprint: SHA1_THUMBPRINT.to_owned()
        }
    );
    assert!(err.to_string().contains("does not match"), "{err}");
}

#[test]
fn a_certificate_without_its_key_is_refused() {
    let only_cert = CERT_AND_KEY
        .split("-----BEGIN PRIVATE KEY-----")
        .next()
        .expect("certificate part");
    let err = ClientCertificate::from_pem(only_cert).expect_err("no key");
    assert_eq!(err, CertificateError::NoPrivateKey);
    assert_eq!(err.into_odata().kind, ErrorKind::Config);
}

#[test]
fn a_damaged_certificate_block_is_reported_as_unreadable() {
    let damaged = CERT_AND_KEY.replacen("MII", "M*I", 1);
    let err = ClientCertificate::from_pem(&damaged).expect_err("damaged");
    assert!(
        matches!(err, CertificateError::Unreadable(_)),
        "{err:?} should be Unreadable"
    );
}

#[test]
fn the_client_assertion_has_microsofts_header_and_claims_and_a_valid_ps256_signature() {
    let cert = ClientCertificate::from_pem(CERT_AND_KEY).expect("valid PEM");
    let token_url = "https://login.microsoftonline.com/contoso/oauth2/v2.0/token";
    let client_id = "11111111-2222-3333-4444-555555555555";
    let now = Utc::now();
    let assertion = cert
        .client_assertion(token_url, client_id, now)
        .expect("signed");
    let parts: Vec<&str> = assertion.expose().split('.').collect();
    assert_eq!(parts.len(), 3, "a JWS compact serialization");
    let header = decode_part(parts[0]);
    assert_eq!(header["alg"], "PS256");
    assert_eq!(header["typ"], "JWT");
    let x5t = URL_SAFE_NO_PAD
        .decode(header["x5t#S256"].as_str().expect("x5t#S256"))
        .expect("base64url");
    assert_eq!(
        hex::encode_upper(x5t),
        SHA256_THUMBPRINT,
        "x5t#S256 is the SHA-256 thumbprint of the certificate"
    );
    let claims = decode_part(parts[1]);
    assert_eq!(claims["aud"], token_url);
    assert_eq!(claims["iss"], client_id);
    assert_eq!(claims["sub"], client_id);
    assert_eq!(claims["nbf"], json!(now.timestamp()));
    assert_eq!(claims["iat"], json!(now.timestamp()));
    assert_eq!(claims["exp"], json!(now.timestamp() + 600));
    assert!(
        uuid::Uuid::parse_str(claims["jti"].as_str().expect("jti")).is_ok(),
        "jti is a fresh GUID"
    );

    let public = certificate_public_key(CERT_AND_KEY);
    let verifier = rsa::pss::VerifyingKey::<Sha256>::new(public);
    let signature_bytes = URL_SAFE_NO_PAD.decode(parts[2]).expect("base64url");
    let signature = rsa::pss::Signature::try_from(signature_bytes.as_slice()).expect("signature");
    let signed = format!("{}.{}", parts[0], parts[1]);
    verifier
        .verify(signed.as_bytes(), &signature)
        .expect("the signature verifies with the certificate's public key");
    let tampered = signed.replacen('e', "f", 1);
    assert!(verifier.verify(tampered.as_bytes(), &signature).is_err());

    let second = cert
        .client_assertion(token_url, client_id, now)
        .expect("signed");
    assert_ne!(
        decode_part(second.expose().split('.').nth(1).expect("claims"))["jti"],
        claims["jti"],
        "every assertion has its own jti"
    );
}

/// A token endpoint that records each form it receives and answers with a token.
async fn token_endpoint() -> (Arc<Mutex<Vec<String>>>, String) {
    let forms: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = forms.clone();
    let app = axum::Router::new().fallback(move |body: String| {
        let seen = seen.clone();
        async move {
            seen.lock().expect("lock").push(body);
            axum::Json(json!({"token_type":"Bearer","expires_in":3599,"access_token":"tok"}))
        }
    });
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (forms, base)
}

#[tokio::test]
async fn a_certificate_token_request_sends_a_client_assertion_and_no_secret() {
    let (forms, base) = token_endpoint().await;
    let cert = ClientCertificate::from_pem(CERT_AND_KEY).expect("valid PEM");
    let provider = TokenProvider::new(TokenConfig {
        authority: base.clone(),
        tenant: "contoso".into(),
        client_id: "11111111-2222-3333-4444-555555555555".into(),
        credential: ClientCredential::Certificate(cert),
        scope: "https://api.businesscentral.dynamics.com/.default".into(),
        timeout: Duration::from_secs(5),
    })
    .expect("provider");
    let token = provider.token().await.expect("token");
    assert_eq!(token.expose(), "tok");
    let form = forms.lock().expect("lock").pop().expect("one request");
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(form.as_bytes())
        .into_owned()
        .collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("grant_type").as_deref(), Some("client_credentials"));
    assert_eq!(
        field("client_assertion_type").as_deref(),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert_eq!(
        field("client_id").as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert_eq!(field("client_secret"), None);
    let assertion = field("client_assertion").expect("client_assertion");
    let claims = decode_part(assertion.split('.').nth(1).expect("claims"));
    assert_eq!(
        claims["aud"],
        format!("{base}/contoso/oauth2/v2.0/token"),
        "aud is the token endpoint the request goes to"
    );
}
