//! Renders `reports/bench.md` from criterion's results: the medians, the ratios the targets are
//! stated in, and the machine they were measured on.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use hwoath_otp::Algorithm;

use crate::inputs::{
    ACTIVATION_WINDOW_STEPS, DIGITS, DURABLE_CREATE_TARGET_NS, IMPORT_BULK, IMPORT_JOBS,
    IMPORT_SIZES, IMPORT_USERS, IMPORT_VARIANTS, MOCK_CONNECTIONS, MOCK_INVENTORY, SCALE_MODES,
    SCALE_OPERATIONS, SCALE_PAGE, SCALE_RATIO_TARGET, SCALE_SIZES, SCAN_TOKENS, import_id,
    scale_id,
};

/// Why criterion's results could not be read or published.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path read.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A criterion JSON file did not have the expected shape.
    #[error("{path} is not a criterion result: {reason}")]
    Format {
        /// The path read.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// Figures below the least work they must do (a noisy run, or a floor bench that measures more
    /// than its compressions): the run is impossible and is not published.
    #[error(
        "impossible run, not published (rerun the benches on a quiet machine): {}",
        .0.join("; ")
    )]
    BelowFloor(Vec<String>),
}

/// Median time per iteration in nanoseconds, by criterion benchmark id (`group/function/value`), and
/// the elements one iteration counts where a benchmark declares a throughput.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Medians(BTreeMap<String, f64>, BTreeMap<String, u64>);

impl Medians {
    /// Medians from `(id, nanoseconds)` pairs.
    pub fn new(pairs: impl IntoIterator<Item = (String, f64)>) -> Self {
        Self(pairs.into_iter().collect(), BTreeMap::new())
    }

    /// The same medians, with `elements` counted per iteration of benchmark `id`.
    pub fn with_elements(mut self, id: &str, elements: u64) -> Self {
        self.1.insert(id.to_owned(), elements);
        self
    }

    /// Reads every `*/new/benchmark.json` and its `estimates.json` below criterion's directory.
    pub fn load(criterion_dir: &Path) -> Result<Self, ReportError> {
        let mut medians = BTreeMap::new();
        let mut elements = BTreeMap::new();
        let mut pending = vec![criterion_dir.to_path_buf()];
        while let Some(dir) = pending.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|source| io_error(&dir, source))?;
            for entry in entries {
                let path = entry.map_err(|source| io_error(&dir, source))?.path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.file_name().is_some_and(|n| n == "benchmark.json")
                    && path.parent().is_some_and(|p| p.ends_with("new"))
                {
                    let benchmark = read_json(&path)?;
                    let id = benchmark["full_id"]
                        .as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format_error(&path, "no full_id"))?;
                    if let Some(count) = benchmark["throughput"]["Elements"].as_u64() {
                        elements.insert(id.clone(), count);
                    }
                    let estimates = path.with_file_name("estimates.json");
                    let median = read_json(&estimates)?["median"]["point_estimate"]
                        .as_f64()
                        .ok_or_else(|| format_error(&estimates, "no median point estimate"))?;
                    medians.insert(id, median);
                }
            }
        }
        Ok(Self(medians, elements))
    }

    /// The median of `id` in nanoseconds, if it was measured.
    pub fn get(&self, id: &str) -> Option<f64> {
        self.0.get(id).copied()
    }

    /// The elements one iteration of `id` counts, if it declares them.
    pub fn elements(&self, id: &str) -> Option<u64> {
        self.1.get(id).copied()
    }
}

fn io_error(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn format_error(path: &Path, reason: &str) -> ReportError {
    ReportError::Format {
        path: path.display().to_string(),
        reason: reason.to_owned(),
    }
}

fn read_json(path: &Path) -> Result<serde_json::Value, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| io_error(path, source))?;
    serde_json::from_str(&text).map_err(|e| format_error(path, &e.to_string()))
}

/// The machine the figures come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// The CPU model (`model name` of /proc/cpuinfo, with family/model/stepping).
    pub cpu: String,
    /// Logical CPUs.
    pub cores: usize,
    /// Whether the CPU has the SHA extensions (`sha_ni`) and the SSE levels the sha1/sha2 crates
    /// require before they use them.
    pub sha_extensions: bool,
    /// Whether the CPU has AVX2 (the sha2 crate's SHA-512 backend).
    pub avx2: bool,
    /// `rustc -V`.
    pub rustc: String,
    /// The load average when the report was rendered (/proc/loadavg).
    pub load: String,
}

impl Machine {
    /// Whether the one-minute load average exceeded half the logical CPUs (others shared the cores).
    pub fn busy(&self) -> bool {
        let one_minute = self
            .load
            .split_whitespace()
            .next()
            .and_then(|l| l.parse::<f64>().ok());
        // The benchmark itself keeps one CPU busy; more than that is other work.
        one_minute.is_some_and(|load| load > 1.5)
    }
}

/// `numerator / denominator` as `1.23x`, or a dash when either is missing.
fn ratio(numerator: Option<f64>, denominator: Option<f64>) -> String {
    match (numerator, denominator) {
        (Some(n), Some(d)) if d > 0.0 => format!("{:.2}x", n / d),
        _ => "–".to_owned(),
    }
}

/// The criterion id of the two-compression floor of `algorithm`.
fn floor_id(algorithm: Algorithm) -> String {
    format!("floor/two-compressions/{}", algorithm_label(algorithm))
}

/// Every TOTP figure with the codes one iteration computes at least, and the algorithm they use: no
/// code costs less than its two compressions, so no figure can be below that many floors.
fn code_costs() -> Vec<(String, f64, Algorithm)> {
    let mut costs = Vec::new();
    for algorithm in Algorithm::ALL {
        let label = algorithm_label(algorithm);
        for contender in GENERATE_CONTENDERS {
            for digits in DIGITS {
                costs.push((
                    format!("generate/{contender}/{label}-{digits}"),
                    1.0,
                    algorithm,
                ));
            }
        }
        for contender in ["hwoath", "totp-rs"] {
            for case in ["current", "wrong"] {
                costs.push((
                    format!("verify/{contender}/{label}-6/{case}"),
                    1.0,
                    algorithm,
                ));
            }
            let window = (2 * ACTIVATION_WINDOW_STEPS + 1) as f64;
            costs.push((
                format!("window-miss/{contender}/{label}-6"),
                window,
                algorithm,
            ));
        }
    }
    for contender in ["hwoath-keyed", "totp-rs"] {
        let id = format!("scan/{contender}/{SCAN_TOKENS}-tokens/SHA1-6");
        costs.push((id, SCAN_TOKENS as f64, Algorithm::Sha1));
    }
    costs
}

/// How far below its floor a figure may measure and still be published: the spread between two
/// criterion medians of one quiet run. SHA-512's keyed generator costs its two compressions and nothing
/// measurable besides (its few other instructions overlap the compressions' long dependency chain),
/// so it measures at its floor, on either side of it by that spread; a figure further below is
/// impossible.
const FLOOR_TOLERANCE: f64 = 0.02;

/// Refuses a run with a code cost below its floor (by more than [`FLOOR_TOLERANCE`]), naming every
/// such figure.
fn refuse_below_floor(medians: &Medians) -> Result<(), ReportError> {
    let impossible: Vec<String> = code_costs()
        .into_iter()
        .filter_map(|(id, codes, algorithm)| {
            let floor_id = floor_id(algorithm);
            let (measured, floor) = (medians.get(&id)?, medians.get(&floor_id)? * codes);
            (measured < floor * (1.0 - FLOOR_TOLERANCE)).then(|| {
                let times = if codes > 1.0 {
                    format!("{codes} x ")
                } else {
                    String::new()
                };
                format!(
                    "{id} measures {}, below its floor {} ({times}{floor_id})",
                    duration(Some(measured)),
                    duration(Some(floor))
                )
            })
        })
        .collect();
    if impossible.is_empty() {
        Ok(())
    } else {
        Err(ReportError::BelowFloor(impossible))
    }
}

/// A duration in nanoseconds, with a unit that keeps three significant digits.
fn duration(ns: Option<f64>) -> String {
    match ns {
        None => "–".to_owned(),
        Some(ns) if ns < 1_000.0 => format!("{ns:.1} ns"),
        Some(ns) if ns < 1_000_000.0 => format!("{:.2} µs", ns / 1_000.0),
        Some(ns) if ns < 1_000_000_000.0 => format!("{:.3} ms", ns / 1_000_000.0),
        Some(ns) => format!("{:.2} s", ns / 1_000_000_000.0),
    }
}

/// A count with thousands separators (`10,000`).
fn thousands(count: u64) -> String {
    let digits = count.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// A rate per second from a duration per item in nanoseconds, with thousands separators.
fn per_second(ns_per_item: Option<f64>) -> String {
    match ns_per_item {
        Some(ns) if ns > 0.0 => thousands((1e9 / ns).round() as u64),
        _ => "–".to_owned(),
    }
}

/// A target line: met, not met, or not measured.
fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "**met**",
        Some(false) => "**not met**",
        None => "not measured",
    }
}

fn algorithm_label(algorithm: Algorithm) -> &'static str {
    algorithm.uri_name()
}

/// The smallest inventory the mock is measured at.
fn smallest() -> u64 {
    SCALE_SIZES[0]
}

/// The largest inventory the mock is measured at.
fn largest() -> u64 {
    SCALE_SIZES[SCALE_SIZES.len() - 1]
}

/// An inventory size as `1k`, `10k`, `100k` (or the plain number below a thousand).
fn size_label(size: u64) -> String {
    if size >= 1_000 && size.is_multiple_of(1_000) {
        format!("{}k", size / 1_000)
    } else {
        size.to_string()
    }
}

/// The durable create target as written in its line (`2 ms`).
fn durable_target() -> String {
    format!("{} ms", DURABLE_CREATE_TARGET_NS / 1e6)
}

/// The mock's per-operation figures at scale (`benches/benches/mock_scale.rs`).
struct Scale<'a> {
    medians: &'a Medians,
}

impl<'a> Scale<'a> {
    fn new(medians: &'a Medians) -> Self {
        Self { medians }
    }

    /// The median of `operation` in `mode` at `size` tokens.
    fn get(&self, mode: &str, operation: &str, size: u64) -> Option<f64> {
        self.medians.get(&scale_id(mode, operation, size))
    }

    /// Every (mode, operation) with its cost at the largest size over its cost at the smallest, where
    /// both were measured.
    fn ratios(&self) -> Vec<(&'static str, &'static str, Option<f64>)> {
        let mut ratios = Vec::new();
        for mode in SCALE_MODES {
            for operation in SCALE_OPERATIONS {
                let large = self.get(mode, operation, largest());
                let small = self.get(mode, operation, smallest());
                let ratio = large
                    .zip(small)
                    .filter(|&(_, s)| s > 0.0)
                    .map(|(l, s)| l / s);
                ratios.push((mode, operation, ratio));
            }
        }
        ratios
    }

    /// Whether every operation at the largest size is within the target ratio of the smallest: not
    /// met as soon as one measured ratio exceeds it, met only when all of them were measured.
    fn ratios_met(&self) -> Option<bool> {
        let ratios = self.ratios();
        if ratios
            .iter()
            .any(|&(_, _, r)| r.is_some_and(|r| r > SCALE_RATIO_TARGET))
        {
            Some(false)
        } else if ratios.iter().all(|(_, _, r)| r.is_some()) {
            Some(true)
        } else {
            None
        }
    }

    /// The largest measured ratio and the (mode, operation) it belongs to (the first of equals).
    fn worst(&self) -> Option<(&'static str, &'static str, f64)> {
        self.ratios()
            .into_iter()
            .filter_map(|(mode, operation, r)| Some((mode, operation, r?)))
            .reduce(|worst, next| if next.2 > worst.2 { next } else { worst })
    }

    /// The largest measured ratio with where it is (`1.23x, durable delete`), or a dash.
    fn worst_label(&self) -> String {
        self.worst().map_or_else(
            || "–".to_owned(),
            |(mode, operation, r)| format!("{r:.2}x, {mode} {operation}"),
        )
    }

    /// A durable create's median at the largest size.
    fn durable_create(&self) -> Option<f64> {
        self.get("durable", "create", largest())
    }

    /// Whether a durable create at the largest size is under the target.
    fn durable_create_met(&self) -> Option<bool> {
        self.durable_create()
            .map(|ns| ns < DURABLE_CREATE_TARGET_NS)
    }

    /// The section: what is measured, one row per (mode, operation), and the two targets.
    fn render(&self, out: &mut String) {
        let sizes: Vec<String> = SCALE_SIZES.iter().map(|&s| size_label(s)).collect();
        let (small, large) = (size_label(smallest()), size_label(largest()));
        let _ = writeln!(out, "\n## Mock tenant at scale\n");
        let _ = writeln!(
            out,
            "`benches/benches/mock_scale.rs`: the cost of one operation as a client sees it, with {} \
             tokens already in the inventory (seeded from a fixture at start, so reaching a size \
             costs no requests). One keep-alive HTTP/1.1 connection, one request at a time, client \
             and server on one Tokio runtime with 2 worker threads; only the operation's own request \
             is timed. *get*: `GET` one seeded token, cycling through tokens spread over the \
             inventory. *create*: `POST` a new token (then deleted, untimed, so the size stays put). \
             *delete*: `DELETE` a token (created just before, untimed). *page*: `GET` one page of \
             the listing with `$top={SCALE_PAGE}`, cycling through pages spread over the inventory \
             (a listing that scanned would grow with the size). *memory*: the inventory in memory \
             only. *durable*: with the state database (SQLite in WAL mode with `synchronous = \
             FULL`, on this machine's disk), where every change is committed (group commit) before \
             it is answered: a write then also waits for its commit, whose cost the fsync \
             dominates; reads do not touch the database.\n",
            sizes.join(", ")
        );
        let _ = writeln!(
            out,
            "| mode / operation | {} | {large} ÷ {small} |",
            sizes.join(" | ")
        );
        let _ = writeln!(out, "|---|{}---:|", "---:|".repeat(SCALE_SIZES.len()));
        for mode in SCALE_MODES {
            for operation in SCALE_OPERATIONS {
                let cells: Vec<String> = SCALE_SIZES
                    .iter()
                    .map(|&size| duration(self.get(mode, operation, size)))
                    .collect();
                let _ = writeln!(
                    out,
                    "| {mode} {operation} | {} | {} |",
                    cells.join(" | "),
                    ratio(
                        self.get(mode, operation, largest()),
                        self.get(mode, operation, smallest())
                    )
                );
            }
        }
        let _ = writeln!(
            out,
            "\nTargets: every operation at {large} within {SCALE_RATIO_TARGET}x of {small}: {} \
             (largest ratio: {}); a durable create under {} at {large} tokens: {} ({}).",
            verdict(self.ratios_met()),
            self.worst_label(),
            durable_target(),
            verdict(self.durable_create_met()),
            duration(self.durable_create())
        );
    }
}

/// The CSV import's figures (`benches/benches/csv_import.rs`).
struct Import<'a> {
    medians: &'a Medians,
}

impl<'a> Import<'a> {
    fn new(medians: &'a Medians) -> Self {
        Self { medians }
    }

    /// The median of one pass of `variant` (one check, or one whole import) over `rows` rows.
    fn get(&self, variant: &str, rows: usize) -> Option<f64> {
        self.medians.get(&import_id(variant, rows))
    }

    /// The median of `variant` per row of a `rows`-row file.
    fn per_row(&self, variant: &str, rows: usize) -> Option<f64> {
        self.get(variant, rows).map(|ns| ns / rows as f64)
    }

    /// The section: what is measured, one row per (variant, file size), and how each grows.
    fn render(&self, out: &mut String) {
        let (small, large) = (IMPORT_SIZES[0], IMPORT_SIZES[IMPORT_SIZES.len() - 1]);
        let _ = writeln!(out, "\n## CSV import\n");
        let _ = writeln!(
            out,
            "`benches/benches/csv_import.rs`: a made-up vendor file in Entra's bulk-upload CSV format \
             (`upn,serial number,secret key,time interval,manufacturer,model`) of {} rows, the tokens \
             dealt to {} users (five each at {} rows), imported by `hwoath_onboard::import` into an \
             in-process mock tenant (inventory in memory, no state database) over loopback HTTP, \
             client and server on one Tokio runtime with 2 worker threads, with the importer's \
             default {IMPORT_JOBS} jobs (rows, or bulk bodies, in progress at once). Each iteration \
             imports the whole file into a tenant reset to no token (the reset untimed), and every \
             row must end assigned. Besides its variant's requests, an import lists the inventory \
             once and looks each UPN up once (`GET /users/{{upn}}`). *check*: the file check alone \
             (`hwoath_onboard::check` of the file's bytes: parsing and every rule, no \
             request; its *one import* is one check). *one-by-one*: 2 requests per row, a `POST` \
             creating the token and a `POST` assigning it to its user. *bulk-{IMPORT_BULK}*: one \
             `PATCH` bulk (`#$delta`) body per {IMPORT_BULK} rows, then one assigning `POST` per \
             row. *-journal*: with the import's journal on this machine's disk (not a tmpfs), \
             written by one writer thread that commits together the entries queued during its \
             previous fsync (group commit). A create waits until its intent is on disk; the \
             outcomes after it (created, assigned) are queued and synced with a later batch, since \
             a rerun can read them from the target too. One by one, that is one fsync wait per \
             row; in bulk, one per body.\n",
            IMPORT_SIZES
                .iter()
                .map(|&rows| thousands(rows as u64))
                .collect::<Vec<_>>()
                .join(" and "),
            thousands(IMPORT_USERS as u64),
            thousands(large as u64)
        );
        let _ = writeln!(out, "| variant | rows | one import | rows per second |");
        let _ = writeln!(out, "|---|---:|---:|---:|");
        for variant in IMPORT_VARIANTS {
            for rows in IMPORT_SIZES {
                let _ = writeln!(
                    out,
                    "| {variant} | {} | {} | {} |",
                    thousands(rows as u64),
                    duration(self.get(variant, rows)),
                    per_second(self.per_row(variant, rows))
                );
            }
        }
        let growth: Vec<String> = IMPORT_VARIANTS
            .iter()
            .map(|variant| {
                format!(
                    "{variant} {}",
                    ratio(self.per_row(variant, large), self.per_row(variant, small))
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "\nTime per row at {} rows over time per row at {} (1.00x: linear in the file's \
             size): {}.",
            thousands(large as u64),
            thousands(small as u64),
            growth.join(", ")
        );
    }
}

/// The contenders of the generate benchmark, as criterion names them.
const GENERATE_CONTENDERS: [&str; 5] = [
    "hwoath-keyed",
    "hmac-clone",
    "hwoath-from-secret",
    "totp-rs",
    "totp-lite",
];

/// The whole of `reports/bench.md`, or an error naming the figures that make the run impossible.
pub fn render(medians: &Medians, machine: &Machine) -> Result<String, ReportError> {
    refuse_below_floor(medians)?;
    let m = |id: String| medians.get(&id);
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Criterion medians, every contender measured in the same run on the same machine with the same \
         key bytes (the RFC 6238 Appendix B seeds), time (T = 1111111109), period (30 s) and digits; each \
         peer's output is checked equal to hwoath's before anything is timed. Reproduce with:\n"
    );
    let _ = writeln!(out, "```sh\nbenches/report.sh\n```\n");
    let _ = writeln!(
        out,
        "(It runs `cargo bench -p hwoath-benches` and renders this file from `target/criterion`.)\n"
    );

    let _ = writeln!(out, "## Machine\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| CPU | {} ({} logical CPUs) |",
        machine.cpu, machine.cores
    );
    let sha = if machine.sha_extensions {
        "present (`sha_ni`, with SSE2/SSSE3/SSE4.1) and used: the `sha1`/`sha2` crates detect them at \
         run time (cpufeatures) and take their SHA-NI backend for SHA-1 and SHA-256, for hwoath, \
         totp-rs, totp-lite and the floor alike"
    } else {
        "absent: SHA-1 and SHA-256 run in software for every contender"
    };
    let _ = writeln!(out, "| SHA extensions | {sha} |");
    let sha512 = if machine.avx2 {
        "no x86 SHA-512 instructions are used; the `sha2` crate takes its AVX2 backend"
    } else {
        "software"
    };
    let _ = writeln!(out, "| SHA-512 | {sha512} |");
    let _ = writeln!(out, "| rustc | {} |", machine.rustc);
    let _ = writeln!(out, "| load average when rendered | {} |\n", machine.load);
    if machine.busy() {
        let _ = writeln!(
            out,
            "**The machine was busy during this run** (load average {} on {} logical CPUs): other \
             work shared the cores, so every absolute figure below is slower than on an idle machine \
             (up to 2x when the other logical CPU of a core is busy). Ratios between contenders of \
             this run still compare like with like.\n",
            machine.load, machine.cores
        );
    }

    let _ = writeln!(out, "## Generate one code\n");
    let _ = writeln!(
        out,
        "*keyed*: the generator is built once (pad states precomputed), each iteration computes one code. \
         *hmac-clone*: RustCrypto's `Hmac<D>` keyed once, then per code cloned, fed the counter and \
         finalized, then truncated (what the keyed generator would be on `hmac`'s core). *from \
         secret*: each iteration builds `Totp::new(&secret, ..)` and computes one code. totp-rs \
         (`Totp::generate`) and totp-lite (`totp_custom`, which returns a `String`) key HMAC from the \
         secret on every call. *floor*: the raw compression function called twice, the second fed by \
         the first, each block built from words in one pass (the least one code can cost with \
         precomputed pads).\n"
    );
    let _ = writeln!(
        out,
        "| algorithm-digits | hwoath keyed | hmac-clone | hwoath from secret | totp-rs | totp-lite | floor | keyed / floor | hmac-clone / keyed | totp-rs / keyed | totp-lite / keyed |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for algorithm in Algorithm::ALL {
        let floor = m(floor_id(algorithm));
        for digits in DIGITS {
            let id = format!("{}-{digits}", algorithm_label(algorithm));
            let keyed = m(format!("generate/hwoath-keyed/{id}"));
            let cloned = m(format!("generate/hmac-clone/{id}"));
            let peer = m(format!("generate/totp-rs/{id}"));
            let lite = m(format!("generate/totp-lite/{id}"));
            let _ = writeln!(
                out,
                "| {id} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                duration(keyed),
                duration(cloned),
                duration(m(format!("generate/hwoath-from-secret/{id}"))),
                duration(peer),
                duration(lite),
                duration(floor),
                ratio(keyed, floor),
                ratio(cloned, keyed),
                ratio(peer, keyed),
                ratio(lite, keyed),
            );
        }
    }

    let _ = writeln!(out, "\n## Verify with a window of ±1 step\n");
    let _ = writeln!(
        out,
        "hwoath `Verifier::check` (tries the nearest steps first, each compared in constant time; a wrong \
         code costs the whole window) against \
         totp-rs `check` with skew 1 (stops at the first match). *current*: the code of the current \
         step; *wrong*: a code no step of the window has.\n"
    );
    let _ = writeln!(
        out,
        "| algorithm-digits / code | hwoath | totp-rs | totp-rs / hwoath |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for algorithm in Algorithm::ALL {
        for case in ["current", "wrong"] {
            let id = format!("{}-6/{case}", algorithm_label(algorithm));
            let ours = m(format!("verify/hwoath/{id}"));
            let peer = m(format!("verify/totp-rs/{id}"));
            let _ = writeln!(
                out,
                "| {id} | {} | {} | {} |",
                duration(ours),
                duration(peer),
                ratio(peer, ours)
            );
        }
    }

    let window_codes = 2 * ACTIVATION_WINDOW_STEPS + 1;
    let _ = writeln!(out, "\n## Activation: one miss over the whole window\n");
    let _ = writeln!(
        out,
        "Entra accepts an activation code within ±1 day of 30 s steps (±2 days of 60 s steps): \
         ±{ACTIVATION_WINDOW_STEPS} steps, so a wrong code is compared with all {window_codes} codes of the \
         window. hwoath `Verifier::check` with a window of {ACTIVATION_WINDOW_STEPS} (the keyed \
         generator, no allocation) against totp-rs `check` with skew {ACTIVATION_WINDOW_STEPS}. *floor*: \
         {window_codes} times the two-compression floor above.\n"
    );
    let _ = writeln!(
        out,
        "| algorithm-digits | hwoath | totp-rs | floor x {window_codes} | hwoath / floor | totp-rs / hwoath | under 1 ms |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---|");
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256] {
        let id = format!("{}-6", algorithm_label(algorithm));
        let ours = m(format!("window-miss/hwoath/{id}"));
        let peer = m(format!("window-miss/totp-rs/{id}"));
        let floor = m(floor_id(algorithm)).map(|ns| ns * window_codes as f64);
        let _ = writeln!(
            out,
            "| {id} | {} | {} | {} | {} | {} | {} |",
            duration(ours),
            duration(peer),
            duration(floor),
            ratio(ours, floor),
            ratio(peer, ours),
            verdict(ours.map(|ns| ns < 1_000_000.0)),
        );
    }

    let _ = writeln!(out, "\n## Server-side scan\n");
    let _ = writeln!(
        out,
        "One submitted code checked against {SCAN_TOKENS} keyed SHA-1 tokens (6 digits, distinct keys) on \
         one thread: which tokens have this code now?\n"
    );
    let _ = writeln!(out, "| contender | one scan | codes per second per core |");
    let _ = writeln!(out, "|---|---:|---:|");
    for contender in ["hwoath-keyed", "totp-rs"] {
        let scan = m(format!("scan/{contender}/{SCAN_TOKENS}-tokens/SHA1-6"));
        let _ = writeln!(
            out,
            "| {contender} | {} | {} |",
            duration(scan),
            per_second(scan.map(|ns| ns / SCAN_TOKENS as f64))
        );
    }

    let _ = writeln!(out, "\n## Mock tenant over loopback\n");
    let _ = writeln!(
        out,
        "hyper HTTP/1.1 client, {MOCK_CONNECTIONS} keep-alive connections each with one request in \
         flight, client and server on one Tokio runtime with 2 worker threads, so they share this \
         machine's cores. The inventory holds {MOCK_INVENTORY} created tokens when each measurement \
         starts; GET reads the last one, POST creates new ones (each sample starts again from \
         {MOCK_INVENTORY}). Latency under load is the connections divided by the rate (Little's law).\n"
    );
    let get = m("mock/get-device".to_owned());
    let post = m("mock/create-device".to_owned());
    let _ = writeln!(
        out,
        "| request | latency under load | requests per second |"
    );
    let _ = writeln!(out, "|---|---:|---:|");
    let _ = writeln!(
        out,
        "| GET device | {} | {} |",
        duration(get.map(|ns| ns * MOCK_CONNECTIONS as f64)),
        per_second(get)
    );
    let _ = writeln!(
        out,
        "| POST create | {} | {} |",
        duration(post.map(|ns| ns * MOCK_CONNECTIONS as f64)),
        per_second(post)
    );

    let scale = Scale::new(medians);
    scale.render(&mut out);

    let _ = writeln!(
        out,
        "\n## Conformance suite: generated property cases per second\n"
    );
    let _ = writeln!(
        out,
        "`benches/benches/suite_properties.rs`: each iteration is one whole `hwoath_suite::run` of \
         property cases against the embedded mock (generate, send with the client's default \
         concurrency, check, clean up); the rate counts generated bodies. `create`: the create \
         cases; `all_kinds`: every property case.\n"
    );
    let _ = writeln!(
        out,
        "| selection | bodies per run | one run | cases per second |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for selection in ["create", "all_kinds"] {
        let id = format!("suite_properties/{selection}");
        let run = medians.get(&id);
        let bodies = medians.elements(&id);
        let _ = writeln!(
            out,
            "| {selection} | {} | {} | {} |",
            bodies.map_or_else(|| "–".to_owned(), |b| b.to_string()),
            duration(run),
            per_second(run.zip(bodies).map(|(ns, b)| ns / b as f64))
        );
    }

    let _ = writeln!(
        out,
        "\n## Conformance suite: the whole non-property catalog\n\n\
         `benches/benches/suite_catalog.rs`: one `hwoath_suite::run` of the groups rfc, docs, \
         validation, lifecycle, authz and odata against the embedded mock (every case over loopback \
         HTTP, checked, cleaned up; every case must pass).\n"
    );
    let catalog = medians.get("suite_catalog/non_property_catalog");
    let _ = writeln!(out, "| run | wall time |\n|---|---:|");
    let _ = writeln!(out, "| non-property catalog | {} |", duration(catalog));

    Import::new(medians).render(&mut out);

    let _ = writeln!(out, "\n## Targets\n");
    let sha1_keyed = m("generate/hwoath-keyed/SHA1-6".to_owned());
    let sha1_floor = m(floor_id(Algorithm::Sha1));
    let sha1_peer = m("generate/totp-rs/SHA1-6".to_owned());
    let check_ours = m("verify/hwoath/SHA1-6/current".to_owned());
    let check_peer = m("verify/totp-rs/SHA1-6/current".to_owned());
    let both = |a: Option<f64>, b: Option<f64>, test: fn(f64, f64) -> bool| {
        a.zip(b).map(|(a, b)| test(a, b))
    };
    let _ = writeln!(out, "| target | measured (SHA1-6) | |\n|---|---:|---|");
    let _ = writeln!(
        out,
        "| keyed SHA-1 generate within 1.25x of the two-compression floor | {} | {} |",
        ratio(sha1_keyed, sha1_floor),
        verdict(both(sha1_keyed, sha1_floor, |k, f| k <= 1.25 * f))
    );
    // A speed-up of `factor` over a peer is out of reach when the peer itself takes less than
    // `factor` times the floor: no HMAC-computing code can go below the floor.
    let reach = |peer: Option<f64>, ours: Option<f64>, factor: f64| {
        let met = peer.zip(ours).map(|(p, k)| p >= factor * k);
        match (met, peer.zip(sha1_floor)) {
            (Some(false), Some((p, f))) if p < factor * f => format!(
                "**not met**: out of reach here, totp-rs takes {} and {factor}x the floor is {}",
                duration(Some(p)),
                duration(Some(factor * f))
            ),
            _ => verdict(met).to_owned(),
        }
    };
    let _ = writeln!(
        out,
        "| at least 2x faster than totp-rs generate | {} | {} |",
        ratio(sha1_peer, sha1_keyed),
        reach(sha1_peer, sha1_keyed, 2.0)
    );
    let _ = writeln!(
        out,
        "| at least 4x faster than totp-rs check (±1, current code) | {} | {} |",
        ratio(check_peer, check_ours),
        reach(check_peer, check_ours, 4.0)
    );
    let window_sha1 = m("window-miss/hwoath/SHA1-6".to_owned());
    let _ = writeln!(
        out,
        "| one wrong activation code over the ±{ACTIVATION_WINDOW_STEPS}-step window under 1 ms | {} | {} |",
        duration(window_sha1),
        verdict(window_sha1.map(|ns| ns < 1_000_000.0))
    );
    let _ = writeln!(
        out,
        "| zero heap allocations per code | 0 | **met** (`harness/otp/tests/no_allocation.rs`, counting allocator) |"
    );
    let _ = writeln!(
        out,
        "| mock: at least 20,000 GET/s | {} | {} |",
        per_second(get),
        verdict(get.map(|ns| 1e9 / ns >= 20_000.0))
    );
    let _ = writeln!(
        out,
        "| mock: every operation at {} within {SCALE_RATIO_TARGET}x of {} | {} | {} |",
        size_label(largest()),
        size_label(smallest()),
        scale.worst_label(),
        verdict(scale.ratios_met())
    );
    let _ = writeln!(
        out,
        "| mock: a durable create under {} at {} tokens | {} | {} |",
        durable_target(),
        size_label(largest()),
        duration(scale.durable_create()),
        verdict(scale.durable_create_met())
    );
    let _ = writeln!(
        out,
        "| suite: the whole non-property catalog under 2 s | {} | {} |",
        duration(catalog),
        verdict(catalog.map(|ns| ns < 2e9))
    );
    let create_id = "suite_properties/create";
    let create_rate = medians
        .get(create_id)
        .zip(medians.elements(create_id))
        .map(|(ns, bodies)| ns / bodies as f64);
    let _ = writeln!(
        out,
        "| suite: at least 5,000 generated create cases/s | {} | {} |",
        per_second(create_rate),
        verdict(create_rate.map(|ns| 1e9 / ns >= 5_000.0))
    );
    out.push_str(READING);
    Ok(out)
}

/// What bounds the ratios and the mock's rate: structural facts, true whatever the run measured.
const READING: &str = r#"
## Reading the figures

* **Compressions per code bound the ratios to totp-rs.** totp-rs keys HMAC from the secret on every
  call: 4 compressions per code (ipad, opad, inner, outer). hwoath's keyed generator does 2. With the
  compression dominating, `totp-rs / keyed` tends to 2x and passes it only by what totp-rs spends
  beyond its compressions. Keyed hwoath runs close to the floor (the `keyed / floor` column), so
  little is left to remove on our side.
* **Checking a code** tries the steps of the window nearest to now first (`t, t-1, t+1`), each
  compared in constant time, and returns at the first unused match: the current step's code costs 2
  compressions, a wrong code always costs the whole window (6 for ±1), so its timing says nothing about
  how close it came. totp-rs `check` starts at `t-1` and keys HMAC from the secret for every step: 8
  compressions for the current code, 12 for a wrong one. The structural ratios are therefore 4x for
  the current code and 2x for a wrong one, plus what totp-rs spends beyond its compressions.
* **From a secret** hwoath does the same 4 compressions as totp-rs and also zeroizes the padded key,
  the pads and the states it derived from the secret; totp-rs as built here (its `zeroize` feature off)
  does not.
* **The floor** is two SHA compressions, the second fed by the first, through the same `sha1`/`sha2`
  block functions every contender ends in, each block built from words in one pass as the keyed
  generator builds it. This machine's 2 logical CPUs may share one physical core: when the other one
  is busy, every figure here slows by up to 2x (the SHA units are shared), so compare figures of one
  run only. SHA-512's keyed generator costs its two compressions and nothing measurable besides (its
  other instructions overlap the compressions' long dependency chain), so it measures at the floor,
  a little above or below it by the spread between two benches of one run (interleaved on an idle
  core, keyed and floor both take 263 ns). No code costs less than its floor: `bench-report` refuses
  a run with any figure more than 2% below it, and such a run is never published.
* **hmac-clone** clones a pre-keyed RustCrypto `Hmac<D>` per code: the same two compressions, plus
  copying the whole HMAC state (both hash states and the block buffer) and the generic
  buffer-and-pad `finalize`; the `hmac-clone / keyed` column is what building the keyed generator on
  `hmac`'s core would cost (`harness/otp/src/keyed.rs` says why it is not).
* **The activation window** (±2880 steps) is the same keyed generator run 5761 times with a
  constant-time comparison per step: its cost is 5761 codes, close to 5761 times the floor.
* **The mock** (`perf record -g` on the `mock_http` bench): client and server share the 2 logical
  CPUs, so the server's own ceiling is higher than the rate shown. Per request the time goes to the
  kernel's loopback TCP, allocation (each answer is built as a `serde_json::Value`), verifying the
  HS256 bearer token (base64, HMAC-SHA-256, JSON claims) and a random request id. That profile
  predates the inventory's indexes, when lookups by id and the serial-number check on create also
  walked every token; they are now hash lookups, and "Mock tenant at scale" measures how each
  operation's cost moves with the inventory's size.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> Machine {
        Machine {
            cpu: "Test CPU".into(),
            cores: 2,
            sha_extensions: true,
            avx2: true,
            rustc: "rustc 1.95.0".into(),
            load: "0.10 0.20 0.30".into(),
        }
    }

    #[test]
    fn ratios_and_verdicts_follow_the_medians() {
        let medians = Medians::new([
            ("generate/hwoath-keyed/SHA1-6".to_owned(), 100.0),
            ("generate/hmac-clone/SHA1-6".to_owned(), 120.0),
            ("floor/two-compressions/SHA1".to_owned(), 90.0),
            ("generate/totp-rs/SHA1-6".to_owned(), 250.0),
            ("verify/hwoath/SHA1-6/current".to_owned(), 300.0),
            ("verify/totp-rs/SHA1-6/current".to_owned(), 450.0),
            ("mock/get-device".to_owned(), 40_000.0),
            ("suite_properties/create".to_owned(), 1e9),
            ("window-miss/hwoath/SHA1-6".to_owned(), 576_100.0),
            ("window-miss/totp-rs/SHA1-6".to_owned(), 1_152_200.0),
        ])
        .with_elements("suite_properties/create", 4_096);
        let text = render(&medians, &machine()).unwrap();
        assert!(text.contains(
            "| SHA1-6 | 100.0 ns | 120.0 ns | – | 250.0 ns | – | 90.0 ns | 1.11x | 1.20x | 2.50x | – |"
        ));
        assert!(text.contains(
            "| keyed SHA-1 generate within 1.25x of the two-compression floor | 1.11x | **met** |"
        ));
        assert!(text.contains("| at least 2x faster than totp-rs generate | 2.50x | **met** |"));
        assert!(text.contains(
            "| at least 4x faster than totp-rs check (±1, current code) | 1.50x | **not met** |"
        ));
        assert!(text.contains("| mock: at least 20,000 GET/s | 25,000 | **met** |"));
        assert!(text.contains("| GET device | 1.280 ms | 25,000 |"));
        assert!(
            text.contains(
                "| SHA1-6 | 576.10 µs | 1.152 ms | 518.49 µs | 1.11x | 2.00x | **met** |"
            )
        );
        assert!(text.contains(
            "| one wrong activation code over the ±2880-step window under 1 ms | 576.10 µs | **met** |"
        ));
        assert!(text.contains("| create | 4096 | 1.00 s | 4,096 |"));
        assert!(
            text.contains(
                "| suite: at least 5,000 generated create cases/s | 4,096 | **not met** |"
            )
        );
    }

    #[test]
    fn a_run_with_a_figure_below_its_floor_is_refused() {
        let medians = Medians::new([
            ("generate/hwoath-keyed/SHA512-6".to_owned(), 500.0),
            ("generate/totp-rs/SHA512-6".to_owned(), 900.0),
            ("floor/two-compressions/SHA512".to_owned(), 600.0),
        ]);
        let error = render(&medians, &machine()).unwrap_err();
        assert!(matches!(&error, ReportError::BelowFloor(figures) if figures.len() == 1));
        assert_eq!(
            error.to_string(),
            "impossible run, not published (rerun the benches on a quiet machine): \
             generate/hwoath-keyed/SHA512-6 measures 500.0 ns, below its floor 600.0 ns \
             (floor/two-compressions/SHA512)"
        );
    }

    #[test]
    fn a_figure_at_its_floor_within_the_spread_of_a_run_is_published() {
        let medians = Medians::new([
            ("generate/hwoath-keyed/SHA512-6".to_owned(), 99.0),
            ("floor/two-compressions/SHA512".to_owned(), 100.0),
        ]);
        let text = render(&medians, &machine()).unwrap();
        assert!(
            text.contains("| SHA512-6 | 99.0 ns | – | – | – | – | 100.0 ns | 0.99x | – | – | – |"),
            "{text}"
        );
    }

    #[test]
    fn the_reading_states_the_floor_tolerance() {
        let percent = format!("more than {}% below it", FLOOR_TOLERANCE * 100.0);
        assert!(READING.contains(&percent), "{percent}");
    }

    #[test]
    fn a_window_or_scan_below_its_floors_is_refused_too() {
        let medians = Medians::new([
            ("floor/two-compressions/SHA1".to_owned(), 100.0),
            ("window-miss/hwoath/SHA1-6".to_owned(), 560_000.0),
            (
                format!("scan/totp-rs/{SCAN_TOKENS}-tokens/SHA1-6"),
                970_000.0,
            ),
            ("verify/hwoath/SHA1-6/wrong".to_owned(), 98.5),
        ]);
        let ReportError::BelowFloor(figures) = render(&medians, &machine()).unwrap_err() else {
            panic!("not a floor error");
        };
        assert_eq!(
            figures,
            [
                "window-miss/hwoath/SHA1-6 measures 560.00 µs, below its floor 576.10 µs \
                 (5761 x floor/two-compressions/SHA1)",
                "scan/totp-rs/10000-tokens/SHA1-6 measures 970.00 µs, below its floor 1.000 ms \
                 (10000 x floor/two-compressions/SHA1)",
            ]
        );
    }

    #[test]
    fn missing_figures_are_dashes_not_guesses() {
        let text = render(&Medians::default(), &machine()).unwrap();
        assert!(text.contains("| SHA256-8 | – | – | – | – | – | – | – | – | – | – |"));
        assert!(text.contains("| mock: at least 20,000 GET/s | – | not measured |"));
        assert!(text.contains("| durable create | – | – | – | – |"));
        assert!(
            text.contains("| mock: every operation at 100k within 1.5x of 1k | – | not measured |")
        );
        assert!(
            text.contains(
                "| mock: a durable create under 2 ms at 100k tokens | – | not measured |"
            )
        );
        assert!(text.contains(
            "Targets: every operation at 100k within 1.5x of 1k: not measured (largest ratio: –); \
             a durable create under 2 ms at 100k tokens: not measured (–)."
        ));
        assert!(text.contains("| one-by-one-journal | 10,000 | – | – |"));
        assert!(text.contains("| check | 1,000 | – | – |"));
        assert!(text.contains(
            "(1.00x: linear in the file's size): check –, one-by-one –, one-by-one-journal –, \
             bulk-100 –, bulk-100-journal –."
        ));
    }

    #[test]
    fn import_rates_count_the_files_rows() {
        let medians = Medians::new([
            (import_id("check", 1_000), 2_000_000.0),
            (import_id("check", 10_000), 200_000_000.0),
            (import_id("one-by-one", 1_000), 125_000_000.0),
            (import_id("one-by-one", 10_000), 1_250_000_000.0),
            (import_id("bulk-100-journal", 10_000), 1_600_000_000.0),
        ]);
        let text = render(&medians, &machine()).unwrap();
        let at = |heading: &str| text.find(heading).unwrap();
        assert!(at("## Conformance suite: the whole non-property catalog") < at("## CSV import"));
        assert!(at("## CSV import") < at("## Targets"));
        assert!(text.contains(
            "| variant | rows | one import | rows per second |\n|---|---:|---:|---:|\n\
             | check | 1,000 | 2.000 ms | 500,000 |\n\
             | check | 10,000 | 200.000 ms | 50,000 |\n\
             | one-by-one | 1,000 | 125.000 ms | 8,000 |\n\
             | one-by-one | 10,000 | 1.25 s | 8,000 |\n"
        ));
        assert!(text.contains("| bulk-100-journal | 1,000 | – | – |"));
        assert!(text.contains("| bulk-100-journal | 10,000 | 1.60 s | 6,250 |"));
        assert!(text.contains(
            "over time per row at 1,000 (1.00x: linear in the file's size): check 10.00x, \
             one-by-one 1.00x, one-by-one-journal –, bulk-100 –, bulk-100-journal –."
        ));
        // No target is set for the import's speed: it has no line in the targets table.
        let targets = &text[at("## Targets")..at("## Reading the figures")];
        assert!(!targets.contains("import"), "{targets}");
    }

    /// Medians of every `mock_scale` benchmark, `cost(mode, operation, size)` each.
    fn scale_medians(cost: impl Fn(&str, &str, u64) -> f64) -> Medians {
        let mut pairs = Vec::new();
        for mode in SCALE_MODES {
            for operation in SCALE_OPERATIONS {
                for size in SCALE_SIZES {
                    pairs.push((scale_id(mode, operation, size), cost(mode, operation, size)));
                }
            }
        }
        Medians::new(pairs)
    }

    #[test]
    fn scale_ratios_and_verdicts_follow_the_medians() {
        // Flat everywhere except the memory page, which costs 1.2x at 100k.
        let medians = scale_medians(|mode, operation, size| {
            let base = match (mode, operation) {
                ("durable", "create" | "delete") => 1_500_000.0,
                (_, "page") => 300_000.0,
                _ => 50_000.0,
            };
            if (mode, operation, size) == ("memory", "page", 100_000) {
                base * 1.2
            } else {
                base
            }
        });
        let text = render(&medians, &machine()).unwrap();
        let at = |heading: &str| text.find(heading).unwrap();
        assert!(at("## Mock tenant over loopback") < at("## Mock tenant at scale"));
        assert!(at("## Mock tenant at scale") < at("## Conformance suite: generated"));
        assert!(text.contains(
            "| mode / operation | 1k | 10k | 100k | 100k ÷ 1k |\n|---|---:|---:|---:|---:|"
        ));
        assert!(text.contains("| memory get | 50.00 µs | 50.00 µs | 50.00 µs | 1.00x |"));
        assert!(text.contains("| memory page | 300.00 µs | 300.00 µs | 360.00 µs | 1.20x |"));
        assert!(text.contains("| durable create | 1.500 ms | 1.500 ms | 1.500 ms | 1.00x |"));
        assert!(text.contains(
            "| mock: every operation at 100k within 1.5x of 1k | 1.20x, memory page | **met** |"
        ));
        assert!(
            text.contains(
                "| mock: a durable create under 2 ms at 100k tokens | 1.500 ms | **met** |"
            )
        );
        assert!(text.contains(
            "Targets: every operation at 100k within 1.5x of 1k: **met** (largest ratio: 1.20x, \
             memory page); a durable create under 2 ms at 100k tokens: **met** (1.500 ms)."
        ));
    }

    #[test]
    fn an_operation_that_grows_with_the_inventory_misses_the_scale_target() {
        // Only three figures: one measured ratio over 1.5x is enough to miss the target.
        let medians = Medians::new([
            (scale_id("durable", "delete", 1_000), 400_000.0),
            (scale_id("durable", "delete", 100_000), 1_200_000.0),
            (scale_id("durable", "create", 100_000), 2_500_000.0),
        ]);
        let text = render(&medians, &machine()).unwrap();
        assert!(text.contains("| durable delete | 400.00 µs | – | 1.200 ms | 3.00x |"));
        assert!(text.contains("| durable create | – | – | 2.500 ms | – |"));
        assert!(text.contains(
            "| mock: every operation at 100k within 1.5x of 1k | 3.00x, durable delete | **not met** |"
        ));
        assert!(text.contains(
            "| mock: a durable create under 2 ms at 100k tokens | 2.500 ms | **not met** |"
        ));
    }

    #[test]
    fn the_scale_target_is_met_only_when_every_ratio_is_measured() {
        let mut all = scale_medians(|_, _, _| 100_000.0);
        assert_eq!(Scale::new(&all).ratios_met(), Some(true));
        all.0.remove(&scale_id("durable", "page", 100_000));
        assert_eq!(Scale::new(&all).ratios_met(), None);
        let text = render(&all, &machine()).unwrap();
        assert!(text.contains("| durable page | 100.00 µs | 100.00 µs | – | – |"));
        assert!(text.contains(
            "| mock: every operation at 100k within 1.5x of 1k | 1.00x, memory get | not measured |"
        ));
    }

    #[test]
    fn a_busy_machine_is_said_to_be_busy() {
        let quiet = machine();
        assert!(!quiet.busy());
        assert!(
            !render(&Medians::default(), &quiet)
                .unwrap()
                .contains("machine was busy")
        );
        let busy = Machine {
            load: "3.50 2.00 1.00".into(),
            ..machine()
        };
        assert!(busy.busy());
        assert!(
            render(&Medians::default(), &busy)
                .unwrap()
                .contains("machine was busy")
        );
    }

    #[test]
    fn rates_are_grouped_by_thousands() {
        assert_eq!(per_second(Some(1.0)), "1,000,000,000");
        assert_eq!(per_second(Some(1e6)), "1,000");
        assert_eq!(per_second(Some(1e7)), "100");
        assert_eq!(per_second(None), "–");
    }

    #[test]
    fn loads_criterion_result_directories() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("generate/hwoath-keyed/SHA1-6/new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"generate","full_id":"generate/hwoath-keyed/SHA1-6"}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            r#"{"median":{"point_estimate":123.5}}"#,
        )
        .unwrap();
        let base = dir.path().join("generate/hwoath-keyed/SHA1-6/base");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::write(base.join("benchmark.json"), r#"{"full_id":"stale"}"#).unwrap();
        let medians = Medians::load(dir.path()).unwrap();
        assert_eq!(medians.get("generate/hwoath-keyed/SHA1-6"), Some(123.5));
        assert_eq!(medians.get("stale"), None);
    }

    #[test]
    fn a_result_without_a_median_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("x/new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(new.join("benchmark.json"), r#"{"full_id":"x"}"#).unwrap();
        std::fs::write(new.join("estimates.json"), r#"{"mean":{}}"#).unwrap();
        assert!(matches!(
            Medians::load(dir.path()),
            Err(ReportError::Format { .. })
        ));
    }
}
