//! One-time codes: a number and the count of digits it is shown with.

use std::fmt;

/// A one-time code; `Display` pads it with leading zeros to its digit count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    value: u32,
    digits: u8,
}

impl Code {
    /// Makes a code from its numeric value and digit count (the value is taken modulo 10^digits).
    pub(crate) fn new(value: u32, digits: u8) -> Self {
        Self {
            value: value % 10u32.pow(u32::from(digits)),
            digits,
        }
    }

    /// The numeric value.
    pub fn value(self) -> u32 {
        self.value
    }

    /// How many digits the code is shown with.
    pub fn digits(self) -> u8 {
        self.digits
    }

    /// Reads a code of exactly `digits` ASCII digits (leading zeros count); `None` otherwise.
    pub fn parse(text: &str, digits: u8) -> Option<Self> {
        if text.len() != usize::from(digits) || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value = text
            .bytes()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'));
        Some(Self { value, digits })
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:0width$}",
            self.value,
            width = usize::from(self.digits)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_keeps_leading_zeros() {
        assert_eq!(Code::new(7_081_804, 8).to_string(), "07081804");
        assert_eq!(Code::new(94_287_082, 6).to_string(), "287082");
    }

    #[test]
    fn parse_requires_the_exact_digit_count() {
        assert_eq!(Code::parse("012345", 6), Some(Code::new(12_345, 6)));
        assert_eq!(Code::parse("12345", 6), None);
        assert_eq!(Code::parse("1234567", 6), None);
        assert_eq!(Code::parse("12a456", 6), None);
        assert_eq!(Code::parse("+12345", 6), None);
    }
}
