//! Users, teams, business units, the organization, accounts, contacts and notes.

use super::choices::{
    ACCESS_MODE, ACTIVE_STATE, ACTIVE_STATUS, FREIGHT_TERMS, PAYMENT_TERMS, RELATIONSHIP,
    SHIPPING_METHOD, TEAM_TYPE,
};
use super::{
    Access, Collection, Kind, OWNER, Table, Target, c, ro, set_by_platform, target, to, to_any, w,
};
use crate::crm::tables::CrmTable;
use crate::store::TableId;

const ACCOUNT_OR_CONTACT: &[Target] = &[target::ACCOUNT, target::CONTACT];

/// The tables a note may be attached to (`objectid_<logical>`).
const NOTE_TARGETS: &[Target] = &[
    target::ACCOUNT,
    target::CONTACT,
    target::OPPORTUNITY,
    target::ORDER,
    target::INVOICE,
    target::PRODUCT,
];

/// `account` / `accounts`.
pub(crate) static ACCOUNTS: Table = Table {
    set: "accounts",
    logical: "account",
    key: "accountid",
    primary_name: "name",
    table: TableId::Crm(CrmTable::Accounts),
    own_columns: &[
        c("accountid", Kind::Guid, Access::Key),
        w("name", Kind::Text(160)),
        w("accountnumber", Kind::Text(20)),
        w("customertypecode", Kind::Choice(RELATIONSHIP)),
        w("statecode", Kind::Choice(ACTIVE_STATE)),
        w("statuscode", Kind::Choice(ACTIVE_STATUS)),
        w("telephone1", Kind::Text(50)),
        w("fax", Kind::Text(50)),
        w("emailaddress1", Kind::Text(100)),
        w("websiteurl", Kind::Text(200)),
        w("address1_line1", Kind::Text(250)),
        w("address1_line2", Kind::Text(250)),
        w("address1_city", Kind::Text(80)),
        w("address1_stateorprovince", Kind::Text(50)),
        w("address1_postalcode", Kind::Text(20)),
        w("address1_country", Kind::Text(80)),
        w("creditlimit", Kind::Decimal),
        w("_ownerid_value", OWNER),
        // Appended in session 9: keep the order above (state files store rows by position).
        w("address1_freighttermscode", Kind::Choice(FREIGHT_TERMS)),
        w("address1_shippingmethodcode", Kind::Choice(SHIPPING_METHOD)),
        w("paymenttermscode", Kind::Choice(PAYMENT_TERMS)),
        w("creditonhold", Kind::Bool),
        w(
            "_parentaccountid_value",
            to("parentaccountid", &[target::ACCOUNT]),
        ),
        w(
            "_primarycontactid_value",
            to("primarycontactid", &[target::CONTACT]),
        ),
        w(
            "_transactioncurrencyid_value",
            to("transactioncurrencyid", &[target::CURRENCY]),
        ),
        w(
            "_defaultpricelevelid_value",
            to("defaultpricelevelid", &[target::PRICE_LIST]),
        ),
        w("address1_line3", Kind::Text(250)),
    ],
    required: &["name"],
    states: &[(0, &[1]), (1, &[2])],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[
        Collection {
            name: "contact_customer_accounts",
            set: "contacts",
            via: "_parentcustomerid_value",
        },
        Collection {
            name: "account_parent_account",
            set: "accounts",
            via: "_parentaccountid_value",
        },
        Collection {
            name: "opportunity_customer_accounts",
            set: "opportunities",
            via: "_customerid_value",
        },
        Collection {
            name: "order_customer_accounts",
            set: "salesorders",
            via: "_customerid_value",
        },
        Collection {
            name: "invoice_customer_accounts",
            set: "invoices",
            via: "_customerid_value",
        },
        Collection {
            name: "Account_Annotation",
            set: "annotations",
            via: "_objectid_value",
        },
    ],
};

/// `systemuser` / `systemusers`.
pub(crate) static SYSTEMUSERS: Table = Table {
    set: "systemusers",
    logical: "systemuser",
    key: "systemuserid",
    primary_name: "fullname",
    table: TableId::Crm(CrmTable::SystemUsers),
    own_columns: &[
        c("systemuserid", Kind::Guid, Access::Key),
        ro("fullname", Kind::Text(200)),
        w("firstname", Kind::Text(64)),
        w("lastname", Kind::Text(64)),
        w("internalemailaddress", Kind::Text(100)),
        w("domainname", Kind::Text(1024)),
        w("mobilephone", Kind::Text(64)),
        w("isdisabled", Kind::Bool),
        w("islicensed", Kind::Bool),
        w("isintegrationuser", Kind::Bool),
        w("accessmode", Kind::Choice(ACCESS_MODE)),
        w("applicationid", Kind::Guid),
        w("azureactivedirectoryobjectid", Kind::Guid),
        ro(
            "_businessunitid_value",
            set_by_platform("businessunitid", &[target::BUSINESS_UNIT]),
        ),
    ],
    required: &["lastname"],
    states: &[],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: false,
    bulk_messages: false,
    collections: &[],
};

/// `businessunit` / `businessunits`.
pub(crate) static BUSINESSUNITS: Table = Table {
    set: "businessunits",
    logical: "businessunit",
    key: "businessunitid",
    primary_name: "name",
    table: TableId::Crm(CrmTable::BusinessUnits),
    own_columns: &[
        c("businessunitid", Kind::Guid, Access::Key),
        w("name", Kind::Text(160)),
        w(
            "_parentbusinessunitid_value",
            to("parentbusinessunitid", &[target::BUSINESS_UNIT]),
        ),
        ro("isdisabled", Kind::Bool),
    ],
    required: &["name"],
    states: &[],
    creatable: true,
    unique: &[],
    change_tracking: false,
    deletable: false,
    bulk_messages: false,
    collections: &[],
};

/// `team` / `teams`.
pub(crate) static TEAMS: Table = Table {
    set: "teams",
    logical: "team",
    key: "teamid",
    primary_name: "name",
    table: TableId::Crm(CrmTable::Teams),
    own_columns: &[
        c("teamid", Kind::Guid, Access::Key),
        w("name", Kind::Text(160)),
        w("teamtype", Kind::Choice(TEAM_TYPE)),
        w(
            "_businessunitid_value",
            to("businessunitid", &[target::BUSINESS_UNIT]),
        ),
        ro("isdefault", Kind::Bool),
        w("azureactivedirectoryobjectid", Kind::Guid),
        w("description", Kind::Text(2000)),
    ],
    required: &["name"],
    states: &[],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: false,
    collections: &[],
};

/// `organization` / `organizations`: one row, the environment's settings.
pub(crate) static ORGANIZATIONS: Table = Table {
    set: "organizations",
    logical: "organization",
    key: "organizationid",
    primary_name: "name",
    table: TableId::Crm(CrmTable::Organizations),
    own_columns: &[
        c("organizationid", Kind::Guid, Access::Key),
        w("name", Kind::Text(160)),
        ro(
            "_basecurrencyid_value",
            set_by_platform("basecurrencyid", &[target::CURRENCY]),
        ),
        w("createproductswithoutparentinactivestate", Kind::Bool),
    ],
    required: &[],
    states: &[],
    creatable: false,
    unique: &[],
    change_tracking: false,
    deletable: false,
    bulk_messages: false,
    collections: &[],
};

/// `contact` / `contacts`.
pub(crate) static CONTACTS: Table = Table {
    set: "contacts",
    logical: "contact",
    key: "contactid",
    primary_name: "fullname",
    table: TableId::Crm(CrmTable::Contacts),
    own_columns: &[
        c("contactid", Kind::Guid, Access::Key),
        ro("fullname", Kind::Text(160)),
        w("firstname", Kind::Text(50)),
        w("lastname", Kind::Text(50)),
        w("jobtitle", Kind::Text(100)),
        w("emailaddress1", Kind::Text(100)),
        w("telephone1", Kind::Text(50)),
        w("mobilephone", Kind::Text(50)),
        w("fax", Kind::Text(50)),
        w("address1_line1", Kind::Text(250)),
        w("address1_line2", Kind::Text(250)),
        w("address1_line3", Kind::Text(250)),
        w("address1_city", Kind::Text(80)),
        w("address1_stateorprovince", Kind::Text(50)),
        w("address1_postalcode", Kind::Text(20)),
        w("address1_country", Kind::Text(80)),
        w("paymenttermscode", Kind::Choice(PAYMENT_TERMS)),
        w("statecode", Kind::Choice(ACTIVE_STATE)),
        w("statuscode", Kind::Choice(ACTIVE_STATUS)),
        w(
            "_parentcustomerid_value",
            to_any("parentcustomerid", ACCOUNT_OR_CONTACT),
        ),
        w("_ownerid_value", OWNER),
        w(
            "_transactioncurrencyid_value",
            to("transactioncurrencyid", &[target::CURRENCY]),
        ),
    ],
    required: &["lastname"],
    states: &[(0, &[1]), (1, &[2])],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[
        Collection {
            name: "contact_customer_contacts",
            set: "contacts",
            via: "_parentcustomerid_value",
        },
        Collection {
            name: "order_customer_contacts",
            set: "salesorders",
            via: "_customerid_value",
        },
        Collection {
            name: "invoice_customer_contacts",
            set: "invoices",
            via: "_customerid_value",
        },
        Collection {
            name: "Contact_Annotation",
            set: "annotations",
            via: "_objectid_value",
        },
    ],
};

/// `annotation` / `annotations` (notes and attachments).
pub(crate) static ANNOTATIONS: Table = Table {
    set: "annotations",
    logical: "annotation",
    key: "annotationid",
    primary_name: "subject",
    table: TableId::Crm(CrmTable::Annotations),
    own_columns: &[
        c("annotationid", Kind::Guid, Access::Key),
        w("subject", Kind::Text(500)),
        w("notetext", Kind::Text(100_000)),
        w("isdocument", Kind::Bool),
        w("filename", Kind::Text(255)),
        w("mimetype", Kind::Text(256)),
        w("documentbody", Kind::Text(1_073_741_823)),
        ro("objecttypecode", Kind::Text(64)),
        w("_objectid_value", to_any("objectid", NOTE_TARGETS)),
        w("_ownerid_value", OWNER),
    ],
    required: &[],
    states: &[],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[],
};
