//! How model values are written to and read back from columns.
//!
//! Ids are lowercase hyphenated text, times RFC 3339 UTC text with nine fractional digits
//! (fixed width, so text order is time order), counters non-negative integers, nested values
//! serde JSON text.

use chrono::{DateTime, SecondsFormat, Utc};
use couplet_model::{Direction, Side};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::StoreError;

/// The column text of an id.
pub(crate) fn id(value: Uuid) -> String {
    value.hyphenated().to_string()
}

/// Parses an id column.
pub(crate) fn parse_id(what: &str, text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::corrupt(what, format!("{text:?}: {e}")))
}

/// Parses an optional id column.
pub(crate) fn parse_opt_id(what: &str, text: Option<String>) -> Result<Option<Uuid>, StoreError> {
    text.map(|t| parse_id(what, &t)).transpose()
}

/// The column text of a time.
pub(crate) fn time(value: DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The column text of an optional time.
pub(crate) fn opt_time(value: Option<DateTime<Utc>>) -> Option<String> {
    value.map(time)
}

/// Parses a time column.
pub(crate) fn parse_time(what: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::corrupt(what, format!("{text:?}: {e}")))
}

/// Parses an optional time column.
pub(crate) fn parse_opt_time(
    what: &str,
    text: Option<String>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|t| parse_time(what, &t)).transpose()
}

/// The JSON text of a value.
pub(crate) fn json<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Invalid(format!("{what} cannot be written as JSON: {e}")))
}

/// The JSON text of an optional value.
pub(crate) fn opt_json<T: Serialize>(
    what: &str,
    value: Option<&T>,
) -> Result<Option<String>, StoreError> {
    value.map(|v| json(what, v)).transpose()
}

/// Parses a JSON column.
pub(crate) fn parse_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(what, e))
}

/// Parses an optional JSON column.
pub(crate) fn parse_opt_json<T: DeserializeOwned>(
    what: &str,
    text: Option<String>,
) -> Result<Option<T>, StoreError> {
    text.map(|t| parse_json(what, &t)).transpose()
}

/// Parses a side column.
pub(crate) fn parse_side(what: &str, text: &str) -> Result<Side, StoreError> {
    Side::parse(text).ok_or_else(|| StoreError::corrupt(what, format!("unknown side {text:?}")))
}

/// Parses a direction column.
pub(crate) fn parse_direction(what: &str, text: &str) -> Result<Direction, StoreError> {
    Direction::parse(text)
        .ok_or_else(|| StoreError::corrupt(what, format!("unknown direction {text:?}")))
}

/// The column value of a counter or count.
pub(crate) fn count(what: &str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Invalid(format!("{what} {value} is too large")))
}

/// The column value of a limit or offset.
pub(crate) fn bound(what: &str, value: usize) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Invalid(format!("{what} {value} is too large")))
}

/// Parses a counter column.
pub(crate) fn parse_count(what: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::corrupt(what, format!("negative count {value}")))
}
