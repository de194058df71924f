//! Sales documents: opportunities, orders and invoices with their lines.

use super::choices::{
    FREIGHT_TERMS, INVOICE_STATE, INVOICE_STATUS, OPPORTUNITY_STATE, OPPORTUNITY_STATUS,
    ORDER_STATE, ORDER_STATUS, PAYMENT_TERMS, SHIPPING_METHOD,
};
use super::{
    Access, Collection, Kind, OWNER, Table, Target, c, ro, set_by_platform, target, to, to_any, w,
};
use crate::crm::tables::CrmTable;
use crate::store::TableId;

const CUSTOMER: Kind = to_any("customerid", &[target::ACCOUNT, target::CONTACT]);
const PRICE_LIST: Kind = to("pricelevelid", &[target::PRICE_LIST]);
const CURRENCY: Kind = to("transactioncurrencyid", &[target::CURRENCY]);
const ORDERS: &[Target] = &[target::ORDER];

/// `opportunity` / `opportunities`.
pub(crate) static OPPORTUNITIES: Table = Table {
    set: "opportunities",
    logical: "opportunity",
    key: "opportunityid",
    primary_name: "name",
    table: TableId::Crm(CrmTable::Opportunities),
    own_columns: &[
        c("opportunityid", Kind::Guid, Access::Key),
        w("name", Kind::Text(300)),
        w("description", Kind::Text(2000)),
        w("estimatedvalue", Kind::Decimal),
        w("estimatedclosedate", Kind::Date),
        w("closeprobability", Kind::Int(0, 100)),
        w("isrevenuesystemcalculated", Kind::Bool),
        w("statecode", Kind::Choice(OPPORTUNITY_STATE)),
        w("statuscode", Kind::Choice(OPPORTUNITY_STATUS)),
        w("_customerid_value", CUSTOMER),
        w(
            "_parentaccountid_value",
            to("parentaccountid", &[target::ACCOUNT]),
        ),
        w(
            "_parentcontactid_value",
            to("parentcontactid", &[target::CONTACT]),
        ),
        w("_pricelevelid_value", PRICE_LIST),
        w("_transactioncurrencyid_value", CURRENCY),
        w("_ownerid_value", OWNER),
    ],
    required: &["name"],
    states: &[(0, &[1, 2]), (1, &[3]), (2, &[4, 5])],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[Collection {
        name: "Opportunity_Annotation",
        set: "annotations",
        via: "_objectid_value",
    }],
};

/// A document header's columns: the ones before `;`, the shipping, address and total columns
/// orders and invoices share (in their wire order), then the ones after.
macro_rules! header_columns {
    ($($before:expr),* ; $($after:expr),* $(,)?) => {
        &[
            $($before,)*
            w("shippingmethodcode", Kind::Choice(SHIPPING_METHOD)),
            w("willcall", Kind::Bool),
            w("ispricelocked", Kind::Bool),
            w("billto_name", Kind::Text(200)),
            w("billto_line1", Kind::Text(250)),
            w("billto_line2", Kind::Text(250)),
            w("billto_line3", Kind::Text(250)),
            w("billto_city", Kind::Text(80)),
            w("billto_stateorprovince", Kind::Text(50)),
            w("billto_postalcode", Kind::Text(20)),
            w("billto_country", Kind::Text(80)),
            w("shipto_name", Kind::Text(200)),
            w("shipto_line1", Kind::Text(250)),
            w("shipto_line2", Kind::Text(250)),
            w("shipto_line3", Kind::Text(250)),
            w("shipto_city", Kind::Text(80)),
            w("shipto_stateorprovince", Kind::Text(50)),
            w("shipto_postalcode", Kind::Text(20)),
            w("shipto_country", Kind::Text(80)),
            ro("totallineitemamount", Kind::Decimal),
            ro("totaltax", Kind::Decimal),
            ro("totalamount", Kind::Decimal),
            w("discountamount", Kind::Decimal),
            w("discountpercentage", Kind::Number),
            w("freightamount", Kind::Decimal),
            $($after),*
        ]
    };
}

/// `salesorder` / `salesorders`.
pub(crate) static SALESORDERS: Table = Table {
    set: "salesorders",
    logical: "salesorder",
    key: "salesorderid",
    primary_name: "name",
    table: TableId::Crm(CrmTable::SalesOrders),
    own_columns: header_columns![
        c("salesorderid", Kind::Guid, Access::Key),
        w("name", Kind::Text(300)),
        w("ordernumber", Kind::Text(100)),
        w("description", Kind::Text(2000)),
        w("requestdeliveryby", Kind::Date),
        w("datefulfilled", Kind::Date),
        w("submitdate", Kind::Date),
        w("submitstatus", Kind::Int(0, 1_000_000_000)),
        w("submitstatusdescription", Kind::Text(2000)),
        w("freighttermscode", Kind::Choice(FREIGHT_TERMS)),
        w("paymenttermscode", Kind::Choice(PAYMENT_TERMS));
        w("statecode", Kind::Choice(ORDER_STATE)),
        w("statuscode", Kind::Choice(ORDER_STATUS)),
        w("_customerid_value", CUSTOMER),
        w("_pricelevelid_value", PRICE_LIST),
        w("_transactioncurrencyid_value", CURRENCY),
        w(
            "_opportunityid_value",
            to("opportunityid", &[target::OPPORTUNITY]),
        ),
        ro(
            "_quoteid_value",
            set_by_platform("quoteid", &[target::QUOTE]),
        ),
        w("_ownerid_value", OWNER),
    ],
    required: &["name", "_pricelevelid_value"],
    states: &[
        (0, &[1, 2]),
        (1, &[3]),
        (2, &[4]),
        (3, &[100001, 100002]),
        (4, &[100003]),
    ],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[
        Collection {
            name: "order_details",
            set: "salesorderdetails",
            via: "_salesorderid_value",
        },
        Collection {
            name: "SalesOrder_Annotation",
            set: "annotations",
            via: "_objectid_value",
        },
    ],
};

/// `salesorderdetail` / `salesorderdetails` (order lines).
pub(crate) static SALESORDERDETAILS: Table = Table {
    set: "salesorderdetails",
    logical: "salesorderdetail",
    key: "salesorderdetailid",
    primary_name: "productdescription",
    table: TableId::Crm(CrmTable::SalesOrderDetails),
    own_columns: &[
        c("salesorderdetailid", Kind::Guid, Access::Key),
        w("_salesorderid_value", to("salesorderid", ORDERS)),
        w("quantity", Kind::Number),
        w("priceperunit", Kind::Decimal),
        ro("baseamount", Kind::Decimal),
        ro("extendedamount", Kind::Decimal),
        w("manualdiscountamount", Kind::Decimal),
        w("tax", Kind::Decimal),
        w("isproductoverridden", Kind::Bool),
        w("productdescription", Kind::Text(500)),
        w("ispriceoverridden", Kind::Bool),
        w("lineitemnumber", Kind::Int(0, 1_000_000_000)),
        w("sequencenumber", Kind::Int(0, 1_000_000_000)),
        w("description", Kind::Text(2000)),
        w("_productid_value", to("productid", &[target::PRODUCT])),
        w("_uomid_value", to("uomid", &[target::UNIT])),
        w("quantityshipped", Kind::Number),
        w("quantitybackordered", Kind::Number),
        w("quantitycancelled", Kind::Number),
        w("requestdeliveryby", Kind::Date),
        w("_salesrepid_value", to("salesrepid", &[target::USER])),
    ],
    required: &["_salesorderid_value", "quantity"],
    states: &[],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[],
};

/// `invoice` / `invoices`.
pub(crate) static INVOICES: Table = Table {
    set: "invoices",
    logical: "invoice",
    key: "invoiceid",
    primary_name: "name",
    table: TableId::Crm(CrmTable::Invoices),
    own_columns: header_columns![
        c("invoiceid", Kind::Guid, Access::Key),
        w("name", Kind::Text(300)),
        w("invoicenumber", Kind::Text(100)),
        w("description", Kind::Text(2000)),
        w("datedelivered", Kind::Date),
        w("duedate", Kind::Date),
        w("paymenttermscode", Kind::Choice(PAYMENT_TERMS));
        w("statecode", Kind::Choice(INVOICE_STATE)),
        w("statuscode", Kind::Choice(INVOICE_STATUS)),
        w("_customerid_value", CUSTOMER),
        w("_pricelevelid_value", PRICE_LIST),
        w("_transactioncurrencyid_value", CURRENCY),
        w("_salesorderid_value", to("salesorderid", ORDERS)),
        w(
            "_opportunityid_value",
            to("opportunityid", &[target::OPPORTUNITY]),
        ),
        w("_ownerid_value", OWNER),
    ],
    required: &["name", "_pricelevelid_value"],
    states: &[
        (0, &[1, 2, 4, 5, 6]),
        (1, &[3, 7]),
        (2, &[100001, 100002]),
        (3, &[100003]),
    ],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[
        Collection {
            name: "invoice_details",
            set: "invoicedetails",
            via: "_invoiceid_value",
        },
        Collection {
            name: "Invoice_Annotation",
            set: "annotations",
            via: "_objectid_value",
        },
    ],
};

/// `invoicedetail` / `invoicedetails` (invoice lines).
pub(crate) static INVOICEDETAILS: Table = Table {
    set: "invoicedetails",
    logical: "invoicedetail",
    key: "invoicedetailid",
    primary_name: "productdescription",
    table: TableId::Crm(CrmTable::InvoiceDetails),
    own_columns: &[
        c("invoicedetailid", Kind::Guid, Access::Key),
        w("_invoiceid_value", to("invoiceid", &[target::INVOICE])),
        w("quantity", Kind::Number),
        w("priceperunit", Kind::Decimal),
        ro("baseamount", Kind::Decimal),
        ro("extendedamount", Kind::Decimal),
        w("manualdiscountamount", Kind::Decimal),
        w("tax", Kind::Decimal),
        w("isproductoverridden", Kind::Bool),
        w("productdescription", Kind::Text(500)),
        w("ispriceoverridden", Kind::Bool),
        w("lineitemnumber", Kind::Int(0, 1_000_000_000)),
        w("sequencenumber", Kind::Int(0, 1_000_000_000)),
        w("description", Kind::Text(2000)),
        w("_productid_value", to("productid", &[target::PRODUCT])),
        w("_uomid_value", to("uomid", &[target::UNIT])),
    ],
    required: &["_invoiceid_value", "quantity"],
    states: &[],
    creatable: true,
    unique: &[],
    change_tracking: true,
    deletable: true,
    bulk_messages: true,
    collections: &[],
};
