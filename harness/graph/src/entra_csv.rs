//! Entra's bulk-upload CSV (`upn,serial number,secret key,time interval,manufacturer,model`) as typed
//! rows, with one error per bad line naming the line and column, and conversion to create bodies.
//!
//! Graph cannot assign by UPN, so each row keeps its `upn` for the caller to resolve to a user id.

use std::fmt;

use crate::request::{BulkDelta, CreateDevice};
use crate::secret_text::SecretText;
use crate::validate::{self, ValidationError};

/// The header columns, in order.
const HEADER: [&str; 6] = [
    "upn",
    "serial number",
    "secret key",
    "time interval",
    "manufacturer",
    "model",
];

/// One valid data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    /// 1-based line of the file the row starts on.
    pub line: u64,
    /// The user's UPN (resolve it to an object id to assign the token).
    pub upn: String,
    /// The token's serial number.
    pub serial_number: String,
    /// The Base32 seed.
    pub secret_key: SecretText,
    /// Code refresh interval in seconds (30 or 60).
    pub time_interval_in_seconds: i32,
    /// Manufacturer name.
    pub manufacturer: String,
    /// Model name.
    pub model: String,
}

/// What is wrong with a line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsvProblem {
    /// The first line is not the expected header.
    Header,
    /// The line is not UTF-8 text (e.g. a Latin-1 export).
    NotUtf8,
    /// The line has the wrong number of fields.
    FieldCount(usize),
    /// A field is empty.
    Empty,
    /// The UPN does not look like `name@domain`.
    NotUpn,
    /// The time interval is not 30 or 60.
    TimeInterval,
    /// The secret breaks a `secretKey` rule.
    Secret(ValidationError),
}

/// A bad line: where and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CsvError {
    /// 1-based line number.
    pub line: u64,
    /// The header name of the offending column, if one column is at fault.
    pub column: Option<&'static str>,
    /// What is wrong.
    pub problem: CsvProblem,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(column) = self.column {
            write!(f, ", column `{column}`")?;
        }
        f.write_str(": ")?;
        match &self.problem {
            CsvProblem::Header => write!(f, "the header must be `{}`", HEADER.join(",")),
            CsvProblem::NotUtf8 => f.write_str("the line is not UTF-8 text"),
            CsvProblem::FieldCount(n) => write!(f, "expected 6 fields, found {n}"),
            CsvProblem::Empty => f.write_str("the field is empty"),
            CsvProblem::NotUpn => f.write_str("the UPN must look like name@domain"),
            CsvProblem::TimeInterval => f.write_str("the time interval must be 30 or 60"),
            CsvProblem::Secret(e) => write!(f, "{e}"),
        }
    }
}

/// A parsed file: the valid rows and one error per bad line, both in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CsvFile {
    /// The valid rows.
    pub rows: Vec<CsvRow>,
    /// The bad lines.
    pub errors: Vec<CsvError>,
}

impl CsvRow {
    /// The header columns of Entra's format, in order.
    pub const HEADER: [&'static str; 6] = HEADER;

    /// The create body for this row (hashFunction left to the default; no `assignTo`, see the module docs).
    pub fn to_create_body(&self) -> CreateDevice {
        CreateDevice {
            display_name: None,
            serial_number: self.serial_number.clone(),
            manufacturer: self.manufacturer.clone(),
            model: self.model.clone(),
            secret_key: self.secret_key.clone(),
            time_interval_in_seconds: self.time_interval_in_seconds,
            hash_function: None,
            assign_to: None,
        }
    }
}

impl CsvFile {
    /// Parses a whole file given as text; see [`CsvFile::parse_bytes`].
    pub fn parse(text: &str) -> Result<CsvFile, CsvError> {
        Self::parse_bytes(text.as_bytes())
    }

    /// Parses a whole file; a missing or wrong header is the only error that stops it.
    ///
    /// Tolerates a UTF-8 BOM, CRLF line ends, quoted fields, spaces around fields and blank lines;
    /// header names are matched without regard to case. A line that is not UTF-8 is a per-line
    /// error.
    pub fn parse_bytes(bytes: &[u8]) -> Result<CsvFile, CsvError> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut records = reader.records();
        let header_error = CsvError {
            line: 1,
            column: None,
            problem: CsvProblem::Header,
        };
        match records.next() {
            Some(Ok(header))
                if header.len() == HEADER.len()
                    && header
                        .iter()
                        .zip(HEADER)
                        .all(|(h, e)| h.trim().eq_ignore_ascii_case(e)) => {}
            Some(Ok(header)) => {
                let line = LineCounter::new(bytes).line_of(header.position());
                return Err(CsvError {
                    line,
                    ..header_error
                });
            }
            _ => return Err(header_error),
        }
        let mut file = CsvFile::default();
        let mut lines = LineCounter::new(bytes);
        for record in records {
            match record {
                Ok(record) => {
                    let line = lines.line_of(record.position());
                    match read_row(line, &record) {
                        Ok(row) => file.rows.push(row),
                        Err(e) => file.errors.push(e),
                    }
                }
                Err(e) => {
                    let line = lines.line_of(e.position());
                    file.errors.push(CsvError {
                        line,
                        column: None,
                        problem: CsvProblem::NotUtf8,
                    });
                }
            }
        }
        Ok(file)
    }

    /// A bulk delta body creating every valid row's token, `@contentId` numbered from 1.
    pub fn to_bulk_delta(&self) -> BulkDelta {
        BulkDelta::numbered(self.rows.iter().map(CsvRow::to_create_body))
    }
}

fn row_error(line: u64, column: usize, problem: CsvProblem) -> CsvError {
    CsvError {
        line,
        column: Some(HEADER[column]),
        problem,
    }
}

fn read_row(line: u64, record: &csv::StringRecord) -> Result<CsvRow, CsvError> {
    if record.len() != HEADER.len() {
        return Err(CsvError {
            line,
            column: None,
            problem: CsvProblem::FieldCount(record.len()),
        });
    }
    let field = |i: usize| record.get(i).unwrap_or_default().trim();
    if let Some(empty) = (0..HEADER.len()).find(|&i| field(i).is_empty()) {
        return Err(row_error(line, empty, CsvProblem::Empty));
    }
    let upn = field(0);
    if !upn
        .split_once('@')
        .is_some_and(|(name, domain)| !name.is_empty() && !domain.is_empty())
    {
        return Err(row_error(line, 0, CsvProblem::NotUpn));
    }
    validate::secret_key(field(2)).map_err(|e| row_error(line, 2, CsvProblem::Secret(e)))?;
    let interval = match field(3).parse::<i32>() {
        Ok(seconds) if validate::time_interval(seconds).is_ok() => seconds,
        _ => return Err(row_error(line, 3, CsvProblem::TimeInterval)),
    };
    Ok(CsvRow {
        line,
        upn: upn.to_owned(),
        serial_number: field(1).to_owned(),
        secret_key: SecretText::new(field(2)),
        time_interval_in_seconds: interval,
        manufacturer: field(4).to_owned(),
        model: field(5).to_owned(),
    })
}

/// The 1-based lines records start on, for records met in file order: each call counts only the
/// bytes since the previous one, so numbering a whole file is linear in its size.
#[derive(Debug, Clone)]
pub struct LineCounter<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    breaks: u64,
}

impl<'a> LineCounter<'a> {
    /// A counter over `bytes` (the text the CSV reader reads).
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            counted_to: 0,
            breaks: 0,
        }
    }

    /// The line a record starts on, given the reader's position (which may point at line ends the
    /// reader skipped: the `\n` of a CRLF, or blank lines). Positions must not go backwards.
    pub fn line_of(&mut self, position: Option<&csv::Position>) -> u64 {
        let bytes = self.bytes;
        let start = position
            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX))
            .min(bytes.len());
        let start = start
            + bytes[start..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        if start > self.counted_to {
            self.breaks += (self.counted_to..start)
                .filter(|&i| is_line_break(bytes, i))
                .count() as u64;
            self.counted_to = start;
        }
        1 + self.breaks
    }

    /// Line breaks as the CSV reader sees them: `\r\n`, a lone `\n` or a lone `\r` each end a
    /// line.
    pub fn line_breaks(bytes: &[u8]) -> u64 {
        (0..bytes.len())
            .filter(|&i| is_line_break(bytes, i))
            .count() as u64
    }
}

/// Whether byte `i` ends a line: a `\n`, or a `\r` not followed by `\n`.
fn is_line_break(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'\n' => true,
        b'\r' => bytes.get(i + 1) != Some(&b'\n'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_strict;

    const HELGA: &str =
        "Helga@contoso.com,1234567,2234567abcdef2234567abcdef,60,Contoso,HardwareKey";

    #[test]
    fn reads_the_entra_example() {
        let file = CsvFile::parse(&format!(
            "upn,serial number,secret key,time interval,manufacturer,model\n{HELGA}\n"
        ))
        .unwrap();
        assert!(file.errors.is_empty());
        let row = &file.rows[0];
        assert_eq!(row.line, 2);
        assert_eq!(row.upn, "Helga@contoso.com");
        assert_eq!(row.serial_number, "1234567");
        assert_eq!(row.secret_key.expose(), "2234567abcdef2234567abcdef");
        assert_eq!(row.time_interval_in_seconds, 60);
        assert_eq!(
            (row.manufacturer.as_str(), row.model.as_str()),
            ("Contoso", "HardwareKey")
        );
        assert!(!format!("{row:?}").contains("2234567abcdef"));
    }

    #[test]
    fn tolerates_bom_crlf_quotes_spaces_case_and_blank_lines() {
        let text = "\u{feff}UPN, Serial Number ,secret key,time interval,manufacturer,model\r\n\r\n a@b.c ,\"S, 1\",JBSWY3DPEHPK3PXP, 30 ,\"Con \"\"toso\"\"\",M\r\n";
        let file = CsvFile::parse(text).unwrap();
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let row = &file.rows[0];
        assert_eq!(
            (row.line, row.upn.as_str(), row.serial_number.as_str()),
            (3, "a@b.c", "S, 1")
        );
        assert_eq!(row.manufacturer, "Con \"toso\"");
        assert_eq!(row.time_interval_in_seconds, 30);
    }

    #[test]
    fn a_wrong_header_stops_the_file() {
        for text in [
            "",
            "upn,serial,secret key,time interval,manufacturer,model\n",
            "upn,serial number,secret key,time interval,manufacturer\n",
        ] {
            let e = CsvFile::parse(text).unwrap_err();
            assert_eq!(
                (e.line, e.problem.clone()),
                (1, CsvProblem::Header),
                "{text}"
            );
        }
        assert!(
            CsvFile::parse(HELGA)
                .unwrap_err()
                .to_string()
                .starts_with("line 1: the header must be `upn,serial number,")
        );
    }

    #[test]
    fn bad_lines_are_reported_with_line_and_column() {
        let text = [
            "upn,serial number,secret key,time interval,manufacturer,model",
            HELGA,
            "a@b.c,S2,JBSWY3DPEHPK3PXP,45,C,M",
            "a@b.c,S3,JBSWY3DP-EHPK3PXP,30,C,M",
            "a@b.c,S4,JBSWY3DPEHPK3PXP,30,,M",
            "a@b.c,S5,JBSWY3DPEHPK3PXP,30,C",
            "helga,S6,JBSWY3DPEHPK3PXP,30,C,M",
            "a@b.c,S7,JBSWY3DPEHPK3PXP,thirty,C,M",
            &format!("a@b.c,S8,{},30,C,M", "A".repeat(136)),
            "a@b.c,S9,JBSWY3DPEHPK3PXP,60,C,M",
        ]
        .join("\n");
        let file = CsvFile::parse(&text).unwrap();
        assert_eq!(
            file.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            [2, 10]
        );
        let got: Vec<_> = file
            .errors
            .iter()
            .map(|e| (e.line, e.column, e.problem.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (3, Some("time interval"), CsvProblem::TimeInterval),
                (
                    4,
                    Some("secret key"),
                    CsvProblem::Secret(ValidationError::SecretNotBase32)
                ),
                (5, Some("manufacturer"), CsvProblem::Empty),
                (6, None, CsvProblem::FieldCount(5)),
                (7, Some("upn"), CsvProblem::NotUpn),
                (8, Some("time interval"), CsvProblem::TimeInterval),
                (
                    9,
                    Some("secret key"),
                    CsvProblem::Secret(ValidationError::SecretTooLong(136))
                ),
            ]
        );
        assert_eq!(
            file.errors[0].to_string(),
            "line 3, column `time interval`: the time interval must be 30 or 60"
        );
        assert_eq!(
            file.errors[3].to_string(),
            "line 6: expected 6 fields, found 5"
        );
    }

    #[test]
    fn non_utf8_lines_are_per_line_errors() {
        let mut bytes = b"upn,serial number,secret key,time interval,manufacturer,model\n".to_vec();
        bytes.extend_from_slice(b"a@b.c,S1,JBSWY3DPEHPK3PXP,30,M\xfcller,M\n");
        bytes.extend_from_slice(format!("{HELGA}\n").as_bytes());
        let file = CsvFile::parse_bytes(&bytes).unwrap();
        assert_eq!(file.rows.len(), 1);
        assert_eq!(
            (file.errors[0].line, file.errors[0].problem.clone()),
            (2, CsvProblem::NotUtf8)
        );
    }

    #[test]
    fn rows_become_create_and_bulk_bodies() {
        let text = format!(
            "upn,serial number,secret key,time interval,manufacturer,model\n{HELGA}\nb@c.d,S2,JBSWY3DPEHPK3PXP,30,C,M\n"
        );
        let file = CsvFile::parse(&text).unwrap();
        let body = file.rows[0].to_create_body();
        assert_eq!(
            (
                body.serial_number.as_str(),
                body.time_interval_in_seconds,
                body.assign_to.clone()
            ),
            ("1234567", 60, None)
        );
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(parse_strict::<CreateDevice>(&json).unwrap(), body);
        let bulk = file.to_bulk_delta();
        assert_eq!(bulk.context, "#$delta");
        assert_eq!(
            bulk.value
                .iter()
                .map(|i| i.content_id.clone().unwrap())
                .collect::<Vec<_>>(),
            ["1", "2"]
        );
        let json = serde_json::to_string(&bulk).unwrap();
        assert_eq!(parse_strict::<BulkDelta>(&json).unwrap(), bulk);
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        // Found by the entra_csv fuzz target: rows after a bare CR were numbered as line 1.
        let file = CsvFile::parse_bytes(
            b"upn,serial number,secret key,time interval,manufacturer,model\ret\r\x80nr\ni",
        )
        .unwrap();
        let lines: Vec<u64> = file.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert_eq!(LineCounter::line_breaks(b"a\r\nb\rc\nd"), 3);
    }
}
