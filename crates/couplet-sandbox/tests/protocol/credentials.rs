//! Certificate credentials at the token endpoint and Business Central on-premises basic auth.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use sha2::{Digest, Sha256};

use super::*;

fn pem_block(pem: &str, label: &str) -> Vec<u8> {
    let body: String = pem
        .split(&format!("-----BEGIN {label}-----"))
        .nth(1)
        .and_then(|rest| rest.split(&format!("-----END {label}-----")).next())
        .expect("block")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(body).expect("base64")
}

/// A PS256 client assertion signed with the sandbox's demo key, with the given thumbprint
/// header and lifetime.
fn assertion(info: &couplet_sandbox::SandboxInfo, x5t_s256: &str, issued: i64) -> String {
    let key =
        rsa::RsaPrivateKey::from_pkcs8_der(&pem_block(&info.client_certificate_pem, "PRIVATE KEY"))
            .expect("demo key");
    let header = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": x5t_s256});
    let claims = json!({
        "aud": format!("{}/{}/oauth2/v2.0/token", info.authority, info.tenant),
        "iss": info.client_id,
        "sub": info.client_id,
        "jti": "6a1c1c0e-0000-4000-8000-000000000001",
        "nbf": issued,
        "iat": issued,
        "exp": issued + 600,
    });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = rsa::pss::BlindedSigningKey::<Sha256>::new(key)
        .sign_with_rng(&mut rsa::rand_core::OsRng, input.as_bytes())
        .to_vec();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

async fn assertion_response(sb: &Sandbox, assertion: &str) -> reqwest::Response {
    let info = sb.info();
    Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            info.authority, info.tenant
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", info.client_id.as_str()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
            ("scope", info.erp_scope.as_str()),
        ])
        .send()
        .await
        .expect("token request")
}

#[tokio::test]
async fn an_assertion_signed_with_the_registered_certificate_gets_a_token_and_others_are_refused() {
    let sb = sandbox(Seed::Empty).await;
    let info = sb.info().clone();
    let thumbprint = URL_SAFE_NO_PAD.encode(Sha256::digest(pem_block(
        &info.client_certificate_pem,
        "CERTIFICATE",
    )));
    let now = chrono::Utc::now().timestamp();

    let good = assertion_response(&sb, &assertion(&info, &thumbprint, now)).await;
    assert_eq!(good.status(), StatusCode::OK);
    let body: Value = good.json().await.expect("json");
    let token = body["access_token"].as_str().expect("token");
    let companies = Client::new()
        .get(format!("{}/companies", info.erp_api_url))
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    assert_eq!(companies.status(), StatusCode::OK);

    let unknown = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let refused = assertion_response(&sb, &assertion(&info, &unknown, now)).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_codes"], json!([700027]));

    let expired = assertion_response(&sb, &assertion(&info, &thumbprint, now - 7200)).await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    let body: Value = expired.json().await.expect("json");
    assert_eq!(body["error_codes"], json!([700024]));
    assert!(
        body["error_description"]
            .as_str()
            .expect("text")
            .starts_with("AADSTS700024: Client assertion is not within its valid time range.")
    );
}

#[tokio::test]
async fn business_central_accepts_basic_auth_for_its_on_premises_user_only() {
    let sb = sandbox(Seed::Empty).await;
    let info = sb.info().clone();
    assert!(!info.erp_basic_user.is_empty());
    let good = Client::new()
        .get(format!("{}/companies", info.erp_api_url))
        .basic_auth(&info.erp_basic_user, Some(&info.erp_basic_access_key))
        .send()
        .await
        .expect("get");
    assert_eq!(good.status(), StatusCode::OK);
    let body: Value = good.json().await.expect("json");
    assert_eq!(body["value"][0]["name"], json!(info.erp_company_name));

    let wrong = Client::new()
        .get(format!("{}/companies", info.erp_api_url))
        .basic_auth(&info.erp_basic_user, Some("not-the-key"))
        .send()
        .await
        .expect("get");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let body: Value = wrong.json().await.expect("json");
    assert_eq!(body["error"]["code"], "Authentication_InvalidCredentials");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains(&info.erp_basic_user)
    );

    let on_dataverse = Client::new()
        .get(format!("{}/api/data/v9.2/WhoAmI", info.crm_url))
        .basic_auth(&info.erp_basic_user, Some(&info.erp_basic_access_key))
        .send()
        .await
        .expect("get");
    assert_eq!(
        on_dataverse.status(),
        StatusCode::UNAUTHORIZED,
        "Dataverse has no basic auth"
    );
}
