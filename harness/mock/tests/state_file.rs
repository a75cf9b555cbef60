//! The `--state` file over real HTTP: changes survive a restart, writes are atomic, a corrupt file
//! refuses to start rather than being overwritten.

mod common;

use common::*;
use hwoath_mock::{MockError, MockTenant};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenant-state.json");
    let (id, assigned) = {
        let h = harness_with(MockTenant::builder().clock(T).state_file(&path)).await;
        let id = h.create("STATE-1").await;
        let assigned = h.create_for_amy("STATE-2").await;
        let activate = format!("{ME}/{assigned}/activate");
        assert_eq!(
            h.post(&activate, &h.amy(), json!({"verificationCode": code_at(T)}))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        h.tenant.shutdown().await;
        (id, assigned)
    };
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("STATE-1") && text.contains(SECRET),
        "the state file keeps the tenant's secrets"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names.len(),
        1,
        "no temporary files are left behind: {names:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the state file is private to its owner");
    }

    let h = harness_with(MockTenant::builder().clock(T).state_file(&path)).await;
    assert_eq!(h.device(&id).await["status"], "available");
    assert_eq!(h.device(&assigned).await["status"], "activated");
    // The replay guard survives too.
    let replay = h
        .post(
            &format!("{ME}/{assigned}/activate"),
            &h.amy(),
            json!({"verificationCode": code_at(T)}),
        )
        .await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn a_corrupt_or_inconsistent_state_file_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, b"{\"version\": 1, \"devi").unwrap();
    let err = MockTenant::builder()
        .state_file(&path)
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, MockError::State(_)), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"{\"version\": 1, \"devi",
        "the file is left alone"
    );

    let device = json!({
        "id": "d1", "serialNumber": "S", "manufacturer": "M", "model": "M", "secretKey": SECRET,
        "timeIntervalInSeconds": 30, "hashFunction": "hmacsha1", "status": "assigned",
        "assignedTo": "no-such-user", "method": {"createdMillis": 0}
    });
    std::fs::write(
        &path,
        json!({"version": 1, "devices": [device]}).to_string(),
    )
    .unwrap();
    let err = MockTenant::builder()
        .state_file(&path)
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, MockError::StateMismatch(_)), "{err}");
    assert!(
        !err.to_string().contains(SECRET),
        "errors never show secrets"
    );
}

#[tokio::test]
async fn many_writes_leave_a_valid_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let h =
        std::sync::Arc::new(harness_with(MockTenant::builder().clock(T).state_file(&path)).await);
    let mut tasks = Vec::new();
    for i in 0..24 {
        let h = h.clone();
        tasks.push(tokio::spawn(
            async move { h.create(&format!("W-{i}")).await },
        ));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        saved["devices"].as_array().unwrap().len(),
        24,
        "the last snapshot written is the newest"
    );
}

/// Regression: the assign answer was read from the store after the state file was written, so a
/// concurrent unassign in between turned the `201` body into `null`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assign_answer_is_the_method_it_created_even_if_unassigned_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let h =
        std::sync::Arc::new(harness_with(MockTenant::builder().clock(T).state_file(&path)).await);
    let id = h.create("RACE-1").await;
    let methods = format!(
        "/users/{}/authentication/hardwareOathMethods",
        h.user_id("Amy Masters")
    );
    let unassigner = {
        let (h, id, methods) = (h.clone(), id.clone(), methods.clone());
        tokio::spawn(async move {
            let mut unassigned = 0;
            while unassigned < 100 {
                let answer = h
                    .call(
                        reqwest::Method::DELETE,
                        &format!("{methods}/{id}"),
                        Some(&h.admin()),
                        None,
                    )
                    .await;
                if answer.status == StatusCode::NO_CONTENT {
                    unassigned += 1;
                }
            }
        })
    };
    let mut assigned = 0;
    while !unassigner.is_finished() {
        let answer = h
            .post(&methods, &h.admin(), json!({"device": {"id": id}}))
            .await;
        if answer.status == StatusCode::CREATED {
            assigned += 1;
            assert_eq!(answer.body["id"], id.as_str(), "{}", answer.text);
            assert_eq!(answer.body["device"]["status"], "assigned");
        }
    }
    unassigner.await.unwrap();
    assert!(assigned >= 100);
    h.tenant.check_invariants().unwrap();
}
