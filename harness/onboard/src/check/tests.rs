//! Whole-file findings: every kind, with its line, column, code and severity, and no secret.

use super::*;

const HEADER_LINE: &str = "upn,serial number,secret key,time interval,manufacturer,model";
const KEY: &str = "JBSWY3DPEHPK3PXP";

fn file(lines: &[&str]) -> Vec<u8> {
    let mut text = lines.join("\n");
    text.push('\n');
    text.into_bytes()
}

/// (line, column index, code, severity) of every finding.
fn found(checked: &Checked) -> Vec<(u64, Option<usize>, &'static str, Severity)> {
    checked
        .findings
        .iter()
        .map(|f| (f.line, f.column.map(|c| c.index), f.code, f.severity))
        .collect()
}

fn row_lines(checked: &Checked) -> Vec<u64> {
    checked.rows.iter().map(|r| r.line).collect()
}

/// No finding's text holds any of `secrets`, in any letter case.
fn assert_no_secret(checked: &Checked, secrets: &[&str]) {
    for finding in &checked.findings {
        for text in [&finding.message, &finding.fix] {
            for secret in secrets {
                assert!(
                    !text
                        .to_ascii_lowercase()
                        .contains(&secret.to_ascii_lowercase()),
                    "{text}"
                );
            }
        }
    }
}

use Severity::{Error, Warning};

#[test]
fn a_clean_file_has_no_findings() {
    let checked = check(&file(&[
        HEADER_LINE,
        "Helga@contoso.com,1234567,2234567abcdef2234567abcdef,60,Contoso,HardwareKey",
        &format!("\" b@c.d \",\"S, 2\", {KEY} , 30 ,\"Con \"\"toso\"\"\",M"),
    ]));
    assert_eq!(found(&checked), []);
    assert_eq!(row_lines(&checked), [2, 3]);
    let row = &checked.rows[1];
    assert_eq!(
        (
            row.upn.as_str(),
            row.serial_number.as_str(),
            row.manufacturer.as_str()
        ),
        ("b@c.d", "S, 2", "Con \"toso\"")
    );
    assert_eq!(checked.data_rows, 2);
    assert!(!checked.has_errors() && !checked.fails(true));
}

#[test]
fn every_entra_csv_problem_is_a_finding_with_line_and_column() {
    let long = "A".repeat(136);
    let checked = check(&file(&[
        HEADER_LINE,
        &format!("a@b.c,S1,{KEY},45,C,M"),
        "a@b.c,S2,JBSWY3DP-EHPK3PXP,30,C,M",
        &format!("a@b.c,S3,{KEY},30,,M"),
        &format!("a@b.c,S4,{KEY},30,C"),
        &format!("helga,S5,{KEY},30,C,M"),
        &format!("a@b.c,S6,{long},30,C,M"),
        "a@b.c,S7,JBSWY3DPEHPK,30,C,M",
        &format!("a@b.c,S8,{KEY},60,C,M"),
    ]));
    assert_eq!(
        found(&checked),
        [
            (2, Some(4), "time-interval", Error),
            (3, Some(3), "secret-base32", Error),
            (4, Some(5), "empty-field", Error),
            (5, None, "field-count", Error),
            (6, Some(1), "upn", Error),
            (7, Some(3), "secret-too-long", Error),
            (8, Some(3), "secret-too-short", Error),
        ]
    );
    assert_eq!(row_lines(&checked), [9]);
    assert_eq!(checked.findings[0].column.unwrap().name, "time interval");
    assert_eq!(checked.errors(), 7);
    assert_no_secret(&checked, &[KEY, "JBSWY3DP-EHPK3PXP", &long, "JBSWY3DPEHPK"]);
}

#[test]
fn a_non_utf8_line_is_an_error_on_its_line() {
    let mut bytes = file(&[HEADER_LINE]);
    bytes.extend_from_slice(format!("a@b.c,S1,{KEY},30,M\u{fc}ller,M\n").as_bytes());
    bytes.extend_from_slice(format!("a@b.c,S2,{KEY},30,C,M\n").as_bytes());
    let mut latin1 = format!("a@b.c,S3,{KEY},30,M").into_bytes();
    latin1.extend_from_slice(b"\xfcller,M\n");
    bytes.extend_from_slice(&latin1);
    let checked = check(&bytes);
    assert_eq!(found(&checked), [(4, Some(5), "not-utf8", Error)]);
    assert_eq!(row_lines(&checked), [2, 3]);
}

#[test]
fn a_missing_header_is_an_error_and_no_row_is_kept() {
    let checked = check(&file(&[
        &format!("a@b.c,S1,{KEY},30,C,M"),
        &format!("a@b.c,S2,{KEY},45,C,M"),
    ]));
    assert_eq!(
        found(&checked),
        [
            (1, None, "header-missing", Error),
            (2, Some(4), "time-interval", Error)
        ]
    );
    assert!(checked.rows.is_empty());
    assert_eq!(checked.data_rows, 2);
    assert!(checked.findings[0].fix.contains(HEADER_LINE));
    assert_no_secret(&checked, &[KEY]);
}

#[test]
fn whole_file_findings_lead_line_1() {
    let checked = check(format!("a@b.c,S1,{KEY},45,C,M\r\n").as_bytes());
    assert_eq!(
        found(&checked),
        [
            (1, None, "crlf", Warning),
            (1, None, "header-missing", Error),
            (1, Some(4), "time-interval", Error),
        ]
    );
}

#[test]
fn a_headerless_file_in_another_order_is_not_checked_row_by_row() {
    let checked = check(&file(&[
        &format!("S1,a@b.c,{KEY},30,C,M"),
        "S2,a@b.c,x,30,C,M",
    ]));
    assert_eq!(found(&checked), [(1, None, "header-missing", Error)]);
    assert!(checked.findings[0].fix.contains("not checked"));
}

#[test]
fn header_findings_are_on_line_1_and_name_the_header_line() {
    let checked = check(b"\n\nupn,serial,secret key,time interval,manufacturer,model\n");
    assert_eq!(found(&checked), [(1, None, "header-columns", Error)]);
    assert!(
        checked.findings[0]
            .message
            .ends_with("(the first line with text is line 3)")
    );
    assert!(checked.findings[0].is_whole_file());
}

#[test]
fn an_empty_file_and_a_header_without_rows() {
    let checked = check(b"");
    assert_eq!(found(&checked), [(1, None, "empty-file", Error)]);
    let checked = check(&file(&[HEADER_LINE]));
    assert_eq!(found(&checked), [(1, None, "no-rows", Warning)]);
    assert!(!checked.has_errors() && checked.fails(true));
}

#[test]
fn a_reordered_header_says_both_orders_and_rows_are_read_by_name() {
    let checked = check(&file(&[
        "serial number,upn,secret key,time interval,model,manufacturer",
        &format!("S1,a@b.c,{KEY},30,M,C"),
        &format!("S2,b@c.d,{KEY},31,M,C"),
    ]));
    assert_eq!(
        found(&checked),
        [
            (1, None, "header-order", Error),
            (3, Some(4), "time-interval", Error)
        ]
    );
    let message = &checked.findings[0].message;
    assert!(
        message.contains("`serial number,upn,secret key,time interval,model,manufacturer`")
            && message.contains(&format!("Entra needs `{HEADER_LINE}`")),
        "{message}"
    );
    let row = &checked.rows[0];
    assert_eq!(
        (row.line, row.upn.as_str(), row.serial_number.as_str()),
        (2, "a@b.c", "S1")
    );
    assert_eq!((row.manufacturer.as_str(), row.model.as_str()), ("C", "M"));
}

#[test]
fn a_semicolon_file_is_detected_and_its_rows_checked() {
    let checked = check(&file(&[
        "upn;serial number;secret key;time interval;manufacturer;model",
        &format!("a@b.c;S1;{KEY};30;Contoso, Ltd;M"),
        &format!("a@b.c;S2;{KEY};45;C;M"),
    ]));
    assert_eq!(
        found(&checked),
        [
            (1, None, "header-delimiter", Error),
            (3, Some(4), "time-interval", Error)
        ]
    );
    assert!(checked.findings[0].message.contains("semicolons"));
    assert!(checked.findings[0].fix.contains("comma-separated"));
    assert_eq!(checked.rows[0].manufacturer, "Contoso, Ltd");
    let tabs = check(&file(&[&HEADER_LINE.replace(',', "\t")]));
    assert_eq!(
        found(&tabs),
        [
            (1, None, "header-delimiter", Error),
            (1, None, "no-rows", Warning)
        ]
    );
}

#[test]
fn an_unknown_header_names_what_is_missing_without_echoing_it() {
    let checked = check(&file(&[
        "upn,serial,secret key,interval,manufacturer,model",
        &format!("a@b.c,S1,{KEY},30,C,M"),
    ]));
    assert_eq!(found(&checked), [(1, None, "header-columns", Error)]);
    assert_eq!(
        checked.findings[0].message,
        "the header is not Entra's: it lacks `serial number`, `time interval`; columns 2, 4 hold \
         other names"
    );
    assert!(checked.rows.is_empty());
    let semicolons = check(&file(&["user;serial;key;interval;vendor;model"]));
    assert!(
        semicolons.findings[0]
            .fix
            .contains("no comma but semicolons")
    );
}

#[test]
fn bom_and_crlf_are_warnings_said_once_and_keep_the_rows() {
    let text =
        format!("\u{feff}{HEADER_LINE}\n\r\na@b.c,S1,{KEY},30,C,M\r\nb@c.d,S2,{KEY},30,C,M\r\n");
    let checked = check(text.as_bytes());
    assert_eq!(
        found(&checked),
        [(1, None, "bom", Warning), (1, None, "crlf", Warning)]
    );
    assert!(checked.findings[1].message.contains("the first on line 2"));
    assert!(checked.findings.iter().all(Finding::is_whole_file));
    assert_eq!(row_lines(&checked), [3, 4]);
    assert!(!checked.has_errors() && checked.fails(true));
    assert_eq!(checked.warnings(), 2);
}

#[test]
fn a_utf16_file_is_one_error() {
    let bytes: Vec<u8> = b"\xff\xfe"
        .iter()
        .copied()
        .chain(HEADER_LINE.bytes().flat_map(|b| [b, 0]))
        .collect();
    let checked = check(&bytes);
    assert_eq!(found(&checked), [(1, None, "utf16", Error)]);
}

#[test]
fn duplicate_serials_compare_without_case_and_name_the_first_line() {
    let checked = check(&file(&[
        HEADER_LINE,
        &format!("a@b.c,abc-1,{KEY},30,C,M"),
        &format!("b@b.c,ABC-1,{KEY},30,C,M"),
        &format!("c@b.c,S2,{KEY},30,C,M"),
        &format!("d@b.c,Abc-1,{KEY},30,C,M"),
    ]));
    assert_eq!(
        found(&checked),
        [
            (3, Some(2), "duplicate-serial", Error),
            (5, Some(2), "duplicate-serial", Error),
        ]
    );
    assert!(checked.findings[1].message.contains("already on line 2"));
    assert_eq!(row_lines(&checked), [2, 4]);
}

#[test]
fn a_serial_repeated_from_a_bad_line_is_a_duplicate_too() {
    let checked = check(&file(&[
        HEADER_LINE,
        &format!("a@b.c,S1,{KEY},45,C,M"),
        &format!("b@b.c,s1,{KEY},30,C,M"),
        "c@b.c,S1,x",
    ]));
    assert_eq!(
        found(&checked),
        [
            (2, Some(4), "time-interval", Error),
            (3, Some(2), "duplicate-serial", Error),
            (4, None, "field-count", Error),
        ]
    );
    assert!(checked.rows.is_empty());
}

#[test]
fn a_sixth_token_for_one_user_is_an_error_on_the_sixth_and_later() {
    let mut lines = vec![HEADER_LINE.to_owned()];
    for i in 0..7 {
        let upn = if i % 2 == 0 {
            "Amy@contoso.com"
        } else {
            "amy@CONTOSO.com"
        };
        lines.push(format!("{upn},S{i},{KEY},30,C,M"));
    }
    lines.push(format!("bo@contoso.com,S9,{KEY},30,C,M"));
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let checked = check(&file(&lines));
    assert_eq!(
        found(&checked),
        [
            (7, Some(1), "too-many-tokens", Error),
            (8, Some(1), "too-many-tokens", Error),
        ]
    );
    assert_eq!(
        checked.findings[0].message,
        "this user already has 5 tokens in this file, on lines 2, 3, 4, 5, 6 (UPNs are compared \
         without regard to letter case)"
    );
    assert_eq!(row_lines(&checked), [2, 3, 4, 5, 6, 9]);
}

#[test]
fn rows_that_are_not_created_do_not_count_for_the_five() {
    let mut lines = vec![HEADER_LINE.to_owned()];
    lines.push(format!("amy@contoso.com,S0,{KEY},30,C,M"));
    lines.push(format!("amy@contoso.com,S0,{KEY},30,C,M")); // a duplicate serial: never created
    for i in 1..5 {
        lines.push(format!("amy@contoso.com,S{i},{KEY},30,C,M"));
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let checked = check(&file(&lines));
    assert_eq!(found(&checked), [(3, Some(2), "duplicate-serial", Error)]);
    assert_eq!(row_lines(&checked), [2, 4, 5, 6, 7]);
}

#[test]
fn guest_users_are_errors() {
    let checked = check(&file(&[
        HEADER_LINE,
        &format!("helga_fabrikam.com#EXT#@contoso.onmicrosoft.com,S1,{KEY},30,C,M"),
        &format!("amy@contoso.com,S1,{KEY},30,C,M"),
    ]));
    assert_eq!(
        found(&checked),
        [
            (2, Some(1), "guest-user", Error),
            (3, Some(2), "duplicate-serial", Error),
        ]
    );
    assert!(checked.findings[0].message.contains("guest"));
    assert!(checked.rows.is_empty());
}

#[test]
fn only_short_numbers_are_quoted_from_the_file() {
    // A time interval of digits 2-7 is a valid key's text: it is not quoted when it is long.
    let digits = "2222222222222222";
    let checked = check(&file(&[
        HEADER_LINE,
        &format!("a@b.c,S1,{digits},30,C,M"),
        &format!("a@b.c,S2,{KEY},{digits},C,M"),
    ]));
    assert_eq!(found(&checked), [(3, Some(4), "time-interval", Error)]);
    assert_eq!(
        checked.findings[0].message,
        "the time interval is not 30 or 60"
    );
    assert_no_secret(&checked, &[digits, KEY]);
}

#[test]
fn findings_are_sorted_by_line_then_column() {
    let checked = check(&file(&[
        HEADER_LINE,
        "x,,JBSW-Y3DPEHPK3PXP,45,,M",
        &format!("a@b.c,S1,{KEY},30,C,M"),
    ]));
    assert_eq!(
        found(&checked),
        [
            (2, Some(1), "upn", Error),
            (2, Some(2), "empty-field", Error),
            (2, Some(3), "secret-base32", Error),
            (2, Some(4), "time-interval", Error),
            (2, Some(5), "empty-field", Error),
        ]
    );
}

#[test]
fn text_and_json_rendering() {
    let checked = check(&file(&[HEADER_LINE, &format!("a@b.c,S1,{KEY},45,C,M")]));
    assert_eq!(
        checked.render("tokens.csv"),
        "tokens.csv:2:4: error[time-interval]: the time interval is 45; Entra takes 30 or 60\n  \
         fix: write 30 or 60, digits only: the seconds each code lasts, as the vendor's file or the \
         token says (most tokens use 30)\ntokens.csv: 1 row, 1 error, 0 warnings"
    );
    let no_column = Finding::new(Severity::Warning, 1, None, "bom", "m", "f");
    assert_eq!(
        no_column.render("t.csv"),
        "t.csv:1: warning[bom]: m\n  fix: f"
    );
    let json: serde_json::Value = serde_json::from_str(&json_document([
        ("tokens.csv", Ok(&checked)),
        ("gone.csv", Err("No such file or directory")),
    ]))
    .unwrap();
    let first = &json["files"][0];
    assert_eq!(
        (first["rows"].as_u64(), first["validRows"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        first["findings"][0],
        serde_json::json!({
            "line": 2, "column": 4, "columnName": "time interval", "severity": "error",
            "code": "time-interval", "message": "the time interval is 45; Entra takes 30 or 60",
            "fix": checked.findings[0].fix,
        })
    );
    assert_eq!(json["files"][1]["error"], "No such file or directory");
}
