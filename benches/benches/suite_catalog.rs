//! Wall time of the whole non-property catalog (groups rfc, docs, validation, lifecycle, authz,
//! odata) against the embedded mock tenant: each iteration is one `hwoath_suite::run`, every case
//! sent over loopback HTTP, checked and cleaned up, as `hwoath run --group ...` does it.

mod common;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use hwoath_suite::{Group, Outcome, RunOptions, SuiteOptions};

fn catalog(c: &mut Criterion) {
    let (runtime, tenant, users) = common::runtime_and_mock();
    let base = tenant.base_url();
    let groups: Vec<Group> = Group::ALL
        .into_iter()
        .filter(|g| !matches!(g, Group::Properties | Group::Stateful))
        .collect();
    let mut group = c.benchmark_group("suite_catalog");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    group.bench_function("non_property_catalog", |b| {
        b.iter(|| {
            let options = SuiteOptions {
                run: RunOptions {
                    groups: groups.clone(),
                    ..RunOptions::default()
                },
                users: users.clone(),
                ..SuiteOptions::default()
            };
            common::checked_run(&runtime, &base, options, &[Outcome::Pass])
        })
    });
    group.finish();
}

criterion_group!(benches, catalog);
criterion_main!(benches);
