//! `$select=a,b` parsing.

use super::QueryError;

/// Parses `$select`: comma-separated field names, trimmed, each once, in the order given.
/// `*` (all fields) is accepted as a name.
pub fn parse_select(src: &str) -> Result<Vec<String>, QueryError> {
    let mut fields: Vec<String> = Vec::new();
    for item in src.split(',') {
        let name = item.trim();
        if name.is_empty() {
            return Err(QueryError {
                message: "The $select option contains an empty property name; write e.g. '$select=id,displayName'."
                    .to_string(),
            });
        }
        if name != "*" && !is_property_path(name) {
            return Err(QueryError {
                message: format!("'{name}' is not a valid property name in $select."),
            });
        }
        if !fields.iter().any(|f| f == name) {
            fields.push(name.to_string());
        }
    }
    Ok(fields)
}

/// Whether `name` is a property name or a `/`-separated navigation path of them
/// (letters, digits and `_`, not starting with a digit).
pub(super) fn is_property_path(name: &str) -> bool {
    name.split('/').all(|segment| {
        let mut chars = segment.chars();
        chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_kept_in_order() {
        assert_eq!(
            parse_select(" displayName , id,number ").expect("valid"),
            vec!["displayName", "id", "number"]
        );
    }

    #[test]
    fn duplicate_names_are_returned_once() {
        assert_eq!(
            parse_select("id,name,id").expect("valid"),
            vec!["id", "name"]
        );
    }

    #[test]
    fn empty_names_are_refused() {
        assert!(parse_select("").is_err());
        assert!(parse_select("a,,b").is_err());
        assert!(parse_select("a, ").is_err());
    }

    #[test]
    fn star_selects_everything() {
        assert_eq!(parse_select("*").expect("valid"), vec!["*"]);
    }

    #[test]
    fn lookup_value_names_with_leading_underscore_are_valid() {
        assert_eq!(
            parse_select("_parentcustomerid_value").expect("valid"),
            vec!["_parentcustomerid_value"]
        );
    }

    #[test]
    fn invalid_name_is_refused_and_named() {
        let err = parse_select("id,na me").expect_err("space inside a name");
        assert!(err.message.contains("'na me'"), "{}", err.message);
        assert!(parse_select("1abc").is_err());
    }
}
