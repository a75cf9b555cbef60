//! One module per subcommand.

pub mod totp;
