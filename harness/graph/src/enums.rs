//! The two enums of the hardware OATH model, serialized as their lower-camel names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// `hardwareOathTokenHashFunction`: the HMAC a token computes its codes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HashFunction {
    /// HMAC-SHA-1, the default.
    #[default]
    Hmacsha1,
    /// HMAC-SHA-256.
    Hmacsha256,
    /// The evolvable-enum sentinel; never valid on input.
    UnknownFutureValue,
}

/// `hardwareOathTokenStatus`: where a token is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenStatus {
    /// In the inventory, not assigned to anyone.
    Available,
    /// Assigned to a user, not yet activated.
    Assigned,
    /// Assigned and activated with a correct code.
    Activated,
    /// The last activation attempt used a wrong code.
    FailedActivation,
    /// The evolvable-enum sentinel.
    UnknownFutureValue,
}

/// A wire name that names no member of the enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a member of {enum_name}")]
pub struct UnknownMember {
    /// The enum's Graph name.
    pub enum_name: &'static str,
    /// The rejected wire name.
    pub name: String,
}

impl HashFunction {
    /// Every member's wire name, in declaration order.
    pub const WIRE_NAMES: &'static [&'static str] =
        &["hmacsha1", "hmacsha256", "unknownFutureValue"];

    /// The wire name, e.g. `hmacsha256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hmacsha1 => "hmacsha1",
            Self::Hmacsha256 => "hmacsha256",
            Self::UnknownFutureValue => "unknownFutureValue",
        }
    }
}

impl TokenStatus {
    /// Every member's wire name, in declaration order.
    pub const WIRE_NAMES: &'static [&'static str] = &[
        "available",
        "assigned",
        "activated",
        "failedActivation",
        "unknownFutureValue",
    ];

    /// The wire name, e.g. `failedActivation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Assigned => "assigned",
            Self::Activated => "activated",
            Self::FailedActivation => "failedActivation",
            Self::UnknownFutureValue => "unknownFutureValue",
        }
    }
}

impl fmt::Display for HashFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for TokenStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HashFunction {
    type Err = UnknownMember;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Hmacsha1, Self::Hmacsha256, Self::UnknownFutureValue]
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownMember {
                enum_name: "hardwareOathTokenHashFunction",
                name: s.to_owned(),
            })
    }
}

impl FromStr for TokenStatus {
    type Err = UnknownMember;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Self::Available,
            Self::Assigned,
            Self::Activated,
            Self::FailedActivation,
            Self::UnknownFutureValue,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
        .ok_or_else(|| UnknownMember {
            enum_name: "hardwareOathTokenStatus",
            name: s.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_match_wire_names() {
        for (m, name) in [
            HashFunction::Hmacsha1,
            HashFunction::Hmacsha256,
            HashFunction::UnknownFutureValue,
        ]
        .into_iter()
        .zip(HashFunction::WIRE_NAMES)
        {
            assert_eq!(serde_json::to_value(m).unwrap(), serde_json::json!(name));
            assert_eq!(name.parse::<HashFunction>().unwrap(), m);
        }
        for (m, name) in [
            TokenStatus::Available,
            TokenStatus::Assigned,
            TokenStatus::Activated,
            TokenStatus::FailedActivation,
            TokenStatus::UnknownFutureValue,
        ]
        .into_iter()
        .zip(TokenStatus::WIRE_NAMES)
        {
            assert_eq!(serde_json::to_value(m).unwrap(), serde_json::json!(name));
            assert_eq!(name.parse::<TokenStatus>().unwrap(), m);
            assert_eq!(m.to_string(), *name);
        }
    }

    #[test]
    fn wrong_case_is_not_a_member() {
        let err = "HMACSHA1".parse::<HashFunction>().unwrap_err();
        assert_eq!(err.name, "HMACSHA1");
        assert!("FailedActivation".parse::<TokenStatus>().is_err());
        assert_eq!(HashFunction::default(), HashFunction::Hmacsha1);
    }
}
