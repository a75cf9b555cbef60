//! A generated case that failed, shrunk to its smallest body: what `hwoath run` saves under
//! `failures/` and `hwoath replay` sends again.
//!
//! The body is kept byte for byte (a replay must send what failed), with its per-send values as
//! placeholders: `{{serial}}` (a fresh tagged serial), `{{device}}` (a device made for the replay) and
//! `{{code}}` (its current code). Its secretKey is generated test data, never a tenant's secret.

use serde::{Deserialize, Serialize};

use super::label::{BodyKind, Label};
use super::template::Bindings;
use crate::report::model::TargetInfo;

/// The schema identifier of a failure file.
pub const FAILURE_SCHEMA: &str = "hwoath-failure/1";

/// Placeholders a failure's body and path carry for per-send values.
pub fn placeholders() -> Bindings {
    Bindings {
        serial: "{{serial}}".to_owned(),
        device: "{{device}}".to_owned(),
        code: "{{code}}".to_owned(),
    }
}

/// Fills the placeholders of a saved body or path with this send's values.
pub fn fill(text: &str, bindings: &Bindings, user: &str) -> String {
    text.replace("{{serial}}", &bindings.serial)
        .replace("{{device}}", &bindings.device)
        .replace("{{code}}", &bindings.code)
        .replace("{{user}}", user)
}

/// The request of a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedRequest {
    /// HTTP method.
    pub method: String,
    /// Path under the base URL, with placeholders.
    pub path: String,
    /// The `Content-Type` sent, if any.
    pub content_type: Option<String>,
    /// The body text, with placeholders.
    pub body: String,
}

/// What the target answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// The status, absent when no response came.
    pub status: Option<u16>,
    /// The body, redacted.
    pub body: String,
}

/// A failed generated case, shrunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Always [`FAILURE_SCHEMA`].
    pub schema: String,
    /// The run's seed.
    pub seed: u64,
    /// The catalog case, e.g. `properties/create-wrong-type`.
    pub case: String,
    /// Which generated value of the case failed first (0-based).
    pub index: usize,
    /// The request kind.
    pub kind: BodyKind,
    /// What the body breaks, if anything.
    pub label: Label,
    /// The smallest failing request.
    pub request: FailedRequest,
    /// The statuses the label calls for.
    pub expected: Vec<u16>,
    /// What the target answered to the smallest request.
    pub received: Received,
    /// Every way the answer was wrong.
    pub problems: Vec<String>,
    /// The target the failure was found on (`hwoath replay` sends it there unless told otherwise; an
    /// embedded mock's URL is gone after its run, so it replays against a new one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetInfo>,
}

impl Failure {
    /// The file name under `failures/`: the case id with `/` as `-`, then the index.
    pub fn file_name(&self) -> String {
        let case: String = self
            .case
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        format!("{case}-{}.json", self.index)
    }

    /// Reads a failure file's text.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The failure as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::label::Class;

    #[test]
    fn round_trips_and_names_its_file_after_the_case() {
        let failure = Failure {
            schema: FAILURE_SCHEMA.to_owned(),
            seed: 3,
            case: "properties/create-wrong-type".to_owned(),
            index: 12,
            kind: BodyKind::Create,
            label: Label::new(Class::WrongType, "model = 123456"),
            request: FailedRequest {
                method: "POST".to_owned(),
                path: "/directory/authenticationMethodDevices/hardwareOathDevices".to_owned(),
                content_type: Some("application/json".to_owned()),
                body: r#"{"serialNumber":"{{serial}}","model":123456}"#.to_owned(),
            },
            expected: vec![400],
            received: Received {
                status: Some(201),
                body: "{}".to_owned(),
            },
            problems: vec!["expected 400, got 201".to_owned()],
            target: None,
        };
        assert_eq!(failure.file_name(), "properties-create-wrong-type-12.json");
        assert_eq!(Failure::from_json(&failure.to_json()).unwrap(), failure);
        let bindings = Bindings {
            serial: "hwoath-a-00001".into(),
            ..Bindings::default()
        };
        assert_eq!(
            fill(&failure.request.body, &bindings, "u"),
            r#"{"serialNumber":"hwoath-a-00001","model":123456}"#
        );
    }
}
