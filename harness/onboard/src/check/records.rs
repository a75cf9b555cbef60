//! The file's records as raw bytes, each with the line it starts on, split exactly as
//! `CsvFile::parse_bytes` splits them (same reader settings, same line numbering).

use hwoath_graph::{CsvRow, LineCounter};

/// Entra's header columns, in order.
pub(super) const HEADER: [&str; 6] = CsvRow::HEADER;

/// Entra's column positions (indexes into [`HEADER`]).
pub(super) const UPN: usize = 0;
/// The serial number column.
pub(super) const SERIAL: usize = 1;

/// Which file column holds each of Entra's columns: `order[i]` is the 0-based file position of
/// `HEADER[i]`.
pub(super) type Order = [usize; 6];

/// Entra's own order.
pub(super) const ENTRA_ORDER: Order = [0, 1, 2, 3, 4, 5];

/// One record of the file.
#[derive(Debug, Clone)]
pub(super) struct Record {
    /// 1-based line the record starts on.
    pub line: u64,
    /// Its fields, unquoted but otherwise as in the file.
    pub fields: csv::ByteRecord,
}

/// Every record of `bytes` (without a byte order mark) split on `delimiter`.
pub(super) fn read(bytes: &[u8], delimiter: u8) -> Vec<Record> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut lines = LineCounter::new(bytes);
    reader
        .byte_records()
        // Reading bytes from memory fails only on I/O, which cannot happen.
        .filter_map(Result::ok)
        .map(|fields| Record {
            line: lines.line_of(fields.position()),
            fields,
        })
        .collect()
}

/// A field as trimmed text, if it is UTF-8.
pub(super) fn text(field: &[u8]) -> Option<&str> {
    std::str::from_utf8(field).ok().map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_crlf_blank_lines_and_quoted_line_breaks() {
        let records = read(b"a,b\r\n\r\nc,\"d\ne\"\nf\rg", b',');
        let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 3, 5, 6]);
        assert_eq!(&records[1].fields[1], b"d\ne");
    }

    #[test]
    fn the_delimiter_is_a_parameter() {
        let records = read(b"a;b,c;d\n", b';');
        assert_eq!(records[0].fields.len(), 3);
        assert_eq!(&records[0].fields[1], b"b,c");
    }
}
