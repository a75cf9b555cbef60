//! Findings as text for people (compiler-style) and as JSON for tools.

use serde::Serialize;
use serde::ser::Serializer;

use super::{Checked, Finding, Severity};

impl Severity {
    /// The lowercase name, as in the text and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

impl Finding {
    /// Two lines, compiler-style: `FILE:LINE[:COLUMN]: SEVERITY[CODE]: MESSAGE`, then `  fix: FIX`.
    pub fn render(&self, file: &str) -> String {
        let column = self
            .column
            .map_or_else(String::new, |c| format!(":{}", c.index));
        format!(
            "{file}:{}{column}: {}[{}]: {}\n  fix: {}",
            self.line,
            self.severity.as_str(),
            self.code,
            self.message,
            self.fix
        )
    }
}

impl Checked {
    /// The summary line: `FILE: N rows, E errors, W warnings`.
    pub fn summary(&self, file: &str) -> String {
        format!(
            "{file}: {}, {}, {}",
            counted(self.data_rows, "row"),
            counted(self.errors(), "error"),
            counted(self.warnings(), "warning")
        )
    }

    /// Every finding rendered, then the summary line, without a final line break.
    pub fn render(&self, file: &str) -> String {
        self.findings
            .iter()
            .map(|f| f.render(file))
            .chain(std::iter::once(self.summary(file)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// This file's entry of [`json_document`].
    pub fn to_json(&self, file: &str) -> serde_json::Value {
        serde_json::json!({
            "file": file,
            "rows": self.data_rows,
            "validRows": self.rows.len(),
            "errors": self.errors(),
            "warnings": self.warnings(),
            "findings": self.findings,
        })
    }
}

fn counted(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The JSON of one finding: `line`, `column` (1-based or null), `columnName`, `severity`, `code`,
/// `message` and `fix`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FindingJson<'a> {
    line: u64,
    column: Option<usize>,
    column_name: Option<&'static str>,
    severity: Severity,
    code: &'static str,
    message: &'a str,
    fix: &'a str,
}

impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FindingJson {
            line: self.line,
            column: self.column.map(|c| c.index),
            column_name: self.column.map(|c| c.name),
            severity: self.severity,
            code: self.code,
            message: &self.message,
            fix: &self.fix,
        }
        .serialize(serializer)
    }
}

/// One JSON document for tools, `{"files": [...]}`: per file its name, `rows`, `validRows`,
/// `errors`, `warnings` and `findings`, or its name and `error` when it could not be read.
pub fn json_document<'a>(
    files: impl IntoIterator<Item = (&'a str, Result<&'a Checked, &'a str>)>,
) -> String {
    let files: Vec<serde_json::Value> = files
        .into_iter()
        .map(|(file, outcome)| match outcome {
            Ok(checked) => checked.to_json(file),
            Err(error) => serde_json::json!({ "file": file, "error": error }),
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "files": files }))
        // A tree of strings and numbers always serializes.
        .unwrap_or_default()
}
