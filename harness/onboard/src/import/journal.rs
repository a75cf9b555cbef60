//! The import journal: one JSON line per step, flushed to disk before the import relies on it, so a
//! rerun after a crash or Ctrl-C does only the rest and never creates a token twice.
//!
//! The first line names the target; then each line is an [`Entry`]. `creating` is written *before*
//! a create is sent: a token that exists on a rerun is the import's own when the journal holds its
//! intent, and someone else's (reported, never touched) when it does not. Serial numbers, object ids
//! and UPN-free user ids only: no secret ever reaches the journal.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// The first line's `journal` value.
const KIND: &str = "hwoath csv import";

/// The journal format this build writes and reads.
const VERSION: u32 = 1;

/// The first line of a journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always `hwoath csv import`.
    pub journal: String,
    /// The format version.
    pub version: u32,
    /// The Graph base URL the import writes to.
    pub target: String,
}

/// One step of one token, keyed by its serial number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The token's serial number, as the file spells it.
    pub serial: String,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// What happened to a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase", deny_unknown_fields)]
pub enum Event {
    /// The import is about to create it (written before the request goes out).
    Creating,
    /// The target created it with this id.
    Created {
        /// The device's object id.
        device: String,
    },
    /// A token with this serial was on the target before the import: not the import's to change.
    Existing {
        /// The device's object id.
        device: String,
    },
    /// Assigned to a user, as this method.
    Assigned {
        /// The user's object id.
        user: String,
        /// The method's id.
        method: String,
    },
    /// Activated.
    Activated,
}

/// What the journal says about one token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// The import meant to create it (a `creating` entry).
    pub intent: bool,
    /// The id the target gave it, when the import saw it created.
    pub device: Option<String>,
    /// It was on the target before the import.
    pub existing: bool,
    /// The user and method it was assigned as.
    pub assigned: Option<(String, String)>,
    /// It was activated.
    pub activated: bool,
}

impl Progress {
    /// Whether the token is the import's own: created by it, or meant to be (its intent is on disk).
    pub fn is_ours(&self) -> bool {
        (self.intent || self.device.is_some()) && !self.existing
    }

    fn apply(&mut self, event: &Event) {
        match event {
            Event::Creating => self.intent = true,
            Event::Created { device } => self.device = Some(device.clone()),
            Event::Existing { device } => {
                self.existing = true;
                self.device = Some(device.clone());
            }
            Event::Assigned { user, method } => {
                self.assigned = Some((user.clone(), method.clone()));
            }
            Event::Activated => self.activated = true,
        }
    }
}

/// What a journal holds: the target and each token's progress, by serial number (compared without
/// regard to case, as the target compares them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    /// The target of the journal.
    pub target: String,
    progress: HashMap<String, Progress>,
}

impl Recorded {
    /// The progress of `serial` (empty when the journal never mentions it).
    pub fn progress(&self, serial: &str) -> Progress {
        self.progress
            .get(&serial.to_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    /// How many tokens the journal mentions.
    pub fn len(&self) -> usize {
        self.progress.len()
    }

    /// Whether the journal mentions no token.
    pub fn is_empty(&self) -> bool {
        self.progress.is_empty()
    }
}

/// Why a journal cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The file could not be read, created or written.
    #[error("journal {path}: {reason}")]
    Io {
        /// The journal.
        path: String,
        /// What failed.
        reason: String,
    },
    /// A line is not a journal entry.
    #[error("journal {path}, line {line}: {reason} (not written by this version of hwoath?)")]
    Corrupt {
        /// The journal.
        path: String,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The journal records an import into another target.
    #[error(
        "journal {path} records an import into {found}, not {wanted}: give this import its own --journal"
    )]
    OtherTarget {
        /// The journal.
        path: String,
        /// Its target.
        found: String,
        /// This import's target.
        wanted: String,
    },
}

/// Reads a journal's text: its header and entries. A last line without its line end (a write cut
/// short by a crash) is ignored; any other line that is not an entry is an error.
pub fn parse(bytes: &[u8]) -> Result<(Header, Vec<Entry>), (usize, String)> {
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(end) => &bytes[..=end],
        None => &[][..],
    };
    let mut lines = complete
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.is_empty());
    let (_, first) = lines
        .next()
        .ok_or_else(|| (1, "the journal is empty".to_owned()))?;
    let header: Header = serde_json::from_slice(first).map_err(|e| (1, e.to_string()))?;
    if header.journal != KIND || header.version != VERSION {
        return Err((
            1,
            format!(
                "not a version {VERSION} `{KIND}` journal (found `{}` version {})",
                header.journal, header.version
            ),
        ));
    }
    let entries = lines
        .map(|(index, line)| serde_json::from_slice(line).map_err(|e| (index + 1, e.to_string())))
        .collect::<Result<Vec<Entry>, _>>()?;
    Ok((header, entries))
}

/// The progress the entries add up to.
pub fn replay(target: &str, entries: &[Entry]) -> Recorded {
    let mut recorded = Recorded {
        target: target.to_owned(),
        progress: HashMap::new(),
    };
    for entry in entries {
        recorded
            .progress
            .entry(entry.serial.to_lowercase())
            .or_default()
            .apply(&entry.event);
    }
    recorded
}

/// A batch of lines to write and the answer once they are on disk.
type Batch = (Vec<u8>, oneshot::Sender<Result<(), String>>);

/// An open journal: entries are appended by one writer thread, which flushes every batch that queued
/// while it was busy with one `fsync` (group commit).
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    sender: Option<mpsc::Sender<Batch>>,
    writer: Option<JoinHandle<()>>,
}

impl Journal {
    /// Opens the journal at `path` for an import into `target`, creating it (mode 0600) when absent;
    /// returns it with what it already records.
    pub fn open(path: &Path, target: &str) -> Result<(Self, Recorded), JournalError> {
        let shown = path.display().to_string();
        let io = |reason: std::io::Error| JournalError::Io {
            path: shown.clone(),
            reason: reason.to_string(),
        };
        let (file, recorded) = match std::fs::read(path) {
            Ok(bytes) => {
                let (header, entries) =
                    parse(&bytes).map_err(|(line, reason)| JournalError::Corrupt {
                        path: shown.clone(),
                        line,
                        reason,
                    })?;
                if header.target != target {
                    return Err(JournalError::OtherTarget {
                        path: shown,
                        found: header.target,
                        wanted: target.to_owned(),
                    });
                }
                let file = OpenOptions::new().append(true).open(path).map_err(io)?;
                // Drop a line cut short by a crash, so the next entry starts on a line of its own.
                let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                file.set_len(complete as u64).map_err(io)?;
                (file, replay(target, &entries))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut file = create_private(path).map_err(io)?;
                let header = Header {
                    journal: KIND.to_owned(),
                    version: VERSION,
                    target: target.to_owned(),
                };
                let mut line = serde_json::to_vec(&header).map_err(|e| io(e.into()))?;
                line.push(b'\n');
                file.write_all(&line).map_err(io)?;
                file.sync_all().map_err(io)?;
                sync_parent(path).map_err(io)?;
                (file, replay(target, &[]))
            }
            Err(error) => return Err(io(error)),
        };
        let (sender, receiver) = mpsc::channel::<Batch>();
        let writer = std::thread::Builder::new()
            .name("import-journal".into())
            .spawn(move || write_batches(file, &receiver))
            .map_err(io)?;
        Ok((
            Self {
                path: path.to_owned(),
                sender: Some(sender),
                writer: Some(writer),
            },
            recorded,
        ))
    }

    /// Appends `entries` and returns once they are on disk: for an intent, which must be durable
    /// before the write it announces is sent.
    pub async fn record(&self, entries: &[Entry]) -> Result<(), JournalError> {
        let written = self.queue(entries)?;
        written
            .await
            .map_err(|_| self.failed("the journal writer stopped".to_owned()))?
            .map_err(|reason| self.failed(reason))
    }

    /// Appends `entries` without waiting for the disk: they are synced with the next batch, and at
    /// the latest when the journal is dropped. For outcomes a rerun can also read from the target
    /// (a created, assigned or activated token shows in its inventory), so losing them to a crash
    /// costs a lookup, never a duplicate. A failed write still stops every later [`Journal::record`].
    pub fn note(&self, entries: &[Entry]) -> Result<(), JournalError> {
        self.queue(entries).map(drop)
    }

    fn queue(
        &self,
        entries: &[Entry],
    ) -> Result<oneshot::Receiver<Result<(), String>>, JournalError> {
        let mut lines = Vec::new();
        for entry in entries {
            serde_json::to_writer(&mut lines, entry).map_err(|e| self.failed(e.to_string()))?;
            lines.push(b'\n');
        }
        let (done, written) = oneshot::channel();
        self.sender
            .as_ref()
            .and_then(|sender| sender.send((lines, done)).ok())
            .ok_or_else(|| self.failed("the journal writer stopped".to_owned()))?;
        Ok(written)
    }

    fn failed(&self, reason: String) -> JournalError {
        JournalError::Io {
            path: self.path.display().to_string(),
            reason,
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// The writer thread: waits for a batch, takes every other batch already queued, writes them and
/// syncs once, then answers each. After a failed write every later batch fails too (the file may
/// end in a partial line, which the next open drops).
fn write_batches(mut file: File, receiver: &mpsc::Receiver<Batch>) {
    let mut broken: Option<String> = None;
    while let Ok(first) = receiver.recv() {
        let mut batches = vec![first];
        batches.extend(receiver.try_iter());
        let result = match &broken {
            Some(reason) => Err(reason.clone()),
            None => {
                let bytes: Vec<u8> = batches
                    .iter()
                    .flat_map(|(b, _)| b.iter().copied())
                    .collect();
                file.write_all(&bytes)
                    .and_then(|()| file.sync_data())
                    .map_err(|e| e.to_string())
            }
        };
        if let Err(reason) = &result {
            broken = Some(reason.clone());
        }
        for (_, done) in batches {
            let _ = done.send(result.clone());
        }
    }
}

/// Creates `path` for appending, readable and writable by its owner only.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.append(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Makes a new file's directory entry durable.
fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        File::open(parent)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(serial: &str, event: Event) -> Entry {
        Entry {
            serial: serial.to_owned(),
            event,
        }
    }

    #[tokio::test]
    async fn entries_survive_a_reopen_and_add_up_by_serial() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.csv.hwoath-journal");
        let (journal, recorded) = Journal::open(&path, "http://t/beta").unwrap();
        assert!(recorded.is_empty());
        journal
            .record(&[entry("S1", Event::Creating), entry("s2", Event::Creating)])
            .await
            .unwrap();
        journal
            .record(&[entry(
                "S1",
                Event::Created {
                    device: "d1".into(),
                },
            )])
            .await
            .unwrap();
        journal
            .record(&[entry(
                "s1",
                Event::Assigned {
                    user: "u1".into(),
                    method: "d1".into(),
                },
            )])
            .await
            .unwrap();
        drop(journal);
        let (_journal, recorded) = Journal::open(&path, "http://t/beta").unwrap();
        assert_eq!(recorded.len(), 2);
        let s1 = recorded.progress("s1");
        assert!(s1.is_ours());
        assert_eq!(s1.device.as_deref(), Some("d1"));
        assert_eq!(s1.assigned, Some(("u1".into(), "d1".into())));
        assert!(!s1.activated);
        let s2 = recorded.progress("S2");
        assert!(s2.intent && s2.device.is_none());
        assert_eq!(recorded.progress("S3"), Progress::default());
    }

    #[tokio::test]
    async fn notes_are_on_disk_once_the_journal_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let (journal, _) = Journal::open(&path, "http://t/beta").unwrap();
        journal
            .record(&[entry("S1", Event::Creating)])
            .await
            .unwrap();
        for _ in 0..100 {
            journal.note(&[entry("S1", Event::Activated)]).unwrap();
        }
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 102);
    }

    #[test]
    fn a_line_cut_short_is_dropped_and_the_next_entry_starts_clean() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let header = r#"{"journal":"hwoath csv import","version":1,"target":"http://t/beta"}"#;
        std::fs::write(
            &path,
            format!(
                "{header}\n{{\"serial\":\"S1\",\"event\":\"creating\"}}\n{{\"serial\":\"S1\",\"ev"
            ),
        )
        .unwrap();
        let (journal, recorded) = Journal::open(&path, "http://t/beta").unwrap();
        assert!(recorded.progress("S1").intent);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime
            .block_on(journal.record(&[entry("S1", Event::Activated)]))
            .unwrap();
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("\"creating\"}\n{\"serial\":\"S1\",\"event\":\"activated\"}\n"));
    }

    #[test]
    fn a_corrupt_line_or_another_target_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let header = r#"{"journal":"hwoath csv import","version":1,"target":"http://t/beta"}"#;
        std::fs::write(&path, format!("{header}\nnot json\n{{}}\n")).unwrap();
        let error = Journal::open(&path, "http://t/beta").unwrap_err();
        assert!(
            matches!(error, JournalError::Corrupt { line: 2, .. }),
            "{error}"
        );
        std::fs::write(&path, format!("{header}\n")).unwrap();
        let error = Journal::open(&path, "https://graph.microsoft.com/beta").unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "journal {} records an import into http://t/beta, not https://graph.microsoft.com/beta: give this import its own --journal",
                path.display()
            )
        );
        std::fs::write(
            &path,
            "{\"journal\":\"other\",\"version\":1,\"target\":\"x\"}\n",
        )
        .unwrap();
        assert!(matches!(
            Journal::open(&path, "x"),
            Err(JournalError::Corrupt { line: 1, .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_new_journal_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let (_journal, _) = Journal::open(&path, "http://t/beta").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn entries_are_one_flat_json_object_per_line() {
        let line = serde_json::to_string(&entry(
            "S1",
            Event::Assigned {
                user: "u".into(),
                method: "m".into(),
            },
        ))
        .unwrap();
        assert_eq!(
            line,
            r#"{"serial":"S1","event":"assigned","user":"u","method":"m"}"#
        );
        assert!(serde_json::from_str::<Entry>(r#"{"serial":"S1","event":"sold"}"#).is_err());
    }
}
