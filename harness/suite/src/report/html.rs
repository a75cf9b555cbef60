//! `report.html`: one self-contained page (inline CSS and JS, no external resource) with summary
//! badges, filters by outcome and group, a table of cases, and for each case that did not pass an
//! expandable view of its exchanges with a curl replay line. Everything is rendered server-side and
//! every string goes through [`escape`]; a Content-Security-Policy admits only this page's own style
//! and script (by hash), so even a missed escape could not run injected script or load anything.

use std::fmt::{self, Display, Formatter};

use data_encoding::BASE64;
use sha2::{Digest, Sha256};

use super::curl::curl_command;
use super::excerpt;
use super::model::{CaseReport, ExchangeRecord, Outcome, RunReport, Strength, Summary};
use super::redact::redacted;

/// The page's only style sheet.
const STYLE: &str = r#"
:root{--pass:#1a7f37;--fail:#cf222e;--diverge:#9a6700;--skip:#6e7781;--error:#8250df;--line:#d0d7de}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1f2328}
h1{font-size:1.4rem;margin:0 0 .5rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0 0 1rem}
dl.meta dt{font-weight:600}dl.meta dd{margin:0;overflow-wrap:anywhere}
.badges{display:flex;gap:.5rem;flex-wrap:wrap;margin:0 0 1rem}
.badge{display:inline-block;border-radius:1rem;padding:.1rem .6rem;color:#fff;background:#57606a;font-weight:600}
.badges .badge{font-size:1.05rem;padding:.3rem .9rem}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.diverge{background:var(--diverge)}
.badge.skip{background:var(--skip)}.badge.error{background:var(--error)}
fieldset{display:inline-block;border:1px solid var(--line);border-radius:6px;margin:0 .5rem .5rem 0;vertical-align:top}
fieldset label{margin-right:.6rem;white-space:nowrap}
button{font:inherit;padding:.15rem .6rem;margin-right:.3rem;cursor:pointer}
#shown{color:#57606a;margin-left:.5rem}
table{border-collapse:collapse;width:100%;margin-top:.5rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0}
td.num{text-align:right;white-space:nowrap}
tr.detail td{background:#fbfbfc;border-bottom:2px solid var(--line)}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:.5rem;white-space:pre-wrap;overflow-wrap:anywhere;max-height:24rem;overflow:auto;margin:.3rem 0}
.exchange{border-left:3px solid var(--line);padding-left:.7rem;margin:.7rem 0}
.exchange.failing{border-left-color:var(--fail)}
.exchange h4{margin:.2rem 0}
ul.reasons{margin:.3rem 0 .6rem}
code{overflow-wrap:anywhere}
"#;

/// The page's only script: filters and copy buttons.
const SCRIPT: &str = r#"
(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-filter]'));
  var cases = Array.prototype.slice.call(document.querySelectorAll('tbody.case'));
  var shown = document.getElementById('shown');
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
  function setOutcomes(wanted) {
    boxes.forEach(function (box) {
      if (box.getAttribute('data-filter') === 'outcome') { box.checked = wanted(box.value); }
    });
    apply();
  }
  boxes.forEach(function (box) { box.addEventListener('change', apply); });
  document.getElementById('only-problems').addEventListener('click', function () {
    setOutcomes(function (outcome) { return outcome === 'fail' || outcome === 'diverge' || outcome === 'error'; });
  });
  document.getElementById('show-all').addEventListener('click', function () {
    boxes.forEach(function (box) { box.checked = true; });
    apply();
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
  apply();
})();
"#;

const OUTCOMES: [Outcome; 5] = [
    Outcome::Fail,
    Outcome::Error,
    Outcome::Diverge,
    Outcome::Skip,
    Outcome::Pass,
];

/// The report as one self-contained HTML page.
pub fn to_html(report: &RunReport) -> String {
    Html(&redacted(report)).to_string()
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

fn strength_name(strength: Strength) -> &'static str {
    match strength {
        Strength::Documented => "documented",
        Strength::Inferred => "inferred",
    }
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

/// Renders a whole page.
struct Html<'a>(&'a RunReport);

impl Display for Html<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let report = self.0;
        let summary = Summary::of(&report.cases);
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
        writeln!(f, "<title>hwoath report {}</title>", escape(&report.run_id))?;
        writeln!(f, "<style>{STYLE}</style>\n</head>\n<body>")?;
        writeln!(f, "<h1>hwoath conformance report</h1>\n<dl class=\"meta\">")?;
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
        ];
        for (label, value) in facts {
            writeln!(f, "<dt>{label}</dt><dd>{}</dd>", escape(&value))?;
        }
        writeln!(f, "</dl>\n<div class=\"badges\">")?;
        writeln!(f, "<span class=\"badge\">{} cases</span>", summary.total)?;
        for outcome in OUTCOMES {
            let name = outcome.as_str();
            writeln!(
                f,
                "<span class=\"badge {name}\">{} {name}</span>",
                count(&summary, outcome)
            )?;
        }
        writeln!(f, "</div>")?;
        filters(f, report, &summary)?;
        writeln!(
            f,
            "<table>\n<thead><tr><th>Outcome</th><th>Case</th><th>Group</th>\
             <th>Strength</th><th>Title</th><th>Time</th></tr></thead>"
        )?;
        for case in &report.cases {
            case_rows(f, case)?;
        }
        writeln!(f, "</table>\n<script>{SCRIPT}</script>\n</body>\n</html>")
    }
}

fn filters(f: &mut Formatter<'_>, report: &RunReport, summary: &Summary) -> fmt::Result {
    writeln!(
        f,
        "<div class=\"filters\">\n<fieldset><legend>Outcome</legend>"
    )?;
    for outcome in OUTCOMES {
        let name = outcome.as_str();
        writeln!(
            f,
            "<label><input type=\"checkbox\" data-filter=\"outcome\" value=\"{name}\" checked> \
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
    writeln!(
        f,
        "</fieldset>\n<div><button type=\"button\" id=\"only-problems\">Only problems</button>\
         <button type=\"button\" id=\"show-all\">Show all</button><span id=\"shown\"></span></div>\n</div>"
    )
}

fn case_rows(f: &mut Formatter<'_>, case: &CaseReport) -> fmt::Result {
    let outcome = case.outcome.as_str();
    writeln!(
        f,
        "<tbody class=\"case\" data-outcome=\"{outcome}\" data-group=\"{}\">",
        escape(&case.group)
    )?;
    writeln!(
        f,
        "<tr><td><span class=\"badge {outcome}\">{outcome}</span></td><td><code>{}</code></td>\
         <td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
        escape(&case.id),
        escape(&case.group),
        strength_name(case.strength),
        title_cell(case),
        excerpt::seconds(case.duration_ms)
    )?;
    if case.outcome != Outcome::Pass {
        writeln!(f, "<tr class=\"detail\"><td colspan=\"6\"><details>")?;
        let first = case.reasons.first().map(String::as_str).unwrap_or(outcome);
        writeln!(
            f,
            "<summary>{} ({} exchanges)</summary>",
            escape(&excerpt::shorten(first, 160)),
            case.exchanges.len()
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
        writeln!(f, "</details></td></tr>")?;
    }
    writeln!(f, "</tbody>")
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
                strength_name(violation.strength),
                escape(&violation.reason)
            )?;
        }
        writeln!(f, "</ul>")?;
    }
    let request = format!(
        "{}\n{}{}",
        excerpt::request_line(exchange),
        headers_text(&exchange.request_headers),
        exchange
            .request_body
            .as_deref()
            .map(|body| format!("\n{body}"))
            .unwrap_or_default()
    );
    writeln!(f, "<div>Request</div><pre>{}</pre>", escape(&request))?;
    if exchange.status.is_some() {
        let response = format!(
            "{}\n{}{}",
            excerpt::status_text(exchange),
            headers_text(&exchange.response_headers),
            exchange
                .response_body
                .as_deref()
                .map(|body| format!("\n{body}"))
                .unwrap_or_default()
        );
        writeln!(f, "<div>Response</div><pre>{}</pre>", escape(&response))?;
    }
    writeln!(
        f,
        "<div>Replay <button type=\"button\" class=\"copy\">copy</button><pre>{}</pre></div>",
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
    }

    #[test]
    fn has_no_external_resource() {
        let page = to_html(&fixture::report());
        for needle in ["src=", "href=", "http://cdn", "https://", "@import", "url("] {
            assert!(!page.contains(needle), "{needle} found");
        }
    }

    #[test]
    fn details_only_for_cases_that_did_not_pass() {
        let report = fixture::report();
        let page = to_html(&report);
        assert_eq!(
            page.matches("<tbody class=\"case\"").count(),
            report.cases.len()
        );
        assert_eq!(page.matches("<details>").count(), 4);
        assert!(page.contains("curl -sS -X POST"));
        assert!(page.contains("data-group=\"validation\""));
    }
}
