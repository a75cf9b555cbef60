//! `hwoath csv convert FILE --to bulk|requests`: the file's tokens as Graph requests, in JSON.
//!
//! The output holds the secret keys, so it never goes to a terminal unless asked for with `--out -`,
//! and `--out FILE` writes a new file readable by its owner only, whole or not at all.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use hwoath_onboard::{Checked, DEFAULT_CHUNK, MAX_CHUNK, Output};
use zeroize::Zeroizing;

use crate::EXIT_USAGE;

/// Arguments of `hwoath csv convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The file to convert, in Entra's bulk-upload CSV format.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// `bulk`: one PATCH delta body per `--chunk` tokens; `requests`: one POST create body per token.
    /// Both as Graph JSON-batch request objects, `{"requests": [...]}`.
    #[arg(long, value_enum)]
    to: To,
    /// Tokens per bulk body, 1 to 1000.
    #[arg(long, default_value_t = DEFAULT_CHUNK, value_parser = chunk_size)]
    chunk: usize,
    /// Write to this new file (mode 0600), or `-` for standard output even when it is a terminal.
    /// Without it the JSON goes to standard output, unless that is a terminal (it holds secrets).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace an existing `--out` file.
    #[arg(long)]
    force: bool,
    /// Convert the valid rows of a file that has errors, leaving the bad lines out.
    #[arg(long)]
    skip_invalid: bool,
}

/// What to convert to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum To {
    /// `PATCH` bulk delta bodies on the collection, `--chunk` tokens each.
    Bulk,
    /// One `POST` create body per token.
    Requests,
}

/// Where the JSON goes.
enum Destination {
    Stdout,
    File(PathBuf),
}

fn chunk_size(text: &str) -> Result<usize, String> {
    let chunk: usize = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (1..=MAX_CHUNK).contains(&chunk) {
        Ok(chunk)
    } else {
        Err(format!("the chunk size must be 1 to {MAX_CHUNK}"))
    }
}

/// Runs `hwoath csv convert`: exit 0 written, 1 the file has errors (nothing written), 2 the file
/// cannot be read or the output cannot go where asked.
pub fn run(args: ConvertArgs) -> Result<ExitCode> {
    let Some(destination) = destination(&args) else {
        return Ok(ExitCode::from(EXIT_USAGE));
    };
    let name = args.file.display().to_string();
    let bytes = match std::fs::read(&args.file) {
        Ok(bytes) => Zeroizing::new(bytes),
        Err(error) => {
            eprintln!("error: cannot read {name}: {error}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let checked = hwoath_onboard::check(&bytes);
    drop(bytes);
    if !checked.findings.is_empty() {
        eprintln!("{}", checked.render(&name));
    }
    if checked.has_errors() && !args.skip_invalid {
        eprintln!(
            "error: nothing written: {name} has errors; fix them, or convert only its {} valid \
             row{} with --skip-invalid",
            checked.rows.len(),
            if checked.rows.len() == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(1));
    }
    let output = match args.to {
        To::Bulk => Output::Bulk,
        To::Requests => Output::Requests,
    };
    let json = Zeroizing::new(hwoath_onboard::convert(&checked.rows, output, args.chunk)?);
    match &destination {
        Destination::Stdout => crate::say!("{}", json.as_str()),
        Destination::File(path) => write_private(path, &json, args.force)?,
    }
    eprintln!("{}", done(&checked, args.to, args.chunk, &destination));
    Ok(ExitCode::SUCCESS)
}

/// Where to write, or `None` (after saying why) when the output must not go there.
fn destination(args: &ConvertArgs) -> Option<Destination> {
    match &args.out {
        Some(path) if path.as_os_str() == "-" => Some(Destination::Stdout),
        Some(path) if path.exists() && !args.force => {
            eprintln!(
                "error: {} already exists; choose a new file, or add --force to replace it",
                path.display()
            );
            None
        }
        Some(path) => Some(Destination::File(path.clone())),
        None if std::io::stdout().is_terminal() => {
            eprintln!(
                "error: the output holds the tokens' secret keys, so it is not printed to a \
                 terminal: use --out FILE or a pipe (`| ...`), or --out - to print it anyway"
            );
            None
        }
        None => Some(Destination::Stdout),
    }
}

/// Writes `text` to `path` through a temporary file in the same folder (mode 0600 on Unix) renamed
/// into place, so a failed write never leaves a partial file; without `force`, never replaces one.
fn write_private(path: &Path, text: &str, force: bool) -> Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".hwoath-convert-").suffix(".tmp");
    #[cfg(unix)]
    builder
        .permissions(<std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600));
    let mut file = builder
        .tempfile_in(folder)
        .with_context(|| format!("cannot create a file in {}", folder.display()))?;
    let shown = path.display();
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("cannot write {shown} (nothing was written)"))?;
    let placed = if force {
        file.persist(path)
    } else {
        file.persist_noclobber(path)
    };
    placed
        .map(drop)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot create {shown} (nothing was written)"))
}

/// What was written, and how many rows were left out.
fn done(checked: &Checked, to: To, chunk: usize, destination: &Destination) -> String {
    let rows = checked.rows.len();
    let what = match to {
        To::Requests => format!("{rows} create request{}", plural(rows)),
        To::Bulk => {
            let bodies = rows.div_ceil(chunk);
            format!(
                "{rows} token{} in {bodies} bulk request{}",
                plural(rows),
                plural(bodies)
            )
        }
    };
    let place = match destination {
        Destination::Stdout => "standard output".to_owned(),
        Destination::File(path) => format!(
            "{} (it holds secret keys: delete it once the tokens are created)",
            path.display()
        ),
    };
    let left_out = checked.data_rows.saturating_sub(rows);
    let mut line = format!("wrote {what} to {place}");
    if left_out > 0 {
        line.push_str(&format!(
            "; left out {left_out} of {} row{} with errors",
            checked.data_rows,
            plural(checked.data_rows)
        ));
    }
    line
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
