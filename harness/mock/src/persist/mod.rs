//! The optional state store: an SQLite database (`--state FILE`) the mock reads once at start and
//! writes every change to before it answers. See [`StateDb`] for the format and durability, and
//! [`Committer`] for how concurrent changes share one durable commit.
//!
//! A JSON state file written by an earlier version (format 1) is migrated into a database at the
//! same path on first start; the JSON file is kept beside it. The database holds the tenant's
//! secrets: it is created readable by its owner only, and nothing from it is ever logged.

mod committer;
mod database;
mod json_v1;

use std::path::{Path, PathBuf};

pub(crate) use committer::Committer;
pub use database::Opened;
pub(crate) use database::StateDb;

use crate::policy::HardwareOathPolicy;
use crate::records::DeviceRecord;

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PersistError {
    /// Reading, writing or renaming a file failed.
    #[error("state file {path}: {source}")]
    Io {
        /// The state file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database refused an operation.
    #[error("state file {path}: {source}")]
    Database {
        /// The state file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The file is not a state file the mock can read.
    #[error("state file {path} is not valid: {reason}")]
    Invalid {
        /// The state file.
        path: String,
        /// What is wrong (never includes file content).
        reason: String,
    },
    /// Another process has the database open.
    #[error(
        "state file {path} is in use by another process (another `hwoath mock` on the same file?)"
    )]
    InUse {
        /// The state file.
        path: String,
    },
}

/// What a state file saved: the inventory (each token with its sequence number) and the policy.
#[derive(Debug, Clone, Default)]
pub struct SavedState {
    /// Every token with its sequence number, in creation order.
    pub devices: Vec<(u64, DeviceRecord)>,
    /// The hardware OATH entry of the authentication methods policy.
    pub(crate) policy: HardwareOathPolicy,
}

impl SavedState {
    /// Whether the saved policy has the hardware OATH method disabled.
    pub fn policy_is_disabled(&self) -> bool {
        self.policy.is_disabled()
    }
}

/// What a state path holds (see [`read_state_file`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum StateFile {
    /// Nothing yet (or an empty file): the tenant starts from its fixture.
    Nothing,
    /// A state database.
    Database(SavedState),
    /// A JSON state file of format 1, to migrate.
    JsonV1(SavedState),
}

/// Reads what the state file at `path` holds without changing it: nothing, a state database, or a
/// JSON state file of format 1; anything else is refused.
pub fn read_state_file(path: &Path) -> Result<StateFile, PersistError> {
    let head = match head_of(path) {
        Ok(head) => head,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StateFile::Nothing),
        Err(source) => {
            return Err(PersistError::Io {
                path: path.display().to_string(),
                source,
            });
        }
    };
    if head.is_empty() {
        Ok(StateFile::Nothing)
    } else if json_v1::looks_like_json(&head) {
        json_v1::read(path).map(StateFile::JsonV1)
    } else {
        database::read(path).map(StateFile::Database)
    }
}

/// The first bytes of a file.
fn head_of(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(64);
    std::fs::File::open(path)?.take(64).read_to_end(&mut head)?;
    Ok(head)
}

/// Where a migrated JSON state file is kept: `FILE.v1.json`, or `FILE.v1-N.json` when that is taken.
pub(crate) fn json_backup_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let dir = path.parent().unwrap_or(Path::new(""));
    std::iter::once(dir.join(format!("{name}.v1.json")))
        .chain((2..).map(|n| dir.join(format!("{name}.v1-{n}.json"))))
        .find(|candidate| !candidate.exists())
        .expect("an unbounded sequence of names has a free one")
}
