//! The first state format: one JSON document holding the whole inventory, which earlier versions of
//! the mock rewrote after every change. It is read once, to migrate it into the state database.

use std::fs;
use std::path::Path;

use serde::Deserialize;

use super::{PersistError, SavedState};
use crate::policy::HardwareOathPolicy;
use crate::records::DeviceRecord;

/// What a version 1 state file holds.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StateV1 {
    /// Format version (1).
    version: u32,
    /// Every inventory token, secrets included, in creation order.
    devices: Vec<DeviceRecord>,
    /// The hardware OATH entry of the authentication methods policy (absent in older files: enabled).
    #[serde(default)]
    policy: HardwareOathPolicy,
}

/// Whether `bytes` look like a JSON state file rather than a database (a JSON object first).
pub(crate) fn looks_like_json(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}

/// Reads a version 1 state file; tokens are numbered in file order from 1.
pub(crate) fn read(path: &Path) -> Result<SavedState, PersistError> {
    let invalid = |reason: String| PersistError::Invalid {
        path: path.display().to_string(),
        reason,
    };
    let bytes = fs::read(path).map_err(|source| PersistError::Io {
        path: path.display().to_string(),
        source,
    })?;
    // The reason never quotes the file: it holds secrets.
    let state: StateV1 = serde_json::from_slice(&bytes).map_err(|e| {
        invalid(format!(
            "line {}, column {}: {:?}",
            e.line(),
            e.column(),
            e.classify()
        ))
    })?;
    if state.version != 1 {
        return Err(invalid(format!("unsupported version {}", state.version)));
    }
    Ok(SavedState {
        devices: (1..).zip(state.devices).collect(),
        policy: state.policy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_written_before_the_policy_and_drift_fields_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let old = r#"{"version": 1, "devices": [{"id": "d1", "displayName": null,
            "serialNumber": "S1", "manufacturer": "C", "model": "M",
            "secretKey": "JBSWY3DPEHPK3PXPJBSWY3DP", "timeIntervalInSeconds": 30,
            "hashFunction": "hmacsha1", "status": "available", "lastUsedMillis": null,
            "assignedTo": null, "method": null, "lastAcceptedStep": 7}]}"#;
        fs::write(&path, old).unwrap();
        assert!(looks_like_json(old.as_bytes()));
        let saved = read(&path).unwrap();
        assert!(!saved.policy.is_disabled());
        let (seq, device) = &saved.devices[0];
        assert_eq!(*seq, 1);
        assert_eq!(device.drift_steps, None);
        assert_eq!(device.last_accepted_step, Some(7));
    }

    #[test]
    fn a_torn_or_foreign_file_is_reported_without_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        fs::write(
            &path,
            b"{\"version\":1,\"devices\":[{\"secretKey\":\"JBSWY3DP",
        )
        .unwrap();
        let err = read(&path).unwrap_err();
        assert!(matches!(err, PersistError::Invalid { .. }));
        assert!(!err.to_string().contains("JBSWY3DP"), "{err}");
        fs::write(&path, br#"{"version": 2, "devices": []}"#).unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("version 2"));
        assert!(!looks_like_json(b"SQLite format 3\0"));
    }
}
