//! The simulated execution time of a Dataverse request, summed into the execution-time budget.

use std::time::Duration;

use super::stats::RequestKind;

/// Simulated server execution time per kind of request (Dataverse's execution-time limit sums
/// these per user over the window). A `$batch` costs the sum of its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecutionCosts {
    /// A read (`GET` of rows, a row, a count, `WhoAmI`).
    pub read: Duration,
    /// A write (`POST`, `PATCH`, `PUT`, `DELETE`).
    pub write: Duration,
    /// `$metadata`, the service document and anything else.
    pub other: Duration,
}

impl ExecutionCosts {
    /// The defaults: a read 10 ms, a write 40 ms, anything else 5 ms (the documentation gives no
    /// figures; these are typical of a small organization).
    pub fn typical() -> Self {
        Self {
            read: Duration::from_millis(10),
            write: Duration::from_millis(40),
            other: Duration::from_millis(5),
        }
    }

    /// The simulated cost of a request of `kind` with this `body`.
    pub(crate) fn of(&self, kind: RequestKind, body: &[u8]) -> Duration {
        match kind {
            RequestKind::Read => self.read,
            RequestKind::Write => self.write.saturating_mul(bulk_targets(body).unwrap_or(1)),
            RequestKind::Other => self.other,
            RequestKind::Batch => {
                let (reads, writes) = batch_parts(body);
                if reads + writes == 0 {
                    return self.other;
                }
                self.read.saturating_mul(reads) + self.write.saturating_mul(writes)
            }
        }
    }
}

impl Default for ExecutionCosts {
    fn default() -> Self {
        Self::typical()
    }
}

/// The number of records a Dataverse bulk message (`CreateMultiple`, `UpdateMultiple`,
/// `UpsertMultiple`) writes: the length of its `Targets`. A bulk request counts once against
/// the request limit but its execution time is that of every record it writes.
fn bulk_targets(body: &[u8]) -> Option<u32> {
    const MARKER: &[u8] = b"\"Targets\"";
    if !body.windows(MARKER.len()).any(|w| w == MARKER) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let count = value.get("Targets")?.as_array()?.len();
    u32::try_from(count).ok().filter(|n| *n > 0)
}

/// Counts the inner requests of a multipart `$batch` body by their request lines
/// (`GET …`, `POST …`, …), change sets included: (reads, writes).
fn batch_parts(body: &[u8]) -> (u32, u32) {
    let text = String::from_utf8_lossy(body);
    let mut reads = 0u32;
    let mut writes = 0u32;
    for line in text.lines() {
        let Some((method, rest)) = line.trim_start().split_once(' ') else {
            continue;
        };
        if !rest.trim_end().ends_with("HTTP/1.1") && !rest.trim_end().ends_with("HTTP/1.0") {
            continue;
        }
        match method {
            "GET" | "HEAD" => reads = reads.saturating_add(1),
            "POST" | "PATCH" | "PUT" | "DELETE" | "MERGE" => writes = writes.saturating_add(1),
            _ => {}
        }
    }
    (reads, writes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_costs_the_sum_of_its_parts_including_change_sets() {
        let body = "--batch_1\r\nContent-Type: application/http\r\n\r\nGET accounts?$top=1 HTTP/1.1\r\n\r\n\
            --batch_1\r\nContent-Type: multipart/mixed; boundary=changeset_2\r\n\r\n\
            --changeset_2\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\n\
            POST /api/data/v9.2/accounts HTTP/1.1\nContent-Type: application/json\n\n{\"name\":\"GET x HTTP\"}\n\
            --changeset_2\r\nContent-Type: application/http\r\n\r\nPATCH $1 HTTP/1.1\r\n\r\n{}\r\n--changeset_2--\r\n--batch_1--\r\n";
        assert_eq!(batch_parts(body.as_bytes()), (1, 2));
        let costs = ExecutionCosts::typical();
        assert_eq!(
            costs.of(RequestKind::Batch, body.as_bytes()),
            Duration::from_millis(10 + 40 + 40)
        );
        assert_eq!(costs.of(RequestKind::Batch, b"nonsense"), costs.other);
        assert_eq!(costs.of(RequestKind::Read, b""), Duration::from_millis(10));
    }

    #[test]
    fn a_bulk_message_costs_one_write_per_target() {
        let costs = ExecutionCosts::typical();
        let body = br#"{"Targets":[{"name":"a"},{"name":"b"},{"name":"c"}]}"#;
        assert_eq!(
            costs.of(RequestKind::Write, body),
            Duration::from_millis(3 * 40)
        );
        assert_eq!(
            costs.of(RequestKind::Write, br#"{"name":"Targets"}"#),
            Duration::from_millis(40),
            "a single write that mentions the word"
        );
    }
}
