//! The hardware OATH entry of the authentication methods policy over real HTTP: read, change,
//! permissions, persistence, and the `policy_disabled` behaviour option.

mod common;

use common::*;
use hwoath_mock::{MockTenant, PolicyDisabled};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const POLICY: &str =
    "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/hardwareOath";
const DISABLED_MESSAGE: &str =
    "The hardware OATH authentication method is disabled in the authentication methods policy.";

async fn patch(h: &Harness, token: &str, body: Value) -> Answer {
    h.call(Method::PATCH, POLICY, Some(token), Some(body)).await
}

#[tokio::test]
async fn the_policy_reads_enabled_and_changes_with_patch() {
    let h = harness().await;
    let answer = h.get(POLICY, &h.admin()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(
        answer.body,
        json!({
            "@odata.context": format!(
                "{}/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity",
                h.tenant.base_url()
            ),
            "@odata.type": "#microsoft.graph.hardwareOathAuthenticationMethodConfiguration",
            "id": "HardwareOath",
            "state": "enabled",
            "excludeTargets": [],
            "includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}],
        })
    );
    let disable = patch(
        &h,
        &h.admin(),
        json!({"@odata.type": "#microsoft.graph.hardwareOathAuthenticationMethodConfiguration", "state": "disabled"}),
    )
    .await;
    assert_eq!(disable.status, StatusCode::NO_CONTENT, "{}", disable.text);
    assert_eq!(h.get(POLICY, &h.admin()).await.body["state"], "disabled");
    let targets = json!({
        "includeTargets": [{"targetType": "group", "id": "g1", "isRegistrationRequired": true}],
        "excludeTargets": [{"targetType": "user", "id": h.user_id("Helga")}],
    });
    let answer = patch(&h, &h.admin(), targets.clone()).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    let read = h.get(POLICY, &h.admin()).await.body;
    assert_eq!(read["includeTargets"], targets["includeTargets"]);
    assert_eq!(read["excludeTargets"], targets["excludeTargets"]);
    assert_eq!(read["state"], "disabled", "absent properties are kept");
    for bad in [
        json!({"state": "paused"}),
        json!({"state": null}),
        json!({"colour": "red"}),
        json!({"id": "Fido2"}),
        json!({"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration"}),
        json!({"includeTargets": {}}),
        json!("enabled"),
    ] {
        let answer = patch(&h, &h.admin(), bad.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            answer.text
        );
        assert_eq!(answer.code(), "invalidRequest", "{bad}");
    }
    let reset = h.call(Method::POST, "/_hwoath/reset", None, None).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    assert_eq!(h.get(POLICY, &h.admin()).await.body["state"], "enabled");
}

#[tokio::test]
async fn policy_permissions() {
    let h = harness().await;
    let t = h.tenant.token();
    let megan = h.user_id("Megan Bowen"); // Global Reader
    let alex = h.user_id("Alex Wilber"); // Authentication Policy Administrator
    for (label, token, read, write) in [
        ("app Policy.Read.All", t.app(&["Policy.Read.All"]), 200, 403),
        (
            "app Policy.ReadWrite.AuthenticationMethod",
            t.app(&["Policy.ReadWrite.AuthenticationMethod"]),
            200,
            204,
        ),
        (
            "app methods only",
            t.app(&["UserAuthenticationMethod.ReadWrite.All"]),
            403,
            403,
        ),
        (
            "global reader",
            t.delegated(&megan, &["Policy.Read.All"]),
            200,
            403,
        ),
        (
            "policy administrator",
            t.delegated(&alex, &["Policy.ReadWrite.AuthenticationMethod"]),
            200,
            204,
        ),
        (
            "no role",
            t.delegated(
                &h.user_id("Amy Masters"),
                &["Policy.ReadWrite.AuthenticationMethod"],
            ),
            403,
            403,
        ),
    ] {
        let got = h.get(POLICY, &token).await;
        assert_eq!(got.status.as_u16(), read, "{label} read: {}", got.text);
        let changed = patch(&h, &token, json!({"state": "enabled"})).await;
        assert_eq!(
            changed.status.as_u16(),
            write,
            "{label} write: {}",
            changed.text
        );
        if write == 403 {
            assert_eq!(changed.code(), "accessDenied", "{label}");
        }
    }
    let anonymous = h.call(Method::GET, POLICY, None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn by_default_a_disabled_policy_leaves_the_token_endpoints_working() {
    let h = harness().await;
    assert_eq!(
        patch(&h, &h.admin(), json!({"state": "disabled"}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let id = h.create_for_amy("POL-ALLOW-1").await;
    let answer = h.post_code(&format!("{ME}/{id}/activate"), &h.amy()).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
}

#[tokio::test]
async fn with_policy_disabled_refuse_assignments_and_activations_answer_400() {
    let h = harness_with(
        MockTenant::builder()
            .controls(true)
            .clock(T)
            .policy_disabled(PolicyDisabled::Refuse),
    )
    .await;
    let amy = h.user_id("Amy Masters");
    let held = h.create_for_amy("POL-1").await;
    let free = h.create("POL-2").await;
    assert_eq!(
        patch(&h, &h.admin(), json!({"state": "disabled"}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let mut assign_to = device_body("POL-3");
    assign_to["assignTo"] = json!({"id": amy});
    let refused: Vec<(&str, Method, String, Value)> = vec![
        (
            "create with assignTo",
            Method::POST,
            DEVICES.into(),
            assign_to,
        ),
        (
            "assign",
            Method::POST,
            ME.into(),
            json!({"device": {"id": free}}),
        ),
        (
            "activate",
            Method::POST,
            format!("{ME}/{held}/activate"),
            json!({"verificationCode": code_at(T)}),
        ),
        (
            "assignAndActivate",
            Method::POST,
            format!("{ME}/assignAndActivate"),
            json!({"device": {"id": free}, "verificationCode": code_at(T)}),
        ),
        (
            "assignAndActivateBySerialNumber",
            Method::POST,
            format!("{ME}/assignAndActivateBySerialNumber"),
            json!({"serialNumber": "POL-2", "verificationCode": code_at(T)}),
        ),
        (
            "inventory $ref",
            Method::PUT,
            format!("{DEVICES}/{free}/assignTo/$ref"),
            json!({"@odata.id": format!("https://graph.microsoft.com/beta/users/{amy}")}),
        ),
        (
            "method $ref",
            Method::PUT,
            format!("{ME}/{free}/device/assignTo/$ref"),
            json!({"@odata.id": format!("https://graph.microsoft.com/beta/users/{amy}")}),
        ),
    ];
    for (label, method, path, body) in refused {
        let token = if path.starts_with(ME) {
            h.amy()
        } else {
            h.admin()
        };
        let answer = h.call(method, &path, Some(&token), Some(body)).await;
        answer.assert_invalid_request(label);
        assert_eq!(answer.body["error"]["message"], DISABLED_MESSAGE, "{label}");
    }
    assert_eq!(
        h.device(&held).await["status"],
        "assigned",
        "nothing changed"
    );
    assert_eq!(h.device(&free).await["status"], "available");
    assert_eq!(h.tenant.counters().failed_activations, 0);
    // What stays possible: creating without assignTo, reading, unassigning, deactivating.
    h.create("POL-4").await;
    let unassign = h.delete(&format!("{ME}/{held}"), &h.amy()).await;
    assert_eq!(unassign.status, StatusCode::NO_CONTENT);
    // Enabled again, everything works.
    assert_eq!(
        patch(&h, &h.admin(), json!({"state": "enabled"}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let answer = h
        .post(
            &format!("{ME}/assignAndActivate"),
            &h.amy(),
            json!({"device": {"id": free}, "verificationCode": code_at(T)}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn the_policy_survives_a_restart_with_a_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let h = harness_with(MockTenant::builder().clock(T).state_file(&path)).await;
    assert_eq!(
        patch(&h, &h.admin(), json!({"state": "disabled"}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    h.tenant.shutdown().await;
    let Ok(hwoath_mock::StateFile::Database(saved)) = hwoath_mock::read_state_file(&path) else {
        panic!("the state database reads");
    };
    assert!(saved.policy_is_disabled());
    let h = harness_with(MockTenant::builder().clock(T).state_file(&path)).await;
    assert_eq!(h.get(POLICY, &h.admin()).await.body["state"], "disabled");
}
