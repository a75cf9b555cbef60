//! The embedded mock tenant `hwoath run` and `hwoath replay` test when no `--target` is given.

use anyhow::{Context, Result};
use hwoath_mock::MockTenant;

/// Starts a mock tenant with test controls on an ephemeral port; returns it with its users' ids.
pub async fn start() -> Result<(MockTenant, Vec<String>)> {
    let tenant = MockTenant::builder()
        .controls(true)
        .start()
        .await
        .context("cannot start the embedded mock tenant")?;
    let users = tenant.user_ids();
    Ok((tenant, users))
}
