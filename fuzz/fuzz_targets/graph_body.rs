//! Every Graph request body and resource through strict and lenient parsing, with the round-trip
//! and strict-implies-lenient properties of `hwoath_fuzz::wire::round_trip`, and the field rules
//! a server applies to the bodies that parse.
#![no_main]

use hwoath_fuzz::wire::round_trip;
use hwoath_graph::{
    Activate, AssignAndActivate, AssignAndActivateBySerialNumber, AssignMethod, BulkDelta,
    CreateDevice, Device, Entity, Method, UpdateDevice,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(body) = round_trip::<CreateDevice>(data) {
        let _ = body.validate();
    }
    if let Some(body) = round_trip::<UpdateDevice>(data) {
        let _ = body.validate();
    }
    round_trip::<AssignMethod>(data);
    if let Some(body) = round_trip::<Activate>(data) {
        let _ = body.validate();
    }
    if let Some(body) = round_trip::<AssignAndActivate>(data) {
        let _ = body.validate();
    }
    if let Some(body) = round_trip::<AssignAndActivateBySerialNumber>(data) {
        let _ = body.validate();
    }
    if let Some(body) = round_trip::<BulkDelta>(data) {
        let _ = body.validate();
    }
    round_trip::<Device>(data);
    round_trip::<Method>(data);
    round_trip::<Entity<Device>>(data);
    round_trip::<Entity<Method>>(data);
});
