//! Shared collection reading: filter, stable order, keyset continuation and counting.
//! Each service wraps the continuation [`Cursor`] in its own opaque `$skiptoken` format.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::query::{Expr, OrderKey, compare_values};
use crate::store::Row;

/// Where the previous page ended, plus how many rows were already served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Cursor {
    /// Values of the `$orderby` fields of the last row served.
    #[serde(rename = "v")]
    pub values: Vec<Value>,
    /// Key of the last row served (the final tie-breaker).
    #[serde(rename = "k")]
    pub key: Uuid,
    /// Rows served so far (for `$top` across pages).
    #[serde(rename = "n")]
    pub served: usize,
}

/// What to read.
pub(crate) struct ListSpec<'a> {
    /// Row filter.
    pub filter: Option<&'a Expr>,
    /// Sort keys (the row key always breaks ties).
    pub order: &'a [OrderKey],
    /// Continue after this position.
    pub after: Option<&'a Cursor>,
    /// Rows to skip before the page (only on the first page).
    pub skip: usize,
    /// Page size.
    pub page_size: usize,
    /// Maximum rows to serve overall (`$top`), if any.
    pub top: Option<usize>,
}

/// One page of rows.
pub(crate) struct Page<'a> {
    /// The rows of this page, in order.
    pub rows: Vec<(&'a Uuid, &'a Row)>,
    /// All rows matching the filter (for `$count`).
    pub total: usize,
    /// The cursor for the next page, if there is one.
    pub next: Option<Cursor>,
}

fn field<'a>(row: &'a Row, name: &str) -> &'a Value {
    row.fields.get(name).unwrap_or(&Value::Null)
}

fn compare_rows(order: &[OrderKey], a: (&Uuid, &Row), b: (&Uuid, &Row)) -> Ordering {
    for key in order {
        let o = compare_values(field(a.1, &key.field), field(b.1, &key.field));
        let o = if key.descending { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.0.cmp(b.0)
}

fn compare_to_cursor(order: &[OrderKey], row: (&Uuid, &Row), cursor: &Cursor) -> Ordering {
    for (i, key) in order.iter().enumerate() {
        let cursor_value = cursor.values.get(i).unwrap_or(&Value::Null);
        let o = compare_values(field(row.1, &key.field), cursor_value);
        let o = if key.descending { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    row.0.cmp(&cursor.key)
}

/// The top-level fields a filter reads (`a/b` paths read `a`).
pub(crate) fn referenced_fields(filter: &Expr) -> Vec<String> {
    let mut names: Vec<String> = filter
        .fields()
        .into_iter()
        .map(|f| f.split('/').next().unwrap_or(&f).to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether a row passes an optional filter.
pub(crate) fn passes(filter: Option<&Expr>, referenced: &[String], row: &Row) -> bool {
    filter.is_none_or(|f| f.matches(&row.fields.project(referenced)))
}

/// Reads one page from rows given in key order.
pub(crate) fn list<'a>(
    rows: impl Iterator<Item = (&'a Uuid, &'a Row)>,
    spec: &ListSpec<'_>,
) -> Page<'a> {
    let referenced = spec.filter.map(referenced_fields).unwrap_or_default();
    let mut matching: Vec<(&Uuid, &Row)> = rows
        .filter(|(_, row)| {
            spec.filter
                .is_none_or(|f| f.matches(&row.fields.project(&referenced)))
        })
        .collect();
    let total = matching.len();
    if !spec.order.is_empty() {
        matching.sort_by(|a, b| compare_rows(spec.order, *a, *b));
    }
    let served = spec.after.map_or(0, |c| c.served);
    let start = match spec.after {
        Some(cursor) => matching.partition_point(|row| {
            compare_to_cursor(spec.order, *row, cursor) != Ordering::Greater
        }),
        None => spec.skip.min(matching.len()),
    };
    let remaining_top = spec.top.map(|t| t.saturating_sub(served));
    let mut take = spec.page_size.max(1);
    if let Some(r) = remaining_top {
        take = take.min(r);
    }
    let end = (start + take).min(matching.len());
    let page: Vec<(&Uuid, &Row)> = matching[start..end].to_vec();
    let more_rows = end < matching.len();
    let more_allowed = remaining_top.is_none_or(|r| r > page.len());
    let next = match page.last() {
        Some((key, row)) if more_rows && more_allowed => Some(Cursor {
            values: spec
                .order
                .iter()
                .map(|k| field(row, &k.field).clone())
                .collect(),
            key: **key,
            served: served + page.len(),
        }),
        _ => None,
    };
    Page {
        rows: page,
        total,
        next,
    }
}
