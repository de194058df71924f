//! Reading collections page by page and turning rows into records, shared by both connectors.

use chrono::{DateTime, Utc};
use couplet_model::{CmpOp, EndpointError, ErrorKind, Filter, Literal, Page, Query, Record, Side};
use couplet_odata::literal::is_property_path;
use couplet_odata::{ODataClient, QueryBuilder};
use serde_json::Value;
use uuid::Uuid;

use crate::entity::EntityDef;

/// Where and how one entity is read.
pub(crate) struct Source<'a> {
    /// The client.
    pub client: &'a ODataClient,
    /// The side, for errors.
    pub side: Side,
    /// The entity.
    pub def: &'a EntityDef,
    /// The collection URL (`.../companies(<id>)/customers`, `.../api/data/v9.2/accounts`).
    pub collection_url: String,
    /// The service root next links must stay under.
    pub root: &'a url::Url,
    /// The largest page the service serves.
    pub max_page: u32,
    /// The modified-by field on the wire, where the service has one (`_modifiedby_value`).
    pub modified_by: Option<&'static str>,
    /// The longest URL a read by ids builds.
    pub max_url_len: usize,
}

/// The longest URL a read by ids builds where the service documents no limit: what every
/// server and proxy on the way takes.
pub(crate) const SAFE_URL_LEN: usize = 2_000;
/// Room kept for `?$select=` of the key, modified-on and modified-by in a read-back URL.
const READ_BACK_SELECT_ALLOWANCE: usize = 120;

impl Source<'_> {
    /// The URL of the first page of `query`.
    pub(crate) fn first_page_url(&self, query: &Query) -> Result<String, EndpointError> {
        let filter = Filter::all([
            query
                .filter
                .as_ref()
                .map(|f| self.wire_filter(f))
                .transpose()?,
            query
                .modified_since
                .map(|t| Filter::cmp(&self.def.modified, CmpOp::Ge, Literal::DateTime(t))),
            query
                .modified_before
                .map(|t| Filter::cmp(&self.def.modified, CmpOp::Lt, Literal::DateTime(t))),
        ]);
        // Oldest changes first, ties broken by key, so a checkpoint taken after any page
        // never skips a row of a later page.
        Ok(QueryBuilder::new()
            .select(self.select(&query.fields)?)
            .filter(filter.as_ref())
            .orderby(&format!("{} asc", self.def.modified))
            .orderby(&format!("{} asc", self.def.key))
            .url(&self.collection_url))
    }

    /// The page size to ask for: the query's, capped at the service maximum; the largest the
    /// service serves when the query does not say (fewest requests).
    pub(crate) fn page_size(&self, query: &Query) -> u32 {
        query
            .page_size
            .unwrap_or(self.max_page)
            .clamp(1, self.max_page)
    }

    /// Reads the page at `url` and turns its rows into records.
    pub(crate) async fn page(
        &self,
        url: &str,
        page_size: u32,
        fields: &[String],
    ) -> Result<(Vec<Record>, Option<String>), EndpointError> {
        self.check_link(url)?;
        let page = self
            .client
            .get_page(url, Some(page_size))
            .await
            .map_err(|e| e.into_endpoint_error(self.side))?;
        let wire = self.wire_names(fields);
        let records = page
            .rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| self.record(row, i, &wire))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((records, page.next_link))
    }

    /// Reads the page `page` (a next link) of `query`, or its first page.
    pub(crate) async fn query_page(
        &self,
        query: &Query,
        page: Option<&str>,
    ) -> Result<Page, EndpointError> {
        let url = match page {
            Some(link) => link.to_owned(),
            None => self.first_page_url(query)?,
        };
        let (records, next) = self
            .page(&url, self.page_size(query), &query.fields)
            .await?;
        Ok(Page { records, next })
    }

    /// Reads the records with these ids, in URL-sized chunks.
    pub(crate) async fn by_ids(
        &self,
        ids: &[Uuid],
        fields: &[String],
    ) -> Result<Vec<Record>, EndpointError> {
        let query = |filter| Query {
            entity: self.def.name.clone(),
            fields: fields.to_vec(),
            filter,
            ..Query::default()
        };
        let key = self.def.key.as_str();
        let base = self.first_page_url(&query(None))?;
        let mut out = Vec::new();
        for chunk in id_chunks(ids, key, base.len(), self.max_url_len) {
            let url = self.first_page_url(&query(Some(ids_filter(key, &chunk))))?;
            out.extend(self.all(url, self.max_page, fields).await?);
        }
        Ok(out)
    }

    /// About how many ids one read by id takes (with a short `$select`): below that a bulk
    /// write's read-back by id costs one request.
    pub(crate) fn ids_per_read(&self) -> usize {
        let base = self.collection_url.len() + READ_BACK_SELECT_ALLOWANCE;
        self.max_url_len.saturating_sub(base + "&$filter=".len()) / per_id_len(&self.def.key)
    }

    /// Reads every row matching `filter` (wire names), key order, with the key, modified-on,
    /// modified-by and ETag only: the cheapest way to learn what a bulk write stamped.
    pub(crate) async fn all_matching(&self, filter: &Filter) -> Result<Vec<Record>, EndpointError> {
        let url = QueryBuilder::new()
            .select(self.select(&[])?)
            .filter(Some(filter))
            .orderby(&format!("{} asc", self.def.key))
            .url(&self.collection_url);
        self.all(url, self.max_page, &[]).await
    }

    /// Reads every page from `url`.
    async fn all(
        &self,
        url: String,
        page_size: u32,
        fields: &[String],
    ) -> Result<Vec<Record>, EndpointError> {
        let mut out = Vec::new();
        let mut next = Some(url);
        while let Some(url) = next {
            let (mut records, following) = self.page(&url, page_size, fields).await?;
            out.append(&mut records);
            next = following;
        }
        Ok(out)
    }

    /// `$select`: the requested fields (wire names), key, modified-on and modified-by.
    pub(crate) fn select(&self, fields: &[String]) -> Result<Vec<String>, EndpointError> {
        let mut select = Vec::with_capacity(fields.len() + 3);
        for f in fields {
            self.check_name(f)?;
            select.push(self.def.wire_read_name(f));
        }
        select.push(self.def.key.clone());
        select.push(self.def.modified.clone());
        if let Some(by) = self.modified_by {
            select.push(by.to_owned());
        }
        Ok(select)
    }

    /// The filter with model names replaced by wire names (`ownerid` → `_ownerid_value`).
    fn wire_filter(&self, filter: &Filter) -> Result<Filter, EndpointError> {
        Ok(match filter {
            Filter::Cmp { field, cmp, value } => Filter::Cmp {
                field: self.wire_field(field)?,
                cmp: *cmp,
                value: value.clone(),
            },
            Filter::Contains { field, value } => Filter::Contains {
                field: self.wire_field(field)?,
                value: value.clone(),
            },
            Filter::StartsWith { field, value } => Filter::StartsWith {
                field: self.wire_field(field)?,
                value: value.clone(),
            },
            Filter::And(parts) => Filter::And(
                parts
                    .iter()
                    .map(|p| self.wire_filter(p))
                    .collect::<Result<_, _>>()?,
            ),
            Filter::Or(parts) => Filter::Or(
                parts
                    .iter()
                    .map(|p| self.wire_filter(p))
                    .collect::<Result<_, _>>()?,
            ),
            Filter::Not(inner) => Filter::Not(Box::new(self.wire_filter(inner)?)),
        })
    }

    fn wire_field(&self, name: &str) -> Result<String, EndpointError> {
        self.check_name(name)?;
        Ok(self.def.wire_read_name(name))
    }

    fn check_name(&self, name: &str) -> Result<(), EndpointError> {
        if is_property_path(name) {
            Ok(())
        } else {
            Err(EndpointError::new(
                ErrorKind::Config,
                self.side,
                format!(
                    "'{name}' is not a valid field name of {} {}",
                    self.side, self.def.name
                ),
            ))
        }
    }

    /// A page token must point into the same service: the bearer token goes with it.
    pub(crate) fn check_link(&self, url: &str) -> Result<(), EndpointError> {
        let same_origin = url::Url::parse(url).is_ok_and(|u| u.origin() == self.root.origin());
        if same_origin {
            Ok(())
        } else {
            Err(EndpointError::new(
                ErrorKind::Protocol,
                self.side,
                format!(
                    "the page link {url} does not point into the {} service at {}",
                    self.side,
                    self.root.origin().ascii_serialization()
                ),
            ))
        }
    }

    /// Each field's model name with the name it is read under on the wire (each field once),
    /// worked out once per page rather than once per row.
    pub(crate) fn wire_names(&self, fields: &[String]) -> Vec<(String, String)> {
        let mut seen = std::collections::HashSet::new();
        fields
            .iter()
            .filter(|f| seen.insert(f.as_str()))
            .map(|f| (f.clone(), self.def.wire_read_name(f)))
            .collect()
    }

    /// One row as a record; a row without a valid key or timestamp is a protocol error.
    pub(crate) fn record(
        &self,
        row: Value,
        index: usize,
        wire: &[(String, String)],
    ) -> Result<Record, EndpointError> {
        let bad = |what: String| {
            let excerpt: String = row.to_string().chars().take(300).collect();
            EndpointError::new(
                ErrorKind::Protocol,
                self.side,
                format!(
                    "{} {} row {index} {what}: {excerpt}",
                    self.side, self.def.name
                ),
            )
        };
        let id = row
            .get(&self.def.key)
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| bad(format!("has no valid key '{}'", self.def.key)))?;
        let modified_on = row
            .get(&self.def.modified)
            .and_then(Value::as_str)
            .and_then(parse_timestamp)
            .ok_or_else(|| bad(format!("has no valid timestamp '{}'", self.def.modified)))?;
        let modified_by = self
            .modified_by
            .and_then(|f| row.get(f))
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok());
        let etag = row
            .get("@odata.etag")
            .and_then(Value::as_str)
            .map(str::to_owned);
        // The row is ours: its values move into the record rather than being copied.
        let mut values = match row {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        let fields = wire
            .iter()
            .map(|(name, wire)| (name.clone(), values.remove(wire).unwrap_or(Value::Null)))
            .collect();
        Ok(Record {
            id,
            fields,
            modified_on,
            modified_by,
            etag,
        })
    }
}

/// Parses an RFC 3339 timestamp into UTC.
pub(crate) fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Splits ids into chunks whose `key eq <id> or ...` filter keeps the URL under `limit`
/// characters, given the URL length without the filter.
fn id_chunks(ids: &[Uuid], key: &str, base_len: usize, limit: usize) -> Vec<Vec<Uuid>> {
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    let unique: Vec<Uuid> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    let per_id = per_id_len(key);
    let room = limit.saturating_sub(base_len + "&$filter=".len());
    let chunk = (room / per_id).max(1);
    unique.chunks(chunk).map(<[Uuid]>::to_vec).collect()
}

/// The URL length one id takes in an id filter, percent-encoded:
/// "%20or%20" + key + "%20eq%20" + 36-character GUID.
fn per_id_len(key: &str) -> usize {
    8 + key.len() + 8 + 36
}

/// `key eq a or key eq b ...`.
fn ids_filter(key: &str, ids: &[Uuid]) -> Filter {
    Filter::Or(
        ids.iter()
            .map(|id| Filter::eq(key, Literal::Guid(*id)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_chunks_keep_urls_short_and_drop_duplicates() {
        let ids: Vec<Uuid> = (0..200).map(|_| Uuid::new_v4()).collect();
        let mut with_dup = ids.clone();
        with_dup.push(ids[0]);
        let chunks = id_chunks(&with_dup, "accountid", 300, 2000);
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), 200);
        let filter_len = |c: &Vec<Uuid>| {
            couplet_odata::query::encode_value(&couplet_odata::filter(&ids_filter("accountid", c)))
                .len()
        };
        for c in &chunks {
            assert!(300 + "&$filter=".len() + filter_len(c) <= 2000);
        }
    }
}
