//! Behaviour options: where Microsoft's docs conflict or are silent, the mock's answer is a choice the
//! caller can make ([`Behaviour`]); the defaults are the mock's own decisions (see the crate README,
//! "Behaviour options").

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A behaviour option's value that names none of its members.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not one of {}", allowed.join(", "))]
pub struct UnknownOptionValue {
    /// The value given.
    pub value: String,
    /// The option's accepted values.
    pub allowed: &'static [&'static str],
}

/// Declares a behaviour option: an enum of named members with `NAMES`, `as_str`, `FromStr`, `Display`.
macro_rules! option_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every member's name, in declaration order (the first is the default).
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The member's name as the command line spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownOptionValue;

            fn from_str(value: &str) -> Result<Self, UnknownOptionValue> {
                match value {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(UnknownOptionValue {
                        value: value.to_owned(),
                        allowed: Self::NAMES,
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

option_enum! {
    /// The status of a token right after a create with `assignTo`: the Graph create page's example
    /// answers `assigned`, Entra's how-to shows `available` with `assignedTo` filled.
    StatusAfterAssignTo {
        /// `assigned` (the Graph page's example).
        #[default]
        Assigned = "assigned",
        /// `available`, still held by the user (`assignedTo` filled, the method present).
        Available = "available",
    }
}

option_enum! {
    /// What an `Int32` property sent as a JSON string (`"timeIntervalInSeconds": "30"`, as Microsoft's
    /// bulk example does) gets in create, update and bulk bodies: whether Graph coerces it is unknown.
    NumbersAsStrings {
        /// 400 `invalidRequest`, as for any wrong JSON type.
        #[default]
        Refuse = "refuse",
        /// A string holding an integer is read as that integer.
        Coerce = "coerce",
    }
}

option_enum! {
    /// What the token endpoints do while the hardware OATH authentication method is disabled in the
    /// authentication methods policy (undocumented).
    PolicyDisabled {
        /// They keep working.
        #[default]
        Allow = "allow",
        /// Assignments and activations answer 400 `invalidRequest`.
        Refuse = "refuse",
    }
}

/// The behaviour options of one tenant, fixed when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Behaviour {
    /// Status after a create with `assignTo`.
    pub status_after_assign_to: StatusAfterAssignTo,
    /// Integers sent as strings.
    pub numbers_as_strings: NumbersAsStrings,
    /// The token endpoints while the policy is disabled.
    pub policy_disabled: PolicyDisabled,
    /// How long (wall time) a write stays invisible to reads: eventual consistency (zero: none).
    pub visibility_delay: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_the_first_is_the_default() {
        for name in StatusAfterAssignTo::NAMES {
            assert_eq!(name.parse::<StatusAfterAssignTo>().unwrap().as_str(), *name);
        }
        assert_eq!(
            StatusAfterAssignTo::NAMES[0],
            StatusAfterAssignTo::default().as_str()
        );
        assert_eq!(NumbersAsStrings::NAMES, ["refuse", "coerce"]);
        assert_eq!(PolicyDisabled::default(), PolicyDisabled::Allow);
        let err = "Coerce".parse::<NumbersAsStrings>().unwrap_err();
        assert_eq!(err.to_string(), "'Coerce' is not one of refuse, coerce");
    }
}
