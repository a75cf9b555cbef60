//! The hwoath benchmarks' shared inputs, so every contender gets the same key, time and digits.

pub mod inputs;
