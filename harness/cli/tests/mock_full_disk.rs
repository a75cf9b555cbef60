//! `hwoath mock --state FILE` on a disk that fills up while it runs, as a separate process on a real
//! (tiny) file system: a change that cannot be saved is answered 503 `serviceNotAvailable` with
//! `Retry-After` and never seen; reads keep working; once space is freed the same request succeeds;
//! and after a kill -9 the restarted mock holds exactly what was acknowledged. A disk already full
//! refuses the start.
//!
//! It mounts a 4 MiB tmpfs, so it needs root (as in CI): without it, it says so and passes, unless
//! `HWOATH_REQUIRE_FULL_DISK=1` makes a missing mount a failure (`.ci/run` sets it).

mod support;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::process::Command;

use hwoath_mock::{Fixture, SigningKey, TokenRequest};
use serde_json::json;
use support::small_disk::SmallDisk;
use support::{StandaloneMock, http};

const DEVICES: &str = "/beta/directory/authenticationMethodDevices/hardwareOathDevices";

fn admin_token() -> String {
    TokenRequest::app(&[
        "Policy.ReadWrite.AuthenticationMethod",
        "UserAuthenticationMethod.ReadWrite.All",
    ])
    .mint(&SigningKey::development(), &Fixture::default().tenant_id)
}

fn device(serial: &str) -> serde_json::Value {
    json!({
        "serialNumber": serial, "manufacturer": "Contoso", "model": "Full disk",
        "secretKey": "6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB", "timeIntervalInSeconds": 30,
        "hashFunction": "hmacsha1"
    })
}

/// The serials the tenant lists (one page is enough: the test creates few).
fn listed(mock: &StandaloneMock, token: &str) -> BTreeSet<String> {
    let answer = http(
        &mock.authority(),
        "GET",
        &format!("{DEVICES}?$top=999"),
        token,
        None,
    )
    .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["serialNumber"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_full_disk_refuses_changes_with_503_and_loses_nothing_acknowledged() {
    let Some(disk) = SmallDisk::mount() else {
        return;
    };
    let state = disk.path().join("state.db");
    let args = [OsStr::new("--state"), state.as_os_str()];
    let token = admin_token();
    let mock = StandaloneMock::start(&args);
    let authority = mock.authority();
    let mut acknowledged = BTreeSet::new();
    for i in 0..5 {
        let serial = format!("BEFORE-{i}");
        let answer = http(&authority, "POST", DEVICES, &token, Some(&device(&serial))).unwrap();
        assert_eq!(answer.status, 201, "{}", answer.body);
        acknowledged.insert(serial);
    }

    let filler = disk.fill();
    // The database may still have room in pages it already holds: write until a change is refused.
    let mut refused = None;
    for i in 0..2000 {
        let serial = format!("DURING-{i}");
        let answer = http(&authority, "POST", DEVICES, &token, Some(&device(&serial))).unwrap();
        match answer.status {
            201 => {
                acknowledged.insert(serial);
            }
            503 => {
                refused = Some((serial, answer));
                break;
            }
            other => panic!("a full disk answered {other}: {}", answer.body),
        }
    }
    let (serial, answer) = refused.expect("a full disk refuses a change");
    eprintln!(
        "full disk: {serial} refused after {} acknowledged writes",
        acknowledged.len()
    );
    assert_eq!(answer.body["error"]["code"], "serviceNotAvailable");
    assert!(answer.body["error"]["innerError"]["request-id"].is_string());
    let retry_after: u64 = answer
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert_eq!(
        listed(&mock, &token),
        acknowledged,
        "reads keep working and never see the refused change"
    );
    // Other changes are refused the same way while the disk stays full.
    let delete = http(
        &authority,
        "DELETE",
        &format!("{DEVICES}/{}", "00000000-0000-0000-0000-000000000000"),
        &token,
        None,
    )
    .unwrap();
    assert!(
        matches!(delete.status, 404 | 503),
        "a change that touches nothing is no 5xx of its own: {}",
        delete.status
    );

    std::fs::remove_file(&filler).unwrap();
    let retried = http(&authority, "POST", DEVICES, &token, Some(&device(&serial))).unwrap();
    assert_eq!(
        retried.status, 201,
        "with space again the same request succeeds (the serial was never taken): {}",
        retried.body
    );
    acknowledged.insert(serial);
    assert_eq!(listed(&mock, &token), acknowledged);

    mock.kill();
    let mock = StandaloneMock::start(&args);
    assert_eq!(
        listed(&mock, &token),
        acknowledged,
        "after kill -9 the state holds exactly what was acknowledged"
    );
    drop(mock);

    // A disk already full refuses the start instead of answering 201s it cannot keep.
    let filler = disk.fill();
    let fresh = disk.path().join("fresh.db");
    let output = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(["mock", "--quiet", "--addr", "127.0.0.1:0", "--state"])
        .arg(&fresh)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = support::text(&output.stderr);
    assert!(
        stderr.contains("fresh.db") && stderr.contains("full"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(disk.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("fresh"))
        .collect();
    assert!(left.is_empty(), "nothing is left behind: {left:?}");
    std::fs::remove_file(filler).unwrap();
}
