//! report.html stays inert whatever the target sent: no target string reaches the page unescaped.

mod report_support;

use hwoath_suite::report::html::{escape, to_html};
use report_support::{HOSTILE, hostile_report};

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
        page.matches("<details>").count()
    );
    assert!(page.contains(&escape(HOSTILE)));
    assert!(page.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn attribute_values_cannot_break_out() {
    let page = to_html(&hostile_report());
    for line in page.lines().filter(|l| l.contains("data-group=")) {
        let value = line.split("data-group=\"").nth(1).unwrap();
        let value = &value[..value.find('"').unwrap()];
        assert!(!value.contains(['<', '>', '\'']), "{value}");
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
