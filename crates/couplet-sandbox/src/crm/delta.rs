//! Change tracking (api-reference B9): `Prefer: odata.track-changes` reads a table and ends
//! with an `@odata.deltaLink`; following it returns the rows written since (current values)
//! and then the rows deleted since (`$deletedEntity`), with a new delta link.
//!
//! A delta token is `<version>!<MM/dd/yyyy HH:mm:ss>`: every write up to that row version is
//! covered, and the time says when it was issued (tokens expire after
//! [`TOKEN_LIFETIME_DAYS`], as `Organization.ExpireChangeTrackingInDays` defaults to).

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::errors::error;
use super::schema::Table;
use super::{
    Annotations, Ctx, MAX_PAGE, context_url, decode_cookie, encode_cookie, json_response, render,
};
use crate::http::{ApiRequest, ApiResponse};
use crate::options;
use crate::store::Store;

/// Days a delta token stays valid.
pub(crate) const TOKEN_LIFETIME_DAYS: i64 = 7;
const TOKEN_TIME_FORMAT: &str = "%m/%d/%Y %H:%M:%S";
/// Query options Dataverse refuses together with change tracking.
const REFUSED_OPTIONS: [&str; 4] = ["$filter", "$orderby", "$expand", "$top"];

/// Where a change-tracking read stands between pages.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Position {
    /// Versions already covered by the token the client holds (0 on the initial read).
    #[serde(rename = "f")]
    from: u64,
    /// Versions covered once this read is done (the next delta token).
    #[serde(rename = "u")]
    upto: u64,
    /// Initial read: the last key served; delta read: the last version served.
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    key: Option<Uuid>,
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
}

/// Whether the request is a change-tracking read.
pub(crate) fn is_tracking(req: &ApiRequest) -> bool {
    req.prefers("odata.track-changes", None) || req.option("$deltatoken").is_some()
}

fn encode_token(upto: u64, issued: DateTime<Utc>) -> String {
    format!("{upto}!{}", issued.format(TOKEN_TIME_FORMAT))
}

fn decode_token(token: &str) -> Option<(u64, DateTime<Utc>)> {
    let text = percent_decode_str(token).decode_utf8().ok()?;
    let (version, issued) = text.split_once('!')?;
    let issued = NaiveDateTime::parse_from_str(issued, TOKEN_TIME_FORMAT).ok()?;
    Some((version.parse().ok()?, issued.and_utc()))
}

/// Answers a change-tracking read of `table`: the initial read, a page of it, or a delta.
pub(crate) fn list(store: &Store, ctx: &Ctx, req: &ApiRequest, table: &Table) -> ApiResponse {
    if let Some(option) = REFUSED_OPTIONS.iter().find(|o| req.option(o).is_some()) {
        return error(
            400,
            "0x80040203",
            &format!(
                "The \"{option}\" query parameter isn't supported when Change Tracking is enabled."
            ),
        );
    }
    if !table.table.tracks_changes() {
        return error(
            400,
            "0x80040203",
            &format!(
                "Change tracking is not enabled for the entity '{}'.",
                table.logical
            ),
        );
    }
    let select = match options::parse_select(req, table) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let position = match position_of(store, req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let page_size = match req.max_page_size() {
        Some(Ok(n)) => n.clamp(1, MAX_PAGE),
        _ => MAX_PAGE,
    };
    let delta = position.from > 0;
    let mut rows = Vec::new();
    let mut more = false;
    if delta {
        let after = position.version.unwrap_or(position.from);
        let mut changed = store.rows_changed(table.table, after, position.upto);
        rows.extend(changed.by_ref().take(page_size));
        more = changed.next().is_some();
    } else {
        let mut all = store.rows_after(table.table, position.key);
        rows.extend(all.by_ref().take(page_size));
        more = more || all.next().is_some();
    }
    let annotations = Annotations::from_request(req);
    let mut values: Vec<Value> = rows
        .iter()
        .map(|(_, row)| Value::Object(render(store, table, row, select.as_deref(), &annotations)))
        .collect();
    let mut body = Map::new();
    let mut context = context_url(ctx, table, select.as_deref(), false);
    if delta {
        context.push_str("/$delta");
    }
    body.insert("@odata.context".into(), Value::String(context));
    let kept = req.raw_query_without(&["$skiptoken", "$deltatoken"]);
    let sep = if kept.is_empty() { "" } else { "&" };
    let link_base = format!("{}{}?{kept}{sep}", req.origin, req.raw_path);
    if more {
        let last = rows.last();
        let next = Position {
            from: position.from,
            upto: position.upto,
            key: if delta { None } else { last.map(|(k, _)| *k) },
            version: if delta {
                last.map(|(_, r)| r.version)
            } else {
                None
            },
        };
        let page_number = rows.len().max(1);
        body.insert(
            "@odata.nextLink".into(),
            Value::String(format!(
                "{link_base}$skiptoken={}",
                encode_cookie(&next, page_number, true)
            )),
        );
    } else {
        if delta {
            // Deletions come after the changed rows, on the last page.
            for id in store.deletions(table.table, position.from, position.upto) {
                let mut gone = Map::new();
                gone.insert(
                    "@odata.context".into(),
                    Value::String(format!(
                        "{}/$metadata#{}/$deletedEntity",
                        ctx.base, table.set
                    )),
                );
                gone.insert("id".into(), Value::String(id.to_string()));
                gone.insert("reason".into(), Value::String("deleted".into()));
                values.push(Value::Object(gone));
            }
        }
        let token = encode_token(position.upto, Utc::now());
        body.insert(
            "@odata.deltaLink".into(),
            Value::String(format!(
                "{link_base}$deltatoken={}",
                utf8_percent_encode(&token, NON_ALPHANUMERIC)
            )),
        );
    }
    body.insert("value".into(), Value::Array(values));
    let mut applied = vec!["odata.track-changes".to_owned()];
    if let Some(Ok(n)) = req.max_page_size() {
        applied.push(format!("odata.maxpagesize={}", n.clamp(1, MAX_PAGE)));
    }
    if annotations.any() {
        applied.push(annotations.preference());
    }
    json_response(200, Value::Object(body)).with_header("preference-applied", applied.join(","))
}

/// Where this read starts: a page link, a delta token, or the initial read.
fn position_of(store: &Store, req: &ApiRequest) -> Result<Position, ApiResponse> {
    if let Some(token) = req.option("$skiptoken") {
        return decode_cookie::<Position>(token).ok_or_else(|| {
            error(
                400,
                "0x80060888",
                "The $skiptoken is not valid. Follow @odata.nextLink exactly as returned.",
            )
        });
    }
    let upto = store.current_version();
    let Some(token) = req.option("$deltatoken") else {
        return Ok(Position {
            from: 0,
            upto,
            key: None,
            version: None,
        });
    };
    let (from, issued) = decode_token(token).ok_or_else(|| {
        error(
            400,
            "0x80040203",
            "The $deltatoken is not valid. Follow @odata.deltaLink exactly as returned.",
        )
    })?;
    if Utc::now() - issued > Duration::days(TOKEN_LIFETIME_DAYS) {
        return Err(error(
            400,
            "0x80040203",
            &format!(
                "The delta token has expired: change tracking keeps changes for {TOKEN_LIFETIME_DAYS} days. Read the table again with Prefer: odata.track-changes."
            ),
        ));
    }
    // A token from the future (a reset store) would miss writes: start from what it knows.
    Ok(Position {
        from: from.clamp(1, upto.max(1)),
        upto,
        key: None,
        version: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_tokens_carry_the_version_and_the_issue_time() {
        let issued = DateTime::parse_from_rfc3339("2017-08-22T08:10:44Z")
            .expect("valid")
            .with_timezone(&Utc);
        let token = encode_token(919_042, issued);
        assert_eq!(token, "919042!08/22/2017 08:10:44");
        let sent = utf8_percent_encode(&token, NON_ALPHANUMERIC).to_string();
        assert_eq!(decode_token(&sent), Some((919_042, issued)));
        assert_eq!(decode_token("garbage"), None);
    }

    #[test]
    fn a_page_position_round_trips_through_the_skiptoken() {
        let position = Position {
            from: 10,
            upto: 20,
            key: None,
            version: Some(15),
        };
        let sent = encode_cookie(&position, 2, true);
        assert!(
            percent_decode_str(&sent)
                .decode_utf8()
                .expect("utf-8")
                .contains("istracking=\"True\"")
        );
        let received = percent_decode_str(&sent).decode_utf8().expect("utf-8");
        let back: Position = decode_cookie(&received).expect("decodes");
        assert_eq!((back.from, back.upto, back.version), (10, 20, Some(15)));
    }
}
