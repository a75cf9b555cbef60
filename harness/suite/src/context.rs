//! What every case of a run shares: the target, the run's tag, and the pool of users to assign to.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::target::Target;

/// Prefix of every serial number the suite creates; `hwoath cleanup` removes only devices bearing it.
pub const TAG_PREFIX: &str = "hwoath-";

/// The run's tag: every resource the run creates carries it, so it can be found and removed.
#[derive(Debug)]
pub struct Tag {
    run_id: String,
    next: AtomicU64,
}

impl Tag {
    /// A tag for run `run_id`.
    pub fn new(run_id: &str) -> Self {
        Self {
            run_id: run_id.to_owned(),
            next: AtomicU64::new(1),
        }
    }

    /// The serial prefix of this run: `hwoath-<run id>-`.
    pub fn serial_prefix(&self) -> String {
        format!("{TAG_PREFIX}{}-", self.run_id)
    }

    /// A new serial number of this run.
    pub fn serial(&self) -> String {
        format!(
            "{}{:05}",
            self.serial_prefix(),
            self.next.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// The display name of this run's resources.
    pub fn display_name(&self) -> String {
        format!("hwoath conformance {}", self.run_id)
    }
}

#[derive(Debug)]
struct Pool {
    total: usize,
    free: Mutex<Vec<String>>,
    permits: Arc<Semaphore>,
}

/// Users a case may hold alone while it assigns tokens (a user holds at most five OATH methods, so
/// concurrent cases must not share one).
#[derive(Debug, Clone)]
pub struct UserPool {
    pool: Arc<Pool>,
}

/// Users held by one case; they return to the pool when dropped.
#[derive(Debug)]
pub struct UserLease {
    users: Vec<String>,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
}

impl UserLease {
    /// The ids of the users held, at least one.
    pub fn users(&self) -> &[String] {
        &self.users
    }
}

impl Drop for UserLease {
    fn drop(&mut self) {
        if let Ok(mut free) = self.pool.free.lock() {
            free.append(&mut self.users);
        }
    }
}

impl UserPool {
    /// A pool of these user ids.
    pub fn new(users: Vec<String>) -> Self {
        Self {
            pool: Arc::new(Pool {
                total: users.len(),
                permits: Arc::new(Semaphore::new(users.len())),
                free: Mutex::new(users),
            }),
        }
    }

    /// Waits until `count` users are free and holds them all; `None` when the pool has fewer in all.
    /// Taking every user a case needs at once means two cases can never wait on each other.
    pub async fn lease(&self, count: usize) -> Option<UserLease> {
        if count == 0 || count > self.pool.total {
            return None;
        }
        let permit = self
            .pool
            .permits
            .clone()
            .acquire_many_owned(count as u32)
            .await
            .ok()?;
        let mut free = self.pool.free.lock().ok()?;
        let at = free.len().checked_sub(count)?;
        Some(UserLease {
            users: free.split_off(at),
            pool: self.pool.clone(),
            _permit: permit,
        })
    }
}

/// Everything a run's cases share.
#[derive(Debug)]
pub struct RunContext {
    /// The target.
    pub target: Target,
    /// The run's tag.
    pub tag: Tag,
    /// Users to assign tokens to.
    pub users: UserPool,
    /// Seed and size of generated cases, and the failures they found.
    pub generation: crate::generate::Generation,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_carry_the_run_tag_and_never_repeat() {
        let tag = Tag::new("ab12cd34");
        assert_eq!(tag.serial(), "hwoath-ab12cd34-00001");
        assert_eq!(tag.serial(), "hwoath-ab12cd34-00002");
        assert!(tag.serial().starts_with(&tag.serial_prefix()));
    }

    #[tokio::test]
    async fn a_lease_holds_its_users_until_dropped() {
        let pool = UserPool::new(vec!["u1".into(), "u2".into()]);
        let pair = pool.lease(2).await.unwrap();
        assert_eq!(pair.users().len(), 2);
        let waiting =
            tokio::time::timeout(std::time::Duration::from_millis(50), pool.lease(1)).await;
        assert!(waiting.is_err(), "a held user is not handed out again");
        drop(pair);
        let one = pool.lease(1).await.unwrap();
        assert_eq!(one.users().len(), 1);
        assert!(pool.lease(3).await.is_none());
        assert!(UserPool::new(Vec::new()).lease(1).await.is_none());
    }
}
