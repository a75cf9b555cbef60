//! Integers sent as JSON strings (`"timeIntervalInSeconds": "30"`): with
//! [`NumbersAsStrings::Coerce`] they are rewritten to numbers before the strict parse, which itself
//! stays strict.

use hwoath_graph::{Mode, ParseError, Shape, Wire, parse};
use serde_json::Value;

use crate::options::NumbersAsStrings;

/// Parses a body strictly as `T`, first reading `Int32` properties sent as integer strings as
/// integers when `numbers` is [`NumbersAsStrings::Coerce`] (a body with duplicate keys or invalid
/// JSON is left to the strict parse, which names the problem).
pub(crate) fn parse_body<T: Wire>(
    bytes: &[u8],
    numbers: NumbersAsStrings,
) -> Result<T, ParseError> {
    if numbers == NumbersAsStrings::Coerce
        && let Ok(mut value) = hwoath_graph::parse_unique(bytes)
        && coerce(&mut value, &T::shape())
    {
        let rewritten = serde_json::to_vec(&value).unwrap_or_default();
        return parse::<T>(&rewritten, Mode::Strict);
    }
    parse::<T>(bytes, Mode::Strict)
}

/// Rewrites every string holding an integer (`-?[0-9]+`) where `shape` expects an `Int32`; returns
/// whether anything changed. Only declared properties are visited.
pub(crate) fn coerce(value: &mut Value, shape: &Shape) -> bool {
    match (shape, value) {
        (Shape::Int32, value @ Value::String(_)) => {
            let Some(number) = value.as_str().and_then(integer) else {
                return false;
            };
            *value = Value::from(number);
            true
        }
        (Shape::Array(item), Value::Array(items)) => items
            .iter_mut()
            .fold(false, |changed, v| coerce(v, item) | changed),
        (Shape::Object(object), Value::Object(map)) => {
            object.fields.iter().fold(false, |changed, field| {
                map.get_mut(field.name)
                    .is_some_and(|v| coerce(v, &field.shape))
                    | changed
            })
        }
        _ => false,
    }
}

/// The integer a string holds when it is exactly an optional `-` and ASCII digits.
fn integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwoath_graph::{BulkDelta, CreateDevice, UpdateDevice};
    use serde_json::json;

    const CREATE: &str = r#"{"serialNumber":"S","manufacturer":"C","model":"M","secretKey":"JBSWY3DPEHPK3PXPJBSWY3DP","timeIntervalInSeconds":"60"}"#;

    #[test]
    fn coerces_only_when_asked_and_only_integers() {
        let created: CreateDevice =
            parse_body(CREATE.as_bytes(), NumbersAsStrings::Coerce).unwrap();
        assert_eq!(created.time_interval_in_seconds, 60);
        assert!(parse_body::<CreateDevice>(CREATE.as_bytes(), NumbersAsStrings::Refuse).is_err());
        for bad in [
            "\"30.0\"",
            "\" 30\"",
            "\"\"",
            "\"-\"",
            "\"thirty\"",
            "\"1e1\"",
        ] {
            let body = format!(r#"{{"timeIntervalInSeconds":{bad}}}"#);
            assert!(
                parse_body::<UpdateDevice>(body.as_bytes(), NumbersAsStrings::Coerce).is_err(),
                "{bad}"
            );
        }
        let update: UpdateDevice = parse_body(
            br#"{"timeIntervalInSeconds":"30"}"#,
            NumbersAsStrings::Coerce,
        )
        .unwrap();
        assert_eq!(update.time_interval_in_seconds, Some(30));
        // Out of the Int32 range after coercion: the strict parse still says so.
        assert!(
            parse_body::<UpdateDevice>(
                br#"{"timeIntervalInSeconds":"99999999999"}"#,
                NumbersAsStrings::Coerce
            )
            .is_err()
        );
        // A string property holding digits stays a string.
        let mut value = json!({"serialNumber": "123", "timeIntervalInSeconds": "30"});
        assert!(coerce(&mut value, &CreateDevice::shape()));
        assert_eq!(
            value,
            json!({"serialNumber": "123", "timeIntervalInSeconds": 30})
        );
    }

    #[test]
    fn duplicate_keys_are_still_refused_and_nested_items_are_coerced() {
        let duplicated = br#"{"timeIntervalInSeconds":"30","timeIntervalInSeconds":"30"}"#;
        assert!(parse_body::<UpdateDevice>(duplicated, NumbersAsStrings::Coerce).is_err());
        let bulk = format!(r##"{{"@context":"#$delta","value":[{CREATE}]}}"##);
        let parsed: BulkDelta = parse_body(bulk.as_bytes(), NumbersAsStrings::Coerce).unwrap();
        assert_eq!(parsed.value[0].device.time_interval_in_seconds, 60);
    }
}
