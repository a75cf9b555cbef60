//! What a run will do on a target before it starts: the users it may assign tokens to (given with
//! `--user`, or found through the target's own `GET /users`) and which cases will skip, and why.

use reqwest::Method;

use crate::case::Case;
use crate::client::Request;
use crate::runner::RunOptions;
use crate::target::{Principal, Target};

/// Most users a run takes from the target's user list.
pub const MAX_DISCOVERED_USERS: usize = 16;

/// Where the run's users come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsersFrom {
    /// `--user` (or `SuiteOptions::users`).
    Given,
    /// The target's `GET /users`.
    Discovered,
    /// Neither: why the target's list could not be read.
    Missing(String),
}

/// A number of cases that will skip for one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skips {
    /// Why they skip.
    pub reason: &'static str,
    /// How many.
    pub cases: usize,
}

/// What a run will do, known before any case runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The users cases may assign tokens to.
    pub users: Vec<String>,
    /// Where they come from.
    pub users_from: UsersFrom,
    /// The cases the filters select.
    pub selected: usize,
    /// The cases that will skip, by reason (cases may still skip at run time for reasons only the
    /// target's answers reveal, each saying why).
    pub skips: Vec<Skips>,
}

impl Plan {
    /// One line for people: how many cases run, how many will skip and why.
    pub fn summary_line(&self) -> String {
        let skipped: usize = self.skips.iter().map(|s| s.cases).sum();
        let users = match &self.users_from {
            UsersFrom::Given => format!("{} given user(s)", self.users.len()),
            UsersFrom::Discovered => format!("{} user(s) found with GET /users", self.users.len()),
            UsersFrom::Missing(why) => format!("no users ({why})"),
        };
        if skipped == 0 {
            return format!("{} cases, none will skip; {users}", self.selected);
        }
        let reasons: Vec<String> = self
            .skips
            .iter()
            .map(|s| format!("{} {}", s.cases, s.reason))
            .collect();
        format!(
            "{} cases, {skipped} will skip ({}); {users}",
            self.selected,
            reasons.join(", ")
        )
    }
}

/// Why a case needing a user skips without one.
pub const NO_USER: &str = "need a user to assign tokens to: give --user (an id or userPrincipalName) or a credential that may list users (User.Read.All)";
/// Why a writing case skips on a target that does not allow writes.
pub const NO_WRITES: &str = "create resources: need --allow-writes on this target";
/// Why a case minting tokens skips on a target without test controls.
pub const NO_TOKENS: &str = "need tokens with chosen permissions, which only a target with the mock's test controls can mint";
/// Why a case setting the clock skips on a target without test controls.
pub const NO_CLOCK: &str = "set the target's clock, which needs the mock's test controls";

/// The users a run may assign tokens to: `given` when there are any, else the members the target's
/// `GET /users` lists (guests excluded: tokens cannot go to guests), at most [`MAX_DISCOVERED_USERS`].
pub async fn users(target: &Target, given: &[String]) -> (Vec<String>, UsersFrom) {
    if !given.is_empty() {
        return (given.to_vec(), UsersFrom::Given);
    }
    match discover(target).await {
        Ok(users) if users.is_empty() => {
            (users, UsersFrom::Missing("GET /users listed none".into()))
        }
        Ok(users) => (users, UsersFrom::Discovered),
        Err(why) => (Vec::new(), UsersFrom::Missing(why)),
    }
}

async fn discover(target: &Target) -> Result<Vec<String>, String> {
    let token = target
        .token(&Principal::Admin)
        .await
        .map_err(|e| e.to_string())?;
    let url = format!(
        "{}/users?$select=id,userPrincipalName&$top={}",
        target.urls().base(),
        MAX_DISCOVERED_USERS * 2
    );
    let answer = target
        .client()
        .send(Request::new("list users", Method::GET, url).bearer(Some(&token)))
        .await;
    match (answer.status, answer.json()) {
        (Some(200), Some(body)) => Ok(body["value"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|user| {
                !user["userPrincipalName"]
                    .as_str()
                    .is_some_and(|upn| upn.contains("#EXT#"))
            })
            .filter_map(|user| user["id"].as_str().map(str::to_owned))
            .take(MAX_DISCOVERED_USERS)
            .collect()),
        (Some(status), _) => Err(format!("GET /users answered {status}")),
        (None, _) => Err(answer
            .error
            .map(|e| format!("GET /users failed: {e}"))
            .unwrap_or_else(|| "GET /users failed".to_owned())),
    }
}

/// The cases of `cases` that `options` selects and that will skip on a target with these facts, by
/// reason, in the order the reasons are checked at run time.
pub fn predict(
    cases: &[Case],
    options: &RunOptions,
    has_users: bool,
    has_controls: bool,
) -> (usize, Vec<Skips>) {
    let selected: Vec<&Case> = cases.iter().filter(|c| options.selects_case(c)).collect();
    let allow_writes = options.allow_writes || has_controls;
    let mut skips: Vec<Skips> = Vec::new();
    for case in &selected {
        let reason = if case.needs.writes && !allow_writes {
            Some(NO_WRITES)
        } else if case.needs.user && !has_users {
            Some(NO_USER)
        } else if case.needs.tokens && !has_controls {
            Some(NO_TOKENS)
        } else if case.needs.exclusive && !has_controls {
            Some(NO_CLOCK)
        } else {
            None
        };
        if let Some(reason) = reason {
            match skips.iter_mut().find(|s| s.reason == reason) {
                Some(skip) => skip.cases += 1,
                None => skips.push(Skips { reason, cases: 1 }),
            }
        }
    }
    (selected.len(), skips)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    #[test]
    fn a_mock_with_users_skips_nothing() {
        let (selected, skips) = predict(&catalog::all(), &RunOptions::default(), true, true);
        assert!(selected > 200);
        assert_eq!(skips, Vec::new());
    }

    #[test]
    fn a_read_only_real_tenant_skips_every_writing_case_first() {
        let options = RunOptions {
            allow_writes: false,
            ..RunOptions::default()
        };
        let (selected, skips) = predict(&catalog::all(), &options, false, false);
        let writes = skips.iter().find(|s| s.reason == NO_WRITES).unwrap();
        assert!(writes.cases > selected / 2, "{skips:?}");
        assert!(
            skips.iter().all(|s| s.reason != NO_USER),
            "writes come first"
        );
    }

    #[test]
    fn without_users_the_user_cases_skip_and_the_line_says_why() {
        let (selected, skips) = predict(&catalog::all(), &RunOptions::default(), false, true);
        let plan = Plan {
            users: Vec::new(),
            users_from: UsersFrom::Missing("GET /users answered 403".into()),
            selected,
            skips,
        };
        let line = plan.summary_line();
        assert!(line.contains("will skip"), "{line}");
        assert!(line.contains("need a user"), "{line}");
        assert!(
            line.ends_with("no users (GET /users answered 403)"),
            "{line}"
        );
    }
}
