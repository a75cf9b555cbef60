//! Generated request bodies (proptest): valid bodies of every kind and labelled mutations, made
//! deterministically from a seed, for the `properties` group and the stateful model.

pub mod bodies;
pub mod mutations;
pub mod template;

use std::sync::Mutex;

use proptest::strategy::{SBoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sha2::{Digest, Sha256};

use crate::report::Failure;

pub use crate::label::{BodyKind, Class, Label};
pub use template::{Bindings, Frag, Template};

/// How a body goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wire {
    /// As JSON with `Content-Type: application/json`.
    Json,
    /// As JSON text broken by an edit.
    Edit(TextEdit),
    /// No bytes at all (with a JSON content type).
    Empty,
    /// As JSON with this content type instead (none at all for `None`).
    ContentType(Option<String>),
}

/// A change to JSON text that makes it unparseable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEdit {
    /// A comma before the closing brace.
    TrailingComma,
    /// One closing brace too many.
    ExtraBrace,
    /// Only this percentage of the text (1 to 99).
    Truncate(u8),
}

impl TextEdit {
    /// What the edit does, for labels.
    pub fn describe(self) -> String {
        match self {
            TextEdit::TrailingComma => "trailing comma".to_owned(),
            TextEdit::ExtraBrace => "extra closing brace".to_owned(),
            TextEdit::Truncate(percent) => format!("truncated to {percent}%"),
        }
    }

    fn apply(self, text: &str) -> String {
        match self {
            TextEdit::TrailingComma => format!("{},}}", &text[..text.len() - 1]),
            TextEdit::ExtraBrace => format!("{text}}}"),
            TextEdit::Truncate(percent) => {
                let mut cut = (text.len() * usize::from(percent) / 100).min(text.len() - 1);
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text[..cut].to_owned()
            }
        }
    }
}

/// One generated body with its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Which request it is for.
    pub kind: BodyKind,
    /// The body before wire-level breaks.
    pub template: Template,
    /// What was broken (class `valid` for none).
    pub label: Label,
    /// How it is sent.
    pub wire: Wire,
}

/// The JSON content type.
pub const JSON: &str = "application/json";

impl Sample {
    /// The content type and bytes sent, with the slots filled in.
    pub fn render(&self, bindings: &Bindings) -> (Option<String>, Vec<u8>) {
        let text = self.template.render(bindings);
        match &self.wire {
            Wire::Json => (Some(JSON.to_owned()), text.into_bytes()),
            Wire::Edit(edit) => (Some(JSON.to_owned()), edit.apply(&text).into_bytes()),
            Wire::Empty => (Some(JSON.to_owned()), Vec::new()),
            Wire::ContentType(content_type) => (content_type.clone(), text.into_bytes()),
        }
    }

    /// The statuses the label says the target must answer.
    pub fn expected(&self) -> &'static [u16] {
        self.label.class.expected(self.kind)
    }
}

/// The strategy of one catalog case: bodies of `kind` in `class`.
pub fn strategy(kind: BodyKind, class: Class) -> SBoxedStrategy<Sample> {
    mutations::strategy(kind, class)
}

/// A 32-byte ChaCha seed from the run's seed and a case id: each case draws the same bodies for the
/// same seed, whatever else runs.
pub fn case_seed(seed: u64, case_id: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_le_bytes());
    hasher.update(case_id.as_bytes());
    hasher.finalize().into()
}

fn runner(seed: [u8; 32]) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    )
}

/// The first `count` values of `strategy` for `seed`.
pub fn values<S: Strategy>(strategy: &S, seed: [u8; 32], count: usize) -> Vec<S::Value> {
    let mut runner = runner(seed);
    (0..count)
        .filter_map(|_| {
            strategy
                .new_tree(&mut runner)
                .ok()
                .map(|tree| tree.current())
        })
        .collect()
}

/// The value tree of the `index`-th value of `strategy` for `seed` (the same value [`values`] gave),
/// ready to shrink.
pub fn tree_at<S: Strategy>(strategy: &S, seed: [u8; 32], index: usize) -> Option<S::Tree> {
    let mut runner = runner(seed);
    let mut tree = None;
    for _ in 0..=index {
        tree = Some(strategy.new_tree(&mut runner).ok()?);
    }
    tree
}

/// Settings of generated cases and the failures they found, shared by a run's cases.
#[derive(Debug, Default)]
pub struct Generation {
    /// The run's seed.
    pub seed: u64,
    /// Generated cases per catalog case (`None`: 64 on a mock, 16 on a real tenant).
    pub cases: Option<usize>,
    failures: Mutex<Vec<Failure>>,
    given_up: Mutex<Option<String>>,
    shrink_budget: crate::shrink::ShrinkBudget,
}

/// Generated cases per catalog case on a target with test controls (a mock).
pub const MOCK_CASES: usize = 64;
/// Generated cases per catalog case on a real tenant.
pub const TENANT_CASES: usize = 16;

impl Generation {
    /// Settings with this seed and case count.
    pub fn new(seed: u64, cases: Option<usize>) -> Self {
        Self {
            seed,
            cases,
            failures: Mutex::new(Vec::new()),
            given_up: Mutex::new(None),
            shrink_budget: crate::shrink::ShrinkBudget::default(),
        }
    }

    /// The same settings with `limit` as the time every shrink of the run draws from.
    pub fn with_shrink_time(mut self, limit: std::time::Duration) -> Self {
        self.shrink_budget = crate::shrink::ShrinkBudget::new(limit);
        self
    }

    /// The time every shrink of the run draws from.
    pub fn shrink_budget(&self) -> &crate::shrink::ShrinkBudget {
        &self.shrink_budget
    }

    /// The case count on a target that has (or lacks) test controls.
    pub fn count(&self, mock: bool) -> usize {
        self.cases
            .unwrap_or(if mock { MOCK_CASES } else { TENANT_CASES })
    }

    /// Keeps a failure for the report.
    pub fn record(&self, failure: Failure) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.push(failure);
        }
    }

    /// Notes that the target stopped answering generated cases, so later ones do not try.
    pub fn give_up(&self, reason: &str) {
        if let Ok(mut given_up) = self.given_up.lock() {
            given_up.get_or_insert_with(|| reason.to_owned());
        }
    }

    /// Why generated cases gave up on the target, if they did.
    pub fn given_up(&self) -> Option<String> {
        self.given_up.lock().ok().and_then(|g| g.clone())
    }

    /// Takes every failure recorded so far, in case-id order.
    pub fn take_failures(&self) -> Vec<Failure> {
        let mut failures = self
            .failures
            .lock()
            .map(|mut f| std::mem::take(&mut *f))
            .unwrap_or_default();
        failures.sort_by_key(Failure::file_name);
        failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_bodies_and_trees() {
        let strategy = strategy(BodyKind::Create, Class::WrongType);
        let seed = case_seed(7, "properties/create-wrong-type");
        let first = values(&strategy, seed, 20);
        assert_eq!(first, values(&strategy, seed, 20));
        assert_ne!(
            first,
            values(&strategy, case_seed(8, "properties/create-wrong-type"), 20)
        );
        assert_eq!(tree_at(&strategy, seed, 13).unwrap().current(), first[13]);
    }

    #[test]
    fn text_edits_break_json() {
        let text = r#"{"a":"é"}"#;
        for edit in [
            TextEdit::TrailingComma,
            TextEdit::ExtraBrace,
            TextEdit::Truncate(1),
            TextEdit::Truncate(60),
            TextEdit::Truncate(99),
        ] {
            let broken = edit.apply(text);
            assert!(
                serde_json::from_str::<serde_json::Value>(&broken).is_err(),
                "{broken}"
            );
        }
    }
}
