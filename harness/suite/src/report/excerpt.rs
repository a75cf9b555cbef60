//! Pieces of cases and exchanges the human-readable writers (Markdown, HTML, JUnit) share: which
//! exchanges to show, request lines, statuses, shortened bodies, per-group counts.

use std::borrow::Cow;

use super::model::{CaseReport, ExchangeRecord, Outcome, RunReport, Summary};

/// How many characters of a response body the short views show.
pub(crate) const SHORT_BODY_CHARS: usize = 600;

/// The exchanges worth showing for a case that did not pass: those with violations or a transport
/// error, or else the last exchange as context.
pub(crate) fn failing_exchanges(case: &CaseReport) -> Vec<&ExchangeRecord> {
    let failing: Vec<&ExchangeRecord> = case
        .exchanges
        .iter()
        .filter(|exchange| is_failing(exchange))
        .collect();
    if failing.is_empty() {
        case.exchanges.last().into_iter().collect()
    } else {
        failing
    }
}

/// Whether an exchange broke a check or got no response.
pub(crate) fn is_failing(exchange: &ExchangeRecord) -> bool {
    !exchange.violations.is_empty() || exchange.error.is_some()
}

/// `METHOD URL`.
pub(crate) fn request_line(exchange: &ExchangeRecord) -> String {
    format!("{} {}", exchange.method, exchange.url)
}

/// The status code, or what happened instead of a response.
pub(crate) fn status_text(exchange: &ExchangeRecord) -> String {
    match (exchange.status, &exchange.error) {
        (Some(status), _) => status.to_string(),
        (None, Some(error)) => format!("no response ({error})"),
        (None, None) => "no response".to_owned(),
    }
}

/// `text` cut to `max_chars` characters, saying how much was left out.
pub(crate) fn shorten(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!(
            "{}… [{} more bytes]",
            &text[..cut],
            text.len() - cut
        )),
    }
}

/// Milliseconds as seconds with three decimals, e.g. `1.234 s`.
pub(crate) fn seconds(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// Adds one outcome to a summary.
fn tally(summary: &mut Summary, outcome: Outcome) {
    summary.total += 1;
    match outcome {
        Outcome::Pass => summary.passed += 1,
        Outcome::Fail => summary.failed += 1,
        Outcome::Diverge => summary.diverged += 1,
        Outcome::Skip => summary.skipped += 1,
        Outcome::Error => summary.errored += 1,
    }
}

/// Counts per group, in the order groups first appear in the catalog.
pub(crate) fn groups(report: &RunReport) -> Vec<(&str, Summary)> {
    let mut groups: Vec<(&str, Summary)> = Vec::new();
    for case in &report.cases {
        let index = match groups.iter().position(|(name, _)| *name == case.group) {
            Some(index) => index,
            None => {
                groups.push((&case.group, Summary::default()));
                groups.len() - 1
            }
        };
        tally(&mut groups[index].1, case.outcome);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn shortens_on_char_boundaries() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("ééé", 2), "éé… [2 more bytes]");
    }

    #[test]
    fn groups_keep_catalog_order_and_count() {
        let mut report = fixture::report();
        report
            .cases
            .push(fixture::case("rfc/sha256-59", Outcome::Fail, &["x"]));
        let groups = groups(&report);
        let names: Vec<&str> = groups.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["rfc", "validation", "lifecycle", "authz", "odata"]);
        assert_eq!(
            (groups[0].1.total, groups[0].1.passed, groups[0].1.failed),
            (2, 1, 1)
        );
    }

    #[test]
    fn shows_violating_exchanges_or_the_last_one() {
        let mut case = fixture::case("validation/x", Outcome::Fail, &["bad"]);
        case.exchanges.push(fixture::exchange(201, "a", None));
        case.exchanges.push(fixture::exchange(201, "b", None));
        assert_eq!(
            failing_exchanges(&case)[0].response_body.as_deref(),
            Some("b")
        );
        case.exchanges.push(fixture::exchange(400, "c", None));
        case.exchanges[0].violations = fixture::exchange(1, "", Some("v")).violations;
        let shown = failing_exchanges(&case);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].response_body.as_deref(), Some("a"));
    }

    #[test]
    fn status_text_says_why_there_was_no_response() {
        let mut exchange = fixture::exchange(201, "", None);
        assert_eq!(status_text(&exchange), "201");
        exchange.status = None;
        exchange.error = Some("timed out".to_owned());
        assert_eq!(status_text(&exchange), "no response (timed out)");
        assert_eq!(seconds(1234), "1.234 s");
    }
}
