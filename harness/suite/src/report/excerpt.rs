//! Pieces of cases and exchanges the human-readable writers (Markdown, HTML, JUnit) share: which
//! exchanges to show, request lines, statuses, shortened bodies, per-group counts, and the causes
//! problems share (so a hundred cases broken the same way read as one cause).

use std::borrow::Cow;

use super::model::{CaseReport, ExchangeRecord, Outcome, RunReport, Summary};
use crate::rules::Strength;

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

/// How many words of a reason that cites no rule make its grouping key.
const KEY_WORDS: usize = 8;

/// What a problem is about: the rule a reason cites (`[rule-id: source]`), the check an exchange
/// failed, or, for a reason that names neither, its first words.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Topic {
    /// A rule id cited at the end of a reason, e.g. `forbidden-403`.
    Rule(String),
    /// A check's name from an exchange's violations, e.g. `error_envelope`.
    Check(String),
    /// The first words of a reason, identifiers masked, e.g. `no response: connection failed`.
    Words(String),
}

impl Topic {
    /// The text a report shows for the topic.
    pub(crate) fn name(&self) -> &str {
        match self {
            Topic::Rule(name) | Topic::Check(name) | Topic::Words(name) => name,
        }
    }
}

/// One cause of a problem, read from a reason: what it is about, what was expected and what the
/// target answered (when the reason says), the rule's strength and source (when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cause {
    /// The rule, check or words.
    pub(crate) topic: Topic,
    /// The statuses the reason expected, e.g. `403` or `400 or 422`.
    pub(crate) expected: Option<String>,
    /// The status the target answered.
    pub(crate) status: Option<u16>,
    /// Documented or inferred, when the rule or check is known.
    pub(crate) strength: Option<Strength>,
    /// The source the reason cites.
    pub(crate) source: Option<String>,
    /// The reason it was read from.
    pub(crate) reason: String,
}

impl Cause {
    /// Whether two causes are the same problem: same topic, same status answered.
    fn same_as(&self, other: &Cause) -> bool {
        self.topic == other.topic && self.status == other.status
    }
}

/// The cases of one outcome that share a cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CauseGroup {
    /// The cause as its first case gave it.
    pub(crate) cause: Cause,
    /// Indices into the report's cases, in catalog order.
    pub(crate) cases: Vec<usize>,
}

/// `reason` split into what it says and the rule it cites at its end (`text [rule-id: source]`):
/// `(text, rule id, source)`. The last well-formed citation wins, so a generated body's
/// `[label: detail]` earlier in the text is never taken for a rule.
pub(crate) fn rule_citation(reason: &str) -> Option<(&str, &str, &str)> {
    let inner = reason.strip_suffix(']')?;
    let mut end = inner.len();
    while let Some(open) = inner[..end].rfind(" [") {
        let cited = &inner[open + 2..];
        if let Some((id, source)) = cited.split_once(": ")
            && is_rule_id(id)
        {
            return Some((&reason[..open], id, source));
        }
        end = open;
    }
    None
}

/// Rule ids are lower-case words joined by `-`, e.g. `forbidden-403`.
fn is_rule_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The last `expected X, got NNN` of `text`: the expected statuses (when they read as a short
/// phrase) and the three-digit status got.
pub(crate) fn expected_got(text: &str) -> (Option<String>, Option<u16>) {
    let Some((at, status)) = last_got(text) else {
        return (None, None);
    };
    let expected = text[..at].rfind("expected ").and_then(|start| {
        let phrase = text[start + "expected ".len()..at].trim_end_matches([',', ' ']);
        (!phrase.is_empty() && phrase.len() <= 40).then(|| phrase.to_owned())
    });
    (expected, Some(status))
}

/// Where the last `got NNN` (three digits, then no digit) starts, and NNN.
fn last_got(text: &str) -> Option<(usize, u16)> {
    text.rmatch_indices("got ").find_map(|(at, _)| {
        let after = &text.as_bytes()[at + "got ".len()..];
        let digits = after
            .get(..3)
            .filter(|d| d.iter().all(u8::is_ascii_digit))?;
        if after.get(3).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let status = digits
            .iter()
            .fold(0, |n, digit| n * 10 + u16::from(digit - b'0'));
        Some((at, status))
    })
}

/// The first [`KEY_WORDS`] words of `text`, each identifier shown as `…`, so reasons differing only
/// in ids, serials or URLs share a key.
pub(crate) fn first_words(text: &str) -> String {
    text.split_whitespace()
        .take(KEY_WORDS)
        .map(|word| if is_identifier(word) { "…" } else { word })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A word that names one thing rather than saying something: a long word or a path with digits in
/// it (`hwoath-633bf24e-00074`, a UUID, a URL), not a status or a duration (`403`, `10s`).
fn is_identifier(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit()) && (word.chars().count() >= 8 || word.contains('/'))
}

/// The strength of the catalog's rule `id`, when the catalog has it.
fn rule_strength(id: &str) -> Option<Strength> {
    crate::rules::ALL
        .iter()
        .find(|rule| rule.id == id)
        .map(|rule| rule.strength)
}

/// The cause a reason gives: the rule it cites, else the failed check it reports (`... (check)`
/// with the check among the case's exchange violations), else its first words.
pub(crate) fn reason_cause(case: &CaseReport, reason: &str) -> Cause {
    if let Some((text, id, source)) = rule_citation(reason) {
        let (expected, status) = expected_got(text);
        return Cause {
            topic: Topic::Rule(id.to_owned()),
            expected,
            status,
            strength: rule_strength(id),
            source: Some(source.to_owned()),
            reason: reason.to_owned(),
        };
    }
    check_cause(case, reason).unwrap_or_else(|| words_cause(reason, reason))
}

/// The check violation of one of the case's exchanges that `reason` reports.
fn check_cause(case: &CaseReport, reason: &str) -> Option<Cause> {
    case.exchanges.iter().find_map(|exchange| {
        let violation = exchange.violations.iter().find(|violation| {
            reason.ends_with(&format!("({})", violation.check))
                && reason.contains(violation.reason.as_str())
        })?;
        Some(Cause {
            topic: Topic::Check(violation.check.clone()),
            expected: expected_got(&violation.reason).0,
            status: exchange.status,
            strength: Some(violation.strength),
            source: None,
            reason: reason.to_owned(),
        })
    })
}

/// A cause keyed by the first words of `key_text`.
fn words_cause(key_text: &str, reason: &str) -> Cause {
    let (expected, status) = expected_got(reason);
    Cause {
        topic: Topic::Words(first_words(key_text)),
        expected,
        status,
        strength: None,
        source: None,
        reason: reason.to_owned(),
    }
}

/// Why a case errored: its first reason, keyed by what came back instead of a response (the text
/// after `->` of a transport failure) or else its first words.
fn error_cause(reason: &str) -> Cause {
    match reason.rsplit_once(" -> ") {
        Some((_, error)) => words_cause(&format!("no response: {error}"), reason),
        None => words_cause(reason, reason),
    }
}

/// The distinct causes of a case that did not pass, in the order its reasons give them. An error's
/// cause is its first reason; a failure keeps the causes of documented (or unknown) strength when it
/// has any, so an inferred side issue never heads a failure.
pub(crate) fn case_causes(case: &CaseReport) -> Vec<Cause> {
    if case.outcome == Outcome::Error {
        let first = case.reasons.first().map_or("error", String::as_str);
        return vec![error_cause(first)];
    }
    let mut causes: Vec<Cause> = Vec::new();
    for reason in &case.reasons {
        let cause = reason_cause(case, reason);
        if !causes.iter().any(|known| known.same_as(&cause)) {
            causes.push(cause);
        }
    }
    if causes.is_empty() {
        causes.push(words_cause(case.outcome.as_str(), case.outcome.as_str()));
    }
    if case.outcome == Outcome::Fail
        && causes
            .iter()
            .any(|c| c.strength != Some(Strength::Inferred))
    {
        causes.retain(|c| c.strength != Some(Strength::Inferred));
    }
    causes
}

/// The cases of `outcome` grouped by cause (a case with two causes is in both groups), the groups
/// covering the most cases first, ties in catalog order.
pub(crate) fn cause_groups(report: &RunReport, outcome: Outcome) -> Vec<CauseGroup> {
    let mut groups: Vec<CauseGroup> = Vec::new();
    for (index, case) in report.cases.iter().enumerate() {
        if case.outcome != outcome {
            continue;
        }
        for cause in case_causes(case) {
            match groups.iter_mut().find(|group| group.cause.same_as(&cause)) {
                Some(group) => group.cases.push(index),
                None => groups.push(CauseGroup {
                    cause,
                    cases: vec![index],
                }),
            }
        }
    }
    groups.sort_by_key(|group| std::cmp::Reverse(group.cases.len()));
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

    const SOURCE: &str =
        "https://learn.microsoft.com/x?view=graph-rest-beta (docs/spec.md, Endpoints)";

    #[test]
    fn reads_the_rule_cited_last_not_a_label_before_it() {
        let reason = format!(
            "#0 shrunk to [wrong-type: model = 1] {{}}: expected 400, got 204 [wrong-type-400: {SOURCE}]"
        );
        let (text, id, source) = rule_citation(&reason).unwrap();
        assert_eq!((id, source), ("wrong-type-400", SOURCE));
        assert!(text.ends_with("expected 400, got 204"), "{text}");
        assert_eq!(rule_citation("no rule [Not An Id: x]"), None);
        assert_eq!(rule_citation("labelled [valid] but uncited"), None);
        assert_eq!(rule_citation("cites [a-1: b] then more"), None);
    }

    #[test]
    fn reads_the_last_expected_and_got_status() {
        assert_eq!(
            expected_got(
                "body says got 500; create: expected 400 or 422, got 201 (invalidRequest)"
            ),
            (Some("400 or 422".to_owned()), Some(201))
        );
        assert_eq!(expected_got("got 2010 items"), (None, None));
        assert_eq!(expected_got("then got 404"), (None, Some(404)));
        assert_eq!(expected_got("nothing here"), (None, None));
    }

    #[test]
    fn first_words_mask_identifiers_but_keep_statuses() {
        assert_eq!(
            first_words("hwoath-633bf24e-00074: 0 devices after bulk create and more"),
            "… 0 devices after bulk create and more"
        );
        assert_eq!(
            first_words("no response within 10s"),
            "no response within 10s"
        );
        assert_eq!(
            first_words("no response: connection failed http://127.0.0.1:9/x 403"),
            "no response: connection failed … 403"
        );
    }

    fn failing(id: &str, reasons: &[&str]) -> CaseReport {
        fixture::case(id, Outcome::Fail, reasons)
    }

    #[test]
    fn a_check_violation_is_its_own_cause_with_the_exchange_status() {
        let mut case = failing(
            "authz/x",
            &["create device: missing request-id (request_id)"],
        );
        let mut exchange = fixture::exchange(200, "{}", None);
        exchange.violations = vec![crate::report::model::Violation {
            check: "request_id".to_owned(),
            strength: Strength::Documented,
            reason: "missing request-id".to_owned(),
        }];
        case.exchanges.push(exchange);
        let causes = case_causes(&case);
        assert_eq!(causes.len(), 1);
        assert_eq!(causes[0].topic, Topic::Check("request_id".to_owned()));
        assert_eq!(causes[0].status, Some(200));
        assert_eq!(causes[0].strength, Some(Strength::Documented));
    }

    #[test]
    fn a_failure_is_grouped_by_its_documented_causes_only() {
        let reasons = [
            format!("create: error code None, expected \"x\" [error-code: {SOURCE}]"),
            format!("create: expected 403, got 200 [forbidden-403: {SOURCE}]"),
            format!("read: expected 403, got 200 [forbidden-403: {SOURCE}]"),
        ];
        let reasons: Vec<&str> = reasons.iter().map(String::as_str).collect();
        let causes = case_causes(&failing("authz/a", &reasons));
        assert_eq!(causes.len(), 1, "{causes:?}");
        assert_eq!(causes[0].topic, Topic::Rule("forbidden-403".to_owned()));
        assert_eq!(causes[0].expected.as_deref(), Some("403"));
        assert_eq!(causes[0].status, Some(200));
    }

    #[test]
    fn an_error_is_grouped_by_what_came_instead_of_a_response() {
        let mut case = fixture::case(
            "odata/a",
            Outcome::Error,
            &["first page: GET http://127.0.0.1:1/x -> connection failed: refused"],
        );
        let first = case_causes(&case);
        case.reasons[0] =
            "second page: GET http://127.0.0.1:2/y -> connection failed: refused".into();
        assert_eq!(first[0].topic, case_causes(&case)[0].topic);
        assert_eq!(
            first[0].topic,
            Topic::Words("no response: connection failed: refused".to_owned())
        );
    }

    #[test]
    fn groups_cases_by_rule_and_status_biggest_first() {
        let mut report = fixture::report();
        report.cases.clear();
        let forbidden = format!("step: expected 403, got 200 [forbidden-403: {SOURCE}]");
        let other_status = format!("step: expected 403, got 404 [forbidden-403: {SOURCE}]");
        report.cases.push(failing("authz/solo", &[&other_status]));
        for n in 0..5 {
            report
                .cases
                .push(failing(&format!("authz/c{n}"), &[&forbidden]));
        }
        report
            .cases
            .push(failing("docs/z", &["a reason without any rule"]));
        report
            .cases
            .push(fixture::case("rfc/p", Outcome::Pass, &[]));
        let groups = cause_groups(&report, Outcome::Fail);
        let shape: Vec<(&str, Option<u16>, usize)> = groups
            .iter()
            .map(|g| (g.cause.topic.name(), g.cause.status, g.cases.len()))
            .collect();
        assert_eq!(
            shape,
            [
                ("forbidden-403", Some(200), 5),
                ("forbidden-403", Some(404), 1),
                ("a reason without any rule", None, 1)
            ]
        );
        assert_eq!(groups[0].cases, [1, 2, 3, 4, 5]);
        assert!(cause_groups(&report, Outcome::Diverge).is_empty());
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
