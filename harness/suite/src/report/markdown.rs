//! `report.md`: run facts, a summary table, a per-group table, and every case that did not pass with
//! its reasons and failing exchanges (request line, status, short response body, curl replay line).
//! Target text is escaped: outside code blocks `<`, `>` and `&` become entities and Markdown syntax
//! is backslash-escaped; code blocks get a fence longer than any backtick run inside them.

use std::fmt::{self, Display, Formatter};

use super::curl::curl_command;
use super::excerpt::{self, SHORT_BODY_CHARS};
use super::model::{CaseReport, Outcome, RetrySummary, RunReport, Summary};

/// The report as Markdown.
pub fn to_markdown(report: &RunReport) -> String {
    Markdown(&report.redacted()).to_string()
}

/// Escapes text for a Markdown paragraph, list item or table cell, on one line.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A fenced code block whose fence no content can close.
fn code_block(f: &mut Formatter<'_>, language: &str, content: &str) -> fmt::Result {
    let fence = "`".repeat(longest_backtick_run(content).max(2) + 1);
    writeln!(f, "{fence}{language}")?;
    writeln!(f, "{}", content.trim_end_matches(['\r', '\n']))?;
    writeln!(f, "{fence}")?;
    writeln!(f)
}

fn counts_row(f: &mut Formatter<'_>, label: &str, s: &Summary) -> fmt::Result {
    writeln!(
        f,
        "| {label} | {} | {} | {} | {} | {} | {} |",
        s.total, s.passed, s.failed, s.diverged, s.skipped, s.errored
    )
}

const COUNTS_HEADER: &str = "| Total | Pass | Fail | Diverge | Skip | Error |";
const COUNTS_RULE: &str = "|---:|---:|---:|---:|---:|---:|";

/// Renders a whole report.
struct Markdown<'a>(&'a RunReport);

impl Display for Markdown<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let report = self.0;
        writeln!(f, "# hwoath conformance report\n")?;
        writeln!(f, "| Run | {} |", inline(&report.run_id))?;
        writeln!(f, "|---|---|")?;
        writeln!(
            f,
            "| Target | {} ({}, {}) |",
            inline(&report.target.base_url),
            inline(&report.target.kind),
            inline(&report.target.auth)
        )?;
        writeln!(f, "| Tool | hwoath {} |", inline(&report.tool_version))?;
        writeln!(f, "| Started | {} |", inline(&report.started_at))?;
        writeln!(f, "| Duration | {} |", excerpt::seconds(report.duration_ms))?;
        writeln!(f, "| Seed | {} |", report.seed)?;
        if let Some(reason) = &report.stop_reason {
            writeln!(f, "| Stopped early | {} |", inline(reason))?;
        }
        writeln!(f)?;
        writeln!(f, "{}\n", super::model::SECRETS_NOTE)?;

        writeln!(f, "## Summary\n")?;
        writeln!(f, "| |{}", &COUNTS_HEADER[1..])?;
        writeln!(f, "|---{COUNTS_RULE}")?;
        counts_row(f, "all", &Summary::of(&report.cases))?;
        writeln!(f)?;
        retries_paragraph(f, &report.retries)?;
        left_behind(f, report)?;

        writeln!(f, "## By group\n")?;
        writeln!(f, "| Group {COUNTS_HEADER}")?;
        writeln!(f, "|---{COUNTS_RULE}")?;
        for (group, summary) in excerpt::groups(report) {
            counts_row(f, &inline(group), &summary)?;
        }
        writeln!(f)?;

        let sections = [
            (Outcome::Fail, "Failures (documented rules)"),
            (Outcome::Error, "Errors (case could not run)"),
            (Outcome::Diverge, "Divergences (inferred rules)"),
        ];
        for (outcome, heading) in sections {
            let cases: Vec<&CaseReport> = report
                .cases
                .iter()
                .filter(|c| c.outcome == outcome)
                .collect();
            if cases.is_empty() {
                continue;
            }
            writeln!(f, "## {heading}\n")?;
            for case in cases {
                case_section(f, case)?;
            }
        }
        let skipped: Vec<&CaseReport> = report
            .cases
            .iter()
            .filter(|c| c.outcome == Outcome::Skip)
            .collect();
        if !skipped.is_empty() {
            writeln!(f, "## Skipped\n")?;
            for case in skipped {
                writeln!(
                    f,
                    "- {}: {}",
                    inline(&case.id),
                    inline(&case.reasons.join("; "))
                )?;
            }
            writeln!(f)?;
        }
        let observed: Vec<&CaseReport> = report
            .cases
            .iter()
            .filter(|c| !c.observations.is_empty())
            .collect();
        if !observed.is_empty() {
            writeln!(
                f,
                "## Observations (where the docs allow more than one answer)\n"
            )?;
            for case in observed {
                writeln!(
                    f,
                    "- {}: {}",
                    inline(&case.id),
                    inline(&case.observations.join("; "))
                )?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// What the client's retries did, when it retried anything.
fn retries_paragraph(f: &mut Formatter<'_>, retries: &RetrySummary) -> fmt::Result {
    if retries.is_empty() {
        return Ok(());
    }
    if retries.retried == 0 {
        return writeln!(
            f,
            "Retries: none; {} request(s) ended with a 429 or 503 and no retry left, and were judged \
             as answered.\n",
            retries.exhausted
        );
    }
    writeln!(
        f,
        "Retries: {} attempt(s) answered 429 or 503 were sent again ({}) after waiting {} in all; \
         {} request(s) recovered, {} ran out of retries (their last answer was judged). A retried \
         answer is listed with its case's exchanges and is not a violation of `no-server-error` \
         (docs/spec.md, D31).\n",
        retries.retried,
        retries.statuses(),
        excerpt::seconds(retries.waited_ms),
        retries.recovered,
        retries.exhausted
    )
}

/// What the run could not undo on the target: devices left and a clock not put back.
fn left_behind(f: &mut Formatter<'_>, report: &RunReport) -> fmt::Result {
    if report.leftovers.is_empty() && report.clock_not_restored.is_none() {
        return Ok(());
    }
    writeln!(f, "## Left on the target\n")?;
    if let Some(reason) = &report.clock_not_restored {
        writeln!(f, "- the clock was not put back: {}", inline(reason))?;
    }
    for leftover in &report.leftovers {
        writeln!(f, "- {}", inline(leftover))?;
    }
    writeln!(f)
}

fn case_section(f: &mut Formatter<'_>, case: &CaseReport) -> fmt::Result {
    writeln!(
        f,
        "### {} {}: {}\n",
        case.outcome.as_str().to_uppercase(),
        inline(&case.id),
        inline(&case.title)
    )?;
    writeln!(
        f,
        "Strength: {}. Source: {}.\n",
        case.strength.as_str(),
        inline(&case.source)
    )?;
    for reason in &case.reasons {
        writeln!(f, "- {}", inline(reason))?;
    }
    writeln!(f)?;
    for exchange in excerpt::failing_exchanges(case) {
        writeln!(
            f,
            "#### {}: {} → {}\n",
            inline(&exchange.step),
            inline(&excerpt::request_line(exchange)),
            inline(&excerpt::status_text(exchange))
        )?;
        for violation in &exchange.violations {
            writeln!(
                f,
                "- {} ({}): {}",
                inline(&violation.check),
                violation.strength.as_str(),
                inline(&violation.reason)
            )?;
        }
        if !exchange.violations.is_empty() {
            writeln!(f)?;
        }
        if let Some(body) = exchange.response_body.as_deref().filter(|b| !b.is_empty()) {
            code_block(f, "", &excerpt::shorten(body, SHORT_BODY_CHARS))?;
        }
        code_block(f, "sh", &curl_command(exchange))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn inline_text_cannot_open_html_links_or_cells() {
        assert_eq!(
            inline("<img src=x> | [a](b) `c` *d*\nnext"),
            r"&lt;img src=x&gt; \| \[a\](b) \`c\` \*d\* next"
        );
    }

    #[test]
    fn code_fences_outlast_backtick_runs_in_content() {
        struct Block(&'static str);
        impl Display for Block {
            fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
                code_block(f, "", self.0)
            }
        }
        assert_eq!(Block("a\n```\nb").to_string(), "````\na\n```\nb\n````\n\n");
        assert_eq!(Block("plain").to_string(), "```\nplain\n```\n\n");
    }

    #[test]
    fn shows_retries_stops_and_what_was_left() {
        let mut report = fixture::report();
        assert!(!to_markdown(&report).contains("Retries:"));
        report.retries.retried = 3;
        report.retries.by_status.insert(503, 2);
        report.retries.by_status.insert(429, 1);
        report.retries.recovered = 2;
        report.retries.exhausted = 1;
        report.retries.waited_ms = 2500;
        report.stop_reason = Some("the run reached --max-time 5 s".to_owned());
        report.leftovers = vec!["device x: delete answered 500".to_owned()];
        report.clock_not_restored = Some("restoring the clock answered 500".to_owned());
        let text = to_markdown(&report);
        assert!(
            text.contains("Retries: 3 attempt(s) answered 429 or 503 were sent again (429 x1, 503 x2) after waiting 2.500 s"),
            "{text}"
        );
        assert!(
            text.contains("| Stopped early | the run reached --max-time 5 s |"),
            "{text}"
        );
        assert!(text.contains("- device x: delete answered 500"), "{text}");
        assert!(text.contains("- the clock was not put back: restoring the clock answered 500"));
    }

    #[test]
    fn lists_every_non_pass_case_once_and_no_pass_case() {
        let text = to_markdown(&fixture::report());
        for id in [
            "validation/create-interval-45",
            "lifecycle/delete-assigned",
            "odata/top-2",
        ] {
            let heading = format!(" {}: ", inline(id));
            assert_eq!(text.matches(&heading).count(), 1, "{id} in\n{text}");
        }
        assert!(text.contains("- authz/app-me: target has no app token"));
        assert!(!text.contains("rfc/sha1-59"), "{text}");
        assert!(text.contains("| rfc | 1 | 1 | 0 | 0 | 0 | 0 |"), "{text}");
    }
}
