//! First run: demo systems, the wizard's tests and Finish.

use serde_json::{Value, json};

use super::{invoke, mock_app};

#[test]
fn mapping_list_through_ipc_lists_the_default_mappings_once_the_demo_is_connected() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = mock_app(dir.path());

    let before = invoke(&window, "mapping_list", json!({})).expect("mapping_list answers");
    assert_eq!(before, json!([]), "nothing is mapped before connecting");

    let reports = invoke(&window, "demo_start", json!({})).expect("the demo starts");
    assert_eq!(reports.as_array().map(Vec::len), Some(2), "{reports}");

    let mappings = invoke(&window, "mapping_list", json!({})).expect("mapping_list answers");
    let names: Vec<&str> = mappings
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(names.contains(&"SALESPEOPLE"), "{mappings}");
    assert!(names.contains(&"CUSTOMER"), "{mappings}");

    let status = invoke(&window, "app_status", json!({})).expect("app_status answers");
    assert_eq!(status["erp_connected"], json!(true), "{status}");
    assert_eq!(status["crm_connected"], json!(true), "{status}");
    assert_eq!(status["uses_demo_systems"], json!(true), "{status}");
    assert_eq!(status["demo_running"], json!(true), "{status}");
}

/// The wizard's inputs for the emulated systems, as the UI gets them.
fn demo_inputs(window: &tauri::WebviewWindow<tauri::test::MockRuntime>) -> (Value, Value) {
    let setup = invoke(window, "demo_prepare", json!({})).expect("the demo systems start");
    (setup["erp"].clone(), setup["crm"].clone())
}

fn step<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["step"] == json!(name)))
        .unwrap_or_else(|| panic!("no {name} check in {view}"))
}

#[test]
fn the_wizard_tests_each_side_and_saves_nothing_until_finish() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = mock_app(dir.path());
    let (erp, crm) = demo_inputs(&window);

    let erp_view = invoke(&window, "connection_test", json!({ "input": erp })).expect("answers");
    assert_eq!(erp_view["passed"], json!(true), "{erp_view}");
    assert_eq!(step(&erp_view, "company")["status"], json!("passed"));
    assert!(
        erp_view["companies"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "the live company list: {erp_view}"
    );
    let crm_view = invoke(&window, "connection_test", json!({ "input": crm })).expect("answers");
    assert_eq!(crm_view["passed"], json!(true), "{crm_view}");
    assert!(
        crm_view["integration_user"]["name"].is_string(),
        "WhoAmI names the application user: {crm_view}"
    );

    let status = invoke(&window, "app_status", json!({})).expect("answers");
    assert_eq!(
        status["erp_connected"],
        json!(false),
        "testing saves nothing"
    );
    assert_eq!(
        invoke(&window, "mapping_list", json!({})).expect("answers"),
        json!([])
    );

    let chosen = json!(["SALESPEOPLE", "CUSTOMER"]);
    invoke(
        &window,
        "setup_finish",
        json!({ "erp": erp, "crm": crm, "mappings": chosen }),
    )
    .expect("Finish connects");
    let status = invoke(&window, "app_status", json!({})).expect("answers");
    assert_eq!(status["erp_connected"], json!(true), "{status}");
    assert_eq!(status["crm_connected"], json!(true), "{status}");
    let mappings = invoke(&window, "mapping_list", json!({})).expect("answers");
    assert!(
        mappings
            .as_array()
            .is_some_and(|all| all.iter().all(|m| m["enabled"] == json!(true))),
        "{mappings}"
    );
    let customer = mappings
        .as_array()
        .and_then(|all| all.iter().find(|m| m["name"] == json!("CUSTOMER")))
        .expect("the CUSTOMER mapping");
    assert_eq!(
        customer["couplings"],
        json!(5),
        "the demo systems' pairs coupled before are taken over: {customer}"
    );
}

#[test]
fn a_wrong_secret_fails_the_token_step_and_finish_saves_nothing() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = mock_app(dir.path());
    let (erp, mut crm) = demo_inputs(&window);
    crm["client_secret"] = json!("not-the-secret");

    let view = invoke(&window, "connection_test", json!({ "input": crm })).expect("answers");
    assert_eq!(view["passed"], json!(false), "{view}");
    let token = step(&view, "token");
    assert_eq!(token["status"], json!("failed"), "{view}");
    assert_eq!(token["cause"], json!("token_refused"), "{view}");
    assert!(
        token["hint"].as_str().is_some_and(|h| h.contains("secret")),
        "{view}"
    );
    assert_eq!(step(&view, "service")["status"], json!("skipped"), "{view}");

    let err = invoke(
        &window,
        "setup_finish",
        json!({ "erp": erp, "crm": crm, "mappings": ["SALESPEOPLE", "CUSTOMER"] }),
    )
    .expect_err("a refused secret stops Finish");
    assert_eq!(err["code"], json!("auth_failed"), "{err}");
    let status = invoke(&window, "app_status", json!({})).expect("answers");
    assert_eq!(
        status["erp_connected"],
        json!(false),
        "nothing saved: {status}"
    );
    assert_eq!(
        status["crm_connected"],
        json!(false),
        "nothing saved: {status}"
    );
}

#[test]
fn an_unreachable_host_and_a_wrong_environment_are_told_apart() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = mock_app(dir.path());
    let (_, crm) = demo_inputs(&window);

    let mut closed = crm.clone();
    closed["authority"] = json!("http://127.0.0.1:9");
    let view = invoke(&window, "connection_test", json!({ "input": closed })).expect("answers");
    assert_eq!(
        step(&view, "token")["cause"],
        json!("unreachable"),
        "{view}"
    );

    let mut wrong_env = crm.clone();
    wrong_env["url"] = json!(format!(
        "{}/no-such-environment",
        crm["url"].as_str().expect("a URL")
    ));
    wrong_env["scope"] = crm["scope"].clone();
    let view = invoke(&window, "connection_test", json!({ "input": wrong_env })).expect("answers");
    assert_eq!(step(&view, "token")["status"], json!("passed"), "{view}");
    assert_eq!(
        step(&view, "service")["cause"],
        json!("not_found"),
        "{view}"
    );
}

#[test]
fn a_mapping_chosen_without_its_dependency_is_refused_before_testing() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = mock_app(dir.path());
    let (erp, crm) = demo_inputs(&window);
    let err = invoke(
        &window,
        "setup_finish",
        json!({ "erp": erp, "crm": crm, "mappings": ["CUSTOMER"] }),
    )
    .expect_err("CUSTOMER needs SALESPEOPLE");
    assert_eq!(err["code"], json!("validation"), "{err}");
    let catalog = invoke(&window, "mapping_catalog", json!({})).expect("answers");
    assert_eq!(catalog.as_array().map(Vec::len), Some(2), "{catalog}");
}
