//! `$orderby=a desc, b` parsing.

use super::QueryError;
use super::select::is_property_path;

/// One sort key of `$orderby`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderKey {
    /// The field (wire name) to sort by; a navigation path is written `a/b`.
    pub field: String,
    /// Whether the order is descending (`desc`); ascending is the default.
    pub descending: bool,
}

/// Parses `$orderby`: comma-separated `field [asc|desc]` items (direction case-insensitive).
pub fn parse_orderby(src: &str) -> Result<Vec<OrderKey>, QueryError> {
    src.split(',').map(parse_key).collect()
}

fn parse_key(item: &str) -> Result<OrderKey, QueryError> {
    let mut words = item.split_whitespace();
    let Some(field) = words.next() else {
        return Err(QueryError {
            message: "The $orderby option contains an empty item; write e.g. '$orderby=name desc,number'."
                .to_string(),
        });
    };
    if !is_property_path(field) {
        return Err(QueryError {
            message: format!("'{field}' is not a valid property name in $orderby."),
        });
    }
    let descending = match words.next() {
        None => false,
        Some(word) if word.eq_ignore_ascii_case("asc") => false,
        Some(word) if word.eq_ignore_ascii_case("desc") => true,
        Some(word) => {
            return Err(QueryError {
                message: format!(
                    "Invalid sort direction '{word}' for '{field}' in $orderby; use 'asc' or 'desc'."
                ),
            });
        }
    };
    if let Some(extra) = words.next() {
        return Err(QueryError {
            message: format!(
                "Unexpected '{extra}' after '{}' in $orderby; items are 'field [asc|desc]' separated by commas.",
                item.trim()
            ),
        });
    }
    Ok(OrderKey {
        field: field.to_string(),
        descending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(field: &str, descending: bool) -> OrderKey {
        OrderKey {
            field: field.to_string(),
            descending,
        }
    }

    #[test]
    fn descending_key_then_default_ascending_key() {
        assert_eq!(
            parse_orderby("a desc, b").expect("valid"),
            vec![key("a", true), key("b", false)]
        );
    }

    #[test]
    fn direction_is_case_insensitive_and_asc_is_explicitly_allowed() {
        assert_eq!(
            parse_orderby("modifiedon ASC,name Desc").expect("valid"),
            vec![key("modifiedon", false), key("name", true)]
        );
    }

    #[test]
    fn navigation_path_is_a_valid_key() {
        assert_eq!(
            parse_orderby("primarycontactid/fullname").expect("valid"),
            vec![key("primarycontactid/fullname", false)]
        );
    }

    #[test]
    fn empty_item_is_refused() {
        assert!(parse_orderby("a,,b").is_err());
        assert!(parse_orderby("").is_err());
        assert!(parse_orderby("a,").is_err());
    }

    #[test]
    fn unknown_direction_is_refused_with_the_word_named() {
        let err = parse_orderby("a down").expect_err("invalid direction");
        assert!(err.message.contains("'down'"), "{}", err.message);
    }

    #[test]
    fn trailing_words_are_refused() {
        assert!(parse_orderby("a desc nulls").is_err());
    }

    #[test]
    fn invalid_property_name_is_refused() {
        assert!(parse_orderby("a;b").is_err());
    }
}
