//! Match-based coupling: finding the one uncoupled destination record that an uncoupled
//! source record corresponds to.

use std::collections::BTreeMap;

use couplet_model::{Fields, Record};
use serde_json::Value;

use super::values::{PassContext, same_value};

/// What matching found for one source record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchOutcome {
    /// Exactly one candidate: the index into the candidates given.
    One(usize),
    /// Several candidates match and the match fields cannot tell them apart.
    Ambiguous(usize),
    /// No candidate matches, or the record has no value in any match field.
    NoMatch,
}

/// Matches `values` (the destination values computed from the source record) against
/// `candidates`, by the field mappings' match priorities: groups in ascending priority,
/// each narrowing the candidates left by the previous ones; text compares trimmed and
/// case-insensitively; an empty value is not a criterion. `available(i)` says whether
/// candidate `i` may still be coupled.
pub fn find_match(
    ctx: &PassContext<'_>,
    values: &Fields,
    candidates: &[Record],
    available: impl Fn(usize) -> bool,
) -> MatchOutcome {
    let mut groups: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
    for f in ctx.field_mappings() {
        if let (Some(priority), None, Some(field)) =
            (f.match_priority, &f.constant, f.field(ctx.destination))
        {
            groups.entry(priority).or_default().push(field);
        }
    }
    let mut remaining: Vec<usize> = (0..candidates.len()).filter(|i| available(*i)).collect();
    let mut first_group_hits: Option<usize> = None;
    for fields in groups.values() {
        let criteria: Vec<(&str, &Value)> = fields
            .iter()
            .filter_map(|f| values.get(*f).map(|v| (*f, v)))
            .filter(|(_, v)| !is_blank(v))
            .collect();
        if criteria.is_empty() {
            continue;
        }
        remaining.retain(|i| {
            criteria
                .iter()
                .all(|(field, wanted)| matches_value(candidates[*i].get(field), wanted))
        });
        let hits = *first_group_hits.get_or_insert(remaining.len());
        if remaining.len() == 1 {
            return MatchOutcome::One(remaining[0]);
        }
        if hits == 0 {
            return MatchOutcome::NoMatch;
        }
    }
    match first_group_hits {
        Some(hits) if hits > 1 => MatchOutcome::Ambiguous(remaining.len().max(hits)),
        _ => MatchOutcome::NoMatch,
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn matches_value(actual: &Value, wanted: &Value) -> bool {
    match (actual, wanted) {
        (Value::String(a), Value::String(w)) => a.trim().to_lowercase() == w.trim().to_lowercase(),
        _ => same_value(actual, wanted),
    }
}
