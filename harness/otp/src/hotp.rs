//! HOTP (RFC 4226): a counter-based code from a keyed HMAC.

use crate::code::Modulus;
use crate::keyed::KeyedMac;
use crate::{Algorithm, Code, OtpError, Secret};

/// A keyed HOTP generator: the HMAC pad states are computed once, each code costs two compressions.
#[derive(Clone)]
pub struct Hotp {
    mac: KeyedMac,
    algorithm: Algorithm,
    modulus: Modulus,
}

impl Hotp {
    /// Keys a generator; `digits` must be 6 to 9 and the secret non-empty.
    pub fn new(secret: &Secret, algorithm: Algorithm, digits: u8) -> Result<Self, OtpError> {
        if !(6..=9).contains(&digits) {
            return Err(OtpError::Digits(digits));
        }
        if secret.is_empty() {
            return Err(OtpError::EmptySecret);
        }
        Ok(Self {
            mac: KeyedMac::new(algorithm, secret.as_bytes()),
            algorithm,
            modulus: Modulus::new(digits),
        })
    }

    /// The code for `counter` (RFC 4226 §5.3).
    #[inline]
    pub fn generate(&self, counter: u64) -> Code {
        self.modulus.code(self.mac.truncated(counter))
    }

    /// The hash function under HMAC.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// How many digits each code has.
    pub fn digits(&self) -> u8 {
        self.modulus.digits()
    }
}

impl std::fmt::Debug for Hotp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hotp")
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_digit_counts_outside_six_to_nine() {
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec());
        assert_eq!(
            Hotp::new(&secret, Algorithm::Sha1, 5).unwrap_err(),
            OtpError::Digits(5)
        );
        assert_eq!(
            Hotp::new(&secret, Algorithm::Sha1, 10).unwrap_err(),
            OtpError::Digits(10)
        );
        assert!(Hotp::new(&secret, Algorithm::Sha1, 9).is_ok());
        assert_eq!(
            Hotp::new(&Secret::from_bytes(Vec::new()), Algorithm::Sha1, 6).unwrap_err(),
            OtpError::EmptySecret
        );
    }

    #[test]
    fn debug_shows_no_key_material() {
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec());
        let hotp = Hotp::new(&secret, Algorithm::Sha1, 6).unwrap();
        assert_eq!(
            format!("{hotp:?}"),
            "Hotp { algorithm: Sha1, digits: 6, .. }"
        );
    }
}
