//! The baseline gate: compares a baseline run with a new one case by case, on outcomes only
//! (durations and exchange details never count), and says what regressed, improved or changed.
//!
//! Outcomes are ordered by how bad they are: `pass` < `skip` < `diverge` < `fail` < `error`.
//! A case *regressed* when its new outcome is bad ([`Outcome::is_bad`]) and worse than before; a case
//! *improved* when its new outcome is better. A move between the two good outcomes the wrong way
//! (`pass` -> `skip`) is a neutral change: coverage was lost, nothing broke. A new case whose outcome is
//! bad counts as a regression (nothing in the baseline accepted it); a baseline case missing from the
//! new run counts as a regression unless the run was filtered ([`Scope::Filtered`]).

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Display, Formatter};

use super::model::{CaseReport, Outcome, RunReport};

/// Whether the new run tried the whole catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every case ran: a baseline case missing from the new run is a regression.
    Full,
    /// The run was filtered by group or case: missing cases were not selected, not lost.
    Filtered,
}

/// How one case moved between the baseline and the new run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Worse and bad now, new and bad, or missing from a full run.
    Regressed,
    /// Better than before.
    Improved,
    /// Different but neither worse-and-bad nor better (`pass` -> `skip`, a new good case, a case
    /// missing from a filtered run).
    Changed,
}

impl Change {
    /// The word that starts the case's line in the diff.
    pub fn label(self) -> &'static str {
        match self {
            Change::Regressed => "REGRESSED",
            Change::Improved => "IMPROVED",
            Change::Changed => "CHANGED",
        }
    }
}

/// One case whose outcome differs between the two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseChange {
    /// The case id.
    pub id: String,
    /// How it moved.
    pub change: Change,
    /// The baseline outcome, absent for a new case.
    pub before: Option<Outcome>,
    /// The new outcome, absent for a case missing from the new run.
    pub after: Option<Outcome>,
    /// The new run's reasons for a non-pass outcome (empty otherwise).
    pub reasons: Vec<String>,
}

impl Display for CaseChange {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let before = self.before.map_or("new", Outcome::as_str);
        let after = self.after.map_or("missing", Outcome::as_str);
        write!(
            f,
            "{} {}: {before} -> {after}",
            self.change.label(),
            self.id
        )?;
        if !self.reasons.is_empty() {
            write!(
                f,
                " ({})",
                self.reasons.join("; ").replace(['\r', '\n'], " ")
            )?;
        }
        Ok(())
    }
}

/// The comparison of a new run with its baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// Every case whose outcome differs, baseline order first, then new cases in run order.
    pub changes: Vec<CaseChange>,
    /// How many cases have the same outcome in both runs.
    pub unchanged: usize,
}

/// How bad an outcome is, for ordering.
pub fn severity(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Pass => 0,
        Outcome::Skip => 1,
        Outcome::Diverge => 2,
        Outcome::Fail => 3,
        Outcome::Error => 4,
    }
}

/// Classifies a case present in at least one run; `None` when its outcome did not change.
pub fn classify(before: Option<Outcome>, after: Option<Outcome>, scope: Scope) -> Option<Change> {
    match (before, after) {
        (None, None) => None,
        (Some(_), None) => Some(match scope {
            Scope::Full => Change::Regressed,
            Scope::Filtered => Change::Changed,
        }),
        (None, Some(after)) => Some(if after.is_bad() {
            Change::Regressed
        } else {
            Change::Changed
        }),
        (Some(before), Some(after)) if before == after => None,
        (Some(before), Some(after)) => Some(if severity(after) < severity(before) {
            Change::Improved
        } else if after.is_bad() {
            Change::Regressed
        } else {
            Change::Changed
        }),
    }
}

fn reasons_of(case: Option<&CaseReport>) -> Vec<String> {
    case.filter(|c| c.outcome != Outcome::Pass)
        .map(|c| c.reasons.clone())
        .unwrap_or_default()
}

impl Diff {
    /// Compares `current` with `baseline` by case id (the first case of a duplicated id counts).
    pub fn between(baseline: &RunReport, current: &RunReport, scope: Scope) -> Diff {
        let mut now: HashMap<&str, &CaseReport> = HashMap::new();
        for case in &current.cases {
            now.entry(case.id.as_str()).or_insert(case);
        }
        let mut seen: HashSet<&str> = HashSet::new();
        let mut diff = Diff {
            changes: Vec::new(),
            unchanged: 0,
        };
        let ordered = baseline
            .cases
            .iter()
            .map(|case| (Some(case), now.get(case.id.as_str()).copied()))
            .chain(current.cases.iter().map(|case| (None, Some(case))));
        for (old, new) in ordered {
            let id = old.or(new).map(|c| c.id.as_str()).unwrap_or_default();
            if !seen.insert(id) {
                continue;
            }
            let before = old.map(|c| c.outcome);
            let after = new.map(|c| c.outcome);
            match classify(before, after, scope) {
                None => diff.unchanged += 1,
                Some(change) => diff.changes.push(CaseChange {
                    id: id.to_owned(),
                    change,
                    before,
                    after,
                    reasons: reasons_of(new),
                }),
            }
        }
        diff
    }

    /// Whether any case regressed: the gate fails on this.
    pub fn has_regressions(&self) -> bool {
        self.changes.iter().any(|c| c.change == Change::Regressed)
    }

    /// The changes of one kind.
    pub fn of_kind(&self, change: Change) -> impl Iterator<Item = &CaseChange> {
        self.changes.iter().filter(move |c| c.change == change)
    }
}

impl Display for Diff {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for change in [Change::Regressed, Change::Improved, Change::Changed] {
            for case in self.of_kind(change) {
                writeln!(f, "{case}")?;
            }
        }
        write!(
            f,
            "{} regressed, {} improved, {} changed, {} unchanged",
            self.of_kind(Change::Regressed).count(),
            self.of_kind(Change::Improved).count(),
            self.of_kind(Change::Changed).count(),
            self.unchanged
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;
    use Outcome::{Diverge, Error, Fail, Pass, Skip};

    #[test]
    fn classification_table() {
        use Change::{Changed, Improved, Regressed};
        type Row = (Option<Outcome>, Option<Outcome>, Scope, Option<Change>);
        let table: &[Row] = &[
            (Some(Pass), Some(Pass), Scope::Full, None),
            (Some(Fail), Some(Fail), Scope::Full, None),
            (Some(Pass), Some(Fail), Scope::Full, Some(Regressed)),
            (Some(Pass), Some(Diverge), Scope::Full, Some(Regressed)),
            (Some(Pass), Some(Error), Scope::Full, Some(Regressed)),
            (Some(Skip), Some(Fail), Scope::Full, Some(Regressed)),
            (Some(Skip), Some(Diverge), Scope::Full, Some(Regressed)),
            (Some(Diverge), Some(Fail), Scope::Full, Some(Regressed)),
            (Some(Diverge), Some(Error), Scope::Full, Some(Regressed)),
            (Some(Fail), Some(Error), Scope::Full, Some(Regressed)),
            (Some(Error), Some(Fail), Scope::Full, Some(Improved)),
            (Some(Fail), Some(Diverge), Scope::Full, Some(Improved)),
            (Some(Fail), Some(Pass), Scope::Full, Some(Improved)),
            (Some(Diverge), Some(Skip), Scope::Full, Some(Improved)),
            (Some(Skip), Some(Pass), Scope::Full, Some(Improved)),
            (Some(Pass), Some(Skip), Scope::Full, Some(Changed)),
            (None, Some(Pass), Scope::Full, Some(Changed)),
            (None, Some(Skip), Scope::Full, Some(Changed)),
            (None, Some(Fail), Scope::Full, Some(Regressed)),
            (None, Some(Diverge), Scope::Filtered, Some(Regressed)),
            (Some(Pass), None, Scope::Full, Some(Regressed)),
            (Some(Fail), None, Scope::Full, Some(Regressed)),
            (Some(Pass), None, Scope::Filtered, Some(Changed)),
            (Some(Pass), Some(Fail), Scope::Filtered, Some(Regressed)),
        ];
        for &(before, after, scope, expected) in table {
            assert_eq!(
                classify(before, after, scope),
                expected,
                "{before:?} -> {after:?} ({scope:?})"
            );
        }
    }

    #[test]
    fn identical_runs_have_no_changes_whatever_the_timings() {
        let baseline = fixture::report();
        let mut current = baseline.clone();
        current.duration_ms += 999;
        current.run_id = "other".to_owned();
        current.cases[1].duration_ms += 5;
        current.cases[1].exchanges[0].response_body = Some("different".to_owned());
        let diff = Diff::between(&baseline, &current, Scope::Full);
        assert!(!diff.has_regressions());
        assert_eq!(diff.changes, []);
        assert_eq!(diff.unchanged, baseline.cases.len());
        assert_eq!(
            diff.to_string(),
            "0 regressed, 0 improved, 0 changed, 5 unchanged"
        );
    }

    #[test]
    fn reports_each_change_on_one_line() {
        let baseline = fixture::report();
        let mut current = baseline.clone();
        current.cases[0].outcome = Fail;
        current.cases[0].reasons = vec!["code 123456 rejected".to_owned()];
        current.cases[1].outcome = Pass;
        current.cases[1].reasons.clear();
        current.cases.remove(3);
        current.cases.push(fixture::case(
            "validation/new-rule",
            Diverge,
            &["multi\nline"],
        ));
        let diff = Diff::between(&baseline, &current, Scope::Full);
        assert!(diff.has_regressions());
        assert_eq!(
            diff.to_string(),
            "REGRESSED rfc/sha1-59: pass -> fail (code 123456 rejected)\n\
             REGRESSED authz/app-me: skip -> missing\n\
             REGRESSED validation/new-rule: new -> diverge (multi line)\n\
             IMPROVED validation/create-interval-45: fail -> pass\n\
             3 regressed, 1 improved, 0 changed, 2 unchanged"
        );
        let filtered = Diff::between(&baseline, &current, Scope::Filtered);
        assert_eq!(filtered.of_kind(Change::Regressed).count(), 2);
        assert_eq!(filtered.of_kind(Change::Changed).count(), 1);
    }
}
