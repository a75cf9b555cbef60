//! OData collection envelopes (`value`, `@odata.context`, `@odata.count`, `@odata.nextLink`) of
//! devices and methods, bare and `@odata.type`-annotated, with the round-trip property.
#![no_main]

use hwoath_fuzz::wire::round_trip;
use hwoath_graph::{Collection, Device, Entity, Method};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    round_trip::<Collection<Device>>(data);
    round_trip::<Collection<Method>>(data);
    round_trip::<Collection<Entity<Device>>>(data);
    round_trip::<Collection<Entity<Method>>>(data);
});
