//! The `reel` binary: parse arguments, run the subcommand, print `reel: <error>` once on failure,
//! and exit with grep's codes (0 hits or success, 1 no hits, 2 error; a closed pipe is success).

use std::process::ExitCode;
use std::sync::Mutex;

use clap::{CommandFactory, FromArgMatches};

/// `eprintln!` that never panics: a closed stderr (`reel index 2>&1 | head -1`) is not an error
/// worth dying for, and a message that cannot be shown is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cli;
mod cmd;

fn main() -> ExitCode {
    // The version names the tantivy and schema versions, known only at run time.
    let command = cli::Cli::command().version(&*Box::leak(cli::version().into_boxed_str()));
    let cli = match command
        .try_get_matches()
        .and_then(|m| cli::Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // Printing help or an argument error can only fail on a closed pipe.
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // A panic (a bug, or damage tantivy does not check for) ends the run with one line and exit
    // 2, never a backtrace; `reel verify` catches its own and reports them as damage.
    std::panic::set_hook(Box::new(|info| {
        let message = reel::error::panic_message(info.payload());
        let place = info
            .location()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        *PANIC.lock().unwrap_or_else(|p| p.into_inner()) = Some(format!("{message}{place}"));
    }));
    let result = match std::panic::catch_unwind(|| cmd::run(cli)) {
        Ok(result) => result,
        Err(_) => {
            let message = PANIC.lock().unwrap_or_else(|p| p.into_inner()).take();
            say!(
                "reel: internal error: {} (if the index is damaged, `reel verify` reports it and \
                 `reel index --rebuild` recreates it)",
                message.unwrap_or_default()
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            say!("reel: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes as one line, each cause said once: a cause whose text the message
/// already holds (an I/O error a message quotes) is not repeated.
fn one_line(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The message of the last panic, for the one-line report.
static PANIC: Mutex<Option<String>> = Mutex::new(None);

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
