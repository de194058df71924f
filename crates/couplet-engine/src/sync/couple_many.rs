//! Coupling many pairs at once (a list a user prepared): all of them or none.

use std::collections::HashSet;

use couplet_model::{Coupling, Side};
use couplet_store::couplings;
use tracing::info;
use uuid::Uuid;

use super::Engine;
use crate::EngineError;

impl Engine {
    /// Couples every pair of `pairs` (Business Central id, Dataverse id) in one transaction, or
    /// none: a record that does not exist, a record named twice, or one coupled elsewhere
    /// already refuses the whole list, naming every such pair. Returns how many were coupled.
    pub async fn couple_many(
        &self,
        name: &str,
        pairs: &[(Uuid, Uuid)],
    ) -> Result<usize, EngineError> {
        let mapping = self.mapping(name).await?;
        let mut problems: Vec<String> = Vec::new();
        for side in [Side::Erp, Side::Crm] {
            let ids: Vec<Uuid> = pairs
                .iter()
                .map(|(erp, crm)| match side {
                    Side::Erp => *erp,
                    Side::Crm => *crm,
                })
                .collect();
            let mut seen = HashSet::new();
            for id in &ids {
                if !seen.insert(*id) {
                    problems.push(format!("{} record {id} is named twice", side.product()));
                }
            }
            let entity = mapping.entity(side);
            let found: HashSet<Uuid> = self
                .endpoint(side)
                .get_many(entity, &ids, &[])
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect();
            for id in ids.iter().filter(|id| !found.contains(id)) {
                problems.push(format!("{} has no {entity} record {id}", side.product()));
            }
        }
        if !problems.is_empty() {
            return Err(EngineError::Invalid(format!(
                "nothing was coupled: {}",
                problems.join("; ")
            )));
        }
        let stored: Vec<Coupling> = pairs
            .iter()
            .map(|(erp, crm)| Coupling::new(&mapping.name, *erp, *crm))
            .collect();
        let count = stored.len();
        self.store
            .run(move |conn| {
                let tx = conn.transaction()?;
                for coupling in &stored {
                    couplings::upsert(&tx, coupling)?;
                }
                tx.commit()?;
                Ok(())
            })
            .await?;
        info!(mapping = %mapping.name, count, "pairs coupled from a list");
        Ok(count)
    }
}
