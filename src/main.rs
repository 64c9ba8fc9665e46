//! `mqadmin` entry point: parse arguments, run, print any error chain once to stderr, and map the
//! outcome to the exit-code contract in [`mqadmin::exit`].
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use mqadmin::cli::{Cli, HELP_WIDTH};
use mqadmin::exit::{is_broken_pipe, status_of, ExitStatus};

/// mimalloc: glibc's malloc/free was about a third of the DLedger leader's CPU (bench/run.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Help wraps at the terminal's width up to HELP_WIDTH, so the sample tables of the long help
    // keep one row per line on a wide terminal; piped (no terminal, no COLUMNS) it is HELP_WIDTH
    // rather than clap's 100, which cut every sample row in two.
    let mut command = Cli::command();
    let piped =
        !std::io::IsTerminal::is_terminal(&std::io::stdout()) && std::env::var_os("COLUMNS").is_none();
    if piped {
        command = command.term_width(HELP_WIDTH);
    }
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match mqadmin::run(cli) {
        Ok(status) => status.into(),
        Err(err) if is_broken_pipe(&err) => ExitStatus::Success.into(),
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            status_of(&err).into()
        }
    }
}
