//! One module per subcommand.

pub mod mock;
pub mod token;
pub mod totp;
