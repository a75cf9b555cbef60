//! Strict and lenient parsing of bodies into wire types, with errors that name the property.
//!
//! A body is first read into a tree that keeps duplicate keys, then walked against the type's
//! [`Shape`], and only then handed to serde. Both modes need valid JSON with the right types,
//! no `null` where the property is not nullable, and required properties present and (for strings)
//! non-empty. **Strict** mode also rejects unknown properties, duplicate keys and an `@odata.type`
//! other than the type's own; **lenient** mode ignores unknown properties and keeps the last of
//! duplicate keys, as serde_json does. Keys containing `@` are OData annotations (`@odata.type`,
//! `@odata.context`, `@contentId`, `prop@odata.bind`, ...) and never unknown properties.

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::raw::Raw;
use crate::shape::{Field, ObjectShape, Shape, Wire};
use crate::timestamp::Timestamp;

/// How strictly a body is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Unknown properties, duplicate keys and a foreign `@odata.type` are errors.
    Strict,
    /// Unknown properties are ignored and the last of duplicate keys wins.
    Lenient,
}

/// What is wrong with a body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The body is not JSON.
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's description of the problem.
        reason: String,
    },
    /// A key appears twice in one object (strict only).
    DuplicateKey,
    /// A property the type does not have (strict only).
    UnknownProperty,
    /// A required property is absent.
    MissingProperty,
    /// The value has the wrong JSON type.
    WrongType {
        /// What the property must be, with its article (e.g. `a string`).
        expected: &'static str,
        /// What it is (e.g. `number`).
        found: &'static str,
    },
    /// `null` for a property that is not nullable.
    NullNotAllowed,
    /// An empty string for a required string property.
    EmptyString,
    /// A string that names no member of the enum.
    InvalidEnumValue {
        /// The members' wire names.
        allowed: &'static [&'static str],
    },
    /// An integer outside the `Int32` range.
    OutOfRange,
    /// A string that is not an RFC 3339 date-time.
    InvalidTimestamp {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A value for a property the service only ever sets to `null` (such as a device's `secretKey`).
    MustBeNull,
    /// An `@odata.type` naming another type (strict only).
    ODataTypeMismatch {
        /// The type's own `@odata.type`.
        expected: &'static str,
    },
    /// The checked body still did not fit the Rust type (a bug in this crate's shape tables).
    Model,
}

impl ParseErrorKind {
    /// A short stable label of the kind (`syntax`, `duplicate-key`, `unknown-property`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Syntax { .. } => "syntax",
            Self::DuplicateKey => "duplicate-key",
            Self::UnknownProperty => "unknown-property",
            Self::MissingProperty => "missing-property",
            Self::WrongType { .. } => "wrong-type",
            Self::NullNotAllowed => "null-not-allowed",
            Self::EmptyString => "empty-string",
            Self::InvalidEnumValue { .. } => "invalid-enum-value",
            Self::OutOfRange => "out-of-range",
            Self::InvalidTimestamp { .. } => "invalid-timestamp",
            Self::MustBeNull => "must-be-null",
            Self::ODataTypeMismatch { .. } => "odata-type-mismatch",
            Self::Model => "model",
        }
    }
}

/// A body that failed to parse: where (a JSON pointer, `""` for the whole body) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// JSON pointer (RFC 6901) of the offending property, e.g. `/value/0/timeIntervalInSeconds`.
    pub pointer: String,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

impl ParseError {
    /// The offending property's name (the pointer's last segment), if the error is about a property.
    pub fn property(&self) -> Option<String> {
        let last = self
            .pointer
            .rsplit('/')
            .next()
            .filter(|_| !self.pointer.is_empty())?;
        Some(last.replace("~1", "/").replace("~0", "~"))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.pointer.is_empty() {
            "the body".to_owned()
        } else {
            format!("property `{}`", self.pointer)
        };
        match &self.kind {
            ParseErrorKind::Syntax {
                line,
                column,
                reason,
            } => {
                write!(
                    f,
                    "the body is not valid JSON: {reason} (line {line}, column {column})"
                )
            }
            ParseErrorKind::DuplicateKey => write!(f, "{what} appears more than once"),
            ParseErrorKind::UnknownProperty => {
                write!(f, "{what} is not a property of this resource")
            }
            ParseErrorKind::MissingProperty => write!(f, "{what} is required but missing"),
            ParseErrorKind::WrongType { expected, found } => {
                write!(f, "{what} must be {expected}, not {found}")
            }
            ParseErrorKind::NullNotAllowed => write!(f, "{what} must not be null"),
            ParseErrorKind::EmptyString => write!(f, "{what} must not be an empty string"),
            ParseErrorKind::InvalidEnumValue { allowed } => {
                write!(f, "{what} must be one of {}", allowed.join(", "))
            }
            ParseErrorKind::OutOfRange => write!(f, "{what} is outside the Int32 range"),
            ParseErrorKind::InvalidTimestamp { reason } => {
                write!(f, "{what} is not an RFC 3339 date-time ({reason})")
            }
            ParseErrorKind::MustBeNull => write!(f, "{what} must be null"),
            ParseErrorKind::ODataTypeMismatch { expected } => {
                write!(f, "{what} must be `{expected}`")
            }
            ParseErrorKind::Model => write!(f, "{what} does not fit the wire model"),
        }
    }
}

/// Parses `text` as a `T` in strict mode.
pub fn parse_strict<T: Wire>(text: &str) -> Result<T, ParseError> {
    parse(text.as_bytes(), Mode::Strict)
}

/// Parses `text` as a `T` in lenient mode.
pub fn parse_lenient<T: Wire>(text: &str) -> Result<T, ParseError> {
    parse(text.as_bytes(), Mode::Lenient)
}

/// Parses the bytes of a body (UTF-8 JSON) as a `T` in the given mode.
pub fn parse<T: Wire>(body: &[u8], mode: Mode) -> Result<T, ParseError> {
    let value = check(body, &T::shape(), mode)?;
    serde_json::from_value(value).map_err(|_| ParseError {
        pointer: String::new(),
        kind: ParseErrorKind::Model,
    })
}

/// Checks the bytes of a body against `shape` and returns the JSON value serde will read
/// (unknown properties dropped in lenient mode).
fn check(body: &[u8], shape: &Shape, mode: Mode) -> Result<Value, ParseError> {
    Walker {
        mode,
        pointer: String::new(),
    }
    .value(read_raw(body)?, shape)
}

/// Parses the bytes of a body as JSON of any shape, refusing a key that appears twice in one object
/// (serde_json alone keeps the last one silently).
pub fn parse_unique(body: &[u8]) -> Result<Value, ParseError> {
    unique_value(read_raw(body)?, &mut String::new())
}

fn read_raw(body: &[u8]) -> Result<Raw, ParseError> {
    serde_json::from_slice(body).map_err(|e| ParseError {
        pointer: String::new(),
        kind: ParseErrorKind::Syntax {
            line: e.line(),
            column: e.column(),
            reason: syntax_reason(&e),
        },
    })
}

/// `raw` as a value, failing at the first key an object holds twice.
fn unique_value(raw: Raw, pointer: &mut String) -> Result<Value, ParseError> {
    match raw {
        Raw::Array(items) => {
            let mut values = Vec::with_capacity(items.len());
            for (index, item) in items.into_iter().enumerate() {
                let len = pointer.len();
                push_segment(pointer, &index.to_string());
                values.push(unique_value(item, pointer)?);
                pointer.truncate(len);
            }
            Ok(Value::Array(values))
        }
        Raw::Object(entries) => {
            let mut object = serde_json::Map::new();
            for (key, item) in entries {
                let len = pointer.len();
                push_segment(pointer, &key);
                if object.contains_key(&key) {
                    return Err(ParseError {
                        pointer: pointer.clone(),
                        kind: ParseErrorKind::DuplicateKey,
                    });
                }
                let value = unique_value(item, pointer)?;
                pointer.truncate(len);
                object.insert(key, value);
            }
            Ok(Value::Object(object))
        }
        other => Ok(to_value(other)),
    }
}

/// serde_json's message without its trailing position.
fn syntax_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

struct Walker {
    mode: Mode,
    pointer: String,
}

fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
}

fn to_value(raw: Raw) -> Value {
    match raw {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(b),
        Raw::Number(n) => Value::Number(n),
        Raw::String(s) => Value::String(s),
        Raw::Array(items) => Value::Array(items.into_iter().map(to_value).collect()),
        Raw::Object(entries) => {
            Value::Object(entries.into_iter().map(|(k, v)| (k, to_value(v))).collect())
        }
    }
}

fn same_odata_type(a: &str, b: &str) -> bool {
    a.trim_start_matches('#') == b.trim_start_matches('#')
}

impl Walker {
    fn fail<T>(&self, kind: ParseErrorKind) -> Result<T, ParseError> {
        Err(ParseError {
            pointer: self.pointer.clone(),
            kind,
        })
    }

    fn wrong_type<T>(&self, expected: &'static str, raw: &Raw) -> Result<T, ParseError> {
        self.fail(ParseErrorKind::WrongType {
            expected,
            found: raw.kind(),
        })
    }

    fn value(&mut self, raw: Raw, shape: &Shape) -> Result<Value, ParseError> {
        match (shape, raw) {
            (Shape::String, Raw::String(s)) => Ok(Value::String(s)),
            (Shape::Enum(allowed), Raw::String(s)) => {
                if allowed.contains(&s.as_str()) {
                    Ok(Value::String(s))
                } else {
                    self.fail(ParseErrorKind::InvalidEnumValue { allowed })
                }
            }
            (Shape::Timestamp, Raw::String(s)) => match Timestamp::parse(&s) {
                Ok(_) => Ok(Value::String(s)),
                Err(e) => self.fail(ParseErrorKind::InvalidTimestamp { reason: e.reason }),
            },
            (Shape::Int32, Raw::Number(n)) => match (n.as_i64(), n.is_f64()) {
                (Some(v), _) if i32::try_from(v).is_ok() => Ok(Value::Number(n)),
                (_, true) => self.fail(ParseErrorKind::WrongType {
                    expected: "an Int32 integer",
                    found: "non-integer number",
                }),
                _ => self.fail(ParseErrorKind::OutOfRange),
            },
            (Shape::Null, Raw::Null) => Ok(Value::Null),
            (Shape::Null, _) => self.fail(ParseErrorKind::MustBeNull),
            (Shape::Array(item), Raw::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, raw) in items.into_iter().enumerate() {
                    let len = self.pointer.len();
                    push_segment(&mut self.pointer, &i.to_string());
                    if matches!(raw, Raw::Null) {
                        return self.fail(ParseErrorKind::NullNotAllowed);
                    }
                    out.push(self.value(raw, item)?);
                    self.pointer.truncate(len);
                }
                Ok(Value::Array(out))
            }
            (Shape::Object(obj), Raw::Object(entries)) => self.object(obj, entries),
            (Shape::String | Shape::Enum(_) | Shape::Timestamp, raw) => {
                self.wrong_type("a string", &raw)
            }
            (Shape::Int32, raw) => self.wrong_type("an Int32 integer", &raw),
            (Shape::Array(_), raw) => self.wrong_type("an array", &raw),
            (Shape::Object(_), raw) => self.wrong_type("an object", &raw),
        }
    }

    fn object(
        &mut self,
        shape: &ObjectShape,
        entries: Vec<(String, Raw)>,
    ) -> Result<Value, ParseError> {
        let mut seen = HashSet::new();
        let mut out = Map::new();
        for (key, raw) in entries {
            let len = self.pointer.len();
            push_segment(&mut self.pointer, &key);
            if !seen.insert(key.clone()) && self.mode == Mode::Strict {
                return self.fail(ParseErrorKind::DuplicateKey);
            }
            if let Some(field) = shape.field(&key) {
                let value = self.field(field, raw)?;
                out.insert(key, value);
            } else if key.contains('@') {
                self.annotation(shape, &key, &raw)?;
                out.insert(key, to_value(raw));
            } else if self.mode == Mode::Strict {
                return self.fail(ParseErrorKind::UnknownProperty);
            }
            self.pointer.truncate(len);
        }
        if let Some(missing) = shape
            .fields
            .iter()
            .find(|f| f.required && !seen.contains(f.name))
        {
            let len = self.pointer.len();
            push_segment(&mut self.pointer, missing.name);
            let err = self.fail(ParseErrorKind::MissingProperty);
            self.pointer.truncate(len);
            return err;
        }
        Ok(Value::Object(out))
    }

    fn field(&mut self, field: &Field, raw: Raw) -> Result<Value, ParseError> {
        match raw {
            Raw::Null if field.nullable => Ok(Value::Null),
            Raw::Null if field.shape == Shape::Null => Ok(Value::Null),
            Raw::Null => self.fail(ParseErrorKind::NullNotAllowed),
            Raw::String(s) if s.is_empty() && field.required && field.shape == Shape::String => {
                self.fail(ParseErrorKind::EmptyString)
            }
            raw => self.value(raw, &field.shape),
        }
    }

    fn annotation(&self, shape: &ObjectShape, key: &str, raw: &Raw) -> Result<(), ParseError> {
        match key {
            "@odata.type" => {
                let Raw::String(t) = raw else {
                    return self.wrong_type("a string", raw);
                };
                match shape.odata_type {
                    Some(own) if self.mode == Mode::Strict && !same_odata_type(t, own) => {
                        self.fail(ParseErrorKind::ODataTypeMismatch { expected: own })
                    }
                    _ => Ok(()),
                }
            }
            "@odata.context" | "@odata.nextLink" | "@odata.deltaLink" | "@odata.id"
            | "@odata.editLink" | "@odata.etag" => match raw {
                Raw::String(_) => Ok(()),
                _ => self.wrong_type("a string", raw),
            },
            "@odata.count" => match raw {
                Raw::Number(n) if n.is_u64() => Ok(()),
                _ => self.wrong_type("a non-negative integer", raw),
            },
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{CreateDevice, UpdateDevice};
    use crate::resource::Device;
    use crate::{Collection, Entity, ErrorEnvelope};

    const CREATE: &str = r#"{"serialNumber":"TOTP1","manufacturer":"Contoso","model":"M1","secretKey":"JBSWY3DPEHPK3PXPJBSWY3DP","timeIntervalInSeconds":30}"#;

    fn with(extra: &str) -> String {
        format!("{},{extra}}}", &CREATE[..CREATE.len() - 1])
    }

    fn strict_err<T: Wire + std::fmt::Debug>(body: &str) -> (String, &'static str) {
        let e = parse_strict::<T>(body).unwrap_err();
        (e.pointer, e.kind.code())
    }

    #[test]
    fn unique_parsing_keeps_json_and_names_the_first_repeated_key() {
        assert_eq!(
            parse_unique(br#"{"a": [1, {"b": null}], "c": "d"}"#).unwrap(),
            serde_json::json!({"a": [1, {"b": null}], "c": "d"})
        );
        let repeated = parse_unique(br#"{"x": [{"b": 1, "b": 1}]}"#).unwrap_err();
        assert_eq!(
            (repeated.pointer.as_str(), repeated.kind.code()),
            ("/x/0/b", "duplicate-key")
        );
        for bad in [&b"{\"a\": 1,}"[..], b""] {
            assert_eq!(parse_unique(bad).unwrap_err().kind.code(), "syntax");
        }
    }

    #[test]
    fn minimal_create_parses_in_both_modes() {
        let strict: CreateDevice = parse_strict(CREATE).unwrap();
        let lenient: CreateDevice = parse_lenient(CREATE).unwrap();
        assert_eq!(strict, lenient);
        assert_eq!(strict.time_interval_in_seconds, 30);
        assert_eq!(strict.hash_function, None);
    }

    #[test]
    fn sdk_style_body_with_annotations_and_nulls_is_accepted() {
        let body = r##"{"@odata.type":"#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice",
            "displayName":null,"serialNumber":"S","manufacturer":"C","model":"M",
            "secretKey":"JBSWY3DPEHPK3PXPJBSWY3DP","timeIntervalInSeconds":60,"hashFunction":null,
            "assignTo":{"@odata.type":"#microsoft.graph.user","id":"u1"},"assignTo@odata.bind":"x"}"##;
        let parsed: CreateDevice = parse_strict(body).unwrap();
        assert_eq!(parsed.display_name, None);
        assert_eq!(parsed.assign_to.unwrap().id, "u1");
        let null_assign = with(r#""assignTo":null"#);
        assert_eq!(
            parse_strict::<CreateDevice>(&null_assign)
                .unwrap()
                .assign_to,
            None
        );
    }

    #[test]
    fn unknown_property_is_strict_only() {
        let body = with(r#""color":"red""#);
        assert_eq!(
            strict_err::<CreateDevice>(&body),
            ("/color".into(), "unknown-property")
        );
        assert!(parse_lenient::<CreateDevice>(&body).is_ok());
        let nested = with(r#""assignTo":{"id":"u","upn":"a@b"}"#);
        assert_eq!(
            strict_err::<CreateDevice>(&nested),
            ("/assignTo/upn".into(), "unknown-property")
        );
    }

    #[test]
    fn duplicate_key_is_strict_only_and_lenient_keeps_the_last() {
        let body = with(r#""model":"M2""#);
        assert_eq!(
            strict_err::<CreateDevice>(&body),
            ("/model".into(), "duplicate-key")
        );
        assert_eq!(parse_lenient::<CreateDevice>(&body).unwrap().model, "M2");
        let unknown_twice = with(r#""x":1,"x":2"#);
        assert_eq!(
            strict_err::<CreateDevice>(&unknown_twice).1,
            "unknown-property"
        );
        assert!(parse_lenient::<CreateDevice>(&unknown_twice).is_ok());
    }

    #[test]
    fn wrong_types_name_the_property() {
        let body = CREATE.replace(":30", r#":"30""#);
        let e = parse_lenient::<CreateDevice>(&body).unwrap_err();
        assert_eq!(e.pointer, "/timeIntervalInSeconds");
        assert_eq!(
            e.kind,
            ParseErrorKind::WrongType {
                expected: "an Int32 integer",
                found: "string"
            }
        );
        assert_eq!(
            e.to_string(),
            "property `/timeIntervalInSeconds` must be an Int32 integer, not string"
        );
        assert_eq!(e.property().as_deref(), Some("timeIntervalInSeconds"));
        let model = CREATE.replace(r#""M1""#, "true");
        assert_eq!(
            strict_err::<CreateDevice>(&model),
            ("/model".into(), "wrong-type")
        );
        let assign = with(r#""assignTo":"u1""#);
        assert_eq!(
            strict_err::<CreateDevice>(&assign),
            ("/assignTo".into(), "wrong-type")
        );
        let root = parse_strict::<CreateDevice>("[1]").unwrap_err();
        assert_eq!(
            (root.pointer.as_str(), root.kind.code()),
            ("", "wrong-type")
        );
        assert_eq!(root.property(), None);
        assert_eq!(root.to_string(), "the body must be an object, not array");
    }

    #[test]
    fn integers_must_fit_int32() {
        for (value, code) in [
            ("30.0", "wrong-type"),
            ("30.5", "wrong-type"),
            ("2147483648", "out-of-range"),
            ("-2147483649", "out-of-range"),
            ("1e2", "wrong-type"),
        ] {
            let body = CREATE.replace(":30", &format!(":{value}"));
            assert_eq!(
                strict_err::<CreateDevice>(&body),
                ("/timeIntervalInSeconds".into(), code),
                "{value}"
            );
        }
        let body = CREATE.replace(":30", ":-2147483648");
        assert_eq!(
            parse_strict::<CreateDevice>(&body)
                .unwrap()
                .time_interval_in_seconds,
            i32::MIN
        );
    }

    #[test]
    fn null_and_empty_for_required_properties() {
        let null = CREATE.replace(r#""M1""#, "null");
        assert_eq!(
            strict_err::<CreateDevice>(&null),
            ("/model".into(), "null-not-allowed")
        );
        assert_eq!(
            parse_lenient::<CreateDevice>(&null).unwrap_err().kind,
            ParseErrorKind::NullNotAllowed
        );
        let empty = CREATE.replace(r#""TOTP1""#, r#""""#);
        assert_eq!(
            strict_err::<CreateDevice>(&empty),
            ("/serialNumber".into(), "empty-string")
        );
        let empty_name = with(r#""displayName":"""#);
        assert_eq!(
            parse_strict::<CreateDevice>(&empty_name)
                .unwrap()
                .display_name
                .as_deref(),
            Some("")
        );
        let missing = CREATE.replace(r#","secretKey":"JBSWY3DPEHPK3PXPJBSWY3DP""#, "");
        let e = parse_strict::<CreateDevice>(&missing).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.kind.code()),
            ("/secretKey", "missing-property")
        );
        assert_eq!(
            e.to_string(),
            "property `/secretKey` is required but missing"
        );
    }

    #[test]
    fn enums_and_timestamps_are_checked() {
        let hash = with(r#""hashFunction":"HMACSHA1""#);
        let e = parse_strict::<CreateDevice>(&hash).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.kind.code()),
            ("/hashFunction", "invalid-enum-value")
        );
        assert!(
            e.to_string()
                .ends_with("must be one of hmacsha1, hmacsha256, unknownFutureValue")
        );
        let device = r#"{"id":"d","serialNumber":"S","manufacturer":"C","model":"M","timeIntervalInSeconds":30,"lastUsedDateTime":"today"}"#;
        assert_eq!(
            strict_err::<Device>(device),
            ("/lastUsedDateTime".into(), "invalid-timestamp")
        );
        let good = device.replace("today", "2024-06-10T12:34:56.123Z");
        assert_eq!(
            parse_strict::<Device>(&good)
                .unwrap()
                .last_used_date_time
                .unwrap()
                .as_str(),
            "2024-06-10T12:34:56.123Z"
        );
    }

    #[test]
    fn a_returned_secret_is_an_error_without_echoing_it() {
        let device = r#"{"id":"d","serialNumber":"S","manufacturer":"C","model":"M","timeIntervalInSeconds":30,"secretKey":"JBSWY3DPEHPK3PXP"}"#;
        let e = parse_lenient::<Device>(device).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.kind.code()),
            ("/secretKey", "must-be-null")
        );
        assert!(!e.to_string().contains("JBSW"));
        assert!(!format!("{e:?}").contains("JBSW"));
    }

    #[test]
    fn odata_type_must_match_in_strict_mode() {
        let body = with(r##""@odata.type":"#microsoft.graph.user""##);
        let e = parse_strict::<CreateDevice>(&body).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.kind.code()),
            ("/@odata.type", "odata-type-mismatch")
        );
        assert!(parse_lenient::<CreateDevice>(&body).is_ok());
        let no_hash =
            with(r#""@odata.type":"microsoft.graph.hardwareOathTokenAuthenticationMethodDevice""#);
        assert!(parse_strict::<CreateDevice>(&no_hash).is_ok());
        let not_string = with(r#""@odata.type":1"#);
        assert_eq!(
            parse_lenient::<CreateDevice>(&not_string)
                .unwrap_err()
                .kind
                .code(),
            "wrong-type"
        );
    }

    #[test]
    fn collections_check_annotations_and_items() {
        let page = r#"{"@odata.context":"c","@odata.count":2,"value":[{"id":"a","serialNumber":"S","manufacturer":"C","model":"M","timeIntervalInSeconds":60}],"@odata.nextLink":"https://x/next"}"#;
        let parsed: Collection<Device> = parse_strict(page).unwrap();
        assert_eq!(
            (
                parsed.count,
                parsed.next_link.as_deref(),
                parsed.value.len()
            ),
            (Some(2), Some("https://x/next"), 1)
        );
        let bad_count = page.replace(r#""@odata.count":2"#, r#""@odata.count":"2""#);
        assert_eq!(
            strict_err::<Collection<Device>>(&bad_count),
            ("/@odata.count".into(), "wrong-type")
        );
        let null_item = r#"{"value":[null]}"#;
        assert_eq!(
            strict_err::<Collection<Device>>(null_item),
            ("/value/0".into(), "null-not-allowed")
        );
        assert_eq!(
            strict_err::<Collection<Device>>("{}"),
            ("/value".into(), "missing-property")
        );
        let entity: Entity<Device> =
            parse_strict(&page[page.find("[{").unwrap() + 1..page.find("}]").unwrap() + 1])
                .unwrap();
        assert_eq!(entity.value.time_interval_in_seconds, 60);
    }

    #[test]
    fn pointers_escape_and_unescape() {
        let body = with(r#""a/b~c":1"#);
        let e = parse_strict::<CreateDevice>(&body).unwrap_err();
        assert_eq!(e.pointer, "/a~1b~0c");
        assert_eq!(e.property().as_deref(), Some("a/b~c"));
    }

    #[test]
    fn syntax_errors_carry_the_position() {
        let e = parse_strict::<CreateDevice>("{\n\"a\": 1,\n}").unwrap_err();
        match e.kind {
            ParseErrorKind::Syntax { line, reason, .. } => {
                assert_eq!(line, 3);
                assert_eq!(reason, "trailing comma");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse::<CreateDevice>(b"{\"a\xff\":1}", Mode::Lenient)
                .unwrap_err()
                .kind
                .code(),
            "syntax"
        );
        assert_eq!(
            parse::<CreateDevice>(b"", Mode::Strict)
                .unwrap_err()
                .kind
                .code(),
            "syntax"
        );
        let deep = "[".repeat(10_000);
        assert_eq!(
            parse::<CreateDevice>(deep.as_bytes(), Mode::Strict)
                .unwrap_err()
                .kind
                .code(),
            "syntax"
        );
    }

    #[test]
    fn update_accepts_any_subset() {
        let parsed: UpdateDevice =
            parse_strict(r#"{"displayName":"x","timeIntervalInSeconds":60,"serialNumber":null}"#)
                .unwrap();
        assert_eq!(parsed.time_interval_in_seconds, Some(60));
        assert_eq!(
            parse_strict::<UpdateDevice>("{}").unwrap(),
            UpdateDevice::default()
        );
    }

    #[test]
    fn error_envelope_parses() {
        let body = r#"{"error":{"code":"invalidRequest","message":"bad","innerError":{"request-id":"r","client-request-id":"c","date":"2024-06-10T12:34:56"}}}"#;
        let parsed: ErrorEnvelope = parse_strict(body).unwrap();
        assert_eq!(parsed.error.code, "invalidRequest");
        assert_eq!(
            parsed.error.inner_error.unwrap().date.as_deref(),
            Some("2024-06-10T12:34:56")
        );
        assert_eq!(
            strict_err::<ErrorEnvelope>(r#"{"error":{"code":"","message":"m"}}"#),
            ("/error/code".into(), "empty-string")
        );
    }
}
