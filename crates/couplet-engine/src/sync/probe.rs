//! Whether a mapping has anything to synchronize, asked cheaply: per pass, one read of at most
//! one row. The job queue asks it before running a job on hold.
//!
//! A pass that keeps a change-tracking token asks the service for the changes since it (the
//! answer is only looked at: the token is not moved on), which sees every change, deletions
//! included. Otherwise the read is of rows modified strictly after the pass's checkpoint (a
//! sync reads from its checkpoint inclusively, so the row at the checkpoint itself would come
//! back every time); a row changed within the checkpoint's own instant after the run read it
//! is then not seen here, and the job's inactivity timeout, or any later change, runs it.

use couplet_model::Query;
use couplet_store::checkpoints;

use super::Engine;
use crate::EngineError;

impl Engine {
    /// Whether any source row of the mapping `name` changed since its last run (true when a
    /// pass has never run).
    pub async fn has_changes(&self, name: &str) -> Result<bool, EngineError> {
        let mapping = self.mapping(name).await?;
        for pass in mapping.direction.passes() {
            let Some(source) = pass.source() else {
                continue;
            };
            let (owned, one_way) = (mapping.name.clone(), *pass);
            let Some(checkpoint) = self
                .store
                .run(move |conn| checkpoints::get(conn, &owned, one_way))
                .await?
            else {
                return Ok(true);
            };
            let mut query = Query {
                entity: mapping.entity(source).to_owned(),
                fields: mapping
                    .filter(source)
                    .map(|f| f.fields().into_iter().map(str::to_owned).collect())
                    .unwrap_or_default(),
                filter: mapping.filter(source).cloned(),
                modified_since: None,
                modified_before: None,
                page_size: Some(1),
            };
            let endpoint = self.endpoint(source);
            if let Some(token) = &checkpoint.token
                && let Some(page) = endpoint.changes(&query, Some(token), None).await?
            {
                if !page.records.is_empty() || !page.deleted.is_empty() || page.next.is_some() {
                    return Ok(true);
                }
                continue;
            }
            let Some(since) = checkpoint.modified_since else {
                return Ok(true);
            };
            query.modified_since = Some(since + chrono::Duration::milliseconds(1));
            if !endpoint.query(&query, None).await?.records.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
