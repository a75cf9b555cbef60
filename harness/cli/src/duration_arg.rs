//! Durations on the command line: `90`, `90s`, `500ms`, `2m`, `1h` (a bare number is seconds).

use std::time::Duration;

/// Parses a duration such as `5s`, `500ms`, `2m` or `1h`; a bare number is seconds. Zero is refused.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (e.g. 90s, 500ms, 5m, 1h)"))?;
    let seconds = match unit.trim() {
        "" | "s" | "sec" | "secs" => value,
        "ms" => value / 1000.0,
        "m" | "min" | "mins" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown unit '{other}' (use ms, s, m or h)")),
    };
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0 * 365.0) {
        return Err(format!("'{text}' must be more than zero"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_units() {
        assert_eq!(parse("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(parse("0s").is_err());
        assert!(parse("5 fortnights").is_err());
        assert!(parse("soon").is_err());
    }
}
