//! `mqadmin` entry point: parse arguments, run, print any error chain once to stderr, and map the
//! outcome to the exit-code contract in [`mqadmin::exit`].
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use clap::Parser;
use mqadmin::cli::Cli;
use mqadmin::exit::{is_broken_pipe, status_of, ExitStatus};

/// mimalloc: glibc's malloc/free was about a third of the DLedger leader's CPU (bench/run.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
