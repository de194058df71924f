//! Option sets (B5): values with their labels.

/// `customertypecode` (Relationship Type).
pub(crate) const RELATIONSHIP: &[(i64, &str)] = &[
    (1, "Competitor"),
    (2, "Consultant"),
    (3, "Customer"),
    (4, "Investor"),
    (5, "Partner"),
    (6, "Influencer"),
    (7, "Press"),
    (8, "Prospect"),
    (9, "Reseller"),
    (10, "Supplier"),
    (11, "Vendor"),
    (12, "Other"),
];
/// `statecode` of tables that are Active or Inactive.
pub(crate) const ACTIVE_STATE: &[(i64, &str)] = &[(0, "Active"), (1, "Inactive")];
/// `statuscode` of tables that are Active or Inactive.
pub(crate) const ACTIVE_STATUS: &[(i64, &str)] = &[(1, "Active"), (2, "Inactive")];
/// `systemuser.accessmode`.
pub(crate) const ACCESS_MODE: &[(i64, &str)] = &[
    (0, "Read-Write"),
    (1, "Administrative"),
    (2, "Read"),
    (3, "Support User"),
    (4, "Non-interactive"),
    (5, "Delegated Admin"),
];
/// `paymenttermscode` (account, contact, order, invoice).
pub(crate) const PAYMENT_TERMS: &[(i64, &str)] = &[
    (1, "Net 30"),
    (2, "2% 10, Net 30"),
    (3, "Net 45"),
    (4, "Net 60"),
];
/// `address1_freighttermscode` / `freighttermscode`.
pub(crate) const FREIGHT_TERMS: &[(i64, &str)] = &[(1, "FOB"), (2, "No Charge")];
/// `address1_shippingmethodcode` / `shippingmethodcode`.
pub(crate) const SHIPPING_METHOD: &[(i64, &str)] = &[
    (1, "Airborne"),
    (2, "DHL"),
    (3, "FedEx"),
    (4, "UPS"),
    (5, "Postal Mail"),
    (6, "Full Load"),
    (7, "Will Call"),
];
/// `team.teamtype`.
pub(crate) const TEAM_TYPE: &[(i64, &str)] = &[
    (0, "Owner"),
    (1, "Access"),
    (2, "Security Group"),
    (3, "Office Group"),
];
/// `product.producttypecode`.
pub(crate) const PRODUCT_TYPE: &[(i64, &str)] = &[
    (1, "Sales Inventory"),
    (2, "Miscellaneous Charges"),
    (3, "Services"),
    (4, "Flat Fees"),
];
/// `product.productstructure`.
pub(crate) const PRODUCT_STRUCTURE: &[(i64, &str)] =
    &[(1, "Product"), (2, "Product Family"), (3, "Product Bundle")];
/// `product.statecode`.
pub(crate) const PRODUCT_STATE: &[(i64, &str)] = &[
    (0, "Active"),
    (1, "Retired"),
    (2, "Draft"),
    (3, "Under Revision"),
];
/// `product.statuscode`.
pub(crate) const PRODUCT_STATUS: &[(i64, &str)] = &[
    (0, "Draft"),
    (1, "Active"),
    (2, "Retired"),
    (3, "Under Revision"),
];
/// `pricelevel.statuscode`.
pub(crate) const PRICE_LIST_STATUS: &[(i64, &str)] = &[(100001, "Active"), (100002, "Inactive")];
/// `productpricelevel.pricingmethodcode`.
pub(crate) const PRICING_METHOD: &[(i64, &str)] = &[
    (1, "Currency Amount"),
    (2, "Percent of List"),
    (3, "Percent Markup - Current Cost"),
    (4, "Percent Margin - Current Cost"),
    (5, "Percent Markup - Standard Cost"),
    (6, "Percent Margin - Standard Cost"),
];
/// `productpricelevel.quantitysellingcode`.
pub(crate) const QUANTITY_SELLING: &[(i64, &str)] =
    &[(1, "No Control"), (2, "Whole"), (3, "Whole and Fractional")];
/// `productpricelevel.roundingpolicycode`.
pub(crate) const ROUNDING_POLICY: &[(i64, &str)] =
    &[(1, "None"), (2, "Up"), (3, "Down"), (4, "To Nearest")];
/// `opportunity.statecode`.
pub(crate) const OPPORTUNITY_STATE: &[(i64, &str)] = &[(0, "Open"), (1, "Won"), (2, "Lost")];
/// `opportunity.statuscode`.
pub(crate) const OPPORTUNITY_STATUS: &[(i64, &str)] = &[
    (1, "In Progress"),
    (2, "On Hold"),
    (3, "Won"),
    (4, "Canceled"),
    (5, "Out-Sold"),
];
/// `salesorder.statecode`.
pub(crate) const ORDER_STATE: &[(i64, &str)] = &[
    (0, "Active"),
    (1, "Submitted"),
    (2, "Canceled"),
    (3, "Fulfilled"),
    (4, "Invoiced"),
];
/// `salesorder.statuscode`.
pub(crate) const ORDER_STATUS: &[(i64, &str)] = &[
    (1, "New"),
    (2, "Pending"),
    (3, "In Progress"),
    (4, "No Money"),
    (100001, "Complete"),
    (100002, "Partial"),
    (100003, "Invoiced"),
];
/// `invoice.statecode`.
pub(crate) const INVOICE_STATE: &[(i64, &str)] =
    &[(0, "Active"), (1, "Closed"), (2, "Paid"), (3, "Canceled")];
/// `invoice.statuscode`.
pub(crate) const INVOICE_STATUS: &[(i64, &str)] = &[
    (1, "New"),
    (2, "Partially Shipped"),
    (3, "Canceled"),
    (4, "Billed"),
    (5, "Booked (applies to services)"),
    (6, "Installed (applies to services)"),
    (7, "Paid in Full"),
    (100001, "Complete"),
    (100002, "Partial"),
    (100003, "Canceled"),
];
