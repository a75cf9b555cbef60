//! Standard output that survives a closed pipe: `hwoath run ... | head -1` must not panic when `head`
//! exits. The first write that finds the pipe closed stops all further output quietly; the command
//! goes on (cleanup, reports) and exits with its own status.

use std::fmt::Arguments;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes one line to standard output; after a broken pipe, writes nothing more.
pub fn line(text: Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(text)
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush());
    if let Err(error) = written {
        // Nobody reads any more (a closed pipe, or a full disk behind a redirect): say nothing more
        // on standard output; the reports and the exit status still tell.
        CLOSED.store(true, Ordering::Relaxed);
        if error.kind() != ErrorKind::BrokenPipe {
            eprintln!("warning: standard output failed: {error}");
        }
    }
}

/// `println!` for the command's output, quiet once standard output is closed.
#[macro_export]
macro_rules! say {
    () => {
        $crate::stdout::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::stdout::line(format_args!($($arg)*))
    };
}
