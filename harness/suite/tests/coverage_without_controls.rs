//! A target that hides the mock's test controls (as every real service does), reached with a bearer
//! token and `--user`, is tested as thoroughly where it matters: each of a held-out set of broken
//! endpoints, put behind a proxy, is flagged with the controls hidden just as with them visible. And a
//! standalone target with controls discovers its users and skips nothing the embedded one runs.

mod common;

use std::collections::BTreeSet;

use hwoath_mock::MockTenant;
use hwoath_suite::Group;
use hwoath_suite::{BearerToken, Credentials, Outcome, RunOptions, RunReport, SuiteOptions};
use hwoath_testkit::{Answer, BoxFuture, Forwarded, Honest, Proxy, Rewrite};
use serde_json::Value;

/// One broken endpoint (held out: no other test breaks the mock this way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Broken {
    /// DELETE of a token answers 204 and deletes nothing.
    DeleteKeepsToken,
    /// Activation answers 204 whatever the code.
    ActivateAcceptsAnything,
    /// `$top` is ignored.
    TopIgnored,
    /// An update drops `serialNumber` silently instead of refusing it.
    SerialUpdateIgnored,
    /// The policy's state is not one of its enum values.
    PolicyStateOn,
}

/// How the proxy presents the target.
struct Presented {
    broken: Broken,
    /// `/_hwoath` answers 404, as on a real service.
    hide_controls: bool,
}

impl Rewrite for Presented {
    fn request<'a>(&'a self, request: &'a mut Forwarded) -> BoxFuture<'a, Option<Answer>> {
        Box::pin(async move {
            let path = request.path_only().to_owned();
            if self.hide_controls && path.starts_with("/_hwoath") {
                return Some(Answer::new(404));
            }
            let device_path = path.contains("/hardwareOathDevices/") && !path.ends_with("/$ref");
            match self.broken {
                Broken::DeleteKeepsToken if request.method == "DELETE" && device_path => {
                    Some(request.graph_answer(204))
                }
                Broken::ActivateAcceptsAnything
                    if request.method == "POST" && path.ends_with("/activate") =>
                {
                    Some(request.graph_answer(204))
                }
                Broken::TopIgnored if request.method == "GET" => {
                    request.path = request
                        .path
                        .replace("%24top=", "%24ignored=")
                        .replace("$top=", "$ignored=");
                    None
                }
                Broken::SerialUpdateIgnored if request.method == "PATCH" && device_path => {
                    if let Ok(Value::Object(mut body)) = serde_json::from_slice(&request.body) {
                        body.remove("serialNumber");
                        request.body = serde_json::to_vec(&body).unwrap_or_default();
                    }
                    None
                }
                _ => None,
            }
        })
    }

    fn answer<'a>(&'a self, request: &'a Forwarded, answer: &'a mut Answer) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if self.broken == Broken::PolicyStateOn
                && request.path_only().ends_with("/hardwareOath")
                && let Ok(mut body) = serde_json::from_slice::<Value>(&answer.body)
                && body.get("state").is_some()
            {
                body["state"] = Value::String("on".into());
                answer.body = serde_json::to_vec(&body).unwrap_or_default();
            }
        })
    }
}

/// The groups a target without test controls can run in full (no minted tokens, no clock).
fn groups() -> RunOptions {
    RunOptions {
        groups: vec![
            Group::Validation,
            Group::Lifecycle,
            Group::Odata,
            Group::Navigation,
            Group::Policy,
        ],
        ..RunOptions::default()
    }
}

fn flagged(report: &RunReport) -> BTreeSet<String> {
    report
        .cases
        .iter()
        .filter(|c| c.outcome.is_bad())
        .map(|c| c.id.clone())
        .collect()
}

async fn run_through(tenant: &MockTenant, users: &[String], presented: Presented) -> RunReport {
    let hidden = presented.hide_controls;
    let proxy = Proxy::start(tenant.root_url(), presented).await;
    let credentials = if hidden {
        let token = tenant.token().app(&[
            "Policy.ReadWrite.AuthenticationMethod",
            "UserAuthenticationMethod.ReadWrite.All",
            "User.Read.All",
        ]);
        Credentials::BearerToken(BearerToken::new(token))
    } else {
        Credentials::MockControls
    };
    let options = SuiteOptions {
        users: users.to_vec(),
        ..SuiteOptions::default()
    };
    common::run(&proxy.base_url(), credentials, options, groups()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_broken_endpoint_is_flagged_with_the_controls_hidden_as_with_them() {
    let (tenant, options) = common::mock().await;
    // `--user`: a real service's tester names the users; here two of the fixture's.
    let users = options.users[..2].to_vec();
    let honest = Proxy::start(tenant.root_url(), Honest).await;
    let clean = common::run(
        &honest.base_url(),
        Credentials::MockControls,
        SuiteOptions {
            users: users.clone(),
            ..SuiteOptions::default()
        },
        groups(),
    )
    .await;
    assert_eq!(flagged(&clean), BTreeSet::new(), "the honest proxy passes");
    for broken in [
        Broken::DeleteKeepsToken,
        Broken::ActivateAcceptsAnything,
        Broken::TopIgnored,
        Broken::SerialUpdateIgnored,
        Broken::PolicyStateOn,
    ] {
        let with_controls = run_through(
            &tenant,
            &users,
            Presented {
                broken,
                hide_controls: false,
            },
        )
        .await;
        let without = run_through(
            &tenant,
            &users,
            Presented {
                broken,
                hide_controls: true,
            },
        )
        .await;
        assert_eq!(without.target.kind, "graph", "the controls are hidden");
        let (seen, unseen) = (flagged(&with_controls), flagged(&without));
        assert!(!seen.is_empty(), "{broken:?} is flagged with the controls");
        assert!(
            !unseen.is_empty(),
            "{broken:?} is flagged without the controls"
        );
        // Without controls only the cases that mint tokens or set the clock skip, each saying so;
        // every other case that flags the broken endpoint with the controls flags it without.
        let skipped: BTreeSet<String> = without
            .cases
            .iter()
            .filter(|c| c.outcome == Outcome::Skip)
            .map(|c| c.id.clone())
            .collect();
        for case in without.cases.iter().filter(|c| c.outcome == Outcome::Skip) {
            let reason = case.reasons.join(" ");
            assert!(
                reason.contains("mint") || reason.contains("clock"),
                "{}: skipped for {reason}",
                case.id
            );
        }
        let missed: Vec<&String> = seen
            .iter()
            .filter(|id| !unseen.contains(*id) && !skipped.contains(*id))
            .collect();
        assert!(
            missed.is_empty(),
            "{broken:?}: flagged only with the controls: {missed:?}"
        );
    }
}
