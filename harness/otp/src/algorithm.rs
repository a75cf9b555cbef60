//! The HMAC hash functions an OTP may use.

use std::fmt;
use std::str::FromStr;

/// The hash function under HMAC (RFC 6238 §1.2 allows SHA-1, SHA-256 and SHA-512).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// HMAC-SHA-1, the RFC 4226 default and Graph's `hmacsha1`.
    #[default]
    Sha1,
    /// HMAC-SHA-256, Graph's `hmacsha256`.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

/// An algorithm name that is none of SHA1, SHA256, SHA512.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown algorithm {name:?} (expected SHA1, SHA256 or SHA512)")]
pub struct UnknownAlgorithm {
    name: String,
}

impl UnknownAlgorithm {
    /// The name as given.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Algorithm {
    /// Every algorithm, in the order RFC 6238 lists them.
    pub const ALL: [Algorithm; 3] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512];

    /// The name as the Key Uri Format writes it (`SHA1`, `SHA256`, `SHA512`).
    pub fn uri_name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// The byte length of the hash's output.
    pub fn output_len(self) -> usize {
        match self {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.uri_name())
    }
}

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    /// Accepts `sha1`, `SHA-256`, `HmacSHA512`, `hmacsha256` and the like, in any case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let folded: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        match folded.strip_prefix("hmac").unwrap_or(&folded) {
            "sha1" => Ok(Algorithm::Sha1),
            "sha256" => Ok(Algorithm::Sha256),
            "sha512" => Ok(Algorithm::Sha512),
            _ => Err(UnknownAlgorithm {
                name: name.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_in_every_spelling() {
        for (name, algorithm) in [
            ("sha1", Algorithm::Sha1),
            ("SHA-256", Algorithm::Sha256),
            ("HmacSHA512", Algorithm::Sha512),
            ("hmacsha256", Algorithm::Sha256),
        ] {
            assert_eq!(name.parse::<Algorithm>(), Ok(algorithm));
        }
        let unknown = "md5".parse::<Algorithm>().unwrap_err();
        assert_eq!(unknown.name(), "md5");
        for algorithm in Algorithm::ALL {
            assert_eq!(algorithm.to_string().parse::<Algorithm>(), Ok(algorithm));
        }
    }
}
