//! The property every Graph wire type must keep, checked by the parser targets.

use std::fmt::Debug;

use hwoath_graph::{Mode, ParseErrorKind, Wire, parse};
use serde::Serialize;

/// Parses `body` as a `T` in both modes and checks, panicking on a violation:
///
/// * the parser never reports [`ParseErrorKind::Model`] (a body its shape table accepted but serde
///   refused: a bug in the shape tables);
/// * parse -> serialize -> parse is the identity, in each mode;
/// * whatever strict mode accepts, lenient mode accepts as the same value;
/// * errors name a JSON pointer and format without panicking.
///
/// Returns the strictly parsed value, if any, for further checks.
pub fn round_trip<T>(body: &[u8]) -> Option<T>
where
    T: Wire + Serialize + PartialEq + Debug,
{
    let strict = check_mode::<T>(body, Mode::Strict);
    let lenient = check_mode::<T>(body, Mode::Lenient);
    if let Some(strict) = &strict {
        assert_eq!(
            Some(strict),
            lenient.as_ref(),
            "strict parsing accepted a body lenient parsing read differently"
        );
    }
    strict
}

fn check_mode<T>(body: &[u8], mode: Mode) -> Option<T>
where
    T: Wire + Serialize + PartialEq + Debug,
{
    match parse::<T>(body, mode) {
        Ok(value) => {
            let text = serde_json::to_vec(&value).expect("a parsed value serializes");
            let again = parse::<T>(&text, mode).unwrap_or_else(|e| {
                panic!(
                    "{mode:?}: the serialized form of a parsed body does not parse: {e}\n{}",
                    String::from_utf8_lossy(&text)
                )
            });
            assert_eq!(
                value, again,
                "{mode:?}: parse -> serialize -> parse changed the value"
            );
            Some(value)
        }
        Err(e) => {
            assert_ne!(
                e.kind,
                ParseErrorKind::Model,
                "{mode:?}: the shape table accepted a body serde refused"
            );
            assert!(
                e.pointer.is_empty() || e.pointer.starts_with('/'),
                "{mode:?}: error pointer {:?} is not a JSON pointer",
                e.pointer
            );
            let _ = (e.to_string(), e.property(), e.kind.code());
            None
        }
    }
}
