//! The records the store keeps and the requests that change them.

use hwoath_graph::{HashFunction, SecretText, TokenStatus};
use serde::{Deserialize, Serialize};

/// One inventory token as the tenant stores it, secret included (never returned on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceRecord {
    /// Token id (also the id of its method when assigned).
    pub id: String,
    /// Optional name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Serial number, unique in the tenant.
    pub serial_number: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// The Base32 seed as received.
    pub secret_key: SecretText,
    /// 30 or 60.
    pub time_interval_in_seconds: i32,
    /// HMAC of the codes.
    pub hash_function: HashFunction,
    /// Lifecycle status.
    pub status: TokenStatus,
    /// Last successful activation (Unix milliseconds).
    #[serde(default)]
    pub last_used_millis: Option<i64>,
    /// Object id of the user holding the token.
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// The user's method for this token, present exactly when assigned.
    #[serde(default)]
    pub method: Option<MethodRecord>,
    /// The last TOTP step accepted for this token (replay guard).
    #[serde(default)]
    pub last_accepted_step: Option<u64>,
    /// Drift found at the last activation: the accepted step minus the tenant clock's step (internal
    /// state, as in Entra, which applies it at later sign-ins; Graph does not expose it).
    #[serde(default)]
    pub drift_steps: Option<i64>,
}

/// The per-user method of an assigned token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MethodRecord {
    /// When the token was assigned (Unix milliseconds).
    pub created_millis: i64,
}

/// A validated create request.
#[derive(Debug, Clone)]
pub(crate) struct NewDevice {
    /// Optional name.
    pub(crate) display_name: Option<String>,
    /// Serial number.
    pub(crate) serial_number: String,
    /// Manufacturer.
    pub(crate) manufacturer: String,
    /// Model.
    pub(crate) model: String,
    /// Base32 seed.
    pub(crate) secret_key: SecretText,
    /// 30 or 60.
    pub(crate) time_interval_in_seconds: i32,
    /// HMAC of the codes.
    pub(crate) hash_function: HashFunction,
    /// Assign at once to this user (id or UPN).
    pub(crate) assign_to: Option<String>,
}

/// A validated update: `Some` replaces the property (`display_name: Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub(crate) struct DevicePatch {
    /// New name.
    pub(crate) display_name: Option<Option<String>>,
    /// New manufacturer.
    pub(crate) manufacturer: Option<String>,
    /// New model.
    pub(crate) model: Option<String>,
    /// New interval.
    pub(crate) time_interval_in_seconds: Option<i32>,
    /// New hash function.
    pub(crate) hash_function: Option<HashFunction>,
}
