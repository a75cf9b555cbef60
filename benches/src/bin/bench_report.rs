//! `bench-report [CRITERION_DIR]`: prints `reports/bench.md` rendered from criterion's results
//! (default `target/criterion`) and this machine's description; exits non-zero, printing nothing,
//! when a figure is below its floor (an impossible run).

use std::path::PathBuf;
use std::process::ExitCode;

use hwoath_benches::report::{Machine, Medians, render};

/// This machine as /proc and `rustc -V` describe it.
fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        cpuinfo
            .lines()
            .find(|line| line.split(':').next().is_some_and(|key| key.trim() == name))
            .and_then(|line| line.split_once(':'))
            .map(|(_, value)| value.trim().to_owned())
            .unwrap_or_else(|| "unknown".to_owned())
    };
    let cpu = format!(
        "{} (family {}, model {}, stepping {})",
        field("model name"),
        field("cpu family"),
        field("model"),
        field("stepping")
    );
    let rustc = std::process::Command::new("rustc")
        .arg("-V")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map_or_else(|| "unknown".to_owned(), |v| v.trim().to_owned());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned());
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    let (sha_extensions, avx2) = (
        std::arch::is_x86_feature_detected!("sha")
            && std::arch::is_x86_feature_detected!("sse2")
            && std::arch::is_x86_feature_detected!("ssse3")
            && std::arch::is_x86_feature_detected!("sse4.1"),
        std::arch::is_x86_feature_detected!("avx2"),
    );
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    let (sha_extensions, avx2) = (false, false);
    Machine {
        cpu,
        cores: std::thread::available_parallelism().map_or(0, usize::from),
        sha_extensions,
        avx2,
        rustc,
        load,
    }
}

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/criterion"), PathBuf::from);
    match Medians::load(&dir).and_then(|medians| render(&medians, &machine())) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("bench-report: {err}");
            ExitCode::FAILURE
        }
    }
}
