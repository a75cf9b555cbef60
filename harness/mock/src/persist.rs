//! The optional state file: read once at start, rewritten atomically (temp file in the same
//! directory, fsync, rename, fsync of the directory) after every change, so a crash mid-write leaves
//! either the old or the new file, never a torn one. It holds the tenant's secrets and is never logged.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::store::PersistedState;

/// Why the state file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// Reading, writing or renaming failed.
    #[error("state file {path}: {source}")]
    Io {
        /// The state file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a state file of this version.
    #[error("state file {path} is not valid: {reason}")]
    Invalid {
        /// The state file.
        path: String,
        /// What is wrong (never includes file content).
        reason: String,
    },
}

/// A state file and the generation (number of changes) of the last snapshot written to it.
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    written: Mutex<u64>,
    temp_counter: AtomicU64,
}

impl StateFile {
    /// A state file at `path` (created on the first change if absent).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            written: Mutex::new(0),
            temp_counter: AtomicU64::new(0),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io_error(&self, source: std::io::Error) -> PersistError {
        PersistError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Reads the saved state, or `None` when the file does not exist yet.
    pub fn load(&self) -> Result<Option<PersistedState>, PersistError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_error(e)),
        };
        let state: PersistedState =
            serde_json::from_slice(&bytes).map_err(|e| PersistError::Invalid {
                path: self.path.display().to_string(),
                reason: format!(
                    "line {}, column {}: {:?}",
                    e.line(),
                    e.column(),
                    e.classify()
                ),
            })?;
        if state.version != 1 {
            return Err(PersistError::Invalid {
                path: self.path.display().to_string(),
                reason: format!("unsupported version {}", state.version),
            });
        }
        Ok(Some(state))
    }

    /// Removes the temporary files a crash mid-write left beside the state file (`.{name}.tmp-*`);
    /// call it at start, once the state file has loaded, before any write.
    pub fn remove_leftovers(&self) {
        let prefix = format!(".{}.tmp-", self.file_name());
        let Ok(entries) = fs::read_dir(self.dir()) else {
            return;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".into())
    }

    /// Makes the change numbered `generation` durable, then returns: unless a snapshot at least that
    /// new is already written, takes the newest snapshot from `latest` (its generation and bytes, never
    /// older than `generation`) and writes it atomically. Writers queue on one lock, so a change that
    /// waited behind another write usually finds itself covered by the next one (group commit).
    pub fn save(
        &self,
        generation: u64,
        latest: impl FnOnce() -> (u64, Vec<u8>),
    ) -> Result<(), PersistError> {
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        if generation <= *written {
            return Ok(());
        }
        let (newest, bytes) = latest();
        let dir = self.dir();
        let temp = dir.join(format!(
            ".{}.tmp-{}-{}",
            self.file_name(),
            std::process::id(),
            self.temp_counter.fetch_add(1, Ordering::Relaxed)
        ));
        let result = write_synced(&temp, &bytes).and_then(|()| fs::rename(&temp, &self.path));
        if let Err(e) = result {
            let _ = fs::remove_file(&temp);
            return Err(self.io_error(e));
        }
        // Make the rename itself durable; not every platform can open a directory, so errors are ignored.
        if let Ok(dir) = File::open(&dir) {
            let _ = dir.sync_all();
        }
        *written = newest.max(generation);
        Ok(())
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_no_temp_files_left() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path().join("state.json"));
        assert!(file.load().unwrap().is_none());
        let state = PersistedState {
            version: 1,
            devices: Vec::new(),
            policy: Default::default(),
        };
        let bytes = serde_json::to_vec(&state).unwrap();
        file.save(1, || (1, bytes.clone())).unwrap();
        assert_eq!(file.load().unwrap().unwrap().devices.len(), 0);
        // A change already covered by a written snapshot writes nothing.
        file.save(1, || panic!("not asked for")).unwrap();
        // A later change takes the newest snapshot, which covers the changes after it too.
        file.save(2, || (4, bytes.clone())).unwrap();
        file.save(3, || panic!("generation 3 is covered by 4"))
            .unwrap();
        assert!(file.load().is_ok());
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_crash_before_the_rename_leaves_the_old_file_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path().join("state.json"));
        let state = PersistedState {
            version: 1,
            devices: Vec::new(),
            policy: Default::default(),
        };
        let bytes = serde_json::to_vec(&state).unwrap();
        file.save(1, || (1, bytes.clone())).unwrap();
        // What a crash mid-write leaves behind: a half-written temporary file beside the state file.
        fs::write(
            dir.path().join(".state.json.tmp-1-0"),
            b"{\"version\":1,\"dev",
        )
        .unwrap();
        assert!(file.load().unwrap().is_some());
        file.save(2, || (2, bytes.clone())).unwrap();
        assert!(file.load().unwrap().is_some());
        // The next start clears the leftover, and only it.
        fs::write(dir.path().join("other.json"), b"{}").unwrap();
        file.remove_leftovers();
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["other.json", "state.json"]);
    }

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
        let state = StateFile::new(&path).load().unwrap().unwrap();
        assert!(!state.policy.is_disabled());
        assert_eq!(state.devices[0].drift_steps, None);
        assert_eq!(state.devices[0].last_accepted_step, Some(7));
    }

    #[test]
    fn a_torn_file_is_reported_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        fs::write(&path, b"{\"version\":1,\"devi").unwrap();
        assert!(matches!(
            StateFile::new(&path).load(),
            Err(PersistError::Invalid { .. })
        ));
    }
}
