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
