//! `report.html`: one self-contained page (inline CSS, SVG and JS, no external resource) read at a
//! glance. It opens with a coloured verdict line, then the problems: failures, errors and divergences,
//! each grouped by cause (one card per rule or check and status answered, listing the cases it
//! covers), then every shrunk property failure with its request and `hwoath replay` line, a stacked
//! bar per catalog group, the run's facts, and the table of cases (problems first, passes hidden
//! behind the filters), each case that did not pass with its exchanges and curl replay lines.
//!
//! Everything is rendered server-side and every string goes through [`escape`]. A
//! Content-Security-Policy admits only this page's own style and script, by hashes computed at render
//! time, so even a missed escape could not run injected script or load anything. The script applies
//! filters from the URL too: `report.html#only=fail,error&group=validation` (or the same as a query).

use std::fmt::{self, Display, Formatter, Write as _};

use data_encoding::BASE64;
use sha2::{Digest, Sha256};

use super::curl::curl_command;
use super::excerpt::{self, Cause, CauseGroup, Topic};
use super::model::{CaseReport, ExchangeRecord, Outcome, RunReport, SECRETS_NOTE, Summary};
use crate::report::Failure;
use crate::rules::Strength;

/// The page's only style sheet.
const STYLE: &str = r#"
:root{--pass:#1a7f37;--fail:#cf222e;--diverge:#bf8700;--skip:#8c959f;--error:#8250df;--line:#d0d7de;--muted:#57606a;--soft:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
main{padding:0 1.5rem 2rem}
.verdict{padding:1rem 1.5rem;color:#fff;background:var(--pass)}
.verdict.bad{background:var(--fail)}
.verdict .headline{font-size:1.45rem;font-weight:700;margin:0;overflow-wrap:anywhere}
.verdict .sub{margin:.2rem 0 0;opacity:.92}
h2{font-size:1.15rem;margin:1.6rem 0 .6rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h2 small{font-weight:400;color:var(--muted);font-size:.85rem;margin-left:.4rem}
h2.fail{color:var(--fail)}h2.error{color:var(--error)}h2.diverge{color:#9a6700}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(24rem,1fr));gap:.8rem;align-items:start}
.card{border:1px solid var(--line);border-left:5px solid var(--line);border-radius:6px;padding:.6rem .8rem;background:#fff;min-width:0}
.card.fail{border-left-color:var(--fail)}.card.error{border-left-color:var(--error)}.card.diverge{border-left-color:var(--diverge)}
.card h3{font-size:1rem;margin:0 0 .3rem;overflow-wrap:anywhere}
.card .count{float:right;font-size:1.3rem;font-weight:700;line-height:1;margin-left:.6rem}
.card .count small{display:block;font-size:.7rem;font-weight:400;color:var(--muted);text-align:right}
.card p{margin:.25rem 0;overflow-wrap:anywhere}
.observed{display:inline-block;background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:0 .35rem;font-family:ui-monospace,monospace;font-size:.85rem}
.kind{color:var(--muted);font-weight:400;font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;margin-right:.3rem}
.source{color:var(--muted);font-size:.8rem}
ul.ids{list-style:none;padding:0;margin:.35rem 0 0;display:flex;flex-wrap:wrap;gap:.25rem}
ul.ids li a{display:inline-block;font-family:ui-monospace,monospace;font-size:.8rem;background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:0 .3rem;color:#0969da;text-decoration:none}
ul.ids li a:hover{text-decoration:underline}
details.more summary{cursor:pointer;color:#0969da;font-size:.85rem;margin-top:.3rem}
.statuses b.bad{color:var(--fail)}
.legend{display:flex;gap:1rem;flex-wrap:wrap;color:var(--muted);font-size:.85rem;margin-bottom:.4rem}
.key{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;vertical-align:-.1rem;margin-right:.25rem}
.key.pass{background:var(--pass)}.key.fail{background:var(--fail)}.key.diverge{background:var(--diverge)}.key.skip{background:var(--skip)}.key.error{background:var(--error)}
.chart{display:grid;grid-template-columns:minmax(6rem,max-content) minmax(12rem,1fr) max-content;gap:.35rem .8rem;align-items:center;max-width:70rem}
.chart a{color:inherit;font-weight:600;text-decoration:none;overflow-wrap:anywhere}.chart a:hover{text-decoration:underline}
svg.bar{display:block;width:100%;height:1.1rem;border-radius:3px;background:var(--soft)}
svg.bar rect.pass{fill:var(--pass)}svg.bar rect.fail{fill:var(--fail)}svg.bar rect.diverge{fill:var(--diverge)}svg.bar rect.skip{fill:var(--skip)}svg.bar rect.error{fill:var(--error)}
.tally{font-size:.85rem;color:var(--muted);white-space:nowrap}.tally b{color:#1f2328}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}
dl.meta dt{font-weight:600}dl.meta dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;border-radius:1rem;padding:.05rem .55rem;color:#fff;background:#57606a;font-weight:600;font-size:.85rem}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.diverge{background:var(--diverge)}
.badge.skip{background:var(--skip)}.badge.error{background:var(--error)}
fieldset{display:inline-block;border:1px solid var(--line);border-radius:6px;margin:0 .5rem .5rem 0;vertical-align:top}
fieldset label{margin-right:.6rem;white-space:nowrap}
button{font:inherit;padding:.15rem .6rem;margin-right:.3rem;cursor:pointer}
#shown{color:var(--muted);margin-left:.5rem}
table{border-collapse:collapse;width:100%;margin-top:.5rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--soft);position:sticky;top:0}
td.num{text-align:right;white-space:nowrap}
tbody.case:target td{background:#fff8c5}
tr.detail td{background:#fbfbfc;border-bottom:2px solid var(--line)}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:.5rem;white-space:pre-wrap;overflow-wrap:anywhere;max-height:24rem;overflow:auto;margin:.3rem 0}
.caption{color:var(--muted);font-size:.85rem;margin-top:.4rem}
.exchange{border-left:3px solid var(--line);padding-left:.7rem;margin:.7rem 0}
.exchange.failing{border-left-color:var(--fail)}
.exchange h4{margin:.2rem 0}
ul.reasons{margin:.3rem 0 .6rem;padding-left:1.2rem}
code{overflow-wrap:anywhere}
"#;

/// The page's only script: filters (also from the URL's `only=` and `group=`), revealing a case
/// linked as `#c<index>`, and copy buttons.
const SCRIPT: &str = r#"
(function () {
  'use strict';
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-filter]'));
  var cases = Array.prototype.slice.call(document.querySelectorAll('tbody.case'));
  var shown = document.getElementById('shown');
  var PROBLEMS = ['fail', 'error', 'diverge'];
  function apply() {
    var on = { outcome: {}, group: {} };
    boxes.forEach(function (box) { if (box.checked) { on[box.getAttribute('data-filter')][box.value] = true; } });
    var count = 0;
    cases.forEach(function (body) {
      var visible = !!(on.outcome[body.getAttribute('data-outcome')] && on.group[body.getAttribute('data-group')]);
      body.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count + ' of ' + cases.length + ' cases shown';
  }
  function setBoxes(kind, wanted) {
    boxes.forEach(function (box) {
      if (box.getAttribute('data-filter') === kind) { box.checked = wanted(box.value); }
    });
  }
  function listed(value) {
    var names = value.split(',');
    if (names.indexOf('problems') >= 0) { names = names.concat(PROBLEMS); }
    return function (name) { return names.indexOf('all') >= 0 || names.indexOf(name) >= 0; };
  }
  function reveal(body) {
    setBoxes('outcome', function (name) { return name === body.getAttribute('data-outcome') || isChecked('outcome', name); });
    setBoxes('group', function (name) { return name === body.getAttribute('data-group') || isChecked('group', name); });
    apply();
    var details = body.querySelector('details');
    if (details) { details.open = true; }
    body.scrollIntoView();
  }
  function isChecked(kind, name) {
    return boxes.some(function (box) { return box.getAttribute('data-filter') === kind && box.value === name && box.checked; });
  }
  function fromLocation() {
    var hash = location.hash.replace(/^#/, '');
    if (/^c[0-9]+$/.test(hash) && document.getElementById(hash)) {
      reveal(document.getElementById(hash));
      return false;
    }
    var params = new URLSearchParams(location.search.replace(/^\?/, '') + '&' + hash);
    var changed = false;
    if (params.has('only')) { setBoxes('outcome', listed(params.get('only'))); changed = true; }
    if (params.has('group')) { setBoxes('group', listed(params.get('group'))); changed = true; }
    apply();
    return changed;
  }
  boxes.forEach(function (box) { box.addEventListener('change', apply); });
  document.getElementById('only-problems').addEventListener('click', function () {
    setBoxes('outcome', function (name) { return PROBLEMS.indexOf(name) >= 0; });
    apply();
  });
  document.getElementById('show-all').addEventListener('click', function () {
    boxes.forEach(function (box) { box.checked = true; });
    apply();
  });
  window.addEventListener('hashchange', function () {
    if (fromLocation()) { document.getElementById('cases').scrollIntoView(); }
  });
  Array.prototype.slice.call(document.querySelectorAll('button.copy')).forEach(function (button) {
    button.addEventListener('click', function () {
      var text = button.nextElementSibling.textContent;
      var done = function () { button.textContent = 'copied'; };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(button.nextElementSibling); });
      } else {
        selectText(button.nextElementSibling);
      }
    });
  });
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  fromLocation();
})();
"#;

/// Every outcome, problems first: the order of the filters, the chart's bars and the table.
const OUTCOMES: [Outcome; 5] = [
    Outcome::Fail,
    Outcome::Error,
    Outcome::Diverge,
    Outcome::Skip,
    Outcome::Pass,
];

/// The problem sections, in the order the page shows them, with their headings.
const PROBLEM_SECTIONS: [(Outcome, &str, &str); 3] = [
    (Outcome::Fail, "Failures", "documented rules violated"),
    (Outcome::Error, "Errors", "cases that could not run"),
    (
        Outcome::Diverge,
        "Divergences",
        "our inferred rules violated",
    ),
];

/// How many case ids a cause card lists before folding the rest.
const IDS_SHOWN: usize = 12;

/// How many characters of a cause's sample reason a card shows.
const SAMPLE_CHARS: usize = 320;

/// How many characters of a failure's request body the page shows (the failure file holds it all).
const FAILURE_BODY_CHARS: usize = 8000;

/// How many characters of a failure's received body the page shows.
const RECEIVED_BODY_CHARS: usize = 2000;

/// The width of a chart bar in SVG user units.
const BAR_UNITS: f64 = 1000.0;

/// The report as one self-contained HTML page.
pub fn to_html(report: &RunReport) -> String {
    Html(&report.redacted()).to_string()
}

/// HTML-escapes text for element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The CSP source expression admitting exactly `text` as an inline style or script.
fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        BASE64.encode(&Sha256::digest(text.as_bytes()))
    )
}

/// `text` percent-encoded for a URL fragment's parameter value (then safe in an attribute too).
fn fragment_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn count(summary: &Summary, outcome: Outcome) -> usize {
    match outcome {
        Outcome::Pass => summary.passed,
        Outcome::Fail => summary.failed,
        Outcome::Diverge => summary.diverged,
        Outcome::Skip => summary.skipped,
        Outcome::Error => summary.errored,
    }
}

/// `n` and the noun, singular or plural.
fn counted(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// Whether the run has a failure, divergence or error.
fn is_bad(summary: &Summary) -> bool {
    summary.failed + summary.diverged + summary.errored > 0
}

/// Why the run did not finish every case, if it did not.
fn stopped(report: &RunReport) -> Option<String> {
    match (&report.stop_reason, report.interrupted) {
        (Some(reason), _) => Some(reason.clone()),
        (None, true) => Some("interrupted".to_owned()),
        (None, false) => None,
    }
}

/// The verdict in words: `Passed: N cases against TARGET (kind)` or `FAILED: k documented failures,
/// d divergences, e errors against TARGET (kind)`.
pub fn verdict(report: &RunReport) -> String {
    let summary = Summary::of(&report.cases);
    let target = format!("{} ({})", report.target.base_url, report.target.kind);
    let verdict = verdict_of_cases(&summary, &target);
    match stopped(report) {
        Some(why) => format!("{verdict}; stopped early: {why}"),
        None => verdict,
    }
}

fn verdict_of_cases(summary: &Summary, target: &str) -> String {
    if is_bad(summary) {
        format!(
            "FAILED: {}, {}, {} against {target}",
            counted(summary.failed, "documented failure", "documented failures"),
            counted(summary.diverged, "divergence", "divergences"),
            counted(summary.errored, "error", "errors")
        )
    } else {
        format!(
            "Passed: {} against {target}",
            counted(summary.passed, "case", "cases")
        )
    }
}

/// Renders a whole page.
struct Html<'a>(&'a RunReport);

impl Display for Html<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let report = self.0;
        let summary = Summary::of(&report.cases);
        head(f, report, &summary)?;
        verdict_banner(f, report, &summary)?;
        writeln!(f, "<main>")?;
        left_on_target(f, report)?;
        for (outcome, heading, note) in PROBLEM_SECTIONS {
            problem_section(f, report, outcome, heading, note)?;
        }
        generated_failures(f, report)?;
        group_chart(f, report)?;
        facts(f, report)?;
        case_table(f, report, &summary)?;
        writeln!(f, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>")
    }
}

fn head(f: &mut Formatter<'_>, report: &RunReport, summary: &Summary) -> fmt::Result {
    writeln!(
        f,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        f,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src {}; script-src {}; img-src 'none'; base-uri 'none'; form-action 'none'\">",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )?;
    writeln!(
        f,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    let word = if is_bad(summary) { "FAILED" } else { "Passed" };
    writeln!(
        f,
        "<title>{word}: hwoath report {}</title>",
        escape(&report.run_id)
    )?;
    writeln!(f, "<style>{STYLE}</style>\n</head>\n<body>")
}

/// The coloured verdict line, first thing on the page, with the counts and run below it.
fn verdict_banner(f: &mut Formatter<'_>, report: &RunReport, summary: &Summary) -> fmt::Result {
    let class = if is_bad(summary) || stopped(report).is_some() {
        "verdict bad"
    } else {
        "verdict good"
    };
    writeln!(
        f,
        "<header class=\"{class}\" id=\"verdict\">\n<p class=\"headline\">{}</p>",
        escape(&verdict(report))
    )?;
    writeln!(
        f,
        "<p class=\"sub\">{}: {} passed, {} skipped · run {} · {} · hwoath {}</p>\n</header>",
        counted(summary.total, "case", "cases"),
        summary.passed,
        summary.skipped,
        escape(&report.run_id),
        excerpt::seconds(report.duration_ms),
        escape(&report.tool_version)
    )
}

/// One section of problems of `outcome`, one card per cause; nothing when there are none.
fn problem_section(
    f: &mut Formatter<'_>,
    report: &RunReport,
    outcome: Outcome,
    heading: &str,
    note: &str,
) -> fmt::Result {
    let cases = report.cases.iter().filter(|c| c.outcome == outcome).count();
    if cases == 0 {
        return Ok(());
    }
    let groups = excerpt::cause_groups(report, outcome);
    let name = outcome.as_str();
    writeln!(
        f,
        "<section class=\"problems\" id=\"problems-{name}\">\n<h2 class=\"{name}\">{heading} \
         <small>{}, {} · {note}</small></h2>\n<div class=\"cards\">",
        counted(cases, "case", "cases"),
        counted(groups.len(), "cause", "causes")
    )?;
    for group in &groups {
        cause_card(f, report, outcome, group)?;
    }
    writeln!(f, "</div>\n</section>")
}

/// What a cause's card says was observed: `expected 403, got 200`, `got 200` or `on a 200 answer`.
fn observed_text(cause: &Cause) -> Option<String> {
    let status = cause.status?;
    Some(match (&cause.expected, &cause.topic) {
        (Some(expected), _) => format!("expected {expected}, got {status}"),
        (None, Topic::Check(_)) => format!("on a {status} answer"),
        (None, _) => format!("got {status}"),
    })
}

/// The card heading's name of a cause: `rule forbidden-403`, `check error_envelope` or the words.
fn topic_html(topic: &Topic) -> String {
    let kind = match topic {
        Topic::Rule(_) => "rule",
        Topic::Check(_) => "check",
        Topic::Words(_) => return escape(topic.name()),
    };
    format!(
        "<span class=\"kind\">{kind}</span><code>{}</code>",
        escape(topic.name())
    )
}

/// One card: the cause, how many cases it covers, one reason as a sample (unless the heading says it
/// all), the rule's source and the ids of the cases, each linking to its row.
fn cause_card(
    f: &mut Formatter<'_>,
    report: &RunReport,
    outcome: Outcome,
    group: &CauseGroup,
) -> fmt::Result {
    let cause = &group.cause;
    writeln!(f, "<article class=\"card cause {}\">", outcome.as_str())?;
    writeln!(
        f,
        "<div class=\"count\">{}<small>{}</small></div>",
        group.cases.len(),
        if group.cases.len() == 1 {
            "case"
        } else {
            "cases"
        }
    )?;
    write!(f, "<h3>{}", topic_html(&cause.topic))?;
    let name = cause.topic.name();
    if let Some(observed) = observed_text(cause).filter(|text| !name.contains(text.as_str())) {
        write!(f, " <span class=\"observed\">{}</span>", escape(&observed))?;
    }
    writeln!(f, "</h3>")?;
    let sample = excerpt::rule_citation(&cause.reason).map_or(cause.reason.as_str(), |c| c.0);
    if sample != name {
        writeln!(
            f,
            "<p class=\"sample\">{}</p>",
            escape(&excerpt::shorten(sample, SAMPLE_CHARS))
        )?;
    }
    source_line(f, cause)?;
    case_links(f, report, &group.cases)?;
    writeln!(f, "</article>")
}

/// The rule's strength and source under a card, when the cause has them.
fn source_line(f: &mut Formatter<'_>, cause: &Cause) -> fmt::Result {
    if cause.strength.is_none() && cause.source.is_none() {
        return Ok(());
    }
    let strength = cause.strength.map(Strength::as_str).unwrap_or("rule");
    let source = cause
        .source
        .as_deref()
        .map(|source| format!(": {}", escape(source)))
        .unwrap_or_default();
    writeln!(f, "<p class=\"source\">{strength}{source}</p>")
}

/// The ids of `indices` as links to their rows, the first [`IDS_SHOWN`] shown, the rest folded.
fn case_links(f: &mut Formatter<'_>, report: &RunReport, indices: &[usize]) -> fmt::Result {
    let (shown, folded) = indices.split_at(indices.len().min(IDS_SHOWN));
    id_list(f, report, shown)?;
    if !folded.is_empty() {
        writeln!(
            f,
            "<details class=\"more\"><summary>{} more</summary>",
            folded.len()
        )?;
        id_list(f, report, folded)?;
        writeln!(f, "</details>")?;
    }
    Ok(())
}

fn id_list(f: &mut Formatter<'_>, report: &RunReport, indices: &[usize]) -> fmt::Result {
    write!(f, "<ul class=\"ids\">")?;
    for &index in indices {
        write!(
            f,
            "<li><a href=\"#c{index}\">{}</a></li>",
            escape(&report.cases[index].id)
        )?;
    }
    writeln!(f, "</ul>")
}

/// Every shrunk property failure: the request that failed, expected and received statuses, seed,
/// label and the `hwoath replay` line.
fn generated_failures(f: &mut Formatter<'_>, report: &RunReport) -> fmt::Result {
    if report.failures.is_empty() {
        return Ok(());
    }
    writeln!(
        f,
        "<section id=\"generated\">\n<h2 class=\"fail\">Generated bodies that failed \
         <small>{}, each shrunk to its smallest body; replay from this page's directory</small></h2>\n\
         <div class=\"cards\">",
        counted(report.failures.len(), "failure", "failures")
    )?;
    for failure in &report.failures {
        failure_card(f, report, failure)?;
    }
    writeln!(f, "</div>\n</section>")
}

/// The case heading of a failure card, linking to the case's row when the report has it.
fn failure_heading(report: &RunReport, failure: &Failure) -> String {
    let id = escape(&failure.case);
    match report.cases.iter().position(|case| case.id == failure.case) {
        Some(index) => format!("<a href=\"#c{index}\"><code>{id}</code></a>"),
        None => format!("<code>{id}</code>"),
    }
}

/// The statuses a failure's label called for, e.g. `400 or 422`.
fn statuses_text(statuses: &[u16]) -> String {
    let words: Vec<String> = statuses.iter().map(u16::to_string).collect();
    if words.is_empty() {
        "any".to_owned()
    } else {
        words.join(" or ")
    }
}

/// The request line, content type and body of a failure, as sent (placeholders kept).
fn failure_request(failure: &Failure) -> String {
    let request = &failure.request;
    let content_type = request
        .content_type
        .as_deref()
        .map(|value| format!("content-type: {value}\n"))
        .unwrap_or_default();
    format!(
        "{} {}\n{content_type}\n{}",
        request.method,
        request.path,
        excerpt::shorten(&request.body, FAILURE_BODY_CHARS)
    )
}

fn failure_card(f: &mut Formatter<'_>, report: &RunReport, failure: &Failure) -> fmt::Result {
    writeln!(f, "<article class=\"card generated fail\">")?;
    writeln!(
        f,
        "<h3>{} <span class=\"observed\">{}</span></h3>",
        failure_heading(report, failure),
        escape(&failure.label.to_string())
    )?;
    let received = failure
        .received
        .status
        .map_or_else(|| "no response".to_owned(), |status| status.to_string());
    writeln!(
        f,
        "<p class=\"statuses\">expected <b>{}</b>, received <b class=\"bad\">{}</b> · {} body \
         · seed {} · value #{}</p>",
        statuses_text(&failure.expected),
        escape(&received),
        failure.kind.as_str(),
        failure.seed,
        failure.index
    )?;
    writeln!(f, "<ul class=\"reasons\">")?;
    for problem in &failure.problems {
        writeln!(f, "<li>{}</li>", escape(problem))?;
    }
    writeln!(f, "</ul>")?;
    writeln!(
        f,
        "<div class=\"caption\">Smallest failing request</div><pre>{}</pre>",
        escape(&failure_request(failure))
    )?;
    if !failure.received.body.is_empty() {
        writeln!(
            f,
            "<div class=\"caption\">Received</div><pre>{}</pre>",
            escape(&excerpt::shorten(
                &failure.received.body,
                RECEIVED_BODY_CHARS
            ))
        )?;
    }
    writeln!(
        f,
        "<div class=\"caption\">Replay <button type=\"button\" class=\"copy\">copy</button><pre>hwoath replay failures/{}</pre></div>",
        escape(&failure.file_name())
    )?;
    writeln!(f, "</article>")
}

/// A horizontal stacked bar per catalog group (inline SVG, styled by class), with a legend.
fn group_chart(f: &mut Formatter<'_>, report: &RunReport) -> fmt::Result {
    writeln!(
        f,
        "<section id=\"groups\">\n<h2>By group</h2>\n<div class=\"legend\">"
    )?;
    for outcome in OUTCOMES {
        let name = outcome.as_str();
        write!(f, "<span><span class=\"key {name}\"></span>{name}</span>")?;
    }
    writeln!(f, "</div>\n<div class=\"chart\">")?;
    for (group, counts) in excerpt::groups(report) {
        chart_row(f, group, &counts)?;
    }
    writeln!(f, "</div>\n</section>")
}

fn chart_row(f: &mut Formatter<'_>, group: &str, counts: &Summary) -> fmt::Result {
    writeln!(
        f,
        "<a href=\"#group={}\" class=\"group-name\">{}</a>",
        fragment_value(group),
        escape(group)
    )?;
    writeln!(
        f,
        "<svg class=\"bar\" viewBox=\"0 0 {BAR_UNITS} 10\" preserveAspectRatio=\"none\" role=\"img\" \
         aria-label=\"{}: {}\">{}</svg>",
        escape(group),
        tally_words(counts),
        bar_rects(counts)
    )?;
    writeln!(f, "<span class=\"tally\">{}</span>", tally_html(counts))
}

/// `54 pass, 1 fail, ...` for the outcomes a group has.
fn tally_words(counts: &Summary) -> String {
    OUTCOMES
        .iter()
        .filter(|&&outcome| count(counts, outcome) > 0)
        .map(|&outcome| format!("{} {}", count(counts, outcome), outcome.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The group's total, then each outcome it has, problems in bold.
fn tally_html(counts: &Summary) -> String {
    let mut html = format!("{} ·", counts.total);
    for outcome in OUTCOMES {
        let n = count(counts, outcome);
        if n == 0 {
            continue;
        }
        if outcome.is_bad() {
            let _ = write!(html, " <b>{n} {}</b>", outcome.as_str());
        } else {
            let _ = write!(html, " {n} {}", outcome.as_str());
        }
    }
    html
}

/// One `<rect>` per outcome a group has, side by side, widths proportional to the counts.
fn bar_rects(counts: &Summary) -> String {
    let mut rects = String::new();
    let mut x = 0.0;
    for outcome in OUTCOMES {
        let n = count(counts, outcome);
        if n == 0 || counts.total == 0 {
            continue;
        }
        let width = BAR_UNITS * n as f64 / counts.total as f64;
        let _ = write!(
            rects,
            "<rect class=\"{0}\" x=\"{x:.2}\" y=\"0\" width=\"{width:.2}\" height=\"10\">\
             <title>{n} {0}</title></rect>",
            outcome.as_str()
        );
        x += width;
    }
    rects
}

/// What cleanup could not undo: devices left on the target and a clock left changed.
fn left_on_target(f: &mut Formatter<'_>, report: &RunReport) -> fmt::Result {
    if report.leftovers.is_empty() && report.clock_not_restored.is_none() {
        return Ok(());
    }
    writeln!(
        f,
        "<section id=\"leftovers\">\n<h2>Left on the target</h2>\n<ul class=\"reasons\">"
    )?;
    for leftover in &report.leftovers {
        writeln!(f, "<li>{}</li>", escape(leftover))?;
    }
    if let Some(clock) = &report.clock_not_restored {
        writeln!(f, "<li>the clock was not restored: {}</li>", escape(clock))?;
    }
    writeln!(
        f,
        "</ul>\n<p>Remove what runs left: <code>hwoath cleanup --target {}</code></p>\n</section>",
        escape(&report.target.base_url)
    )
}

/// The run's facts.
fn facts(f: &mut Formatter<'_>, report: &RunReport) -> fmt::Result {
    writeln!(f, "<section id=\"run\">\n<h2>Run</h2>\n<dl class=\"meta\">")?;
    let facts = [
        ("Run", report.run_id.clone()),
        (
            "Target",
            format!(
                "{} ({}, {})",
                report.target.base_url, report.target.kind, report.target.auth
            ),
        ),
        ("Tool", format!("hwoath {}", report.tool_version)),
        ("Started", report.started_at.clone()),
        ("Duration", excerpt::seconds(report.duration_ms)),
        ("Seed", report.seed.to_string()),
        ("Retries", retries_text(report)),
        ("Secrets", SECRETS_NOTE.to_owned()),
    ];
    for (label, value) in facts {
        writeln!(f, "<dt>{label}</dt><dd>{}</dd>", escape(&value))?;
    }
    writeln!(f, "</dl>\n</section>")
}

/// The 429/503 answers the client retried, in words.
fn retries_text(report: &RunReport) -> String {
    let retries = &report.retries;
    if retries.is_empty() {
        return "none".to_owned();
    }
    format!(
        "{} retried ({}), {} recovered, {} exhausted, {} waited",
        retries.retried,
        retries.statuses(),
        retries.recovered,
        retries.exhausted,
        excerpt::seconds(retries.waited_ms)
    )
}

/// The filters and every case, problems first; passes hidden until the filters show them.
fn case_table(f: &mut Formatter<'_>, report: &RunReport, summary: &Summary) -> fmt::Result {
    writeln!(
        f,
        "<section id=\"cases\">\n<h2>All cases <small>{}</small></h2>",
        counted(summary.total, "case", "cases")
    )?;
    filters(f, report, summary)?;
    writeln!(
        f,
        "<table>\n<thead><tr><th>Outcome</th><th>Case</th><th>Group</th>\
         <th>Strength</th><th>Title</th><th>Time</th></tr></thead>"
    )?;
    for outcome in OUTCOMES {
        for (index, case) in report.cases.iter().enumerate() {
            if case.outcome == outcome {
                case_rows(f, index, case)?;
            }
        }
    }
    writeln!(f, "</table>\n</section>")
}

/// Whether the page shows a case before any filter is touched: everything but passes.
fn shown_by_default(outcome: Outcome) -> bool {
    outcome != Outcome::Pass
}

fn filters(f: &mut Formatter<'_>, report: &RunReport, summary: &Summary) -> fmt::Result {
    writeln!(
        f,
        "<div class=\"filters\">\n<fieldset><legend>Outcome</legend>"
    )?;
    for outcome in OUTCOMES {
        let name = outcome.as_str();
        let checked = if shown_by_default(outcome) {
            " checked"
        } else {
            ""
        };
        writeln!(
            f,
            "<label><input type=\"checkbox\" data-filter=\"outcome\" value=\"{name}\"{checked}> \
             {name} ({})</label>",
            count(summary, outcome)
        )?;
    }
    writeln!(f, "</fieldset>\n<fieldset><legend>Group</legend>")?;
    for (group, counts) in excerpt::groups(report) {
        let bad = counts.failed + counts.diverged + counts.errored;
        writeln!(
            f,
            "<label><input type=\"checkbox\" data-filter=\"group\" value=\"{0}\" checked> \
             {0} ({1}, {bad} bad)</label>",
            escape(group),
            counts.total
        )?;
    }
    let shown = report
        .cases
        .iter()
        .filter(|case| shown_by_default(case.outcome))
        .count();
    writeln!(
        f,
        "</fieldset>\n<div><button type=\"button\" id=\"only-problems\">Only problems</button>\
         <button type=\"button\" id=\"show-all\">Show all</button>\
         <span id=\"shown\">{shown} of {} cases shown</span></div>\n</div>",
        report.cases.len()
    )
}

fn case_rows(f: &mut Formatter<'_>, index: usize, case: &CaseReport) -> fmt::Result {
    let outcome = case.outcome.as_str();
    let hidden = if shown_by_default(case.outcome) {
        ""
    } else {
        " hidden"
    };
    writeln!(
        f,
        "<tbody class=\"case\" id=\"c{index}\" data-outcome=\"{outcome}\" data-group=\"{}\"{hidden}>",
        escape(&case.group)
    )?;
    writeln!(
        f,
        "<tr><td><span class=\"badge {outcome}\">{outcome}</span></td><td><code>{}</code></td>\
         <td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
        escape(&case.id),
        escape(&case.group),
        case.strength.as_str(),
        title_cell(case),
        excerpt::seconds(case.duration_ms)
    )?;
    if case.outcome != Outcome::Pass {
        case_detail(f, case)?;
    }
    writeln!(f, "</tbody>")
}

/// The expandable detail of a case that did not pass: source, reasons, exchanges.
fn case_detail(f: &mut Formatter<'_>, case: &CaseReport) -> fmt::Result {
    let outcome = case.outcome.as_str();
    writeln!(
        f,
        "<tr class=\"detail\"><td colspan=\"6\"><details class=\"case-detail\">"
    )?;
    let first = case.reasons.first().map(String::as_str).unwrap_or(outcome);
    writeln!(
        f,
        "<summary>{} ({})</summary>",
        escape(&excerpt::shorten(&summary_text(first), 160)),
        counted(case.exchanges.len(), "exchange", "exchanges")
    )?;
    writeln!(
        f,
        "<p>Source: {}</p>\n<ul class=\"reasons\">",
        escape(&case.source)
    )?;
    for reason in &case.reasons {
        writeln!(f, "<li>{}</li>", escape(reason))?;
    }
    writeln!(f, "</ul>")?;
    for exchange in &case.exchanges {
        exchange_view(f, exchange)?;
    }
    writeln!(f, "</details></td></tr>")
}

/// A reason for a one-line summary: a cited rule by its id alone (the detail gives its source).
fn summary_text(reason: &str) -> String {
    match excerpt::rule_citation(reason) {
        Some((text, id, _)) => format!("{text} [{id}]"),
        None => reason.to_owned(),
    }
}

/// The case's title, with what it observed (where the docs allow more than one answer) below it.
fn title_cell(case: &CaseReport) -> String {
    let mut cell = escape(&case.title);
    for observation in &case.observations {
        cell.push_str(&format!(
            "<br><small>observed: {}</small>",
            escape(observation)
        ));
    }
    cell
}

/// An HTTP message as shown: its first line, its headers, then its body after a blank line.
fn message_text(first_line: &str, headers: &[(String, String)], body: Option<&str>) -> String {
    let body = body.map(|body| format!("\n{body}")).unwrap_or_default();
    format!("{first_line}\n{}{body}", headers_text(headers))
}

fn headers_text(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\n"))
        .collect()
}

fn exchange_view(f: &mut Formatter<'_>, exchange: &ExchangeRecord) -> fmt::Result {
    let class = if excerpt::is_failing(exchange) {
        "exchange failing"
    } else {
        "exchange"
    };
    writeln!(f, "<div class=\"{class}\">")?;
    writeln!(
        f,
        "<h4>{}: <code>{}</code> → {} <small>({})</small></h4>",
        escape(&exchange.step),
        escape(&excerpt::request_line(exchange)),
        escape(&excerpt::status_text(exchange)),
        excerpt::seconds(exchange.elapsed_ms)
    )?;
    if !exchange.violations.is_empty() {
        writeln!(f, "<ul class=\"reasons\">")?;
        for violation in &exchange.violations {
            writeln!(
                f,
                "<li><b>{}</b> ({}): {}</li>",
                escape(&violation.check),
                violation.strength.as_str(),
                escape(&violation.reason)
            )?;
        }
        writeln!(f, "</ul>")?;
    }
    let request = message_text(
        &excerpt::request_line(exchange),
        &exchange.request_headers,
        exchange.request_body.as_deref(),
    );
    writeln!(
        f,
        "<div class=\"caption\">Request</div><pre>{}</pre>",
        escape(&request)
    )?;
    if exchange.status.is_some() {
        let response = message_text(
            &excerpt::status_text(exchange),
            &exchange.response_headers,
            exchange.response_body.as_deref(),
        );
        writeln!(
            f,
            "<div class=\"caption\">Response</div><pre>{}</pre>",
            escape(&response)
        )?;
    }
    writeln!(
        f,
        "<div class=\"caption\">Replay <button type=\"button\" class=\"copy\">copy</button><pre>{}</pre></div>",
        escape(&curl_command(exchange))
    )?;
    writeln!(f, "</div>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            escape(r#"</script><img src=x onerror='a()'>&"#),
            "&lt;/script&gt;&lt;img src=x onerror=&#39;a()&#39;&gt;&amp;"
        );
    }

    #[test]
    fn a_stopped_run_says_so_and_lists_what_it_left_behind() {
        let mut report = fixture::report();
        report.interrupted = true;
        report.stop_reason = Some("interrupted by SIGTERM".to_owned());
        report.leftovers = vec!["d1: <delete refused>".to_owned()];
        report.retries.retried = 2;
        report.retries.by_status.insert(503, 2);
        let page = to_html(&report);
        assert!(verdict(&report).ends_with("; stopped early: interrupted by SIGTERM"));
        assert!(page.contains("class=\"verdict bad\""));
        let left = between(&page, "<section id=\"leftovers\">", "</section>");
        assert!(left.contains("d1: &lt;delete refused&gt;"), "{left}");
        assert!(left.contains("hwoath cleanup --target"), "{left}");
        assert!(page.contains("2 retried (503 x2)"));
        assert!(page.contains("never a tenant&#39;s keys"));
    }

    fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
        let start = text.find(open).unwrap() + open.len();
        let end = start + text[start..].find(close).unwrap();
        &text[start..end]
    }

    #[test]
    fn csp_admits_exactly_the_page_own_style_and_script() {
        let page = to_html(&fixture::report());
        let style = between(&page, "<style>", "</style>");
        let script = between(&page, "<script>", "</script>");
        let policy = between(&page, "Content-Security-Policy\" content=\"", "\"");
        assert!(
            policy.contains(&format!("style-src {};", csp_hash(style))),
            "{policy}"
        );
        assert!(
            policy.contains(&format!("script-src {};", csp_hash(script))),
            "{policy}"
        );
        assert!(policy.starts_with("default-src 'none'"));
        assert!(!policy.contains("unsafe"), "{policy}");
    }

    #[test]
    fn has_no_external_resource_and_links_only_within_the_page() {
        let page = to_html(&fixture::report());
        for needle in ["src=", "http://cdn", "@import", "url(", "xlink:"] {
            assert!(!page.contains(needle), "{needle} found");
        }
        let links: Vec<&str> = page.split("href=\"").skip(1).collect();
        assert!(!links.is_empty());
        assert!(links.iter().all(|link| link.starts_with('#')), "{links:?}");
    }

    #[test]
    fn verdict_names_counts_and_target() {
        let mut report = fixture::report();
        assert_eq!(
            verdict(&report),
            "FAILED: 1 documented failure, 1 divergence, 1 error against \
             http://127.0.0.1:8080/beta (embedded-mock)"
        );
        report.cases.retain(|case| !case.outcome.is_bad());
        assert_eq!(
            verdict(&report),
            "Passed: 1 case against http://127.0.0.1:8080/beta (embedded-mock)"
        );
        let page = to_html(&report);
        let body = between(&page, "<body>\n", "\n");
        assert_eq!(body, "<header class=\"verdict good\" id=\"verdict\">");
        assert!(!page.contains("id=\"problems-"));
    }

    #[test]
    fn opens_with_the_verdict_then_problems_in_order() {
        let page = to_html(&fixture::report());
        let after_body = &page[page.find("<body>").unwrap()..];
        assert!(after_body.starts_with("<body>\n<header class=\"verdict bad\""));
        let order = [
            "FAILED: ",
            "id=\"problems-fail\"",
            "id=\"problems-error\"",
            "id=\"problems-diverge\"",
            "id=\"groups\"",
            "id=\"run\"",
            "id=\"cases\"",
        ];
        let at: Vec<usize> = order.iter().map(|n| page.find(n).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{order:?} at {at:?}");
    }

    #[test]
    fn table_lists_problems_first_and_hides_passes() {
        let report = fixture::report();
        let page = to_html(&report);
        let rows: Vec<&str> = page
            .split("<tbody class=\"case\" ")
            .skip(1)
            .map(|row| between(row, "data-outcome=\"", "\""))
            .collect();
        assert_eq!(rows, ["fail", "error", "diverge", "skip", "pass"]);
        assert_eq!(page.matches(" hidden>").count(), 1);
        assert!(page.contains("id=\"c0\" data-outcome=\"pass\" data-group=\"rfc\" hidden>"));
        assert!(page.contains("value=\"pass\"> pass (1)"));
        assert!(page.contains("value=\"fail\" checked> fail (1)"));
        assert!(page.contains("<span id=\"shown\">4 of 5 cases shown</span>"));
    }

    #[test]
    fn details_only_for_cases_that_did_not_pass() {
        let report = fixture::report();
        let page = to_html(&report);
        assert_eq!(
            page.matches("<tbody class=\"case\"").count(),
            report.cases.len()
        );
        assert_eq!(page.matches("<details class=\"case-detail\">").count(), 4);
        assert!(page.contains("curl -sS -X POST"));
        assert!(page.contains("data-group=\"validation\""));
    }

    #[test]
    fn each_cause_card_links_the_cases_it_covers() {
        let page = to_html(&fixture::report());
        let failures = between(&page, "id=\"problems-fail\"", "</section>");
        assert_eq!(
            failures
                .matches("<article class=\"card cause fail\">")
                .count(),
            1
        );
        assert!(failures.contains("<a href=\"#c1\">validation/create-interval-45</a>"));
        assert!(failures.contains("<h3>status 201 is not 400 for timeIntervalInSeconds 45</h3>"));
        assert!(
            !failures.contains("<p class=\"sample\">"),
            "the heading says it all"
        );
        let errors = between(&page, "id=\"problems-error\"", "</section>");
        assert!(
            errors.contains("<a href=\"#c4\">odata/top-2</a>"),
            "{errors}"
        );
    }

    #[test]
    fn folds_long_lists_of_case_ids() {
        let mut report = fixture::report();
        let template = report.cases[1].clone();
        for n in 0..30 {
            let mut case = template.clone();
            case.id = format!("validation/more-{n}");
            report.cases.push(case);
        }
        let page = to_html(&report);
        let card = between(&page, "<article class=\"card cause fail\">", "</article>");
        assert!(card.contains("<div class=\"count\">31<small>cases</small></div>"));
        assert!(card.contains("<summary>19 more</summary>"), "{card}");
        assert_eq!(card.matches("<li><a href=\"#c").count(), 31);
    }

    #[test]
    fn chart_bars_fill_the_width_in_outcome_order() {
        let page = to_html(&fixture::report());
        let chart = between(&page, "<div class=\"chart\">", "</section>");
        assert_eq!(chart.matches("<svg class=\"bar\"").count(), 5);
        let mut report = fixture::report();
        report.cases[0].group = "validation".to_owned();
        let groups = excerpt::groups(&report);
        let rects = bar_rects(&groups[0].1);
        assert_eq!(
            rects,
            "<rect class=\"fail\" x=\"0.00\" y=\"0\" width=\"500.00\" height=\"10\"><title>1 fail</title></rect>\
             <rect class=\"pass\" x=\"500.00\" y=\"0\" width=\"500.00\" height=\"10\"><title>1 pass</title></rect>"
        );
        assert_eq!(tally_html(&groups[0].1), "2 · <b>1 fail</b> 1 pass");
    }

    #[test]
    fn row_summaries_name_the_rule_and_details_keep_its_source() {
        let mut report = fixture::report();
        let reason = "create: expected 400, got 201 [interval-30-60: https://x (docs/spec.md, D1)]";
        report.cases[1].reasons = vec![reason.to_owned()];
        let page = to_html(&report);
        assert!(page.contains(
            "<summary>create: expected 400, got 201 [interval-30-60] (1 exchange)</summary>"
        ));
        assert!(page.contains(&format!("<li>{}</li>", escape(reason))));
    }

    #[test]
    fn group_links_are_percent_encoded() {
        assert_eq!(fragment_value("a b&\"<é"), "a%20b%26%22%3C%C3%A9");
        assert_eq!(fragment_value("validation"), "validation");
    }
}
