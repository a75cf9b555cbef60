//! The mock tenant's whole router, driven in process by sessions of calls built from the input
//! (see `hwoath_fuzz::router`): no panic, no 5xx, every 4xx in Graph's error envelope, no
//! `secretKey` in an answer, and the tenant's invariants after every call.
#![no_main]

use hwoath_fuzz::router::{Session, run};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|session: Session| {
    run(&session);
});
