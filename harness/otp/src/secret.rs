//! Shared secrets: Base32, hex or raw bytes in, zeroized key bytes held, never printed.

use std::fmt;

use data_encoding::{Encoding, Specification};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Why a secret could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The input held no key symbols at all.
    #[error("the secret is empty")]
    Empty,
    /// A character outside the alphabet (Base32: `A-Z 2-7`, any case; hex: `0-9 a-f`).
    #[error(
        "invalid character {character:?} at position {position} (1-based) of the {encoding} secret"
    )]
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// Its 1-based position in the input, counted in characters.
        position: usize,
        /// `"Base32"` or `"hex"`.
        encoding: &'static str,
    },
    /// Padding `=` somewhere other than at the end, or more of it than Base32 allows.
    #[error(
        "misplaced padding '=' at position {position} (1-based); padding may only end the secret"
    )]
    MisplacedPadding {
        /// 1-based position of the first misplaced `=`.
        position: usize,
    },
    /// A symbol count that no whole number of bytes encodes to (Base32: 1, 3 or 6 modulo 8; hex: odd).
    #[error("{symbols} {encoding} symbols do not encode a whole number of bytes")]
    InvalidLength {
        /// How many key symbols the input held (separators and padding not counted).
        symbols: usize,
        /// `"Base32"` or `"hex"`.
        encoding: &'static str,
    },
}

/// A shared OTP key. `Debug` and `Display` never show it, equality takes the same time wherever two
/// keys of one length differ, and its memory is zeroized on drop.
#[derive(Clone)]
pub struct Secret {
    bytes: Zeroizing<Vec<u8>>,
}

/// RFC 4648 Base32 without padding, tolerant of non-zero trailing bits (Entra's and oathtool's secrets
/// often end in a symbol whose low bits are not zero, e.g. the doc example `...2234567abcdef`).
fn base32_lenient() -> Encoding {
    let mut spec = Specification::new();
    spec.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    spec.check_trailing_bits = false;
    spec.encoding().expect("a valid Base32 specification")
}

impl Secret {
    /// Reads RFC 4648 Base32 the way oathtool and Entra do: any case, spaces and hyphens ignored,
    /// trailing `=` padding optional.
    pub fn from_base32(text: &str) -> Result<Self, SecretError> {
        let mut symbols = Zeroizing::new(String::with_capacity(text.len()));
        let mut padding_at = None;
        for (index, character) in text.chars().enumerate() {
            let position = index + 1;
            match character {
                ' ' | '-' => continue,
                '=' => {
                    padding_at.get_or_insert(position);
                }
                'a'..='z' | 'A'..='Z' | '2'..='7' => {
                    if let Some(position) = padding_at {
                        return Err(SecretError::MisplacedPadding { position });
                    }
                    symbols.push(character.to_ascii_uppercase());
                }
                _ => {
                    return Err(SecretError::InvalidCharacter {
                        character,
                        position,
                        encoding: "Base32",
                    });
                }
            }
        }
        if symbols.is_empty() {
            return Err(SecretError::Empty);
        }
        let bytes = base32_lenient().decode(symbols.as_bytes()).map_err(|_| {
            SecretError::InvalidLength {
                symbols: symbols.len(),
                encoding: "Base32",
            }
        })?;
        Ok(Self::from_bytes(bytes))
    }

    /// Reads hexadecimal (any case; spaces ignored), as RFC test seeds and oathtool's default use.
    pub fn from_hex(text: &str) -> Result<Self, SecretError> {
        let mut nibbles = Zeroizing::new(Vec::with_capacity(text.len()));
        for (index, character) in text.chars().enumerate() {
            match character {
                ' ' => continue,
                _ => match character.to_digit(16) {
                    Some(nibble) => nibbles.push(nibble as u8),
                    None => {
                        return Err(SecretError::InvalidCharacter {
                            character,
                            position: index + 1,
                            encoding: "hex",
                        });
                    }
                },
            }
        }
        if nibbles.is_empty() {
            return Err(SecretError::Empty);
        }
        if nibbles.len() % 2 != 0 {
            return Err(SecretError::InvalidLength {
                symbols: nibbles.len(),
                encoding: "hex",
            });
        }
        Ok(Self::from_bytes(
            nibbles
                .chunks_exact(2)
                .map(|pair| (pair[0] << 4) | pair[1])
                .collect::<Vec<u8>>(),
        ))
    }

    /// Takes raw key bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            bytes: Zeroizing::new(bytes.into()),
        }
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The key length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the key has no bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The key as canonical upper-case RFC 4648 Base32 without padding (what otpauth URIs carry).
    pub fn to_base32(&self) -> String {
        base32_lenient().encode(&self.bytes)
    }
}

/// Keys of different lengths are unequal at once (the length is not secret); keys of one length are
/// compared in constant time ([`subtle::ConstantTimeEq`]), with no early exit at the first differing
/// byte.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.bytes.as_slice().ct_eq(other.bytes.as_slice()).into()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([redacted; {} bytes])", self.bytes.len())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted secret]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_is_case_and_separator_insensitive() {
        let canonical = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        assert_eq!(canonical.as_bytes(), b"12345678901234567890");
        let loose = Secret::from_base32("gezd-gnbv gy3t qojq-GEZD GNBV GY3T QOJQ").unwrap();
        assert_eq!(loose, canonical);
    }

    #[test]
    fn base32_padding_is_optional_but_must_end_the_secret() {
        let padded = Secret::from_base32("MFRGG===").unwrap();
        assert_eq!(padded.as_bytes(), b"abc");
        assert_eq!(Secret::from_base32("MFRGG").unwrap(), padded);
        assert_eq!(
            Secret::from_base32("MF=RGG"),
            Err(SecretError::MisplacedPadding { position: 3 })
        );
    }

    #[test]
    fn base32_errors_name_character_and_position() {
        let error = Secret::from_base32("ABC1DEFG").unwrap_err();
        assert_eq!(
            error,
            SecretError::InvalidCharacter {
                character: '1',
                position: 4,
                encoding: "Base32"
            }
        );
        assert_eq!(
            error.to_string(),
            "invalid character '1' at position 4 (1-based) of the Base32 secret"
        );
        assert_eq!(Secret::from_base32(" - "), Err(SecretError::Empty));
        assert_eq!(
            Secret::from_base32("ABC"),
            Err(SecretError::InvalidLength {
                symbols: 3,
                encoding: "Base32"
            })
        );
    }

    #[test]
    fn base32_accepts_the_entra_doc_secret_with_nonzero_trailing_bits() {
        let secret = Secret::from_base32("2234567abcdef2234567abcdef").unwrap();
        assert_eq!(secret.len(), 16);
    }

    #[test]
    fn hex_reads_rfc_seeds() {
        let secret = Secret::from_hex("3132333435363738393031323334353637383930").unwrap();
        assert_eq!(secret.as_bytes(), b"12345678901234567890");
        assert!(matches!(
            Secret::from_hex("31g2"),
            Err(SecretError::InvalidCharacter {
                character: 'g',
                position: 3,
                ..
            })
        ));
        assert!(matches!(
            Secret::from_hex("313"),
            Err(SecretError::InvalidLength { symbols: 3, .. })
        ));
    }

    #[test]
    fn equality_compares_length_and_every_byte() {
        let key = Secret::from_bytes(b"12345678901234567890".to_vec());
        assert_eq!(key, Secret::from_bytes(b"12345678901234567890".to_vec()));
        assert_ne!(key, Secret::from_bytes(b"12345678901234567891".to_vec()));
        assert_ne!(key, Secret::from_bytes(b"02345678901234567890".to_vec()));
        assert_ne!(key, Secret::from_bytes(b"1234567890123456789".to_vec()));
        assert_ne!(key, Secret::from_bytes(b"123456789012345678901".to_vec()));
        assert_ne!(key, Secret::from_bytes(Vec::new()));
        assert_eq!(
            Secret::from_bytes(Vec::new()),
            Secret::from_bytes(Vec::new())
        );
    }

    #[test]
    fn debug_and_display_never_show_the_key() {
        let secret = Secret::from_bytes(b"supersecretkeybytes".to_vec());
        let shown = format!("{secret:?} {secret}");
        assert!(!shown.contains("supersecret"));
        assert!(!shown.contains(&secret.to_base32()));
        assert_eq!(format!("{secret:?}"), "Secret([redacted; 19 bytes])");
    }
}
