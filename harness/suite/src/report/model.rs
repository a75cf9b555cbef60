//! The report of one run: a versioned, serializable record of every case, its outcome and the exchanges
//! behind it, with secrets already redacted. Every writer (JSON, JUnit, Markdown, HTML) and the baseline
//! diff read this one model.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::label::{BodyKind, Label};
use crate::redact::{REDACTED_BEARER, is_credential_header};
use crate::rules::Strength;

/// What every report says about the secrets it may and may not hold.
pub(crate) const SECRETS_NOTE: &str = "Request bodies and curl lines show the secretKey values the suite sent: \
test data it generated or took from the RFCs and Microsoft's examples, never a tenant's keys, so each \
request replays as shown. Bearer tokens and client secrets never appear: curl lines read the token \
from $GRAPH_TOKEN, and answers have every secretKey masked.";

/// The schema identifier written into every `report.json`; bump it on incompatible changes.
pub const SCHEMA: &str = "hwoath-report/1";

/// What became of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every check held.
    Pass,
    /// A documented rule was violated.
    Fail,
    /// Only inferred rules were violated.
    Diverge,
    /// The case could not apply to this target (the reason says why).
    Skip,
    /// The case could not be carried out: the target was unreachable, hung or hostile.
    Error,
}

impl Outcome {
    /// Whether this outcome makes the run (or the gate) fail.
    pub fn is_bad(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Diverge | Outcome::Error)
    }

    /// The lower-case name used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Diverge => "diverge",
            Outcome::Skip => "skip",
            Outcome::Error => "error",
        }
    }
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The run's id, also the tag on every resource it created.
    pub run_id: String,
    /// The hwoath version that produced the report.
    pub tool_version: String,
    /// RFC 3339 start time.
    pub started_at: String,
    /// Wall time of the run in milliseconds.
    pub duration_ms: u64,
    /// Which target was tested.
    pub target: TargetInfo,
    /// The seed of generated cases.
    pub seed: u64,
    /// Counts per outcome.
    pub summary: Summary,
    /// Every case, in catalog order.
    pub cases: Vec<CaseReport>,
    /// Generated cases that failed, each shrunk to its smallest body (saved as `failures/*.json`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<Failure>,
    /// Requests the client sent again after a 429 or 503, counted over the whole run.
    #[serde(default)]
    pub retries: RetrySummary,
    /// Whether a signal (Ctrl-C, SIGTERM) stopped the run before every case finished.
    #[serde(default)]
    pub interrupted: bool,
    /// Why the run stopped before every selected case ran (a signal, `--max-time`, `--fail-fast`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// What the run created and could not remove, one line each (`hwoath cleanup` removes them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leftovers: Vec<String>,
    /// Why the target's test clock could not be put back as the run found it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_not_restored: Option<String>,
}

/// What the client's retries of 429 and 503 answers did during a run. A retried attempt is in its
/// case's exchanges too (see [`ExchangeRecord::retried_after_ms`]) when the case records that request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrySummary {
    /// Attempts answered 429 or 503 that the client sent again after waiting out `Retry-After`.
    #[serde(default)]
    pub retried: u64,
    /// Those attempts by status code.
    #[serde(default)]
    pub by_status: BTreeMap<u16, u64>,
    /// Requests that got another answer than 429 or 503 after one or more retries.
    #[serde(default)]
    pub recovered: u64,
    /// Requests still answered 429 or 503 when the retries ran out (`--retries`, or the wait budget):
    /// their last answer is the one the checks judged.
    #[serde(default)]
    pub exhausted: u64,
    /// Time spent waiting on `Retry-After`, in milliseconds.
    #[serde(default)]
    pub waited_ms: u64,
}

impl RetrySummary {
    /// Whether no request was retried.
    pub fn is_empty(&self) -> bool {
        self.retried == 0 && self.exhausted == 0
    }

    /// The retried attempts by status, e.g. `503 x12, 429 x3`.
    pub fn statuses(&self) -> String {
        self.by_status
            .iter()
            .map(|(status, count)| format!("{status} x{count}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The target as the report shows it (never with credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// The Graph base URL, e.g. `https://graph.microsoft.com/beta`.
    pub base_url: String,
    /// `embedded-mock`, `mock` (controls available) or `graph` (no controls).
    pub kind: String,
    /// How the suite authenticated: `mock-controls`, `client-credentials`, `bearer-token`.
    pub auth: String,
}

/// Counts of outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// All cases.
    pub total: usize,
    /// Outcome pass.
    pub passed: usize,
    /// Outcome fail.
    pub failed: usize,
    /// Outcome diverge.
    pub diverged: usize,
    /// Outcome skip.
    pub skipped: usize,
    /// Outcome error.
    pub errored: usize,
}

impl Summary {
    /// Counts the outcomes of `cases`.
    pub fn of(cases: &[CaseReport]) -> Self {
        let mut summary = Summary {
            total: cases.len(),
            ..Summary::default()
        };
        for case in cases {
            match case.outcome {
                Outcome::Pass => summary.passed += 1,
                Outcome::Fail => summary.failed += 1,
                Outcome::Diverge => summary.diverged += 1,
                Outcome::Skip => summary.skipped += 1,
                Outcome::Error => summary.errored += 1,
            }
        }
        summary
    }
}

/// One case's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseReport {
    /// Stable id, `group/name`, e.g. `validation/create-interval-45`.
    pub id: String,
    /// One line saying what the case shows.
    pub title: String,
    /// The catalog group (`rfc`, `docs`, `validation`, `lifecycle`, `authz`, `odata`, ...).
    pub group: String,
    /// Documented or inferred.
    pub strength: Strength,
    /// Where the rule comes from (a doc page, an RFC section, or the decision it rests on).
    pub source: String,
    /// What became of it.
    pub outcome: Outcome,
    /// One line per violated check or the reason for skip/error; empty on pass.
    pub reasons: Vec<String>,
    /// What the case saw where the docs allow more than one answer (e.g. which of two documented
    /// statuses the target chose); informational, never a violation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<String>,
    /// Wall time of the case in milliseconds.
    pub duration_ms: u64,
    /// The HTTP exchanges the case made, redacted.
    pub exchanges: Vec<ExchangeRecord>,
}

/// One HTTP request and what came back, redacted of tokens and secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeRecord {
    /// What this step of the case does, e.g. `create device`.
    pub step: String,
    /// HTTP method.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Request headers (Authorization shown as `Bearer [redacted]`).
    pub request_headers: Vec<(String, String)>,
    /// Request body as text (secretKey values redacted), if any.
    pub request_body: Option<String>,
    /// Response status, absent when no response came.
    pub status: Option<u16>,
    /// Response headers.
    pub response_headers: Vec<(String, String)>,
    /// Response body as text (truncated past 64 KiB), if any.
    pub response_body: Option<String>,
    /// Transport failure (refused, reset, timeout, ...), if any.
    pub error: Option<String>,
    /// Time to the full response in milliseconds.
    pub elapsed_ms: u64,
    /// Which attempt of the request this was (1 for the first; later ones follow a 429 or 503).
    #[serde(default = "first_attempt", skip_serializing_if = "is_first_attempt")]
    pub attempt: u32,
    /// Set when the client sent the request again after this answer: the `Retry-After` wait it
    /// honoured first, in milliseconds. Such an attempt is shown, never judged by `no-server-error`
    /// (docs/spec.md, D31).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retried_after_ms: Option<u64>,
    /// The checks that failed on this exchange.
    pub violations: Vec<Violation>,
}

fn first_attempt() -> u32 {
    1
}

fn is_first_attempt(attempt: &u32) -> bool {
    *attempt == 1
}

/// A check that failed on an exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The check's name, e.g. `error_envelope`.
    pub check: String,
    /// Whether the rule it enforces is documented or inferred.
    pub strength: Strength,
    /// One line saying what was wrong.
    pub reason: String,
}

// A generated case that failed, shrunk to its smallest body: what `hwoath run` saves under
// `failures/` and `hwoath replay` sends again. The body is kept byte for byte (a replay must send
// what failed), with its per-send values as placeholders: `{{serial}}` (a fresh tagged serial),
// `{{device}}` (a device made for the replay) and `{{code}}` (its current code). Its secretKey is
// generated test data, never a tenant's secret.
/// The schema identifier of a failure file.
pub const FAILURE_SCHEMA: &str = "hwoath-failure/1";

/// The request of a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedRequest {
    /// HTTP method.
    pub method: String,
    /// Path under the base URL, with placeholders.
    pub path: String,
    /// The `Content-Type` sent, if any.
    pub content_type: Option<String>,
    /// The body text, with placeholders.
    pub body: String,
}

/// What the target answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// The status, absent when no response came.
    pub status: Option<u16>,
    /// The body, redacted.
    pub body: String,
}

/// A failed generated case, shrunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Always `hwoath-failure/1`.
    pub schema: String,
    /// The run's seed.
    pub seed: u64,
    /// The catalog case, e.g. `properties/create-wrong-type`.
    pub case: String,
    /// Which generated value of the case failed first (0-based).
    pub index: usize,
    /// The request kind.
    pub kind: BodyKind,
    /// What the body breaks, if anything.
    pub label: Label,
    /// The smallest failing request.
    pub request: FailedRequest,
    /// The statuses the label calls for.
    pub expected: Vec<u16>,
    /// What the target answered to the smallest request.
    pub received: Received,
    /// Every way the answer was wrong.
    pub problems: Vec<String>,
    /// The target the failure was found on (`hwoath replay` sends it there unless told otherwise; an
    /// embedded mock's URL is gone after its run, so it replays against a new one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetInfo>,
}

impl Failure {
    /// The file name under `failures/`: the case id with `/` as `-`, then the index.
    pub fn file_name(&self) -> String {
        let case: String = self
            .case
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        format!("{case}-{}.json", self.index)
    }

    /// Reads a failure file's text.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The failure as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn needs_redaction(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(name, value)| is_credential_header(name) && value != REDACTED_BEARER)
}

fn exchange_needs_redaction(exchange: &ExchangeRecord) -> bool {
    needs_redaction(&exchange.request_headers) || needs_redaction(&exchange.response_headers)
}

fn redact_headers(headers: &mut [(String, String)]) {
    for (name, value) in headers {
        if is_credential_header(name) {
            *value = REDACTED_BEARER.to_owned();
        }
    }
}

impl RunReport {
    /// The report of `cases` run against `target`, with its summary counted and nothing else known
    /// yet (no id, start, seed, retries or leftovers).
    pub fn new(target: TargetInfo, cases: Vec<CaseReport>) -> Self {
        Self {
            schema: SCHEMA.to_owned(),
            run_id: String::new(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            started_at: String::new(),
            duration_ms: 0,
            target,
            seed: 0,
            summary: Summary::of(&cases),
            cases,
            failures: Vec::new(),
            retries: RetrySummary::default(),
            interrupted: false,
            stop_reason: None,
            leftovers: Vec::new(),
            clock_not_restored: None,
        }
    }

    /// The report as every writer renders it: each credential header value replaced by
    /// [`REDACTED_BEARER`], whatever the model holds (the last line of defence against a leaked
    /// token); borrowed when nothing needed replacing.
    pub(crate) fn redacted(&self) -> Cow<'_, RunReport> {
        let dirty = self
            .cases
            .iter()
            .flat_map(|case| &case.exchanges)
            .any(exchange_needs_redaction);
        if !dirty {
            return Cow::Borrowed(self);
        }
        let mut copy = self.clone();
        for exchange in copy.cases.iter_mut().flat_map(|case| &mut case.exchanges) {
            redact_headers(&mut exchange.request_headers);
            redact_headers(&mut exchange.response_headers);
        }
        Cow::Owned(copy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::label::Class;
    use crate::report::fixture;

    #[test]
    fn replaces_any_authorization_value() {
        let mut report = fixture::report();
        report.cases[1].exchanges[0].request_headers =
            vec![("AUTHORIZATION".into(), "Bearer eyJ.real.token".into())];
        report.cases[1].exchanges[0].response_headers =
            vec![("Proxy-Authorization".into(), "Basic dXNlcjpwYXNz".into())];
        let clean = report.redacted();
        assert!(matches!(clean, Cow::Owned(_)));
        let exchange = &clean.cases[1].exchanges[0];
        assert_eq!(exchange.request_headers[0].1, REDACTED_BEARER);
        assert_eq!(exchange.response_headers[0].1, REDACTED_BEARER);
    }

    #[test]
    fn borrows_an_already_clean_report() {
        let report = fixture::report();
        assert!(matches!(report.redacted(), Cow::Borrowed(_)));
    }

    #[test]
    fn round_trips_and_names_its_file_after_the_case() {
        let failure = Failure {
            schema: FAILURE_SCHEMA.to_owned(),
            seed: 3,
            case: "properties/create-wrong-type".to_owned(),
            index: 12,
            kind: BodyKind::Create,
            label: Label::new(Class::WrongType, "model = 123456"),
            request: FailedRequest {
                method: "POST".to_owned(),
                path: "/directory/authenticationMethodDevices/hardwareOathDevices".to_owned(),
                content_type: Some("application/json".to_owned()),
                body: r#"{"serialNumber":"{{serial}}","model":123456}"#.to_owned(),
            },
            expected: vec![400],
            received: Received {
                status: Some(201),
                body: "{}".to_owned(),
            },
            problems: vec!["expected 400, got 201".to_owned()],
            target: None,
        };
        assert_eq!(failure.file_name(), "properties-create-wrong-type-12.json");
        assert_eq!(Failure::from_json(&failure.to_json()).unwrap(), failure);
    }
}
