//! `mqadmin completions <shell>`: print a completion script generated from the clap definitions.

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::ExitStatus;
use crate::printer::Printer;

/// The completion script for `shell`, as bytes.
pub fn generate(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mqadmin", &mut out);
    out
}

/// The file name under `completions/` that holds the committed script for `shell`.
pub fn file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "mqadmin.bash",
        Shell::Zsh => "_mqadmin",
        Shell::Fish => "mqadmin.fish",
        Shell::Elvish => "mqadmin.elv",
        Shell::PowerShell => "_mqadmin.ps1",
        _ => "mqadmin.unknown",
    }
}

/// Prints the script for the requested shell to stdout.
///
/// # Errors
/// Write errors on stdout.
pub fn run(args: &CompletionsArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    printer
        .data_bytes(&generate(args.shell))
        .context("failed to write the completion script to stdout")?;
    Ok(ExitStatus::Success)
}
