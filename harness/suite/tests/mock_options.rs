//! Which of the suite's rules each behaviour option of the mock touches, measured: the non-generated
//! catalog runs against the mock started with one option changed, and the rules its non-passing cases
//! cite must be exactly the ones README's table lists for that option.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use hwoath_mock::{MockTenant, MockTenantBuilder, NumbersAsStrings, StatusAfterAssignTo};
use hwoath_suite::Group;
use hwoath_suite::{Credentials, Outcome, RunOptions, RunReport, SuiteOptions};
use regex::Regex;

/// The groups that run fixed cases (the generated groups have their own tests).
fn fixed_groups() -> RunOptions {
    RunOptions {
        groups: Group::ALL
            .into_iter()
            .filter(|g| !matches!(g, Group::Properties | Group::Stateful))
            .collect(),
        ..RunOptions::default()
    }
}

async fn run_with(builder: MockTenantBuilder) -> (RunReport, MockTenant) {
    let tenant = builder
        .controls(true)
        .start()
        .await
        .expect("the mock starts");
    let options = SuiteOptions {
        users: tenant.user_ids(),
        ..SuiteOptions::default()
    };
    let report = common::run(
        &tenant.base_url(),
        Credentials::MockControls,
        options,
        fixed_groups(),
    )
    .await;
    (report, tenant)
}

/// The rule ids the reasons of non-passing cases cite (`[rule-id: source]`).
fn rules_touched(report: &RunReport) -> BTreeSet<String> {
    let cited = Regex::new(r"\[([A-Za-z0-9-]+): ").expect("valid pattern");
    report
        .cases
        .iter()
        .filter(|c| c.outcome != Outcome::Pass)
        .flat_map(|c| c.reasons.iter())
        .flat_map(|reason| {
            cited
                .captures_iter(reason)
                .map(|m| m[1].to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn ids(rules: &[&str]) -> BTreeSet<String> {
    rules.iter().map(|r| (*r).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_available_after_create_with_assign_to_touches_no_rule() {
    let (report, _tenant) =
        run_with(MockTenant::builder().status_after_assign_to(StatusAfterAssignTo::Available))
            .await;
    assert_eq!(rules_touched(&report), BTreeSet::new());
    let observed: Vec<&String> = report
        .cases
        .iter()
        .flat_map(|c| c.observations.iter())
        .filter(|o| o.starts_with("status right after create with assignTo"))
        .collect();
    assert!(!observed.is_empty());
    assert!(
        observed.iter().all(|o| o.ends_with(": available")),
        "{observed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coercing_numbers_sent_as_strings_touches_the_wrong_type_rule_only() {
    let (report, _tenant) =
        run_with(MockTenant::builder().numbers_as_strings(NumbersAsStrings::Coerce)).await;
    assert_eq!(rules_touched(&report), ids(&["wrong-type-400"]));
    assert!(
        report
            .cases
            .iter()
            .all(|c| matches!(c.outcome, Outcome::Pass | Outcome::Diverge)),
        "an inferred rule only: divergences, never failures"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visibility_delay_touches_the_rules_that_read_back_a_write() {
    let (report, _tenant) =
        run_with(MockTenant::builder().visibility_delay(Duration::from_secs(60))).await;
    let touched = rules_touched(&report);
    // Which cases trip first depends on how their writes interleave (a user's not-yet-visible
    // unassignment shows in the next case that lists the user's methods): the set stays within the
    // documented list and always holds the plain read-backs.
    assert!(
        touched.is_subset(&ids(VISIBILITY_RULES)),
        "not in README's list: {:?}",
        touched
            .difference(&ids(VISIBILITY_RULES))
            .collect::<Vec<_>>()
    );
    assert!(
        ids(&["create-201", "assign-201", "activate-204", "update-204"]).is_subset(&touched),
        "{touched:?}"
    );
}

/// What a client that reads right after it writes sees go wrong while writes are not yet visible (the
/// list README gives for `--visibility-delay`).
const VISIBILITY_RULES: &[&str] = &[
    "activate-204",
    "assign-201",
    "assign-and-activate-204",
    "assign-by-ref-204",
    "bulk-create",
    "count",
    "create-201",
    "create-with-assignTo",
    "deactivate-204",
    "doc-example",
    "filter-eq",
    "least-privilege",
    "navigation-reads",
    "paging",
    "path-case-insensitive",
    "unassign-204",
    "unassigned-only",
    "update-204",
    "wrong-code-400",
];
