//! The progress bar of long commands (`run`, `csv import`) on standard error, hidden when standard
//! error is not a terminal (CI, a pipe), and the problem lines printed beside it.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting to `total` items of `unit` (empty: no unit shown); hidden without a terminal.
pub fn bar(total: u64, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}}{unit} {{wide_msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Prints a problem line above the bar, or on standard output when the bar is hidden (it would
/// print nothing, so a run in CI still shows its problems as they happen).
pub fn problem(bar: &ProgressBar, line: &str) {
    if bar.is_hidden() {
        crate::say!("{line}");
    } else {
        bar.println(line);
    }
}
