//! `$expand` on Dataverse rows (api-reference B6): single-valued navigation properties (the
//! lookups, one per target of a polymorphic lookup) come as an object or null;
//! collection-valued ones (the one-to-many relationships) as an array, with nested `$select`,
//! `$filter`, `$orderby`, `$top` and `$expand`.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::errors::{error, unknown_property};
use super::schema::{Table, by_set};
use super::{Annotations, MAX_PAGE, render};
use crate::expand::{self, Expand};
use crate::http::{ApiRequest, ApiResponse};
use crate::listing::{self, ListSpec};
use crate::query::{Dialect, Expr, parse_filter};
use crate::store::{Row, Store};

/// The request's `$expand`, checked against `table` (empty when absent).
pub(crate) fn parse(req: &ApiRequest, table: &Table) -> Result<Vec<Expand>, ApiResponse> {
    let Some(src) = req.option("$expand") else {
        return Ok(Vec::new());
    };
    let items =
        expand::parse(src, Dialect::Dataverse).map_err(|e| error(400, "0x80060888", &e.message))?;
    check(table, &items)?;
    Ok(items)
}

/// The table a navigation property of `table` leads to, if it has that property.
fn related(table: &Table, nav: &str) -> Option<&'static Table> {
    if let Some((_, _, targets)) = table.lookup_by_nav(nav) {
        // A property reaching several tables (the owner) expands as the first one's columns.
        return targets.iter().find_map(|t| by_set(t.set));
    }
    table.collection(nav).and_then(|c| by_set(c.set))
}

fn check(table: &Table, items: &[Expand]) -> Result<(), ApiResponse> {
    for item in items {
        let Some(target) = related(table, &item.nav) else {
            return Err(unknown_property(table.logical, &item.nav));
        };
        if let Some(select) = &item.select
            && let Some(bad) = select.iter().find(|f| target.column(f).is_none())
        {
            return Err(unknown_property(target.logical, bad));
        }
        check(target, &item.expand)?;
    }
    Ok(())
}

/// Adds the expanded navigation properties of `row` (of `table`) to its wire form `out`.
pub(crate) fn attach(
    store: &Store,
    table: &Table,
    row: &Row,
    items: &[Expand],
    annotations: &Annotations,
    out: &mut Map<String, Value>,
) {
    for item in items {
        let value = if let Some((column, _, targets)) = table.lookup_by_nav(&item.nav) {
            let id = row
                .fields
                .get(column.name)
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok());
            id.and_then(|id| {
                targets.iter().find_map(|t| {
                    let target = by_set(t.set)?;
                    store.get(target.table, &id).map(|r| (target, r))
                })
            })
            .map_or(Value::Null, |(target, r)| {
                Value::Object(expanded(store, target, &r, item, annotations))
            })
        } else if let Some(collection) = table.collection(&item.nav) {
            let Some(target) = by_set(collection.set) else {
                continue;
            };
            let id = row
                .fields
                .get(table.key)
                .and_then(Value::as_str)
                .unwrap_or_default();
            Value::Array(children(
                store,
                target,
                collection.via,
                id,
                item,
                annotations,
            ))
        } else {
            continue;
        };
        out.insert(item.nav.clone(), value);
    }
}

fn expanded(
    store: &Store,
    table: &Table,
    row: &Row,
    item: &Expand,
    annotations: &Annotations,
) -> Map<String, Value> {
    let mut out = render(store, table, row, item.select.as_deref(), annotations);
    attach(store, table, row, &item.expand, annotations, &mut out);
    out
}

/// The rows of `table` whose lookup `via` points at `id`, filtered, ordered and cut as asked.
fn children(
    store: &Store,
    table: &Table,
    via: &str,
    id: &str,
    item: &Expand,
    annotations: &Annotations,
) -> Vec<Value> {
    let Ok(link) = parse_filter(&format!("{via} eq {id}"), Dialect::Dataverse) else {
        return Vec::new();
    };
    let filter = match &item.filter {
        Some(f) => Expr::And(vec![link, f.clone()]),
        None => link,
    };
    let page = listing::list(
        store,
        table.table,
        &ListSpec {
            filter: Some(&filter),
            order: &item.orderby,
            after: None,
            skip: 0,
            page_size: MAX_PAGE,
            top: item.top,
            count: false,
        },
    );
    page.rows
        .iter()
        .map(|(_, r)| Value::Object(expanded(store, table, r, item, annotations)))
        .collect()
}
