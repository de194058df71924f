//! Reading changes with Dataverse change tracking (api-reference B9): a first read with
//! `Prefer: odata.track-changes` returns every row and, on its last page, an `@odata.deltaLink`;
//! following that link later returns the rows created or changed since, then the deleted ones as
//! `$deletedEntity` entries, and a new delta link. The service takes no `$filter` there, so the
//! query's filter is applied here, to the rows returned.

use couplet_model::{ChangePage, EndpointError, ErrorKind, Query};
use couplet_odata::QueryBuilder;
use reqwest::header::HeaderName;
use serde_json::Value;
use uuid::Uuid;

use crate::read::Source;

impl Source<'_> {
    /// Reads one page of changes: the page `page` of a read, else the changes since `token`
    /// (a delta link), else every row with a token for next time.
    pub(crate) async fn changes_page(
        &self,
        query: &Query,
        token: Option<&str>,
        page: Option<&str>,
    ) -> Result<ChangePage, EndpointError> {
        let url = match (page, token) {
            (Some(link), _) | (None, Some(link)) => link.to_owned(),
            (None, None) => QueryBuilder::new()
                .select(self.select(&query.fields)?)
                .url(&self.collection_url),
        };
        self.check_link(&url)?;
        let prefer = format!(
            "odata.track-changes,odata.maxpagesize={}",
            self.page_size(query)
        );
        let body = self
            .client
            .get_json(&url, vec![(HeaderName::from_static("prefer"), prefer)])
            .await
            .map_err(|e| e.into_endpoint_error(self.side))?;
        self.read_changes(&url, body, query)
    }

    fn read_changes(
        &self,
        url: &str,
        body: Value,
        query: &Query,
    ) -> Result<ChangePage, EndpointError> {
        let malformed = |what: &str| {
            EndpointError::new(
                ErrorKind::Protocol,
                self.side,
                format!("the change-tracking answer from {url} {what}"),
            )
        };
        let Value::Object(mut map) = body else {
            return Err(malformed("is not a JSON object"));
        };
        let Some(Value::Array(rows)) = map.remove("value") else {
            return Err(malformed("has no \"value\" array"));
        };
        let link = |map: &mut serde_json::Map<String, Value>, key: &str| match map.remove(key) {
            Some(Value::String(s)) => Ok(Some(s)),
            None | Some(Value::Null) => Ok(None),
            Some(_) => Err(malformed(&format!("has a {key} that is not text"))),
        };
        let next = link(&mut map, "@odata.nextLink")?;
        let token = link(&mut map, "@odata.deltaLink")?;
        if next.is_none() && token.is_none() {
            return Err(malformed(
                "ends without an @odata.deltaLink: the table's change tracking is off",
            ));
        }
        let wire = self.wire_names(&query.fields);
        let mut records = Vec::with_capacity(rows.len());
        let mut deleted = Vec::new();
        for (i, row) in rows.into_iter().enumerate() {
            if is_deleted_entry(&row) {
                let id = row
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| malformed(&format!("has a deleted entry {i} without an id")))?;
                deleted.push(id);
                continue;
            }
            let record = self.record(row, i, &wire)?;
            if query
                .filter
                .as_ref()
                .is_none_or(|f| f.matches(&record.fields))
            {
                records.push(record);
            }
        }
        Ok(ChangePage {
            records,
            deleted,
            next,
            token,
        })
    }
}

/// A `$deletedEntity` entry of a delta answer.
fn is_deleted_entry(row: &Value) -> bool {
    row.get("@odata.context")
        .and_then(Value::as_str)
        .is_some_and(|c| c.ends_with("$deletedEntity"))
        || row.get("reason").and_then(Value::as_str) == Some("deleted")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deleted_entries_are_told_apart_from_rows() {
        assert!(is_deleted_entry(&json!({
            "@odata.context": "https://x/api/data/v9.2/$metadata#accounts/$deletedEntity",
            "id": "3c7a2c4b-0000-0000-0000-000000000001",
            "reason": "deleted"
        })));
        assert!(!is_deleted_entry(
            &json!({"accountid": "x", "name": "Adatum"})
        ));
    }
}
