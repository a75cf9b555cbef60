//! Rules across rows: guest users, duplicate serial numbers and a sixth token for one user.

use std::collections::{HashMap, HashSet};

use hwoath_graph::CsvRow;

use super::records::{HEADER, Order, SERIAL, UPN};
use super::{Column, Finding, Severity};

/// Most OATH methods Entra lets one user hold: "up to five OATH hardware tokens or authenticator
/// applications" (Entra's upload page).
pub(super) const MAX_TOKENS_PER_USER: usize = 5;

/// A serial number as the file gives it: the line and the trimmed text, for every record with six
/// fields and a non-empty UTF-8 serial, valid or not.
pub(super) type Serial = (u64, String);

/// The rows that pass every rule, in file order, and a finding for each problem.
///
/// Duplicate serials are found among all records that have a serial (a line with another error
/// still takes its serial number, and the clash is said now rather than after that line is fixed);
/// guest users among the rows; the five-token count then covers only the rows still kept, since a
/// guest row or a repeated serial is never created and counts for nobody's five.
pub(super) fn across_rows(
    rows: Vec<CsvRow>,
    serials: &[Serial],
    order: &Order,
) -> (Vec<CsvRow>, Vec<Finding>) {
    let column = |entra: usize| Column {
        index: order[entra] + 1,
        name: HEADER[entra],
    };
    let mut findings = duplicate_serials(serials, column(SERIAL));
    let repeated: HashSet<u64> = findings.iter().map(|f| f.line).collect();
    let rows = keep(rows, &mut findings, |row| {
        guest(row, column(UPN)).into_iter().collect()
    });
    let rows: Vec<CsvRow> = rows
        .into_iter()
        .filter(|row| !repeated.contains(&row.line))
        .collect();
    let mut lines_of = HashMap::<String, Vec<u64>>::new();
    let rows = keep(rows, &mut findings, |row| {
        too_many_tokens(row, &mut lines_of, column(UPN))
            .into_iter()
            .collect()
    });
    (rows, findings)
}

/// The rows for which `rule` finds nothing; the findings go to `findings`.
fn keep(
    rows: Vec<CsvRow>,
    findings: &mut Vec<Finding>,
    mut rule: impl FnMut(&CsvRow) -> Vec<Finding>,
) -> Vec<CsvRow> {
    rows.into_iter()
        .filter(|row| {
            let found = rule(row);
            let clean = found.is_empty();
            findings.extend(found);
            clean
        })
        .collect()
}

/// Guest accounts carry `#EXT#` in their UPN; Entra's upload page: tokens cannot be assigned to
/// guest users.
fn guest(row: &CsvRow, column: Column) -> Option<Finding> {
    row.upn.to_ascii_uppercase().contains("#EXT#").then(|| {
        Finding::new(
            Severity::Error,
            row.line,
            Some(column),
            "guest-user",
            "the UPN is a guest account (it holds `#EXT#`); tokens cannot be assigned to guest users",
            "assign the token to a member account of your tenant (the user's own account in their \
             home tenant, if they have one), or leave the line out",
        )
    })
}

/// Serial numbers compare without regard to letter case (our decision: Entra's directory compares
/// strings that way, and two serials that differ only in case are one token typed twice more often
/// than two tokens).
fn serial_key(serial: &str) -> String {
    serial.to_lowercase()
}

/// An error on each later occurrence of a serial number, naming the line of the first.
fn duplicate_serials(serials: &[Serial], column: Column) -> Vec<Finding> {
    let mut first_line = HashMap::new();
    let mut findings = Vec::new();
    for (line, serial) in serials {
        let first = *first_line.entry(serial_key(serial)).or_insert(*line);
        if first != *line {
            findings.push(Finding::new(
                Severity::Error,
                *line,
                Some(column),
                "duplicate-serial",
                format!(
                    "the serial number is already on line {first} (serial numbers are compared \
                     without regard to letter case)"
                ),
                "a serial number names one token in the tenant: remove the repeated line, or \
                 correct the serial number if two tokens were mixed up",
            ));
        }
    }
    findings
}

/// UPNs compare without regard to letter case, as Entra compares them.
fn too_many_tokens(
    row: &CsvRow,
    lines_of: &mut HashMap<String, Vec<u64>>,
    column: Column,
) -> Option<Finding> {
    let lines = lines_of.entry(row.upn.to_lowercase()).or_default();
    if lines.len() < MAX_TOKENS_PER_USER {
        lines.push(row.line);
        return None;
    }
    let earlier: Vec<String> = lines.iter().map(u64::to_string).collect();
    Some(Finding::new(
        Severity::Error,
        row.line,
        Some(column),
        "too-many-tokens",
        format!(
            "this user already has {MAX_TOKENS_PER_USER} tokens in this file, on lines {} (UPNs \
             are compared without regard to letter case)",
            earlier.join(", ")
        ),
        "give this token to another user or leave it out: Entra allows up to five OATH hardware \
         tokens or authenticator applications per user, counting those the user already has",
    ))
}
