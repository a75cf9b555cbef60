//! Run reports: the model, its writers (JSON, JUnit, Markdown, HTML, curl replay lines) and the
//! baseline diff.

pub mod curl;
pub mod diff;
pub mod error;
mod excerpt;
#[cfg(test)]
mod fixture;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
mod redact;
pub mod write;

pub use error::ReportError;
pub use write::{Paths, run_stamp, write_all, write_run};
