//! Body kinds, mutation labels and what each label makes the target answer. The expected outcome
//! follows from the label alone, never from looking at the body again.

use serde::{Deserialize, Serialize};

use crate::endpoints::Op;
use crate::rules::{self, Rule};

/// Which request a generated body is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BodyKind {
    /// POST a device to the inventory.
    Create,
    /// PATCH one device.
    Update,
    /// POST a method (assign a device to a user).
    Assign,
    /// POST `/{id}/activate`.
    Activate,
    /// POST `/assignAndActivate`.
    AssignAndActivate,
    /// POST `/assignAndActivateBySerialNumber`.
    AssignAndActivateBySerial,
    /// PATCH the inventory with a `#$delta` body.
    Bulk,
}

impl BodyKind {
    /// Every kind, in catalog order.
    pub const ALL: [BodyKind; 7] = [
        BodyKind::Create,
        BodyKind::Update,
        BodyKind::Assign,
        BodyKind::Activate,
        BodyKind::AssignAndActivate,
        BodyKind::AssignAndActivateBySerial,
        BodyKind::Bulk,
    ];

    /// The name in case ids.
    pub fn as_str(self) -> &'static str {
        match self {
            BodyKind::Create => "create",
            BodyKind::Update => "update",
            BodyKind::Assign => "assign",
            BodyKind::Activate => "activate",
            BodyKind::AssignAndActivate => "assign-and-activate",
            BodyKind::AssignAndActivateBySerial => "assign-and-activate-by-serial",
            BodyKind::Bulk => "bulk",
        }
    }

    /// The operation the body is sent to.
    pub fn op(self) -> Op {
        match self {
            BodyKind::Create => Op::CreateDevice,
            BodyKind::Update => Op::UpdateDevice,
            BodyKind::Assign => Op::Assign,
            BodyKind::Activate => Op::Activate,
            BodyKind::AssignAndActivate => Op::AssignAndActivate,
            BodyKind::AssignAndActivateBySerial => Op::AssignAndActivateBySerial,
            BodyKind::Bulk => Op::BulkCreate,
        }
    }

    /// Whether the send needs a user to hold the token.
    pub fn needs_user(self) -> bool {
        matches!(
            self,
            BodyKind::Assign
                | BodyKind::Activate
                | BodyKind::AssignAndActivate
                | BodyKind::AssignAndActivateBySerial
        )
    }

    /// Whether a valid body is an activation attempt (Graph throttles those: 200 per 5 minutes).
    pub fn activates(self) -> bool {
        matches!(
            self,
            BodyKind::Activate | BodyKind::AssignAndActivate | BodyKind::AssignAndActivateBySerial
        )
    }
}

/// A class of labels: one catalog case per body kind and class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// A valid body.
    Valid,
    /// A required property left out.
    DropRequired,
    /// A property of the wrong JSON type.
    WrongType,
    /// `null` for a property that is not nullable.
    Null,
    /// A number outside its range (`timeIntervalInSeconds` not 30 or 60).
    OutOfRange,
    /// An enum value outside the input set.
    UnknownEnum,
    /// A `secretKey` with a character outside Base32.
    NonBase32,
    /// A `secretKey` shorter than 16 or longer than 128 characters.
    SecretLength,
    /// An empty string for a required string.
    EmptyString,
    /// A property the type does not have.
    UnknownProperty,
    /// A key written twice.
    DuplicateKey,
    /// A property an update may not change.
    Immutable,
    /// A `verificationCode` that is not six digits.
    BadCode,
    /// JSON that does not parse (trailing comma, truncated, unbalanced).
    Malformed,
    /// A value nested hundreds of levels deep.
    DeepNesting,
    /// A number far outside Int32.
    HugeNumber,
    /// No body at all.
    EmptyBody,
    /// A JSON body sent without a JSON content type.
    WrongContentType,
    /// A bulk item broken by a mutation (the other items are valid).
    BadItem,
}

impl Class {
    /// The name in case ids and failure files.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Valid => "valid",
            Class::DropRequired => "drop-required",
            Class::WrongType => "wrong-type",
            Class::Null => "null",
            Class::OutOfRange => "out-of-range",
            Class::UnknownEnum => "unknown-enum",
            Class::NonBase32 => "non-base32",
            Class::SecretLength => "secret-length",
            Class::EmptyString => "empty-string",
            Class::UnknownProperty => "unknown-property",
            Class::DuplicateKey => "duplicate-key",
            Class::Immutable => "immutable",
            Class::BadCode => "bad-code",
            Class::Malformed => "malformed",
            Class::DeepNesting => "deep-nesting",
            Class::HugeNumber => "huge-number",
            Class::EmptyBody => "empty-body",
            Class::WrongContentType => "wrong-content-type",
            Class::BadItem => "bad-item",
        }
    }

    /// The statuses a target must answer to a body of this class sent as `kind`.
    pub fn expected(self, kind: BodyKind) -> &'static [u16] {
        match self {
            Class::Valid => kind.op().success(),
            Class::WrongContentType => &[415],
            // Spec §2 Decision: a bulk body answers 200 with per-item outcomes (docs say 201).
            Class::BadItem => &[200, 201],
            _ => &[400],
        }
    }

    /// The rule a body of this class tests.
    pub fn rule(self, kind: BodyKind) -> Rule {
        match self {
            Class::Valid => match kind {
                BodyKind::Create => rules::CREATE_CREATED,
                BodyKind::Update => rules::UPDATE,
                BodyKind::Assign => rules::ASSIGN,
                BodyKind::Activate => rules::ACTIVATE,
                BodyKind::AssignAndActivate | BodyKind::AssignAndActivateBySerial => {
                    rules::ASSIGN_AND_ACTIVATE
                }
                BodyKind::Bulk => rules::BULK,
            },
            Class::DropRequired => rules::CREATE_REQUIRED,
            Class::WrongType | Class::Null | Class::EmptyString => rules::WRONG_TYPE,
            Class::OutOfRange | Class::HugeNumber => rules::INTERVAL,
            Class::UnknownEnum => rules::HASH_FUNCTION,
            Class::NonBase32 | Class::SecretLength => rules::SECRET_FORMAT,
            Class::UnknownProperty => rules::UNKNOWN_PROPERTY,
            Class::DuplicateKey => DUPLICATE_KEY,
            Class::Immutable => rules::UPDATE_IMMUTABLE,
            Class::BadCode => rules::CODE_FORMAT,
            Class::Malformed | Class::EmptyBody | Class::WrongContentType => rules::MALFORMED_BODY,
            Class::DeepNesting => DEEP_NESTING,
            Class::BadItem => BULK_ITEM,
        }
    }
}

/// A key written twice is refused (RFC 8259 says names SHOULD be unique; the status is ours).
pub const DUPLICATE_KEY: Rule = rules::DUPLICATE_KEY;

/// A value nested far deeper than any property's type is refused with 400, not a crash.
pub const DEEP_NESTING: Rule = rules::DEEP_NESTING;

/// A broken item of a bulk body is not created while the body as a whole is answered.
pub const BULK_ITEM: Rule = rules::BULK_ITEM;

/// One generated mutation with what it changed, for reports and failure files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// The class.
    pub class: Class,
    /// What was changed, e.g. `timeIntervalInSeconds = "30"`.
    pub detail: String,
}

impl Label {
    /// A label of `class` saying `detail`.
    pub fn new(class: Class, detail: impl Into<String>) -> Self {
        Self {
            class,
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.detail.is_empty() {
            f.write_str(self.class.as_str())
        } else {
            write!(f, "{}: {}", self.class.as_str(), self.detail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Strength;

    #[test]
    fn expectations_follow_the_class() {
        assert_eq!(Class::Valid.expected(BodyKind::Create), &[201]);
        assert_eq!(Class::Valid.expected(BodyKind::Update), &[204]);
        assert_eq!(Class::Valid.expected(BodyKind::Bulk), &[200, 201]);
        assert_eq!(Class::WrongContentType.expected(BodyKind::Assign), &[415]);
        assert_eq!(Class::DuplicateKey.expected(BodyKind::Activate), &[400]);
        assert_eq!(
            Class::BadCode.rule(BodyKind::Activate).strength,
            Strength::Documented
        );
        assert_eq!(
            Class::WrongType.rule(BodyKind::Create).strength,
            Strength::Inferred
        );
        assert_eq!(Label::new(Class::Null, "model").to_string(), "null: model");
    }
}
