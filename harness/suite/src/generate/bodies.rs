//! Strategies for valid request bodies across the whole domain the spec allows: unicode strings up to
//! 256 characters, Base32 secrets of every legal length (10 to 80 bytes), in upper, lower or mixed case,
//! padded or not, both periods and hash functions, and optional properties absent, `null` or set.

use data_encoding::{BASE32, BASE32_NOPAD};
use proptest::prelude::*;
use proptest::strategy::SBoxedStrategy;
use serde_json::{Value, json};

use super::template::{Frag, Template};
use crate::label::BodyKind;

/// The SDK's `@odata.type` of a device in a create body.
pub const DEVICE_ODATA_TYPE: &str = "#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice";

/// The JSON type a property has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A string.
    Text,
    /// An Int32.
    Int,
    /// An enum, written as a string.
    Enum,
    /// A `{"id": ...}` reference.
    Reference,
}

/// A property of a request body as the suite reads the spec.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Wire name.
    pub name: &'static str,
    /// JSON type.
    pub ty: Ty,
    /// Required in this body.
    pub required: bool,
    /// `null` is accepted.
    pub nullable: bool,
}

const fn field(name: &'static str, ty: Ty, required: bool, nullable: bool) -> Field {
    Field {
        name,
        ty,
        required,
        nullable,
    }
}

const CREATE_FIELDS: &[Field] = &[
    field("serialNumber", Ty::Text, true, false),
    field("manufacturer", Ty::Text, true, false),
    field("model", Ty::Text, true, false),
    field("secretKey", Ty::Text, true, false),
    field("timeIntervalInSeconds", Ty::Int, true, false),
    field("hashFunction", Ty::Enum, false, true),
    field("displayName", Ty::Text, false, true),
];
const UPDATE_FIELDS: &[Field] = &[
    field("manufacturer", Ty::Text, false, false),
    field("model", Ty::Text, false, false),
    field("timeIntervalInSeconds", Ty::Int, false, false),
    field("hashFunction", Ty::Enum, false, true),
    field("displayName", Ty::Text, false, true),
];
const ASSIGN_FIELDS: &[Field] = &[field("device", Ty::Reference, true, false)];
const ACTIVATE_FIELDS: &[Field] = &[
    field("verificationCode", Ty::Text, true, false),
    field("displayName", Ty::Text, false, true),
];
const ASSIGN_AND_ACTIVATE_FIELDS: &[Field] = &[
    field("device", Ty::Reference, true, false),
    field("verificationCode", Ty::Text, true, false),
    field("displayName", Ty::Text, false, true),
];
const BY_SERIAL_FIELDS: &[Field] = &[
    field("serialNumber", Ty::Text, true, false),
    field("verificationCode", Ty::Text, true, false),
    field("displayName", Ty::Text, false, true),
];

/// The properties of a body of `kind` (a bulk item has the create properties).
pub fn fields(kind: BodyKind) -> &'static [Field] {
    match kind {
        BodyKind::Create | BodyKind::Bulk => CREATE_FIELDS,
        BodyKind::Update => UPDATE_FIELDS,
        BodyKind::Assign => ASSIGN_FIELDS,
        BodyKind::Activate => ACTIVATE_FIELDS,
        BodyKind::AssignAndActivate => ASSIGN_AND_ACTIVATE_FIELDS,
        BodyKind::AssignAndActivateBySerial => BY_SERIAL_FIELDS,
    }
}

/// Every property name of the resources and bodies (never generated as an "unknown" property).
pub const KNOWN_NAMES: &[&str] = &[
    "id",
    "displayName",
    "serialNumber",
    "manufacturer",
    "model",
    "secretKey",
    "timeIntervalInSeconds",
    "hashFunction",
    "status",
    "lastUsedDateTime",
    "assignedTo",
    "assignTo",
    "device",
    "verificationCode",
    "createdDateTime",
    "value",
];

/// The characters generated text draws from: ASCII first (shrinking goes there), then Latin-1,
/// Greek, Cyrillic, CJK ideographs and emoji, each range fully assigned.
const TEXT_CHARS: &[std::ops::RangeInclusive<char>] = &[
    'a'..='z',
    ' '..='~',
    'À'..='ÿ',
    'Α'..='Ρ',
    'Σ'..='ω',
    'А'..='я',
    '一'..='龥',
    '😀'..='🙏',
];

fn chars(size: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::char::ranges(TEXT_CHARS.into()), size).prop_map(
        |mut chars| {
            if chars[0] == ' ' {
                chars[0] = 'a';
            }
            chars.into_iter().collect()
        },
    )
}

/// A unicode string of 1 to 256 characters that does not start blank: mostly short, one in five of
/// 200 to 256 characters (shrinking goes to the short ones).
pub fn text() -> SBoxedStrategy<String> {
    prop_oneof![4 => chars(1..=32), 1 => chars(200..=256)].sboxed()
}

/// What a serial number carries after the run's tag: nothing, or a short ASCII suffix.
pub fn serial_suffix() -> SBoxedStrategy<String> {
    proptest::string::string_regex(r"(-[A-Za-z0-9._]{1,12})?")
        .expect("a valid pattern")
        .sboxed()
}

/// A Base32 secret of 10 to 80 random bytes (16 to 128 characters), upper, lower or mixed case,
/// with or without `=` padding.
pub fn secret() -> SBoxedStrategy<String> {
    (
        proptest::collection::vec(any::<u8>(), 10..=80),
        0u8..3,
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|(bytes, case, mask, padded)| {
            let text = if padded {
                BASE32.encode(&bytes)
            } else {
                BASE32_NOPAD.encode(&bytes)
            };
            text.chars()
                .enumerate()
                .map(|(i, c)| match case {
                    1 => c.to_ascii_lowercase(),
                    2 if (mask >> (i % 64)) & 1 == 1 => c.to_ascii_lowercase(),
                    _ => c,
                })
                .collect()
        })
        .sboxed()
}

/// 30 or 60.
pub fn interval() -> SBoxedStrategy<i64> {
    prop_oneof![Just(30i64), Just(60i64)].sboxed()
}

/// An optional property: absent, `null`, or set (shrinking goes to absent first).
fn optional(value: SBoxedStrategy<Value>) -> SBoxedStrategy<Option<Value>> {
    prop_oneof![Just(None), Just(Some(Value::Null)), value.prop_map(Some)].sboxed()
}

fn hash() -> SBoxedStrategy<Value> {
    prop_oneof![Just(json!("hmacsha1")), Just(json!("hmacsha256"))].sboxed()
}

fn text_value() -> SBoxedStrategy<Value> {
    text().prop_map(Value::String).sboxed()
}

fn push_optional(fields: &mut Vec<(String, Frag)>, name: &str, value: Option<Value>) {
    if let Some(value) = value {
        fields.push((name.to_owned(), Frag::Json(value)));
    }
}

/// The properties of a valid create body (serial from the run's tag plus `suffix`).
fn create_fields() -> SBoxedStrategy<Vec<(String, Frag)>> {
    (
        serial_suffix(),
        text(),
        text(),
        secret(),
        interval(),
        optional(hash()),
        optional(text_value()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(suffix, manufacturer, model, secret, interval, hash, display, odata, assign_null)| {
                let mut fields = vec![
                    ("serialNumber".to_owned(), Frag::Serial(suffix)),
                    ("manufacturer".to_owned(), Frag::Json(json!(manufacturer))),
                    ("model".to_owned(), Frag::Json(json!(model))),
                    ("secretKey".to_owned(), Frag::Json(json!(secret))),
                    (
                        "timeIntervalInSeconds".to_owned(),
                        Frag::Json(json!(interval)),
                    ),
                ];
                push_optional(&mut fields, "hashFunction", hash);
                push_optional(&mut fields, "displayName", display);
                if assign_null {
                    fields.push(("assignTo".to_owned(), Frag::Json(Value::Null)));
                }
                if odata {
                    fields.insert(
                        0,
                        (
                            "@odata.type".to_owned(),
                            Frag::Json(json!(DEVICE_ODATA_TYPE)),
                        ),
                    );
                }
                fields
            },
        )
        .prop_shuffle()
        .sboxed()
}

/// A valid body of `kind`.
pub fn valid(kind: BodyKind) -> SBoxedStrategy<Template> {
    let device = || Frag::Object(vec![("id".to_owned(), Frag::Device)]);
    match kind {
        BodyKind::Create => create_fields().prop_map(Template::new).sboxed(),
        BodyKind::Update => (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(interval()),
            optional(hash()),
            optional(text_value()),
        )
            .prop_filter("an update changes something", |(a, b, c, d, e)| {
                a.is_some() || b.is_some() || c.is_some() || d.is_some() || e.is_some()
            })
            .prop_map(|(manufacturer, model, interval, hash, display)| {
                let mut fields = Vec::new();
                push_optional(&mut fields, "manufacturer", manufacturer.map(Value::String));
                push_optional(&mut fields, "model", model.map(Value::String));
                push_optional(
                    &mut fields,
                    "timeIntervalInSeconds",
                    interval.map(|i| json!(i)),
                );
                push_optional(&mut fields, "hashFunction", hash);
                push_optional(&mut fields, "displayName", display);
                Template::new(fields)
            })
            .sboxed(),
        BodyKind::Assign => Just(Template::new(vec![("device".to_owned(), device())])).sboxed(),
        BodyKind::Activate => optional(text_value())
            .prop_map(|display| {
                let mut fields = vec![("verificationCode".to_owned(), Frag::Code)];
                push_optional(&mut fields, "displayName", display);
                Template::new(fields)
            })
            .sboxed(),
        BodyKind::AssignAndActivate => (optional(text_value()), any::<bool>())
            .prop_map(move |(display, code_first)| {
                let mut fields = vec![
                    ("device".to_owned(), device()),
                    ("verificationCode".to_owned(), Frag::Code),
                ];
                if code_first {
                    fields.swap(0, 1);
                }
                push_optional(&mut fields, "displayName", display);
                Template::new(fields)
            })
            .sboxed(),
        BodyKind::AssignAndActivateBySerial => optional(text_value())
            .prop_map(|display| {
                let mut fields = vec![
                    ("serialNumber".to_owned(), Frag::Serial(String::new())),
                    ("verificationCode".to_owned(), Frag::Code),
                ];
                push_optional(&mut fields, "displayName", display);
                Template::new(fields)
            })
            .sboxed(),
        BodyKind::Bulk => proptest::collection::vec(create_fields(), 1..=3)
            .prop_map(|items| bulk(items.into_iter().map(Template::new).collect()))
            .sboxed(),
    }
}

/// A `#$delta` body of these items, each given a `@contentId` and its own serial suffix `-b<n>`.
pub fn bulk(items: Vec<Template>) -> Template {
    let items = items
        .into_iter()
        .enumerate()
        .map(|(i, mut item)| {
            item.set("serialNumber", Frag::Serial(format!("-b{}", i + 1)));
            item.fields.insert(
                0,
                (
                    "@contentId".to_owned(),
                    Frag::Json(json!((i + 1).to_string())),
                ),
            );
            Frag::Object(item.fields)
        })
        .collect();
    Template::new(vec![
        ("@context".to_owned(), Frag::Json(json!("#$delta"))),
        ("value".to_owned(), Frag::Array(items)),
    ])
}

#[cfg(test)]
mod tests {
    use proptest::test_runner::TestRunner;

    use super::*;
    use crate::generate::template::Bindings;

    #[test]
    fn secrets_are_legal_base32_of_16_to_128_characters() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..200 {
            let secret = secret().new_tree(&mut runner).unwrap().current();
            assert!((16..=128).contains(&secret.len()), "{secret}");
            let upper = secret.to_ascii_uppercase();
            let symbols = upper.trim_end_matches('=');
            assert!(
                symbols
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
            );
            assert!(BASE32_NOPAD.decode(symbols.as_bytes()).is_ok(), "{secret}");
        }
    }

    #[test]
    fn valid_bodies_of_every_kind_are_json_objects_with_their_required_properties() {
        let mut runner = TestRunner::deterministic();
        let bindings = Bindings {
            serial: "hwoath-x-00001".into(),
            device: "d".into(),
            code: "123456".into(),
        };
        for kind in BodyKind::ALL {
            for _ in 0..50 {
                let template = valid(kind).new_tree(&mut runner).unwrap().current();
                let body = template.to_value(&bindings).expect("valid JSON");
                let items = match kind {
                    BodyKind::Bulk => body["value"].as_array().unwrap().clone(),
                    _ => vec![body],
                };
                for item in items {
                    for field in fields(kind).iter().filter(|f| f.required) {
                        assert!(item.get(field.name).is_some(), "{kind:?} {item}");
                    }
                }
            }
        }
    }
}
