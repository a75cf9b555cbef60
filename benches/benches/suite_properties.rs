//! The conformance suite's `properties` group against the embedded mock tenant, as generated cases
//! per second: each iteration is a whole `hwoath_suite::run` of the selected property cases (bodies
//! generated from the seed, sent concurrently through the suite's client with its default 8 jobs,
//! checked, the first failure shrunk, every created device deleted), so the figure is what
//! `hwoath run --group properties` delivers, setup and cleanup requests included.

mod common;

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hwoath_suite::internals::{ACTIVATION_CAP, BodyKind, Class, mutations};
use hwoath_suite::{Outcome, RunOptions, SuiteOptions};

/// How many bodies the property cases of `kinds` generate with `per_case` each.
fn generated(kinds: &[BodyKind], per_case: usize) -> u64 {
    kinds
        .iter()
        .flat_map(|&kind| {
            mutations::classes(kind)
                .iter()
                .map(move |&class| (kind, class))
        })
        .map(|(kind, class)| {
            if class == Class::Valid && kind.activates() {
                per_case.min(ACTIVATION_CAP)
            } else {
                per_case
            }
        })
        .sum::<usize>() as u64
}

fn properties(c: &mut Criterion) {
    let (runtime, tenant, users) = common::runtime_and_mock();
    let base = tenant.base_url();
    let mut group = c.benchmark_group("suite_properties");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(20));
    // (name, case filter, kinds, generated cases per property case): create bodies need no setup;
    // the other kinds first make a device (and assign it to a user held by the case).
    let selections: [(&str, &str, &[BodyKind], usize); 2] = [
        ("create", "properties/create-*", &[BodyKind::Create], 256),
        ("all_kinds", "properties", &BodyKind::ALL, 32),
    ];
    for (name, filter, kinds, per_case) in selections {
        group.throughput(Throughput::Elements(generated(kinds, per_case)));
        group.bench_function(name, |b| {
            b.iter(|| {
                let options = SuiteOptions {
                    run: RunOptions {
                        cases: vec![filter.to_owned()],
                        ..RunOptions::default()
                    },
                    users: users.clone(),
                    cases: Some(per_case),
                    ..SuiteOptions::default()
                };
                common::checked_run(&runtime, &base, options, &[Outcome::Pass, Outcome::Diverge])
            })
        });
    }
    group.finish();
    runtime.block_on(tenant.shutdown());
}

criterion_group!(benches, properties);
criterion_main!(benches);
