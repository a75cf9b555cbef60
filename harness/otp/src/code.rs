//! One-time codes: a number and the count of digits it is shown with.

use std::fmt;

/// A one-time code; `Display` pads it with leading zeros to its digit count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    value: u32,
    digits: u8,
}

impl Code {
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

/// Reduction modulo 10^digits by two multiplications instead of a division, exact for every `u32`
/// (Lemire, Kaser and Kurz, "Faster remainder by direct computation", 2019).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Modulus {
    digits: u8,
    divisor: u32,
    magic: u64,
}

impl Modulus {
    /// The reduction for codes of `digits` digits (at most 9).
    pub(crate) fn new(digits: u8) -> Self {
        let divisor = 10u32.pow(u32::from(digits));
        Self {
            digits,
            divisor,
            magic: (u64::MAX / u64::from(divisor)).wrapping_add(1),
        }
    }

    /// The digit count codes are cut to.
    pub(crate) fn digits(self) -> u8 {
        self.digits
    }

    /// The code whose value is `value` modulo 10^digits.
    #[inline]
    pub(crate) fn code(self, value: u32) -> Code {
        let fraction = self.magic.wrapping_mul(u64::from(value));
        let value = ((u128::from(fraction) * u128::from(self.divisor)) >> 64) as u32;
        Code {
            value,
            digits: self.digits,
        }
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
        assert_eq!(Modulus::new(8).code(7_081_804).to_string(), "07081804");
        assert_eq!(Modulus::new(6).code(94_287_082).to_string(), "287082");
    }

    #[test]
    fn the_modulus_reduces_like_the_remainder_operator() {
        for digits in 0..=9u8 {
            let modulus = Modulus::new(digits);
            let divisor = 10u32.pow(u32::from(digits));
            let edges = [
                0u32,
                1,
                7,
                999_999,
                1_000_000,
                94_287_082,
                0x7fff_ffff,
                u32::MAX,
            ];
            let spread = (0..10_000u32).map(|i| i.wrapping_mul(0x9E37_79B9));
            for value in edges.into_iter().chain(spread) {
                let code = modulus.code(value);
                assert_eq!(code.value(), value % divisor, "{value} at {digits} digits");
                assert_eq!(code.digits(), digits);
            }
        }
    }

    #[test]
    fn parse_requires_the_exact_digit_count() {
        assert_eq!(Code::parse("012345", 6), Some(Modulus::new(6).code(12_345)));
        assert_eq!(Code::parse("12345", 6), None);
        assert_eq!(Code::parse("1234567", 6), None);
        assert_eq!(Code::parse("12a456", 6), None);
        assert_eq!(Code::parse("+12345", 6), None);
    }
}
