//! The in-memory state of both emulated services: tables of wire-shaped rows, the row-version
//! counter, number series, issued tokens and the clock. Optionally written through to SQLite.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::clock::MonotonicClock;
use crate::fields::Fields;
use crate::persist::Persist;

/// The tables the sandbox keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum TableId {
    /// BC `companies`.
    Companies,
    /// BC `customers`.
    Customers,
    /// BC `salespeoplePurchasers`.
    Salespeople,
    /// Dataverse `systemusers`.
    SystemUsers,
    /// Dataverse `accounts`.
    Accounts,
}

impl TableId {
    /// All tables, in a fixed order.
    pub(crate) const ALL: [TableId; 5] = [
        TableId::Companies,
        TableId::Customers,
        TableId::Salespeople,
        TableId::SystemUsers,
        TableId::Accounts,
    ];

    /// Name used in the state file.
    pub(crate) fn name(self) -> &'static str {
        match self {
            TableId::Companies => "bc.companies",
            TableId::Customers => "bc.customers",
            TableId::Salespeople => "bc.salespeoplePurchasers",
            TableId::SystemUsers => "crm.systemusers",
            TableId::Accounts => "crm.accounts",
        }
    }

    /// The key field on the wire.
    pub(crate) fn key_field(self) -> &'static str {
        match self {
            TableId::Companies | TableId::Customers | TableId::Salespeople => "id",
            TableId::SystemUsers => "systemuserid",
            TableId::Accounts => "accountid",
        }
    }

    /// Fields whose values are unique within the table (kept in an index for fast lookups).
    pub(crate) fn unique_fields(self) -> &'static [&'static str] {
        match self {
            TableId::Customers => &["number"],
            TableId::Salespeople => &["code"],
            _ => &[],
        }
    }

    /// Inverse of [`TableId::name`].
    pub(crate) fn from_name(name: &str) -> Option<TableId> {
        TableId::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// One stored row: the wire fields plus bookkeeping not (always) exposed on the wire.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// Wire-shaped fields (no `@odata.*` annotations).
    pub fields: Fields,
    /// Row version (global counter); the ETag derives from it.
    pub version: u64,
    /// Full-precision time of the last change.
    pub modified: DateTime<Utc>,
    /// The user (BC user security id or Dataverse systemuserid) who made the last change.
    pub modified_by: Uuid,
}

/// An issued access token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TokenInfo {
    /// The app the token was issued to.
    pub client_id: String,
    /// The scope without `/.default`, e.g. `https://api.businesscentral.dynamics.com`.
    pub audience: String,
    /// When it stops being accepted.
    pub expires: DateTime<Utc>,
}

type UndoEntry = (TableId, Uuid, Option<Row>);

/// The whole state, guarded by one mutex in [`crate::Shared`]; never held across an await.
pub(crate) struct Store {
    tables: BTreeMap<TableId, BTreeMap<Uuid, Row>>,
    /// The clock for modification times.
    pub clock: MonotonicClock,
    version: u64,
    series: BTreeMap<String, u64>,
    tokens: HashMap<String, TokenInfo>,
    undo: Option<Vec<UndoEntry>>,
    db: Option<Persist>,
    unique: HashMap<(TableId, &'static str), HashMap<String, Uuid>>,
}

impl Store {
    /// An empty store whose clock starts after `clock_start`.
    pub(crate) fn new(clock_start: DateTime<Utc>) -> Self {
        Self {
            tables: TableId::ALL
                .into_iter()
                .map(|t| (t, BTreeMap::new()))
                .collect(),
            clock: MonotonicClock::starting_after(clock_start),
            version: 1000,
            series: BTreeMap::new(),
            tokens: HashMap::new(),
            undo: None,
            db: None,
            unique: HashMap::new(),
        }
    }

    /// Rebuilds a store from saved parts.
    pub(crate) fn from_parts(
        rows: Vec<(TableId, Row)>,
        clock_last: DateTime<Utc>,
        version: u64,
        series: BTreeMap<String, u64>,
        tokens: HashMap<String, TokenInfo>,
        key_of: impl Fn(TableId, &Row) -> Option<Uuid>,
    ) -> Self {
        let mut store = Store::new(clock_last);
        store.version = version;
        store.series = series;
        store.tokens = tokens;
        for (table, row) in rows {
            if let Some(id) = key_of(table, &row) {
                store.index(table, id, &row);
                store.table_mut(table).insert(id, row);
            }
        }
        store
    }

    /// Attaches the SQLite file that every later change is written to.
    pub(crate) fn attach(&mut self, db: Persist) {
        self.db = Some(db);
    }

    fn table_mut(&mut self, table: TableId) -> &mut BTreeMap<Uuid, Row> {
        self.tables.entry(table).or_default()
    }

    /// A row by key.
    pub(crate) fn get(&self, table: TableId, id: &Uuid) -> Option<&Row> {
        self.tables.get(&table).and_then(|t| t.get(id))
    }

    /// A row with its stored key.
    pub(crate) fn entry(&self, table: TableId, id: &Uuid) -> Option<(&Uuid, &Row)> {
        self.tables.get(&table).and_then(|t| t.get_key_value(id))
    }

    /// All rows of a table, ordered by key.
    pub(crate) fn rows(&self, table: TableId) -> impl Iterator<Item = (&Uuid, &Row)> {
        self.tables.get(&table).into_iter().flat_map(|t| t.iter())
    }

    /// Rows of a table with keys after `after` (all rows when None), in key order.
    pub(crate) fn rows_after(
        &self,
        table: TableId,
        after: Option<Uuid>,
    ) -> impl Iterator<Item = (&Uuid, &Row)> {
        use std::ops::Bound;
        let lower = match after {
            Some(key) => Bound::Excluded(key),
            None => Bound::Unbounded,
        };
        self.tables
            .get(&table)
            .into_iter()
            .flat_map(move |t| t.range((lower, Bound::Unbounded)))
    }

    /// Number of rows in a table.
    #[cfg(test)]
    pub(crate) fn len(&self, table: TableId) -> usize {
        self.tables.get(&table).map_or(0, BTreeMap::len)
    }

    /// Next value of the global row-version counter.
    pub(crate) fn next_version(&mut self) -> u64 {
        self.version += 1;
        self.persist_meta("version", &self.version.to_string());
        self.version
    }

    /// Current value of the global row-version counter.
    pub(crate) fn version(&self) -> u64 {
        self.version
    }

    /// Next timestamp from the monotonic clock (persisted so restarts keep it increasing).
    pub(crate) fn now(&mut self) -> DateTime<Utc> {
        let now = self.clock.now();
        self.persist_meta("clock", &now.to_rfc3339());
        now
    }

    /// Last value handed out by a number series (0 if unused).
    pub(crate) fn series_last(&self, name: &str) -> u64 {
        self.series.get(name).copied().unwrap_or(0)
    }

    /// Sets the last value of a number series.
    pub(crate) fn set_series(&mut self, name: &str, value: u64) {
        self.series.insert(name.to_string(), value);
        self.persist_meta(&format!("series.{name}"), &value.to_string());
    }

    /// All number series (for saving).
    pub(crate) fn series(&self) -> &BTreeMap<String, u64> {
        &self.series
    }

    /// Inserts or replaces a row.
    pub(crate) fn put(&mut self, table: TableId, id: Uuid, row: Row) {
        if let Some(db) = &self.db
            && let Err(e) = db.save_row(table, &id, &row)
        {
            tracing::error!(table = table.name(), %id, "cannot write the state file: {e}");
        }
        let previous = self.table_mut(table).remove(&id);
        if let Some(old) = &previous {
            self.unindex(table, id, old, Some(&row.fields));
        }
        self.index(table, id, &row);
        self.table_mut(table).insert(id, row);
        if let Some(undo) = &mut self.undo {
            undo.push((table, id, previous));
        }
    }

    /// Removes a row; returns it.
    pub(crate) fn remove(&mut self, table: TableId, id: &Uuid) -> Option<Row> {
        let previous = self.table_mut(table).remove(id);
        if let Some(row) = &previous {
            self.unindex(table, *id, row, None);
        }
        if previous.is_some() {
            if let Some(db) = &self.db
                && let Err(e) = db.delete_row(table, id)
            {
                tracing::error!(table = table.name(), %id, "cannot write the state file: {e}");
            }
            if let Some(undo) = &mut self.undo {
                undo.push((table, *id, previous.clone()));
            }
        }
        previous
    }

    /// The key of the row whose unique `field` equals `value`.
    pub(crate) fn find_unique(&self, table: TableId, field: &str, value: &str) -> Option<Uuid> {
        self.unique
            .iter()
            .find(|((t, f), _)| *t == table && *f == field)
            .and_then(|(_, index)| index.get(value).copied())
    }

    fn index(&mut self, table: TableId, id: Uuid, row: &Row) {
        for field in table.unique_fields() {
            if let Some(Value::String(v)) = row.fields.get(field)
                && !v.is_empty()
            {
                self.unique
                    .entry((table, field))
                    .or_default()
                    .insert(v.clone(), id);
            }
        }
    }

    /// Drops index entries of `old` that still point at `id` and differ from `new`.
    fn unindex(&mut self, table: TableId, id: Uuid, old: &Row, new: Option<&Fields>) {
        for field in table.unique_fields() {
            let Some(Value::String(v)) = old.fields.get(field) else {
                continue;
            };
            if new.and_then(|n| n.get(field)) == Some(&Value::String(v.clone())) {
                continue;
            }
            if let Some(index) = self.unique.get_mut(&(table, *field))
                && index.get(v) == Some(&id)
            {
                index.remove(v);
            }
        }
    }

    /// Starts recording changes so that [`Store::rollback`] can undo them.
    pub(crate) fn begin(&mut self) {
        self.undo = Some(Vec::new());
    }

    /// Keeps the changes made since [`Store::begin`].
    pub(crate) fn commit(&mut self) {
        self.undo = None;
    }

    /// Undoes every change made since [`Store::begin`].
    pub(crate) fn rollback(&mut self) {
        let Some(undo) = self.undo.take() else {
            return;
        };
        for (table, id, previous) in undo.into_iter().rev() {
            match previous {
                Some(row) => self.put(table, id, row),
                None => {
                    self.remove(table, &id);
                }
            }
        }
    }

    /// Records an issued token.
    pub(crate) fn add_token(&mut self, token: String, info: TokenInfo) {
        let now = Utc::now();
        self.tokens.retain(|_, t| t.expires > now);
        if let Some(db) = &self.db
            && let Err(e) = db.save_token(&token, &info)
        {
            tracing::error!("cannot write the state file: {e}");
        }
        self.tokens.insert(token, info);
    }

    /// Looks up a token.
    pub(crate) fn token(&self, token: &str) -> Option<&TokenInfo> {
        self.tokens.get(token)
    }

    fn persist_meta(&self, key: &str, value: &str) {
        if let Some(db) = &self.db
            && let Err(e) = db.save_meta(key, value)
        {
            tracing::error!("cannot write the state file: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn row(name: &str) -> Row {
        let mut fields = Map::new();
        fields.insert("name".into(), Value::String(name.into()));
        Row {
            fields: Fields::from_map(TableId::Accounts, fields),
            version: 1,
            modified: Utc::now(),
            modified_by: Uuid::nil(),
        }
    }

    #[test]
    fn rollback_restores_replaced_removed_and_inserted_rows() {
        let mut store = Store::new(Utc::now());
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let c = Uuid::from_u128(3);
        store.put(TableId::Accounts, a, row("a"));
        store.put(TableId::Accounts, b, row("b"));
        store.begin();
        store.put(TableId::Accounts, a, row("a2"));
        store.remove(TableId::Accounts, &b);
        store.put(TableId::Accounts, c, row("c"));
        store.rollback();
        assert_eq!(
            store.get(TableId::Accounts, &a).map(|r| r.fields.clone()),
            Some(row("a").fields)
        );
        assert!(store.get(TableId::Accounts, &b).is_some());
        assert!(store.get(TableId::Accounts, &c).is_none());
    }
}
