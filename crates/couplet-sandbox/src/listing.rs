//! Shared collection reading: filter, stable order, keyset continuation and counting.
//! Each service wraps the continuation [`Cursor`] in its own opaque `$skiptoken` format.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use chrono::{DateTime, Utc};

use crate::clock::{bc_time, crm_time};
use crate::http::{ApiBody, ApiResponse};
use crate::query::{ComparisonOp, Expr, Literal, OrderKey, compare_values};
use crate::store::{Row, Store, TableId};

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
    /// Whether to count all matching rows.
    pub count: bool,
}

/// One page of rows.
pub(crate) struct Page {
    /// The rows of this page, in order.
    pub rows: Vec<(Uuid, Row)>,
    /// All rows matching the filter, when counting was asked for.
    pub total: Option<usize>,
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

/// The `/$count` answer: how many rows pass the filter, at most `limit`, as plain text.
pub(crate) fn count_response(
    store: &Store,
    table: TableId,
    filter: Option<&Expr>,
    limit: usize,
) -> ApiResponse {
    let referenced = filter.map(referenced_fields).unwrap_or_default();
    let count = candidates(store, table, filter, &Walk::Key(None))
        .filter(|(_, row)| passes(filter, &referenced, row))
        .take(limit)
        .count();
    ApiResponse::new(200, ApiBody::Text(count.to_string()))
        .with_header("content-type", "text/plain")
        .with_header("odata-version", "4.0")
}

/// The keys a filter limits rows to, when it names them (`key eq g`, `key eq g1 or key eq
/// g2`, `key in (...)`, or such a condition inside an `and`) or names a GUID that rows of the
/// table refer to through an indexed field (`documentId eq g`, `_salesorderid_value in (...)`):
/// the indexes answer those without a scan, as the real services do.
fn named_keys(filter: &Expr, table: TableId, store: &Store) -> Option<BTreeSet<Uuid>> {
    let keys_for = |field: &Expr, ids: &mut dyn Iterator<Item = Uuid>| -> Option<BTreeSet<Uuid>> {
        let Expr::Property(path) = field else {
            return None;
        };
        let [name] = path.as_slice() else {
            return None;
        };
        if name.eq_ignore_ascii_case(table.key_field()) {
            return Some(ids.collect());
        }
        let indexed = table
            .indexed_fields()
            .iter()
            .find(|f| f.eq_ignore_ascii_case(name))?;
        Some(
            ids.flat_map(|id| store.ids_with(table, indexed, &id.to_string()))
                .collect(),
        )
    };
    match filter {
        Expr::Compare {
            op: ComparisonOp::Eq,
            left,
            right,
        } => match (left.as_ref(), right.as_ref()) {
            (field, Expr::Literal(Literal::Guid(g))) | (Expr::Literal(Literal::Guid(g)), field) => {
                keys_for(field, &mut std::iter::once(*g))
            }
            _ => None,
        },
        Expr::In { operand, values } => {
            let guids: Option<Vec<Uuid>> = values
                .iter()
                .map(|v| match v {
                    Literal::Guid(g) => Some(*g),
                    _ => None,
                })
                .collect();
            keys_for(operand, &mut guids?.into_iter())
        }
        Expr::Or(parts) => parts.iter().try_fold(BTreeSet::new(), |mut all, p| {
            all.extend(named_keys(p, table, store)?);
            Some(all)
        }),
        Expr::And(parts) => parts
            .iter()
            .filter_map(|p| named_keys(p, table, store))
            .reduce(|a, b| a.intersection(&b).copied().collect()),
        _ => None,
    }
}

/// How to walk the candidate rows.
enum Walk {
    /// In key order, after a key.
    Key(Option<Uuid>),
    /// In the order of the table's indexed modified field then key, after a position.
    Modified(Option<(String, Uuid)>),
}

/// The rows a filter may select, in the walk's order: the named keys only when the filter
/// names them, else the table through its key or modified-time index, bounded by the
/// filter's conditions on the modified field.
fn candidates<'a>(
    store: &'a Store,
    table: TableId,
    filter: Option<&Expr>,
    walk: &Walk,
) -> Box<dyn Iterator<Item = (Uuid, Row)> + 'a> {
    if let Some(keys) = filter.and_then(|f| named_keys(f, table, store)) {
        let rows = keys
            .into_iter()
            .filter_map(move |k| store.get(table, &k).map(|row| (k, row)));
        return match walk {
            Walk::Key(after) => {
                let after = *after;
                Box::new(rows.filter(move |(k, _)| after.is_none_or(|a| *k > a)))
            }
            Walk::Modified(after) => {
                // A handful of named rows: sort them here rather than walk the index.
                let position = move |(k, row): &(Uuid, Row)| {
                    let value = table
                        .modified_field()
                        .and_then(|f| row.fields.get(f))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    (value, *k)
                };
                let mut rows: Vec<(Uuid, Row)> = rows.collect();
                rows.sort_by_key(position);
                let after = after.clone();
                Box::new(
                    rows.into_iter()
                        .filter(move |r| after.as_ref().is_none_or(|a| position(r) > *a)),
                )
            }
        };
    }
    match walk {
        Walk::Key(after) => Box::new(store.rows_after(table, *after)),
        Walk::Modified(after) => {
            let (from, to) = filter
                .zip(table.modified_field())
                .map(|(f, name)| modified_bounds(f, name, table))
                .unwrap_or_default();
            Box::new(store.rows_by_modified(table, after.clone(), from, to))
        }
    }
}

/// Bounds on the modified field that every row passing `filter` respects, as stored wire
/// text: from `ge`/`gt`/`eq` and `le`/`lt`/`eq` comparisons with a time in the filter's
/// top-level `and`. Truncated to the wire's precision, so they never exclude a passing row;
/// the filter itself still decides.
fn modified_bounds(filter: &Expr, name: &str, table: TableId) -> (Option<String>, Option<String>) {
    let conjuncts: Vec<&Expr> = match filter {
        Expr::And(parts) => parts.iter().collect(),
        other => vec![other],
    };
    let (mut from, mut to): (Option<String>, Option<String>) = (None, None);
    for part in conjuncts {
        let Expr::Compare { op, left, right } = part else {
            continue;
        };
        let is_field = |e: &Expr| matches!(e, Expr::Property(p) if p.len() == 1 && p[0].eq_ignore_ascii_case(name));
        let (op, literal) = match (left.as_ref(), right.as_ref()) {
            (l, Expr::Literal(lit)) if is_field(l) => (*op, lit),
            (Expr::Literal(lit), r) if is_field(r) => (op.flipped(), lit),
            _ => continue,
        };
        let Some(at) = literal_time(literal) else {
            continue;
        };
        let text = wire_time(table, at);
        if matches!(op, ComparisonOp::Ge | ComparisonOp::Gt | ComparisonOp::Eq)
            && from.as_ref().is_none_or(|f| text > *f)
        {
            from = Some(text.clone());
        }
        if matches!(op, ComparisonOp::Le | ComparisonOp::Lt | ComparisonOp::Eq)
            && to.as_ref().is_none_or(|t| text < *t)
        {
            to = Some(text);
        }
    }
    (from, to)
}

fn literal_time(literal: &Literal) -> Option<DateTime<Utc>> {
    match literal {
        Literal::DateTime(t) => Some(t.with_timezone(&Utc)),
        Literal::Date(d) => d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()),
        Literal::String(s) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        _ => None,
    }
}

/// A time as the table's modified field shows it on the wire.
fn wire_time(table: TableId, at: DateTime<Utc>) -> String {
    match table.modified_field() {
        Some("modifiedon") => crm_time(at),
        _ => bc_time(at),
    }
}

/// Whether `order` is the table's modified field ascending (the key breaking ties, also when
/// named): the order every change-reading client asks for, served from the index.
fn by_modified_index(table: TableId, order: &[OrderKey]) -> bool {
    let Some(modified) = table.modified_field() else {
        return false;
    };
    let key = table.key_field();
    match order {
        [first] => first.field.eq_ignore_ascii_case(modified) && !first.descending,
        [first, second] => {
            first.field.eq_ignore_ascii_case(modified)
                && !first.descending
                && second.field.eq_ignore_ascii_case(key)
                && !second.descending
        }
        _ => false,
    }
}

/// Reads one page of a table.
pub(crate) fn list(store: &Store, table: TableId, spec: &ListSpec<'_>) -> Page {
    let referenced = spec.filter.map(referenced_fields).unwrap_or_default();
    let keep = |row: &Row| passes(spec.filter, &referenced, row);
    let indexed = spec.order.is_empty() || by_modified_index(table, spec.order);
    let walk_from = |after: Option<&Cursor>| {
        if spec.order.is_empty() {
            Walk::Key(after.map(|c| c.key))
        } else {
            Walk::Modified(after.map(|c| {
                let value = c.values.first().and_then(Value::as_str).unwrap_or_default();
                (value.to_owned(), c.key)
            }))
        }
    };
    let total = spec.count.then(|| {
        let walk = if indexed {
            walk_from(None)
        } else {
            Walk::Key(None)
        };
        candidates(store, table, spec.filter, &walk)
            .filter(|(_, row)| keep(row))
            .count()
    });
    let served = spec.after.map_or(0, |c| c.served);
    let remaining_top = spec.top.map(|t| t.saturating_sub(served));
    let mut take = spec.page_size.max(1);
    if let Some(r) = remaining_top {
        take = take.min(r);
    }
    let (page, more_rows) = if indexed {
        // Continue right after the cursor without looking at earlier rows.
        let mut rows = candidates(store, table, spec.filter, &walk_from(spec.after))
            .filter(|(_, row)| keep(row))
            .skip(if spec.after.is_some() { 0 } else { spec.skip });
        let page: Vec<(Uuid, Row)> = rows.by_ref().take(take).collect();
        let more = rows.next().is_some();
        (page, more)
    } else {
        let mut matching: Vec<(Uuid, Row)> =
            candidates(store, table, spec.filter, &Walk::Key(None))
                .filter(|(_, row)| keep(row))
                .collect();
        matching.sort_by(|a, b| compare_rows(spec.order, (&a.0, &a.1), (&b.0, &b.1)));
        let start = match spec.after {
            Some(cursor) => matching.partition_point(|row| {
                compare_to_cursor(spec.order, (&row.0, &row.1), cursor) != Ordering::Greater
            }),
            None => spec.skip.min(matching.len()),
        };
        let end = (start + take).min(matching.len());
        let more = end < matching.len();
        matching.truncate(end);
        let page = matching.split_off(start);
        (page, more)
    };
    let more_allowed = remaining_top.is_none_or(|r| r > page.len());
    let next = match page.last() {
        Some((key, row)) if more_rows && more_allowed => Some(Cursor {
            values: spec
                .order
                .iter()
                .map(|k| field(row, &k.field).clone())
                .collect(),
            key: *key,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::tables::CrmTable;
    use crate::fields::Fields;
    use chrono::Utc;
    use serde_json::json;

    #[test]
    fn a_filter_on_a_reference_finds_the_rows_through_the_index() {
        use crate::query::{Dialect, parse_filter};
        let details = TableId::Crm(CrmTable::SalesOrderDetails);
        let (order, other) = (Uuid::from_u128(7), Uuid::from_u128(8));
        let mut store = Store::in_memory(Utc::now()).expect("opens");
        for (i, parent) in [order, other, order].into_iter().enumerate() {
            let Value::Object(map) =
                json!({"_salesorderid_value": parent.to_string(), "quantity": i})
            else {
                unreachable!("object literal")
            };
            store.put(
                details,
                Uuid::from_u128(100 + i as u128),
                Row {
                    fields: Fields::from_map(details, map),
                    version: 1,
                    modified: Utc::now(),
                    modified_by: Uuid::nil(),
                },
            );
        }
        let f = parse_filter(
            &format!("_salesorderid_value eq {order}"),
            Dialect::Dataverse,
        )
        .expect("parses");
        assert_eq!(
            named_keys(&f, details, &store),
            Some(BTreeSet::from([Uuid::from_u128(100), Uuid::from_u128(102)]))
        );
        let f = parse_filter(
            &format!("_salesorderid_value in ({order},{other}) and quantity gt 0"),
            Dialect::Dataverse,
        )
        .expect("parses");
        let page = list(
            &store,
            details,
            &ListSpec {
                filter: Some(&f),
                ..spec(&[], None, None)
            },
        );
        assert_eq!(
            page.total,
            Some(2),
            "the index finds three, the filter keeps two"
        );
        store.remove(details, &Uuid::from_u128(100));
        let f = parse_filter(
            &format!("_salesorderid_value eq {order}"),
            Dialect::Dataverse,
        )
        .expect("parses");
        assert_eq!(
            named_keys(&f, details, &store),
            Some(BTreeSet::from([Uuid::from_u128(102)])),
            "a removed row leaves the index"
        );
    }

    #[test]
    fn a_filter_naming_keys_is_answered_from_the_index_and_still_applies_its_other_conditions() {
        use crate::query::{Dialect, parse_filter};
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let accounts = TableId::Crm(CrmTable::Accounts);
        let empty = Store::in_memory(Utc::now()).expect("opens");
        let f = parse_filter(
            &format!("accountid eq {a} or accountid eq {b}"),
            Dialect::Dataverse,
        )
        .expect("parses");
        assert_eq!(
            named_keys(&f, accounts, &empty),
            Some(BTreeSet::from([a, b]))
        );
        let f = parse_filter(
            &format!("statecode eq 0 and accountid eq {c}"),
            Dialect::Dataverse,
        )
        .expect("parses");
        assert_eq!(named_keys(&f, accounts, &empty), Some(BTreeSet::from([c])));
        let f = parse_filter(
            &format!("accountid eq {a} or name eq 'x'"),
            Dialect::Dataverse,
        )
        .expect("parses");
        assert_eq!(
            named_keys(&f, accounts, &empty),
            None,
            "an or with another field needs a scan"
        );
        let f = parse_filter(
            &format!("name eq 'n1' and accountid eq {a}"),
            Dialect::Dataverse,
        )
        .expect("parses");
        let store = store_with(&["n0", "n1"]);
        let page = list(
            &store,
            TableId::Crm(CrmTable::Accounts),
            &ListSpec {
                filter: Some(&f),
                order: &[],
                after: None,
                skip: 0,
                page_size: 10,
                top: None,
                count: true,
            },
        );
        assert_eq!(page.total, Some(0), "the key matches but the name does not");
    }

    fn store_with(names: &[&str]) -> Store {
        let mut store = Store::in_memory(Utc::now()).expect("opens");
        for (i, name) in names.iter().enumerate() {
            let Value::Object(map) =
                json!({"name": name, "accountid": Uuid::from_u128(i as u128 + 1).to_string()})
            else {
                unreachable!("object literal")
            };
            store.put(
                TableId::Crm(CrmTable::Accounts),
                Uuid::from_u128(i as u128 + 1),
                Row {
                    fields: Fields::from_map(TableId::Crm(CrmTable::Accounts), map),
                    version: 1,
                    modified: Utc::now(),
                    modified_by: Uuid::nil(),
                },
            );
        }
        store
    }

    fn names(page: &Page) -> Vec<String> {
        page.rows
            .iter()
            .map(|(_, r)| {
                r.fields
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    fn spec<'a>(
        order: &'a [OrderKey],
        after: Option<&'a Cursor>,
        top: Option<usize>,
    ) -> ListSpec<'a> {
        ListSpec {
            filter: None,
            order,
            after,
            skip: 0,
            page_size: 2,
            top,
            count: true,
        }
    }

    #[test]
    fn key_order_pages_continue_after_a_deleted_cursor_row() {
        let mut store = store_with(&["a", "b", "c", "d", "e"]);
        let first = list(
            &store,
            TableId::Crm(CrmTable::Accounts),
            &spec(&[], None, None),
        );
        assert_eq!(names(&first), ["a", "b"]);
        assert_eq!(first.total, Some(5));
        let cursor = first.next.clone().expect("more pages");
        store.remove(TableId::Crm(CrmTable::Accounts), &Uuid::from_u128(2));
        let second = list(
            &store,
            TableId::Crm(CrmTable::Accounts),
            &spec(&[], Some(&cursor), None),
        );
        assert_eq!(names(&second), ["c", "d"]);
    }

    #[test]
    fn rows_named_by_key_come_in_modified_order_when_that_is_asked_for() {
        use crate::query::{Dialect, parse_filter};
        let mut store = Store::in_memory(Utc::now()).expect("opens");
        for (i, at) in [
            "2024-01-03T00:00:00Z",
            "2024-01-01T00:00:00Z",
            "2024-01-02T00:00:00Z",
        ]
        .iter()
        .enumerate()
        {
            let id = Uuid::from_u128(i as u128 + 1);
            let Value::Object(map) =
                json!({"accountid": id.to_string(), "name": format!("n{i}"), "modifiedon": at})
            else {
                unreachable!("object literal")
            };
            store.put(
                TableId::Crm(CrmTable::Accounts),
                id,
                Row {
                    fields: Fields::from_map(TableId::Crm(CrmTable::Accounts), map),
                    version: 1,
                    modified: Utc::now(),
                    modified_by: Uuid::nil(),
                },
            );
        }
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let f = parse_filter(
            &format!("accountid eq {a} or accountid eq {b} or accountid eq {c}"),
            Dialect::Dataverse,
        )
        .expect("parses");
        let order = [
            OrderKey {
                field: "modifiedon".into(),
                descending: false,
            },
            OrderKey {
                field: "accountid".into(),
                descending: false,
            },
        ];
        let mut spec = spec(&order, None, None);
        spec.filter = Some(&f);
        let first = list(&store, TableId::Crm(CrmTable::Accounts), &spec);
        assert_eq!(names(&first), ["n1", "n2"]);
        let cursor = first.next.clone().expect("more");
        spec.after = Some(&cursor);
        assert_eq!(
            names(&list(&store, TableId::Crm(CrmTable::Accounts), &spec)),
            ["n0"]
        );
    }

    #[test]
    fn ordered_pages_respect_top_across_pages() {
        let store = store_with(&["e", "d", "c", "b", "a"]);
        let order = [OrderKey {
            field: "name".into(),
            descending: false,
        }];
        let first = list(
            &store,
            TableId::Crm(CrmTable::Accounts),
            &spec(&order, None, Some(3)),
        );
        assert_eq!(names(&first), ["a", "b"]);
        let cursor = first.next.clone().expect("more pages");
        let second = list(
            &store,
            TableId::Crm(CrmTable::Accounts),
            &spec(&order, Some(&cursor), Some(3)),
        );
        assert_eq!(names(&second), ["c"]);
        assert!(second.next.is_none(), "$top reached");
    }
}
