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

pub use committer::{Committer, SaveFailed};
pub use database::{FORMAT_VERSION, Opened, StateDb};

use crate::policy::HardwareOathPolicy;
use crate::store::{DeviceRecord, Seq};

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
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

/// The saved inventory (each token with its sequence number) and policy.
#[derive(Debug, Clone, Default)]
pub struct Saved {
    /// Every token with its sequence number, in creation order.
    pub devices: Vec<(Seq, DeviceRecord)>,
    /// The hardware OATH entry of the authentication methods policy.
    pub policy: HardwareOathPolicy,
}

/// What a state path held at start.
#[derive(Debug)]
pub enum Found {
    /// Nothing yet (or an empty file): the tenant starts from its fixture.
    Nothing,
    /// A state database.
    Database(Saved),
    /// A JSON state file of format 1, to migrate.
    JsonV1(Saved),
}

impl Found {
    /// What was saved, if anything.
    pub fn saved(&self) -> Option<&Saved> {
        match self {
            Found::Nothing => None,
            Found::Database(saved) | Found::JsonV1(saved) => Some(saved),
        }
    }
}

/// Reads what `path` holds without changing it: nothing, a state database, or a JSON state file of
/// format 1; anything else is refused.
pub fn read(path: &Path) -> Result<Found, PersistError> {
    let head = match head_of(path) {
        Ok(head) => head,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(source) => {
            return Err(PersistError::Io {
                path: path.display().to_string(),
                source,
            });
        }
    };
    if head.is_empty() {
        Ok(Found::Nothing)
    } else if json_v1::looks_like_json(&head) {
        json_v1::read(path).map(Found::JsonV1)
    } else {
        database::read(path).map(Found::Database)
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
pub fn json_backup_path(path: &Path) -> PathBuf {
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
