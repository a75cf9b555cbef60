//! Every doc example in `vectors/graph/examples.json` parses, or fails, exactly as labelled.

use hwoath_graph::{
    AssignAndActivate, AssignMethod, BulkDelta, Collection, CreateDevice, Device, Entity, Method,
    Mode, ParseError, Resource, parse,
};
use serde_json::Value;

fn examples() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/graph/examples.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Parses `body` as the named wire type; `Ok` carries nothing since only the outcome is compared.
fn parse_as(wire_type: &str, body: &str, mode: Mode) -> Result<(), ParseError> {
    let b = body.as_bytes();
    match wire_type {
        "AssignAndActivate" => parse::<AssignAndActivate>(b, mode).map(drop),
        "AssignMethod" => parse::<AssignMethod>(b, mode).map(drop),
        "CreateDevice" => parse::<CreateDevice>(b, mode).map(drop),
        "BulkDelta" => parse::<BulkDelta>(b, mode).map(drop),
        "Entity<Device>" => parse::<Entity<Device>>(b, mode).map(drop),
        "Entity<Method>" => parse::<Entity<Method>>(b, mode).map(drop),
        "Collection<Device>" => parse::<Collection<Device>>(b, mode).map(drop),
        other => panic!("unknown wire_type {other}"),
    }
}

fn outcome(result: &Result<(), ParseError>) -> Value {
    match result {
        Ok(()) => serde_json::json!({"result": "ok"}),
        Err(e) => {
            serde_json::json!({"result": "error", "kind": e.kind.code(), "pointer": e.pointer})
        }
    }
}

#[test]
fn every_example_parses_as_labelled() {
    let doc = examples();
    let labels = doc["defect_labels"].as_object().unwrap();
    let examples = doc["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 14);
    for ex in examples {
        let id = ex["id"].as_str().unwrap();
        for label in ex["defects"].as_array().unwrap() {
            assert!(
                labels.contains_key(label.as_str().unwrap()),
                "{id}: unlabelled defect {label}"
            );
        }
        let Some(body) = ex["body"].as_str() else {
            assert_eq!(ex["status"], 204, "{id}: only 204 responses have no body");
            assert!(ex["expect"].is_null(), "{id}");
            continue;
        };
        let wire_type = ex["wire_type"].as_str().unwrap();
        for (mode, key) in [(Mode::Strict, "strict"), (Mode::Lenient, "lenient")] {
            let got = outcome(&parse_as(wire_type, body, mode));
            assert_eq!(got, ex["expect"][key], "{id} ({key})");
        }
        let defective = !ex["defects"].as_array().unwrap().is_empty()
            && ex["defects"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d != "example-metadata-names-assignAndActivateBySerialNumber");
        assert_eq!(
            ex["expect"]["strict"]["result"] == "ok",
            !defective,
            "{id}: strict ok iff no body defect"
        );
    }
}

fn body_of(id: &str) -> String {
    let doc = examples();
    let ex = doc["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap()
        .clone();
    ex["body"].as_str().unwrap().to_owned()
}

#[test]
fn create_examples_pass_the_field_rules() {
    for id in ["seed004-create-request", "seed004-create-assign-request"] {
        let body: CreateDevice = hwoath_graph::parse_strict(&body_of(id)).unwrap();
        let secret = body.validate().unwrap();
        assert_eq!(secret.len(), 20, "{id}");
    }
    let assigned: CreateDevice =
        hwoath_graph::parse_strict(&body_of("seed004-create-assign-request")).unwrap();
    assert_eq!(
        assigned.assign_to.unwrap().id,
        "0cadbf92-####-####-####-############"
    );
}

#[test]
fn lenient_duplicate_keeps_the_last_assigned_to() {
    let device: Entity<Device> =
        hwoath_graph::parse_lenient(&body_of("seed004-create-assign-response")).unwrap();
    let who = device.value.assigned_to.unwrap();
    assert_eq!(who.display_name.as_deref(), Some("Amy Masters"));
    assert_eq!(device.odata_type.as_deref(), Some(Device::ODATA_TYPE));
}

#[test]
fn create_response_reads_every_property() {
    let device: Entity<Device> =
        hwoath_graph::parse_strict(&body_of("seed004-create-response")).unwrap();
    let d = device.value;
    assert_eq!(d.id, "9b037532-f999-1ed9-13fd-849ffb995e11");
    assert_eq!(d.serial_number, "TOTP123456");
    assert_eq!(d.time_interval_in_seconds, 30);
    assert_eq!(d.status, Some(hwoath_graph::TokenStatus::Available));
    assert_eq!(d.hash_function, Some(hwoath_graph::HashFunction::Hmacsha1));
    assert_eq!(d.assigned_to, None);
}

#[test]
fn assign_and_activate_examples_pass_the_field_rules() {
    for id in [
        "seed000-assign-and-activate-request",
        "seed002-assign-and-activate-request",
    ] {
        let body: AssignAndActivate = hwoath_graph::parse_strict(&body_of(id)).unwrap();
        assert_eq!(body.verification_code, "588651");
        body.validate().unwrap();
    }
}
