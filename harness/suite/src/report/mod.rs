//! Run reports: the model, its writers (JSON, JUnit, Markdown, HTML, curl replay lines) and the
//! baseline diff.

mod curl;
mod diff;
mod error;
mod excerpt;
#[cfg(test)]
mod fixture;
mod html;
mod json;
mod junit;
mod markdown;
pub(crate) mod model;
mod write;

pub use curl::curl_command;
pub use diff::{CaseChange, Change, Diff, Scope};
pub use error::ReportError;
pub use html::to_html;
pub use json::{from_json, read_json, to_json, write_json};
pub use junit::to_junit;
pub use markdown::to_markdown;
pub(crate) use model::FAILURE_SCHEMA;
pub use model::{
    CaseReport, ExchangeRecord, Outcome, RetrySummary, RunReport, SCHEMA, Summary, TargetInfo,
    Violation,
};
pub use model::{FailedRequest, Failure, Received};
pub use write::{Paths, run_stamp, write_all, write_run};

/// The writers' helpers the crate's own tests check directly.
pub(crate) mod internals {
    pub use super::curl::shell_quote;
    pub use super::html::{escape, verdict};
}
