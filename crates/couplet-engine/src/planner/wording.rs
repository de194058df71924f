//! Words for messages written for people: what to call a record of an entity.

/// What a person calls one record of `entity` (`customers` → `customer`,
/// `systemuser` → `Dataverse user`); unknown entities keep their own name.
pub fn noun(entity: &str) -> &str {
    match entity {
        "customers" => "customer",
        "vendors" => "vendor",
        "contacts" | "contact" => "contact",
        "items" => "item",
        "currencies" | "transactioncurrency" => "currency",
        "salespeoplePurchasers" => "salesperson",
        "systemuser" => "Dataverse user",
        "account" => "account",
        "opportunity" | "opportunities" => "opportunity",
        other => other,
    }
}

/// `a` or `an` before `word`.
pub fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some(c) if "aeiouAEIOU".contains(c) => "an",
        _ => "a",
    }
}

/// `word` with its first letter in upper case.
pub fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A value shortened for display: at most `max` characters, with an ellipsis when cut.
pub fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// A JSON value for a message: text unquoted, null as `(empty)`.
pub fn display_value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "(empty)".to_owned(),
        serde_json::Value::String(s) if s.is_empty() => "(empty)".to_owned(),
        serde_json::Value::String(s) => shortened(s, 60),
        other => shortened(&other.to_string(), 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_with_an_ellipsis_for_display_only() {
        assert_eq!(shortened("abcdef", 3), "abc…");
        assert_eq!(shortened("abc", 3), "abc");
        assert_eq!(capitalized("salesperson"), "Salesperson");
        assert_eq!(article("account"), "an");
        assert_eq!(article("Dataverse user"), "a");
    }
}
