//! Onboarding hardware tokens from a vendor's seed file in Entra's bulk-upload CSV format.
//!
//! - [`check()`]: every problem of a file, with its line, column and a fix in words ([`Checked`],
//!   [`Finding`]);
//! - [`convert()`]: the file as Graph bulk delta bodies or one create request per token ([`Output`]);
//! - [`import()`]: creates, assigns and optionally activates the tokens on a Graph-compatible target,
//!   idempotently and resumably (a journal beside the file records what is done), one
//!   [`RowResult`] per row;
//! - [`sample`]: made-up vendor files for tests, benchmarks and trying the import out.
//!
//! Secrets (the seeds) leave this crate only in the request bodies that must carry them and in the
//! conversions the caller asks for; findings, journals and results never hold them.

mod check;
mod convert;
mod import;
pub mod sample;

pub use check::{Checked, Column, Finding, Severity, check, json_document};
pub use convert::{ConvertError, DEFAULT_CHUNK, MAX_CHUNK, Output, convert};
pub use import::{
    Creation, ImportError, ImportOptions, ImportReport, JournalError, Outcome, RowResult, Tally,
    import,
};

/// The import journal's format, for the fuzz targets and the crash tests; not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::import::journal::{Entry, Event, Header, Progress, Recorded, parse, replay};
}
