//! indicatif implementations of the `ops` reporter traits. Bars draw to stderr and are hidden
//! when stderr is not a terminal or with `-q`, so scripts and pipes never see them.

use indicatif::{ProgressBar, ProgressStyle};

use crate::ops::verify_commitlog::VerifyReporter;
use crate::printer::Printer;

/// A byte-count progress bar for the md5 pass of `verify-commitlog`.
#[derive(Debug)]
pub struct VerifyProgress {
    bar: ProgressBar,
}

impl VerifyProgress {
    /// A bar drawing to the printer's progress target (hidden when quiet or not a TTY).
    pub fn new(printer: &Printer) -> Self {
        let bar = ProgressBar::with_draw_target(None, printer.progress_target());
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Self { bar }
    }
}

impl VerifyReporter for VerifyProgress {
    fn on_start(&self, files: usize, bytes: u64) {
        self.bar.set_length(bytes);
        self.bar.set_message(format!("md5 of {files} files"));
    }

    fn on_bytes(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn on_complete(&self) {
        self.bar.finish_and_clear();
    }
}

/// Step lines and a byte-count copy bar for `upgrade-group`.
#[derive(Debug)]
pub struct UpgradeProgress<'a> {
    printer: &'a Printer,
    bar: ProgressBar,
}

impl<'a> UpgradeProgress<'a> {
    /// Step lines go to stderr (unless quiet); the bar draws to the printer's progress target.
    pub fn new(printer: &'a Printer) -> Self {
        let bar = ProgressBar::with_draw_target(None, printer.progress_target());
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Self { printer, bar }
    }
}

impl crate::ops::upgrade_group::UpgradeReporter for UpgradeProgress<'_> {
    fn on_step(&self, number: usize, step: crate::ops::upgrade_group::Step, detail: &str) {
        self.bar.suspend(|| {
            self.printer.info(&format!(
                "[{number}/{}] {}: {detail}",
                crate::ops::upgrade_group::Step::ALL.len(),
                step.as_str()
            ))
        });
    }

    fn on_copy_start(&self, what: &str, bytes: u64) {
        self.bar.reset();
        self.bar.set_length(bytes);
        self.bar.set_message(what.to_owned());
    }

    fn on_copy_bytes(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn on_copy_done(&self) {
        self.bar.finish_and_clear();
    }
}
