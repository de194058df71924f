//! Customers, contacts, salespeople and opportunities.

use super::{
    Access, Api, CURRENCIES, EntitySet, ID, Kind, Link, MODIFIED, Nav, PAYMENT_TERMS,
    SHIPMENT_METHODS, Series, Verbs, f, hidden,
};
use crate::erp::tables::ErpTable;
use crate::store::TableId;

/// Customer `blocked` members.
pub(crate) const BLOCKED: &[&str] = &[" ", "Ship", "Invoice", "All"];
/// Contact / customer `type` members.
pub(crate) const CONTACT_TYPE: &[&str] = &["Company", "Person"];
/// `contactsInformation.relatedType` members.
pub(crate) const RELATED_TYPE: &[&str] =
    &[" ", "Customer", "Vendor", "Bank_x0020_Account", "Employee"];
/// `contacts.contactBusinessRelation` members.
const BUSINESS_RELATION: &[&str] = &[
    " ",
    "Customer",
    "Vendor",
    "Bank_x0020_Account",
    "Employee",
    "Multiple",
];
/// `opportunities.status` members (enum `opportunityStatus`).
pub(crate) const OPPORTUNITY_STATUS: &[&str] =
    &["Not_x0020_Started", "In_x0020_Progress", "Won", "Lost"];

/// `customers` (page 30009 "APIV2 - Customers"). `customerPriceGroup` and
/// `shippingAgentCode` are stored here but shown only by the custom API's customers page.
pub(crate) static CUSTOMERS: EntitySet = EntitySet {
    name: "customers",
    entity_type: "customer",
    caption: "Customer",
    table: TableId::Erp(ErpTable::Customers),
    api: Api::Standard,
    fields: &[
        ID,
        f("number", Kind::Code(20), Access::Write),
        f("displayName", Kind::Text(100), Access::Write),
        f("type", Kind::Enum(CONTACT_TYPE), Access::Write),
        f("addressLine1", Kind::Text(100), Access::Write),
        f("addressLine2", Kind::Text(50), Access::Write),
        f("city", Kind::Text(30), Access::Write),
        f("state", Kind::Text(30), Access::Write),
        f("country", Kind::Code(10), Access::Write),
        f("postalCode", Kind::Code(20), Access::Write),
        f("phoneNumber", Kind::Text(30), Access::Write),
        f("email", Kind::Text(80), Access::Write),
        f("website", Kind::Text(80), Access::Write),
        f("salespersonCode", Kind::Code(20), Access::Write),
        f("balanceDue", Kind::Decimal, Access::ReadOnly),
        f("creditLimit", Kind::Decimal, Access::Write),
        f("taxLiable", Kind::Bool, Access::Write),
        f("currencyCode", Kind::Code(10), Access::Write),
        f("blocked", Kind::Enum(BLOCKED), Access::Write),
        MODIFIED,
        f("taxAreaId", Kind::Guid, Access::Write),
        f("taxRegistrationNumber", Kind::Text(20), Access::Write),
        f("currencyId", Kind::Guid, Access::Write),
        f("paymentTermsId", Kind::Guid, Access::Write),
        f("shipmentMethodId", Kind::Guid, Access::Write),
        f("paymentMethodId", Kind::Guid, Access::Write),
        hidden("customerPriceGroup", Kind::Code(10)),
        hidden("shippingAgentCode", Kind::Code(10)),
        hidden("companyContactId", Kind::Guid),
    ],
    unique: Some(("number", "No.")),
    series: Some(Series::new("C", 10, 10, 5)),
    verbs: Verbs::All,
    navs: &[
        Nav {
            name: "currency",
            target: &CURRENCIES,
            link: Link::One("currencyId"),
        },
        Nav {
            name: "paymentTerm",
            target: &PAYMENT_TERMS,
            link: Link::One("paymentTermsId"),
        },
        Nav {
            name: "shipmentMethod",
            target: &SHIPMENT_METHODS,
            link: Link::One("shipmentMethodId"),
        },
        Nav {
            name: "customerFinancialDetail",
            target: &CUSTOMER_FINANCIAL_DETAILS,
            link: Link::One("id"),
        },
        Nav {
            name: "contactsInformation",
            target: &CONTACTS_INFORMATION,
            link: Link::Many("relatedId"),
        },
    ],
};

/// `salespeoplePurchasers`.
pub(crate) static SALESPEOPLE: EntitySet = EntitySet {
    name: "salespeoplePurchasers",
    entity_type: "salespersonPurchaser",
    caption: "Salesperson/Purchaser",
    table: TableId::Erp(ErpTable::Salespeople),
    api: Api::Standard,
    fields: &[
        ID,
        f("code", Kind::Code(20), Access::Write),
        f("displayName", Kind::Text(50), Access::Write),
        f("email", Kind::Text(80), Access::Write),
        f("email2", Kind::Text(80), Access::Write),
        f("phoneNo", Kind::Text(30), Access::Write),
        f("jobTitle", Kind::Text(30), Access::Write),
        f("commisionPercent", Kind::Decimal, Access::Write),
        f("privacyBlocked", Kind::Bool, Access::Write),
        f("blocked", Kind::Bool, Access::Write),
        MODIFIED,
    ],
    unique: Some(("code", "Code")),
    series: None,
    verbs: Verbs::All,
    navs: &[],
};

/// `contacts` (page 30076 "APIV2 - Contacts").
pub(crate) static CONTACTS: EntitySet = EntitySet {
    name: "contacts",
    entity_type: "contact",
    caption: "Contact",
    table: TableId::Erp(ErpTable::Contacts),
    api: Api::Standard,
    fields: &[
        ID,
        f("number", Kind::Code(20), Access::Write),
        f("type", Kind::Enum(CONTACT_TYPE), Access::Write),
        f("displayName", Kind::Text(100), Access::Write),
        f("jobTitle", Kind::Text(30), Access::Write),
        f("companyNumber", Kind::Code(20), Access::Write),
        f("companyName", Kind::Text(100), Access::ReadOnly),
        f(
            "contactBusinessRelation",
            Kind::Enum(BUSINESS_RELATION),
            Access::ReadOnly,
        ),
        f("addressLine1", Kind::Text(100), Access::Write),
        f("addressLine2", Kind::Text(50), Access::Write),
        f("city", Kind::Text(30), Access::Write),
        f("state", Kind::Text(30), Access::Write),
        f("country", Kind::Code(10), Access::Write),
        f("postalCode", Kind::Code(20), Access::Write),
        f("phoneNumber", Kind::Text(30), Access::Write),
        f("mobilePhoneNumber", Kind::Text(30), Access::Write),
        f("email", Kind::Text(80), Access::Write),
        f("website", Kind::Text(80), Access::Write),
        f("searchName", Kind::Code(100), Access::ReadOnly),
        f("privacyBlocked", Kind::Bool, Access::Write),
        f("taxRegistrationNumber", Kind::Text(20), Access::Write),
        f("lastInteractionDate", Kind::Date, Access::ReadOnly),
        MODIFIED,
    ],
    unique: Some(("number", "No.")),
    series: Some(Series::new("CT", 1, 1, 6)),
    verbs: Verbs::All,
    navs: &[Nav {
        name: "contactInformation",
        target: &CONTACTS_INFORMATION,
        link: Link::Many("contactId"),
    }],
};

/// `contactsInformation` (GET only): a contact's business relation to a customer or vendor.
/// Its rows are keyed by the contact's id.
pub(crate) static CONTACTS_INFORMATION: EntitySet = EntitySet {
    name: "contactsInformation",
    entity_type: "contactInformation",
    caption: "Contact Business Relation",
    table: TableId::Erp(ErpTable::ContactsInformation),
    api: Api::Standard,
    fields: &[
        f("contactId", Kind::Guid, Access::ReadOnly),
        f("contactNumber", Kind::Code(20), Access::ReadOnly),
        f("contactName", Kind::Text(100), Access::ReadOnly),
        f("contactType", Kind::Enum(CONTACT_TYPE), Access::ReadOnly),
        f("relatedId", Kind::Guid, Access::ReadOnly),
        f("relatedType", Kind::Enum(RELATED_TYPE), Access::ReadOnly),
    ],
    unique: None,
    series: None,
    verbs: Verbs::ReadOnly,
    navs: &[],
};

/// `customerFinancialDetails` (GET only), keyed by the customer's id; kept up to date when
/// invoices are posted.
pub(crate) static CUSTOMER_FINANCIAL_DETAILS: EntitySet = EntitySet {
    name: "customerFinancialDetails",
    entity_type: "customerFinancialDetail",
    caption: "Customer",
    table: TableId::Erp(ErpTable::CustomerFinancialDetails),
    api: Api::Standard,
    fields: &[
        f("id", Kind::Guid, Access::ReadOnly),
        f("number", Kind::Code(20), Access::ReadOnly),
        f("balance", Kind::Decimal, Access::ReadOnly),
        f("totalSalesExcludingTax", Kind::Decimal, Access::ReadOnly),
        f("overdueAmount", Kind::Decimal, Access::ReadOnly),
    ],
    unique: None,
    series: None,
    verbs: Verbs::ReadOnly,
    navs: &[],
};

/// `opportunities` (keyed to a contact, not a customer).
pub(crate) static OPPORTUNITIES: EntitySet = EntitySet {
    name: "opportunities",
    entity_type: "opportunity",
    caption: "Opportunity",
    table: TableId::Erp(ErpTable::Opportunities),
    api: Api::Standard,
    fields: &[
        ID,
        f("number", Kind::Code(20), Access::Write),
        f("contactNumber", Kind::Code(20), Access::Write),
        f("contactName", Kind::Text(100), Access::ReadOnly),
        f("contactCompanyName", Kind::Text(100), Access::ReadOnly),
        f("salespersonCode", Kind::Code(20), Access::Write),
        f("description", Kind::Text(100), Access::Write),
        f("status", Kind::Enum(OPPORTUNITY_STATUS), Access::Write),
        f("closed", Kind::Bool, Access::ReadOnly),
        f("creationDate", Kind::Date, Access::Write),
        f("dateClosed", Kind::Date, Access::ReadOnly),
        f("calculatedCurrentValue", Kind::Decimal, Access::ReadOnly),
        f("chancesOfSuccessPrc", Kind::Decimal, Access::Write),
        f("completedPrc", Kind::Decimal, Access::ReadOnly),
        f("estimatedClosingDate", Kind::Date, Access::Write),
        f("estimatedValue", Kind::Decimal, Access::Write),
        f("systemCreatedAt", Kind::DateTime, Access::ReadOnly),
        MODIFIED,
    ],
    unique: Some(("number", "No.")),
    series: Some(Series::new("OP", 1, 1, 6)),
    verbs: Verbs::All,
    navs: &[],
};
