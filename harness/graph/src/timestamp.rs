//! RFC 3339 timestamps (`DateTimeOffset` on the wire), kept as validated strings.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An RFC 3339 date-time such as `2024-06-10T12:34:56.789Z`, kept exactly as written
/// (equality and ordering compare the text, not the instant).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp(String);

/// Why a string is not an RFC 3339 date-time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 date-time: {reason}")]
pub struct TimestampError {
    /// What is wrong, in a few words.
    pub reason: &'static str,
}

fn err(reason: &'static str) -> TimestampError {
    TimestampError { reason }
}

fn digits(bytes: &[u8], at: usize, n: usize) -> Result<u32, TimestampError> {
    let part = bytes.get(at..at + n).ok_or(err("it is too short"))?;
    if !part.iter().all(u8::is_ascii_digit) {
        return Err(err("a digit is expected"));
    }
    Ok(part.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
}

fn expect(
    bytes: &[u8],
    at: usize,
    what: &[u8],
    reason: &'static str,
) -> Result<(), TimestampError> {
    match bytes.get(at) {
        Some(b) if what.contains(b) => Ok(()),
        _ => Err(err(reason)),
    }
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Timestamp {
    /// Checks `text` against RFC 3339 `date-time` (`T`/`t`/space separator, `Z` or `±hh:mm` offset).
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let b = text.as_bytes();
        let year = digits(b, 0, 4)?;
        expect(b, 4, b"-", "`-` expected after the year")?;
        let month = digits(b, 5, 2)?;
        expect(b, 7, b"-", "`-` expected after the month")?;
        let day = digits(b, 8, 2)?;
        if !(1..=12).contains(&month) {
            return Err(err("the month is out of range"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(err("the day is out of range"));
        }
        expect(b, 10, b"Tt ", "`T` expected after the date")?;
        let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
        expect(b, 13, b":", "`:` expected after the hour")?;
        expect(b, 16, b":", "`:` expected after the minute")?;
        if hour > 23 || minute > 59 || second > 60 {
            return Err(err("the time is out of range"));
        }
        let mut at = 19;
        if b.get(at) == Some(&b'.') {
            let start = at + 1;
            at = start;
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            if at == start {
                return Err(err("a fraction needs at least one digit"));
            }
        }
        match b.get(at) {
            Some(b'Z' | b'z') if at + 1 == b.len() => Ok(Self(text.to_owned())),
            Some(b'+' | b'-') => {
                let (oh, om) = (digits(b, at + 1, 2)?, digits(b, at + 4, 2)?);
                expect(b, at + 3, b":", "`:` expected in the offset")?;
                if oh > 23 || om > 59 {
                    return Err(err("the offset is out of range"));
                }
                if at + 6 != b.len() {
                    return Err(err("unexpected characters after the offset"));
                }
                Ok(Self(text.to_owned()))
            }
            _ => Err(err("a `Z` or `±hh:mm` offset is expected")),
        }
    }

    /// The UTC timestamp `secs` seconds after 1970-01-01T00:00:00Z, written as `YYYY-MM-DDThh:mm:ssZ`.
    ///
    /// Years outside 0000..=9999 are clamped to that range's ends.
    pub fn from_unix_seconds(secs: i64) -> Self {
        const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
        const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
        let secs = secs.clamp(MIN, MAX);
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self(format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        ))
    }

    /// The UTC timestamp `millis` milliseconds after the Unix epoch, written as
    /// `YYYY-MM-DDThh:mm:ss.mmmZ` (clamped like [`Timestamp::from_unix_seconds`]).
    pub fn from_unix_millis(millis: i64) -> Self {
        let seconds = Self::from_unix_seconds(millis.div_euclid(1000)).0;
        Self(format!(
            "{}.{:03}Z",
            &seconds[..seconds.len() - 1],
            millis.rem_euclid(1000)
        ))
    }

    /// The timestamp as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Timestamp {
    type Error = TimestampError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Timestamp> for String {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rfc3339_forms() {
        for ok in [
            "2024-06-10T12:34:56Z",
            "2024-06-10T12:34:56.1234567Z",
            "2024-02-29t00:00:00z",
            "2024-06-10 12:34:56+05:30",
            "1999-12-31T23:59:60-08:00",
        ] {
            assert_eq!(Timestamp::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_non_timestamps() {
        for bad in [
            "String (timestamp)",
            "",
            "2024-06-10",
            "2024-06-10T12:34:56",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-06-10T24:00:00Z",
            "2024-06-10T12:34:56.Z",
            "2024-06-10T12:34:56Z ",
            "2024-06-10T12:34:56+0530",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_unix_seconds() {
        assert_eq!(
            Timestamp::from_unix_seconds(0).as_str(),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(59).as_str(),
            "1970-01-01T00:00:59Z"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(1_111_111_109).as_str(),
            "2005-03-18T01:58:29Z"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(20_000_000_000).as_str(),
            "2603-10-11T11:33:20Z"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(951_782_400).as_str(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(-1).as_str(),
            "1969-12-31T23:59:59Z"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(i64::MAX).as_str(),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(i64::MIN).as_str(),
            "0000-01-01T00:00:00Z"
        );
    }

    #[test]
    fn formats_unix_millis() {
        assert_eq!(
            Timestamp::from_unix_millis(0).as_str(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_unix_millis(1_111_111_109_123).as_str(),
            "2005-03-18T01:58:29.123Z"
        );
        assert_eq!(
            Timestamp::from_unix_millis(-1).as_str(),
            "1969-12-31T23:59:59.999Z"
        );
        assert!(Timestamp::parse(Timestamp::from_unix_millis(i64::MAX).as_str()).is_ok());
    }

    #[test]
    fn serde_validates() {
        let t: Timestamp = serde_json::from_str("\"2024-06-10T12:34:56Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2024-06-10T12:34:56Z\""
        );
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }
}
