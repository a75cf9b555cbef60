//! Every problem of a file in Entra's bulk-upload CSV format, each with its line, column and a fix in
//! words: what [`hwoath_graph::CsvFile::parse_bytes`] reports for one line, all of a line's problems rather than
//! the first, plus what only the whole file shows (the header's delimiter and order, a byte order
//! mark, CRLF line ends, duplicate serial numbers, a sixth token for one user, guest users).
//!
//! No finding holds a secret key, not even a wrong one: findings name the problem and the position of
//! the first bad character instead, and quote nothing from the file but numbers of at most six
//! characters (a time interval) and Entra's own column names.

mod header;
mod records;
mod render;
mod row;
mod rules;

use hwoath_graph::{CsvRow, LineCounter};
use serde::Serialize;

pub use render::json_document;

use header::Layout;
use records::Record;

/// How bad a finding is: an error keeps its row out of [`Checked::rows`], a warning never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Entra or Graph would refuse the line (or the file).
    Error,
    /// hwoath reads it, but another tool may not.
    Warning,
}

/// The column a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// 1-based position of the column in the file as it is (not in Entra's order).
    pub index: usize,
    /// Entra's name of the column (`upn`, `serial number`, ...).
    pub name: &'static str,
}

/// One problem of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line; 1 for findings about the whole file.
    pub line: u64,
    /// The column at fault, if one is.
    pub column: Option<Column>,
    /// Whether the problem keeps the row out.
    pub severity: Severity,
    /// Stable kebab-case id of the kind of problem, e.g. `time-interval`.
    pub code: &'static str,
    /// What is wrong (never a secret key).
    pub message: String,
    /// The fix, in words.
    pub fix: String,
}

/// A checked file: its valid rows and every finding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checked {
    /// The rows without an error finding, in file order; empty when the header is missing or
    /// unknown (what the columns mean would be a guess).
    pub rows: Vec<CsvRow>,
    /// Every finding, sorted by line, then column.
    pub findings: Vec<Finding>,
    /// How many data lines (records after the header) the file has, valid or not.
    pub data_rows: usize,
}

impl Finding {
    /// A finding of `severity` on `line` (and `column`, if one is at fault).
    fn new(
        severity: Severity,
        line: u64,
        column: Option<Column>,
        code: &'static str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            line,
            column,
            severity,
            code,
            message: message.into(),
            fix: fix.into(),
        }
    }
}

/// The codes of findings about the whole file rather than one row (all on line 1).
const WHOLE_FILE_CODES: [&str; 9] = [
    "utf16",
    "bom",
    "crlf",
    "empty-file",
    "header-missing",
    "header-columns",
    "header-order",
    "header-delimiter",
    "no-rows",
];

impl Finding {
    /// Whether the finding is about the whole file (its header, encoding or line ends), not a row.
    pub fn is_whole_file(&self) -> bool {
        WHOLE_FILE_CODES.contains(&self.code)
    }
}

impl Checked {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    /// How many findings are errors.
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    /// How many findings are warnings.
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    /// Whether the file fails a check: any error, or with `strict` any finding at all.
    pub fn fails(&self, strict: bool) -> bool {
        if strict {
            !self.findings.is_empty()
        } else {
            self.has_errors()
        }
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Checks a whole file given as bytes; see the module docs for what it finds.
pub fn check(bytes: &[u8]) -> Checked {
    let mut findings = Vec::new();
    if header::is_utf16(bytes) {
        findings.push(header::utf16_finding());
        return Checked {
            findings,
            ..Checked::default()
        };
    }
    let bytes = match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => {
            findings.push(bom_finding());
            rest
        }
        None => bytes,
    };
    findings.extend(crlf_finding(bytes));
    let (layout, data) = header::detect(bytes);
    findings.extend(layout.findings(data.len()));
    let mut checked = check_rows(&layout, &data);
    checked.data_rows = data.len();
    // Whole-file findings first, so they lead line 1 (a stable sort keeps them there).
    findings.append(&mut checked.findings);
    findings.sort_by_key(|f| (f.line, f.column.map_or(0, |c| c.index)));
    checked.findings = findings;
    checked
}

/// Checks every data record, then the rules across rows; rows are kept only for a known layout.
fn check_rows(layout: &Layout, data: &[Record]) -> Checked {
    let Some(order) = layout.order() else {
        return Checked::default();
    };
    let mut findings = Vec::new();
    let mut rows = Vec::new();
    for record in data {
        let (row, found) = row::check_record(record, &order);
        findings.extend(found);
        rows.extend(row);
    }
    let serials: Vec<rules::Serial> = data
        .iter()
        .filter(|record| record.fields.len() == order.len())
        .filter_map(|record| {
            let serial = records::text(&record.fields[order[records::SERIAL]])?;
            (!serial.is_empty()).then(|| (record.line, serial.to_owned()))
        })
        .collect();
    let (rows, found) = rules::across_rows(rows, &serials, &order);
    findings.extend(found);
    Checked {
        rows: if layout.keeps_rows() {
            rows
        } else {
            Vec::new()
        },
        findings,
        data_rows: 0,
    }
}

fn bom_finding() -> Finding {
    Finding::new(
        Severity::Warning,
        1,
        None,
        "bom",
        "the file starts with a UTF-8 byte order mark; hwoath reads it, but a tool that does not \
         strip it sees the first column as `\u{feff}upn`",
        "save the file as UTF-8 without a byte order mark: in Notepad choose the encoding \"UTF-8\" \
         (not \"UTF-8 with BOM\"), in VS Code \"Save with Encoding\" > \"UTF-8\", or remove the \
         first three bytes (`sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`)",
    )
}

/// One warning for the whole file (on line 1, naming the line of the first CRLF).
fn crlf_finding(bytes: &[u8]) -> Option<Finding> {
    let at = bytes.windows(2).position(|w| w == b"\r\n")?;
    Some(Finding::new(
        Severity::Warning,
        1,
        None,
        "crlf",
        format!(
            "the file ends its lines with CRLF (Windows line ends), the first on line {}; hwoath \
             reads them (this is said once for the whole file)",
            1 + LineCounter::line_breaks(&bytes[..at])
        ),
        "nothing to do for hwoath; for a tool that needs LF line ends, convert the file with \
         `dos2unix FILE` or choose \"LF\" in your editor's line-ending setting",
    ))
}

#[cfg(test)]
mod tests;
