//! The `--state` database over real HTTP: changes survive a restart, concurrent writes all land, a
//! JSON state file of the first format is migrated and kept, and a state that cannot be read or
//! written refuses to start rather than being overwritten or silently not saved.

mod common;

use std::path::Path;

use common::*;
use hwoath_mock::{
    MockError, MockTenant, Opened, PersistError, SavedState, StateFile, read_state_file,
};
use reqwest::StatusCode;
use serde_json::json;

/// What a stopped mock left in its state file.
fn saved(path: &Path) -> SavedState {
    match read_state_file(path).expect("the state file reads") {
        StateFile::Database(saved) => saved,
        other => panic!("not a state database: {other:?}"),
    }
}

/// Why a tenant on the state file at `path` refused to start.
async fn refused_start(path: &Path) -> MockError {
    MockTenant::builder()
        .state_file(path)
        .start()
        .await
        .unwrap_err()
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenant-state.db");
    let (id, assigned) = {
        let h = harness_with(MockTenant::builder().clock(T).state_file(&path)).await;
        assert_eq!(h.tenant.state_opened(), Some(&Opened::Created));
        let id = h.create("STATE-1").await;
        let assigned = h.create_for_amy("STATE-2").await;
        let activate = format!("{ME}/{assigned}/activate");
        assert_eq!(
            h.post_code(&activate, &h.amy()).await.status,
            StatusCode::NO_CONTENT
        );
        h.tenant.shutdown().await;
        (id, assigned)
    };
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    let state = saved(&path);
    assert_eq!(state.devices.len(), 2);
    assert!(
        state
            .devices
            .iter()
            .any(|(_, d)| d.serial_number == "STATE-1" && d.secret_key.expose() == SECRET),
        "the state keeps the tenant's secrets"
    );
    assert_eq!(
        file_names(dir.path()),
        ["tenant-state.db"],
        "a stopped mock leaves its database and nothing else (no log, no temporary file)"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the state file is private to its owner");
    }

    let h = harness_with(MockTenant::builder().clock(T).state_file(&path)).await;
    assert_eq!(h.tenant.state_opened(), Some(&Opened::Existing));
    assert_eq!(h.device(&id).await["status"], "available");
    assert_eq!(h.device(&assigned).await["status"], "activated");
    // The replay guard survives too.
    let replay = h
        .post_code(&format!("{ME}/{assigned}/activate"), &h.amy())
        .await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    h.tenant.check_invariants().unwrap();
    // Tokens created after a restart come after the saved ones in the listing.
    let third = h.create("STATE-3").await;
    let listing = h.get(DEVICES, &h.admin()).await;
    let order = listing.listed("id");
    assert_eq!(order, [id, assigned, third]);
}

#[tokio::test]
async fn a_reset_is_saved_like_any_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let h = harness_with(
        MockTenant::builder()
            .controls(true)
            .clock(T)
            .state_file(&path),
    )
    .await;
    h.create("GONE-1").await;
    let reset = h
        .raw(h.client.post(h.tenant.root_url() + "/_hwoath/reset"))
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    h.create("KEPT-1").await;
    h.tenant.shutdown().await;
    let serials: Vec<_> = saved(&path)
        .devices
        .into_iter()
        .map(|(_, d)| d.serial_number)
        .collect();
    assert_eq!(serials, ["KEPT-1"]);
}

#[tokio::test]
async fn a_json_state_file_is_migrated_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let device = |id: &str, serial: &str| {
        json!({
            "id": id, "displayName": null, "serialNumber": serial, "manufacturer": "C",
            "model": "M", "secretKey": SECRET, "timeIntervalInSeconds": 30,
            "hashFunction": "hmacsha1", "status": "available", "lastUsedMillis": null,
            "assignedTo": null, "method": null, "lastAcceptedStep": 7
        })
    };
    let v1 = json!({
        "version": 1,
        "devices": [device("11111111-0000-0000-0000-000000000001", "OLD-1"),
                    device("11111111-0000-0000-0000-000000000002", "OLD-2")],
        "policy": {"state": "disabled", "includeTargets": []}
    })
    .to_string();
    std::fs::write(&path, &v1).unwrap();

    let h = harness_with(MockTenant::builder().clock(T).state_file(&path)).await;
    let backup = dir.path().join("state.json.v1.json");
    assert_eq!(
        h.tenant.state_opened(),
        Some(&Opened::Migrated {
            backup: backup.clone()
        })
    );
    let listing = h.get(DEVICES, &h.admin()).await;
    let serials = listing.listed("serialNumber");
    assert_eq!(serials, ["OLD-1", "OLD-2"], "in the file's order");
    h.create("NEW-1").await;
    h.tenant.shutdown().await;

    assert_eq!(
        std::fs::read_to_string(&backup).unwrap(),
        v1,
        "the JSON file is kept as it was"
    );
    let state = saved(&path);
    assert_eq!(state.devices.len(), 3);
    assert!(state.policy_is_disabled(), "the policy is migrated too");
    assert_eq!(file_names(dir.path()), ["state.json", "state.json.v1.json"]);
    let h = harness_with(MockTenant::builder().clock(T).state_file(&path)).await;
    assert_eq!(h.tenant.state_opened(), Some(&Opened::Existing));
}

#[tokio::test]
async fn a_corrupt_foreign_or_inconsistent_state_refuses_to_start_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let start = || MockTenant::builder().state_file(&path).start();

    std::fs::write(&path, b"{\"version\": 1, \"devi").unwrap();
    let err = start().await.unwrap_err();
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
    let inconsistent = json!({"version": 1, "devices": [device]}).to_string();
    std::fs::write(&path, &inconsistent).unwrap();
    let err = start().await.unwrap_err();
    assert!(matches!(err, MockError::StateMismatch(_)), "{err}");
    assert!(
        !err.to_string().contains(SECRET),
        "errors never show secrets"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), inconsistent);

    // Some other program's SQLite database, and a file that is nothing known.
    let foreign = dir.path().join("other.sqlite");
    {
        let conn = rusqlite::Connection::open(&foreign).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let before = std::fs::read(&foreign).unwrap();
    let err = refused_start(&foreign).await;
    assert!(
        err.to_string().contains("not one written by hwoath"),
        "{err}"
    );
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
    let noise = dir.path().join("noise.bin");
    std::fs::write(&noise, [0x89u8; 4096]).unwrap();
    let err = refused_start(&noise).await;
    assert!(matches!(err, MockError::State(_)), "{err}");
    assert_eq!(std::fs::read(&noise).unwrap(), [0x89u8; 4096]);
}

#[tokio::test]
async fn a_state_that_cannot_be_written_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    for path in [
        dir.path().join("no-such-dir").join("state.db"),
        dir.path().to_path_buf(),
    ] {
        let err = refused_start(&path).await;
        assert!(
            matches!(err, MockError::State(_)),
            "{}: {err}",
            path.display()
        );
    }
    assert!(!dir.path().join("no-such-dir").exists());
}

#[tokio::test]
async fn two_mocks_never_share_a_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let first = harness_with(MockTenant::builder().clock(T).state_file(&path)).await;
    first.create("FIRST-1").await;
    let err = refused_start(&path).await;
    assert!(
        matches!(err, MockError::State(PersistError::InUse { .. })),
        "{err}"
    );
    // The first one is unharmed.
    first.create("FIRST-2").await;
    first.tenant.shutdown().await;
    assert_eq!(saved(&path).devices.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let h =
        std::sync::Arc::new(harness_with(MockTenant::builder().clock(T).state_file(&path)).await);
    let mut tasks = Vec::new();
    for i in 0..48 {
        let h = h.clone();
        tasks.push(tokio::spawn(
            async move { h.create(&format!("W-{i}")).await },
        ));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let h = std::sync::Arc::into_inner(h).expect("every task is done");
    h.tenant.shutdown().await;
    let mut serials: Vec<_> = saved(&path)
        .devices
        .into_iter()
        .map(|(_, d)| d.serial_number)
        .collect();
    serials.sort();
    let mut expected: Vec<_> = (0..48).map(|i| format!("W-{i}")).collect();
    expected.sort();
    assert_eq!(serials, expected);
}

/// Regression: the assign answer was read from the store after the state file was written, so a
/// concurrent unassign in between turned the `201` body into `null`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assign_answer_is_the_method_it_created_even_if_unassigned_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
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
