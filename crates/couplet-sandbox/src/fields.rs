//! Compact storage of a row's wire fields: one value per column, in the table's column order,
//! so 20,000+ rows per table stay small (no per-row key strings or map nodes).

use serde_json::{Map, Value};

use crate::store::TableId;

/// A row's wire fields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fields {
    table: TableId,
    values: Box<[Value]>,
}

impl Fields {
    /// Takes the table's columns from `map` (missing ones become null; other keys are dropped).
    pub(crate) fn from_map(table: TableId, mut map: Map<String, Value>) -> Self {
        let values = table
            .columns()
            .iter()
            .map(|name| map.remove(*name).unwrap_or(Value::Null))
            .collect();
        Self { table, values }
    }

    /// Builds fields from values in the table's column order (as [`Fields::values`] gives
    /// them); missing trailing values become null, extra ones are dropped.
    pub(crate) fn from_values(table: TableId, values: Vec<Value>) -> Self {
        let count = table.columns().len();
        let mut values = values;
        values.resize(count, Value::Null);
        Self {
            table,
            values: values.into_boxed_slice(),
        }
    }

    /// Sets a column's value; returns false (and changes nothing) when the table has no such
    /// column.
    pub(crate) fn set(&mut self, name: &str, value: Value) -> bool {
        match self.table.columns().iter().position(|c| *c == name) {
            Some(i) => {
                self.values[i] = value;
                true
            }
            None => false,
        }
    }

    /// The values in column order.
    pub(crate) fn values(&self) -> &[Value] {
        &self.values
    }

    /// A field's value (None if the table has no such column).
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.table
            .columns()
            .iter()
            .position(|c| *c == name)
            .and_then(|i| self.values.get(i))
    }

    /// All fields in column order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.table.columns().iter().copied().zip(self.values.iter())
    }

    /// All fields as a JSON map.
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// Only the named fields, as a JSON map (enough to evaluate a filter over them).
    pub(crate) fn project(&self, names: &[String]) -> Map<String, Value> {
        names
            .iter()
            .filter_map(|n| self.get(n).map(|v| (n.clone(), v.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::tables::CrmTable;
    use serde_json::json;

    #[test]
    fn keeps_only_columns_in_order_and_round_trips() {
        let Value::Object(map) = json!({"name": "A", "bogus": 1, "accountid": "x"}) else {
            unreachable!("object literal")
        };
        let fields = Fields::from_map(TableId::Crm(CrmTable::Accounts), map);
        assert_eq!(fields.get("name"), Some(&json!("A")));
        assert_eq!(fields.get("telephone1"), Some(&Value::Null));
        assert_eq!(fields.get("bogus"), None);
        assert_eq!(fields.iter().next().map(|(k, _)| k), Some("accountid"));
        let again = Fields::from_map(TableId::Crm(CrmTable::Accounts), fields.to_map());
        assert_eq!(again, fields);
    }
}
