//! The one place (besides `main.rs`) that writes to stdout and stderr.
//!
//! stdout carries data only (tables, JSON, completion scripts); stderr carries warnings and
//! progress, which `-q` silences. Writes return `io::Result` so that a closed pipe ends the command
//! instead of panicking like `println!` would.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{self, IsTerminal, Write};

use indicatif::ProgressDrawTarget;

/// Gates output to stdout and stderr.
#[derive(Debug, Clone, Copy, Default)]
pub struct Printer {
    quiet: bool,
}

impl Printer {
    /// A printer; `quiet` suppresses warnings on stderr.
    pub fn new(quiet: bool) -> Self {
        Self { quiet }
    }

    /// Writes data to stdout and flushes it.
    ///
    /// # Errors
    /// Any write error, notably `BrokenPipe` when the reader went away.
    pub fn data(&self, text: &str) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()
    }

    /// Writes raw bytes to stdout (used for generated scripts).
    ///
    /// # Errors
    /// Any write error.
    pub fn data_bytes(&self, bytes: &[u8]) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }

    /// Prints a progress or hint line to stderr unless quiet.
    pub fn info(&self, message: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr().lock(), "{message}");
        }
    }

    /// Where progress bars draw: stderr when it is a terminal and not quiet, else nowhere.
    pub fn progress_target(&self) -> ProgressDrawTarget {
        if self.quiet || !io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        }
    }

    /// Prints a `hint: …` line to stderr unless quiet.
    pub fn hint(&self, message: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr().lock(), "hint: {message}");
        }
    }

    /// Prints a `warning: …` line to stderr unless quiet.
    pub fn warn(&self, message: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr().lock(), "warning: {message}");
        }
    }
}
