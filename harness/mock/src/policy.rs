//! The hardware OATH entry of the authentication methods policy
//! (`/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/hardwareOath`): what the
//! tenant stores, its wire form, and the checked body of a `PATCH`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `@odata.type` of the configuration.
pub(crate) const POLICY_ODATA_TYPE: &str =
    "#microsoft.graph.hardwareOathAuthenticationMethodConfiguration";

/// The configuration's id (as Graph spells it).
pub(crate) const POLICY_ID: &str = "HardwareOath";

/// The message of a token operation refused while the policy is disabled (with `policy_disabled =
/// refuse`).
pub(crate) const POLICY_DISABLED_MESSAGE: &str =
    "The hardware OATH authentication method is disabled in the authentication methods policy.";

/// Whether the method is enabled in the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum PolicyState {
    /// Enabled (the mock's starting state, so that the token endpoints work out of the box).
    #[default]
    Enabled,
    /// Disabled.
    Disabled,
}

/// Whom a target names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum TargetType {
    /// A user.
    User,
    /// A group (`all_users` stands for every user).
    Group,
}

/// A user or group the method is enabled for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct IncludeTarget {
    /// User or group.
    pub(crate) target_type: TargetType,
    /// Object id, or `all_users`.
    pub(crate) id: String,
    /// Whether the target must register the method.
    #[serde(default)]
    pub(crate) is_registration_required: bool,
    /// `@odata.type` as a client sent it (never stored).
    #[serde(rename = "@odata.type", default, skip_serializing)]
    pub(crate) odata_type: Option<String>,
}

/// A user or group the method is disabled for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ExcludeTarget {
    /// User or group.
    pub(crate) target_type: TargetType,
    /// Object id.
    pub(crate) id: String,
    /// `@odata.type` as a client sent it (never stored).
    #[serde(rename = "@odata.type", default, skip_serializing)]
    pub(crate) odata_type: Option<String>,
}

/// The policy entry as the tenant (and its state file) keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct HardwareOathPolicy {
    /// Enabled or disabled.
    pub(crate) state: PolicyState,
    /// Whom it is enabled for.
    #[serde(default = "all_users")]
    pub(crate) include_targets: Vec<IncludeTarget>,
    /// Whom it is disabled for.
    #[serde(default)]
    pub(crate) exclude_targets: Vec<ExcludeTarget>,
}

fn all_users() -> Vec<IncludeTarget> {
    vec![IncludeTarget {
        target_type: TargetType::Group,
        id: "all_users".into(),
        is_registration_required: false,
        odata_type: None,
    }]
}

impl Default for HardwareOathPolicy {
    fn default() -> Self {
        Self {
            state: PolicyState::Enabled,
            include_targets: all_users(),
            exclude_targets: Vec::new(),
        }
    }
}

impl HardwareOathPolicy {
    /// Whether the method is disabled.
    pub(crate) fn is_disabled(&self) -> bool {
        self.state == PolicyState::Disabled
    }

    /// The wire form, with this `@odata.context`.
    pub(crate) fn wire(&self, context: String) -> Value {
        json!({
            "@odata.context": context,
            "@odata.type": POLICY_ODATA_TYPE,
            "id": POLICY_ID,
            "state": self.state,
            "excludeTargets": self.exclude_targets,
            "includeTargets": self.include_targets,
        })
    }

    /// Applies a checked `PATCH`.
    pub(crate) fn apply(&mut self, patch: PolicyPatch) {
        if let Some(state) = patch.state {
            self.state = state;
        }
        if let Some(targets) = patch.include_targets {
            self.include_targets = targets;
        }
        if let Some(targets) = patch.exclude_targets {
            self.exclude_targets = targets;
        }
    }
}

/// The properties a `PATCH` changes (absent ones stay as they are).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PolicyPatch {
    /// New state.
    pub(crate) state: Option<PolicyState>,
    /// New include targets.
    pub(crate) include_targets: Option<Vec<IncludeTarget>>,
    /// New exclude targets.
    pub(crate) exclude_targets: Option<Vec<ExcludeTarget>>,
}

impl PolicyPatch {
    /// Checks a `PATCH` body: `state`, `includeTargets`, `excludeTargets` and OData annotations
    /// (`@odata.type` must be the configuration's own); anything else, or a wrong value, is refused
    /// with a message naming the property.
    pub(crate) fn from_json(body: Value) -> Result<Self, String> {
        let Value::Object(map) = body else {
            return Err("The body must be a JSON object.".into());
        };
        let mut patch = Self::default();
        for (key, value) in map {
            match key.as_str() {
                "state" => patch.state = Some(field(&key, value)?),
                "includeTargets" => patch.include_targets = Some(field(&key, value)?),
                "excludeTargets" => patch.exclude_targets = Some(field(&key, value)?),
                "@odata.type" => match value.as_str() {
                    Some(t) if t.trim_start_matches('#') == &POLICY_ODATA_TYPE[1..] => {}
                    _ => return Err(format!("@odata.type must be \"{POLICY_ODATA_TYPE}\".")),
                },
                annotation if annotation.contains('@') => {}
                _ => {
                    return Err(format!(
                        "Property '{key}' is not a property of hardwareOathAuthenticationMethodConfiguration that can be changed."
                    ));
                }
            }
        }
        Ok(patch)
    }
}

fn field<T: serde::de::DeserializeOwned>(key: &str, value: Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| format!("Property '{key}' is not valid: {e}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_bodies_are_checked() {
        let patch = PolicyPatch::from_json(json!({
            "@odata.type": "#microsoft.graph.hardwareOathAuthenticationMethodConfiguration",
            "state": "disabled",
            "excludeTargets": [{"targetType": "group", "id": "g1"}],
        }))
        .unwrap();
        let mut policy = HardwareOathPolicy::default();
        policy.apply(patch);
        assert!(policy.is_disabled());
        assert_eq!(policy.exclude_targets[0].id, "g1");
        assert_eq!(policy.include_targets[0].id, "all_users");
        for bad in [
            json!({"state": "paused"}),
            json!({"state": null}),
            json!({"id": "HardwareOath"}),
            json!({"colour": "red"}),
            json!({"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration"}),
            json!({"includeTargets": [{"targetType": "device", "id": "x"}]}),
            json!({"includeTargets": [{"targetType": "user"}]}),
            json!({"excludeTargets": [{"targetType": "user", "id": "x", "extra": 1}]}),
            json!([]),
        ] {
            assert!(PolicyPatch::from_json(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_wire_form_has_the_sdk_properties() {
        let wire = HardwareOathPolicy::default().wire("ctx".into());
        assert_eq!(wire["id"], "HardwareOath");
        assert_eq!(wire["state"], "enabled");
        assert_eq!(
            wire["includeTargets"],
            json!([{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}])
        );
        assert_eq!(wire["excludeTargets"], json!([]));
    }
}
