//! The directory a tenant starts from: users, app registrations and (optionally) inventory tokens,
//! read from JSON. An embedded default (`fixtures/tenant.json`) holds the doc examples' users.

use std::path::Path;

use hwoath_graph::SecretText;
use serde::{Deserialize, Serialize};

use crate::invariants;
use crate::options::StatusAfterAssignTo;
use crate::records::DeviceRecord;

/// The embedded default fixture.
const DEFAULT_FIXTURE_JSON: &str = include_str!("../fixtures/tenant.json");

/// A tenant's starting directory.
///
/// ```
/// use hwoath_mock::Fixture;
///
/// let fixture = Fixture::from_json(r#"{
///     "tenantId": "11111111-2222-3333-4444-555555555555",
///     "domain": "fabrikam.onmicrosoft.com",
///     "users": [{"id": "aaaaaaaa-0000-0000-0000-000000000001", "displayName": "Ana",
///                "userPrincipalName": "ana@fabrikam.com", "roles": []}]
/// }"#)?;
/// assert_eq!(fixture.user("ANA@fabrikam.com").unwrap().display_name, "Ana");
/// # Ok::<(), hwoath_mock::FixtureError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fixture {
    /// The tenant id written into tokens (`tid`) and accepted by the token endpoint.
    pub tenant_id: String,
    /// The tenant's initial domain, also accepted in place of the id by the token endpoint.
    pub domain: String,
    /// Directory users.
    pub users: Vec<User>,
    /// App registrations that may use the client-credentials token endpoint.
    #[serde(default)]
    pub apps: Vec<App>,
    /// Inventory tokens present at start and after every reset.
    #[serde(default)]
    pub devices: Vec<DeviceRecord>,
}

/// A directory user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    /// Object id (a GUID).
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Sign-in name; `/users/{upn}` finds the user too.
    pub user_principal_name: String,
    /// Directory role template ids the user holds (minted into `wids`).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// An app registration for the client-credentials flow.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct App {
    /// Application (client) id.
    pub client_id: String,
    /// Display name.
    pub display_name: String,
    /// The client secret (Debug output redacts it).
    pub client_secret: SecretText,
    /// Application roles granted to the app (minted into `roles`).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// Why a fixture could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// The file could not be read.
    #[error("cannot read fixture {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The JSON does not describe a fixture.
    #[error("invalid fixture: {0}")]
    Parse(#[from] serde_json::Error),
    /// Two users share an id or UPN, or a device is inconsistent.
    #[error("invalid fixture: {0}")]
    Invalid(String),
}

impl Default for Fixture {
    fn default() -> Self {
        Self::from_json(DEFAULT_FIXTURE_JSON).expect("the embedded fixture is valid")
    }
}

impl Fixture {
    /// Parses and checks a fixture from JSON text.
    pub fn from_json(text: &str) -> Result<Self, FixtureError> {
        let fixture: Self = serde_json::from_str(text)?;
        fixture.check()?;
        Ok(fixture)
    }

    /// Reads a fixture file.
    pub fn from_path(path: &Path) -> Result<Self, FixtureError> {
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// The user whose id or UPN is `key` (both case-insensitive).
    pub fn user(&self, key: &str) -> Option<&User> {
        self.users.iter().find(|u| {
            u.id.eq_ignore_ascii_case(key) || u.user_principal_name.eq_ignore_ascii_case(key)
        })
    }

    /// The user with this display name (exact match), handy in tests.
    pub fn user_named(&self, display_name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.display_name == display_name)
    }

    /// The app registration with this client id.
    pub fn app(&self, client_id: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    fn check(&self) -> Result<(), FixtureError> {
        for (i, user) in self.users.iter().enumerate() {
            if self.users[..i].iter().any(|other| {
                other.id.eq_ignore_ascii_case(&user.id)
                    || other
                        .user_principal_name
                        .eq_ignore_ascii_case(&user.user_principal_name)
            }) {
                return Err(FixtureError::Invalid(format!(
                    "user {} appears twice",
                    user.id
                )));
            }
        }
        let users: Vec<&str> = self.users.iter().map(|u| u.id.as_str()).collect();
        invariants::check(&self.devices, &users, StatusAfterAssignTo::default())
            .map_err(|e| FixtureError::Invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_fixture_has_the_doc_users() {
        let fixture = Fixture::default();
        let amy = fixture.user_named("Amy Masters").unwrap();
        assert!(amy.id.starts_with("0cadbf92-"));
        assert_eq!(fixture.user("amym@contoso.com").unwrap().id, amy.id);
        assert!(fixture.user_named("Helga").is_some());
        assert!(!fixture.apps.is_empty());
        assert!(!format!("{fixture:?}").contains("hwoath-mock-admin-secret"));
    }

    #[test]
    fn duplicate_users_are_refused() {
        let mut fixture = Fixture::default();
        fixture.users.push(fixture.users[0].clone());
        let text = serde_json::to_string(&fixture).unwrap();
        assert!(matches!(
            Fixture::from_json(&text),
            Err(FixtureError::Invalid(_))
        ));
    }
}
