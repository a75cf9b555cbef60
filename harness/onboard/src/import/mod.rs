//! Importing a file's tokens into a Graph-compatible target: create each token (one by one or in bulk
//! bodies), assign it to the row's user (found by UPN), and optionally activate it with the code its
//! seed gives at the target's time, as vendors' onboarding tools do.
//!
//! Idempotent and resumable: what is done is journaled ([`journal`]) before the import relies on it,
//! and the target's inventory is read first, so a rerun after a crash or Ctrl-C does only the rest.
//! A token whose serial was on the target before the import is reported and never touched.

mod calls;
pub(crate) mod journal;
mod results;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;
use futures_util::future::join_all;
use hwoath_graph::CsvRow;
use hwoath_otp::{Algorithm, Secret, Totp};
use hwoath_suite::{Target, TokenError};

use self::calls::{Api, BulkItemOutcome, Snapshot};
pub use self::journal::JournalError;
use self::journal::{Entry, Event, Journal, Progress, Recorded};
pub use self::results::{Outcome, RowResult, Tally};
use crate::check::{Checked, Severity};

/// How tokens are created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creation {
    /// One `POST` per token (Graph create; its answer is documented).
    OneByOne,
    /// `PATCH` bulk (`#$delta`) bodies of up to this many tokens (Graph bulk; how it answers per item
    /// is our reading, so every item the answer does not account for is looked up by serial).
    Bulk(usize),
}

/// How an import goes.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// One by one or in bulk bodies.
    pub creation: Creation,
    /// Also activate each assigned token with the code computed from its seed at the target's time.
    pub activate: bool,
    /// Rows (or bulk bodies) in progress at once (at least 1).
    pub jobs: usize,
    /// Where the journal is kept (`None`: no journal, for a dry run on a throwaway target).
    pub journal: Option<PathBuf>,
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// One result per row given, in file order.
    pub rows: Vec<RowResult>,
    /// The import was interrupted: rows not started are `skipped`.
    pub interrupted: bool,
    /// Why the import stopped early on its own (the journal could not be written), if it did.
    pub halted: Option<String>,
}

/// Why an import could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// No admin token for the target.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The journal cannot be used.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The target's inventory could not be read.
    #[error("{0}")]
    Inventory(String),
    /// `--activate` needs the target's time, and no answer carried a `Date`.
    #[error("the target's answers carry no Date header, so codes cannot be computed at its time")]
    NoTargetTime,
}

impl Checked {
    /// One result per line the check rejected (file order), each naming every error of its line; the
    /// whole file's errors (the header's) are not rows and are left out.
    pub fn rejected_rows(&self) -> Vec<RowResult> {
        let mut reasons: Vec<(u64, Vec<String>)> = Vec::new();
        for finding in self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error && !f.is_whole_file())
        {
            match reasons.last_mut() {
                Some((line, list)) if *line == finding.line => list.push(finding.message.clone()),
                _ => reasons.push((finding.line, vec![finding.message.clone()])),
            }
        }
        reasons.sort_by_key(|(line, _)| *line);
        reasons
            .into_iter()
            .map(|(line, list)| RowResult {
                line,
                upn: String::new(),
                serial_number: String::new(),
                outcome: Outcome::Failed,
                device_id: None,
                user_id: None,
                reason: format!("not imported: {}", list.join("; ")),
            })
            .collect()
    }
}

/// Imports `rows` into `target`, calling `on_row` as each row finishes, until done or until `stop`
/// completes (then rows in progress finish and rows not started are `skipped`).
pub async fn import(
    target: &Target,
    rows: &[CsvRow],
    options: &ImportOptions,
    on_row: impl Fn(&RowResult) + Sync,
    stop: impl Future<Output = ()>,
) -> Result<ImportReport, ImportError> {
    let api = Api::new(target).await?;
    let (journal, recorded) = match &options.journal {
        Some(path) => {
            let (journal, recorded) = Journal::open(path, target.urls().base())?;
            (Some(journal), recorded)
        }
        None => (None, Recorded::default()),
    };
    let inventory = api.inventory().await.map_err(ImportError::Inventory)?;
    if options.activate && api.target_now().is_none() {
        return Err(ImportError::NoTargetTime);
    }
    let run = Run {
        api,
        journal,
        recorded,
        inventory,
        activate: options.activate,
        halted: AtomicBool::new(false),
        halt_reason: Mutex::new(None),
    };
    let units: Vec<&[CsvRow]> = match options.creation {
        Creation::OneByOne => rows.chunks(1).collect(),
        Creation::Bulk(size) => rows.chunks(size.max(1)).collect(),
    };
    let bulk = matches!(options.creation, Creation::Bulk(_));
    let results = Mutex::new(Vec::with_capacity(rows.len()));
    let work = futures_util::stream::iter(units)
        .map(|unit| run.unit(unit, bulk))
        .buffer_unordered(options.jobs.max(1))
        .for_each(|done| {
            for row in &done {
                on_row(row);
            }
            if let Ok(mut results) = results.lock() {
                results.extend(done);
            }
            std::future::ready(())
        });
    tokio::pin!(work);
    tokio::pin!(stop);
    let interrupted = tokio::select! {
        () = &mut work => false,
        () = &mut stop => {
            run.halted.store(true, Ordering::SeqCst);
            work.await;
            true
        }
    };
    let mut rows = results.into_inner().unwrap_or_default();
    rows.sort_by_key(|row| row.line);
    let halted = run
        .halt_reason
        .lock()
        .ok()
        .and_then(|reason| reason.clone());
    Ok(ImportReport {
        rows,
        interrupted,
        halted,
    })
}

/// A token that exists on the target for a row: where it stands.
#[derive(Debug, Clone)]
struct Placed {
    device: String,
    holder: Option<String>,
    status: String,
    /// Created by an earlier run of this import (not by this one).
    earlier: bool,
}

impl Placed {
    fn earlier(snapshot: &Snapshot) -> Self {
        Self {
            device: snapshot.id.clone(),
            holder: snapshot.assigned_to.clone(),
            status: snapshot.status.clone(),
            earlier: true,
        }
    }

    fn created_now(device: String) -> Self {
        Self {
            device,
            holder: None,
            status: "available".to_owned(),
            earlier: false,
        }
    }
}

/// One import in progress.
struct Run<'a> {
    api: Api<'a>,
    journal: Option<Journal>,
    /// The journal as it was when the import started (earlier runs' work).
    recorded: Recorded,
    /// The target's inventory as it was when the import started, by serial in lower case.
    inventory: HashMap<String, Snapshot>,
    activate: bool,
    halted: AtomicBool,
    halt_reason: Mutex<Option<String>>,
}

// A row's steps stop with the row's final result as their error: it is made once per row, so boxing
// it would buy nothing.
#[allow(clippy::result_large_err)]
impl Run<'_> {
    /// Imports one unit of rows (one row, or the rows of one bulk body).
    async fn unit(&self, rows: &[CsvRow], bulk: bool) -> Vec<RowResult> {
        if self.halted.load(Ordering::SeqCst) {
            let reason = match self.halt_reason.lock().ok().and_then(|r| r.clone()) {
                Some(why) => format!("the import stopped before this row: {why}"),
                None => "the import was interrupted before this row".to_owned(),
            };
            return rows
                .iter()
                .map(|row| result(row, Outcome::Skipped, None, None, reason.clone()))
                .collect();
        }
        let mut placed: Vec<Option<Result<Placed, RowResult>>> =
            rows.iter().map(|row| self.start(row)).collect();
        let to_create: Vec<&CsvRow> = rows
            .iter()
            .zip(&placed)
            .filter(|(_, placed)| placed.is_none())
            .map(|(row, _)| row)
            .collect();
        let mut created = if bulk && !to_create.is_empty() {
            self.create_many(&to_create).await
        } else {
            join_all(to_create.iter().map(|row| self.create_one(row))).await
        }
        .into_iter();
        for slot in placed.iter_mut().filter(|slot| slot.is_none()) {
            *slot = created.next();
        }
        join_all(rows.iter().zip(placed).map(|(row, placed)| async move {
            match placed {
                Some(Ok(placed)) => self.finish(row, placed).await,
                Some(Err(result)) => result,
                None => failed(
                    row,
                    None,
                    None,
                    "the import lost track of this row".to_owned(),
                ),
            }
        }))
        .await
    }

    /// What the target and the journal already say about a row's token: `None` when it must be
    /// created.
    fn start(&self, row: &CsvRow) -> Option<Result<Placed, RowResult>> {
        let snapshot = self.inventory.get(&row.serial_number.to_lowercase())?;
        let progress = self.recorded.progress(&row.serial_number);
        Some(if progress.is_ours() {
            Ok(Placed::earlier(snapshot))
        } else {
            Err(already_there(row, snapshot))
        })
    }

    /// Creates one row's token.
    async fn create_one(&self, row: &CsvRow) -> Result<Placed, RowResult> {
        self.record(row, &[Event::Creating]).await?;
        match self.api.create(&row.to_create_body()).await {
            Ok(device) => {
                self.record(
                    row,
                    &[Event::Created {
                        device: device.clone(),
                    }],
                )
                .await?;
                Ok(Placed::created_now(device))
            }
            Err((Some(409), reason)) => self.after_conflict(row, &reason).await,
            Err((_, reason)) => Err(failed(
                row,
                None,
                None,
                format!("creating failed: {reason}"),
            )),
        }
    }

    /// Creates the rows' tokens with one bulk body; one answer per row, in order.
    async fn create_many(&self, rows: &[&CsvRow]) -> Vec<Result<Placed, RowResult>> {
        let intents: Vec<Entry> = rows.iter().map(|row| entry(row, Event::Creating)).collect();
        if let Err(reason) = self.record_all(&intents).await {
            return rows
                .iter()
                .map(|row| Err(failed(row, None, None, reason.clone())))
                .collect();
        }
        let owned: Vec<CsvRow> = rows.iter().map(|&row| row.clone()).collect();
        let body = crate::convert::bulk_bodies(&owned, owned.len().max(1));
        let answer = match body.first() {
            Some(body) => self.api.create_many(body).await,
            None => Ok(HashMap::new()),
        };
        let outcomes = match answer {
            Ok(outcomes) => outcomes,
            Err(reason) => {
                return rows
                    .iter()
                    .map(|row| {
                        Err(failed(
                            row,
                            None,
                            None,
                            format!("bulk create failed: {reason}"),
                        ))
                    })
                    .collect();
            }
        };
        let placed = join_all(rows.iter().map(|row| async {
            match outcomes.get(&row.line.to_string()) {
                Some(BulkItemOutcome::Created(device)) => Ok(Placed::created_now(device.clone())),
                Some(BulkItemOutcome::Refused(409, reason)) => self.after_conflict(row, reason).await,
                Some(BulkItemOutcome::Refused(_, reason)) => {
                    Err(failed(row, None, None, format!("creating failed: {reason}")))
                }
                // The answer does not account for this item: the target's inventory does.
                None => match self.api.find_by_serial(&row.serial_number).await {
                    Ok(Some(snapshot)) => Ok(Placed {
                        earlier: false,
                        ..Placed::earlier(&snapshot)
                    }),
                    Ok(None) => Err(failed(
                        row,
                        None,
                        None,
                        "creating failed: the bulk answer does not mention this token and the target does not have it".to_owned(),
                    )),
                    Err(reason) => Err(failed(row, None, None, reason)),
                },
            }
        }))
        .await;
        let created: Vec<Entry> = rows
            .iter()
            .zip(&placed)
            .filter_map(|(row, placed)| match placed {
                Ok(placed) if !placed.earlier => Some(entry(
                    row,
                    Event::Created {
                        device: placed.device.clone(),
                    },
                )),
                _ => None,
            })
            .collect();
        if let Err(reason) = self.record_all(&created).await {
            return rows
                .iter()
                .map(|row| Err(failed(row, None, None, reason.clone())))
                .collect();
        }
        placed
    }

    /// A create answered 409: the serial is taken. The token is ours when an earlier run journaled
    /// its intent (the create reached the target, its answer did not reach the journal); anyone
    /// else's is reported and left alone.
    async fn after_conflict(&self, row: &CsvRow, reason: &str) -> Result<Placed, RowResult> {
        match self.api.find_by_serial(&row.serial_number).await {
            Ok(Some(snapshot)) if self.recorded.progress(&row.serial_number).is_ours() => {
                Ok(Placed::earlier(&snapshot))
            }
            Ok(Some(snapshot)) => {
                self.record(
                    row,
                    &[Event::Existing {
                        device: snapshot.id.clone(),
                    }],
                )
                .await?;
                Err(already_there(row, &snapshot))
            }
            Ok(None) => Err(failed(
                row,
                None,
                None,
                format!("creating failed: {reason}; no token with this serial is found either"),
            )),
            Err(lookup) => Err(failed(
                row,
                None,
                None,
                format!("creating failed: {reason}; {lookup}"),
            )),
        }
    }

    /// Assigns (and activates) a row's token.
    async fn finish(&self, row: &CsvRow, placed: Placed) -> RowResult {
        let device = Some(placed.device.clone());
        let progress = self.recorded.progress(&row.serial_number);
        let user = match self.api.user_id(&row.upn).await {
            Ok(user) => user,
            Err(reason) => {
                return failed(
                    row,
                    device,
                    None,
                    format!("created, not assigned: {reason}"),
                );
            }
        };
        let holder = Some(user.clone());
        let mut acted = !placed.earlier;
        let method = match &placed.holder {
            Some(current) if *current == user => method_of(&progress, &user, &placed.device),
            Some(other) => {
                return failed(
                    row,
                    device,
                    None,
                    format!("not assigned: the token is assigned to another user ({other})"),
                );
            }
            None => match self.api.assign(&user, &placed.device).await {
                Ok(method) => {
                    let assigned = Event::Assigned {
                        user: user.clone(),
                        method: method.clone(),
                    };
                    if let Err(result) = self.record(row, &[assigned]).await {
                        return result;
                    }
                    acted = true;
                    method
                }
                Err(reason) => {
                    return failed(
                        row,
                        device,
                        None,
                        format!("created, assigning failed: {reason}"),
                    );
                }
            },
        };
        let mut outcome = Outcome::Assigned;
        if self.activate {
            if placed.status == "activated" || progress.activated {
                outcome = Outcome::Activated;
            } else {
                if let Err(reason) = self.activate(row, &user, &method).await {
                    return failed(
                        row,
                        device,
                        holder,
                        format!("assigned, activating failed: {reason}"),
                    );
                }
                if let Err(result) = self.record(row, &[Event::Activated]).await {
                    return result;
                }
                acted = true;
                outcome = Outcome::Activated;
            }
        }
        if acted {
            result(row, outcome, device, holder, String::new())
        } else {
            let reason = format!("done by an earlier run ({outcome})");
            result(row, Outcome::Skipped, device, holder, reason)
        }
    }

    /// Activates with the code the row's seed gives at the target's time.
    async fn activate(&self, row: &CsvRow, user: &str, method: &str) -> Result<(), String> {
        let now = self
            .api
            .target_now()
            .ok_or("the target's time is unknown")?;
        let secret = Secret::from_base32(row.secret_key.expose())
            .map_err(|_| "the secret key is not Base32".to_owned())?;
        let period = u64::try_from(row.time_interval_in_seconds).unwrap_or(30);
        let code = Totp::new(&secret, Algorithm::Sha1, 6, period)
            .and_then(|totp| totp.generate_at(now))
            .map_err(|e| e.to_string())?;
        self.api.activate(user, method, &code.to_string()).await
    }

    /// Journals one row's events; a journal that cannot be written halts the import.
    async fn record(&self, row: &CsvRow, events: &[Event]) -> Result<(), RowResult> {
        let entries: Vec<Entry> = events.iter().map(|e| entry(row, e.clone())).collect();
        self.record_all(&entries)
            .await
            .map_err(|reason| failed(row, None, None, reason))
    }

    /// Journals entries: intents (`creating`) are on disk before this returns; outcomes are
    /// queued (see [`Journal::note`]).
    async fn record_all(&self, entries: &[Entry]) -> Result<(), String> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        if entries.is_empty() {
            return Ok(());
        }
        let written = if entries.iter().any(|e| e.event == Event::Creating) {
            journal.record(entries).await
        } else {
            journal.note(entries)
        };
        written.map_err(|error| {
            let reason = error.to_string();
            if let Ok(mut slot) = self.halt_reason.lock() {
                slot.get_or_insert_with(|| reason.clone());
            }
            self.halted.store(true, Ordering::SeqCst);
            format!("not done, the journal cannot be written: {reason}")
        })
    }
}

/// The method a token is assigned as: the journal's, else the device's id (every Graph example gives
/// a method its device's id).
fn method_of(progress: &Progress, user: &str, device: &str) -> String {
    match &progress.assigned {
        Some((journaled_user, method)) if journaled_user == user => method.clone(),
        _ => device.to_owned(),
    }
}

fn entry(row: &CsvRow, event: Event) -> Entry {
    Entry {
        serial: row.serial_number.clone(),
        event,
    }
}

/// A row skipped because another token with its serial was on the target before the import.
fn already_there(row: &CsvRow, snapshot: &Snapshot) -> RowResult {
    let holder = snapshot
        .assigned_to
        .as_deref()
        .map_or(String::new(), |user| format!(", assigned to {user}"));
    result(
        row,
        Outcome::Skipped,
        Some(snapshot.id.clone()),
        snapshot.assigned_to.clone(),
        format!(
            "a token with this serial was already on the target ({}{holder}); not recreated or changed",
            snapshot.status
        ),
    )
}

fn failed(row: &CsvRow, device: Option<String>, user: Option<String>, reason: String) -> RowResult {
    result(row, Outcome::Failed, device, user, reason)
}

/// A row's result; the reason never holds the row's secret, even when a target echoes it back.
fn result(
    row: &CsvRow,
    outcome: Outcome,
    device_id: Option<String>,
    user_id: Option<String>,
    reason: String,
) -> RowResult {
    RowResult {
        line: row.line,
        upn: row.upn.clone(),
        serial_number: row.serial_number.clone(),
        outcome,
        device_id,
        user_id,
        reason: without_secret(&reason, row.secret_key.expose()),
    }
}

/// `text` with every occurrence of `secret` (in any letter case) replaced by `<secret>`.
fn without_secret(text: &str, secret: &str) -> String {
    if secret.is_empty() || !secret.is_ascii() {
        return text.to_owned();
    }
    let lower_text = text.to_ascii_lowercase();
    let lower_secret = secret.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    while let Some(found) = lower_text[rest..].find(&lower_secret) {
        out.push_str(&text[rest..rest + found]);
        out.push_str("<secret>");
        rest += found + secret.len();
    }
    out.push_str(&text[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_echoed_by_a_target_are_masked_in_any_case() {
        let secret = "JBSWY3DPEHPK3PXP";
        assert_eq!(
            without_secret(
                "400: secretKey jbswy3dpehpk3pxp and JBSWY3DPEHPK3PXP!",
                secret
            ),
            "400: secretKey <secret> and <secret>!"
        );
        assert_eq!(without_secret("nothing here", secret), "nothing here");
    }

    #[test]
    fn the_method_id_comes_from_the_journal_for_the_same_user_only() {
        let progress = Progress {
            assigned: Some(("u1".into(), "m1".into())),
            ..Progress::default()
        };
        assert_eq!(method_of(&progress, "u1", "d1"), "m1");
        assert_eq!(method_of(&progress, "u2", "d1"), "d1");
        assert_eq!(method_of(&Progress::default(), "u1", "d1"), "d1");
    }
}
