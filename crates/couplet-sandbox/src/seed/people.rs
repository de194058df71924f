//! Users of both services: the apps' application users, people in Dataverse, and salespeople.

use serde_json::json;
use uuid::Uuid;

use super::Builder;
use crate::crm::BUSINESS_UNIT_ID;
use crate::crm::schema::{BUSINESSUNITS, SYSTEMUSERS};
use crate::erp::schema::SALESPEOPLE;
use crate::identity::{APPS, App, INTEGRATION_APP};
use crate::ids::named_guid;

fn app_user(b: &mut Builder, app: &App, first: &str, last: &str) {
    b.crm(
        &SYSTEMUSERS,
        app.crm_user,
        app.crm_user,
        json!({
            "firstname": first,
            "lastname": last,
            "internalemailaddress": format!("{}@sandbox.couplet.invalid", app.client_id),
            "domainname": format!("{}@sandbox.couplet.invalid", app.client_id),
            "isdisabled": false,
            "islicensed": false,
            "isintegrationuser": false,
            "accessmode": 4,
            "applicationid": app.client_id,
            "azureactivedirectoryobjectid": app.object_id.to_string(),
        }),
    );
}

/// The root business unit every user belongs to, and the apps' application users.
pub(super) fn app_users(b: &mut Builder) {
    b.crm(
        &BUSINESSUNITS,
        BUSINESS_UNIT_ID,
        INTEGRATION_APP.crm_user,
        json!({"name": "CRONUS USA", "isdisabled": false}),
    );
    for app in APPS {
        if app == INTEGRATION_APP {
            app_user(b, &app, "#", "Couplet Integration");
        } else {
            app_user(b, &app, "#", "Couplet Editor");
        }
    }
}

/// A human Dataverse user.
pub(super) fn human(
    b: &mut Builder,
    first: &str,
    last: &str,
    email: &str,
    licensed: bool,
    disabled: bool,
) -> Uuid {
    let id = named_guid("crm.systemuser", email);
    b.crm(
        &SYSTEMUSERS,
        id,
        id,
        json!({
            "firstname": first,
            "lastname": last,
            "internalemailaddress": email,
            "domainname": email,
            "mobilephone": "",
            "isdisabled": disabled,
            "islicensed": licensed,
            "isintegrationuser": false,
            "accessmode": 0,
            "azureactivedirectoryobjectid": named_guid("entra.user", email).to_string(),
        }),
    );
    id
}

pub(super) const SALESPEOPLE_DEMO: &[(&str, &str, &str, &str)] = &[
    ("AH", "Annette", "Hill", "Sales Manager"),
    ("BC", "Benjamin", "Chiu", "Account Manager"),
    ("JO", "Jim", "Olive", "Account Manager"),
    ("PS", "Peter", "Saddow", "Sales Representative"),
    ("RL", "Richard", "Lum", "Sales Representative"),
];

pub(super) fn email(first: &str, last: &str) -> String {
    format!(
        "{}.{}@cronus-demo.com",
        first.to_lowercase(),
        last.to_lowercase()
    )
}

pub(super) fn salesperson(
    b: &mut Builder,
    code: &str,
    first: &str,
    last: &str,
    title: &str,
    i: usize,
) {
    b.bc(
        &SALESPEOPLE,
        named_guid("bc.salesperson", code),
        json!({
            "code": code,
            "displayName": format!("{first} {last}"),
            "email": email(first, last),
            "phoneNo": format!("+1 425 555 01{:02}", 10 + i),
            "jobTitle": title,
            "commisionPercent": 2.5,
        }),
    );
}
