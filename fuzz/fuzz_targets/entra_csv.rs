//! Entra's bulk-upload CSV: no panic; every row and error names a line inside the file; the rows
//! written back as CSV read back as the same rows; and the bulk body made from them parses strictly.
#![no_main]

use hwoath_graph::{BulkDelta, CsvFile, CsvRow, LineCounter, parse_strict};
use libfuzzer_sys::fuzz_target;

fn write(rows: &[CsvRow]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(CsvRow::HEADER)
        .expect("write to memory");
    for row in rows {
        let interval = row.time_interval_in_seconds.to_string();
        writer
            .write_record([
                row.upn.as_str(),
                &row.serial_number,
                row.secret_key.expose(),
                &interval,
                &row.manufacturer,
                &row.model,
            ])
            .expect("write to memory");
    }
    writer.into_inner().expect("flush to memory")
}

fn fields(row: &CsvRow) -> [&str; 6] {
    [
        &row.upn,
        &row.serial_number,
        row.secret_key.expose(),
        if row.time_interval_in_seconds == 30 {
            "30"
        } else {
            "60"
        },
        &row.manufacturer,
        &row.model,
    ]
}

fuzz_target!(|data: &[u8]| {
    let Ok(file) = CsvFile::parse_bytes(data) else {
        return;
    };
    let lines = 1 + LineCounter::line_breaks(data);
    for line in file
        .rows
        .iter()
        .map(|r| r.line)
        .chain(file.errors.iter().map(|e| e.line))
    {
        assert!(
            (2..=lines).contains(&line),
            "line {line} outside 2..={lines}"
        );
    }
    for error in &file.errors {
        let _ = error.to_string();
    }
    let written = write(&file.rows);
    let again = CsvFile::parse_bytes(&written).unwrap_or_else(|e| {
        panic!(
            "written rows do not parse: {e}\n{}",
            String::from_utf8_lossy(&written)
        )
    });
    assert!(
        again.errors.is_empty(),
        "written rows have errors: {:?}\n{}",
        again.errors,
        String::from_utf8_lossy(&written)
    );
    let before: Vec<_> = file.rows.iter().map(fields).collect();
    let after: Vec<_> = again.rows.iter().map(fields).collect();
    assert_eq!(before, after, "rows -> CSV -> rows changed the rows");
    if !file.rows.is_empty() {
        let body = serde_json::to_string(&file.to_bulk_delta()).expect("serializes");
        parse_strict::<BulkDelta>(&body)
            .unwrap_or_else(|e| panic!("the bulk body of valid rows does not parse: {e}"));
    }
});
