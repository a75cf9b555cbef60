//! The state database: SQLite (bundled, so every build has the same engine) in WAL mode with
//! `synchronous = FULL`, so a commit is on disk when it returns and a crash at any moment leaves the
//! last committed state. One row per token keyed by its sequence number, plus a key-value table for
//! the policy and the format marker.
//!
//! The connection holds an exclusive lock for as long as the mock runs, so two mocks never share one
//! file; inspect a stopped mock's state with any SQLite tool (`sqlite3 FILE 'select record from
//! devices'`), keeping in mind that it holds the tokens' secrets.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::{PersistError, SavedState, json_backup_path};
use crate::policy::HardwareOathPolicy;
use crate::records::DeviceRecord;
use crate::store::ChangeSet;

/// The database format written by this version (the JSON state file was format 1).
pub(crate) const FORMAT_VERSION: i64 = 2;

/// `PRAGMA application_id` of a state database: "hwoa".
const APPLICATION_ID: i64 = 0x6877_6f61;

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS devices (
        seq INTEGER PRIMARY KEY NOT NULL,
        id TEXT NOT NULL UNIQUE,
        serial_number TEXT NOT NULL UNIQUE,
        record TEXT NOT NULL
    ) STRICT;
";

/// An open state database, written by one thread (see [`super::Committer`]).
#[derive(Debug)]
pub(crate) struct StateDb {
    conn: Connection,
    path: PathBuf,
}

fn db_error(path: &Path, source: rusqlite::Error) -> PersistError {
    let path = path.display().to_string();
    match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => PersistError::InUse { path },
        Some(ErrorCode::NotADatabase) => PersistError::Invalid {
            path,
            reason: "neither a state database nor a JSON state file".into(),
        },
        _ => PersistError::Database { path, source },
    }
}

fn io_error(path: &Path, source: std::io::Error) -> PersistError {
    PersistError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Opens `path` (creating nothing: the caller creates the file with its permissions first). Both
/// uses open it read-write, so that a write-ahead log a crash left behind is recovered on reading;
/// only `writable` switches the file to WAL mode, which a file that turns out not to be ours must
/// not undergo.
fn connect(path: &Path, writable: bool) -> Result<Connection, PersistError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| db_error(path, e))?;
    // A mock that just stopped may still be closing the file: wait a little for its lock.
    conn.busy_timeout(std::time::Duration::from_secs(2))
        .map_err(|e| db_error(path, e))?;
    // Exclusive locking: no shared-memory index, and a second process is refused at once rather
    // than waiting (the lock is taken by the first read or write and kept until close).
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(|e| db_error(path, e))?;
    if writable {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| db_error(path, e))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| db_error(path, e))?;
    }
    Ok(conn)
}

/// Reads a state database without changing it, refusing one that is not ours or of a newer format.
pub(crate) fn read(path: &Path) -> Result<SavedState, PersistError> {
    let conn = connect(path, false)?;
    let invalid = |reason: String| PersistError::Invalid {
        path: path.display().to_string(),
        reason,
    };
    let app: i64 = conn
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(|e| db_error(path, e))?;
    if app != APPLICATION_ID {
        return Err(invalid(
            "an SQLite database, but not one written by hwoath mock".into(),
        ));
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| db_error(path, e))?;
    if version != FORMAT_VERSION {
        return Err(invalid(format!(
            "format {version}; this mock reads format {FORMAT_VERSION}"
        )));
    }
    let policy = conn
        .query_row("SELECT value FROM meta WHERE key = 'policy'", [], |row| {
            row.get::<_, String>(0)
        })
        .optional()
        .map_err(|e| db_error(path, e))?
        .map(|text| serde_json::from_str::<HardwareOathPolicy>(&text))
        .transpose()
        .map_err(|e| invalid(format!("the policy row: {:?}", e.classify())))?
        .unwrap_or_default();
    let mut statement = conn
        .prepare("SELECT seq, record FROM devices ORDER BY seq")
        .map_err(|e| db_error(path, e))?;
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(|e| db_error(path, e))?;
    let mut devices = Vec::new();
    for row in rows {
        let (seq, text) = row.map_err(|e| db_error(path, e))?;
        // The reason names the row, never its content: it holds a secret.
        let record: DeviceRecord = serde_json::from_str(&text)
            .map_err(|e| invalid(format!("token row {seq}: {:?}", e.classify())))?;
        let seq = u64::try_from(seq).map_err(|_| invalid(format!("token row {seq}")))?;
        devices.push((seq, record));
    }
    Ok(SavedState { devices, policy })
}

/// Creates an empty file readable and writable by its owner only (the database will hold secrets).
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.sync_all()
}

/// Makes renames in `dir` durable; not every platform can open a directory, so errors are ignored.
fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What opening the state file at start did to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// It opened an existing database.
    Existing,
    /// It created a new database.
    Created,
    /// It migrated a JSON state file into a new database; the JSON file was moved to this path.
    Migrated {
        /// Where the JSON file is kept.
        backup: PathBuf,
    },
}

impl StateDb {
    /// Opens the state database at `path` for writing and proves it writable, so that a mock never
    /// starts on a state it cannot save. `start` is the whole store as the mock starts (every token
    /// and the policy): it is written when the database is new, and when `migrate` says the file is
    /// a JSON state file to replace (the JSON file is then kept beside the database, see
    /// [`super::json_backup_path`]).
    pub(crate) fn open(
        path: &Path,
        existing: bool,
        migrate: bool,
        start: &ChangeSet,
    ) -> Result<(Self, Opened), PersistError> {
        let dir = parent_dir(path);
        remove_leftovers(path);
        if migrate {
            let temp = dir.join(format!(
                ".{}.migrating-{}",
                file_name(path),
                std::process::id()
            ));
            let _ = fs::remove_file(&temp);
            create_private(&temp).map_err(|e| io_error(&temp, e))?;
            let built = Self::initialize(&temp, start).and_then(|db| db.close());
            if let Err(err) = built {
                remove_database(&temp);
                return Err(err);
            }
            let backup = json_backup_path(path);
            fs::rename(path, &backup).map_err(|e| io_error(path, e))?;
            if let Err(e) = fs::rename(&temp, path) {
                // Put the JSON file back so the next start finds what it found this time.
                let _ = fs::rename(&backup, path);
                let _ = fs::remove_file(&temp);
                return Err(io_error(path, e));
            }
            sync_dir(&dir);
            let db = Self::reopen(path)?;
            return Ok((db, Opened::Migrated { backup }));
        }
        if existing {
            return Ok((Self::reopen(path)?, Opened::Existing));
        }
        if path.exists() {
            // An empty file: a database never written to.
            fs::remove_file(path).map_err(|e| io_error(path, e))?;
        }
        create_private(path).map_err(|e| io_error(path, e))?;
        sync_dir(&dir);
        match Self::initialize(path, start) {
            Ok(db) => Ok((db, Opened::Created)),
            Err(err) => {
                remove_database(path);
                Err(err)
            }
        }
    }

    /// Creates the schema in a fresh file and writes `start` into it.
    fn initialize(path: &Path, start: &ChangeSet) -> Result<Self, PersistError> {
        let mut db = Self {
            conn: connect(path, true)?,
            path: path.to_path_buf(),
        };
        db.conn
            .pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(|e| db_error(path, e))?;
        db.conn
            .pragma_update(None, "user_version", FORMAT_VERSION)
            .map_err(|e| db_error(path, e))?;
        db.conn
            .execute_batch(SCHEMA)
            .map_err(|e| db_error(path, e))?;
        db.write(&[start])?;
        Ok(db)
    }

    /// Opens an existing database for writing and writes the start time, which takes the exclusive
    /// lock and proves the file, its directory and the disk writable.
    fn reopen(path: &Path) -> Result<Self, PersistError> {
        let db = Self {
            conn: connect(path, true)?,
            path: path.to_path_buf(),
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        db.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES ('lastStart', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![now.to_string()],
            )
            .map_err(|e| db_error(path, e))?;
        Ok(db)
    }

    /// Closes the connection, checkpointing the write-ahead log into the file.
    fn close(self) -> Result<(), PersistError> {
        let path = self.path;
        self.conn.close().map_err(|(_, e)| db_error(&path, e))
    }

    /// Writes `batch` (in order) in one transaction, durable when this returns `Ok`; on an error
    /// nothing of the batch is written.
    pub(crate) fn write(&mut self, batch: &[&ChangeSet]) -> Result<(), PersistError> {
        let path = self.path.clone();
        let result = self.write_batch(batch);
        if result.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        result.map_err(|e| db_error(&path, e))
    }

    fn write_batch(&mut self, batch: &[&ChangeSet]) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for changes in batch {
            if changes.replaced {
                tx.execute("DELETE FROM devices", [])?;
            }
            for &seq in &changes.removed {
                tx.prepare_cached("DELETE FROM devices WHERE seq = ?1")?
                    .execute(params![to_row_key(seq)?])?;
            }
            for (seq, record) in &changes.upserts {
                let text = serde_json::to_string(record)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                // A token's id and serial never change, so only the record is updated.
                tx.prepare_cached(
                    "INSERT INTO devices (seq, id, serial_number, record) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(seq) DO UPDATE SET record = excluded.record",
                )?
                .execute(params![
                    to_row_key(*seq)?,
                    record.id,
                    record.serial_number,
                    text
                ])?;
            }
            if let Some(policy) = &changes.policy {
                let text = serde_json::to_string(policy)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                tx.prepare_cached(
                    "INSERT INTO meta (key, value) VALUES ('policy', ?1)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                )?
                .execute(params![text])?;
            }
        }
        tx.commit()
    }
}

/// Removes a database this start created and could not finish, with its journal files.
fn remove_database(path: &Path) {
    let _ = fs::remove_file(path);
    for suffix in ["-wal", "-journal"] {
        let mut journal = path.as_os_str().to_owned();
        journal.push(suffix);
        let _ = fs::remove_file(journal);
    }
}

fn to_row_key(seq: u64) -> rusqlite::Result<i64> {
    i64::try_from(seq).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into())
}

/// Removes what an interrupted migration or an earlier version's interrupted write left beside the
/// state file (`.{name}.migrating-*`, `.{name}.tmp-*`).
fn remove_leftovers(path: &Path) {
    let name = file_name(path);
    let prefixes = [format!(".{name}.migrating-"), format!(".{name}.tmp-")];
    let Ok(entries) = fs::read_dir(parent_dir(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| entry_name.starts_with(p.as_str())) {
            let _ = fs::remove_file(entry.path());
        }
    }
}
