//! How values read in messages and reports: statuses, durations, quoted strings and lists as people
//! write them, never Rust's `Debug` text (`Some(501)`, `"x"` with Rust escapes, `[200, 201]`).

use std::fmt::Display;
use std::time::Duration;

/// A status code, or `no answer` when none came.
pub fn status(status: Option<u16>) -> String {
    status.map_or_else(|| "no answer".to_owned(), |status| status.to_string())
}

/// A duration as people write it: `250 ms`, `10 s`, `1.25 s`.
pub fn duration(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        let text = format!("{:.3}", duration.as_secs_f64());
        format!("{} s", text.trim_end_matches('0'))
    }
}

/// Text in double quotes, escaped as JSON escapes it (control characters stay visible and harmless).
pub fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// A value, or `absent` when there is none.
pub fn or_absent<T: Display>(value: Option<T>) -> String {
    value.map_or_else(|| "absent".to_owned(), |value| value.to_string())
}

/// A quoted text, or `absent` when there is none.
pub fn quoted_or_absent(text: Option<&str>) -> String {
    text.map_or_else(|| "absent".to_owned(), quoted)
}

/// Items joined by `, ` (`none` when there are none).
pub fn list<T: Display>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|item| item.to_string()).collect();
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// Statuses joined by ` or `, e.g. `200 or 201`.
pub fn alternatives(statuses: &[u16]) -> String {
    statuses
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_people_write_them() {
        assert_eq!(status(Some(501)), "501");
        assert_eq!(status(None), "no answer");
        assert_eq!(duration(Duration::from_millis(250)), "250 ms");
        assert_eq!(duration(Duration::from_secs(120)), "120 s");
        assert_eq!(duration(Duration::from_millis(1250)), "1.25 s");
        assert_eq!(quoted("a\"b\u{1b}"), r#""a\"b\u001b""#);
        assert_eq!(or_absent(None::<u16>), "absent");
        assert_eq!(quoted_or_absent(Some("x")), "\"x\"");
        assert_eq!(list(["a", "b"]), "a, b");
        assert_eq!(list(Vec::<String>::new()), "none");
        assert_eq!(alternatives(&[200, 201]), "200 or 201");
    }
}
