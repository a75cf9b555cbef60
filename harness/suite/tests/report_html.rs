//! report.html read at a glance and inert whatever the target sent: the verdict first, problems grouped
//! by cause, a chart per group, every property failure with its request and replay line, a CSP whose
//! hash admits exactly the page's own script, and no target string unescaped.

mod report_html_support;
mod report_support;

use data_encoding::BASE64;
use hwoath_suite::internals::{escape, verdict};
use hwoath_suite::report::Outcome;
use hwoath_suite::report::to_html;
use report_html_support::{
    ENVELOPE_CASES, FORBIDDEN_CASES, SCRIPT_REASON, TIMEOUT_CASES, count, failing_run,
};
use report_support::{HOSTILE, hostile_report};
use sha2::{Digest, Sha256};

/// The text between the first `open` and the next `close`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).unwrap_or_else(|| panic!("{open} missing")) + open.len();
    let end = start + text[start..].find(close).expect("closed");
    &text[start..end]
}

/// Each cause card of a section: (count, the card's HTML).
fn cards<'a>(page: &'a str, section: &str) -> Vec<(usize, &'a str)> {
    let section = between(page, &format!("id=\"problems-{section}\""), "</section>");
    section
        .split("<article class=\"card cause ")
        .skip(1)
        .map(|card| {
            let n = between(card, "<div class=\"count\">", "<small>");
            (n.parse().expect("a count"), card)
        })
        .collect()
}

#[test]
fn hostile_strings_appear_only_escaped() {
    let page = to_html(&hostile_report());
    assert!(!page.contains(HOSTILE));
    assert!(!page.contains("<img"), "an injected element survived");
    assert!(!page.contains("onerror=alert(1)>"));
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert_eq!(page.matches("</script>").count(), 1);
    assert_eq!(
        page.matches("</pre>").count(),
        page.matches("<pre>").count()
    );
    assert_eq!(
        page.matches("</details>").count(),
        page.matches("<details").count()
    );
    assert!(page.contains(&escape(HOSTILE)));
    assert!(page.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn a_script_in_a_reason_is_escaped_in_its_card_and_its_row() {
    let page = to_html(&failing_run());
    let escaped = "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;";
    assert!(!page.contains("<script>alert"));
    assert_eq!(page.matches("<script").count(), 1);
    let (_, card) = cards(&page, "fail")
        .into_iter()
        .find(|(_, card)| card.contains("docs/hostile-reason"))
        .expect("a card for the hostile reason");
    assert!(card.contains(escaped), "{card}");
    assert!(page.contains(&format!("<li>{}</li>", escape(SCRIPT_REASON))));
}

#[test]
fn attribute_values_cannot_break_out() {
    let page = to_html(&hostile_report());
    for attribute in ["data-group=\"", "value=\"", "href=\"", "aria-label=\""] {
        for value in page.split(attribute).skip(1) {
            let value = &value[..value.find('"').unwrap()];
            assert!(!value.contains(['<', '>', '\'']), "{attribute}{value}");
        }
    }
    for link in page.split("href=\"").skip(1) {
        assert!(link.starts_with('#'), "a link out of the page: {link}");
    }
}

#[test]
fn a_recorded_token_never_reaches_the_page() {
    let mut report = hostile_report();
    report.cases[1].exchanges[0].request_headers[0].1 = "Bearer eyJhbGciOi.secret".to_owned();
    let page = to_html(&report);
    assert!(!page.contains("eyJhbGciOi"));
    assert!(page.contains("authorization: Bearer [redacted]"));
    assert!(page.contains("Authorization: Bearer $GRAPH_TOKEN"));
}

#[test]
fn csp_hash_admits_exactly_the_inline_script_and_style() {
    let page = to_html(&failing_run());
    let policy = between(&page, "Content-Security-Policy\" content=\"", "\"");
    for (open, close, directive) in [
        ("<script>", "</script>", "script-src"),
        ("<style>", "</style>", "style-src"),
    ] {
        let inline = between(&page, open, close);
        let hash = BASE64.encode(&Sha256::digest(inline.as_bytes()));
        assert!(
            policy.contains(&format!("{directive} 'sha256-{hash}';")),
            "{directive} in {policy}"
        );
    }
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(
        !page.contains(" style=\""),
        "inline style attributes need 'unsafe-inline'"
    );
    assert!(
        !page.contains(" onclick="),
        "inline handlers need 'unsafe-inline'"
    );
}

#[test]
fn the_verdict_comes_first_and_counts_the_problems() {
    let report = failing_run();
    let page = to_html(&report);
    let expected = format!(
        "FAILED: {} documented failures, {} divergences, {} errors against \
         http://127.0.0.1:8080/beta (embedded-mock)",
        count(&report, Outcome::Fail),
        count(&report, Outcome::Diverge),
        count(&report, Outcome::Error)
    );
    assert_eq!(verdict(&report), expected);
    let body = between(&page, "<body>\n", "</header>");
    assert!(body.starts_with("<header class=\"verdict bad\""), "{body}");
    assert!(body.contains(&format!("<p class=\"headline\">{expected}</p>")));
    assert!(page.contains("<title>FAILED: hwoath report "));
}

#[test]
fn problems_come_before_anything_else_failures_errors_divergences() {
    let page = to_html(&failing_run());
    let order = [
        "<header class=\"verdict",
        "id=\"problems-fail\"",
        "id=\"problems-error\"",
        "id=\"problems-diverge\"",
        "id=\"generated\"",
        "id=\"groups\"",
        "id=\"run\"",
        "id=\"cases\"",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|needle| page.find(needle).unwrap_or_else(|| panic!("{needle}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{order:?} at {at:?}");
}

#[test]
fn failures_are_grouped_by_rule_and_status_with_every_case_linked() {
    let report = failing_run();
    let page = to_html(&report);
    let failures = cards(&page, "fail");
    let counts: Vec<usize> = failures.iter().map(|(n, _)| *n).collect();
    assert_eq!(counts, [FORBIDDEN_CASES, ENVELOPE_CASES, 1, 1, 1]);
    assert_eq!(
        counts.iter().sum::<usize>(),
        count(&report, Outcome::Fail),
        "each failing case in exactly one card here"
    );
    let (_, forbidden) = failures[0];
    assert!(
        forbidden.contains("<code>forbidden-403</code>"),
        "{forbidden}"
    );
    assert!(forbidden.contains("<span class=\"observed\">expected 403, got 200</span>"));
    assert_eq!(
        forbidden.matches("<li><a href=\"#c").count(),
        FORBIDDEN_CASES
    );
    assert!(forbidden.contains(&format!("<summary>{} more</summary>", FORBIDDEN_CASES - 12)));
    for link in forbidden.split("<a href=\"#").skip(1) {
        let (anchor, id) = link.split_once("\">").unwrap();
        let id = &id[..id.find('<').unwrap()];
        let index: usize = anchor[1..].parse().unwrap();
        assert_eq!(report.cases[index].id, id, "a link to the wrong case");
        assert!(page.contains(&format!("<tbody class=\"case\" id=\"{anchor}\"")));
    }
    let (_, envelope) = failures[1];
    assert!(envelope.contains("<code>error_envelope</code>"));
    assert!(envelope.contains("on a 400 answer"), "{envelope}");
    let errors = cards(&page, "error");
    assert_eq!(errors[0].0, TIMEOUT_CASES);
    assert!(
        errors[0]
            .1
            .contains("no response: no complete response within 10s")
    );
}

#[test]
fn every_property_failure_shows_its_request_and_replay_line() {
    let report = failing_run();
    let page = to_html(&report);
    let section = between(&page, "id=\"generated\"", "</section>");
    let cards: Vec<&str> = section
        .split("<article class=\"card generated")
        .skip(1)
        .collect();
    assert_eq!(cards.len(), report.failures.len());
    let card = cards[0];
    let case = report
        .cases
        .iter()
        .position(|c| c.id == "properties/create-wrong-type")
        .unwrap();
    for needle in [
        format!("<a href=\"#c{case}\"><code>properties/create-wrong-type</code></a>"),
        "<span class=\"observed\">wrong-type: model = 123456</span>".to_owned(),
        "expected <b>400</b>, received <b class=\"bad\">201</b> · create body · seed 7 · value #3".to_owned(),
        "POST /directory/authenticationMethodDevices/hardwareOathDevices\ncontent-type: application/json\n\n"
            .to_owned(),
        escape("{\"serialNumber\":\"{{serial}}\",\"model\":123456,\"secretKey\":\"[redacted]\"}"),
        escape("{\"id\":\"d-9\",\"note\":\"</pre><b>x</b>\"}"),
        "<pre>hwoath replay failures/properties-create-wrong-type-3.json</pre>".to_owned(),
    ] {
        assert!(card.contains(&needle), "{needle} missing from\n{card}");
    }
}

#[test]
fn each_group_has_a_stacked_bar_of_its_outcomes() {
    let report = failing_run();
    let page = to_html(&report);
    let chart = between(&page, "<div class=\"chart\">", "</section>");
    let groups = [
        "rfc",
        "validation",
        "lifecycle",
        "authz",
        "odata",
        "docs",
        "properties",
    ];
    assert_eq!(chart.matches("<svg class=\"bar\"").count(), groups.len());
    for group in groups {
        assert!(chart.contains(&format!("<a href=\"#group={group}\" class=\"group-name\">")));
    }
    let authz = between(chart, "aria-label=\"authz: ", "</svg>");
    assert!(
        authz.starts_with(&format!("{FORBIDDEN_CASES} fail, 1 skip\">")),
        "{authz}"
    );
    let widths: f64 = authz
        .split("width=\"")
        .skip(1)
        .map(|w| w[..w.find('"').unwrap()].parse::<f64>().unwrap())
        .sum();
    assert!(
        (widths - 1000.0).abs() < 0.1,
        "bars fill the width: {widths}"
    );
}

#[test]
fn passes_are_hidden_behind_the_filters() {
    let report = failing_run();
    let page = to_html(&report);
    let passes = count(&report, Outcome::Pass);
    assert_eq!(page.matches("data-outcome=\"pass\"").count(), passes);
    assert_eq!(page.matches(" hidden>").count(), passes);
    assert!(page.contains(&format!("value=\"pass\"> pass ({passes})")));
    assert!(page.contains(&format!(
        "<span id=\"shown\">{} of {} cases shown</span>",
        report.cases.len() - passes,
        report.cases.len()
    )));
}
