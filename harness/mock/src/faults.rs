//! Fault injection for the `/beta` routes: latency, throttling, server errors and dropped connections,
//! drawn from a seeded generator so a run with the same seed and request order repeats exactly.

use serde::{Deserialize, Serialize};

/// The fault settings accepted by `PUT /_hwoath/faults` (every field optional; rates are 0..=1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultConfig {
    /// Added latency in milliseconds for a delayed request.
    #[serde(default)]
    pub latency_ms: u64,
    /// Share of requests delayed by `latency_ms`.
    #[serde(default)]
    pub latency_rate: f64,
    /// Share of requests answered 429 `TooManyRequests`.
    #[serde(default)]
    pub throttle_rate: f64,
    /// `Retry-After` seconds sent with injected 429 and 503 answers (default 1).
    #[serde(default)]
    pub retry_after_seconds: Option<f64>,
    /// Share of requests answered 503 `serviceNotAvailable`.
    #[serde(default)]
    pub server_error_rate: f64,
    /// Share of requests whose connection is dropped without a complete response.
    #[serde(default)]
    pub drop_rate: f64,
    /// Seed of the generator that decides which requests fail.
    #[serde(default)]
    pub seed: u64,
}

/// Why a fault configuration was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct FaultConfigError(String);

impl FaultConfig {
    /// Checks that rates lie in 0..=1 and the retry delay is finite and not negative.
    pub fn validate(&self) -> Result<(), FaultConfigError> {
        for (name, rate) in [
            ("latency_rate", self.latency_rate),
            ("throttle_rate", self.throttle_rate),
            ("server_error_rate", self.server_error_rate),
            ("drop_rate", self.drop_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(FaultConfigError(format!("{name} must be between 0 and 1")));
            }
        }
        if let Some(retry) = self.retry_after_seconds
            && !(retry.is_finite() && (0.0..=86_400.0).contains(&retry))
        {
            return Err(FaultConfigError(
                "retry_after_seconds must be between 0 and 86400".into(),
            ));
        }
        if self.latency_ms > 60_000 {
            return Err(FaultConfigError("latency_ms must be at most 60000".into()));
        }
        Ok(())
    }

    /// The `Retry-After` value for injected answers.
    pub fn retry_after(&self) -> f64 {
        self.retry_after_seconds.unwrap_or(1.0)
    }
}

/// What the injector decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultOutcome {
    /// Handle the request normally.
    Pass,
    /// Answer 429 with `Retry-After`.
    Throttle,
    /// Answer 503 with `Retry-After`.
    ServerError,
    /// Abort the connection.
    Drop,
}

/// The decision for one request: an optional delay, then an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultDecision {
    /// Milliseconds to wait before answering (0 for none).
    pub delay_ms: u64,
    /// What to answer.
    pub outcome: FaultOutcome,
}

/// The active fault configuration plus its generator state.
#[derive(Debug, Default)]
pub struct FaultInjector {
    active: Option<(FaultConfig, SplitMix64)>,
}

impl FaultInjector {
    /// Installs a configuration and restarts the generator from its seed.
    pub fn configure(&mut self, config: FaultConfig) {
        let rng = SplitMix64(config.seed);
        self.active = Some((config, rng));
    }

    /// Removes every fault.
    pub fn clear(&mut self) {
        self.active = None;
    }

    /// The active configuration, if any.
    pub fn config(&self) -> Option<&FaultConfig> {
        self.active.as_ref().map(|(config, _)| config)
    }

    /// Decides the fate of the next request; always draws the same number of values per request.
    pub fn decide(&mut self) -> FaultDecision {
        let Some((config, rng)) = self.active.as_mut() else {
            return FaultDecision {
                delay_ms: 0,
                outcome: FaultOutcome::Pass,
            };
        };
        let delay = rng.next_unit() < config.latency_rate;
        let throttle = rng.next_unit() < config.throttle_rate;
        let server_error = rng.next_unit() < config.server_error_rate;
        let drop = rng.next_unit() < config.drop_rate;
        let outcome = if drop {
            FaultOutcome::Drop
        } else if throttle {
            FaultOutcome::Throttle
        } else if server_error {
            FaultOutcome::ServerError
        } else {
            FaultOutcome::Pass
        };
        FaultDecision {
            delay_ms: if delay { config.latency_ms } else { 0 },
            outcome,
        }
    }
}

/// SplitMix64: a tiny, well-distributed generator that is plenty for choosing faults.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in [0, 1).
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(config: &FaultConfig, n: usize) -> Vec<FaultDecision> {
        let mut injector = FaultInjector::default();
        injector.configure(config.clone());
        (0..n).map(|_| injector.decide()).collect()
    }

    #[test]
    fn same_seed_same_faults() {
        let config = FaultConfig {
            throttle_rate: 0.3,
            server_error_rate: 0.2,
            latency_ms: 5,
            latency_rate: 0.5,
            seed: 42,
            ..FaultConfig::default()
        };
        let first = outcomes(&config, 200);
        assert_eq!(first, outcomes(&config, 200));
        let throttled = first
            .iter()
            .filter(|d| d.outcome == FaultOutcome::Throttle)
            .count();
        assert!((30..90).contains(&throttled), "{throttled}");
    }

    #[test]
    fn rates_of_zero_and_one_are_exact() {
        let all = FaultConfig {
            drop_rate: 1.0,
            ..FaultConfig::default()
        };
        assert!(
            outcomes(&all, 50)
                .iter()
                .all(|d| d.outcome == FaultOutcome::Drop)
        );
        let none = FaultConfig::default();
        assert!(
            outcomes(&none, 50)
                .iter()
                .all(|d| d.outcome == FaultOutcome::Pass && d.delay_ms == 0)
        );
    }

    #[test]
    fn out_of_range_rates_are_refused() {
        let bad = FaultConfig {
            throttle_rate: 1.5,
            ..FaultConfig::default()
        };
        assert!(bad.validate().is_err());
        let nan = FaultConfig {
            retry_after_seconds: Some(f64::NAN),
            ..FaultConfig::default()
        };
        assert!(nan.validate().is_err());
        assert!(FaultConfig::default().validate().is_ok());
    }
}
