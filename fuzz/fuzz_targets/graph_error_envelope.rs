//! Graph's error envelope through strict and lenient parsing, with the round-trip property.
#![no_main]

use hwoath_fuzz::wire::round_trip;
use hwoath_graph::ErrorEnvelope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(envelope) = round_trip::<ErrorEnvelope>(data) {
        assert!(
            !envelope.error.code.is_empty(),
            "a parsed envelope has a code"
        );
    }
});
