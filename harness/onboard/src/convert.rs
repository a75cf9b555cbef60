//! Checked rows as Graph requests: one bulk delta body per chunk of rows (`PATCH` on the collection)
//! or one create body per row (`POST`), each wrapped as a request object of Graph's JSON batch
//! format (`{"requests": [{"id", "method", "url", "headers", "body"}]}`).
//!
//! No `assignTo`: it takes a user's object id, and resolving UPNs to ids is `import`'s job. The
//! output holds the secret keys (a create body must carry them).

use hwoath_graph::{BulkDelta, BulkItem, CreateDevice, CsvRow};
use serde::Serialize;

/// Tokens per bulk body by default: about 30 KB of JSON, well under the 1 MiB body cap Graph-like
/// servers apply, and a failed body costs at most 100 tokens' retry.
pub const DEFAULT_CHUNK: usize = 100;

/// Most tokens per bulk body.
pub const MAX_CHUNK: usize = 1000;

/// The inventory collection: `POST` creates one token, `PATCH` with a delta body creates many.
const DEVICES_URL: &str = "/directory/authenticationMethodDevices/hardwareOathDevices";

/// What to convert the rows to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// One `PATCH` request per chunk of rows, each body a bulk delta.
    Bulk,
    /// One `POST` request per row, each body a create body.
    Requests,
}

/// A conversion that cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// `chunk` outside `1..=MAX_CHUNK`.
    #[error("the chunk size must be 1 to {MAX_CHUNK} tokens, not {0}")]
    Chunk(usize),
    /// The JSON could not be written.
    #[error("cannot write the requests as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A request of Graph's JSON batch format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct BatchRequest<B> {
    /// The request's id: `line-N` for a create, `lines-A-B` for a bulk body (first and last line).
    id: String,
    /// `POST` or `PATCH`.
    method: &'static str,
    /// The URL relative to the API version ([`DEVICES_URL`]).
    url: &'static str,
    /// The request headers.
    headers: Headers,
    /// The body.
    body: B,
}

/// The headers of a request: its content type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Headers {
    /// `application/json`.
    #[serde(rename = "Content-Type")]
    content_type: &'static str,
}

/// The requests, as Graph's JSON batch format holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Batch<B> {
    /// The requests in file order.
    requests: Vec<BatchRequest<B>>,
}

const JSON: Headers = Headers {
    content_type: "application/json",
};

/// Bulk delta bodies of at most `chunk` rows each (`chunk` is clamped to `1..=MAX_CHUNK`), in file
/// order; each item's `@contentId` is its row's CSV line number, so outcomes map back to lines.
pub(crate) fn bulk_bodies(rows: &[CsvRow], chunk: usize) -> Vec<BulkDelta> {
    rows.chunks(chunk.clamp(1, MAX_CHUNK))
        .map(|rows| BulkDelta {
            context: BulkDelta::CONTEXT.to_owned(),
            value: rows
                .iter()
                .map(|row| BulkItem {
                    content_id: Some(row.line.to_string()),
                    device: row.to_create_body(),
                })
                .collect(),
        })
        .collect()
}

/// One `POST` per row, with the id `line-N`.
fn create_requests(rows: &[CsvRow]) -> Batch<CreateDevice> {
    let requests = rows
        .iter()
        .map(|row| BatchRequest {
            id: format!("line-{}", row.line),
            method: "POST",
            url: DEVICES_URL,
            headers: JSON,
            body: row.to_create_body(),
        })
        .collect();
    Batch { requests }
}

/// One `PATCH` per chunk of `chunk` rows, with the id `lines-A-B` (its first and last line).
fn bulk_requests(rows: &[CsvRow], chunk: usize) -> Batch<BulkDelta> {
    let requests = bulk_bodies(rows, chunk)
        .into_iter()
        .map(|body| {
            let line = |item: Option<&BulkItem>| {
                item.and_then(|i| i.content_id.clone()).unwrap_or_default()
            };
            BatchRequest {
                id: format!(
                    "lines-{}-{}",
                    line(body.value.first()),
                    line(body.value.last())
                ),
                method: "PATCH",
                url: DEVICES_URL,
                headers: JSON,
                body,
            }
        })
        .collect();
    Batch { requests }
}

/// The rows as an indented JSON document of requests; `chunk` must be in `1..=MAX_CHUNK`.
pub fn convert(rows: &[CsvRow], output: Output, chunk: usize) -> Result<String, ConvertError> {
    if !(1..=MAX_CHUNK).contains(&chunk) {
        return Err(ConvertError::Chunk(chunk));
    }
    let text = match output {
        Output::Bulk => serde_json::to_string_pretty(&bulk_requests(rows, chunk))?,
        Output::Requests => serde_json::to_string_pretty(&create_requests(rows))?,
    };
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwoath_graph::parse_strict;

    const KEY: &str = "JBSWY3DPEHPK3PXP";

    /// Valid rows on lines 2, 4, 6, ... (as if every other line had been left out).
    fn rows(n: usize) -> Vec<CsvRow> {
        let mut text =
            String::from("upn,serial number,secret key,time interval,manufacturer,model\n");
        for i in 0..n {
            text.push_str(&format!("u{i}@contoso.com,S{i},{KEY},30,Contoso,K\n\n"));
        }
        let file = hwoath_graph::CsvFile::parse(&text).unwrap();
        assert!(file.errors.is_empty());
        file.rows
    }

    fn content_ids(body: &BulkDelta) -> Vec<String> {
        body.value
            .iter()
            .map(|i| i.content_id.clone().unwrap())
            .collect()
    }

    #[test]
    fn bulk_bodies_are_chunked_with_content_ids_equal_to_lines() {
        let rows = rows(5);
        let sizes = |chunk| -> Vec<usize> {
            bulk_bodies(&rows, chunk)
                .iter()
                .map(|b| b.value.len())
                .collect()
        };
        assert_eq!(sizes(1), [1, 1, 1, 1, 1]);
        assert_eq!(sizes(5), [5]);
        assert_eq!(sizes(2), [2, 2, 1]);
        assert_eq!(sizes(100), [5]);
        assert_eq!(sizes(0), [1, 1, 1, 1, 1], "0 is clamped to 1");
        let bodies = bulk_bodies(&rows, 2);
        assert_eq!(content_ids(&bodies[0]), ["2", "4"]);
        assert_eq!(content_ids(&bodies[2]), ["10"]);
        assert_eq!(bodies[1].context, "#$delta");
        assert!(bulk_bodies(&[], 100).is_empty());
    }

    #[test]
    fn an_exact_multiple_of_the_chunk_leaves_no_empty_body() {
        let rows = rows(6);
        let bodies = bulk_bodies(&rows, 3);
        assert_eq!(bodies.len(), 2);
        assert_eq!(content_ids(&bodies[1]), ["8", "10", "12"]);
    }

    #[test]
    fn create_bodies_carry_the_row_and_no_assign_to() {
        let rows = rows(1);
        let body = rows[0].to_create_body();
        assert_eq!(
            (
                body.serial_number.as_str(),
                body.secret_key.expose(),
                body.time_interval_in_seconds
            ),
            ("S0", KEY, 30)
        );
        assert_eq!(
            (body.assign_to, body.hash_function, body.display_name),
            (None, None, None)
        );
    }

    #[test]
    fn request_documents_have_the_batch_shape_and_strict_bodies() {
        let rows = rows(3);
        let json: serde_json::Value =
            serde_json::from_str(&convert(&rows, Output::Requests, DEFAULT_CHUNK).unwrap())
                .unwrap();
        let requests = json["requests"].as_array().unwrap();
        assert_eq!(requests.len(), 3);
        let first = &requests[0];
        assert_eq!(
            (&first["id"], &first["method"], &first["url"]),
            (
                &serde_json::json!("line-2"),
                &serde_json::json!("POST"),
                &serde_json::json!(DEVICES_URL)
            )
        );
        assert_eq!(first["headers"]["Content-Type"], "application/json");
        let body: CreateDevice = parse_strict(&first["body"].to_string()).unwrap();
        assert_eq!(body, rows[0].to_create_body());
        assert!(!first["body"].to_string().contains("assignTo"));
    }

    #[test]
    fn bulk_documents_name_their_lines_and_parse_strictly() {
        let rows = rows(3);
        let json: serde_json::Value =
            serde_json::from_str(&convert(&rows, Output::Bulk, 2).unwrap()).unwrap();
        let requests = json["requests"].as_array().unwrap();
        let ids: Vec<&str> = requests.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["lines-2-4", "lines-6-6"]);
        assert_eq!(requests[0]["method"], "PATCH");
        assert_eq!(requests[0]["url"], DEVICES_URL);
        let body: BulkDelta = parse_strict(&requests[0]["body"].to_string()).unwrap();
        assert_eq!(body, bulk_bodies(&rows, 2)[0]);
    }

    #[test]
    fn the_chunk_size_is_checked() {
        for chunk in [0, MAX_CHUNK + 1] {
            let error = convert(&[], Output::Bulk, chunk).unwrap_err();
            assert!(matches!(error, ConvertError::Chunk(c) if c == chunk));
        }
        let empty: serde_json::Value =
            serde_json::from_str(&convert(&[], Output::Bulk, MAX_CHUNK).unwrap()).unwrap();
        assert_eq!(empty, serde_json::json!({ "requests": [] }));
    }
}
