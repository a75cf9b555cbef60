//! `otpauth://` URIs in Google Authenticator's Key Uri Format.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use zeroize::Zeroizing;

use crate::{Algorithm, Hotp, OtpError, Secret, SecretError, Totp};

/// Characters escaped in labels and parameter values (everything but unreserved characters).
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What `Display` writes in place of the secret.
const REDACTED: &str = "[redacted]";

/// Why an `otpauth://` URI could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The URI does not start with `otpauth://`.
    #[error("not an otpauth:// URI")]
    NotOtpauth,
    /// The type is neither `totp` nor `hotp`.
    #[error("unknown OTP type {0:?} (expected totp or hotp)")]
    UnknownType(String),
    /// The label (account name) is missing or empty.
    #[error("the URI has no label (account name)")]
    MissingLabel,
    /// A percent escape is malformed or decodes to invalid UTF-8.
    #[error("bad percent-encoding in the {0}")]
    BadEncoding(&'static str),
    /// A required parameter is absent.
    #[error("missing parameter {0:?}")]
    MissingParameter(&'static str),
    /// A parameter appears more than once.
    #[error("parameter {0:?} appears more than once")]
    DuplicateParameter(String),
    /// A parameter has a value that cannot be used.
    #[error("parameter {name:?} has an invalid value {value:?}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The label's issuer prefix and the `issuer` parameter disagree.
    #[error("the label's issuer {label:?} differs from the issuer parameter {parameter:?}")]
    IssuerMismatch {
        /// Issuer from the label prefix.
        label: String,
        /// Issuer from the parameter.
        parameter: String,
    },
    /// The `secret` parameter is not valid Base32.
    #[error("invalid secret: {0}")]
    Secret(#[from] SecretError),
}

/// Whether a URI describes a time- or counter-based token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpKind {
    /// `totp`, with its period in seconds.
    Totp {
        /// Seconds per step (default 30).
        period: u64,
    },
    /// `hotp`, with its initial counter.
    Hotp {
        /// The counter the token starts at.
        counter: u64,
    },
}

/// A parsed `otpauth://` URI. `Display` and `Debug` never show the secret; [`KeyUri::to_uri_string`]
/// writes the full URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUri {
    /// Time- or counter-based, with the period or counter.
    pub kind: OtpKind,
    /// The account name of the label.
    pub account: String,
    /// The issuer, from the `issuer` parameter or the label prefix.
    pub issuer: Option<String>,
    /// The shared key.
    pub secret: Secret,
    /// The hash function (default SHA1).
    pub algorithm: Algorithm,
    /// Digits per code (default 6).
    pub digits: u8,
}

fn decode(text: &str, part: &'static str) -> Result<String, UriError> {
    if text
        .split('%')
        .skip(1)
        .any(|rest| rest.len() < 2 || !rest.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit))
    {
        return Err(UriError::BadEncoding(part));
    }
    percent_decode_str(text)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| UriError::BadEncoding(part))
}

fn number<T: std::str::FromStr>(name: &'static str, value: &str) -> Result<T, UriError> {
    value.parse().map_err(|_| UriError::InvalidParameter {
        name,
        value: value.to_owned(),
        reason: "not a whole number".to_owned(),
    })
}

impl KeyUri {
    /// Reads a URI such as `otpauth://totp/ACME:alice@example.com?secret=...&issuer=ACME&period=30`.
    pub fn parse(uri: &str) -> Result<Self, UriError> {
        let rest = uri
            .get(..10)
            .filter(|scheme| scheme.eq_ignore_ascii_case("otpauth://"))
            .map(|_| &uri[10..])
            .ok_or(UriError::NotOtpauth)?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (kind, label) = path.split_once('/').unwrap_or((path, ""));
        // A literal ':' separates issuer and account; failing that, an encoded one (`%3A`) does.
        let (label_issuer, account) = match label.split_once(':') {
            Some((issuer, account)) => (Some(decode(issuer, "label")?), decode(account, "label")?),
            None => {
                let label = decode(label, "label")?;
                match label.split_once(':') {
                    Some((issuer, account)) => (Some(issuer.to_owned()), account.to_owned()),
                    None => (None, label),
                }
            }
        };
        let (label_issuer, account) = (
            label_issuer.map(|issuer| issuer.trim().to_owned()),
            account.trim().to_owned(),
        );
        if account.is_empty() {
            return Err(UriError::MissingLabel);
        }

        let mut seen: Vec<String> = Vec::new();
        let (mut secret, mut issuer, mut algorithm, mut digits, mut period, mut counter) =
            (None, None, None, None, None, None);
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name, "query")?.to_ascii_lowercase();
            let value = decode(value, "query")?;
            if seen.contains(&name) {
                return Err(UriError::DuplicateParameter(name));
            }
            seen.push(name.clone());
            match name.as_str() {
                "secret" => secret = Some(Secret::from_base32(&value)?),
                // Trimmed like the label's issuer, so that the two compare and format alike.
                "issuer" => issuer = Some(value.trim().to_owned()),
                "algorithm" => {
                    algorithm = Some(value.parse::<Algorithm>().map_err(|error| {
                        UriError::InvalidParameter {
                            name: "algorithm",
                            value: value.clone(),
                            reason: error.to_string(),
                        }
                    })?);
                }
                "digits" => digits = Some(number::<u8>("digits", &value)?),
                "period" => period = Some(number::<u64>("period", &value)?),
                "counter" => counter = Some(number::<u64>("counter", &value)?),
                _ => {}
            }
        }

        let kind = match kind.to_ascii_lowercase().as_str() {
            "totp" => OtpKind::Totp {
                period: period.unwrap_or(30),
            },
            "hotp" => OtpKind::Hotp {
                counter: counter.ok_or(UriError::MissingParameter("counter"))?,
            },
            _ => return Err(UriError::UnknownType(kind.to_owned())),
        };
        let issuer = match (label_issuer, issuer) {
            (Some(label), Some(parameter)) if label != parameter => {
                return Err(UriError::IssuerMismatch { label, parameter });
            }
            (label, parameter) => parameter.or(label),
        };
        let parsed = Self {
            kind,
            account,
            issuer,
            secret: secret.ok_or(UriError::MissingParameter("secret"))?,
            algorithm: algorithm.unwrap_or_default(),
            digits: digits.unwrap_or(6),
        };
        parsed.check()?;
        Ok(parsed)
    }

    /// Confirms a generator can be built from the URI, naming the parameter that prevents it.
    fn check(&self) -> Result<(), UriError> {
        match self.hotp() {
            Ok(_) => {}
            Err(OtpError::Digits(digits)) => {
                return Err(UriError::InvalidParameter {
                    name: "digits",
                    value: digits.to_string(),
                    reason: "codes have 6 to 9 digits".to_owned(),
                });
            }
            Err(_) => return Err(UriError::Secret(SecretError::Empty)),
        }
        if let OtpKind::Totp { period: 0 } = self.kind {
            return Err(UriError::InvalidParameter {
                name: "period",
                value: "0".to_owned(),
                reason: "the period must be at least one second".to_owned(),
            });
        }
        Ok(())
    }

    /// An HOTP generator for this key (for `totp` URIs, the generator under the TOTP).
    pub fn hotp(&self) -> Result<Hotp, OtpError> {
        Hotp::new(&self.secret, self.algorithm, self.digits)
    }

    /// A TOTP generator for this key, or `None` for an `hotp` URI.
    pub fn totp(&self) -> Option<Result<Totp, OtpError>> {
        match self.kind {
            OtpKind::Totp { period } => {
                Some(Totp::new(&self.secret, self.algorithm, self.digits, period))
            }
            OtpKind::Hotp { .. } => None,
        }
    }

    /// The full URI, secret included, for handing the key to an authenticator: treat the result as a
    /// secret (`Display` writes the same URI with the secret redacted).
    pub fn to_uri_string(&self) -> String {
        let secret = Zeroizing::new(self.secret.to_base32());
        let mut uri = String::new();
        self.write(&mut uri, &secret)
            .expect("writing to a String cannot fail");
        uri
    }

    /// Writes the URI with `secret` as the value of its `secret` parameter.
    fn write(&self, out: &mut impl fmt::Write, secret: &str) -> fmt::Result {
        let kind = match self.kind {
            OtpKind::Totp { .. } => "totp",
            OtpKind::Hotp { .. } => "hotp",
        };
        write!(out, "otpauth://{kind}/")?;
        if let Some(issuer) = &self.issuer {
            write!(out, "{}:", utf8_percent_encode(issuer, ESCAPED))?;
        }
        write!(
            out,
            "{}?secret={secret}",
            utf8_percent_encode(&self.account, ESCAPED)
        )?;
        if let Some(issuer) = &self.issuer {
            write!(out, "&issuer={}", utf8_percent_encode(issuer, ESCAPED))?;
        }
        write!(out, "&algorithm={}&digits={}", self.algorithm, self.digits)?;
        match self.kind {
            OtpKind::Totp { period } => write!(out, "&period={period}"),
            OtpKind::Hotp { counter } => write!(out, "&counter={counter}"),
        }
    }
}

/// Writes the URI with its secret redacted (`secret=[redacted]`); [`KeyUri::to_uri_string`] writes
/// the real one.
impl fmt::Display for KeyUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_key_uri_format_example() {
        let uri = KeyUri::parse(
            "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
        )
        .unwrap();
        assert_eq!(uri.kind, OtpKind::Totp { period: 30 });
        assert_eq!(uri.account, "alice@google.com");
        assert_eq!(uri.issuer.as_deref(), Some("Example"));
        assert_eq!(uri.algorithm, Algorithm::Sha1);
        assert_eq!(uri.digits, 6);
        assert_eq!(uri.secret.to_base32(), "JBSWY3DPEHPK3PXP");
    }

    #[test]
    fn formats_and_reads_back_with_escapes() {
        let uri = KeyUri {
            kind: OtpKind::Hotp { counter: 7 },
            account: "hélène smith@contoso.com".to_owned(),
            issuer: Some("Contoso: Corp & Co".to_owned()),
            secret: Secret::from_bytes(b"12345678901234567890".to_vec()),
            algorithm: Algorithm::Sha256,
            digits: 8,
        };
        let text = uri.to_uri_string();
        assert!(text.starts_with("otpauth://hotp/Contoso%3A%20Corp%20%26%20Co:h%C3%A9l%C3%A8ne"));
        assert_eq!(KeyUri::parse(&text).unwrap(), uri);
    }

    #[test]
    fn issuer_parameter_with_spaces_round_trips() {
        // Found by the otpauth_uri fuzz target: the parameter was kept untrimmed, formatted into the
        // label, and the trimmed label issuer then differed from it.
        let uri = KeyUri::parse("otpauth://totp/a?secret=GE&issuer=b%20").unwrap();
        assert_eq!(uri.issuer.as_deref(), Some("b"));
        assert_eq!(KeyUri::parse(&uri.to_uri_string()).unwrap(), uri);
        let both = KeyUri::parse("otpauth://totp/b:a?secret=GE&issuer=%20b").unwrap();
        assert_eq!(both.issuer.as_deref(), Some("b"));
    }

    #[test]
    fn malformed_uris_get_a_clear_error() {
        let cases = [
            ("https://x/y?secret=AA", UriError::NotOtpauth),
            (
                "otpauth://motp/a?secret=AAAA",
                UriError::UnknownType("motp".into()),
            ),
            ("otpauth://totp/?secret=AAAA", UriError::MissingLabel),
            ("otpauth://totp/a", UriError::MissingParameter("secret")),
            (
                "otpauth://hotp/a?secret=AAAA",
                UriError::MissingParameter("counter"),
            ),
            (
                "otpauth://totp/a%2?secret=AAAA",
                UriError::BadEncoding("label"),
            ),
            (
                "otpauth://totp/a?secret=AAAA&secret=BBBB",
                UriError::DuplicateParameter("secret".into()),
            ),
            (
                "otpauth://totp/X:a?secret=AAAA&issuer=Y",
                UriError::IssuerMismatch {
                    label: "X".into(),
                    parameter: "Y".into(),
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(KeyUri::parse(text).unwrap_err(), expected, "{text}");
        }
        for text in [
            "otpauth://totp/a?secret=AAAA&digits=5",
            "otpauth://totp/a?secret=AAAA&period=0",
            "otpauth://totp/a?secret=AAAA&period=-1",
            "otpauth://totp/a?secret=AAAA&algorithm=MD5",
        ] {
            assert!(
                matches!(KeyUri::parse(text), Err(UriError::InvalidParameter { .. })),
                "{text}"
            );
        }
        assert!(matches!(
            KeyUri::parse("otpauth://totp/a?secret=AA1A"),
            Err(UriError::Secret(SecretError::InvalidCharacter { .. }))
        ));
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let uri = KeyUri::parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert!(!format!("{uri:?}").contains("JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn display_redacts_the_secret_and_to_uri_string_shows_it() {
        let text = "otpauth://totp/ACME:a?secret=JBSWY3DPEHPK3PXP&issuer=ACME&algorithm=SHA1&digits=6&period=30";
        let uri = KeyUri::parse(text).unwrap();
        assert_eq!(
            uri.to_string(),
            "otpauth://totp/ACME:a?secret=[redacted]&issuer=ACME&algorithm=SHA1&digits=6&period=30"
        );
        assert!(!format!("{uri} {uri:#}").contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(uri.to_uri_string(), text);
    }
}
