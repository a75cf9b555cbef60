//! `check` against `entra_csv` on thousands of generated files: every line `entra_csv` refuses has an
//! error finding on that line naming the same column first; every row `check` keeps is the row
//! `entra_csv` reads on that line; rows `entra_csv` reads that `check` drops have an error from a rule
//! across rows; and no finding holds a secret key.

use std::collections::HashMap;

use hwoath_graph::{CsvFile, CsvRow};
use hwoath_onboard::{Checked, Finding, Severity, check};

/// A small deterministic generator (xorshift64*), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[(self.next() % choices.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const UPNS: &[&str] = &[
    "amy@contoso.com",
    "AMY@contoso.com",
    "bo@contoso.com",
    "cy@contoso.com",
    "bo_f.com#EXT#@contoso.com",
    "nobody",
    "@contoso.com",
    "dee@",
    "",
    " amy@contoso.com ",
];
const SERIALS: &[&str] = &[
    "S1", "s1", "S2", "S3", "S4", "S5", "S6", "", "\"S, 7\"", "  S8 ",
];
const SECRETS: &[&str] = &[
    "JBSWY3DPEHPK3PXP",
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    "jbswy3dpehpk3pxq",
    "JBSWY3DPEHPK3PX0",
    "JBSW Y3DP EHPK 3PXP",
    "JBSWY3DPEHPK",
    "JBSWY3DPEHPK3PXPA",
    "MFRGG===",
    "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK======",
    "",
    "0123456789abcdef0123",
];
const INTERVALS: &[&str] = &["30", "60", " 30 ", "45", "thirty", "", "-30", "+60"];
const NAMES: &[&str] = &["Contoso", "\"Contoso, Ltd\"", "K100", "", "M\u{fc}ller"];
const BREAKS: &[&str] = &["\n", "\n", "\r\n", "\n\n"];

/// A file with Entra's header and `rows` generated lines, some with the wrong field count.
fn generate(rng: &mut Rng, rows: usize) -> Vec<u8> {
    let line_break = rng.pick(BREAKS);
    let mut text = String::new();
    if rng.chance(10) {
        text.push('\u{feff}');
    }
    text.push_str(&CsvRow::HEADER.join(","));
    text.push_str(line_break);
    for _ in 0..rows {
        let mut fields = vec![
            rng.pick(UPNS),
            rng.pick(SERIALS),
            rng.pick(SECRETS),
            rng.pick(INTERVALS),
            rng.pick(NAMES),
            rng.pick(NAMES),
        ];
        if rng.chance(5) {
            fields.pop();
        }
        text.push_str(&fields.join(","));
        text.push_str(line_break);
    }
    text.into_bytes()
}

fn errors_by_line(checked: &Checked) -> HashMap<u64, Vec<&Finding>> {
    let mut by_line: HashMap<u64, Vec<&Finding>> = HashMap::new();
    for finding in &checked.findings {
        if finding.severity == Severity::Error {
            by_line.entry(finding.line).or_default().push(finding);
        }
    }
    by_line
}

fn assert_agrees(seed: u64, bytes: &[u8], file: &CsvFile, checked: &Checked) {
    let errors = errors_by_line(checked);
    for error in &file.errors {
        let found = errors
            .get(&error.line)
            .unwrap_or_else(|| panic!("seed {seed}: no error on line {}: {error}", error.line));
        if let Some(column) = error.column {
            assert!(
                found
                    .iter()
                    .any(|f| f.column.is_some_and(|c| c.name == column)),
                "seed {seed}: line {} has no finding in column {column}",
                error.line
            );
        }
    }
    let rows: HashMap<u64, &CsvRow> = file.rows.iter().map(|r| (r.line, r)).collect();
    for row in &checked.rows {
        assert_eq!(
            rows.get(&row.line),
            Some(&row),
            "seed {seed}: line {}",
            row.line
        );
    }
    for row in &file.rows {
        if !checked.rows.iter().any(|r| r.line == row.line) {
            let codes: Vec<&str> = errors
                .get(&row.line)
                .map(|f| f.iter().map(|f| f.code).collect())
                .unwrap_or_default();
            assert!(
                codes
                    .iter()
                    .any(|c| matches!(*c, "duplicate-serial" | "guest-user" | "too-many-tokens")),
                "seed {seed}: line {} dropped with {codes:?}\n{}",
                row.line,
                String::from_utf8_lossy(bytes)
            );
        }
    }
    for finding in &checked.findings {
        for secret in SECRETS.iter().filter(|s| s.len() >= 8) {
            assert!(
                !finding.message.contains(secret) && !finding.fix.contains(secret),
                "seed {seed}: {finding:?}"
            );
        }
    }
}

#[test]
fn check_agrees_with_entra_csv_on_generated_files() {
    for seed in 1..=2000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let rows = (rng.next() % 12) as usize;
        let bytes = generate(&mut rng, rows);
        let file = CsvFile::parse_bytes(&bytes).expect("the header is Entra's");
        let checked = check(&bytes);
        assert_eq!(checked.data_rows, file.rows.len() + file.errors.len());
        assert_agrees(seed, &bytes, &file, &checked);
    }
}

#[test]
fn reordering_the_columns_finds_the_same_problems_in_the_moved_columns() {
    // Entra's columns moved to serial, upn, secret, interval, model, manufacturer.
    let moved = [1, 0, 2, 3, 5, 4];
    for seed in 1..=300u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let bytes = generate(&mut rng, 6);
        let text = String::from_utf8(bytes).unwrap();
        let reordered = rewrite(&text, Some(moved));
        let straight = check(&rewrite(&text, None));
        let moved_check = check(&reordered);
        let summary = |checked: &Checked| -> Vec<(u64, &'static str, Option<&'static str>)> {
            checked
                .findings
                .iter()
                .filter(|f| !f.is_whole_file())
                .map(|f| (f.line, f.code, f.column.map(|c| c.name)))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        assert_eq!(summary(&straight), summary(&moved_check), "seed {seed}");
        assert_eq!(moved_check.findings[0].code, "header-order", "seed {seed}");
        assert_eq!(
            straight.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            moved_check.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            "seed {seed}"
        );
    }
}

/// The file rewritten by one CSV writer (so the straight and reordered files number lines alike),
/// with the columns of every 6-field record moved to `order` when given.
fn rewrite(text: &str, order: Option<[usize; 6]>) -> Vec<u8> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for record in reader.records() {
        let record = record.unwrap();
        match order {
            Some(order) if record.len() == 6 => {
                writer.write_record(order.map(|i| &record[i])).unwrap();
            }
            _ => writer.write_record(&record).unwrap(),
        }
    }
    writer.into_inner().unwrap()
}
