//! The hwoath benchmarks' shared inputs (so every contender gets the same key, time and digits) and
//! the renderer that turns criterion's results into `reports/bench.md`.

pub mod inputs;
pub mod report;
