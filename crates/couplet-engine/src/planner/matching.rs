//! Match-based coupling: finding the one uncoupled destination record that an uncoupled
//! source record corresponds to.

use std::collections::{BTreeMap, HashMap};

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

/// The candidates of one plan by the trimmed, lower-cased text of their match fields, built
/// per set of fields on first use: matching a record looks at the few candidates that can
/// match, not at all of them.
#[derive(Debug, Default)]
pub struct CandidateIndex {
    by_fields: HashMap<Vec<String>, HashMap<Vec<String>, Vec<usize>>>,
}

impl CandidateIndex {
    /// The candidates whose text equals (as matching compares it) the text criteria's, or
    /// `None` when no criterion is text (then nothing is narrowed).
    fn narrowed(
        &mut self,
        candidates: &[Record],
        criteria: &[(&str, &Value)],
    ) -> Option<Vec<usize>> {
        let text: Vec<(&str, String)> = criteria
            .iter()
            .filter_map(|(field, wanted)| wanted.as_str().map(|w| (*field, comparable(w))))
            .collect();
        if text.is_empty() {
            return None;
        }
        let fields: Vec<String> = text.iter().map(|(f, _)| (*f).to_owned()).collect();
        let index = self.by_fields.entry(fields).or_insert_with_key(|fields| {
            let mut index: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
            for (i, candidate) in candidates.iter().enumerate() {
                let key: Option<Vec<String>> = fields
                    .iter()
                    .map(|f| candidate.get(f).as_str().map(comparable))
                    .collect();
                if let Some(key) = key {
                    index.entry(key).or_default().push(i);
                }
            }
            index
        });
        let key: Vec<String> = text.into_iter().map(|(_, w)| w).collect();
        Some(index.get(&key).cloned().unwrap_or_default())
    }
}

/// Text as matching compares it.
fn comparable(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Matches `values` (the destination values computed from the source record) against
/// `candidates`, by the field mappings' match priorities: groups in ascending priority,
/// each narrowing the candidates left by the previous ones; text compares trimmed, and
/// case-insensitively unless `case_sensitive`; an empty value is not a criterion.
/// `available(i)` says whether candidate `i` may still be coupled.
pub fn find_match(
    ctx: &PassContext<'_>,
    values: &Fields,
    candidates: &[Record],
    index: &mut CandidateIndex,
    case_sensitive: bool,
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
    let mut remaining: Option<Vec<usize>> = None;
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
        // The first group with criteria narrows through the index; the exact comparison
        // below decides.
        let remaining = remaining.get_or_insert_with(|| {
            index
                .narrowed(candidates, &criteria)
                .unwrap_or_else(|| (0..candidates.len()).collect())
                .into_iter()
                .filter(|i| available(*i))
                .collect()
        });
        remaining.retain(|i| {
            criteria.iter().all(|(field, wanted)| {
                matches_value(candidates[*i].get(field), wanted, case_sensitive)
            })
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
        Some(hits) if hits > 1 => {
            MatchOutcome::Ambiguous(remaining.as_ref().map_or(0, Vec::len).max(hits))
        }
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

fn matches_value(actual: &Value, wanted: &Value, case_sensitive: bool) -> bool {
    match (actual, wanted) {
        (Value::String(a), Value::String(w)) if case_sensitive => a.trim() == w.trim(),
        (Value::String(a), Value::String(w)) => a.trim().to_lowercase() == w.trim().to_lowercase(),
        _ => same_value(actual, wanted),
    }
}
