//! Behaviour of `$filter` parsing and evaluation as the emulated services expose it.

use serde_json::{Map, Value, json};

use super::*;

fn row(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("test rows are objects, got {other}"),
    }
}

fn bc(src: &str) -> Expr {
    parse_filter(src, Dialect::BusinessCentral)
        .unwrap_or_else(|e| panic!("BC filter {src:?} should parse: {e}"))
}

fn dv(src: &str) -> Expr {
    parse_filter(src, Dialect::Dataverse)
        .unwrap_or_else(|e| panic!("Dataverse filter {src:?} should parse: {e}"))
}

fn bc_error(src: &str) -> String {
    parse_filter(src, Dialect::BusinessCentral)
        .map(|expr| panic!("BC filter {src:?} should fail, parsed {expr:?}"))
        .unwrap_or_else(|e| e.message)
}

fn dv_error(src: &str) -> String {
    parse_filter(src, Dialect::Dataverse)
        .map(|expr| panic!("Dataverse filter {src:?} should fail, parsed {expr:?}"))
        .unwrap_or_else(|e| e.message)
}

fn dv_matches(src: &str, value: Value) -> bool {
    dv(src).matches(&row(value))
}

// ---- precedence, not, parentheses ----

#[test]
fn and_binds_tighter_than_or() {
    let expr = dv("a eq 1 or b eq 2 and c eq 3");
    assert!(expr.matches(&row(json!({"a": 1, "b": 0, "c": 0}))));
    assert!(expr.matches(&row(json!({"a": 0, "b": 2, "c": 3}))));
    assert!(!expr.matches(&row(json!({"a": 0, "b": 2, "c": 0}))));
    assert!(matches!(expr, Expr::Or(ref items) if items.len() == 2));
}

#[test]
fn parentheses_override_precedence() {
    let expr = dv("(a eq 1 or b eq 2) and c eq 3");
    assert!(!expr.matches(&row(json!({"a": 1, "b": 0, "c": 0}))));
    assert!(expr.matches(&row(json!({"a": 1, "b": 0, "c": 3}))));
}

#[test]
fn not_negates_the_comparison_that_follows() {
    let expr = dv("not a eq 1 and b eq 2");
    assert!(expr.matches(&row(json!({"a": 5, "b": 2}))));
    assert!(!expr.matches(&row(json!({"a": 1, "b": 2}))));
    assert!(dv_matches("not (a eq 1 or a eq 2)", json!({"a": 3})));
    assert!(!dv_matches("not (a eq 1 or a eq 2)", json!({"a": 2})));
    assert!(dv_matches("not not a eq 1", json!({"a": 1})));
}

#[test]
fn long_and_chains_stay_flat() {
    let src = vec!["a eq 1"; 500].join(" and ");
    let expr = dv(&src);
    assert!(matches!(expr, Expr::And(ref items) if items.len() == 500));
    assert!(expr.matches(&row(json!({"a": 1}))));
}

#[test]
fn keywords_are_accepted_in_any_case() {
    assert!(dv_matches(
        "a EQ 1 AND NOT b Eq TRUE Or c eq Null",
        json!({"a": 1, "b": false})
    ));
    assert!(dv_matches("a In (1, 2)", json!({"a": 2})));
}

#[test]
fn bare_boolean_field_is_a_condition() {
    assert!(dv_matches("blocked", json!({"blocked": true})));
    assert!(!dv_matches("blocked", json!({"blocked": false})));
    assert!(dv_matches("not blocked", json!({"blocked": false})));
}

// ---- literals ----

#[test]
fn integer_and_decimal_literals_compare_numerically() {
    assert!(dv_matches("amount gt 9", json!({"amount": 10})));
    assert!(dv_matches("amount eq 1.5", json!({"amount": 1.5})));
    assert!(dv_matches("amount lt -3", json!({"amount": -4})));
    assert!(dv_matches("amount eq 1e3", json!({"amount": 1000})));
    assert!(dv_matches("amount ge 2.5E-1", json!({"amount": 0.25})));
    assert!(!dv_matches("amount gt 9", json!({"amount": "10"})));
}

#[test]
fn boolean_literals_compare_with_boolean_fields() {
    assert!(dv_matches("blocked eq false", json!({"blocked": false})));
    assert!(!dv_matches("blocked eq true", json!({"blocked": false})));
}

#[test]
fn doubled_quote_in_a_string_literal_is_one_quote() {
    assert!(dv_matches("name eq 'O''Brien'", json!({"name": "O'Brien"})));
    assert!(!dv_matches(
        "name eq 'O''Brien'",
        json!({"name": "O''Brien"})
    ));
    assert!(dv_matches("name eq ''''", json!({"name": "'"})));
    assert!(dv_matches("name eq ''", json!({"name": ""})));
}

#[test]
fn string_literal_keeps_spaces_and_keywords_inside() {
    assert!(dv_matches(
        "name eq 'a and b or c'",
        json!({"name": "A AND B OR C"})
    ));
}

#[test]
fn enum_literal_with_type_prefix_compares_as_its_member_text() {
    assert!(dv_matches(
        "status eq Microsoft.NAV.salesOrderStatus'Open'",
        json!({"status": "Open"})
    ));
}

#[test]
fn unquoted_guid_matches_lookup_value_case_insensitively() {
    let expr = dv("_parentcustomerid_value eq 7EB682F1-CA75-E511-80D4-00155D2A68D1");
    assert!(expr.matches(&row(json!({
        "_parentcustomerid_value": "7eb682f1-ca75-e511-80d4-00155d2a68d1"
    }))));
    assert!(!expr.matches(&row(json!({
        "_parentcustomerid_value": "00000000-ca75-e511-80d4-00155d2a68d1"
    }))));
    assert!(!expr.matches(&row(json!({"_parentcustomerid_value": null}))));
    assert_eq!(expr.fields(), vec!["_parentcustomerid_value"]);
}

#[test]
fn guid_starting_with_digits_is_not_read_as_a_date_or_number() {
    assert!(dv_matches(
        "id eq 12345678-1234-1234-1234-123456789abc",
        json!({"id": "12345678-1234-1234-1234-123456789ABC"})
    ));
}

#[test]
fn quoted_guid_compares_as_text() {
    assert!(dv_matches(
        "id eq '6CB4E290-0C8A-4D9E-9B8D-2A6C8F1E0D11'",
        json!({"id": "6cb4e290-0c8a-4d9e-9b8d-2a6c8f1e0d11"})
    ));
}

#[test]
fn guid_literal_against_a_non_guid_value_is_a_type_mismatch() {
    let guid = "6cb4e290-0c8a-4d9e-9b8d-2a6c8f1e0d11";
    assert!(!dv_matches(&format!("id eq {guid}"), json!({"id": "abc"})));
    assert!(dv_matches(&format!("id ne {guid}"), json!({"id": "abc"})));
    assert!(!dv_matches(&format!("id eq {guid}"), json!({"id": 7})));
}

#[test]
fn date_literal_compares_with_date_strings() {
    let expr = bc("orderDate ge 2019-05-01");
    assert!(expr.matches(&row(json!({"orderDate": "2019-05-01"}))));
    assert!(expr.matches(&row(json!({"orderDate": "2019-12-31"}))));
    assert!(!expr.matches(&row(json!({"orderDate": "2019-04-30"}))));
    assert!(bc("orderDate eq 2019-05-01").matches(&row(json!({"orderDate": "2019-05-01"}))));
}

#[test]
fn date_literal_against_a_datetime_field_means_midnight_utc() {
    let expr = dv("modifiedon ge 2024-01-01");
    assert!(expr.matches(&row(json!({"modifiedon": "2024-01-01T00:00:00Z"}))));
    assert!(!expr.matches(&row(json!({"modifiedon": "2023-12-31T23:59:59Z"}))));
}

#[test]
fn invalid_calendar_date_is_a_syntax_error() {
    assert!(dv_error("d eq 2019-13-45").contains("2019-13-45"));
}

#[test]
fn datetime_literals_compare_by_instant_not_text() {
    let expr = dv("modifiedon eq 2020-01-01T00:00:00Z");
    assert!(expr.matches(&row(json!({"modifiedon": "2020-01-01T00:00:00.000Z"}))));
    assert!(expr.matches(&row(json!({"modifiedon": "2020-01-01T01:00:00+01:00"}))));
    assert!(!expr.matches(&row(json!({"modifiedon": "2020-01-01T00:00:01Z"}))));
}

#[test]
fn datetime_with_milliseconds_and_z_is_accepted() {
    let expr = bc("lastModifiedDateTime gt 2019-08-18T20:05:51.603Z");
    assert!(expr.matches(&row(
        json!({"lastModifiedDateTime": "2019-08-18T20:05:51.604Z"})
    )));
    assert!(!expr.matches(&row(
        json!({"lastModifiedDateTime": "2019-08-18T20:05:51.603Z"})
    )));
}

#[test]
fn datetime_with_positive_offset_is_converted_to_its_instant() {
    let expr = dv("modifiedon ge 2020-01-01T10:00:00+01:00");
    assert!(expr.matches(&row(json!({"modifiedon": "2020-01-01T09:00:00Z"}))));
    assert!(!expr.matches(&row(json!({"modifiedon": "2020-01-01T08:59:59Z"}))));
}

#[test]
fn datetime_with_negative_offset_is_converted_to_its_instant() {
    let expr = dv("modifiedon lt 2020-01-01T10:00:00-05:00");
    assert!(expr.matches(&row(json!({"modifiedon": "2020-01-01T14:59:59Z"}))));
    assert!(!expr.matches(&row(json!({"modifiedon": "2020-01-01T15:00:00Z"}))));
}

#[test]
fn datetime_offset_whose_plus_became_a_space_still_parses() {
    let expr = dv("modifiedon eq 2020-01-01T10:00:00 01:00 and statecode eq 0");
    assert!(expr.matches(&row(
        json!({"modifiedon": "2020-01-01T09:00:00Z", "statecode": 0})
    )));
    assert!(!expr.matches(&row(
        json!({"modifiedon": "2020-01-01T10:00:00Z", "statecode": 0})
    )));
}

#[test]
fn datetime_literal_against_unparseable_text_is_a_mismatch() {
    assert!(!dv_matches(
        "modifiedon gt 2020-01-01T00:00:00Z",
        json!({"modifiedon": "soon"})
    ));
    assert!(dv_matches(
        "modifiedon ne 2020-01-01T00:00:00Z",
        json!({"modifiedon": "soon"})
    ));
}

// ---- null semantics ----

#[test]
fn eq_null_matches_null_and_missing_fields() {
    let expr = dv("_parentaccountid_value eq null");
    assert!(expr.matches(&row(json!({"_parentaccountid_value": null}))));
    assert!(expr.matches(&row(json!({}))));
    assert!(!expr.matches(&row(json!({"_parentaccountid_value": "x"}))));
}

#[test]
fn ne_null_matches_only_present_values() {
    let expr = dv("_parentcustomerid_value ne null");
    assert!(expr.matches(&row(json!({"_parentcustomerid_value": "x"}))));
    assert!(!expr.matches(&row(json!({"_parentcustomerid_value": null}))));
    assert!(!expr.matches(&row(json!({}))));
}

#[test]
fn ordering_comparisons_with_null_are_never_true() {
    for op in ["gt", "ge", "lt", "le"] {
        assert!(
            !dv_matches(&format!("a {op} 1"), json!({"a": null})),
            "{op}"
        );
        assert!(
            !dv_matches(&format!("a {op} null"), json!({"a": 1})),
            "{op}"
        );
        assert!(
            !dv_matches(&format!("a {op} null"), json!({"a": null})),
            "{op}"
        );
    }
    assert!(!dv_matches("a eq 1", json!({})));
    assert!(dv_matches("a ne 1", json!({})));
}

#[test]
fn not_of_an_unknown_function_result_excludes_the_row() {
    assert!(!dv_matches("not contains(name,'a')", json!({"name": null})));
    assert!(dv_matches("not contains(name,'a')", json!({"name": "xyz"})));
}

#[test]
fn type_mismatch_makes_eq_false_and_ne_true() {
    assert!(!dv_matches("a eq 'x'", json!({"a": 1})));
    assert!(dv_matches("a ne 'x'", json!({"a": 1})));
    assert!(!dv_matches("a gt 'x'", json!({"a": 1})));
    assert!(!dv_matches("a eq true", json!({"a": "true"})));
}

// ---- text ----

#[test]
fn string_comparison_is_case_insensitive() {
    assert!(dv_matches("name eq 'contoso'", json!({"name": "CONTOSO"})));
    assert!(bc("displayName eq 'ADATUM'").matches(&row(json!({"displayName": "Adatum"}))));
    assert!(dv_matches("name lt 'b'", json!({"name": "Apple"})));
    assert!(dv_matches("name gt 'B'", json!({"name": "cherry"})));
    assert!(dv_matches("name eq 'ÉCOLE'", json!({"name": "école"})));
}

#[test]
fn column_to_column_comparison_is_allowed() {
    assert!(dv_matches(
        "firstname eq lastname",
        json!({"firstname": "Ann", "lastname": "ann"})
    ));
    assert!(!dv_matches(
        "firstname eq lastname",
        json!({"firstname": "Ann", "lastname": "Bo"})
    ));
}

// ---- in ----

#[test]
fn in_matches_any_listed_value() {
    let expr = dv("statecode in (0, 1)");
    assert!(expr.matches(&row(json!({"statecode": 1}))));
    assert!(!expr.matches(&row(json!({"statecode": 2}))));
    assert!(dv_matches("name in ('a','B')", json!({"name": "b"})));
    assert!(dv_matches("x in (null)", json!({})));
}

#[test]
fn in_requires_a_parenthesised_literal_list() {
    assert!(dv_error("a in 1").contains("position 5"));
    assert!(dv_error("a in (b)").contains("'b'"));
    assert!(dv_error("a in (1 2)").contains("position 8"));
    assert!(dv_error("a in ()").contains("position 6"));
}

// ---- functions ----

#[test]
fn contains_startswith_endswith_are_case_insensitive() {
    let value = json!({"name": "Fabrikam Inc"});
    assert!(dv_matches("contains(name,'RIKA')", value.clone()));
    assert!(dv_matches("startswith(name,'fab')", value.clone()));
    assert!(dv_matches("endswith(name,'INC')", value.clone()));
    assert!(!dv_matches("startswith(name,'inc')", value.clone()));
    assert!(dv_matches("contains(name,'rika') eq true", value));
}

#[test]
fn tolower_and_toupper_are_usable_as_operands() {
    let value = json!({"name": "Fabrikam"});
    assert!(dv_matches("tolower(name) eq 'fabrikam'", value.clone()));
    assert!(dv_matches("toupper(name) eq 'FABRIKAM'", value.clone()));
    assert!(dv_matches("contains(tolower(name),'brik')", value.clone()));
    assert!(dv_matches("'fabrikam' eq tolower(name)", value));
}

#[test]
fn length_trim_indexof_substring_concat_follow_odata() {
    let value = json!({"name": "  Contoso  "});
    assert!(dv_matches("length(trim(name)) eq 7", value.clone()));
    assert!(dv_matches("indexof(name,'TOSO') eq 5", value.clone()));
    assert!(dv_matches("indexof(name,'zzz') eq -1", value.clone()));
    assert!(dv_matches(
        "substring(trim(name),3) eq 'toso'",
        value.clone()
    ));
    assert!(dv_matches(
        "substring(trim(name),0,3) eq 'con'",
        value.clone()
    ));
    assert!(dv_matches("concat(trim(name),'!') eq 'contoso!'", value));
}

#[test]
fn function_names_are_case_insensitive() {
    assert!(dv_matches("Contains(name,'a')", json!({"name": "abc"})));
}

#[test]
fn unknown_function_is_refused_by_name() {
    let message = dv_error("frobnicate(name) eq 1");
    assert!(message.contains("'frobnicate'"), "{message}");
    let message = bc_error("Microsoft.Dynamics.CRM.In(PropertyName='a',PropertyValues=['1'])");
    assert!(message.contains("Microsoft.Dynamics.CRM.In"), "{message}");
}

#[test]
fn wrong_argument_count_is_refused() {
    let message = dv_error("contains(name)");
    assert!(
        message.contains("contains") && message.contains('2'),
        "{message}"
    );
    assert!(dv_error("tolower(a,b) eq 'x'").contains("tolower"));
}

// ---- navigation paths ----

#[test]
fn navigation_path_reads_nested_objects_and_is_null_when_absent() {
    let expr = dv("primarycontactid/fullname eq 'Ann Lee'");
    assert!(expr.matches(&row(json!({"primarycontactid": {"fullname": "ann lee"}}))));
    assert!(!expr.matches(&row(json!({"primarycontactid": null}))));
    assert!(dv("primarycontactid/fullname eq null").matches(&row(json!({}))));
    assert_eq!(expr.fields(), vec!["primarycontactid/fullname"]);
}

#[test]
fn fields_lists_each_referenced_field_once_in_order() {
    let expr = dv("a eq 1 and (contains(b,'x') or a eq c) and d in (1) and 5 eq 5");
    assert_eq!(expr.fields(), vec!["a", "b", "c", "d"]);
}

// ---- Business Central `or` rule ----

#[test]
fn business_central_refuses_or_across_distinct_fields() {
    assert_eq!(
        bc_error("displayName eq 'a' or number eq '10000'"),
        "The 'OR' operator is not supported on distinct fields on an OData filter."
    );
    assert_eq!(
        bc_error("a eq 1 and (b eq 1 or c eq 2)"),
        BC_OR_DISTINCT_FIELDS
    );
    assert_eq!(
        bc_error("a eq 1 or (a eq 2 and b eq 3)"),
        BC_OR_DISTINCT_FIELDS
    );
}

#[test]
fn business_central_allows_or_on_the_same_field() {
    let expr = bc("a eq 1 or a eq 2");
    assert!(expr.matches(&row(json!({"a": 2}))));
    assert!(!expr.matches(&row(json!({"a": 3}))));
    bc("(number eq '1' or number eq '2') and blocked eq false");
    bc("contains(displayName,'a') or startswith(displayName,'b')");
}

#[test]
fn dataverse_allows_or_across_distinct_fields() {
    let expr = dv("name eq 'a' or accountnumber eq 'A1'");
    assert!(expr.matches(&row(json!({"name": "x", "accountnumber": "a1"}))));
}

// ---- syntax errors ----

#[test]
fn business_central_reports_missing_operand_position() {
    assert_eq!(
        bc_error("displayName eq"),
        "Expression expected at position 14."
    );
    assert_eq!(
        bc_error("a eq 1 and"),
        "Expression expected at position 10."
    );
    assert_eq!(bc_error("eq 1"), "Expression expected at position 0.");
    assert_eq!(bc_error(""), "Expression expected at position 0.");
    assert_eq!(
        bc_error("(a eq 1) or ()"),
        "Expression expected at position 13."
    );
}

#[test]
fn business_central_positions_count_characters_not_bytes() {
    assert_eq!(
        bc_error("n eq 'é' and"),
        "Expression expected at position 12."
    );
}

#[test]
fn dataverse_syntax_error_names_position_and_token() {
    let message = dv_error("name eq 'a' xyz");
    assert!(message.contains("position 12"), "{message}");
    assert!(message.contains("'xyz'"), "{message}");
    let message = dv_error("name eq and");
    assert!(
        message.contains("position 8") && message.contains("'and'"),
        "{message}"
    );
    let message = dv_error("name eq");
    assert!(
        message.contains("position 7") && message.contains("end"),
        "{message}"
    );
}

#[test]
fn unclosed_parenthesis_is_reported_where_the_close_was_expected() {
    assert_eq!(
        bc_error("(a eq 1"),
        "')' or operator expected at position 7."
    );
    assert!(dv_error("(a eq 1").contains("position 7"));
}

#[test]
fn unterminated_string_is_reported_at_its_opening_quote() {
    assert_eq!(
        bc_error("name eq 'abc"),
        "There is an unterminated string literal at position 8."
    );
}

#[test]
fn invalid_character_is_named() {
    let message = bc_error("a eq 1 & b eq 2");
    assert!(
        message.contains("'&'") && message.contains("position 7"),
        "{message}"
    );
    assert!(dv_error("a eq #").contains("'#'"));
    assert!(dv_error("a eq @p1").contains("'@'"));
}

#[test]
fn chained_comparison_is_refused() {
    assert!(dv_error("a eq 1 eq 2").contains("position 7"));
}

#[test]
fn malformed_number_is_refused() {
    assert!(dv_error("a eq 12abc").contains("12abc"));
}

// ---- bounds ----

#[test]
fn nesting_deeper_than_the_limit_is_refused_without_overflowing_the_stack() {
    let deep = format!("{}a eq 1{}", "(".repeat(10_000), ")".repeat(10_000));
    let message = dv_error(&deep);
    assert!(message.contains("nested too deeply"), "{message}");
    let nots = format!("{}a eq 1", "not ".repeat(10_000));
    assert!(dv_error(&nots).contains("nested too deeply"));
    let calls = format!("{}name{}", "tolower(".repeat(1_000), ")".repeat(1_000));
    assert!(dv_error(&calls).contains("nested too deeply"));
}

#[test]
fn nesting_up_to_the_limit_is_accepted() {
    let src = format!(
        "{}a eq 1{}",
        "(".repeat(MAX_FILTER_DEPTH),
        ")".repeat(MAX_FILTER_DEPTH)
    );
    assert!(dv(&src).matches(&row(json!({"a": 1}))));
}

#[test]
fn filter_longer_than_64_kib_is_refused() {
    let src = format!("name eq '{}'", "x".repeat(MAX_FILTER_LEN));
    let message = dv_error(&src);
    assert!(message.contains("too long"), "{message}");
    let fits = format!("name eq '{}'", "x".repeat(MAX_FILTER_LEN - 20));
    dv(&fits);
}

// ---- filters the connectors send ----

#[test]
fn dataverse_polling_filter_excludes_our_own_changes_after_the_watermark() {
    let us = "11111111-2222-3333-4444-555555555555";
    let expr = dv(&format!(
        "modifiedon ge 2024-03-01T12:00:00Z and _modifiedby_value ne {us}"
    ));
    let human = json!({"modifiedon": "2024-03-01T12:00:00Z", "_modifiedby_value": "aaaaaaaa-2222-3333-4444-555555555555"});
    let ours =
        json!({"modifiedon": "2024-03-02T08:00:00Z", "_modifiedby_value": us.to_uppercase()});
    let older = json!({"modifiedon": "2024-03-01T11:59:59Z", "_modifiedby_value": "aaaaaaaa-2222-3333-4444-555555555555"});
    assert!(expr.matches(&row(human)));
    assert!(!expr.matches(&row(ours)));
    assert!(!expr.matches(&row(older)));
}

#[test]
fn dataverse_default_account_filter_selects_active_customers() {
    let expr = dv("customertypecode eq 3 and statecode eq 0");
    assert!(expr.matches(&row(json!({"customertypecode": 3, "statecode": 0}))));
    assert!(!expr.matches(&row(json!({"customertypecode": 3, "statecode": 1}))));
    assert!(!expr.matches(&row(json!({"customertypecode": null, "statecode": 0}))));
}

#[test]
fn business_central_change_poll_filter_uses_unquoted_datetime() {
    let expr = bc("lastModifiedDateTime gt 2024-03-01T12:00:00.123Z");
    assert!(expr.matches(&row(
        json!({"lastModifiedDateTime": "2024-03-01T12:00:00.124Z"})
    )));
    assert!(!expr.matches(&row(
        json!({"lastModifiedDateTime": "2024-03-01T12:00:00.123Z"})
    )));
}

#[test]
fn every_truncation_of_a_rich_filter_parses_or_fails_cleanly() {
    let src = "not (contains(tolower(name),'o''b') or name in ('a', 'é')) and \
               modifiedon ge 2020-01-01T10:00:00.5 01:00 and id ne 6cb4e290-0c8a-4d9e-9b8d-2a6c8f1e0d11 \
               and amount le -1.5e3 and p/q eq null and d lt 2019-05-01 and substring(x,1,2) eq 'y'";
    dv(src);
    let record = row(json!({"name": "x", "amount": 1, "p": {"q": 1}}));
    for (end, _) in src.char_indices() {
        for dialect in [Dialect::BusinessCentral, Dialect::Dataverse] {
            match parse_filter(&src[..end], dialect) {
                Ok(expr) => {
                    expr.matches(&record);
                }
                Err(error) => assert!(!error.message.is_empty()),
            }
        }
    }
}
