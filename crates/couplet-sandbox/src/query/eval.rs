//! Evaluates a parsed `$filter` against one JSON row.
//!
//! Semantics: a missing field is null; comparisons with null are true only for `eq null` /
//! `ne null`; text compares case-insensitively; GUIDs, dates and datetimes written as unquoted
//! literals compare against string fields by value (datetimes by instant); a type mismatch makes
//! a comparison false (`ne` true). `and`/`or`/`not` use three-valued logic, and only rows where
//! the whole expression is `true` match.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::expr::{ComparisonOp, Expr, Function};
use super::literal::Literal;

/// Whether `expr` is true for `row`.
pub(super) fn matches(expr: &Expr, row: &Map<String, Value>) -> bool {
    matches!(evaluate(expr, row), Val::Bool(true))
}

/// A value during evaluation.
#[derive(Debug, Clone)]
enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(Cow<'a, str>),
    Guid(Uuid),
    Date(NaiveDate),
    DateTime(DateTime<FixedOffset>),
    /// A JSON array or object: only ever compared with null.
    Composite,
}

fn evaluate<'a>(expr: &'a Expr, row: &'a Map<String, Value>) -> Val<'a> {
    match expr {
        Expr::Literal(literal) => from_literal(literal),
        Expr::Property(path) => property(path, row).map_or(Val::Null, from_json),
        Expr::Not(inner) => match evaluate(inner, row) {
            Val::Bool(b) => Val::Bool(!b),
            _ => Val::Null,
        },
        Expr::And(items) => {
            let mut unknown = false;
            for item in items {
                match evaluate(item, row) {
                    Val::Bool(false) => return Val::Bool(false),
                    Val::Bool(true) => {}
                    _ => unknown = true,
                }
            }
            if unknown { Val::Null } else { Val::Bool(true) }
        }
        Expr::Or(items) => {
            let mut unknown = false;
            for item in items {
                match evaluate(item, row) {
                    Val::Bool(true) => return Val::Bool(true),
                    Val::Bool(false) => {}
                    _ => unknown = true,
                }
            }
            if unknown { Val::Null } else { Val::Bool(false) }
        }
        Expr::Compare { op, left, right } => {
            Val::Bool(compare_op(*op, &evaluate(left, row), &evaluate(right, row)))
        }
        Expr::In { operand, values } => {
            let operand = evaluate(operand, row);
            let found = values
                .iter()
                .any(|value| compare_op(ComparisonOp::Eq, &operand, &from_literal(value)));
            Val::Bool(found)
        }
        Expr::Call { function, args } => {
            let args: Vec<Val<'a>> = args.iter().map(|arg| evaluate(arg, row)).collect();
            call(*function, &args)
        }
    }
}

fn property<'a>(path: &[String], row: &'a Map<String, Value>) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut value = row.get(first)?;
    for segment in rest {
        value = value.as_object()?.get(segment)?;
    }
    Some(value)
}

fn from_literal(literal: &Literal) -> Val<'_> {
    match literal {
        Literal::Null => Val::Null,
        Literal::Boolean(b) => Val::Bool(*b),
        Literal::Integer(i) => Val::Int(*i),
        Literal::Decimal(f) => Val::Float(*f),
        Literal::String(s) => Val::Text(Cow::Borrowed(s)),
        Literal::Guid(g) => Val::Guid(*g),
        Literal::Date(d) => Val::Date(*d),
        Literal::DateTime(dt) => Val::DateTime(*dt),
    }
}

fn from_json(value: &Value) -> Val<'_> {
    match value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Val::Int(i),
            None => n.as_f64().map_or(Val::Null, Val::Float),
        },
        Value::String(s) => Val::Text(Cow::Borrowed(s)),
        Value::Array(_) | Value::Object(_) => Val::Composite,
    }
}

/// The result of `left op right`, never unknown: null and type mismatches give false
/// (`ne`: true).
fn compare_op(op: ComparisonOp, left: &Val<'_>, right: &Val<'_>) -> bool {
    let left_null = matches!(left, Val::Null);
    let right_null = matches!(right, Val::Null);
    if left_null || right_null {
        let both = left_null && right_null;
        return match op {
            ComparisonOp::Eq => both,
            ComparisonOp::Ne => !both,
            _ => false,
        };
    }
    let ordering = compare(left, right);
    match op {
        ComparisonOp::Eq => ordering == Some(Ordering::Equal),
        ComparisonOp::Ne => ordering != Some(Ordering::Equal),
        ComparisonOp::Gt => ordering == Some(Ordering::Greater),
        ComparisonOp::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
        ComparisonOp::Lt => ordering == Some(Ordering::Less),
        ComparisonOp::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
    }
}

/// How two non-null values order, or `None` when their types cannot be compared.
fn compare(left: &Val<'_>, right: &Val<'_>) -> Option<Ordering> {
    use Val::{Bool, Date, DateTime as Dt, Float, Guid, Int, Text};
    match (left, right) {
        (Bool(a), Bool(b)) => Some(a.cmp(b)),
        (Int(a), Int(b)) => Some(a.cmp(b)),
        (Int(a), Float(b)) => (*a as f64).partial_cmp(b),
        (Float(a), Int(b)) => a.partial_cmp(&(*b as f64)),
        (Float(a), Float(b)) => a.partial_cmp(b),
        (Text(a), Text(b)) => Some(compare_text(a, b)),
        (Guid(a), Guid(b)) => Some(a.cmp(b)),
        (Text(a), Guid(b)) => Some(Uuid::parse_str(a.trim()).ok()?.cmp(b)),
        (Guid(a), Text(b)) => Some(a.cmp(&Uuid::parse_str(b.trim()).ok()?)),
        (Dt(a), Dt(b)) => Some(a.cmp(b)),
        (Text(a), Dt(b)) => Some(text_instant(a)?.cmp(b)),
        (Dt(a), Text(b)) => Some(a.cmp(&text_instant(b)?)),
        (Date(a), Date(b)) => Some(a.cmp(b)),
        (Date(a), Dt(b)) => Some(midnight_utc(*a).cmp(b)),
        (Dt(a), Date(b)) => Some(a.cmp(&midnight_utc(*b))),
        (Text(a), Date(b)) => compare_text_with_date(a, *b),
        (Date(a), Text(b)) => compare_text_with_date(b, *a).map(Ordering::reverse),
        _ => None,
    }
}

/// Case-insensitive text order (both services compare text case-insensitively).
fn compare_text(a: &str, b: &str) -> Ordering {
    if a.eq_ignore_ascii_case(b) {
        return Ordering::Equal;
    }
    a.to_lowercase().cmp(&b.to_lowercase())
}

/// A string field holding a date (`YYYY-MM-DD`) or a datetime (RFC 3339) against a date literal.
fn compare_text_with_date(text: &str, date: NaiveDate) -> Option<Ordering> {
    let text = text.trim();
    if let Ok(value) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(value.cmp(&date));
    }
    let instant = DateTime::parse_from_rfc3339(text).ok()?;
    Some(instant.cmp(&midnight_utc(date)))
}

/// A string field read as an instant: RFC 3339, or a bare date taken as midnight UTC.
fn text_instant(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Some(instant);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(midnight_utc)
}

fn midnight_utc(date: NaiveDate) -> DateTime<FixedOffset> {
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
        .fixed_offset()
}

/// Text view of a value for the string functions: strings as they are, GUIDs hyphenated.
fn as_text<'v>(value: &'v Val<'_>) -> Option<Cow<'v, str>> {
    match value {
        Val::Text(s) => Some(Cow::Borrowed(s.as_ref())),
        Val::Guid(g) => Some(Cow::Owned(g.hyphenated().to_string())),
        _ => None,
    }
}

fn call<'a>(function: Function, args: &[Val<'_>]) -> Val<'a> {
    if args.iter().any(|arg| matches!(arg, Val::Null)) {
        return Val::Null;
    }
    let text = |index: usize| args.get(index).and_then(as_text);
    let int = |index: usize| match args.get(index) {
        Some(Val::Int(i)) => Some(*i),
        _ => None,
    };
    let result = match function {
        Function::Contains | Function::StartsWith | Function::EndsWith => {
            text(0).zip(text(1)).map(|(haystack, needle)| {
                let haystack = haystack.to_lowercase();
                let needle = needle.to_lowercase();
                let found = match function {
                    Function::Contains => haystack.contains(&needle),
                    Function::StartsWith => haystack.starts_with(&needle),
                    _ => haystack.ends_with(&needle),
                };
                Val::Bool(found)
            })
        }
        Function::ToLower => text(0).map(|s| Val::Text(Cow::Owned(s.to_lowercase()))),
        Function::ToUpper => text(0).map(|s| Val::Text(Cow::Owned(s.to_uppercase()))),
        Function::Trim => text(0).map(|s| Val::Text(Cow::Owned(s.trim().to_string()))),
        Function::Length => text(0).map(|s| Val::Int(char_count(&s))),
        Function::IndexOf => text(0).zip(text(1)).map(|(haystack, needle)| {
            let haystack = haystack.to_lowercase();
            let index = haystack
                .find(&needle.to_lowercase())
                .map_or(-1, |byte| char_count(&haystack[..byte]));
            Val::Int(index)
        }),
        Function::Substring => text(0).zip(int(1)).and_then(|(s, start)| {
            let start = usize::try_from(start).unwrap_or(0);
            let length = match args.get(2) {
                None => usize::MAX,
                Some(_) => usize::try_from(int(2)?).unwrap_or(0),
            };
            let part: String = s.chars().skip(start).take(length).collect();
            Some(Val::Text(Cow::Owned(part)))
        }),
        Function::Concat => text(0)
            .zip(text(1))
            .map(|(a, b)| Val::Text(Cow::Owned(format!("{a}{b}")))),
    };
    result.unwrap_or(Val::Null)
}

fn char_count(s: &str) -> i64 {
    i64::try_from(s.chars().count()).unwrap_or(i64::MAX)
}
