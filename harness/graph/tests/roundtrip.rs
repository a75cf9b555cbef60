//! Property tests: every resource and body survives serialize -> strict parse unchanged, lenient
//! parsing agrees with strict parsing, and parsing never panics on arbitrary input.

use hwoath_graph::{
    Activate, AssignAndActivate, AssignAndActivateBySerialNumber, AssignMethod, AssignTo,
    BulkDelta, BulkItem, Collection, CreateDevice, Device, DeviceRef, Entity, ErrorEnvelope,
    HashFunction, Identity, InnerError, Method, Mode, SecretText, Timestamp, TokenStatus,
    UpdateDevice, Wire, parse,
};
use proptest::prelude::*;
use serde::Serialize;

/// A non-empty string, including characters JSON must escape.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 \"\\\\/é€\u{1F600}\t-]{1,24}"
}

fn maybe_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[a-zA-Z0-9 \"é-]{0,12}")
}

fn hash() -> impl Strategy<Value = HashFunction> {
    prop_oneof![
        Just(HashFunction::Hmacsha1),
        Just(HashFunction::Hmacsha256),
        Just(HashFunction::UnknownFutureValue)
    ]
}

fn status() -> impl Strategy<Value = TokenStatus> {
    prop_oneof![
        Just(TokenStatus::Available),
        Just(TokenStatus::Assigned),
        Just(TokenStatus::Activated),
        Just(TokenStatus::FailedActivation),
        Just(TokenStatus::UnknownFutureValue),
    ]
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        any::<i64>().prop_map(Timestamp::from_unix_seconds),
        Just(Timestamp::parse("2024-06-10T12:34:56.1234567+05:30").unwrap()),
    ]
}

fn secret() -> impl Strategy<Value = SecretText> {
    "[A-Z2-7a-z]{16,64}".prop_map(SecretText::new)
}

fn identity() -> impl Strategy<Value = Identity> {
    (text(), maybe_text()).prop_map(|(id, display_name)| Identity { id, display_name })
}

fn device() -> impl Strategy<Value = Device> {
    (
        (text(), maybe_text(), text(), text(), text()),
        (
            any::<i32>(),
            proptest::option::of(hash()),
            proptest::option::of(status()),
        ),
        (
            proptest::option::of(timestamp()),
            proptest::option::of(identity()),
        ),
    )
        .prop_map(
            |(
                (id, display_name, serial_number, manufacturer, model),
                (interval, hash_function, status),
                (last, assigned_to),
            )| Device {
                id,
                display_name,
                serial_number,
                manufacturer,
                model,
                time_interval_in_seconds: interval,
                hash_function,
                status,
                last_used_date_time: last,
                assigned_to,
            },
        )
}

fn method() -> impl Strategy<Value = Method> {
    (
        text(),
        proptest::option::of(timestamp()),
        proptest::option::of(timestamp()),
        proptest::option::of(device()),
    )
        .prop_map(
            |(id, created_date_time, last_used_date_time, device)| Method {
                id,
                created_date_time,
                last_used_date_time,
                device,
            },
        )
}

fn create() -> impl Strategy<Value = CreateDevice> {
    (
        (maybe_text(), text(), text(), text(), secret()),
        (
            any::<i32>(),
            proptest::option::of(hash()),
            proptest::option::of(text().prop_map(|id| AssignTo { id })),
        ),
    )
        .prop_map(
            |(
                (display_name, serial_number, manufacturer, model, secret_key),
                (interval, hash_function, assign_to),
            )| CreateDevice {
                display_name,
                serial_number,
                manufacturer,
                model,
                secret_key,
                time_interval_in_seconds: interval,
                hash_function,
                assign_to,
            },
        )
}

/// The properties an update body may carry: a create body's, but `assignTo`.
const UPDATE_PROPERTIES: [&str; 7] = [
    "displayName",
    "serialNumber",
    "manufacturer",
    "model",
    "secretKey",
    "timeIntervalInSeconds",
    "hashFunction",
];

/// An update body: any subset of a create body's properties, read back through serde.
fn update() -> impl Strategy<Value = UpdateDevice> {
    let subset = proptest::sample::subsequence(UPDATE_PROPERTIES.as_slice(), 0..=7);
    (create(), subset).prop_map(|(create, kept)| {
        let mut body = serde_json::to_value(create).unwrap();
        if let Some(properties) = body.as_object_mut() {
            properties.retain(|key, _| kept.contains(&key.as_str()));
        }
        serde_json::from_value(body).unwrap()
    })
}

fn code() -> impl Strategy<Value = String> {
    "[0-9]{6}"
}

fn bulk() -> impl Strategy<Value = BulkDelta> {
    proptest::collection::vec((proptest::option::of("[0-9]{1,3}"), create()), 0..4).prop_map(
        |items| BulkDelta {
            context: BulkDelta::CONTEXT.to_owned(),
            value: items
                .into_iter()
                .map(|(content_id, device)| BulkItem { content_id, device })
                .collect(),
        },
    )
}

fn envelope() -> impl Strategy<Value = ErrorEnvelope> {
    (
        text(),
        text(),
        proptest::option::of((maybe_text(), maybe_text(), maybe_text())),
    )
        .prop_map(|(code, message, inner)| {
            let inner = inner.map(|(request_id, client_request_id, date)| InnerError {
                request_id,
                client_request_id,
                date,
            });
            ErrorEnvelope::new(code, message, inner)
        })
}

/// Serializes `value`, then parses it back strictly and leniently.
fn round_trip<T: Wire + Serialize + PartialEq + std::fmt::Debug>(
    value: &T,
) -> Result<(), TestCaseError> {
    let json = serde_json::to_vec(value).unwrap();
    let strict: T = parse(&json, Mode::Strict).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&strict, value);
    let lenient: T = parse(&json, Mode::Lenient).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&lenient, value);
    Ok(())
}

proptest! {
    #[test]
    fn resources_round_trip(d in device(), m in method(), i in identity(), ctx in maybe_text(), next in maybe_text(), count in proptest::option::of(any::<u64>())) {
        round_trip(&d)?;
        round_trip(&m)?;
        round_trip(&i)?;
        round_trip(&Entity::new(d.clone(), ctx.clone()))?;
        round_trip(&Entity::new(m.clone(), ctx.clone()))?;
        round_trip(&Collection { context: ctx, count, value: vec![d.clone(), d], next_link: next })?;
        round_trip(&Collection { context: None, count: None, value: vec![m], next_link: None })?;
    }

    #[test]
    fn bodies_round_trip(c in create(), u in update(), id in text(), vc in code(), name in maybe_text(), serial in text(), b in bulk(), e in envelope()) {
        round_trip(&c)?;
        round_trip(&u)?;
        round_trip(&AssignMethod { device: DeviceRef { id: id.clone() } })?;
        round_trip(&Activate { verification_code: vc.clone(), display_name: name.clone() })?;
        round_trip(&AssignAndActivate { device: DeviceRef { id }, verification_code: vc.clone(), display_name: name.clone() })?;
        round_trip(&AssignAndActivateBySerialNumber { serial_number: serial, verification_code: vc, display_name: name })?;
        round_trip(&b)?;
        round_trip(&e)?;
    }

    /// An unknown property is an error only in strict mode, and names itself.
    #[test]
    fn unknown_properties_are_strict_only(c in create(), key in "[a-z]{1,8}") {
        prop_assume!(!["model", "manufacturer"].contains(&key.as_str()));
        let mut value = serde_json::to_value(&c).unwrap();
        value.as_object_mut().unwrap().insert(format!("x{key}"), serde_json::json!(1));
        let json = serde_json::to_vec(&value).unwrap();
        let err = parse::<CreateDevice>(&json, Mode::Strict).unwrap_err();
        prop_assert_eq!(err.pointer, format!("/x{key}"));
        prop_assert_eq!(parse::<CreateDevice>(&json, Mode::Lenient).unwrap(), c);
    }

    /// Whatever the input, parsing returns instead of panicking, and lenient accepts all strict accepts.
    #[test]
    fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256), text in "[{}\\[\\]\",:0-9a-zA-Z@. -]{0,64}") {
        for input in [bytes.as_slice(), text.as_bytes()] {
            if parse::<CreateDevice>(input, Mode::Strict).is_ok() {
                prop_assert!(parse::<CreateDevice>(input, Mode::Lenient).is_ok());
            }
            let _ = parse::<Collection<Device>>(input, Mode::Strict);
            let _ = parse::<ErrorEnvelope>(input, Mode::Lenient);
        }
    }
}
