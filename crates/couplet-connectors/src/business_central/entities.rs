//! The Business Central API v2.0 entities Couplet knows.

use crate::entity::{EntityDef, FieldDef, FieldType, text};

use FieldType::{DateTime, Guid, Text};

/// `customers` (page 30009 "APIV2 - Customers").
const CUSTOMERS: EntityDef = EntityDef {
    name: "customers",
    set: "customers",
    key: "id",
    modified: "lastModifiedDateTime",
    fields: &[
        FieldDef::new("id", Guid).read_only(),
        text("number", 20),
        text("displayName", 100),
        text("addressLine1", 100),
        text("addressLine2", 50),
        text("city", 30),
        text("state", 30),
        text("country", 10),
        text("postalCode", 20),
        text("phoneNumber", 30),
        text("email", 80),
        text("website", 80),
        text("salespersonCode", 20),
        // Enum: " ", "Ship", "Invoice", "All".
        FieldDef::new("blocked", Text(None)),
        FieldDef::new("lastModifiedDateTime", DateTime).read_only(),
    ],
};

/// `salespeoplePurchasers` (page 30075 "APIV2 - Salesperson/Purchaser").
const SALESPEOPLE_PURCHASERS: EntityDef = EntityDef {
    name: "salespeoplePurchasers",
    set: "salespeoplePurchasers",
    key: "id",
    modified: "lastModifiedDateTime",
    fields: &[
        FieldDef::new("id", Guid).read_only(),
        text("code", 20).required(),
        text("displayName", 50),
        text("email", 80),
        text("phoneNo", 30),
        FieldDef::new("lastModifiedDateTime", DateTime).read_only(),
    ],
};

/// Every entity the Business Central connector knows.
pub(crate) const ENTITIES: &[EntityDef] = &[CUSTOMERS, SALESPEOPLE_PURCHASERS];
