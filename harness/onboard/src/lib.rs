//! Onboarding hardware tokens from a vendor's seed file in Entra's bulk-upload CSV format.
//!
//! - [`check`]: every problem of a file, with its line, column and a fix in words;
//! - [`convert`]: the file as Graph bulk delta bodies or one create request per token;
//! - [`import`]: creates, assigns and optionally activates the tokens on a Graph-compatible target,
//!   idempotently and resumably (a journal beside the file records what is done).
//!
//! Secrets (the seeds) leave this crate only in the request bodies that must carry them and in the
//! conversions the caller asks for; findings, journals and results never hold them.

pub mod check;
pub mod convert;
pub mod import;
pub mod sample;
