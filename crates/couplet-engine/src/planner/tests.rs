use super::*;
use chrono::{DateTime, TimeZone, Utc};
use couplet_model::catalog::{CUSTOMER, SALESPEOPLE, default_mappings};
use couplet_model::{FieldKind, FieldMapping, FieldSchema};
use serde_json::json;

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 10, minute, 0)
        .single()
        .expect("valid time")
}

fn salespeople() -> TableMapping {
    default_mappings().remove(0)
}

fn customer() -> TableMapping {
    default_mappings().remove(1)
}

fn record(fields: serde_json::Value, modified: u32) -> Record {
    Record {
        id: Uuid::new_v4(),
        fields: serde_json::from_value(fields).expect("object"),
        modified_on: at(modified),
        modified_by: None,
        etag: Some(format!("W/\"{modified}\"")),
    }
}

fn erp_customer(name: &str, city: &str, salesperson: &str, modified: u32) -> Record {
    record(
        json!({"displayName": name, "city": city, "salespersonCode": salesperson,
               "addressLine1": "", "addressLine2": "", "postalCode": "", "country": "",
               "state": "", "email": "", "website": "", "phoneNumber": "", "blocked": " "}),
        modified,
    )
}

fn crm_account(name: &str, city: &str, owner: Option<Uuid>, modified: u32) -> Record {
    record(
        json!({"name": name, "address1_city": city, "ownerid": owner.map(|o| o.to_string()),
               "statecode": 0, "customertypecode": 3}),
        modified,
    )
}

/// Lookups where salesperson MH is coupled to `user` and JO exists uncoupled.
fn salesperson_lookups(user: Uuid) -> Lookups {
    let mut table = LookupTable::new(&salespeople());
    let mh = Uuid::new_v4();
    table.add_erp_record(mh, "MH");
    table.add_erp_record(Uuid::new_v4(), "JO");
    table.add_coupling(mh, user);
    let mut lookups = Lookups::new();
    lookups.insert(SALESPEOPLE, table);
    lookups
}

fn synced(erp: &Record, crm: &Record) -> Coupling {
    let mut c = Coupling::new(CUSTOMER, erp.id, crm.id);
    c.set_state(Side::Erp, erp.modified_on, erp.etag.clone());
    c.set_state(Side::Crm, crm.modified_on, crm.etag.clone());
    c
}

struct Case {
    mapping: TableMapping,
    pass: Direction,
    records: Vec<Record>,
    couplings: Vec<Coupling>,
    destinations: Vec<Record>,
    candidates: Vec<Record>,
    lookups: Lookups,
    schema: Option<EntitySchema>,
    users: IntegrationUsers,
    keys: Vec<String>,
    options: PlanOptions,
}

impl Case {
    fn new(mapping: TableMapping, pass: Direction) -> Case {
        Case {
            mapping,
            pass,
            records: vec![],
            couplings: vec![],
            destinations: vec![],
            candidates: vec![],
            lookups: Lookups::new(),
            schema: None,
            users: IntegrationUsers::default(),
            keys: vec![],
            options: PlanOptions::default(),
        }
    }

    fn plan(&self) -> Result<Plan, PlanError> {
        plan(&PlanInput {
            mapping: &self.mapping,
            pass: self.pass,
            records: &self.records,
            couplings: &self.couplings,
            destinations: &self.destinations,
            candidates: &self.candidates,
            lookups: &self.lookups,
            schema: self.schema.as_ref(),
            integration_users: self.users,
            existing_keys: &self.keys,
            options: self.options,
        })
    }

    fn only_op(&self) -> PlannedOp {
        let mut plan = self.plan().expect("plannable");
        assert_eq!(plan.ops.len(), 1, "{:?}", plan.ops);
        plan.ops.remove(0)
    }
}

/// A coupled customer/account pair synced at minute 0 with the same values.
fn coupled_pair(case: &mut Case, user: Uuid) -> (Record, Record) {
    let erp = erp_customer("Adatum", "Paris", "MH", 0);
    let crm = crm_account("Adatum", "Paris", Some(user), 0);
    case.couplings.push(synced(&erp, &crm));
    case.lookups = salesperson_lookups(user);
    (erp, crm)
}

fn changed(mut r: Record, field: &str, value: serde_json::Value, minute: u32) -> Record {
    r.fields.insert(field.to_owned(), value);
    r.modified_on = at(minute);
    r.etag = Some(format!("W/\"{minute}\""));
    r
}

#[test]
fn a_record_last_modified_by_the_integration_user_is_our_own_echo_and_not_written_back() {
    let us = Uuid::new_v4();
    let mut case = Case::new(customer(), Direction::FromCrm);
    let (erp, crm) = coupled_pair(&mut case, Uuid::new_v4());
    let mut echo = changed(crm, "name", json!("Adatum"), 5);
    echo.modified_by = Some(us);
    case.users.crm = Some(us);
    case.records = vec![echo.clone()];
    case.destinations = vec![erp];
    match case.only_op() {
        PlannedOp::Unchanged {
            reason: UnchangedReason::OwnWrite,
            refresh: Some(c),
            ..
        } => assert_eq!(c.crm_modified_on, Some(echo.modified_on)),
        other => panic!("expected own-write echo, got {other:?}"),
    }
}

#[test]
fn an_uncoupled_record_we_created_is_not_created_back_even_in_a_full_sync() {
    let us = Uuid::new_v4();
    let mut case = Case::new(customer(), Direction::FromCrm);
    let mut ours = crm_account("Made by Couplet", "Oslo", None, 3);
    ours.modified_by = Some(us);
    case.users.crm = Some(us);
    case.options.create = true;
    case.records = vec![ours];
    assert!(matches!(
        case.only_op(),
        PlannedOp::Unchanged {
            reason: UnchangedReason::OwnWrite,
            ..
        }
    ));
}

#[test]
fn a_source_not_modified_since_the_last_sync_is_unchanged_without_comparing() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    let (erp, crm) = coupled_pair(&mut case, Uuid::new_v4());
    case.records = vec![erp.clone()];
    case.destinations = vec![changed(crm, "name", json!("Edited in CRM"), 9)];
    assert!(matches!(
        case.only_op(),
        PlannedOp::Unchanged {
            reason: UnchangedReason::NotModified,
            refresh: None,
            ..
        }
    ));
    // The same ETag also counts as unchanged, whatever the clock says.
    let mut same_etag = erp;
    same_etag.modified_on = at(30);
    case.records = vec![same_etag];
    assert!(matches!(
        case.only_op(),
        PlannedOp::Unchanged {
            reason: UnchangedReason::NotModified,
            ..
        }
    ));
}

#[test]
fn only_the_fields_that_differ_are_written_with_the_destination_etag() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    let (erp, crm) = coupled_pair(&mut case, Uuid::new_v4());
    let erp = changed(erp, "city", json!("Lyon"), 4);
    case.records = vec![erp.clone()];
    case.destinations = vec![crm.clone()];
    match case.only_op() {
        PlannedOp::Update {
            destination,
            etag,
            changes,
            coupling,
            destination_changed,
            ..
        } => {
            assert_eq!(destination, crm.id);
            assert_eq!(etag, crm.etag);
            assert_eq!(
                changes,
                vec![FieldChange {
                    field: "address1_city".into(),
                    old: json!("Paris"),
                    new: json!("Lyon"),
                }]
            );
            assert_eq!(coupling.erp_modified_on, Some(erp.modified_on));
            assert!(coupling.fingerprint.is_some());
            assert!(!destination_changed);
        }
        other => panic!("expected an update, got {other:?}"),
    }
}

#[test]
fn a_changed_source_whose_values_already_match_is_unchanged_and_refreshes_the_coupling() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    let (erp, crm) = coupled_pair(&mut case, Uuid::new_v4());
    let touched = changed(erp, "city", json!("Paris"), 6);
    case.records = vec![touched.clone()];
    case.destinations = vec![crm];
    match case.only_op() {
        PlannedOp::Unchanged {
            reason: UnchangedReason::SameValues,
            refresh: Some(c),
            ..
        } => {
            assert_eq!(c.erp_modified_on, Some(touched.modified_on));
            assert_eq!(c.erp_etag, touched.etag);
        }
        other => panic!("expected unchanged, got {other:?}"),
    }
}

fn conflict_case(rule: ConflictRule, pass: Direction) -> (Case, Record, Record) {
    let mut mapping = customer();
    mapping.update_conflict = rule;
    let mut case = Case::new(mapping, pass);
    let (erp, crm) = coupled_pair(&mut case, Uuid::new_v4());
    let erp = changed(erp, "displayName", json!("Adatum ERP"), 5);
    let crm = changed(crm, "name", json!("Adatum CRM"), 6);
    match pass {
        Direction::ToCrm => {
            case.records = vec![erp.clone()];
            case.destinations = vec![crm.clone()];
        }
        _ => {
            case.records = vec![crm.clone()];
            case.destinations = vec![erp.clone()];
        }
    }
    (case, erp, crm)
}

#[test]
fn both_sides_changed_with_no_conflict_rule_is_a_conflict_with_both_values_and_no_write() {
    let (case, _, _) = conflict_case(ConflictRule::None, Direction::ToCrm);
    match case.only_op() {
        PlannedOp::Conflict {
            fields,
            message,
            fix,
            ..
        } => {
            assert_eq!(
                fields,
                vec![ConflictField {
                    erp_field: "displayName".into(),
                    crm_field: "name".into(),
                    erp_value: json!("Adatum ERP"),
                    crm_value: json!("Adatum CRM"),
                }]
            );
            assert!(
                message.contains("Adatum ERP") && message.contains("Adatum CRM"),
                "{message}"
            );
            assert!(fix.contains("CUSTOMER"), "{fix}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn erp_wins_writes_to_dataverse_and_skips_the_pull() {
    let (case, _, _) = conflict_case(ConflictRule::ErpWins, Direction::ToCrm);
    match case.only_op() {
        PlannedOp::Update {
            changes,
            destination_changed,
            ..
        } => {
            assert_eq!(changes[0].new, json!("Adatum ERP"));
            assert!(destination_changed);
        }
        other => panic!("expected an update, got {other:?}"),
    }
    let (case, _, _) = conflict_case(ConflictRule::ErpWins, Direction::FromCrm);
    match case.only_op() {
        PlannedOp::Skip { reason, .. } => {
            assert!(reason.contains("Business Central wins"), "{reason}")
        }
        other => panic!("expected a skip, got {other:?}"),
    }
}

#[test]
fn crm_wins_skips_the_push_and_writes_to_business_central() {
    let (case, _, _) = conflict_case(ConflictRule::CrmWins, Direction::ToCrm);
    match case.only_op() {
        PlannedOp::Skip { reason, .. } => assert!(reason.contains("Dataverse wins"), "{reason}"),
        other => panic!("expected a skip, got {other:?}"),
    }
    let (case, _, _) = conflict_case(ConflictRule::CrmWins, Direction::FromCrm);
    match case.only_op() {
        PlannedOp::Update { changes, .. } => {
            assert_eq!(changes.len(), 1);
            assert_eq!(changes[0].field, "displayName");
            assert_eq!(changes[0].new, json!("Adatum CRM"));
        }
        other => panic!("expected an update, got {other:?}"),
    }
}

#[test]
fn a_destination_change_is_no_conflict_when_only_one_way_fields_differ() {
    let user_a = Uuid::new_v4();
    let user_b = Uuid::new_v4();
    let mut case = Case::new(customer(), Direction::ToCrm);
    let (erp, crm) = coupled_pair(&mut case, user_a);
    let mut lookups = salesperson_lookups(user_a);
    if let Some(t) = lookups.get_mut(SALESPEOPLE) {
        let jo = Uuid::new_v4();
        t.add_erp_record(jo, "JO");
        t.add_coupling(jo, user_b);
    }
    case.lookups = lookups;
    case.records = vec![changed(erp, "salespersonCode", json!("JO"), 5)];
    case.destinations = vec![changed(crm, "address1_city", json!("Paris"), 6)];
    match case.only_op() {
        PlannedOp::Update { changes, .. } => {
            assert_eq!(changes.len(), 1);
            assert_eq!(changes[0].field, "ownerid");
            assert_eq!(changes[0].new, json!(user_b.to_string()));
        }
        other => panic!("expected an update, got {other:?}"),
    }
}

#[test]
fn an_uncoupled_record_is_skipped_when_creating_is_not_allowed() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    case.records = vec![erp_customer("New", "Rome", "", 1)];
    match case.only_op() {
        PlannedOp::Skip { reason, .. } => assert_eq!(
            reason,
            "not coupled; couple it or run a full synchronization"
        ),
        other => panic!("expected a skip, got {other:?}"),
    }
}

#[test]
fn an_uncoupled_record_with_no_match_is_created_with_the_template_and_a_stable_id() {
    let user = Uuid::new_v4();
    let mut case = Case::new(customer(), Direction::ToCrm);
    case.lookups = salesperson_lookups(user);
    case.options.create = true;
    let erp = erp_customer("Fabrikam", "Rome", "MH", 1);
    case.records = vec![erp.clone()];
    case.candidates = vec![crm_account("Contoso", "Rome", None, 0)];
    match case.only_op() {
        PlannedOp::Create {
            new_id,
            fields,
            coupling,
            replaces,
            ..
        } => {
            assert_eq!(new_id, create_id(CUSTOMER, Side::Crm, erp.id, None));
            assert_eq!(fields["name"], json!("Fabrikam"));
            assert_eq!(fields["address1_city"], json!("Rome"));
            assert_eq!(fields["customertypecode"], json!(3));
            assert_eq!(fields["ownerid"], json!(user.to_string()));
            assert_eq!(
                fields["address1_line1"],
                Value::Null,
                "empty text is null in Dataverse"
            );
            assert_eq!((coupling.erp_id, coupling.crm_id), (erp.id, new_id));
            assert_eq!(coupling.erp_modified_on, Some(erp.modified_on));
            assert_eq!(coupling.crm_modified_on, None);
            assert!(replaces.is_none());
        }
        other => panic!("expected a create, got {other:?}"),
    }
    assert_eq!(case.plan(), case.plan(), "planning is deterministic");
}

#[test]
fn one_uncoupled_candidate_with_the_same_name_is_coupled_then_updated() {
    let user = Uuid::new_v4();
    let mut case = Case::new(customer(), Direction::ToCrm);
    case.lookups = salesperson_lookups(user);
    case.options.create = true;
    let erp = erp_customer("Fabrikam", "Rome", "MH", 1);
    let candidate = crm_account("FABRIKAM ", "Milan", Some(user), 0);
    case.records = vec![erp.clone()];
    case.candidates = vec![crm_account("Contoso", "Rome", None, 0), candidate.clone()];
    match case.only_op() {
        PlannedOp::Couple {
            destination,
            changes,
            coupling,
            ..
        } => {
            assert_eq!(destination.id, candidate.id);
            let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
            assert_eq!(fields, vec!["address1_city", "name"]);
            assert_eq!((coupling.erp_id, coupling.crm_id), (erp.id, candidate.id));
            assert_eq!(coupling.crm_modified_on, Some(candidate.modified_on));
        }
        other => panic!("expected a couple, got {other:?}"),
    }
}

#[test]
fn two_equal_candidates_are_ambiguous_and_fail_instead_of_creating_a_third() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    case.lookups = salesperson_lookups(Uuid::new_v4());
    case.options.create = true;
    case.records = vec![erp_customer("Fabrikam", "Rome", "", 1)];
    case.candidates = vec![
        crm_account("Fabrikam", "Rome", None, 0),
        crm_account("fabrikam", "Milan", None, 0),
    ];
    match case.only_op() {
        PlannedOp::Fail { message, fix, .. } => {
            assert!(
                message.starts_with("2 uncoupled Dataverse records match"),
                "{message}"
            );
            assert!(fix.contains("Couple it by hand"), "{fix}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn case_sensitive_matching_tells_apart_names_that_differ_only_by_case() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    case.lookups = salesperson_lookups(Uuid::new_v4());
    case.options.create = true;
    case.options.case_sensitive = true;
    case.records = vec![erp_customer("Fabrikam", "Rome", "", 1)];
    let exact = crm_account(" Fabrikam", "Rome", None, 0);
    case.candidates = vec![crm_account("fabrikam", "Milan", None, 0), exact.clone()];
    match case.only_op() {
        PlannedOp::Couple { destination, .. } => assert_eq!(destination.id, exact.id),
        other => panic!("expected a couple, got {other:?}"),
    }
}

#[test]
fn a_second_match_priority_narrows_several_candidates_to_one() {
    let mut mapping = customer();
    for f in &mut mapping.fields {
        if f.erp_field.as_deref() == Some("city") {
            f.match_priority = Some(2);
        }
    }
    let mut case = Case::new(mapping, Direction::ToCrm);
    case.lookups = salesperson_lookups(Uuid::new_v4());
    case.options.create = true;
    case.records = vec![erp_customer("Fabrikam", "Rome", "", 1)];
    let rome = crm_account("Fabrikam", "rome", None, 0);
    case.candidates = vec![crm_account("Fabrikam", "Milan", None, 0), rome.clone()];
    match case.only_op() {
        PlannedOp::Couple { destination, .. } => assert_eq!(destination.id, rome.id),
        other => panic!("expected a couple, got {other:?}"),
    }
}

#[test]
fn a_candidate_matched_once_in_a_page_is_not_coupled_twice() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    case.lookups = salesperson_lookups(Uuid::new_v4());
    case.options.create = true;
    case.records = vec![
        erp_customer("Fabrikam", "Rome", "", 1),
        erp_customer("Fabrikam", "Rome", "", 2),
    ];
    case.candidates = vec![crm_account("Fabrikam", "Rome", None, 0)];
    let plan = case.plan().expect("plannable");
    assert!(matches!(plan.ops[0], PlannedOp::Couple { .. }));
    assert!(matches!(plan.ops[1], PlannedOp::Create { .. }));
}

#[test]
fn a_salesperson_that_is_not_coupled_fails_the_record_and_says_what_to_couple() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    case.lookups = salesperson_lookups(Uuid::new_v4());
    case.options.create = true;
    let mut mapping_lookups = LookupTable::new(&salespeople());
    mapping_lookups.add_erp_record(Uuid::new_v4(), "MH");
    case.lookups.insert(SALESPEOPLE, mapping_lookups);
    case.records = vec![erp_customer("Fabrikam", "Rome", "MH", 1)];
    match case.only_op() {
        PlannedOp::Fail {
            message,
            fix,
            coupling,
            ..
        } => {
            assert_eq!(
                format!("{message} {fix}"),
                "Salesperson MH is not coupled to a Dataverse user. Couple salesperson MH in the SALESPEOPLE mapping (or run a full synchronization of SALESPEOPLE) and synchronize this customer again."
            );
            assert!(coupling.is_none());
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn a_salesperson_code_that_does_not_exist_is_named() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    case.lookups = salesperson_lookups(Uuid::new_v4());
    case.options.create = true;
    case.records = vec![erp_customer("Fabrikam", "Rome", "ZZ", 1)];
    match case.only_op() {
        PlannedOp::Fail { message, .. } => {
            assert_eq!(
                message,
                "Salesperson ZZ does not exist in Business Central."
            )
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn clear_on_failed_sync_writes_an_empty_reference_instead_of_failing() {
    let mut mapping = customer();
    for f in &mut mapping.fields {
        if f.crm_field.as_deref() == Some("ownerid") {
            f.clear_on_failed_sync = true;
            f.not_null = false;
        }
    }
    let mut case = Case::new(mapping, Direction::ToCrm);
    case.lookups = salesperson_lookups(Uuid::new_v4());
    case.options.create = true;
    case.records = vec![erp_customer("Fabrikam", "Rome", "JO", 1)];
    match case.only_op() {
        PlannedOp::Create { fields, .. } => assert_eq!(fields["ownerid"], Value::Null),
        other => panic!("expected a create, got {other:?}"),
    }
}

#[test]
fn an_empty_salesperson_leaves_the_owner_unwritten_because_of_not_null() {
    let user = Uuid::new_v4();
    let mut case = Case::new(customer(), Direction::ToCrm);
    case.options.create = true;
    case.lookups = salesperson_lookups(user);
    case.records = vec![erp_customer("Fabrikam", "Rome", "", 1)];
    match case.only_op() {
        PlannedOp::Create { fields, .. } => assert!(!fields.contains_key("ownerid")),
        other => panic!("expected a create, got {other:?}"),
    }
    // A coupled account keeps its owner when the salesperson is cleared.
    let mut case = Case::new(customer(), Direction::ToCrm);
    let (erp, crm) = coupled_pair(&mut case, user);
    case.records = vec![changed(erp, "salespersonCode", json!(""), 5)];
    case.destinations = vec![crm];
    assert!(matches!(
        case.only_op(),
        PlannedOp::Unchanged {
            reason: UnchangedReason::SameValues,
            ..
        }
    ));
}

fn account_schema(name_len: usize) -> EntitySchema {
    EntitySchema {
        entity: "account".into(),
        fields: vec![FieldSchema {
            name: "name".into(),
            kind: FieldKind::Text {
                max_len: Some(name_len),
            },
            required: true,
            read_only: false,
        }],
    }
}

#[test]
fn a_value_too_long_for_the_destination_fails_with_field_length_and_limit_and_is_never_truncated() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    case.options.create = true;
    case.schema = Some(account_schema(10));
    case.lookups = salesperson_lookups(Uuid::new_v4());
    case.records = vec![erp_customer("Fabrikam International", "Rome", "", 1)];
    match case.only_op() {
        PlannedOp::Fail { message, fix, .. } => {
            assert_eq!(
                message,
                "The value for name in Dataverse account is 22 characters long, but the field holds at most 10: \"Fabrikam International\"."
            );
            assert!(fix.contains("displayName"), "{fix}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    case.schema = Some(account_schema(22));
    assert!(matches!(case.only_op(), PlannedOp::Create { .. }));
}

#[test]
fn a_deleted_counterpart_fails_uncouples_or_is_restored_by_the_deletion_rule() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    let (erp, _crm) = coupled_pair(&mut case, Uuid::new_v4());
    case.records = vec![changed(erp.clone(), "city", json!("Lyon"), 5)];
    match case.only_op() {
        PlannedOp::Fail { message, .. } => assert!(message.contains("was deleted"), "{message}"),
        other => panic!("expected a failure, got {other:?}"),
    }
    case.mapping.deletion_conflict = DeletionRule::RemoveCoupling;
    assert!(matches!(case.only_op(), PlannedOp::Uncouple { .. }));
    case.mapping.deletion_conflict = DeletionRule::RestoreRecord;
    match case.only_op() {
        PlannedOp::Create {
            new_id, replaces, ..
        } => {
            let old = replaces.expect("replaces the stale coupling");
            assert_ne!(new_id, old.crm_id);
            assert_eq!(old.erp_id, erp.id);
        }
        other => panic!("expected a create, got {other:?}"),
    }
}

#[test]
fn new_salespeople_are_numbered_after_the_highest_existing_code() {
    let mut case = Case::new(salespeople(), Direction::FromCrm);
    case.options.create = true;
    case.keys = vec!["MH".into(), "SP NO. 00002".into()];
    case.records = vec![
        record(
            json!({"fullname": "Ann", "internalemailaddress": "ann@x.test", "mobilephone": null}),
            1,
        ),
        record(
            json!({"fullname": "Bob", "internalemailaddress": "bob@x.test", "mobilephone": null}),
            1,
        ),
    ];
    let plan = case.plan().expect("plannable");
    let codes: Vec<Value> = plan
        .ops
        .iter()
        .map(|op| match op {
            PlannedOp::Create { fields, .. } => fields["code"].clone(),
            other => panic!("expected a create, got {other:?}"),
        })
        .collect();
    assert_eq!(codes, vec![json!("SP NO. 00003"), json!("SP NO. 00004")]);
    if let PlannedOp::Create { fields, .. } = &plan.ops[0] {
        assert_eq!(
            fields["phoneNo"],
            json!(""),
            "empty text is \"\" in Business Central"
        );
    }
}

#[test]
fn forcing_writes_an_unmodified_record_whose_destination_differs() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    let (erp, crm) = coupled_pair(&mut case, Uuid::new_v4());
    case.records = vec![erp];
    case.destinations = vec![changed(crm, "address1_city", json!("Nice"), 8)];
    assert!(matches!(case.only_op(), PlannedOp::Unchanged { .. }));
    case.options.force = true;
    match case.only_op() {
        PlannedOp::Update { changes, .. } => assert_eq!(changes[0].new, json!("Paris")),
        other => panic!("expected an update, got {other:?}"),
    }
}

#[test]
fn a_failed_coupling_is_retried_even_when_nothing_changed_and_a_skipped_one_is_left_alone() {
    let mut case = Case::new(customer(), Direction::ToCrm);
    let (erp, crm) = coupled_pair(&mut case, Uuid::new_v4());
    case.couplings[0].last_failed = true;
    case.records = vec![erp];
    case.destinations = vec![changed(crm, "address1_city", json!("Nice"), 0)];
    assert!(matches!(case.only_op(), PlannedOp::Update { .. }));
    case.couplings[0].skipped = true;
    assert!(matches!(case.only_op(), PlannedOp::Skip { .. }));
}

#[test]
fn a_pass_the_mapping_does_not_allow_is_refused() {
    let case = Case::new(salespeople(), Direction::ToCrm);
    assert!(matches!(
        case.plan(),
        Err(PlanError::DirectionNotAllowed { .. })
    ));
    let case = Case::new(customer(), Direction::Bidirectional);
    assert!(matches!(case.plan(), Err(PlanError::NotOneWay(_))));
    let mut mapping = customer();
    mapping.fields = vec![FieldMapping::copy("a", "b", Direction::FromCrm)];
    let case = Case::new(mapping, Direction::ToCrm);
    assert!(matches!(
        case.plan(),
        Err(PlanError::NoFieldMappings { .. })
    ));
}

#[test]
fn a_change_within_the_same_second_as_our_last_sync_is_seen_through_the_etag() {
    // Dataverse's modified-on has second precision: a person's edit in the same second as
    // our write carries the same timestamp, and only the ETag tells it apart.
    let mut case = Case::new(customer(), Direction::FromCrm);
    let (erp, crm) = coupled_pair(&mut case, Uuid::new_v4());
    let mut edited = crm.clone();
    edited
        .fields
        .insert("name".to_owned(), json!("Adatum Renamed"));
    edited.etag = Some("W/\"999\"".to_owned());
    assert_eq!(edited.modified_on, crm.modified_on, "same second");
    case.records = vec![edited];
    case.destinations = vec![erp];
    match case.only_op() {
        PlannedOp::Update { changes, .. } => {
            assert!(
                changes.iter().any(|c| c.field == "displayName"),
                "{changes:?}"
            );
        }
        other => panic!("expected an update, got {other:?}"),
    }
}
