//! Entra's bulk-upload CSV (`upn,serial number,secret key,time interval,manufacturer,model`) as typed
//! rows, with one error per bad line naming the line and column, and conversion to create bodies.
//!
//! Graph cannot assign by UPN, so each row keeps its `upn` for the caller to resolve to a user id.

use std::fmt;

use crate::request::{BulkDelta, CreateDevice};
use crate::secret_text::SecretText;
use crate::validate::{self, ValidationError};

/// The header columns, in order.
pub const HEADER: [&str; 6] = [
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
pub enum CsvProblem {
    /// The first line is not the expected header.
    Header,
    /// The line is not well-formed CSV (e.g. a stray quote).
    Malformed,
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
            CsvProblem::Malformed => f.write_str("the line is not well-formed CSV"),
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
    let field = |i: usize| record.get(i).unwrap_or_default();
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

/// Parses a whole file; a missing or wrong header is the only error that stops it.
///
/// Tolerates a UTF-8 BOM, CRLF line ends, quoted fields, spaces around fields and blank lines;
/// header names are matched without regard to case.
pub fn parse(text: &str) -> Result<CsvFile, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
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
                    .all(|(h, e)| h.eq_ignore_ascii_case(e)) => {}
        Some(Ok(header)) => {
            let line = header.position().map_or(1, csv::Position::line);
            return Err(CsvError {
                line,
                ..header_error
            });
        }
        _ => return Err(header_error),
    }
    let mut file = CsvFile::default();
    for record in records {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, csv::Position::line);
                match read_row(line, &record) {
                    Ok(row) => file.rows.push(row),
                    Err(e) => file.errors.push(e),
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                file.errors.push(CsvError {
                    line,
                    column: None,
                    problem: CsvProblem::Malformed,
                });
            }
        }
    }
    Ok(file)
}
