//! Who may do what: the permission table of docs/spec.md ("Permissions"), for delegated and app-only
//! callers.

use super::jwt::Claims;

/// Directory role template ids (the values Entra writes into a token's `wids` claim).
pub mod roles {
    /// Global Administrator (satisfies every role requirement; inferred from Entra's behaviour).
    pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
    /// Global Reader.
    pub const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
    /// Authentication Policy Administrator.
    pub const AUTHENTICATION_POLICY_ADMINISTRATOR: &str = "0526716b-113d-4c15-b2c8-68e3c22b9f80";
    /// Authentication Administrator.
    pub const AUTHENTICATION_ADMINISTRATOR: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
    /// Privileged Authentication Administrator.
    pub const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: &str =
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
}

/// The caller a valid token describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    /// A signed-in user acting through an app (the token has `scp`).
    Delegated {
        /// Object id of the user (`oid`).
        user_id: String,
        /// Granted delegated scopes.
        scopes: Vec<String>,
        /// Directory role template ids the user holds.
        wids: Vec<String>,
    },
    /// An app acting as itself (the token has no `scp`).
    App {
        /// Granted application roles.
        roles: Vec<String>,
    },
}

impl Principal {
    /// Reads the caller from verified claims; a delegated token without `oid` yields `None`.
    pub(crate) fn from_claims(claims: &Claims) -> Option<Self> {
        match claims.scp.as_deref() {
            Some(scp) if !scp.trim().is_empty() => Some(Self::Delegated {
                user_id: claims.oid.clone()?,
                scopes: scp.split_whitespace().map(str::to_owned).collect(),
                wids: claims.wids.clone().unwrap_or_default(),
            }),
            _ => Some(Self::App {
                roles: claims.roles.clone().unwrap_or_default(),
            }),
        }
    }
}

/// An operation that needs a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    /// Read the tenant inventory.
    InventoryRead,
    /// Create, update or delete inventory tokens.
    InventoryWrite,
    /// The extra permission a create with `assignTo` (or an inventory `assignTo/$ref`) needs.
    InventoryAssign,
    /// Read the hardware OATH entry of the authentication methods policy.
    PolicyRead,
    /// Change the hardware OATH entry of the authentication methods policy.
    PolicyWrite,
    /// Read the caller's own methods.
    OwnMethodsRead,
    /// Change the caller's own methods.
    OwnMethodsWrite,
    /// Read another user's methods.
    OthersMethodsRead,
    /// Change another user's methods.
    OthersMethodsWrite,
    /// Read the signed-in user's own profile (`/me`, `/users/{own id}`).
    OwnUserRead,
    /// Read any user's profile.
    UsersRead,
}

/// Why an authorized caller is still refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Denied {
    /// The token lacks every scope or role that grants the operation.
    #[error("Insufficient privileges to complete the operation.")]
    Permission,
    /// The delegated user lacks a directory role the operation requires.
    #[error(
        "Insufficient privileges to complete the operation: the signed-in user lacks a supported directory role."
    )]
    Role,
    /// App-only tokens cannot act on their own methods (`/me`).
    #[error("/me request is only valid with delegated authentication flow.")]
    AppOnlySelf,
}

struct Rule {
    delegated: &'static [&'static str],
    app: &'static [&'static str],
    roles: Option<&'static [&'static str]>,
}

use roles::*;

fn rule(op: Operation) -> Rule {
    const UAM_READ_ALL: &[&str] = &[
        "UserAuthenticationMethod.Read.All",
        "UserAuthenticationMethod.ReadWrite.All",
    ];
    const UAM_WRITE_ALL: &[&str] = &["UserAuthenticationMethod.ReadWrite.All"];
    match op {
        Operation::InventoryRead | Operation::PolicyRead => Rule {
            delegated: &["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"],
            app: &["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"],
            roles: Some(&[GLOBAL_READER, AUTHENTICATION_POLICY_ADMINISTRATOR]),
        },
        Operation::InventoryWrite | Operation::PolicyWrite => Rule {
            delegated: &["Policy.ReadWrite.AuthenticationMethod"],
            app: &["Policy.ReadWrite.AuthenticationMethod"],
            roles: Some(&[AUTHENTICATION_POLICY_ADMINISTRATOR]),
        },
        Operation::InventoryAssign | Operation::OthersMethodsWrite => Rule {
            delegated: UAM_WRITE_ALL,
            app: UAM_WRITE_ALL,
            roles: Some(&[
                AUTHENTICATION_ADMINISTRATOR,
                PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
            ]),
        },
        Operation::OwnMethodsRead => Rule {
            delegated: &[
                "UserAuthenticationMethod.Read",
                "UserAuthenticationMethod.ReadWrite",
                "UserAuthenticationMethod.Read.All",
                "UserAuthenticationMethod.ReadWrite.All",
            ],
            app: &[],
            roles: None,
        },
        Operation::OwnMethodsWrite => Rule {
            delegated: &[
                "UserAuthenticationMethod.ReadWrite",
                "UserAuthenticationMethod.ReadWrite.All",
            ],
            app: &[],
            roles: None,
        },
        Operation::OwnUserRead => Rule {
            delegated: &[
                "User.Read",
                "User.ReadWrite",
                "User.ReadBasic.All",
                "User.Read.All",
                "User.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            app: &[],
            roles: None,
        },
        Operation::UsersRead => Rule {
            delegated: &[
                "User.ReadBasic.All",
                "User.Read.All",
                "User.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            app: &[
                "User.Read.All",
                "User.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
            ],
            roles: None,
        },
        Operation::OthersMethodsRead => Rule {
            delegated: UAM_READ_ALL,
            app: UAM_READ_ALL,
            roles: Some(&[
                GLOBAL_READER,
                AUTHENTICATION_ADMINISTRATOR,
                PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
            ]),
        },
    }
}

/// Decides whether `principal` may perform `op` (scopes or roles first, then directory roles).
pub(crate) fn authorize(principal: &Principal, op: Operation) -> Result<(), Denied> {
    let rule = rule(op);
    match principal {
        Principal::Delegated { scopes, wids, .. } => {
            if !has_any(scopes, rule.delegated) {
                return Err(Denied::Permission);
            }
            match rule.roles {
                Some(required)
                    if !wids.iter().any(|w| {
                        w.eq_ignore_ascii_case(GLOBAL_ADMINISTRATOR)
                            || required.iter().any(|r| w.eq_ignore_ascii_case(r))
                    }) =>
                {
                    Err(Denied::Role)
                }
                _ => Ok(()),
            }
        }
        Principal::App { roles } => {
            if matches!(
                op,
                Operation::OwnMethodsRead | Operation::OwnMethodsWrite | Operation::OwnUserRead
            ) {
                Err(Denied::AppOnlySelf)
            } else if has_any(roles, rule.app) {
                Ok(())
            } else {
                Err(Denied::Permission)
            }
        }
    }
}

fn has_any(granted: &[String], accepted: &[&str]) -> bool {
    granted
        .iter()
        .any(|g| accepted.iter().any(|a| g.eq_ignore_ascii_case(a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(scopes: &[&str], wids: &[&str]) -> Principal {
        Principal::Delegated {
            user_id: "u".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            wids: wids.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn app(roles: &[&str]) -> Principal {
        Principal::App {
            roles: roles.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn inventory_needs_scope_and_role_for_users() {
        let op = Operation::InventoryRead;
        assert_eq!(
            authorize(&user(&["Policy.Read.All"], &[GLOBAL_READER]), op),
            Ok(())
        );
        assert_eq!(
            authorize(&user(&["Policy.Read.All"], &[]), op),
            Err(Denied::Role)
        );
        assert_eq!(
            authorize(&user(&["User.Read"], &[GLOBAL_READER]), op),
            Err(Denied::Permission)
        );
        assert_eq!(
            authorize(&app(&["Policy.ReadWrite.AuthenticationMethod"]), op),
            Ok(())
        );
        assert_eq!(
            authorize(
                &user(&["Policy.ReadWrite.AuthenticationMethod"], &[GLOBAL_READER]),
                Operation::InventoryWrite
            ),
            Err(Denied::Role)
        );
    }

    #[test]
    fn own_methods_are_delegated_only_and_readwrite_covers_read() {
        assert_eq!(
            authorize(
                &user(&["UserAuthenticationMethod.ReadWrite"], &[]),
                Operation::OwnMethodsRead
            ),
            Ok(())
        );
        assert_eq!(
            authorize(
                &user(&["UserAuthenticationMethod.Read"], &[]),
                Operation::OwnMethodsWrite
            ),
            Err(Denied::Permission)
        );
        assert_eq!(
            authorize(
                &app(&["UserAuthenticationMethod.ReadWrite.All"]),
                Operation::OwnMethodsRead
            ),
            Err(Denied::AppOnlySelf)
        );
    }

    #[test]
    fn others_methods_need_all_scopes_and_admin_roles() {
        let op = Operation::OthersMethodsWrite;
        assert_eq!(
            authorize(
                &user(
                    &["UserAuthenticationMethod.ReadWrite.All"],
                    &[AUTHENTICATION_ADMINISTRATOR]
                ),
                op
            ),
            Ok(())
        );
        assert_eq!(
            authorize(
                &user(
                    &["UserAuthenticationMethod.ReadWrite.All"],
                    &[GLOBAL_READER]
                ),
                op
            ),
            Err(Denied::Role)
        );
        assert_eq!(
            authorize(&app(&["UserAuthenticationMethod.Read.All"]), op),
            Err(Denied::Permission)
        );
        assert_eq!(
            authorize(
                &app(&["UserAuthenticationMethod.Read.All"]),
                Operation::OthersMethodsRead
            ),
            Ok(())
        );
    }
}
