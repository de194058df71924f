//! Records kept on disk instead of in memory while a pass works through them: the
//! destination rows a full synchronization matches against can number a million, far more
//! than the engine should hold. Each spill is a private temporary SQLite database (SQLite
//! deletes it when the spill is dropped), found again by keys the caller computes.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use couplet_model::Record;
use rusqlite::{Connection, params};

use crate::StoreError;

/// Pages SQLite keeps in memory for a spill, in KiB (negative `cache_size`).
const CACHE_KIB: i64 = 8 * 1024;

struct Inner {
    conn: Connection,
    /// Records appended so far (their positions are 0..len).
    len: u64,
    /// Index names already built, with their numbers in the `keys` table.
    indexes: HashMap<String, i64>,
}

/// Records on disk, in the order appended, with indexes by caller-computed keys.
#[derive(Clone)]
pub struct RecordSpill {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for RecordSpill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordSpill").finish_non_exhaustive()
    }
}

impl RecordSpill {
    /// A new, empty spill.
    pub fn new() -> Result<RecordSpill, StoreError> {
        // An empty file name is SQLite's private temporary database, deleted on close.
        let conn = Connection::open("")?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = OFF;
             PRAGMA synchronous = OFF;
             PRAGMA cache_size = -{CACHE_KIB};
             CREATE TABLE rows (pos INTEGER PRIMARY KEY, record TEXT NOT NULL);
             CREATE TABLE keys (idx INTEGER NOT NULL, key TEXT NOT NULL, pos INTEGER NOT NULL);
             CREATE INDEX keys_by_key ON keys (idx, key);"
        ))?;
        Ok(RecordSpill {
            inner: Arc::new(Mutex::new(Inner {
                conn,
                len: 0,
                indexes: HashMap::new(),
            })),
        })
    }

    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Inner) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut inner = inner.lock().map_err(|_| StoreError::Poisoned)?;
            f(&mut inner)
        })
        .await
        .map_err(|e| StoreError::Join(e.to_string()))?
    }

    /// Appends `records` after those already kept. Indexes already built do not cover them:
    /// append everything before indexing.
    pub async fn append(&self, records: Vec<Record>) -> Result<(), StoreError> {
        self.run(move |inner| {
            if !inner.indexes.is_empty() {
                return Err(StoreError::Invalid(
                    "records appended to a spill after it was indexed".to_owned(),
                ));
            }
            let tx = inner.conn.transaction()?;
            {
                let mut insert =
                    tx.prepare_cached("INSERT INTO rows (pos, record) VALUES (?1, ?2)")?;
                for (pos, record) in (inner.len..).zip(&records) {
                    let json = serde_json::to_string(record)
                        .map_err(|e| StoreError::Invalid(format!("record {}: {e}", record.id)))?;
                    insert.execute(params![pos as i64, json])?;
                }
            }
            tx.commit()?;
            inner.len += records.len() as u64;
            Ok(())
        })
        .await
    }

    /// How many records the spill holds.
    pub async fn len(&self) -> Result<u64, StoreError> {
        self.run(|inner| Ok(inner.len)).await
    }

    /// Whether the spill holds no record.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len().await? == 0)
    }

    /// Builds the index `name`: each record under the key `key_of` gives it (none: not
    /// indexed). An index is built once; asking again for the same name does nothing.
    pub async fn index<F>(&self, name: String, key_of: F) -> Result<(), StoreError>
    where
        F: Fn(&Record) -> Option<String> + Send + 'static,
    {
        self.run(move |inner| {
            if inner.indexes.contains_key(&name) {
                return Ok(());
            }
            let number = inner.indexes.len() as i64;
            let tx = inner.conn.transaction()?;
            {
                let mut read = tx.prepare("SELECT pos, record FROM rows ORDER BY pos")?;
                let mut insert =
                    tx.prepare_cached("INSERT INTO keys (idx, key, pos) VALUES (?1, ?2, ?3)")?;
                let mut rows = read.query([])?;
                while let Some(row) = rows.next()? {
                    let pos: i64 = row.get(0)?;
                    let json: String = row.get(1)?;
                    let record = parse(&json)?;
                    if let Some(key) = key_of(&record) {
                        insert.execute(params![number, key, pos])?;
                    }
                }
            }
            tx.commit()?;
            inner.indexes.insert(name, number);
            Ok(())
        })
        .await
    }

    /// The records any of `keys` points at in the index `name`, each once, in the order they
    /// were appended. An index not built yet is an error.
    pub async fn find(&self, name: String, keys: Vec<String>) -> Result<Vec<Record>, StoreError> {
        self.run(move |inner| {
            let number = *inner.indexes.get(&name).ok_or_else(|| {
                StoreError::Invalid(format!("the spill has no index named {name:?}"))
            })?;
            let mut select = inner.conn.prepare_cached(
                "SELECT r.pos, r.record FROM keys k JOIN rows r ON r.pos = k.pos
                 WHERE k.idx = ?1 AND k.key = ?2",
            )?;
            let mut found: BTreeMap<i64, String> = BTreeMap::new();
            for key in &keys {
                let mut rows = select.query(params![number, key])?;
                while let Some(row) = rows.next()? {
                    found.insert(row.get(0)?, row.get(1)?);
                }
            }
            found.values().map(|json| parse(json)).collect()
        })
        .await
    }

    /// Every record, in the order appended.
    pub async fn all(&self) -> Result<Vec<Record>, StoreError> {
        self.run(|inner| {
            let mut read = inner.conn.prepare("SELECT record FROM rows ORDER BY pos")?;
            let mut rows = read.query([])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let json: String = row.get(0)?;
                out.push(parse(&json)?);
            }
            Ok(out)
        })
        .await
    }
}

fn parse(json: &str) -> Result<Record, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::corrupt("spilled record", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use serde_json::json;
    use uuid::Uuid;

    fn record(name: &str) -> Record {
        let mut fields = couplet_model::Fields::new();
        fields.insert("name".into(), json!(name));
        Record {
            id: Uuid::new_v4(),
            fields,
            modified_on: Utc::now(),
            modified_by: None,
            etag: Some("W/\"1\"".into()),
        }
    }

    fn lower_name(r: &Record) -> Option<String> {
        r.text("name").map(str::to_lowercase)
    }

    #[tokio::test]
    async fn records_come_back_whole_by_key_each_once_in_order() {
        let spill = RecordSpill::new().expect("spill");
        let records: Vec<Record> = ["Adatum", "Fabrikam", "ADATUM", "Contoso"]
            .into_iter()
            .map(record)
            .collect();
        spill.append(records[..2].to_vec()).await.expect("append");
        spill
            .append(records[2..].to_vec())
            .await
            .expect("append more");
        assert_eq!(spill.len().await.expect("len"), 4);
        spill.index("name".into(), lower_name).await.expect("index");
        let found = spill
            .find(
                "name".into(),
                vec!["adatum".into(), "contoso".into(), "adatum".into()],
            )
            .await
            .expect("find");
        assert_eq!(
            found,
            vec![records[0].clone(), records[2].clone(), records[3].clone()]
        );
        assert!(
            spill
                .find("name".into(), vec!["northwind".into()])
                .await
                .expect("find")
                .is_empty()
        );
        assert_eq!(spill.all().await.expect("all"), records);
    }

    #[tokio::test]
    async fn an_unbuilt_index_and_a_late_append_are_refused() {
        let spill = RecordSpill::new().expect("spill");
        spill.append(vec![record("A")]).await.expect("append");
        let err = spill
            .find("city".into(), vec!["x".into()])
            .await
            .expect_err("no such index");
        assert!(err.to_string().contains("city"), "{err}");
        spill.index("name".into(), lower_name).await.expect("index");
        spill
            .append(vec![record("B")])
            .await
            .expect_err("indexes would miss it");
    }
}
