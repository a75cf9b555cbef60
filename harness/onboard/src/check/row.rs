//! One record: every problem of its fields, found by `entra_csv` itself.
//!
//! `entra_csv` stops at a line's first problem. To find them all, the record is parsed alone (under
//! Entra's header, in Entra's column order); each problem found is recorded and its field replaced
//! by a valid stand-in, and the record is parsed again, until it parses.

use hwoath_graph::{CsvError, CsvFile, CsvProblem, CsvRow, ValidationError};

use super::records::{HEADER, Order, Record, text};
use super::{Column, Finding, Severity};

/// Valid values that stand in for a bad field while the others are checked.
const STAND_INS: [&str; 6] = ["a@b.c", "S", "JBSWY3DPEHPK3PXP", "30", "M", "M"];

/// The record as a row when it has no problem, and a finding for each problem.
pub(super) fn check_record(record: &Record, order: &Order) -> (Option<CsvRow>, Vec<Finding>) {
    let line = record.line;
    if record.fields.len() != HEADER.len() {
        return (None, vec![field_count(line, record.fields.len())]);
    }
    let column = |entra: usize| Column {
        index: order[entra] + 1,
        name: HEADER[entra],
    };
    let mut fields: [Vec<u8>; 6] = order.map(|position| record.fields[position].to_vec());
    let mut findings = Vec::new();
    // Each round replaces one field, so six rounds and a last parse are enough.
    for _ in 0..=HEADER.len() {
        if let Some(entra) = (0..HEADER.len()).find(|&i| std::str::from_utf8(&fields[i]).is_err()) {
            findings.push(not_utf8(line, column(entra), &fields[entra]));
            fields[entra] = STAND_INS[entra].into();
            continue;
        }
        match parse_alone(&fields) {
            Ok(row) if findings.is_empty() => return (Some(CsvRow { line, ..row }), findings),
            Ok(_) => break,
            Err(error) => {
                let Some(entra) = error
                    .column
                    .and_then(|c| HEADER.iter().position(|h| *h == c))
                else {
                    findings.push(whole_line(line, &error));
                    break;
                };
                let field = text(&fields[entra]).unwrap_or_default();
                findings.push(field_finding(line, column(entra), &error.problem, field));
                fields[entra] = STAND_INS[entra].into();
            }
        }
    }
    (None, findings)
}

/// Parses the fields as the only row of a file with Entra's header.
fn parse_alone(fields: &[Vec<u8>; 6]) -> Result<CsvRow, CsvError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = writer
        .write_record(HEADER)
        .and_then(|()| writer.write_record(fields));
    let bytes = written
        .ok()
        .and_then(|()| writer.into_inner().ok())
        .unwrap_or_default();
    let mut file = CsvFile::parse_bytes(&bytes)?;
    match (file.rows.pop(), file.errors.into_iter().next()) {
        (_, Some(error)) => Err(error),
        (Some(row), None) => Ok(row),
        // Writing to memory does not fail; if it did, the empty text has no header.
        (None, None) => Err(CsvError {
            line: 1,
            column: None,
            problem: CsvProblem::Header,
        }),
    }
}

fn field_count(line: u64, found: usize) -> Finding {
    let (message, fix) = if found > HEADER.len() {
        (
            format!("the line has {found} fields; Entra's format has 6"),
            "put double quotes around a value that holds a comma (\"Contoso, Ltd\"), and remove \
             extra columns",
        )
    } else {
        (
            format!(
                "the line has {found} field{}; Entra's format has 6",
                plural(found)
            ),
            "give the line all 6 columns, in the header's order; a line break inside a value must be \
             inside double quotes",
        )
    };
    Finding::new(Severity::Error, line, None, "field-count", message, fix)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn whole_line(line: u64, error: &CsvError) -> Finding {
    // `parse_alone` gives six UTF-8 fields under Entra's header, so entra_csv names a column for
    // every problem it can find; keep this for a future problem kind without one.
    let message = match &error.problem {
        CsvProblem::FieldCount(n) => format!("the line has {n} fields; Entra's format has 6"),
        _ => "the line is not a valid token row".to_owned(),
    };
    Finding::new(
        Severity::Error,
        line,
        None,
        "row",
        message,
        format!("make the line match the header `{}`", HEADER.join(",")),
    )
}

fn not_utf8(line: u64, column: Column, field: &[u8]) -> Finding {
    let at = std::str::from_utf8(field)
        .err()
        .map_or(0, |e| e.valid_up_to());
    Finding::new(
        Severity::Error,
        line,
        Some(column),
        "not-utf8",
        format!(
            "the {} is not UTF-8 text: byte {} of the field is not UTF-8 (a Latin-1 or Windows-1252 \
             export?)",
            column.name,
            at + 1
        ),
        "save the file as \"CSV UTF-8 (Comma delimited)\", or convert it with \
         `iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8.csv`",
    )
}

/// A finding for an entra_csv problem in one field, whose trimmed text is `field`.
fn field_finding(line: u64, column: Column, problem: &CsvProblem, field: &str) -> Finding {
    let (code, message, fix) = match problem {
        CsvProblem::Empty => (
            "empty-field",
            format!("the {} is empty", column.name),
            format!(
                "fill in the {}: every column is required for every token",
                column.name
            ),
        ),
        CsvProblem::NotUpn => upn_problem(field),
        CsvProblem::TimeInterval => interval_problem(field),
        CsvProblem::Secret(error) => secret_problem(error, field),
        _ => (
            "row",
            format!("the {} is not valid", column.name),
            format!("make the line match the header `{}`", HEADER.join(",")),
        ),
    };
    Finding::new(Severity::Error, line, Some(column), code, message, fix)
}

fn upn_problem(field: &str) -> (&'static str, String, String) {
    let what = match field.split_once('@') {
        None => "has no `@`",
        Some(("", _)) => "has nothing before the `@`",
        Some(_) => "has nothing after the `@`",
    };
    (
        "upn",
        format!("the UPN {what}; it must look like name@domain"),
        "write the user's sign-in name (user principal name), like helga@contoso.com, not a display \
         name or an object id"
            .to_owned(),
    )
}

fn interval_problem(field: &str) -> (&'static str, String, String) {
    // Only a short number is quoted: no secret key (16 characters or more) fits in six.
    let message = match field.parse::<i64>() {
        Ok(seconds) if field.len() <= 6 => {
            format!("the time interval is {seconds}; Entra takes 30 or 60")
        }
        Ok(_) => "the time interval is not 30 or 60".to_owned(),
        Err(_) => {
            "the time interval is not a whole number of seconds; Entra takes 30 or 60".to_owned()
        }
    };
    (
        "time-interval",
        message,
        "write 30 or 60, digits only: the seconds each code lasts, as the vendor's file or the token \
         says (most tokens use 30)"
            .to_owned(),
    )
}

fn secret_problem(error: &ValidationError, field: &str) -> (&'static str, String, String) {
    let length = field.chars().count();
    match error {
        ValidationError::SecretNotBase32 => (
            "secret-base32",
            not_base32_message(field),
            "a Base32 key has only the letters A-Z (either case) and the digits 2-7, with `=` only \
             at the end: remove spaces and dashes; if the vendor gave a hexadecimal key, convert it \
             (`echo HEX | xxd -r -p | base32`)"
                .to_owned(),
        ),
        ValidationError::SecretTooLong(n) => (
            "secret-too-long",
            format!("the secret key has {n} characters; Entra takes at most 128"),
            "check that the column holds only the key, with no other value run into it".to_owned(),
        ),
        ValidationError::SecretTooShort(n) => (
            "secret-too-short",
            format!(
                "the secret key has {n} Base32 characters; hwoath needs at least 16 (80 bits)"
            ),
            "check that the key was not cut off (80-bit keys have 16 characters, 160-bit keys 32)"
                .to_owned(),
        ),
        _ => (
            "secret-length",
            format!(
                "the secret key's length ({length} characters) or its `=` padding does not make \
                 whole bytes"
            ),
            "check for a missing or extra character at the end; `=` padding, if any, must fill \
             the last group of 8 characters"
                .to_owned(),
        ),
    }
}

/// Where the first character outside Base32 is and what it is, without the key itself.
fn not_base32_message(field: &str) -> String {
    let symbols = field.trim_end_matches('=');
    let length = field.chars().count();
    let Some((index, bad)) = symbols
        .chars()
        .enumerate()
        .find(|&(_, c)| !(c.is_ascii_alphabetic() || ('2'..='7').contains(&c)))
    else {
        return "the secret key is not Base32".to_owned();
    };
    let what = match bad {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        '=' => "`=` (padding belongs only at the end)".to_owned(),
        '0' | '1' | '8' | '9' => format!("the digit {bad} (Base32 has only 2-7)"),
        c if c.is_ascii_graphic() => format!("`{c}`"),
        c if c.is_ascii() => "a control character".to_owned(),
        _ => "a character that is not ASCII".to_owned(),
    };
    let hex = field.len().is_multiple_of(2) && field.chars().all(|c| c.is_ascii_hexdigit());
    format!(
        "the secret key is not Base32: character {} of {length} is {what}{}",
        index + 1,
        if hex {
            "; the key looks hexadecimal"
        } else {
            ""
        }
    )
}

#[cfg(test)]
mod tests {
    use super::super::records::{ENTRA_ORDER, read};
    use super::*;

    fn one(line: &str) -> (Option<CsvRow>, Vec<Finding>) {
        let record = read(line.as_bytes(), b',').remove(0);
        check_record(&record, &ENTRA_ORDER)
    }

    fn codes(findings: &[Finding]) -> Vec<(&'static str, Option<usize>)> {
        findings
            .iter()
            .map(|f| (f.code, f.column.map(|c| c.index)))
            .collect()
    }

    #[test]
    fn a_good_record_is_a_row() {
        let (row, findings) = one("a@b.c,S1,JBSWY3DPEHPK3PXP,30,C,M");
        assert!(findings.is_empty());
        let row = row.unwrap();
        assert_eq!((row.line, row.serial_number.as_str()), (1, "S1"));
    }

    #[test]
    fn every_problem_of_a_line_is_found() {
        let (row, findings) = one("nobody,,JBSW-Y3DPEHPK3PXP,45,,M");
        assert!(row.is_none());
        assert_eq!(
            codes(&findings),
            [
                ("empty-field", Some(2)),
                ("empty-field", Some(5)),
                ("upn", Some(1)),
                ("secret-base32", Some(3)),
                ("time-interval", Some(4)),
            ]
        );
        assert_eq!(
            findings[3].message,
            "the secret key is not Base32: character 5 of 17 is `-`"
        );
        assert_eq!(
            findings[4].message,
            "the time interval is 45; Entra takes 30 or 60"
        );
    }

    #[test]
    fn non_utf8_fields_are_named_and_the_rest_still_checked() {
        let record = read(b"a@b.c,S1,JBSWY3DPEHPK3PXP,30,M\xfcller,M", b',').remove(0);
        let (row, findings) = check_record(&record, &ENTRA_ORDER);
        assert!(row.is_none());
        assert_eq!(codes(&findings), [("not-utf8", Some(5))]);
        assert!(findings[0].message.contains("byte 2 of the field"));
    }

    #[test]
    fn columns_are_file_positions_when_the_order_differs() {
        // The file holds: serial, upn, secret, interval, manufacturer, model.
        let record = read(b"S1,a@b.c,JBSWY3DPEHPK3PXP,31,C,M", b',').remove(0);
        let (row, findings) = check_record(&record, &[1, 0, 2, 3, 4, 5]);
        assert!(row.is_none());
        assert_eq!(codes(&findings), [("time-interval", Some(4))]);
        let record = read(b"S1,a@b.c,JBSWY3DPEHPK3PXP,30,C,M", b',').remove(0);
        let (row, _) = check_record(&record, &[1, 0, 2, 3, 4, 5]);
        assert_eq!(row.unwrap().upn, "a@b.c");
    }

    #[test]
    fn upn_and_interval_messages_say_what_is_wrong() {
        for (line, expected) in [
            (
                "@b.c,S,JBSWY3DPEHPK3PXP,30,C,M",
                "has nothing before the `@`",
            ),
            ("a@,S,JBSWY3DPEHPK3PXP,30,C,M", "has nothing after the `@`"),
            ("ab.c,S,JBSWY3DPEHPK3PXP,30,C,M", "has no `@`"),
        ] {
            let (_, findings) = one(line);
            assert!(findings[0].message.contains(expected), "{line}");
        }
        let (_, findings) = one("a@b.c,S,JBSWY3DPEHPK3PXP,thirty,C,M");
        assert_eq!(
            findings[0].message,
            "the time interval is not a whole number of seconds; Entra takes 30 or 60"
        );
    }

    #[test]
    fn secret_messages_never_hold_the_key() {
        let long = "A".repeat(130);
        let cases = [
            (
                "JBSWY3DP EHPK3PXP",
                "secret-base32",
                "character 9 of 17 is a space",
            ),
            (
                "JBSWY3DPEHPK3PX0",
                "secret-base32",
                "character 16 of 16 is the digit 0",
            ),
            ("JBSWY3DP=EHPK3PXP", "secret-base32", "is `=` (padding"),
            (
                "0123456789abcdef",
                "secret-base32",
                "the key looks hexadecimal",
            ),
            (
                "JBSWY3DPÉHPK3PXP",
                "secret-base32",
                "is a character that is not ASCII",
            ),
            (long.as_str(), "secret-too-long", "has 130 characters"),
            (
                "JBSWY3DPEHPK",
                "secret-too-short",
                "has 12 Base32 characters",
            ),
            ("JBSWY3DPEHPK3PXPA", "secret-length", "(17 characters)"),
        ];
        for (secret, code, expected) in cases {
            let (row, findings) = one(&format!("a@b.c,S,{secret},30,C,M"));
            assert!(row.is_none());
            let finding = &findings[0];
            assert_eq!((finding.code, finding.column.unwrap().index), (code, 3));
            assert!(finding.message.contains(expected), "{}", finding.message);
            for text in [&finding.message, &finding.fix] {
                assert!(!text.contains(secret), "{text}");
                assert!(!text.contains("JBSWY3DP"), "{text}");
            }
        }
    }

    #[test]
    fn a_wrong_field_count_stops_the_line() {
        let (row, findings) = one("a@b.c,S,JBSWY3DPEHPK3PXP,30,C");
        assert!(row.is_none());
        assert_eq!(codes(&findings), [("field-count", None)]);
        assert_eq!(
            findings[0].message,
            "the line has 5 fields; Entra's format has 6"
        );
        let (_, findings) = one("a@b.c,S,JBSWY3DPEHPK3PXP,30,Contoso, Ltd,M");
        assert!(findings[0].fix.contains("double quotes"));
    }
}
