//! `$expand` on Business Central sets: line collections as arrays, single navigations
//! (`customer`, `currency`, `unitOfMeasure`, ...) as objects or null, with the nested
//! `$select`, `$filter`, `$orderby`, `$top` and `$expand` options (api-reference A9, A15 item 5).

use serde_json::{Map, Value};
use uuid::Uuid;

use super::render;
use super::schema::{EntitySet, Link};
use crate::expand::{self, Expand};
use crate::http::{ApiRequest, ApiResponse};
use crate::listing::{self, ListSpec};
use crate::options::OptionTarget;
use crate::query::{ComparisonOp, Expr, Literal};
use crate::store::Store;

/// Most rows one expanded collection serves.
const MAX_EXPANDED: usize = 20_000;

/// Reads and checks `$expand` against the navigation properties of `set`.
pub(super) fn parse(req: &ApiRequest, set: &EntitySet) -> Result<Vec<Expand>, ApiResponse> {
    let Some(src) = req.option("$expand") else {
        return Ok(Vec::new());
    };
    let items = expand::parse(src, EntitySet::DIALECT).map_err(|e| EntitySet::query_error(&e))?;
    check(set, &items)?;
    Ok(items)
}

fn check(set: &EntitySet, items: &[Expand]) -> Result<(), ApiResponse> {
    for item in items {
        let nav = set
            .nav(&item.nav)
            .ok_or_else(|| set.unknown_property(&item.nav))?;
        let target = nav.target;
        let mut names: Vec<&String> = Vec::new();
        if let Some(select) = &item.select {
            names.extend(select);
        }
        let filter_fields = item.filter.as_ref().map(Expr::fields).unwrap_or_default();
        names.extend(filter_fields.iter());
        names.extend(item.orderby.iter().map(|k| &k.field));
        for name in names {
            let top = name.split('/').next().unwrap_or(name);
            if !target.has_field(top) {
                return Err(target.unknown_property(name));
            }
        }
        check(target, &item.expand)?;
    }
    Ok(())
}

/// Adds the expanded navigations of a page of rows to their wire forms (`outs` in the order of
/// `rows`): each collection navigation reads its target table once for the whole page.
pub(super) fn apply_page(
    store: &Store,
    set: &EntitySet,
    rows: &[(Uuid, Map<String, Value>)],
    items: &[Expand],
    outs: &mut [Map<String, Value>],
) {
    let (many, single): (Vec<&Expand>, Vec<&Expand>) = items
        .iter()
        .partition(|item| matches!(set.nav(&item.nav).map(|n| n.link), Some(Link::Many(_))));
    let single: Vec<Expand> = single.into_iter().cloned().collect();
    for ((id, fields), out) in rows.iter().zip(outs.iter_mut()) {
        apply(store, set, *id, fields, &single, out);
    }
    for item in many {
        let Some(nav) = set.nav(&item.nav) else {
            continue;
        };
        let Link::Many(foreign) = nav.link else {
            continue;
        };
        let target = nav.target;
        let within = Expr::In {
            operand: Box::new(Expr::Property(vec![foreign.to_string()])),
            values: rows.iter().map(|(id, _)| Literal::Guid(*id)).collect(),
        };
        let filter = match &item.filter {
            Some(given) => Expr::And(vec![within, given.clone()]),
            None => within,
        };
        let page = listing::list(
            store,
            target.table,
            &ListSpec {
                filter: Some(&filter),
                order: &item.orderby,
                after: None,
                skip: 0,
                page_size: MAX_EXPANDED.saturating_mul(rows.len().max(1)),
                top: None,
                count: false,
            },
        );
        let mut grouped: std::collections::HashMap<String, Vec<Value>> =
            std::collections::HashMap::new();
        for (child_id, child) in &page.rows {
            let parent = child
                .fields
                .get(foreign)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let entries = grouped.entry(parent).or_default();
            if item.top.is_some_and(|top| entries.len() >= top) {
                continue;
            }
            let mut entry = render(target, child, item.select.as_deref());
            apply(
                store,
                target,
                *child_id,
                &child.fields.to_map(),
                &item.expand,
                &mut entry,
            );
            entries.push(Value::Object(entry));
        }
        for ((id, _), out) in rows.iter().zip(outs.iter_mut()) {
            let entries = grouped.remove(&id.to_string()).unwrap_or_default();
            out.insert(item.nav.clone(), Value::Array(entries));
        }
    }
}

/// Adds the expanded navigations of one row to its wire form.
pub(super) fn apply(
    store: &Store,
    set: &EntitySet,
    id: Uuid,
    fields: &Map<String, Value>,
    items: &[Expand],
    out: &mut Map<String, Value>,
) {
    for item in items {
        let Some(nav) = set.nav(&item.nav) else {
            continue;
        };
        let target = nav.target;
        let value = match nav.link {
            Link::Many(foreign) => {
                let within = Expr::Compare {
                    op: ComparisonOp::Eq,
                    left: Box::new(Expr::Property(vec![foreign.to_string()])),
                    right: Box::new(Expr::Literal(Literal::Guid(id))),
                };
                let filter = match &item.filter {
                    Some(given) => Expr::And(vec![within, given.clone()]),
                    None => within,
                };
                let page = listing::list(
                    store,
                    target.table,
                    &ListSpec {
                        filter: Some(&filter),
                        order: &item.orderby,
                        after: None,
                        skip: 0,
                        page_size: MAX_EXPANDED,
                        top: item.top,
                        count: false,
                    },
                );
                let rows = page
                    .rows
                    .iter()
                    .map(|(row_id, row)| {
                        let mut entry = render(target, row, item.select.as_deref());
                        apply(
                            store,
                            target,
                            *row_id,
                            &row.fields.to_map(),
                            &item.expand,
                            &mut entry,
                        );
                        Value::Object(entry)
                    })
                    .collect();
                Value::Array(rows)
            }
            Link::One(local) => {
                let related = fields
                    .get(local)
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .filter(|u| !u.is_nil());
                match related.and_then(|r| store.get(target.table, &r).map(|row| (r, row))) {
                    Some((related_id, row)) => {
                        let mut entry = render(target, &row, item.select.as_deref());
                        apply(
                            store,
                            target,
                            related_id,
                            &row.fields.to_map(),
                            &item.expand,
                            &mut entry,
                        );
                        Value::Object(entry)
                    }
                    None => Value::Null,
                }
            }
        };
        out.insert(item.nav.clone(), value);
    }
}
