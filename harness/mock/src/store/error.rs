//! Why a store operation was refused.

/// Why a store operation was refused; each maps to one Graph error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StoreError {
    /// A named resource does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The resource's state forbids the change, or a serial is taken (409).
    #[error("{0}")]
    Conflict(String),
    /// The request is well-formed but not allowed (400).
    #[error("{0}")]
    Invalid(String),
    /// The verification code is wrong or replayed (400; the token records `failedActivation`).
    #[error("The verification code is invalid or has already been used.")]
    WrongCode,
}
