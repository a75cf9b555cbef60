//! Labelled mutations: each strategy starts from a valid body and breaks it in one way of its class,
//! saying how in the label. Shrinking keeps the class and simplifies both the body and the break.

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::SBoxedStrategy;
use serde_json::{Value, json};

use super::bodies::{self, Field, Ty, fields, valid};
use super::template::{Frag, Template};
use super::{Sample, TextEdit, Wire};
use crate::label::{BodyKind, Class, Label};
use crate::wording;

/// The classes that apply to `kind`, valid first.
pub fn classes(kind: BodyKind) -> &'static [Class] {
    use Class::*;
    match kind {
        BodyKind::Create => &[
            Valid,
            DropRequired,
            WrongType,
            Null,
            OutOfRange,
            UnknownEnum,
            NonBase32,
            SecretLength,
            EmptyString,
            UnknownProperty,
            DuplicateKey,
            Malformed,
            DeepNesting,
            HugeNumber,
            EmptyBody,
            WrongContentType,
        ],
        BodyKind::Update => &[
            Valid,
            WrongType,
            Null,
            OutOfRange,
            UnknownEnum,
            EmptyString,
            UnknownProperty,
            DuplicateKey,
            Immutable,
            Malformed,
            DeepNesting,
            HugeNumber,
            EmptyBody,
            WrongContentType,
        ],
        BodyKind::Assign => &[
            Valid,
            DropRequired,
            WrongType,
            Null,
            UnknownProperty,
            DuplicateKey,
            Malformed,
            DeepNesting,
            EmptyBody,
            WrongContentType,
        ],
        BodyKind::Activate | BodyKind::AssignAndActivate | BodyKind::AssignAndActivateBySerial => {
            &[
                Valid,
                DropRequired,
                WrongType,
                Null,
                BadCode,
                UnknownProperty,
                DuplicateKey,
                Malformed,
                DeepNesting,
                EmptyBody,
                WrongContentType,
            ]
        }
        BodyKind::Bulk => &[
            Valid,
            BadItem,
            UnknownProperty,
            Malformed,
            EmptyBody,
            WrongContentType,
        ],
    }
}

fn pick<'a>(choices: &'a [Field], index: &Index) -> &'a Field {
    &choices[index.index(choices.len())]
}

fn matching(kind: BodyKind, keep: impl Fn(&Field) -> bool) -> Vec<Field> {
    fields(kind).iter().copied().filter(|f| keep(f)).collect()
}

/// A value of the wrong JSON type for `ty` (choice `n` of four).
fn wrong_value(ty: Ty, n: u8) -> Value {
    match (ty, n % 4) {
        (Ty::Int, 0) => json!("30"),
        (Ty::Int, 1) => json!(30.5),
        (Ty::Reference, 0) => json!("00000000-0000-0000-0000-000000000000"),
        (_, 0) | (Ty::Reference, 1) => json!(123456),
        (_, 1) => json!(true),
        (_, 2) => json!(["x"]),
        _ => json!({"x": 1}),
    }
}

fn sample(kind: BodyKind, template: Template, label: Label) -> Sample {
    Sample {
        kind,
        template,
        label,
        wire: Wire::Json,
    }
}

/// A property name no resource or body has.
fn unknown_name() -> SBoxedStrategy<String> {
    proptest::string::string_regex("[a-z][A-Za-z0-9]{0,15}")
        .expect("a valid pattern")
        .prop_filter("not a known property", |name| {
            !bodies::KNOWN_NAMES
                .iter()
                .any(|known| known.eq_ignore_ascii_case(name))
        })
        .sboxed()
}

/// A code that is not six ASCII digits.
fn bad_code() -> SBoxedStrategy<String> {
    prop_oneof![
        proptest::string::string_regex("[0-9]{0,5}").expect("a valid pattern"),
        proptest::string::string_regex("[0-9]{7,12}").expect("a valid pattern"),
        proptest::string::string_regex("[0-9]{0,5}[a-zA-Z .+-][0-9]{0,5}")
            .expect("a valid pattern"),
    ]
    .prop_filter("not six digits", |code| {
        !(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()))
    })
    .sboxed()
}

/// A number no Int32 holds.
fn huge_number() -> SBoxedStrategy<String> {
    (10usize..400, any::<bool>(), any::<bool>())
        .prop_map(|(digits, negative, exponent)| {
            let sign = if negative { "-" } else { "" };
            if exponent {
                format!("{sign}1e{digits}")
            } else {
                format!("{sign}9{}", "9".repeat(digits))
            }
        })
        .sboxed()
}

/// The break of one bulk item: a required property dropped, a wrong type, or an interval of 45.
fn break_item(item: &mut Vec<(String, Frag)>, choice: u8, index: &Index) -> String {
    let mut template = Template::new(std::mem::take(item));
    let required = matching(BodyKind::Create, |f| f.required && f.name != "serialNumber");
    let field = pick(&required, index);
    let detail = match choice % 3 {
        0 => {
            template.remove(field.name);
            format!("{} dropped", field.name)
        }
        1 => {
            let value = wrong_value(field.ty, 0);
            template.set(field.name, Frag::Json(value.clone()));
            format!("{} = {value}", field.name)
        }
        _ => {
            template.set("timeIntervalInSeconds", Frag::Json(json!(45)));
            "timeIntervalInSeconds = 45".to_owned()
        }
    };
    *item = template.fields;
    detail
}

/// Bodies of `kind` in `class`, each with its label.
pub fn strategy(kind: BodyKind, class: Class) -> SBoxedStrategy<Sample> {
    let base = valid(kind);
    match class {
        Class::Valid => base
            .prop_map(move |t| sample(kind, t, Label::new(Class::Valid, "")))
            .sboxed(),
        Class::DropRequired => (base, any::<Index>())
            .prop_map(move |(mut t, i)| {
                let required = matching(kind, |f| f.required);
                let field = pick(&required, &i);
                t.remove(field.name);
                sample(kind, t, Label::new(class, field.name))
            })
            .sboxed(),
        Class::WrongType => (base, any::<Index>(), any::<u8>())
            .prop_map(move |(mut t, i, n)| {
                let all = matching(kind, |_| true);
                let field = pick(&all, &i);
                let value = wrong_value(field.ty, n);
                t.set(field.name, Frag::Json(value.clone()));
                sample(
                    kind,
                    t,
                    Label::new(class, format!("{} = {value}", field.name)),
                )
            })
            .sboxed(),
        Class::Null => (base, any::<Index>())
            .prop_map(move |(mut t, i)| {
                let not_nullable = matching(kind, |f| !f.nullable);
                let field = pick(&not_nullable, &i);
                t.set(field.name, Frag::Json(Value::Null));
                sample(kind, t, Label::new(class, field.name))
            })
            .sboxed(),
        Class::OutOfRange => (
            base,
            any::<i32>().prop_filter("not 30 or 60", |n| *n != 30 && *n != 60),
        )
            .prop_map(move |(mut t, n)| {
                t.set("timeIntervalInSeconds", Frag::Json(json!(n)));
                sample(
                    kind,
                    t,
                    Label::new(class, format!("timeIntervalInSeconds = {n}")),
                )
            })
            .sboxed(),
        Class::UnknownEnum => (
            base,
            prop_oneof![
                Just("unknownFutureValue".to_owned()),
                proptest::string::string_regex("[a-z0-9]{1,12}")
                    .expect("a valid pattern")
                    .prop_filter("not an input value", |v| v != "hmacsha1"
                        && v != "hmacsha256"),
            ],
        )
            .prop_map(move |(mut t, value)| {
                t.set("hashFunction", Frag::Json(json!(value)));
                sample(
                    kind,
                    t,
                    Label::new(class, format!("hashFunction = {}", wording::quoted(&value))),
                )
            })
            .sboxed(),
        Class::NonBase32 => (
            base,
            bodies::secret(),
            any::<Index>(),
            prop::sample::select(&['0', '1', '8', '9', ' ', '-', '!', '/', '+', '_', 'é', '€'][..]),
        )
            .prop_map(move |(mut t, secret, i, bad)| {
                let mut chars: Vec<char> = secret.trim_end_matches('=').chars().collect();
                let at = i.index(chars.len());
                chars[at] = bad;
                let secret: String = chars.into_iter().collect();
                t.set("secretKey", Frag::Json(json!(secret)));
                let label = format!("{} at {at}", wording::quoted(&bad.to_string()));
                sample(kind, t, Label::new(class, label))
            })
            .sboxed(),
        Class::SecretLength => (
            base,
            prop_oneof![
                proptest::string::string_regex("[A-Z2-7]{1,15}").expect("a valid pattern"),
                proptest::string::string_regex("[A-Z2-7]{129,320}").expect("a valid pattern"),
            ],
        )
            .prop_map(move |(mut t, secret)| {
                let length = secret.len();
                t.set("secretKey", Frag::Json(json!(secret)));
                sample(kind, t, Label::new(class, format!("{length} characters")))
            })
            .sboxed(),
        Class::EmptyString => (base, any::<Index>())
            .prop_map(move |(mut t, i)| {
                let strings = matching(kind, |f| f.ty == Ty::Text && !f.nullable);
                let field = pick(&strings, &i);
                t.set(field.name, Frag::Json(json!("")));
                sample(kind, t, Label::new(class, field.name))
            })
            .sboxed(),
        Class::UnknownProperty => (base, unknown_name(), any::<u8>())
            .prop_map(move |(mut t, name, n)| {
                let value = match n % 4 {
                    0 => json!("x"),
                    1 => json!(1),
                    2 => json!(true),
                    _ => Value::Null,
                };
                t.set(&name, Frag::Json(value.clone()));
                sample(kind, t, Label::new(class, format!("{name} = {value}")))
            })
            .sboxed(),
        Class::DuplicateKey => (base, any::<Index>())
            .prop_map(move |(mut t, i)| {
                let names = t.names();
                let name = names[i.index(names.len())].clone();
                let value = t.get(&name).cloned().unwrap_or(Frag::Json(Value::Null));
                t.fields.push((name.clone(), value));
                sample(kind, t, Label::new(class, name))
            })
            .sboxed(),
        Class::Immutable => (base, any::<bool>(), bodies::secret())
            .prop_map(move |(mut t, serial, secret)| {
                let name = if serial {
                    t.set("serialNumber", Frag::Serial("-changed".to_owned()));
                    "serialNumber"
                } else {
                    t.set("secretKey", Frag::Json(json!(secret)));
                    "secretKey"
                };
                sample(kind, t, Label::new(class, name))
            })
            .sboxed(),
        Class::BadCode => (base, bad_code())
            .prop_map(move |(mut t, code)| {
                t.set("verificationCode", Frag::Json(json!(code)));
                sample(
                    kind,
                    t,
                    Label::new(
                        class,
                        format!("verificationCode = {}", wording::quoted(&code)),
                    ),
                )
            })
            .sboxed(),
        Class::Malformed => (
            base,
            prop_oneof![
                Just(TextEdit::TrailingComma),
                Just(TextEdit::ExtraBrace),
                (1u8..100).prop_map(TextEdit::Truncate),
            ],
        )
            .prop_map(move |(t, edit)| {
                let label = Label::new(class, edit.describe());
                Sample {
                    kind,
                    template: t,
                    label,
                    wire: Wire::Edit(edit),
                }
            })
            .sboxed(),
        Class::DeepNesting => (base, any::<Index>(), 64usize..=2048)
            .prop_map(move |(mut t, i, depth)| {
                let all = matching(kind, |_| true);
                let field = pick(&all, &i);
                t.set(
                    field.name,
                    Frag::Raw(format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
                );
                sample(
                    kind,
                    t,
                    Label::new(class, format!("{} nested {depth} deep", field.name)),
                )
            })
            .sboxed(),
        Class::HugeNumber => (base, huge_number())
            .prop_map(move |(mut t, number)| {
                let shown = if number.len() > 24 {
                    format!("{}… ({} characters)", &number[..12], number.len())
                } else {
                    number.clone()
                };
                t.set("timeIntervalInSeconds", Frag::Raw(number));
                sample(
                    kind,
                    t,
                    Label::new(class, format!("timeIntervalInSeconds = {shown}")),
                )
            })
            .sboxed(),
        Class::EmptyBody => base
            .prop_map(move |t| Sample {
                kind,
                template: t,
                label: Label::new(class, ""),
                wire: Wire::Empty,
            })
            .sboxed(),
        Class::WrongContentType => (
            base,
            prop::sample::select(
                &[
                    None,
                    Some("text/plain"),
                    Some("application/xml"),
                    Some("application/x-www-form-urlencoded"),
                    Some("multipart/form-data"),
                ][..],
            ),
        )
            .prop_map(move |(t, content_type)| Sample {
                kind,
                template: t,
                label: Label::new(
                    class,
                    content_type.map_or("no Content-Type".to_owned(), |ct| ct.to_owned()),
                ),
                wire: Wire::ContentType(content_type.map(str::to_owned)),
            })
            .sboxed(),
        Class::BadItem => (base, any::<Index>(), any::<u8>(), any::<Index>())
            .prop_map(move |(mut t, which, choice, field)| {
                let mut detail = String::new();
                if let Some((_, Frag::Array(items))) =
                    t.fields.iter_mut().find(|(name, _)| name == "value")
                {
                    let at = which.index(items.len());
                    if let Frag::Object(item) = &mut items[at] {
                        detail = format!("item {}: {}", at + 1, break_item(item, choice, &field));
                    }
                }
                sample(kind, t, Label::new(class, detail))
            })
            .sboxed(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::test_runner::TestRunner;

    use super::*;
    use crate::generate::template::Bindings;

    fn bindings() -> Bindings {
        Bindings {
            serial: "hwoath-x-00001".into(),
            device: "d".into(),
            code: "123456".into(),
        }
    }

    #[test]
    fn every_class_of_every_kind_generates_and_says_what_it_broke() {
        let mut runner = TestRunner::deterministic();
        for kind in BodyKind::ALL {
            for &class in classes(kind) {
                for _ in 0..20 {
                    let sample = strategy(kind, class)
                        .new_tree(&mut runner)
                        .unwrap()
                        .current();
                    assert_eq!(sample.label.class, class);
                    assert_eq!(sample.kind, kind);
                    let (content_type, body) = sample.render(&bindings());
                    match class {
                        Class::EmptyBody => assert!(body.is_empty()),
                        Class::WrongContentType => {
                            assert_ne!(content_type.as_deref(), Some("application/json"))
                        }
                        Class::Malformed => {
                            assert!(serde_json::from_slice::<Value>(&body).is_err())
                        }
                        _ => assert_eq!(content_type.as_deref(), Some("application/json")),
                    }
                }
            }
        }
    }

    #[test]
    fn value_mutations_leave_json_that_breaks_exactly_the_labelled_rule() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..100 {
            let drop = strategy(BodyKind::Create, Class::DropRequired)
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let body = drop.template.to_value(&bindings()).unwrap();
            assert!(body.get(&drop.label.detail).is_none(), "{body}");
            let null = strategy(BodyKind::Update, Class::Null)
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let body = null.template.to_value(&bindings()).unwrap();
            assert_eq!(body[&null.label.detail], Value::Null);
            let range = strategy(BodyKind::Create, Class::OutOfRange)
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let interval = range.template.to_value(&bindings()).unwrap()["timeIntervalInSeconds"]
                .as_i64()
                .unwrap();
            assert!(interval != 30 && interval != 60);
        }
    }
}
