//! The Dataverse Web API v9.2 tables Couplet knows.

use crate::entity::{EntityDef, FieldDef, FieldType, text};

use FieldType::{Boolean, DateTime, Guid, Integer, Lookup};

/// `account` / `accounts`.
const ACCOUNT: EntityDef = EntityDef {
    name: "account",
    set: "accounts",
    key: "accountid",
    modified: "modifiedon",
    fields: &[
        FieldDef::new("accountid", Guid).read_only(),
        text("name", 160).required(),
        text("telephone1", 50),
        text("emailaddress1", 100),
        text("websiteurl", 200),
        text("address1_line1", 250),
        text("address1_line2", 250),
        text("address1_city", 80),
        text("address1_stateorprovince", 50),
        text("address1_postalcode", 20),
        text("address1_country", 80),
        FieldDef::new("customertypecode", Integer),
        FieldDef::new("statecode", Integer),
        FieldDef::new(
            "ownerid",
            Lookup {
                target_set: "systemusers",
            },
        ),
        FieldDef::new("modifiedon", DateTime).read_only(),
    ],
};

/// `systemuser` / `systemusers`.
const SYSTEMUSER: EntityDef = EntityDef {
    name: "systemuser",
    set: "systemusers",
    key: "systemuserid",
    modified: "modifiedon",
    fields: &[
        FieldDef::new("systemuserid", Guid).read_only(),
        // Composed by Dataverse from first and last name.
        text("fullname", 200).read_only(),
        text("internalemailaddress", 100),
        text("mobilephone", 64),
        FieldDef::new("isdisabled", Boolean),
        FieldDef::new("islicensed", Boolean),
        FieldDef::new("isintegrationuser", Boolean),
        FieldDef::new("modifiedon", DateTime).read_only(),
    ],
};

/// Every table the Dataverse connector knows.
pub(crate) const ENTITIES: &[EntityDef] = &[ACCOUNT, SYSTEMUSER];
