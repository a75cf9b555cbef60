//! The report of one run: a versioned, serializable record of every case, its outcome and the exchanges
//! behind it, with secrets already redacted. Every writer (JSON, JUnit, Markdown, HTML) and the baseline
//! diff read this one model.

use serde::{Deserialize, Serialize};

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
}

/// The target as the report shows it (never with credentials).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The checks that failed on this exchange.
    pub violations: Vec<Violation>,
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
