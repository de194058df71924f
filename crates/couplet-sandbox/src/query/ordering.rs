//! The total order used to sort rows for `$orderby`.

use std::cmp::Ordering;

use serde_json::Value;

/// Total order used for $orderby between two JSON values (null first, numbers numeric, strings
/// case-insensitive, GUIDs and datetimes as text), so the server can sort rows.
///
/// Values of different JSON types order by type: null < boolean < number < string < array <
/// object. Strings equal apart from case are ordered by their exact text so the order is total
/// and sorting is deterministic.
pub fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => as_float(x).total_cmp(&as_float(y)),
            },
        },
        (Value::String(x), Value::String(y)) => x
            .to_lowercase()
            .cmp(&y.to_lowercase())
            .then_with(|| x.cmp(y)),
        (Value::Array(x), Value::Array(y)) => x
            .iter()
            .zip(y)
            .map(|(x, y)| compare_values(x, y))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (Value::Object(x), Value::Object(y)) => x
            .iter()
            .zip(y)
            .map(|((kx, vx), (ky, vy))| kx.cmp(ky).then_with(|| compare_values(vx, vy)))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        _ => type_rank(a).cmp(&type_rank(b)),
    }
}

fn as_float(n: &serde_json::Number) -> f64 {
    n.as_f64().unwrap_or(0.0)
}

fn type_rank(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_sorts_before_every_other_value() {
        for other in [json!(false), json!(-5), json!(""), json!("a"), json!([])] {
            assert_eq!(
                compare_values(&Value::Null, &other),
                Ordering::Less,
                "{other}"
            );
            assert_eq!(
                compare_values(&other, &Value::Null),
                Ordering::Greater,
                "{other}"
            );
        }
        assert_eq!(compare_values(&Value::Null, &Value::Null), Ordering::Equal);
    }

    #[test]
    fn numbers_compare_numerically_not_as_text() {
        assert_eq!(compare_values(&json!(9), &json!(10)), Ordering::Less);
        assert_eq!(compare_values(&json!(2.5), &json!(10)), Ordering::Less);
        assert_eq!(compare_values(&json!(-1), &json!(0.5)), Ordering::Less);
        assert_eq!(compare_values(&json!(3), &json!(3.0)), Ordering::Equal);
    }

    #[test]
    fn strings_compare_case_insensitively_first() {
        assert_eq!(
            compare_values(&json!("apple"), &json!("Banana")),
            Ordering::Less
        );
        assert_eq!(
            compare_values(&json!("Zed"), &json!("alpha")),
            Ordering::Greater
        );
    }

    #[test]
    fn strings_differing_only_in_case_still_order_deterministically() {
        let upper = json!("ABC");
        let lower = json!("abc");
        assert_ne!(compare_values(&upper, &lower), Ordering::Equal);
        assert_eq!(
            compare_values(&upper, &lower),
            compare_values(&lower, &upper).reverse()
        );
    }

    #[test]
    fn utc_datetimes_sort_chronologically_as_text() {
        assert_eq!(
            compare_values(
                &json!("2024-01-02T00:00:00Z"),
                &json!("2024-01-10T00:00:00Z")
            ),
            Ordering::Less
        );
    }

    #[test]
    fn sorting_rows_by_a_field_puts_nulls_first() {
        let mut values = vec![json!("b"), Value::Null, json!("A"), json!("c")];
        values.sort_by(compare_values);
        assert_eq!(
            values,
            vec![Value::Null, json!("A"), json!("b"), json!("c")]
        );
    }
}
