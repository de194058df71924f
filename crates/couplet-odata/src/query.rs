//! Building OData query strings (`$select`, `$filter`, `$orderby`, `$top`, `$count`).

use couplet_model::Filter;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Characters percent-encoded in a query option value. `'`, `(`, `)`, `,`, `:` and `/`
/// stay readable; `+`, `&`, `#`, `%`, `=`, `?` and spaces are encoded.
const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b';')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Percent-encodes one query option value.
pub fn encode_value(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// A query string under construction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryBuilder {
    select: Vec<String>,
    filter: Option<String>,
    orderby: Vec<String>,
    top: Option<u32>,
    count: bool,
}

impl QueryBuilder {
    /// An empty query.
    pub fn new() -> QueryBuilder {
        QueryBuilder::default()
    }

    /// Adds fields to `$select`, skipping ones already there.
    pub fn select<I, S>(mut self, fields: I) -> QueryBuilder
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for f in fields {
            let f = f.as_ref();
            if !self.select.iter().any(|s| s == f) {
                self.select.push(f.to_owned());
            }
        }
        self
    }

    /// Sets `$filter` from a model filter (rendered by [`crate::literal::filter`]).
    pub fn filter(mut self, filter: Option<&Filter>) -> QueryBuilder {
        self.filter = filter.map(crate::literal::filter);
        self
    }

    /// Adds an `$orderby` term (`lastModifiedDateTime`, `modifiedon desc`).
    pub fn orderby(mut self, term: &str) -> QueryBuilder {
        self.orderby.push(term.to_owned());
        self
    }

    /// Sets `$top`.
    pub fn top(mut self, top: u32) -> QueryBuilder {
        self.top = Some(top);
        self
    }

    /// Asks for `@odata.count` with `$count=true`.
    pub fn count(mut self, count: bool) -> QueryBuilder {
        self.count = count;
        self
    }

    /// The query string without the leading `?` (empty when nothing is set).
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        if !self.select.is_empty() {
            parts.push(format!("$select={}", encode_value(&self.select.join(","))));
        }
        if let Some(f) = &self.filter {
            parts.push(format!("$filter={}", encode_value(f)));
        }
        if !self.orderby.is_empty() {
            parts.push(format!(
                "$orderby={}",
                encode_value(&self.orderby.join(","))
            ));
        }
        if let Some(top) = self.top {
            parts.push(format!("$top={top}"));
        }
        if self.count {
            parts.push("$count=true".to_owned());
        }
        parts.join("&")
    }

    /// `base` followed by the query string, if any.
    pub fn url(&self, base: &str) -> String {
        let query = self.to_query_string();
        if query.is_empty() {
            base.to_owned()
        } else if base.contains('?') {
            format!("{base}&{query}")
        } else {
            format!("{base}?{query}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couplet_model::Literal;

    #[test]
    fn reserved_characters_in_values_are_encoded_and_quotes_stay() {
        let f = Filter::eq("name", Literal::String("A&B + C#1 100% O'Neil".into()));
        let q = QueryBuilder::new().filter(Some(&f)).to_query_string();
        assert_eq!(
            q,
            "$filter=name%20eq%20'A%26B%20%2B%20C%231%20100%25%20O''Neil'"
        );
    }

    #[test]
    fn options_are_joined_in_a_stable_order() {
        let q = QueryBuilder::new()
            .select(["id", "displayName", "id"])
            .orderby("lastModifiedDateTime")
            .top(5)
            .count(true)
            .url("http://h/api/v2.0/companies(1)/customers");
        assert_eq!(
            q,
            "http://h/api/v2.0/companies(1)/customers?$select=id,displayName&$orderby=lastModifiedDateTime&$top=5&$count=true"
        );
    }

    #[test]
    fn datetime_offsets_keep_their_plus_sign_encoded() {
        assert_eq!(
            encode_value("2024-01-01T00:00:00+01:00"),
            "2024-01-01T00:00:00%2B01:00"
        );
    }

    #[test]
    fn empty_query_leaves_the_url_alone() {
        assert_eq!(QueryBuilder::new().url("http://h/x"), "http://h/x");
    }
}
