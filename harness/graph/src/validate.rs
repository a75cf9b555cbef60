//! Field rules a server applies to request bodies after strict parsing (the mock uses these; the
//! conformance suite keeps its own reading of the spec and must not).
//!
//! Required properties, JSON types, `null` and empty required strings are already enforced by
//! [`crate::parse`]; these functions add the value rules of the spec (section 3). Every error
//! names the property and says what is wrong in one sentence, ready for an error envelope.

use hwoath_otp::{Secret, SecretError};

use crate::enums::HashFunction;
use crate::odata;
use crate::request::{
    Activate, AssignAndActivate, AssignAndActivateBySerialNumber, BulkDelta, CreateDevice,
    UpdateDevice,
};

/// Fewest Base32 symbols a `secretKey` may have (80 bits).
pub const SECRET_MIN_SYMBOLS: usize = 16;
/// Most characters a `secretKey` may have, padding included (Entra's rule).
pub const SECRET_MAX_CHARS: usize = 128;

/// A request body that breaks one of the field rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    /// `secretKey` with fewer than [`SECRET_MIN_SYMBOLS`] symbols.
    #[error("secretKey must have at least 16 Base32 characters (80 bits), not {0}.")]
    SecretTooShort(usize),
    /// `secretKey` longer than [`SECRET_MAX_CHARS`] characters.
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
pub fn time_interval(seconds: i32) -> Result<(), ValidationError> {
    match seconds {
        30 | 60 => Ok(()),
        other => Err(ValidationError::TimeInterval(other)),
    }
}

/// On input, `hashFunction` must be `hmacsha1` or `hmacsha256`.
pub fn hash_function(hash: HashFunction) -> Result<(), ValidationError> {
    match hash {
        HashFunction::Hmacsha1 | HashFunction::Hmacsha256 => Ok(()),
        other => Err(ValidationError::HashFunction(other)),
    }
}

/// `secretKey` must be Base32 (`A-Z a-z 2-7`, optional trailing `=`), 16 to 128 characters; returns the key.
pub fn secret_key(text: &str) -> Result<Secret, ValidationError> {
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
    Secret::from_base32(text).map_err(|e| match e {
        SecretError::InvalidCharacter { .. } => ValidationError::SecretNotBase32,
        _ => ValidationError::SecretLength,
    })
}

/// `verificationCode` must be exactly six ASCII digits (a leading `0` is fine).
pub fn verification_code(code: &str) -> Result<(), ValidationError> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ValidationError::VerificationCode)
    }
}

/// The rules of a create body; returns the decoded secret.
pub fn create_device(body: &CreateDevice) -> Result<Secret, ValidationError> {
    time_interval(body.time_interval_in_seconds)?;
    if let Some(hash) = body.hash_function {
        hash_function(hash)?;
    }
    secret_key(body.secret_key.expose())
}

/// The rules of an update body: only manufacturer, model, timeIntervalInSeconds, hashFunction and
/// displayName may be carried.
pub fn update_device(body: &UpdateDevice) -> Result<(), ValidationError> {
    if body.serial_number.is_some() {
        return Err(ValidationError::NotUpdatable("serialNumber"));
    }
    if body.secret_key.is_some() {
        return Err(ValidationError::NotUpdatable("secretKey"));
    }
    if body.manufacturer.as_deref() == Some("") {
        return Err(ValidationError::Empty("manufacturer"));
    }
    if body.model.as_deref() == Some("") {
        return Err(ValidationError::Empty("model"));
    }
    if let Some(seconds) = body.time_interval_in_seconds {
        time_interval(seconds)?;
    }
    if let Some(hash) = body.hash_function {
        hash_function(hash)?;
    }
    Ok(())
}

/// The rules of an activate body.
pub fn activate(body: &Activate) -> Result<(), ValidationError> {
    verification_code(&body.verification_code)
}

/// The rules of an assignAndActivate body.
pub fn assign_and_activate(body: &AssignAndActivate) -> Result<(), ValidationError> {
    verification_code(&body.verification_code)
}

/// The rules of an assignAndActivateBySerialNumber body.
pub fn assign_and_activate_by_serial_number(
    body: &AssignAndActivateBySerialNumber,
) -> Result<(), ValidationError> {
    verification_code(&body.verification_code)
}

/// The rules of a bulk delta body: `@context` must be `#$delta` (an error for the whole body), then
/// each item's create rules (one outcome per item, in order).
pub fn bulk_delta(
    body: &BulkDelta,
) -> Result<Vec<Result<Secret, ValidationError>>, ValidationError> {
    if body.context != odata::DELTA_CONTEXT {
        return Err(ValidationError::DeltaContext);
    }
    Ok(body
        .value
        .iter()
        .map(|item| create_device(&item.device))
        .collect())
}
