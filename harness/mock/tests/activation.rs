//! The activation window over real HTTP: ±2880 steps of the tenant clock (a day either way for 30 s
//! tokens, two days for 60 s tokens; Microsoft Entra, "Time drift correction"), for activate and both
//! assign-and-activate actions; a step never accepted twice; the drift found kept in the state file
//! and never on the wire.

mod common;

use common::*;
use hwoath_mock::MockTenant;
use hwoath_otp::Algorithm;
use reqwest::StatusCode;
use serde_json::json;

const HOUR: i64 = 3600;

/// Creates a 60-second SHA-256 token and returns its id.
async fn create_sixty(h: &Harness, serial: &str) -> String {
    let mut body = device_body(serial);
    body["timeIntervalInSeconds"] = json!(60);
    body["hashFunction"] = json!("hmacsha256");
    let answer = h.post(DEVICES, &h.admin(), body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    answer.body["id"].as_str().unwrap().to_owned()
}

fn sixty(unix: i64) -> String {
    code_with(SECRET, Algorithm::Sha256, 60, unix)
}

fn drift(h: &Harness, id: &str) -> Option<i64> {
    h.tenant
        .devices()
        .into_iter()
        .find(|d| d.id == id)
        .and_then(|d| d.drift_steps)
}

#[tokio::test]
async fn thirty_second_tokens_accept_codes_up_to_a_day_either_way() {
    let h = harness().await;
    let step = T / 30;
    let cases = [
        ("23 h old", T - 23 * HOUR, StatusCode::NO_CONTENT),
        ("25 h old", T - 25 * HOUR, StatusCode::BAD_REQUEST),
        ("23 h ahead", T + 23 * HOUR, StatusCode::NO_CONTENT),
        ("25 h ahead", T + 25 * HOUR, StatusCode::BAD_REQUEST),
    ];
    for (i, (label, at, status)) in cases.into_iter().enumerate() {
        let id = h.create_for_amy(&format!("DAY-{i}")).await;
        let answer = h
            .post(
                &format!("{ME}/{id}/activate"),
                &h.amy(),
                json!({"verificationCode": code_at(at)}),
            )
            .await;
        assert_eq!(answer.status, status, "{label}: {}", answer.text);
        let device = h.device(&id).await;
        if status == StatusCode::NO_CONTENT {
            assert_eq!(device["status"], "activated", "{label}");
            assert_eq!(drift(&h, &id), Some(at / 30 - step), "{label}");
        } else {
            assert_eq!(answer.code(), "invalidRequest", "{label}");
            assert_eq!(device["status"], "failedActivation", "{label}");
            assert_eq!(drift(&h, &id), None, "{label}");
        }
    }
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn sixty_second_tokens_accept_codes_up_to_two_days_either_way() {
    let h = harness().await;
    let amy = h.user_id("Amy Masters");
    let users = format!("/users/{amy}/authentication/hardwareOathMethods");
    let cases = [
        ("47 h old", T - 47 * HOUR, StatusCode::NO_CONTENT),
        ("49 h old", T - 49 * HOUR, StatusCode::BAD_REQUEST),
        ("47 h ahead", T + 47 * HOUR, StatusCode::NO_CONTENT),
        ("49 h ahead", T + 49 * HOUR, StatusCode::BAD_REQUEST),
    ];
    for (i, (label, at, status)) in cases.into_iter().enumerate() {
        let id = create_sixty(&h, &format!("TWO-DAYS-{i}")).await;
        let assign = h
            .post(&users, &h.admin(), json!({"device": {"id": id}}))
            .await;
        assert_eq!(assign.status, StatusCode::CREATED);
        let answer = h
            .post(
                &format!("{users}/{id}/activate"),
                &h.admin(),
                json!({"verificationCode": sixty(at)}),
            )
            .await;
        assert_eq!(answer.status, status, "{label}: {}", answer.text);
        let expected = if status == StatusCode::NO_CONTENT {
            "activated"
        } else {
            "failedActivation"
        };
        assert_eq!(h.device(&id).await["status"], expected, "{label}");
        if status == StatusCode::NO_CONTENT {
            assert_eq!(drift(&h, &id), Some(at / 60 - T / 60), "{label}");
        }
    }
}

#[tokio::test]
async fn assign_and_activate_actions_use_the_same_window() {
    let h = harness().await;
    let by_id = h.create("AAA-1").await;
    let answer = h
        .post(
            &format!("{ME}/assignAndActivate"),
            &h.amy(),
            json!({"device": {"id": by_id}, "verificationCode": code_at(T - 23 * HOUR)}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    assert_eq!(drift(&h, &by_id), Some(-2760));
    let by_serial = create_sixty(&h, "AAA-2").await;
    let path = format!("{ME}/assignAndActivateBySerialNumber");
    let too_old = h
        .post(
            &path,
            &h.amy(),
            json!({"serialNumber": "AAA-2", "verificationCode": sixty(T - 49 * HOUR)}),
        )
        .await;
    assert_eq!(too_old.status, StatusCode::BAD_REQUEST, "{}", too_old.text);
    assert_eq!(
        h.device(&by_serial).await["status"],
        "available",
        "a refused assign-and-activate changes nothing"
    );
    let answer = h
        .post(
            &path,
            &h.amy(),
            json!({"serialNumber": "AAA-2", "verificationCode": sixty(T + 47 * HOUR)}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    assert_eq!(drift(&h, &by_serial), Some(2820));
}

#[tokio::test]
async fn a_step_is_never_accepted_twice_nor_one_older_than_the_last() {
    let h = harness().await;
    let id = h.create_for_amy("REPLAY-1").await;
    let activate = format!("{ME}/{id}/activate");
    let day_old = code_at(T - 23 * HOUR);
    let first = h
        .post(&activate, &h.amy(), json!({"verificationCode": day_old}))
        .await;
    assert_eq!(first.status, StatusCode::NO_CONTENT, "{}", first.text);
    let again = h
        .post(&activate, &h.amy(), json!({"verificationCode": day_old}))
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "the same step twice");
    let older = h
        .post(
            &activate,
            &h.amy(),
            json!({"verificationCode": code_at(T - 23 * HOUR - 300)}),
        )
        .await;
    assert_eq!(
        older.status,
        StatusCode::BAD_REQUEST,
        "a step below the last accepted one, inside the window"
    );
    // Unassigned and reassigned, the token still refuses its used steps.
    let users = format!(
        "/users/{}/authentication/hardwareOathMethods",
        h.user_id("Amy Masters")
    );
    let unassign = h
        .call(
            reqwest::Method::DELETE,
            &format!("{users}/{id}"),
            Some(&h.admin()),
            None,
        )
        .await;
    assert_eq!(unassign.status, StatusCode::NO_CONTENT);
    let reused = h
        .post(
            &format!("{ME}/assignAndActivate"),
            &h.amy(),
            json!({"device": {"id": id}, "verificationCode": day_old}),
        )
        .await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST, "{}", reused.text);
    let counters = h.tenant.counters();
    assert_eq!((counters.activations, counters.failed_activations), (1, 3));
}

#[tokio::test]
async fn the_drift_is_kept_in_the_state_file_and_never_answered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let h = harness_with(MockTenant::builder().clock(T).state_file(&path)).await;
    let id = h.create_for_amy("SKEW-1").await;
    let answer = h
        .post(
            &format!("{ME}/{id}/activate"),
            &h.amy(),
            json!({"verificationCode": code_at(T + 2 * HOUR)}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    for read in [
        h.get(&format!("{DEVICES}/{id}"), &h.admin()).await,
        h.get(&format!("{ME}/{id}"), &h.amy()).await,
        h.get(ME, &h.amy()).await,
    ] {
        assert_eq!(read.status, StatusCode::OK);
        assert!(
            !read.text.to_ascii_lowercase().contains("drift"),
            "{}",
            read.text
        );
    }
    h.tenant.shutdown().await;
    let Ok(hwoath_mock::StateFile::Database(saved)) = hwoath_mock::read_state_file(&path) else {
        panic!("the state database reads");
    };
    assert_eq!(saved.devices[0].1.drift_steps, Some(240));
    let restarted = harness_with(MockTenant::builder().clock(T).state_file(&path)).await;
    assert_eq!(drift(&restarted, &id), Some(240));
}
