//! Shared code of the hwoath fuzz targets: the Graph round-trip property ([`wire`]) and the
//! in-process session driver of the mock tenant's router ([`router`]).

pub mod router;
pub mod wire;
