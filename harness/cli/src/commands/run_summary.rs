//! The summary `hwoath run` prints at the end: a table of outcomes per group, the target and time,
//! what retries did, why the run stopped early, and what it could not undo on the target.

use hwoath_suite::{Outcome, RunReport};

use crate::say;

/// Prints the whole summary.
pub fn print(report: &RunReport) {
    outcome_table(report);
    say!(
        "target {} ({}), {} ms",
        report.target.base_url,
        report.target.kind,
        report.duration_ms
    );
    retries(report);
    stopped(report);
    left_behind(report);
}

fn outcome_table(report: &RunReport) {
    say!(
        "\n{:<12} {:>6} {:>6} {:>8} {:>6} {:>6} {:>6}",
        "group",
        "total",
        "pass",
        "diverge",
        "fail",
        "error",
        "skip"
    );
    let mut groups: Vec<&str> = Vec::new();
    for case in &report.cases {
        if !groups.contains(&case.group.as_str()) {
            groups.push(&case.group);
        }
    }
    let count = |group: Option<&str>, outcome: Option<Outcome>| {
        report
            .cases
            .iter()
            .filter(|c| {
                group.is_none_or(|g| c.group == g) && outcome.is_none_or(|o| c.outcome == o)
            })
            .count()
    };
    for group in groups.iter().map(|g| Some(*g)).chain([None]) {
        say!(
            "{:<12} {:>6} {:>6} {:>8} {:>6} {:>6} {:>6}",
            group.unwrap_or("all"),
            count(group, None),
            count(group, Some(Outcome::Pass)),
            count(group, Some(Outcome::Diverge)),
            count(group, Some(Outcome::Fail)),
            count(group, Some(Outcome::Error)),
            count(group, Some(Outcome::Skip)),
        );
    }
}

/// One line on retries, when the client retried anything.
fn retries(report: &RunReport) {
    let retries = &report.retries;
    if retries.is_empty() {
        return;
    }
    if retries.retried == 0 {
        say!(
            "retries: none; {} request(s) ended with a 429/503 and no retry left (judged as answered)",
            retries.exhausted
        );
        return;
    }
    say!(
        "retries: {} attempt(s) answered 429/503 and sent again ({}), {} ms waited; {} request(s) \
         recovered, {} ran out of retries",
        retries.retried,
        retries.statuses(),
        retries.waited_ms,
        retries.recovered,
        retries.exhausted
    );
}

/// Why the run stopped early and how many cases it did not start.
fn stopped(report: &RunReport) {
    let Some(reason) = &report.stop_reason else {
        return;
    };
    let with_reason = |outcome: Outcome, start: &str| {
        report
            .cases
            .iter()
            .filter(|case| {
                case.outcome == outcome
                    && case.reasons.first().is_some_and(|r| r.starts_with(start))
            })
            .count()
    };
    let not_started = with_reason(Outcome::Skip, "not started: ");
    let cancelled = with_reason(Outcome::Error, "cancelled after ");
    say!(
        "stopped early: {reason}; {} case(s) finished, {cancelled} cancelled, {not_started} not started",
        report.cases.len() - not_started - cancelled
    );
}

/// What the run could not undo: a clock not put back and devices left behind.
fn left_behind(report: &RunReport) {
    if let Some(reason) = &report.clock_not_restored {
        say!("the target's clock was not put back: {reason}");
    }
    if report.leftovers.is_empty() {
        return;
    }
    say!(
        "left on the target ({}; `hwoath cleanup --target URL` removes them):",
        report.leftovers.len()
    );
    for leftover in &report.leftovers {
        say!("  {leftover}");
    }
}
