//! One module per subcommand.

pub mod cleanup;
pub mod csv;
pub mod mock;
pub mod replay;
pub mod report;
pub mod run;
pub mod run_summary;
pub mod token;
pub mod totp;
