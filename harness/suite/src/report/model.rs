//! The report of one run: a versioned, serializable record of every case, its outcome and the exchanges
//! behind it, with secrets already redacted. Every writer (JSON, JUnit, Markdown, HTML) and the baseline
//! diff read this one model.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What every report says about the secrets it may and may not hold.
pub const SECRETS_NOTE: &str = "Request bodies and curl lines show the secretKey values the suite sent: \
test data it generated or took from the RFCs and Microsoft's examples, never a tenant's keys, so each \
request replays as shown. Bearer tokens and client secrets never appear: curl lines read the token \
from $GRAPH_TOKEN, and answers have every secretKey masked.";

/// The schema identifier written into every `report.json`; bump it on incompatible changes.
pub const SCHEMA: &str = "hwoath-report/1";

/// How strongly the spec backs a rule or case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// A Microsoft page says so: a violation is a failure.
    Documented,
    /// Our decision where the docs are silent: a violation is a divergence.
    Inferred,
}

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
    pub failures: Vec<crate::generate::Failure>,
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
