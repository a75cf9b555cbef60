//! A fast, strict HOTP/TOTP core (RFC 4226, RFC 6238).
//!
//! * [`Secret`] reads Base32 (as oathtool and Entra accept it), hex or raw bytes, never prints the key,
//!   compares in constant time and zeroizes it on drop.
//! * [`Hotp`] and [`Totp`] are keyed generators: the HMAC pad states are computed once per key, so every
//!   code costs exactly two hash compressions and no allocation.
//! * [`Verifier`] checks a code within a window of steps (constant-time comparison, a wrong code costs
//!   the whole window) with a replay guard.
//! * [`KeyUri`] parses and formats `otpauth://` URIs; its `Display` redacts the secret, which only
//!   [`KeyUri::to_uri_string`] writes.
//!
//! ```
//! use hwoath_otp::{Algorithm, Secret, Totp};
//!
//! let secret = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")?;
//! let totp = Totp::new(&secret, Algorithm::Sha1, 8, 30)?;
//! assert_eq!(totp.generate_at(59)?.to_string(), "94287082"); // RFC 6238 Appendix B
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod algorithm;
mod code;
mod error;
mod hotp;
mod keyed;
mod secret;
mod totp;
mod uri;
mod verify;

pub use algorithm::{Algorithm, UnknownAlgorithm};
pub use code::Code;
pub use error::OtpError;
pub use hotp::Hotp;
pub use secret::{Secret, SecretError};
pub use totp::Totp;
pub use uri::{KeyUri, OtpKind, UriError};
pub use verify::{Verifier, VerifyError};
