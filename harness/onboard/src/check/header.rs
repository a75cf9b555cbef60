//! The header: which delimiter and column order the file uses, or that it has no usable header.

use super::records::{self, ENTRA_ORDER, HEADER, Order, Record};
use super::{Finding, Severity};

/// Delimiters a spreadsheet may have saved the file with instead of commas (`;` in locales that
/// write decimal commas, tabs in Excel's "Text (Tab delimited)").
const OTHER_DELIMITERS: [u8; 2] = [b';', b'\t'];

/// What the first record says about the file's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Layout {
    /// Entra's six names, in some order, split on some delimiter.
    Known {
        /// The header's line.
        line: u64,
        /// Where each of Entra's columns is.
        order: Order,
        /// The delimiter that splits the header into the six names.
        delimiter: u8,
    },
    /// No header: the file is empty or its first record holds data.
    Missing {
        /// The first record's line (1 for an empty file).
        line: u64,
        /// Whether the file is empty.
        empty: bool,
        /// Whether the rows were checked in Entra's order (the first record has six fields and a
        /// UPN first).
        checked: bool,
    },
    /// A header that is not Entra's.
    Unknown {
        /// The header's line.
        line: u64,
        /// Entra's names the header lacks.
        missing: Vec<&'static str>,
        /// 1-based positions of names that are not Entra's, or repeat one.
        foreign: Vec<usize>,
        /// A delimiter other than `,` that the header line holds when it has no comma.
        other_delimiter: Option<u8>,
    },
}

/// Whether the file starts with a UTF-16 byte order mark.
pub(super) fn is_utf16(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff")
}

/// The finding for a UTF-16 file, whose rows are not checked.
pub(super) fn utf16_finding() -> Finding {
    Finding::new(
        Severity::Error,
        1,
        None,
        "utf16",
        "the file is UTF-16 text (as Excel's \"Unicode Text\" saves it); Entra and hwoath read \
         UTF-8, so no line of it was checked",
        "save it as \"CSV UTF-8 (Comma delimited)\", or convert it with \
         `iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8.csv`",
    )
}

/// The layout of `bytes` (without a byte order mark) and its data records (after the header; every
/// record when the header is missing).
pub(super) fn detect(bytes: &[u8]) -> (Layout, Vec<Record>) {
    let comma = records::read(bytes, b',');
    if let Some(found) = known(comma.first(), b',') {
        return (found, comma[1..].to_vec());
    }
    for delimiter in OTHER_DELIMITERS {
        let split = records::read(bytes, delimiter);
        if let Some(found) = known(split.first(), delimiter) {
            return (found, split[1..].to_vec());
        }
    }
    match comma.first() {
        None => (
            Layout::Missing {
                line: 1,
                empty: true,
                checked: false,
            },
            Vec::new(),
        ),
        Some(first) if holds_data(first) => (
            Layout::Missing {
                line: first.line,
                empty: false,
                checked: first.fields.len() == HEADER.len()
                    && first.fields.get(0).is_some_and(|upn| upn.contains(&b'@')),
            },
            comma,
        ),
        Some(first) => (unknown(first), comma[1..].to_vec()),
    }
}

fn known(first: Option<&Record>, delimiter: u8) -> Option<Layout> {
    let first = first?;
    Some(Layout::Known {
        line: first.line,
        order: order_of(&first.fields)?,
        delimiter,
    })
}

/// Where each of Entra's names is in `fields`, if they are exactly the six names in some order.
fn order_of(fields: &csv::ByteRecord) -> Option<Order> {
    if fields.len() != HEADER.len() {
        return None;
    }
    let mut order = [usize::MAX; 6];
    for (position, field) in fields.iter().enumerate() {
        let entra = name_index(field)?;
        if order[entra] != usize::MAX {
            return None;
        }
        order[entra] = position;
    }
    Some(order)
}

/// Which of Entra's names `field` is (trimmed, letter case ignored, as `entra_csv` compares).
fn name_index(field: &[u8]) -> Option<usize> {
    let name = records::text(field)?;
    HEADER.iter().position(|h| h.eq_ignore_ascii_case(name))
}

/// A first record that holds a UPN is data, not a header.
fn holds_data(first: &Record) -> bool {
    first.fields.iter().any(|field| field.contains(&b'@'))
}

fn unknown(first: &Record) -> Layout {
    let mut seen = [false; 6];
    let mut foreign = Vec::new();
    for (position, field) in first.fields.iter().enumerate() {
        match name_index(field) {
            Some(entra) if !seen[entra] => seen[entra] = true,
            _ => foreign.push(position + 1),
        }
    }
    let line_text: Vec<u8> = first.fields.iter().flatten().copied().collect();
    let other_delimiter = (first.fields.len() == 1)
        .then(|| OTHER_DELIMITERS.into_iter().find(|d| line_text.contains(d)))
        .flatten();
    Layout::Unknown {
        line: first.line,
        missing: HEADER
            .iter()
            .zip(seen)
            .filter(|(_, seen)| !seen)
            .map(|(name, _)| *name)
            .collect(),
        foreign,
        other_delimiter,
    }
}

impl Layout {
    /// Where each of Entra's columns is, when the rows can be checked.
    pub(super) fn order(&self) -> Option<Order> {
        match self {
            Self::Known { order, .. } => Some(*order),
            Self::Missing { checked: true, .. } => Some(ENTRA_ORDER),
            _ => None,
        }
    }

    /// Whether valid rows are kept: only when the header says what each column is.
    pub(super) fn keeps_rows(&self) -> bool {
        matches!(self, Self::Known { .. })
    }

    /// The findings about the header, given how many data records follow it; like every finding
    /// about the whole file they are on line 1, and say the header's line when it is another.
    pub(super) fn findings(&self, data_rows: usize) -> Vec<Finding> {
        let mut found = self.findings_on_their_line(data_rows);
        for finding in &mut found {
            if finding.line != 1 {
                finding.message.push_str(&format!(
                    " (the first line with text is line {})",
                    finding.line
                ));
                finding.line = 1;
            }
        }
        found
    }

    fn findings_on_their_line(&self, data_rows: usize) -> Vec<Finding> {
        match self {
            Self::Known {
                line,
                order,
                delimiter,
            } => {
                let mut found = Vec::new();
                if *delimiter != b',' {
                    found.push(delimiter_finding(*line, *delimiter));
                }
                if *order != ENTRA_ORDER {
                    found.push(order_finding(*line, order));
                }
                if data_rows == 0 {
                    found.push(no_rows_finding(*line));
                }
                found
            }
            Self::Missing {
                line,
                empty,
                checked,
            } => vec![missing_finding(*line, *empty, *checked)],
            Self::Unknown {
                line,
                missing,
                foreign,
                other_delimiter,
            } => vec![unknown_finding(*line, missing, foreign, *other_delimiter)],
        }
    }
}

fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b';' => "semicolons (`;`)",
        b'\t' => "tabs",
        _ => "another character",
    }
}

fn delimiter_finding(line: u64, delimiter: u8) -> Finding {
    Finding::new(
        Severity::Error,
        line,
        None,
        "header-delimiter",
        format!(
            "the file is separated by {}, not by commas; Entra reads only comma-separated files \
             (hwoath checked the rows split on that delimiter)",
            delimiter_name(delimiter)
        ),
        "save as comma-separated: Excel uses the system's list separator even for \"CSV UTF-8 \
         (Comma delimited)\", so set it to `,` first (Windows: Region > Additional settings > List \
         separator), or in LibreOffice Calc tick \"Edit filter settings\" when saving and choose `,` \
         as the field delimiter",
    )
}

fn order_finding(line: u64, order: &Order) -> Finding {
    let mut found = [""; 6];
    for (entra, &position) in order.iter().enumerate() {
        found[position] = HEADER[entra];
    }
    Finding::new(
        Severity::Error,
        line,
        None,
        "header-order",
        format!(
            "the header's columns are in the order `{}`; Entra needs `{}` (hwoath checked the rows \
             by their header names)",
            found.join(","),
            HEADER.join(",")
        ),
        format!(
            "move the columns into Entra's order, `{}`, moving each column's values with its name",
            HEADER.join(",")
        ),
    )
}

fn no_rows_finding(line: u64) -> Finding {
    Finding::new(
        Severity::Warning,
        line,
        None,
        "no-rows",
        "the file has a header but no token rows",
        "add one line per token below the header, or check that this is the vendor's file",
    )
}

fn missing_finding(line: u64, empty: bool, checked: bool) -> Finding {
    let header = HEADER.join(",");
    if empty {
        return Finding::new(
            Severity::Error,
            line,
            None,
            "empty-file",
            "the file is empty: it has neither Entra's header nor any token",
            format!("check that this is the vendor's file; it must start with the line `{header}`"),
        );
    }
    let rows = if checked {
        "hwoath checked the rows as if their columns were in that order, but keeps none of them until \
         the header is there"
    } else {
        "the rows were not checked, since the first one is not in that order"
    };
    Finding::new(
        Severity::Error,
        line,
        None,
        "header-missing",
        "the first line holds data, not Entra's header",
        format!("add `{header}` as the first line, with the columns in that order; {rows}"),
    )
}

fn unknown_finding(
    line: u64,
    missing: &[&'static str],
    foreign: &[usize],
    other_delimiter: Option<u8>,
) -> Finding {
    let mut message = String::from("the header is not Entra's");
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|n| format!("`{n}`")).collect();
        message.push_str(&format!(": it lacks {}", names.join(", ")));
    }
    if !foreign.is_empty() {
        let positions: Vec<String> = foreign.iter().map(usize::to_string).collect();
        message.push_str(&format!(
            "; column{} {} hold{} other names",
            if foreign.len() == 1 { "" } else { "s" },
            positions.join(", "),
            if foreign.len() == 1 { "s" } else { "" },
        ));
    }
    let mut fix = format!(
        "make the first line exactly `{}` and put each column under its name; the rows are \
         checked once the header is right",
        HEADER.join(",")
    );
    if let Some(delimiter) = other_delimiter {
        fix.push_str(&format!(
            "; the line has no comma but {}: save the file comma-separated",
            delimiter_name(delimiter)
        ));
    }
    Finding::new(Severity::Error, line, None, "header-columns", message, fix)
}
