//! Coupling and uncoupling records.

use couplet_model::Side;
use uuid::Uuid;

use crate::dto::CouplingView;
use crate::{ApiError, AppContext, sync};

/// The couplings of a mapping, a page at a time.
pub async fn list(
    ctx: &AppContext,
    mapping: &str,
    offset: u64,
    limit: u64,
) -> Result<Vec<CouplingView>, ApiError> {
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let rows = ctx
        .store()
        .run(move |conn| couplet_store::couplings::list(conn, &name, offset, limit))
        .await?;
    Ok(rows.into_iter().map(CouplingView::from).collect())
}

/// Couples one ERP record to one CRM record, after checking both exist.
pub async fn couple(
    ctx: &AppContext,
    mapping: &str,
    erp_id: Uuid,
    crm_id: Uuid,
) -> Result<CouplingView, ApiError> {
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let engine = sync::engine(ctx).await?;
    Ok(CouplingView::from(
        engine.couple(&name, erp_id, crm_id).await?,
    ))
}

/// Removes the coupling of the record `id` on `side` (and closes the pair's open conflict);
/// false when it was not coupled.
pub async fn uncouple(
    ctx: &AppContext,
    mapping: &str,
    side: Side,
    id: Uuid,
) -> Result<bool, ApiError> {
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let removed = ctx
        .store()
        .run(move |conn| {
            let tx = conn.transaction()?;
            let Some(coupling) = couplet_store::couplings::get(&tx, &name, side, id)? else {
                return Ok(false);
            };
            couplet_store::couplings::delete(&tx, &name, side, id)?;
            couplet_store::conflicts::close_uncoupled(
                &tx,
                &name,
                Some(coupling.erp_id),
                chrono::Utc::now(),
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await?;
    Ok(removed)
}

/// Removes every coupling of `mapping` (and closes its open conflicts) in one transaction;
/// returns how many pairs were uncoupled. The next full synchronization couples them again by
/// matching, or creates counterparts.
pub async fn uncouple_all(ctx: &AppContext, mapping: &str) -> Result<u64, ApiError> {
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let removed = ctx
        .store()
        .run(move |conn| {
            let tx = conn.transaction()?;
            let removed = couplet_store::couplings::delete_all(&tx, &name)?;
            couplet_store::conflicts::close_uncoupled(&tx, &name, None, chrono::Utc::now())?;
            tx.commit()?;
            Ok(removed)
        })
        .await?;
    Ok(removed)
}

/// Couples every pair of a list (Business Central id, Dataverse id), all or none.
pub async fn couple_many(
    ctx: &AppContext,
    mapping: &str,
    pairs: &[(Uuid, Uuid)],
) -> Result<usize, ApiError> {
    if pairs.is_empty() {
        return Err(ApiError::validation("the list holds no pairs to couple"));
    }
    let name = crate::mappings::get(ctx, mapping).await?.name;
    let engine = crate::sync::engine(ctx).await?;
    Ok(engine.couple_many(&name, pairs).await?)
}

/// Reads a list of pairs: one `erp_id,crm_id` per line (a header line and blank lines are
/// skipped). Every line that is not a pair of ids is named.
pub fn parse_pairs(text: &str) -> Result<Vec<(Uuid, Uuid)>, ApiError> {
    let mut pairs = Vec::new();
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parsed = line.split_once([',', ';', '\t']).and_then(|(a, b)| {
            Some((
                Uuid::parse_str(a.trim()).ok()?,
                Uuid::parse_str(b.trim()).ok()?,
            ))
        });
        match parsed {
            Some(pair) => pairs.push(pair),
            None if n == 0 => {} // a header
            None => bad.push(n + 1),
        }
    }
    if !bad.is_empty() {
        let lines: Vec<String> = bad.iter().map(usize::to_string).collect();
        return Err(ApiError::validation(format!(
            "lines {} are not \"Business Central id,Dataverse id\"",
            lines.join(", ")
        )));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_pairs_is_read_with_its_header_and_bad_lines_named() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let text = format!("erp,crm\n{a},{b}\n\n{b};{a}\n");
        assert_eq!(parse_pairs(&text).expect("pairs"), vec![(a, b), (b, a)]);
        let err = parse_pairs(&format!("{a},{b}\nnot a pair\n{a}\n")).expect_err("bad lines");
        assert!(err.message.contains("lines 2, 3"), "{}", err.message);
    }
}
