//! Group `policy`: the tenant's hardwareOath authentication method configuration, which must be enabled
//! for hardware tokens to be used. Cases read it, and write back the state they found (never change it).

use reqwest::Method;
use serde_json::json;

use crate::case::{Abort, Case, CaseRun, Group, script};
use crate::client::{Exchange, Request};
use crate::endpoints::Op;
use crate::rules;
use crate::steps;
use crate::wording;

/// The `@odata.type` of the configuration.
const CONFIGURATION_TYPE: &str = "#microsoft.graph.hardwareOathAuthenticationMethodConfiguration";

async fn read(run: &mut CaseRun, step: &str) -> Result<Exchange, Abort> {
    let url = run.ctx().target.urls().policy();
    steps::admin_send(run, Op::GetPolicy, Request::new(step, Method::GET, url)).await
}

/// GET answers the configuration: its type, and a state of `enabled` or `disabled`.
async fn read_policy(run: &mut CaseRun) -> Result<(), Abort> {
    let exchange = read(run, "get policy").await?;
    run.require_status(&exchange, &[200], rules::POLICY)?;
    let kind = exchange.str_at("/@odata.type");
    run.expect(
        kind.as_deref() == Some(CONFIGURATION_TYPE),
        rules::POLICY,
        || {
            format!(
                "@odata.type is {}, expected {CONFIGURATION_TYPE}",
                wording::quoted_or_absent(kind.as_deref())
            )
        },
    );
    let id = exchange.str_at("/id");
    run.expect(
        id.as_deref()
            .is_some_and(|id| id.eq_ignore_ascii_case("hardwareOath")),
        rules::POLICY,
        || {
            format!(
                "id is {}, expected HardwareOath",
                wording::quoted_or_absent(id.as_deref())
            )
        },
    );
    if let Some(state) = exchange.str_at("/state") {
        run.observe(format!("hardwareOath policy state: {state}"));
    }
    Ok(())
}

/// PATCH with the state the tenant already has answers 204 and changes nothing.
async fn write_same_state(run: &mut CaseRun) -> Result<(), Abort> {
    let before = read(run, "get policy").await?;
    run.require_status(&before, &[200], rules::POLICY)?;
    let Some(state) = before.str_at("/state") else {
        run.expect(false, rules::POLICY, || {
            "the policy answer has no state".to_owned()
        });
        return Err(Abort::Stop);
    };
    let url = run.ctx().target.urls().policy();
    let body = json!({"@odata.type": CONFIGURATION_TYPE, "state": state});
    let exchange = steps::admin_send(
        run,
        Op::UpdatePolicy,
        Request::new("patch policy, same state", Method::PATCH, url).json(body),
    )
    .await?;
    run.expect_status(&exchange, &[204], rules::POLICY);
    let after = read(run, "get policy again").await?;
    let now = after.str_at("/state");
    run.expect(
        now.as_deref() == Some(state.as_str()),
        rules::POLICY,
        || {
            format!(
                "state is {} after writing {}",
                wording::quoted_or_absent(now.as_deref()),
                wording::quoted(&state)
            )
        },
    );
    Ok(())
}

/// The `policy` group.
pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            Group::Policy,
            "read",
            "GET the hardwareOath authentication method configuration -> 200, its type and state"
                .to_owned(),
            rules::POLICY,
            script(|run: &mut CaseRun| Box::pin(read_policy(run))),
        ),
        Case::new(
            Group::Policy,
            "write-same-state",
            "PATCH the configuration with the state it has -> 204, the state unchanged".to_owned(),
            rules::POLICY,
            script(|run: &mut CaseRun| Box::pin(write_same_state(run))),
        )
        .writes(),
    ]
}
