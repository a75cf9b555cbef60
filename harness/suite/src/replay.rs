//! Sends a saved failure again: `hwoath replay FILE` says FIXED when the target now answers as the
//! label calls for, FAILED when it still does not.

use crate::catalog::properties::{self, Trial};
use crate::client::HttpClient;
use crate::context::{RunContext, Tag, UserPool};
use crate::generate::Generation;
use crate::report::Failure;
use crate::{ClientConfig, Credentials, SuiteError};

/// Re-sends `failure` to `base_url` once, making the device (and, for `users`, the assignment) it
/// needs and removing them after. Without `users`, the target's own user list lends its first user.
pub async fn replay(
    base_url: &str,
    credentials: Credentials,
    client: ClientConfig,
    users: Vec<String>,
    failure: &Failure,
) -> Result<Trial, SuiteError> {
    let target = crate::connect(base_url, credentials, HttpClient::new(client)?).await?;
    let (users, _) = crate::plan::users(&target, &users).await;
    let run_id = format!("replay{}", &uuid::Uuid::new_v4().simple().to_string()[..4]);
    let ctx = RunContext {
        target,
        tag: Tag::new(&run_id),
        users: UserPool::new(users.clone()),
        generation: Generation::new(failure.seed, Some(1)),
    };
    let user = users.first().cloned().unwrap_or_default();
    Ok(properties::replay(&ctx, failure, &user).await)
}
