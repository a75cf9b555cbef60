//! Field rules a server applies to request bodies after strict parsing: each body's `validate`
//! (the mock uses these; the conformance suite keeps its own reading of the spec and must not).
//!
//! Required properties, JSON types, `null` and empty required strings are already enforced by
//! [`parse()`](crate::parse()); these rules add the value rules of the spec (section 3). Every error
//! names the property and says what is wrong in one sentence, ready for an error envelope.

use hwoath_otp::{Secret, SecretError};

use crate::enums::HashFunction;
use crate::request::{
    Activate, AssignAndActivate, AssignAndActivateBySerialNumber, BulkDelta, CreateDevice,
    UpdateDevice,
};

/// Fewest Base32 symbols a `secretKey` may have (80 bits).
const SECRET_MIN_SYMBOLS: usize = 16;
/// Most characters a `secretKey` may have, padding included (Entra's rule).
const SECRET_MAX_CHARS: usize = 128;

/// A request body that breaks one of the field rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// `timeIntervalInSeconds` other than 30 or 60.
    #[error("timeIntervalInSeconds must be 30 or 60, not {0}.")]
    TimeInterval(i32),
    /// `hashFunction` other than `hmacsha1` or `hmacsha256`.
    #[error("hashFunction must be hmacsha1 or hmacsha256, not {0}.")]
    HashFunction(HashFunction),
    /// `secretKey` with a character outside `A-Z a-z 2-7` or `=` before the end.
    #[error(
        "secretKey must be Base32: only the letters A-Z or a-z and the digits 2-7, optionally ending in '=' padding."
    )]
    SecretNotBase32,
    /// `secretKey` with fewer than 16 symbols.
    #[error("secretKey must have at least 16 Base32 characters (80 bits), not {0}.")]
    SecretTooShort(usize),
    /// `secretKey` longer than 128 characters.
    #[error("secretKey must have at most 128 characters, not {0}.")]
    SecretTooLong(usize),
    /// `secretKey` whose symbol count encodes no whole number of bytes, or whose padding is wrong.
    #[error(
        "secretKey is not valid Base32: its length or padding does not encode a whole number of bytes."
    )]
    SecretLength,
    /// `verificationCode` that is not exactly six ASCII digits.
    #[error("verificationCode must be a string of exactly 6 digits.")]
    VerificationCode,
    /// A property an update may not carry.
    #[error("{0} cannot be changed after the token is created.")]
    NotUpdatable(&'static str),
    /// An empty string for a property that cannot be empty.
    #[error("{0} must not be empty.")]
    Empty(&'static str),
    /// A bulk body whose `@context` is not `#$delta`.
    #[error("@context must be \"#$delta\".")]
    DeltaContext,
}

impl ValidationError {
    /// The wire name of the property the error is about.
    pub fn property(&self) -> &'static str {
        match self {
            Self::TimeInterval(_) => "timeIntervalInSeconds",
            Self::HashFunction(_) => "hashFunction",
            Self::SecretNotBase32
            | Self::SecretTooShort(_)
            | Self::SecretTooLong(_)
            | Self::SecretLength => "secretKey",
            Self::VerificationCode => "verificationCode",
            Self::NotUpdatable(p) | Self::Empty(p) => p,
            Self::DeltaContext => "@context",
        }
    }
}

/// `timeIntervalInSeconds` must be 30 or 60.
pub(crate) fn time_interval(seconds: i32) -> Result<(), ValidationError> {
    match seconds {
        30 | 60 => Ok(()),
        other => Err(ValidationError::TimeInterval(other)),
    }
}

/// On input, `hashFunction` must be `hmacsha1` or `hmacsha256`.
pub(crate) fn hash_function(hash: HashFunction) -> Result<(), ValidationError> {
    match hash {
        HashFunction::Hmacsha1 | HashFunction::Hmacsha256 => Ok(()),
        other => Err(ValidationError::HashFunction(other)),
    }
}

/// `secretKey` must be Base32 (`A-Z a-z 2-7`), 16 to 128 characters, with either no `=` padding or
/// exactly the RFC 4648 amount; returns the key.
pub(crate) fn secret_key(text: &str) -> Result<Secret, ValidationError> {
    let symbols = text.trim_end_matches('=');
    if !symbols
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || (b'2'..=b'7').contains(&b))
    {
        return Err(ValidationError::SecretNotBase32);
    }
    if text.len() > SECRET_MAX_CHARS {
        return Err(ValidationError::SecretTooLong(text.len()));
    }
    if symbols.len() < SECRET_MIN_SYMBOLS {
        return Err(ValidationError::SecretTooShort(symbols.len()));
    }
    let padding = text.len() - symbols.len();
    let full_padding = match symbols.len() % 8 {
        0 => 0,
        2 => 6,
        4 => 4,
        5 => 3,
        7 => 1,
        _ => return Err(ValidationError::SecretLength),
    };
    if padding != 0 && padding != full_padding {
        return Err(ValidationError::SecretLength);
    }
    Secret::from_base32(text).map_err(|e| match e {
        SecretError::InvalidCharacter { .. } => ValidationError::SecretNotBase32,
        _ => ValidationError::SecretLength,
    })
}

/// `verificationCode` must be exactly six ASCII digits (a leading `0` is fine).
pub(crate) fn verification_code(code: &str) -> Result<(), ValidationError> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ValidationError::VerificationCode)
    }
}

impl CreateDevice {
    /// The field rules of a create body; returns the decoded secret.
    pub fn validate(&self) -> Result<Secret, ValidationError> {
        time_interval(self.time_interval_in_seconds)?;
        if let Some(hash) = self.hash_function {
            hash_function(hash)?;
        }
        secret_key(self.secret_key.expose())
    }
}

impl UpdateDevice {
    /// The field rules of an update body: only manufacturer, model, timeIntervalInSeconds,
    /// hashFunction and displayName may be carried.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.serial_number.is_some() {
            return Err(ValidationError::NotUpdatable("serialNumber"));
        }
        if self.secret_key.is_some() {
            return Err(ValidationError::NotUpdatable("secretKey"));
        }
        if self.manufacturer.as_deref() == Some("") {
            return Err(ValidationError::Empty("manufacturer"));
        }
        if self.model.as_deref() == Some("") {
            return Err(ValidationError::Empty("model"));
        }
        if let Some(seconds) = self.time_interval_in_seconds {
            time_interval(seconds)?;
        }
        if let Some(hash) = self.hash_function {
            hash_function(hash)?;
        }
        Ok(())
    }
}

impl Activate {
    /// The field rules of an activate body.
    pub fn validate(&self) -> Result<(), ValidationError> {
        verification_code(&self.verification_code)
    }
}

impl AssignAndActivate {
    /// The field rules of an assignAndActivate body.
    pub fn validate(&self) -> Result<(), ValidationError> {
        verification_code(&self.verification_code)
    }
}

impl AssignAndActivateBySerialNumber {
    /// The field rules of an assignAndActivateBySerialNumber body.
    pub fn validate(&self) -> Result<(), ValidationError> {
        verification_code(&self.verification_code)
    }
}

impl BulkDelta {
    /// The field rules of a bulk delta body: `@context` must be `#$delta` (an error for the whole
    /// body), then each item's create rules (one outcome per item, in order).
    pub fn validate(&self) -> Result<Vec<Result<Secret, ValidationError>>, ValidationError> {
        if self.context != BulkDelta::CONTEXT {
            return Err(ValidationError::DeltaContext);
        }
        Ok(self
            .value
            .iter()
            .map(|item| item.device.validate())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{AssignTo, BulkItem, DeviceRef};
    use crate::secret_text::SecretText;

    fn create(secret: &str, interval: i32, hash: Option<HashFunction>) -> CreateDevice {
        CreateDevice {
            display_name: None,
            serial_number: "S1".into(),
            manufacturer: "Contoso".into(),
            model: "M".into(),
            secret_key: SecretText::new(secret),
            time_interval_in_seconds: interval,
            hash_function: hash,
            assign_to: Some(AssignTo { id: "u".into() }),
        }
    }

    #[test]
    fn intervals_and_hashes() {
        assert!(time_interval(30).is_ok() && time_interval(60).is_ok());
        for bad in [0, 29, 31, 45, 90, -30, i32::MAX] {
            assert_eq!(time_interval(bad), Err(ValidationError::TimeInterval(bad)));
        }
        assert!(
            hash_function(HashFunction::Hmacsha1).is_ok()
                && hash_function(HashFunction::Hmacsha256).is_ok()
        );
        let e = hash_function(HashFunction::UnknownFutureValue).unwrap_err();
        assert_eq!(e.property(), "hashFunction");
        assert_eq!(
            e.to_string(),
            "hashFunction must be hmacsha1 or hmacsha256, not unknownFutureValue."
        );
    }

    #[test]
    fn secret_keys() {
        let key = secret_key("6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB").unwrap();
        assert_eq!(key.len(), 20);
        assert_eq!(
            secret_key("6pj4ukiw33nnxyzaehqnfuftzf7wftfb").unwrap(),
            key,
            "lower case is the same key"
        );
        assert_eq!(
            secret_key("JBSWY3DPEHPK3PXPJBSWY3DPEE======")
                .unwrap()
                .len(),
            16,
            "padding accepted"
        );
        assert_eq!(secret_key(&"A".repeat(128)).unwrap().len(), 80);
        assert_eq!(secret_key(&"A".repeat(16)).unwrap().len(), 10);
        for (bad, err) in [
            ("JBSWY3DP EHPK3PXP", ValidationError::SecretNotBase32),
            ("JBSWY3DP-EHPK3PXP", ValidationError::SecretNotBase32),
            ("JBSWY3DPEHPK3PX1", ValidationError::SecretNotBase32),
            ("JBSWY3DP=EHPK3PXP", ValidationError::SecretNotBase32),
            ("JBSWY3DPÉHPK3PXP", ValidationError::SecretNotBase32),
            ("JBSWY3DPEHPK3PX", ValidationError::SecretTooShort(15)),
            ("", ValidationError::SecretTooShort(0)),
            ("AAAAAAAAAAAAAAA=", ValidationError::SecretTooShort(15)),
            ("AAAAAAAAAAAAAAAAA", ValidationError::SecretLength),
            ("AAAAAAAAAAAAAAAA==", ValidationError::SecretLength),
            ("JBSWY3DPEHPK3PXPJBSWY3DPEE=", ValidationError::SecretLength),
            ("AAAAAAAAAAAAAAAAAAA", ValidationError::SecretLength),
        ] {
            assert_eq!(secret_key(bad).unwrap_err(), err, "{bad}");
        }
        assert_eq!(
            secret_key(&"A".repeat(129)).unwrap_err(),
            ValidationError::SecretTooLong(129)
        );
        let e = secret_key("JBSWY3DPEHPK3PX1SECRET").unwrap_err();
        assert!(!e.to_string().contains("JBSW") && e.property() == "secretKey");
    }

    #[test]
    fn verification_codes() {
        for ok in ["000000", "012345", "999999", "588651"] {
            assert!(verification_code(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            " 12345",
            "１２３４５６",
            "-12345",
        ] {
            assert_eq!(
                verification_code(bad),
                Err(ValidationError::VerificationCode),
                "{bad}"
            );
        }
        let body = Activate {
            verification_code: "01234".into(),
            display_name: None,
        };
        assert_eq!(
            body.validate().unwrap_err().to_string(),
            "verificationCode must be a string of exactly 6 digits."
        );
        let body = AssignAndActivate {
            device: DeviceRef { id: "d".into() },
            verification_code: "012345".into(),
            display_name: None,
        };
        assert!(body.validate().is_ok());
        let body = AssignAndActivateBySerialNumber {
            serial_number: "S".into(),
            verification_code: "12 345".into(),
            display_name: Some("n".into()),
        };
        assert_eq!(body.validate(), Err(ValidationError::VerificationCode));
    }

    #[test]
    fn create_rules_in_order() {
        assert_eq!(
            create("JBSWY3DPEHPK3PXP", 30, None)
                .validate()
                .unwrap()
                .len(),
            10
        );
        assert_eq!(
            create("JBSWY3DPEHPK3PXP", 45, None).validate(),
            Err(ValidationError::TimeInterval(45))
        );
        let unknown = create(
            "JBSWY3DPEHPK3PXP",
            60,
            Some(HashFunction::UnknownFutureValue),
        );
        assert_eq!(unknown.validate().unwrap_err().property(), "hashFunction");
        assert_eq!(
            create("short", 60, None).validate(),
            Err(ValidationError::SecretTooShort(5))
        );
    }

    #[test]
    fn update_rules() {
        assert!(UpdateDevice::default().validate().is_ok());
        let ok = UpdateDevice {
            display_name: Some(String::new()),
            manufacturer: Some("C".into()),
            model: Some("M".into()),
            time_interval_in_seconds: Some(60),
            hash_function: Some(HashFunction::Hmacsha256),
            ..UpdateDevice::default()
        };
        assert!(ok.validate().is_ok());
        let serial = UpdateDevice {
            serial_number: Some("S".into()),
            ..UpdateDevice::default()
        };
        let e = serial.validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "serialNumber cannot be changed after the token is created."
        );
        let secret = UpdateDevice {
            secret_key: Some(SecretText::new("JBSWY3DPEHPK3PXP")),
            ..UpdateDevice::default()
        };
        assert_eq!(
            secret.validate(),
            Err(ValidationError::NotUpdatable("secretKey"))
        );
        let empty = UpdateDevice {
            model: Some(String::new()),
            ..UpdateDevice::default()
        };
        assert_eq!(
            empty.validate().unwrap_err().to_string(),
            "model must not be empty."
        );
        let interval = UpdateDevice {
            time_interval_in_seconds: Some(15),
            ..UpdateDevice::default()
        };
        assert_eq!(
            interval.validate().unwrap_err().property(),
            "timeIntervalInSeconds"
        );
    }

    #[test]
    fn bulk_rules_per_item() {
        let mut body = BulkDelta::numbered([
            create("JBSWY3DPEHPK3PXP", 30, None),
            create("JBSWY3DPEHPK3PXP", 20, None),
        ]);
        let outcomes = body.validate().unwrap();
        assert!(outcomes[0].is_ok());
        assert_eq!(
            outcomes[1].as_ref().unwrap_err(),
            &ValidationError::TimeInterval(20)
        );
        body.context = "#delta".into();
        assert_eq!(body.validate().unwrap_err().property(), "@context");
        let item = BulkItem {
            content_id: None,
            device: create("JBSWY3DPEHPK3PXP", 60, None),
        };
        body.context = BulkDelta::CONTEXT.into();
        body.value = vec![item];
        assert_eq!(body.validate().unwrap().len(), 1);
    }
}
