//! report.md of a small fixed report, snapshotted; and hostile text kept inert.

mod report_support;

use hwoath_suite::report::to_markdown;
use report_support::{HOSTILE, hostile_report, report};

#[test]
fn markdown_of_a_fixed_report() {
    insta::assert_snapshot!(to_markdown(&report()));
}

#[test]
fn hostile_text_cannot_add_html_or_close_code_blocks() {
    let text = to_markdown(&hostile_report());
    let outside_code: String = {
        let mut out = String::new();
        let mut fence: Option<String> = None;
        for line in text.lines() {
            let ticks: String = line.chars().take_while(|c| *c == '`').collect();
            match &fence {
                Some(open) if line == open.as_str() => fence = None,
                Some(_) => {}
                None if ticks.len() >= 3 => fence = Some(ticks),
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        assert!(fence.is_none(), "an unterminated code block");
        out
    };
    assert!(
        !outside_code.contains('<'),
        "raw HTML outside code:\n{outside_code}"
    );
    assert!(text.contains("```\n") || text.contains("````\n"));
    assert!(
        text.contains(HOSTILE),
        "the body is shown verbatim inside code blocks"
    );
}
