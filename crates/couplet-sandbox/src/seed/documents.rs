//! Sales documents and opportunities: posted and draft invoices and sales orders with their
//! lines in Business Central, sales orders and opportunities in Dataverse. Amounts follow the
//! services' own rules (a line is quantity × price; a document totals its lines), so a seeded
//! document reads as one the service computed.

use chrono::{Duration, NaiveDate};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::Builder;
use super::catalog::{LOCAL_CURRENCY, crm_currency, crm_price_list};
use super::key::Key;
use super::names::address;
use crate::crm::schema::{
    OPPORTUNITIES as CRM_OPPORTUNITIES, SALESORDERDETAILS, SALESORDERS as CRM_SALESORDERS,
};
use crate::erp::schema::{
    EntitySet, OPPORTUNITIES, SALES_INVOICE_LINES, SALES_INVOICES, SALES_ORDER_LINES, SALES_ORDERS,
};

/// The number of a draft invoice with counter `n`, in the draft invoices' series.
pub(super) fn draft_number(n: u64) -> String {
    SALES_INVOICES
        .series
        .map_or_else(|| n.to_string(), |s| s.format(n))
}

/// The number of a sales order with counter `n`, in the orders' series.
pub(super) fn order_number(n: u64) -> String {
    SALES_ORDERS
        .series
        .map_or_else(|| n.to_string(), |s| s.format(n))
}

/// Money as the services round it.
fn money(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The day `offset` days after the first day of the demo year, as `YYYY-MM-DD`.
pub(super) fn day(offset: i64) -> String {
    let first = NaiveDate::from_ymd_opt(2023, 7, 1).unwrap_or_default();
    (first + Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// A document line: an item, how many, at what price.
#[derive(Debug, Clone, Copy)]
pub(super) struct Line<'a> {
    /// The Business Central item's id (or the Dataverse product's).
    pub item: Uuid,
    /// The item number.
    pub number: &'a str,
    /// The item's name.
    pub name: &'a str,
    /// The unit of measure code (or, in Dataverse, the unit's id).
    pub unit: &'a str,
    /// The Dataverse unit's id (Business Central lines leave it alone).
    pub crm_unit: Uuid,
    /// Quantity.
    pub quantity: f64,
    /// Unit price.
    pub price: f64,
}

impl Line<'_> {
    fn amount(&self) -> f64 {
        money(self.quantity * self.price)
    }
}

/// What documents total.
pub(super) fn total(lines: &[Line<'_>]) -> f64 {
    money(lines.iter().map(Line::amount).sum())
}

/// The customer a Business Central document is for.
#[derive(Debug, Clone, Copy)]
pub(super) struct Customer<'a> {
    /// Its id.
    pub id: Uuid,
    /// Its number.
    pub number: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its index in the seed (its address).
    pub i: usize,
    /// Its salesperson.
    pub salesperson: &'a str,
}

/// A Business Central sales document.
pub(super) struct Document<'a> {
    /// Where its id and its lines' ids come from.
    pub key: Key<'a>,
    /// Its number.
    pub number: &'a str,
    /// Whom it is for.
    pub customer: Customer<'a>,
    /// Its date (days after the first day of the demo year).
    pub date: i64,
    /// `status` (`Open`, `Paid`, `Draft`).
    pub status: &'a str,
    /// Its lines.
    pub lines: &'a [Line<'a>],
}

/// The header fields invoices and orders share: customer, addresses, totals, status.
fn header(doc: &Document<'_>) -> Map<String, Value> {
    let c = &doc.customer;
    let a = address(c.i);
    let total = total(doc.lines);
    let mut fields = Map::new();
    let mut set = |name: &str, value: Value| {
        fields.insert(name.to_string(), value);
    };
    set("number", json!(doc.number));
    set("postingDate", json!(day(doc.date)));
    set("customerId", json!(c.id.to_string()));
    set("customerNumber", json!(c.number));
    set("customerName", json!(c.name));
    set("billToName", json!(c.name));
    set("billToCustomerId", json!(c.id.to_string()));
    set("billToCustomerNumber", json!(c.number));
    set("shipToName", json!(c.name));
    for part in ["sellTo", "billTo", "shipTo"] {
        set(&format!("{part}AddressLine1"), json!(a.line1));
        set(&format!("{part}City"), json!(a.city));
        set(&format!("{part}State"), json!(a.state));
        set(&format!("{part}PostCode"), json!(a.zip));
        set(&format!("{part}Country"), json!("US"));
    }
    set("currencyCode", json!(""));
    set("salesperson", json!(c.salesperson));
    set("pricesIncludeTax", json!(false));
    set("discountAmount", json!(0));
    set("totalAmountExcludingTax", json!(total));
    set("totalTaxAmount", json!(0));
    set("totalAmountIncludingTax", json!(total));
    set("status", json!(doc.status));
    set("phoneNumber", json!(a.phone));
    fields
}

/// Writes the lines of a document, each as Business Central computes it.
fn lines(b: &mut Builder, doc: &Document<'_>, id: Uuid, set: &EntitySet, order: bool) {
    for (j, line) in doc.lines.iter().enumerate() {
        let amount = line.amount();
        let key_text;
        let key = match doc.key {
            Key::Named(name) => {
                key_text = format!("{name}/{j}");
                Key::Named(&key_text)
            }
            Key::Seq(n) => Key::Seq(n * 16 + j as u64),
        };
        let mut values = json!({
            "documentId": id.to_string(), "sequence": (j as u64 + 1) * 10_000,
            "itemId": line.item.to_string(), "lineType": "Item",
            "lineObjectNumber": line.number, "description": line.name,
            "unitOfMeasureCode": line.unit, "quantity": line.quantity,
            "unitPrice": line.price, "discountAmount": 0, "discountPercent": 0,
            "amountExcludingTax": amount, "taxPercent": 0, "totalTaxAmount": 0,
            "amountIncludingTax": amount, "invoiceDiscountAllocation": 0,
            "netAmount": amount, "netTaxAmount": 0, "netAmountIncludingTax": amount,
            "shipmentDate": day(doc.date),
        });
        if order && let Value::Object(values) = &mut values {
            values.insert("shipQuantity".into(), json!(line.quantity));
            values.insert("invoiceQuantity".into(), json!(line.quantity));
            values.insert("shippedQuantity".into(), json!(0));
            values.insert("invoicedQuantity".into(), json!(0));
        }
        b.bc(set, key.id(&format!("bc.{}", set.name)), values);
    }
}

/// Writes an invoice: posted (`Open` with its total still to pay, or `Paid`) or a `Draft`.
/// Returns what remains to be paid.
pub(super) fn invoice(b: &mut Builder, doc: &Document<'_>) -> f64 {
    let id = doc.key.id("bc.salesInvoices");
    let mut fields = header(doc);
    let total = total(doc.lines);
    let remaining = if doc.status == "Open" { total } else { 0.0 };
    fields.insert("invoiceDate".into(), json!(day(doc.date)));
    fields.insert("dueDate".into(), json!(day(doc.date + 30)));
    fields.insert("remainingAmount".into(), json!(remaining));
    b.bc(&SALES_INVOICES, id, Value::Object(fields));
    lines(b, doc, id, &SALES_INVOICE_LINES, false);
    remaining
}

/// Writes a sales order (`Open` is released, `Draft` is not).
pub(super) fn order(b: &mut Builder, doc: &Document<'_>) {
    let id = doc.key.id("bc.salesOrders");
    let mut fields = header(doc);
    fields.insert("orderDate".into(), json!(day(doc.date)));
    fields.insert("requestedDeliveryDate".into(), json!(day(doc.date + 14)));
    fields.insert("partialShipping".into(), json!(true));
    fields.insert("fullyShipped".into(), json!(false));
    b.bc(&SALES_ORDERS, id, Value::Object(fields));
    lines(b, doc, id, &SALES_ORDER_LINES, true);
}

/// A Business Central opportunity with a company contact.
pub(super) struct Opportunity<'a> {
    /// Its id.
    pub id: Uuid,
    /// Its number.
    pub number: &'a str,
    /// The contact's number.
    pub contact: &'a str,
    /// The contact's (company's) name.
    pub company: &'a str,
    /// The salesperson.
    pub salesperson: &'a str,
    /// What it is about.
    pub description: &'a str,
    /// Its estimated value.
    pub value: f64,
    /// When it was created (days after the first day of the demo year).
    pub date: i64,
}

/// Writes an opportunity in progress.
pub(super) fn opportunity(b: &mut Builder, o: &Opportunity<'_>) {
    b.bc(
        &OPPORTUNITIES,
        o.id,
        json!({"number": o.number, "contactNumber": o.contact, "contactName": o.company,
               "contactCompanyName": o.company, "salespersonCode": o.salesperson,
               "description": o.description, "status": "In_x0020_Progress",
               "closed": false, "creationDate": day(o.date),
               "estimatedClosingDate": day(o.date + 60), "estimatedValue": o.value,
               "calculatedCurrentValue": money(o.value * 0.5), "chancesOfSuccessPrc": 50,
               "completedPrc": 25}),
    );
}

/// A Dataverse document's account and owner.
#[derive(Debug, Clone, Copy)]
pub(super) struct Account<'a> {
    /// The account's id.
    pub id: Uuid,
    /// Its name.
    pub name: &'a str,
    /// Its index in the seed (accounts take `address(i + 17)`).
    pub i: usize,
    /// The owner.
    pub owner: Uuid,
}

/// Writes an active Dataverse sales order on the default price list with its lines.
pub(super) fn crm_order(
    b: &mut Builder,
    key: Key<'_>,
    number: &str,
    account: Account<'_>,
    order_lines: &[Line<'_>],
) {
    let id = key.id("crm.salesorders");
    let a = address(account.i + 17);
    let total = total(order_lines);
    let currency = crm_currency(LOCAL_CURRENCY.0).to_string();
    b.crm(
        &CRM_SALESORDERS,
        id,
        account.owner,
        json!({"name": format!("Order {number} – {}", account.name), "ordernumber": number,
               "billto_name": account.name, "billto_line1": a.line1, "billto_city": a.city,
               "billto_stateorprovince": a.state, "billto_postalcode": a.zip,
               "billto_country": "US", "shipto_name": account.name, "shipto_line1": a.line1,
               "shipto_city": a.city, "shipto_stateorprovince": a.state,
               "shipto_postalcode": a.zip, "shipto_country": "US",
               "totallineitemamount": total, "totaltax": 0, "totalamount": total,
               "discountamount": 0, "freightamount": 0, "willcall": false,
               "ispricelocked": false, "statecode": 0, "statuscode": 1,
               "_customerid_value": account.id.to_string(),
               "_pricelevelid_value": crm_price_list().to_string(),
               "_transactioncurrencyid_value": currency,
               "_ownerid_value": account.owner.to_string()}),
    );
    for (j, line) in order_lines.iter().enumerate() {
        let key_text;
        let line_key = match key {
            Key::Named(name) => {
                key_text = format!("{name}/{j}");
                Key::Named(&key_text)
            }
            Key::Seq(n) => Key::Seq(n * 16 + j as u64),
        };
        let amount = line.amount();
        b.crm(
            &SALESORDERDETAILS,
            line_key.id("crm.salesorderdetails"),
            account.owner,
            json!({"quantity": line.quantity, "priceperunit": line.price,
                   "baseamount": amount, "extendedamount": amount,
                   "manualdiscountamount": 0, "tax": 0, "isproductoverridden": false,
                   "ispriceoverridden": false, "lineitemnumber": j + 1,
                   "sequencenumber": j + 1, "quantityshipped": 0,
                   "_salesorderid_value": id.to_string(),
                   "_productid_value": line.item.to_string(),
                   "_uomid_value": line.crm_unit.to_string()}),
        );
    }
}

/// Writes an open Dataverse opportunity for an account.
pub(super) fn crm_opportunity(
    b: &mut Builder,
    id: Uuid,
    account: Account<'_>,
    topic: &str,
    value: f64,
    date: i64,
) {
    b.crm(
        &CRM_OPPORTUNITIES,
        id,
        account.owner,
        json!({"name": topic, "estimatedvalue": value, "estimatedclosedate": day(date + 45),
               "closeprobability": 40, "isrevenuesystemcalculated": false,
               "statecode": 0, "statuscode": 1,
               "_customerid_value": account.id.to_string(),
               "_parentaccountid_value": account.id.to_string(),
               "_pricelevelid_value": crm_price_list().to_string(),
               "_transactioncurrencyid_value": crm_currency(LOCAL_CURRENCY.0).to_string(),
               "_ownerid_value": account.owner.to_string()}),
    );
}
