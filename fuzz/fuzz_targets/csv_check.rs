//! `hwoath csv check` on arbitrary bytes: no panic; every finding on a line of the file; no row with
//! an error finding on its line; no finding text holding any row's secret key; and every row one that
//! `entra_csv::parse_bytes` also reads, with the same fields, unless the header is Entra's in another
//! order or split by another delimiter (then `check` reads the rows by name and says so in an error).
#![no_main]

use hwoath_graph::{CsvFile, CsvRow, LineCounter};
use hwoath_onboard::{Severity, check, json_document};
use libfuzzer_sys::fuzz_target;

fn fields(row: &CsvRow) -> (u64, &str, &str, &str, i32, &str, &str) {
    (
        row.line,
        &row.upn,
        &row.serial_number,
        row.secret_key.expose(),
        row.time_interval_in_seconds,
        &row.manufacturer,
        &row.model,
    )
}

fuzz_target!(|data: &[u8]| {
    let checked = check(data);
    let lines = 1 + LineCounter::line_breaks(data);
    for finding in &checked.findings {
        assert!(
            (1..=lines).contains(&finding.line),
            "finding on line {} outside 1..={lines}: {finding:?}",
            finding.line
        );
        for row in &checked.rows {
            let secret = row.secret_key.expose().to_ascii_lowercase();
            for text in [&finding.message, &finding.fix] {
                assert!(
                    !text.to_ascii_lowercase().contains(&secret),
                    "a finding holds the secret of line {}: {text}",
                    row.line
                );
            }
        }
    }
    for row in &checked.rows {
        assert!(
            !checked
                .findings
                .iter()
                .any(|f| f.line == row.line && f.severity == Severity::Error),
            "row on line {} has an error finding",
            row.line
        );
    }
    assert!(
        checked.rows.windows(2).all(|w| w[0].line < w[1].line),
        "rows out of file order"
    );
    match CsvFile::parse_bytes(data) {
        Ok(file) => {
            for row in &checked.rows {
                let same = file.rows.iter().find(|r| r.line == row.line);
                assert_eq!(
                    same.map(fields),
                    Some(fields(row)),
                    "check kept a row entra_csv does not read the same"
                );
            }
        }
        Err(_) if checked.rows.is_empty() => {}
        Err(_) => assert!(
            checked.findings.iter().any(|f| f.line == 1
                && f.severity == Severity::Error
                && matches!(f.code, "header-order" | "header-delimiter")),
            "rows from a file entra_csv refuses, without a header-order or header-delimiter error"
        ),
    }
    assert!(checked.rows.len() <= checked.data_rows);
    let _ = json_document([("fuzz.csv", Ok(&checked))]);
    let _ = checked.render("fuzz.csv");
});
