//! Dataverse's business rules for the sales tables (api-reference B7, B13 item 9): products
//! start in Draft, unique business keys, unit groups, price lists, write-in lines and the
//! amounts the platform computes.

use serde_json::{Map, Value};

use super::organization;
use super::schema::{PRODUCTS, Table};
use crate::store::Store;

/// Defaults a new row gets before the body is applied.
pub(crate) fn create_defaults(store: &Store, table: &Table, fields: &mut Map<String, Value>) {
    if table.set == PRODUCTS.set && !organization::creates_products_active(store) {
        // New products are Draft until published (statecode 2 / statuscode 0).
        fields.insert("statecode".into(), Value::from(2));
        fields.insert("statuscode".into(), Value::from(0));
    }
}
