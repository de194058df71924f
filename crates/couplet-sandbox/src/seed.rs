//! Initial data: CRONUS-style demo data, generated bulk records, or an empty company.
//! Everything is deterministic: ids derive from names and times from a fixed base.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::Seed;
use crate::clock::{bc_time, crm_time};
use crate::crm::BUSINESS_UNIT_ID;
use crate::crm::schema::{ACCOUNTS, SYSTEMUSERS, Table, full_name};
use crate::erp::schema::{COMPANIES, CUSTOMERS, EntitySet, SALESPEOPLE};
use crate::fields::Fields;
use crate::identity::{APPS, App, INTEGRATION_APP};
use crate::ids::named_guid;
#[cfg(test)]
use crate::store::TableId;
use crate::store::{Row, Store};

/// Name of the BC company.
pub(crate) const COMPANY_NAME: &str = "CRONUS USA, Inc.";

/// Id of the BC company.
pub(crate) fn company_id() -> Uuid {
    named_guid("bc.company", COMPANY_NAME)
}

/// BC user that "made" the demo data.
fn bc_admin() -> Uuid {
    named_guid("bc.user", "ADMIN")
}

/// When the seeded data was (notionally) written; the clock starts after it.
pub(crate) fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 15, 9, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

/// Adds rows with increasing times and versions.
struct Builder {
    store: Store,
    time: DateTime<Utc>,
}

impl Builder {
    fn tick(&mut self) -> (DateTime<Utc>, u64) {
        self.time += Duration::milliseconds(1_237);
        (self.time, self.store.next_version())
    }

    fn bc(&mut self, set: &EntitySet, id: Uuid, values: Value) {
        let (time, version) = self.tick();
        let mut fields = set.defaults();
        if let Value::Object(values) = values {
            fields.extend(values);
        }
        fields.insert("id".into(), Value::String(id.to_string()));
        fields.insert("lastModifiedDateTime".into(), Value::String(bc_time(time)));
        self.store.put(
            set.table,
            id,
            Row {
                fields: Fields::from_map(set.table, fields),
                version,
                modified: time,
                modified_by: bc_admin(),
            },
        );
    }

    fn crm(&mut self, table: &Table, id: Uuid, by: Uuid, values: Value) {
        let (time, version) = self.tick();
        let mut fields: Map<String, Value> = table.defaults();
        if let Value::Object(values) = values {
            fields.extend(values);
        }
        let by_text = Value::String(by.to_string());
        fields.insert(table.key.into(), Value::String(id.to_string()));
        fields.insert("createdon".into(), Value::String(crm_time(time)));
        fields.insert("modifiedon".into(), Value::String(crm_time(time)));
        fields.insert("_createdby_value".into(), by_text.clone());
        fields.insert("_modifiedby_value".into(), by_text.clone());
        fields.insert("versionnumber".into(), Value::from(version));
        if table.column("_ownerid_value").is_some()
            && fields.get("_ownerid_value").is_none_or(Value::is_null)
        {
            fields.insert("_ownerid_value".into(), by_text);
        }
        if table.set == SYSTEMUSERS.set {
            let full = full_name(&fields);
            fields.insert("fullname".into(), Value::String(full));
            fields.insert(
                "_businessunitid_value".into(),
                Value::String(BUSINESS_UNIT_ID.to_string()),
            );
        }
        self.store.put(
            table.table,
            id,
            Row {
                fields: Fields::from_map(table.table, fields),
                version,
                modified: time,
                modified_by: by,
            },
        );
    }
}

/// Writes the initial data of `seed` into an empty store, in one transaction, and marks it
/// seeded.
pub(crate) fn fill(store: Store, seed: Seed) -> Store {
    let mut b = Builder {
        store,
        time: base_time(),
    };
    b.store.begin_bulk_load();
    b.store.begin();
    company(&mut b);
    app_users(&mut b);
    match seed {
        Seed::Empty => {}
        Seed::Demo => demo(&mut b),
        Seed::Records(n) => records(&mut b, n),
    }
    b.store.mark_seeded();
    b.store.commit();
    b.store.end_bulk_load();
    b.store
}

/// A new store in memory with the initial data of `seed`.
#[cfg(test)]
pub(crate) fn build(seed: Seed) -> Store {
    fill(
        Store::in_memory(base_time()).expect("SQLite opens in memory"),
        seed,
    )
}

fn company(b: &mut Builder) {
    let (time, _) = b.tick();
    b.bc(
        &COMPANIES,
        company_id(),
        json!({
            "systemVersion": "27.0.38460.40000",
            "timestamp": 18_446,
            "name": COMPANY_NAME,
            "displayName": COMPANY_NAME,
            "businessProfileId": "",
            "systemCreatedAt": bc_time(time),
            "systemCreatedBy": bc_admin().to_string(),
            "systemModifiedAt": bc_time(time),
            "systemModifiedBy": bc_admin().to_string(),
        }),
    );
}

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

fn app_users(b: &mut Builder) {
    for app in APPS {
        if app == INTEGRATION_APP {
            app_user(b, &app, "#", "Couplet Integration");
        } else {
            app_user(b, &app, "#", "Couplet Editor");
        }
    }
}

/// A human Dataverse user.
fn human(
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

const SALESPEOPLE_DEMO: &[(&str, &str, &str, &str)] = &[
    ("AH", "Annette", "Hill", "Sales Manager"),
    ("BC", "Benjamin", "Chiu", "Account Manager"),
    ("JO", "Jim", "Olive", "Account Manager"),
    ("PS", "Peter", "Saddow", "Sales Representative"),
    ("RL", "Richard", "Lum", "Sales Representative"),
];

fn email(first: &str, last: &str) -> String {
    format!(
        "{}.{}@cronus-demo.com",
        first.to_lowercase(),
        last.to_lowercase()
    )
}

fn salesperson(b: &mut Builder, code: &str, first: &str, last: &str, title: &str, i: usize) {
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

const CUSTOMER_NAMES: &[&str] = &[
    "Adatum Corporation",
    "Trey Research",
    "School of Fine Art",
    "Alpine Ski House",
    "Relecloud",
    "Coho Winery",
    "Fabrikam Residences",
    "Contoso Pharmaceuticals",
    "Litware, Inc.",
    "Northwind Traders",
    "Tailspin Toys",
    "Wide World Importers",
    "Woodgrove Bank",
    "Proseware, Inc.",
    "Lucerne Publishing",
    "Margie's Travel",
    "Blue Yonder Airlines",
    "City Power & Light",
    "Consolidated Messenger",
    "Graphic Design Institute",
    "Humongous Insurance",
    "Lamna Healthcare Company",
    "Munson's Pickles and Preserves Farm",
    "Nod Publishers",
    "Southridge Video",
    "VanArsdel, Ltd.",
    "Wingtip Toys",
    "World Wide Importers Outlet",
    "Fourth Coffee",
    "First Up Consultants",
    "Bellows College",
    "Best For You Organics Company",
    "Datum Home Furnishings",
    "Happy Paws Pet Supplies",
    "Coffee Corner Roasters",
    "Green Valley Hardware",
    "Harbor View Marine",
    "Lakeside Dental Clinic",
    "Maple Street Bakery",
    "Mountain Peak Outfitters",
    "Northern Lights Electric",
    "Oakridge Construction",
    "Pacific Coast Seafood",
    "Prairie Wind Farms",
    "Redwood Office Supply",
    "Silver Lake Studios",
    "Summit Engineering Group",
    "Sunrise Senior Living",
    "Twin Rivers Logistics",
    "Urban Loft Interiors",
];

const CRM_ONLY_NAMES: &[&str] = &[
    "A. Datum Labs",
    "Aventure Cycles",
    "Baker & Sons Plumbing",
    "Bluebird Daycare",
    "Cascade Gardens",
    "Clearwater Analytics Partners",
    "Crestview Apartments",
    "Desert Rose Boutique",
    "Eagle Eye Security",
    "Evergreen Landscaping",
    "Fairview Veterinary",
    "Foxglove Florists",
    "Golden Gate Catering",
    "Granite State Movers",
    "Highland Brewing Co.",
    "Horizon Travel Agency",
    "Ironwood Fitness",
    "Juniper Software",
    "Keystone Legal Services",
    "Lighthouse Books",
    "Meadowbrook Farms Supply",
    "Midtown Auto Repair",
    "Nimbus Cloud Hosting",
    "Orchard Hill Cider",
    "Pinecrest Medical Group",
    "Quarry Stone Works",
    "Riverbend Canoe Rental",
    "Sandpiper Resort",
    "Timberline Lodge Suppliers",
    "Union Square Print Shop",
    "Valley Forge Metals",
    "Westwind Solar",
    "Willow Creek Pottery",
    "Yellowstone Outfitters",
    "Zephyr Air Charter",
];

const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Atlanta", "GA", "31772", "404"),
    ("Chicago", "IL", "61236", "312"),
    ("Miami", "FL", "37125", "305"),
    ("Seattle", "WA", "98101", "206"),
    ("Denver", "CO", "80202", "303"),
    ("Boston", "MA", "02108", "617"),
    ("Austin", "TX", "78701", "512"),
    ("Portland", "OR", "97201", "503"),
    ("Phoenix", "AZ", "85004", "602"),
    ("Minneapolis", "MN", "55401", "612"),
];

const STREETS: &[&str] = &[
    "Main Street",
    "Oak Avenue",
    "Pine Road",
    "Maple Drive",
    "Cedar Lane",
    "Elm Street",
    "Lakeview Boulevard",
    "Hillcrest Road",
    "Park Avenue",
    "River Road",
    "Sunset Drive",
];

fn domain(name: &str) -> String {
    let letters: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    format!("{letters}.example.com")
}

struct Address {
    line1: String,
    city: &'static str,
    state: &'static str,
    zip: &'static str,
    phone: String,
}

fn address(i: usize) -> Address {
    let (city, state, zip, area) = CITIES[i % CITIES.len()];
    Address {
        line1: format!("{} {}", 100 + (i * 37) % 9_800, STREETS[i % STREETS.len()]),
        city,
        state,
        zip,
        phone: format!("+1 {area} 555 {:04}", (i * 7_919) % 10_000),
    }
}

fn customer(b: &mut Builder, i: usize, name: &str, number: &str, salesperson: &str, blocked: &str) {
    let a = address(i);
    b.bc(
        &CUSTOMERS,
        named_guid("bc.customer", number),
        json!({
            "number": number,
            "displayName": name,
            "type": "Company",
            "addressLine1": a.line1,
            "addressLine2": if i.is_multiple_of(4) { format!("Suite {}", 100 + i) } else { String::new() },
            "city": a.city,
            "state": a.state,
            "country": "US",
            "postalCode": a.zip,
            "phoneNumber": a.phone,
            "email": format!("info@{}", domain(name)),
            "website": format!("www.{}", domain(name)),
            "salespersonCode": salesperson,
            "balanceDue": ((i * 1_373) % 25_000) as f64,
            "creditLimit": if i.is_multiple_of(3) { 0.0 } else { ((i % 5) * 10_000) as f64 },
            "taxLiable": i.is_multiple_of(2),
            "currencyCode": "",
            "blocked": blocked,
        }),
    );
}

#[allow(clippy::too_many_arguments)]
fn account(
    b: &mut Builder,
    i: usize,
    name: &str,
    number: &str,
    relationship: i64,
    inactive: bool,
    owner: Uuid,
) {
    let a = address(i + 17);
    b.crm(
        &ACCOUNTS,
        named_guid("crm.account", name),
        owner,
        json!({
            "name": name,
            "accountnumber": number,
            "customertypecode": relationship,
            "statecode": if inactive { 1 } else { 0 },
            "statuscode": if inactive { 2 } else { 1 },
            "telephone1": a.phone,
            "emailaddress1": format!("contact@{}", domain(name)),
            "websiteurl": format!("https://www.{}", domain(name)),
            "address1_line1": a.line1,
            "address1_city": a.city,
            "address1_stateorprovince": a.state,
            "address1_postalcode": a.zip,
            // Business Central's CUSTOMER mapping copies country/region codes unchanged, so
            // accounts in an integrated organization carry codes, not country names.
            "address1_country": "US",
            "creditlimit": ((i % 4) * 25_000) as f64,
            "_ownerid_value": owner.to_string(),
        }),
    );
}

fn demo(b: &mut Builder) {
    for (i, (code, first, last, title)) in SALESPEOPLE_DEMO.iter().enumerate() {
        salesperson(b, code, first, last, title, i);
    }
    // A salesperson without a Dataverse user: coupling their customer fails until they are coupled.
    salesperson(b, "MH", "Marty", "Horst", "Sales Representative", 9);
    let owners: Vec<Uuid> = SALESPEOPLE_DEMO
        .iter()
        .map(|(_, first, last, _)| human(b, first, last, &email(first, last), true, false))
        .collect();
    human(
        b,
        "Nancy",
        "Davolio",
        &email("Nancy", "Davolio"),
        true,
        false,
    );
    human(b, "Robert", "King", &email("Robert", "King"), true, false);
    human(
        b,
        "Laura",
        "Callahan",
        &email("Laura", "Callahan"),
        true,
        true,
    );
    human(
        b,
        "Steven",
        "Buchanan",
        &email("Steven", "Buchanan"),
        false,
        false,
    );

    let mut last_number = 0;
    for (i, name) in CUSTOMER_NAMES.iter().enumerate() {
        let number = 10 * (i as u64 + 1);
        last_number = number;
        let salesperson = if i == 40 {
            "MH"
        } else {
            SALESPEOPLE_DEMO[i % SALESPEOPLE_DEMO.len()].0
        };
        let blocked = match i {
            7 | 29 => "All",
            19 => "Ship",
            _ => " ",
        };
        customer(b, i, name, &format!("C{number:05}"), salesperson, blocked);
    }
    b.store.set_series(CUSTOMERS.name, last_number);
    // Accounts: the first 15 customer names exist in Dataverse too (match-based coupling by name).
    for (i, name) in CUSTOMER_NAMES.iter().take(15).enumerate() {
        account(
            b,
            i,
            name,
            &format!("ACC-{:04}", 1001 + i),
            3,
            false,
            owners[i % owners.len()],
        );
    }
    for (i, name) in CRM_ONLY_NAMES.iter().enumerate() {
        let (relationship, inactive) = match i % 9 {
            2 => (11, false),
            5 => (8, false),
            7 => (3, true),
            _ => (3, false),
        };
        account(
            b,
            i + 15,
            name,
            &format!("ACC-{:04}", 2001 + i),
            relationship,
            inactive,
            owners[i % owners.len()],
        );
    }
}

const ADJECTIVES: &[&str] = &[
    "Northern",
    "Golden",
    "Blue",
    "Rapid",
    "Silent",
    "Bright",
    "Coastal",
    "Urban",
    "Royal",
    "Prime",
    "Summit",
    "Crystal",
    "Granite",
    "Silver",
    "Evergreen",
    "Atlas",
];
const NOUNS: &[&str] = &[
    "Logistics",
    "Foods",
    "Textiles",
    "Dynamics",
    "Motors",
    "Studios",
    "Supplies",
    "Labs",
    "Outfitters",
    "Holdings",
    "Systems",
    "Builders",
    "Traders",
    "Partners",
];
const SUFFIXES: &[&str] = &["Inc.", "LLC", "Ltd.", "Group", "Co."];

fn generated_name(side: &str, i: usize) -> String {
    format!(
        "{} {} {} {} {:05}",
        side,
        ADJECTIVES[i % ADJECTIVES.len()],
        NOUNS[(i / ADJECTIVES.len()) % NOUNS.len()],
        SUFFIXES[i % SUFFIXES.len()],
        i + 1
    )
}

fn records(b: &mut Builder, n: usize) {
    for (i, (code, first, last, title)) in SALESPEOPLE_DEMO.iter().enumerate() {
        salesperson(b, code, first, last, title, i);
    }
    let owners: Vec<Uuid> = SALESPEOPLE_DEMO
        .iter()
        .map(|(_, first, last, _)| human(b, first, last, &email(first, last), true, false))
        .collect();
    for i in 0..n {
        let number = 10 * (i as u64 + 1);
        customer(
            b,
            i,
            &generated_name("Cust", i),
            &format!("C{number:05}"),
            SALESPEOPLE_DEMO[i % SALESPEOPLE_DEMO.len()].0,
            " ",
        );
    }
    b.store.set_series(CUSTOMERS.name, 10 * n as u64);
    for i in 0..n {
        account(
            b,
            i,
            &generated_name("Acct", i),
            &format!("A{:07}", i + 1),
            3,
            false,
            owners[i % owners.len()],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::tables::CrmTable;
    use crate::erp::tables::ErpTable;

    #[test]
    fn demo_seed_is_deterministic_and_has_both_sides() {
        let a = build(Seed::Demo);
        let b = build(Seed::Demo);
        assert_eq!(
            a.len(TableId::Erp(ErpTable::Customers)),
            CUSTOMER_NAMES.len()
        );
        assert_eq!(
            a.len(TableId::Crm(CrmTable::Accounts)),
            15 + CRM_ONLY_NAMES.len()
        );
        let rows_a: Vec<_> = a
            .rows(TableId::Crm(CrmTable::Accounts))
            .map(|(k, r)| (k, r.fields.to_map()))
            .collect();
        let rows_b: Vec<_> = b
            .rows(TableId::Crm(CrmTable::Accounts))
            .map(|(k, r)| (k, r.fields.to_map()))
            .collect();
        assert_eq!(rows_a, rows_b);
        let with_mh: Vec<_> = a
            .rows(TableId::Erp(ErpTable::Customers))
            .filter(|(_, r)| r.fields.get("salespersonCode") == Some(&json!("MH")))
            .map(|(_, r)| r.fields.get("number").cloned())
            .collect();
        assert_eq!(with_mh, vec![Some(json!("C00410"))]);
    }

    #[test]
    fn generated_records_fill_both_sides() {
        let store = build(Seed::Records(2_000));
        assert_eq!(store.len(TableId::Erp(ErpTable::Customers)), 2_000);
        assert_eq!(store.len(TableId::Crm(CrmTable::Accounts)), 2_000);
    }

    #[test]
    fn empty_seed_has_only_the_company_and_app_users() {
        let store = build(Seed::Empty);
        assert_eq!(store.len(TableId::Erp(ErpTable::Companies)), 1);
        assert_eq!(store.len(TableId::Crm(CrmTable::SystemUsers)), APPS.len());
        assert_eq!(store.len(TableId::Erp(ErpTable::Customers)), 0);
        assert_eq!(store.len(TableId::Crm(CrmTable::Accounts)), 0);
        assert!(
            store
                .get(
                    TableId::Crm(CrmTable::SystemUsers),
                    &INTEGRATION_APP.crm_user
                )
                .is_some()
        );
    }
}
