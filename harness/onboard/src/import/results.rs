//! What became of each row, as the Entra admin center's upload answers with an error file: one line
//! per row of the input, in CSV and JSON, with the outcome and the reason. No secret is ever written.

use std::fmt;

use serde::Serialize;

/// How far a row got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The token was created and left unassigned.
    Created,
    /// The token was created and assigned to the row's user.
    Assigned,
    /// The token was created, assigned and activated.
    Activated,
    /// Nothing was done: the row was done by an earlier run, or its serial was already on the target,
    /// or the import stopped before it.
    Skipped,
    /// A step failed; the reason says which and how far the row got.
    Failed,
}

impl Outcome {
    /// Every outcome, in the order summaries list them.
    pub const ALL: [Outcome; 5] = [
        Outcome::Created,
        Outcome::Assigned,
        Outcome::Activated,
        Outcome::Skipped,
        Outcome::Failed,
    ];

    /// The outcome's name as the result files write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Assigned => "assigned",
            Outcome::Activated => "activated",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one row of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowResult {
    /// The row's 1-based line in the file.
    pub line: u64,
    /// The row's UPN (empty when the line could not be read).
    pub upn: String,
    /// The row's serial number (empty when the line could not be read).
    pub serial_number: String,
    /// How far it got.
    pub outcome: Outcome,
    /// The device's object id on the target, once known.
    pub device_id: Option<String>,
    /// The assigned user's object id, once known.
    pub user_id: Option<String>,
    /// Why the row failed or was skipped; what an earlier run had done; empty otherwise.
    pub reason: String,
}

/// Rows per outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Rows whose token was created and left unassigned.
    pub created: usize,
    /// Rows whose token was assigned (and not activated).
    pub assigned: usize,
    /// Rows whose token was activated.
    pub activated: usize,
    /// Rows skipped.
    pub skipped: usize,
    /// Rows failed.
    pub failed: usize,
}

impl Tally {
    /// Counts `rows` by outcome.
    pub fn of(rows: &[RowResult]) -> Self {
        let mut tally = Self::default();
        for row in rows {
            *tally.slot(row.outcome) += 1;
        }
        tally
    }

    /// The count of one outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        match outcome {
            Outcome::Created => self.created,
            Outcome::Assigned => self.assigned,
            Outcome::Activated => self.activated,
            Outcome::Skipped => self.skipped,
            Outcome::Failed => self.failed,
        }
    }

    fn slot(&mut self, outcome: Outcome) -> &mut usize {
        match outcome {
            Outcome::Created => &mut self.created,
            Outcome::Assigned => &mut self.assigned,
            Outcome::Activated => &mut self.activated,
            Outcome::Skipped => &mut self.skipped,
            Outcome::Failed => &mut self.failed,
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = Outcome::ALL
            .iter()
            .map(|&outcome| format!("{} {outcome}", self.count(outcome)))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

/// The CSV columns of the result file.
const CSV_HEADER: [&str; 7] = [
    "line",
    "upn",
    "serial number",
    "outcome",
    "device id",
    "user id",
    "reason",
];

impl RowResult {
    /// `rows` as the CSV result file (header first).
    pub fn to_csv(rows: &[RowResult]) -> Result<Vec<u8>, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(CSV_HEADER)?;
        for row in rows {
            writer.write_record([
                row.line.to_string().as_str(),
                &row.upn,
                &row.serial_number,
                row.outcome.as_str(),
                row.device_id.as_deref().unwrap_or_default(),
                row.user_id.as_deref().unwrap_or_default(),
                &row.reason,
            ])?;
        }
        writer
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }

    /// `rows` as the JSON result file: the source file, the target, the tally and every row.
    pub fn to_json(file: &str, target: &str, rows: &[RowResult]) -> serde_json::Result<Vec<u8>> {
        #[derive(Serialize)]
        struct Document<'a> {
            file: &'a str,
            target: &'a str,
            tally: Tally,
            rows: &'a [RowResult],
        }
        let mut bytes = serde_json::to_vec_pretty(&Document {
            file,
            target,
            tally: Tally::of(rows),
            rows,
        })?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u64, outcome: Outcome, reason: &str) -> RowResult {
        RowResult {
            line,
            upn: "ana@contoso.com".into(),
            serial_number: format!("S{line}"),
            outcome,
            device_id: Some(format!("d{line}")),
            user_id: None,
            reason: reason.into(),
        }
    }

    #[test]
    fn csv_has_one_line_per_row_and_quotes_what_needs_it() {
        let rows = [
            row(2, Outcome::Assigned, ""),
            row(
                3,
                Outcome::Failed,
                "assigning failed: 400 invalidRequest: \"five\", max",
            ),
        ];
        let text = String::from_utf8(RowResult::to_csv(&rows).unwrap()).unwrap();
        assert_eq!(
            text,
            "line,upn,serial number,outcome,device id,user id,reason\n\
             2,ana@contoso.com,S2,assigned,d2,,\n\
             3,ana@contoso.com,S3,failed,d3,,\"assigning failed: 400 invalidRequest: \"\"five\"\", max\"\n"
        );
    }

    #[test]
    fn json_tallies_the_outcomes() {
        let rows = [
            row(2, Outcome::Activated, ""),
            row(3, Outcome::Skipped, "done by an earlier run"),
            row(4, Outcome::Skipped, "already on the target"),
        ];
        let value: serde_json::Value =
            serde_json::from_slice(&RowResult::to_json("t.csv", "http://t/beta", &rows).unwrap())
                .unwrap();
        assert_eq!(value["tally"]["activated"], 1);
        assert_eq!(value["tally"]["skipped"], 2);
        assert_eq!(value["rows"][1]["outcome"], "skipped");
        assert_eq!(value["rows"][0]["serialNumber"], "S2");
        assert_eq!(
            Tally::of(&rows).to_string(),
            "0 created, 0 assigned, 1 activated, 2 skipped, 0 failed"
        );
    }
}
