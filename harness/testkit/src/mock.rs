//! Starting an embedded mock tenant the way the tests need it.

use hwoath_mock::{Fixture, MockTenant, MockTenantBuilder, User};

/// An embedded mock tenant with its test controls on (clock, token minting, faults, counters).
pub async fn mock() -> MockTenant {
    mock_with(|builder| builder).await
}

/// An embedded mock tenant with its test controls on, and what `configure` adds.
pub async fn mock_with(
    configure: impl FnOnce(MockTenantBuilder) -> MockTenantBuilder,
) -> MockTenant {
    configure(MockTenant::builder().controls(true))
        .start()
        .await
        .expect("the mock starts")
}

/// The embedded directory plus `count` made-up users: user `index` has id `id(index)`, sign-in name
/// `upn(index)` and display name `User {index}`.
pub fn with_users(
    count: usize,
    id: impl Fn(usize) -> String,
    upn: impl Fn(usize) -> String,
) -> Fixture {
    let mut fixture = Fixture::default();
    fixture.users.extend((0..count).map(|index| User {
        id: id(index),
        display_name: format!("User {index}"),
        user_principal_name: upn(index),
        roles: Vec::new(),
    }));
    fixture
}
