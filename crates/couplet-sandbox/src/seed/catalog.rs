//! Reference data every seeded company has, on both sides: currencies, units of measure,
//! payment terms, shipment methods, shipping agents, customer price groups, resources and the
//! sales price list in Business Central; the organization, currencies and the default price
//! list in Dataverse.

use serde_json::json;
use uuid::Uuid;

use super::Builder;
use crate::crm::ORGANIZATION_ID;
use crate::crm::schema::{ORGANIZATIONS, PRICELEVELS, TRANSACTIONCURRENCIES};
use crate::erp::schema::{
    CURRENCIES, CUSTOMER_PRICE_GROUPS, PAYMENT_TERMS, PRICE_LIST_HEADERS, RESOURCES,
    SHIPMENT_METHODS, SHIPPING_AGENTS, UNITS_OF_MEASURE,
};
use crate::ids::named_guid;

/// The local currency: Business Central keeps no record of it; Dataverse has it as the base.
pub(super) const LOCAL_CURRENCY: (&str, &str, &str) = ("USD", "US Dollar", "$");

/// Foreign currencies: ISO code, name, symbol, units per US dollar.
const FOREIGN_CURRENCIES: &[(&str, &str, &str, f64)] = &[
    ("EUR", "Euro", "€", 0.92),
    ("GBP", "British Pound", "£", 0.79),
    ("CAD", "Canadian Dollar", "$", 1.36),
    ("MXN", "Mexican Peso", "$", 17.1),
];

/// Units of measure: code, name, international standard code, symbol.
const UNITS: &[(&str, &str, &str, &str)] = &[
    ("PCS", "Piece", "H87", "pcs"),
    ("BOX", "Box", "BX", "box"),
    ("PACK", "Pack", "PK", "pack"),
    ("SET", "Set", "SET", "set"),
    ("HOUR", "Hour", "HUR", "h"),
    ("DAY", "Day", "DAY", "d"),
    ("KG", "Kilogram", "KGM", "kg"),
];

/// Payment terms: code, name, due date formula, discount date formula, discount %.
const TERMS: &[(&str, &str, &str, &str, f64)] = &[
    ("1M(8D)", "1 Month/2% 8 days", "1M", "8D", 2.0),
    ("14 DAYS", "Net 14 days", "14D", "", 0.0),
    ("30 DAYS", "Net 30 days", "30D", "", 0.0),
    ("CM", "Current month", "CM", "", 0.0),
    ("COD", "Cash on delivery", "0D", "", 0.0),
];

/// Shipment methods: code, name.
const SHIPMENT: &[(&str, &str)] = &[
    ("CFR", "Cost and Freight"),
    ("CIF", "Cost Insurance and Freight"),
    ("EXW", "Ex Warehouse"),
    ("FOB", "Free on Board"),
    ("PICKUP", "Pickup at Location"),
];

/// Shipping agents: code, name, tracking site.
const AGENTS: &[(&str, &str, &str)] = &[
    ("DHL", "DHL Systems, Inc.", "www.dhl.com"),
    ("FEDEX", "Federal Express Corporation", "www.fedex.com"),
    ("UPS", "UPS Ground", "www.ups.com"),
    ("OWN LOG.", "Own Logistics", ""),
];

/// Customer price groups: code, description.
const PRICE_GROUPS: &[(&str, &str)] = &[
    ("RETAIL", "Retail"),
    ("WHOLESALE", "Wholesale"),
    ("EXPORT", "Export customers"),
];

/// Resources (people sold by the hour): number, name, unit price.
const PEOPLE_SOLD: &[(&str, &str, f64)] = &[
    ("R0010", "Lina Townsend", 85.0),
    ("R0020", "Marty Horst", 75.0),
    ("R0030", "Terry Dodds", 95.0),
];

/// The code of the sales price list every item is on.
pub(super) const PRICE_LIST: &str = "S00001";

/// The payment terms of the `i`-th customer (they take turns).
pub(super) fn payment_terms(i: usize) -> &'static str {
    TERMS[i % TERMS.len()].0
}

/// The shipment method of the `i`-th customer.
pub(super) fn shipment_method(i: usize) -> &'static str {
    SHIPMENT[i % SHIPMENT.len()].0
}

/// The shipping agent of the `i`-th customer.
pub(super) fn shipping_agent(i: usize) -> &'static str {
    AGENTS[i % AGENTS.len()].0
}

/// The customer price group of the `i`-th customer.
pub(super) fn price_group(i: usize) -> &'static str {
    PRICE_GROUPS[i % PRICE_GROUPS.len()].0
}

/// The id of a Business Central reference record (`kind` is the entity set).
pub(super) fn bc_id(kind: &str, code: &str) -> Uuid {
    named_guid(&format!("bc.{kind}"), code)
}

/// The Dataverse transaction currency with ISO code `iso`.
pub(super) fn crm_currency(iso: &str) -> Uuid {
    named_guid("crm.transactioncurrency", iso)
}

/// The Dataverse price list products are sold from.
pub(super) fn crm_price_list() -> Uuid {
    named_guid("crm.pricelevel", "CRONUS Default")
}

/// Writes the reference data of both sides; `admin` is the Dataverse user who made it.
pub(super) fn reference_data(b: &mut Builder, admin: Uuid) {
    for (code, name, symbol, _) in FOREIGN_CURRENCIES {
        b.bc(
            &CURRENCIES,
            bc_id("currencies", code),
            json!({"code": code, "displayName": name, "symbol": symbol,
                   "amountDecimalPlaces": "2:2", "amountRoundingPrecision": 0.01}),
        );
    }
    for (code, name, iso_code, symbol) in UNITS {
        b.bc(
            &UNITS_OF_MEASURE,
            bc_id("unitsOfMeasure", code),
            json!({"code": code, "displayName": name, "internationalStandardCode": iso_code,
                   "symbol": symbol}),
        );
    }
    for (code, name, due, discount_date, discount) in TERMS {
        b.bc(
            &PAYMENT_TERMS,
            bc_id("paymentTerms", code),
            json!({"code": code, "displayName": name, "dueDateCalculation": due,
                   "discountDateCalculation": discount_date, "discountPercent": discount,
                   "calculateDiscountOnCreditMemos": false}),
        );
    }
    for (code, name) in SHIPMENT {
        b.bc(
            &SHIPMENT_METHODS,
            bc_id("shipmentMethods", code),
            json!({"code": code, "displayName": name}),
        );
    }
    for (code, name, site) in AGENTS {
        b.bc(
            &SHIPPING_AGENTS,
            bc_id("shippingAgents", code),
            json!({"code": code, "name": name, "internetAddress": site}),
        );
    }
    for (code, description) in PRICE_GROUPS {
        b.bc(
            &CUSTOMER_PRICE_GROUPS,
            bc_id("customerPriceGroups", code),
            json!({"code": code, "description": description, "priceIncludesVat": false,
                   "allowInvoiceDiscount": true, "allowLineDiscount": true}),
        );
    }
    for (number, name, price) in PEOPLE_SOLD {
        b.bc(
            &RESOURCES,
            bc_id("resources", number),
            json!({"number": number, "displayName": name, "type": "Person",
                   "baseUnitOfMeasureCode": "HOUR", "unitPrice": price,
                   "unitCost": (price * 0.6).round(), "blocked": false}),
        );
    }
    b.store.set_series(RESOURCES.name, 30);
    b.bc(
        &PRICE_LIST_HEADERS,
        bc_id("priceListHeaders", PRICE_LIST),
        json!({"code": PRICE_LIST, "description": "Sales prices (all customers)",
               "sourceType": "All_x0020_Customers", "currencyCode": "",
               "startingDate": "2024-01-01", "endingDate": "0001-01-01", "priceType": "Sale",
               "amountType": "Price", "status": "Active", "allowUpdatingDefaults": false}),
    );
    b.store.set_series(PRICE_LIST_HEADERS.name, 1);

    let (iso, name, symbol) = LOCAL_CURRENCY;
    let base = crm_currency(iso);
    b.crm(
        &TRANSACTIONCURRENCIES,
        base,
        admin,
        json!({"isocurrencycode": iso, "currencyname": name, "currencysymbol": symbol,
               "currencyprecision": 2, "exchangerate": 1.0}),
    );
    for (iso, name, symbol, rate) in FOREIGN_CURRENCIES {
        b.crm(
            &TRANSACTIONCURRENCIES,
            crm_currency(iso),
            admin,
            json!({"isocurrencycode": iso, "currencyname": name, "currencysymbol": symbol,
                   "currencyprecision": 2, "exchangerate": rate}),
        );
    }
    b.crm(
        &ORGANIZATIONS,
        ORGANIZATION_ID,
        admin,
        json!({"name": "CRONUS USA", "_basecurrencyid_value": base.to_string(),
               "createproductswithoutparentinactivestate": false}),
    );
    b.crm(
        &PRICELEVELS,
        crm_price_list(),
        admin,
        json!({"name": "CRONUS Default", "description": "Prices of the products sold from Business Central",
               "begindate": "2024-01-01", "statecode": 0, "statuscode": 100001,
               "_transactioncurrencyid_value": base.to_string()}),
    );
}
