//! Each way of signing in, against the emulated services: client secret, certificate and
//! Business Central on-premises basic auth, with good and bad credentials.

use couplet_connectors::{BusinessCentral, Dataverse, Secret, check_token};
use couplet_model::connection::AuthMethod;
use couplet_model::{ConnectionSettings, Endpoint, ErrorKind, Query, Side};
use couplet_odata::ClientCertificate;
use couplet_sandbox::{Sandbox, SandboxConfig};

/// A throw-away certificate the sandbox does not know (made with openssl for the tests).
const FOREIGN_PEM: &str =
    include_str!("../../couplet-odata/tests/data/other-certificate-and-key.pem");

async fn sandbox() -> Sandbox {
    couplet_sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn settings(sb: &Sandbox, side: Side, auth: AuthMethod) -> ConnectionSettings {
    let info = sb.info();
    let (url, scope) = match side {
        Side::Erp => (info.erp_api_url.clone(), info.erp_scope.clone()),
        Side::Crm => (info.crm_url.clone(), info.crm_scope.clone()),
    };
    ConnectionSettings {
        side,
        url,
        tenant: info.tenant.clone(),
        client_id: info.client_id.clone(),
        authority: info.authority.clone(),
        scope,
        company_id: (side == Side::Erp).then_some(info.erp_company_id),
        company_name: None,
        integration_user: None,
        sandbox: true,
        auth,
    }
}

fn query(entity: &str) -> Query {
    Query {
        entity: entity.into(),
        page_size: Some(5),
        ..Query::default()
    }
}

fn certificate_auth(pem: &str) -> (AuthMethod, Secret) {
    let cert = ClientCertificate::from_pem(pem).expect("valid PEM");
    let stored = cert.keychain_form().expect("keychain form");
    (
        AuthMethod::Certificate {
            thumbprint: cert.thumbprint(),
        },
        stored,
    )
}

#[tokio::test]
async fn a_certificate_registered_on_the_app_reads_both_services() {
    let sb = sandbox().await;
    let (auth, stored) = certificate_auth(&sb.info().client_certificate_pem);
    assert!(
        matches!(&auth, AuthMethod::Certificate { thumbprint } if *thumbprint == sb.info().client_certificate_thumbprint)
    );
    let erp = settings(&sb, Side::Erp, auth.clone());
    check_token(&erp, stored.clone())
        .await
        .expect("the token endpoint accepts the assertion");
    let bc = BusinessCentral::new(&erp, stored.clone()).expect("settings");
    let companies = bc.companies().await.expect("companies");
    assert_eq!(companies.len(), 1);
    let customers = bc.query(&query("customers"), None).await.expect("read");
    assert!(!customers.records.is_empty());

    let crm = settings(&sb, Side::Crm, auth);
    let dv = Dataverse::new(&crm, stored).expect("settings");
    let user = dv.integration_user().await.expect("WhoAmI");
    assert_eq!(user.id, sb.info().crm_integration_user_id);
}

#[tokio::test]
async fn a_certificate_the_app_does_not_know_is_refused_with_aadsts700027() {
    let sb = sandbox().await;
    let (auth, stored) = certificate_auth(FOREIGN_PEM);
    let erp = settings(&sb, Side::Erp, auth);
    let err = check_token(&erp, stored).await.expect_err("unknown key");
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.message.contains("AADSTS700027"), "{}", err.message);
    assert!(err.message.contains("certificate"), "{}", err.message);
}

#[tokio::test]
async fn a_stored_certificate_that_is_not_the_one_the_settings_name_is_refused_before_any_request()
{
    let sb = sandbox().await;
    let (_, stored) = certificate_auth(FOREIGN_PEM);
    let erp = settings(
        &sb,
        Side::Erp,
        AuthMethod::Certificate {
            thumbprint: sb.info().client_certificate_thumbprint.clone(),
        },
    );
    let err = BusinessCentral::new(&erp, stored).expect_err("thumbprint differs");
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(err.message.contains("connect again"), "{}", err.message);
}

#[tokio::test]
async fn basic_auth_with_the_on_premises_users_key_reads_business_central() {
    let sb = sandbox().await;
    let info = sb.info().clone();
    let mut erp = settings(
        &sb,
        Side::Erp,
        AuthMethod::Basic {
            user: info.erp_basic_user.clone(),
        },
    );
    // On-premises needs no Entra settings.
    erp.tenant.clear();
    erp.client_id.clear();
    erp.authority.clear();
    erp.scope.clear();
    let key = Secret::new(info.erp_basic_access_key.clone());
    check_token(&erp, key.clone())
        .await
        .expect("nothing to ask");
    let bc = BusinessCentral::new(&erp, key).expect("settings");
    let customers = bc.query(&query("customers"), None).await.expect("read");
    assert!(!customers.records.is_empty());
}

#[tokio::test]
async fn basic_auth_with_a_wrong_key_is_an_auth_error_with_business_centrals_message() {
    let sb = sandbox().await;
    let info = sb.info().clone();
    let erp = settings(
        &sb,
        Side::Erp,
        AuthMethod::Basic {
            user: info.erp_basic_user.clone(),
        },
    );
    let bc = BusinessCentral::new(&erp, Secret::new("wrong-key")).expect("settings");
    let err = bc.companies().await.expect_err("refused");
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(
        err.message.contains(&info.erp_basic_user),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn dataverse_refuses_basic_auth_settings_with_a_config_error() {
    let sb = sandbox().await;
    let crm = settings(
        &sb,
        Side::Crm,
        AuthMethod::Basic {
            user: "COUPLET".into(),
        },
    );
    let err = Dataverse::new(&crm, Secret::new("k")).expect_err("no basic auth");
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(err.message.contains("no basic auth"), "{}", err.message);
}
