//! A tiny tmpfs that tests fill up: what a full disk does to a process, on a real file system.
//!
//! Mounting needs root (as in CI): without it, [`SmallDisk::mount`] says so and gives `None`, unless
//! `HWOATH_REQUIRE_FULL_DISK=1` makes a missing mount a failure (`.ci/run` sets it).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted for the test, unmounted when dropped (even when the test fails).
pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a 4 MiB tmpfs on a new temporary directory.
    pub fn mount() -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m,mode=0700", "hwoath-full-disk"])
            .arg(dir.path())
            .output()
            .is_ok_and(|out| out.status.success());
        if mounted {
            return Some(Self { dir });
        }
        assert!(
            std::env::var("HWOATH_REQUIRE_FULL_DISK").as_deref() != Ok("1"),
            "HWOATH_REQUIRE_FULL_DISK=1 but a tmpfs cannot be mounted (not root?)"
        );
        eprintln!(
            "skipped: mounting a tmpfs needs root (set HWOATH_REQUIRE_FULL_DISK=1 to require)"
        );
        None
    }

    /// Where the disk is mounted.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the disk with a file of zeros until the file system refuses more.
    pub fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 4096];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}
