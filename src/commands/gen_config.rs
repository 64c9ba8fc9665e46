//! `mqadmin gen-config`: turn arguments into [`GenConfigOptions`], plan the files with
//! [`ops::gen_config`](crate::ops::gen_config), then print them (`--dry-run`) or write them and
//! list what was written.

use anyhow::Context;

use crate::cli::{GenConfigArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::ops::gen_config::{plan, write, GenConfigOptions, GenConfigReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `gen-config`.
///
/// # Errors
/// Bad arguments, an unreadable source config, existing files without `--force`, I/O errors.
pub fn run(global: &GlobalArgs, args: &GenConfigArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    // The global -n/--namesrvAddr (or NAMESRV_ADDR) is the name-server list here too: it was
    // accepted and ignored (issue 20 item 13). Two different lists are refused.
    let namesrv = match (&args.namesrv, &global.namesrv_addr) {
        (Some(a), Some(b)) if a != b => {
            anyhow::bail!("--namesrv {a} and -n/--namesrvAddr {b} disagree; give the name servers once")
        }
        (Some(a), _) => Some(a.clone()),
        (None, b) => b.clone(),
    };
    let options = GenConfigOptions {
        from: args.from.clone(),
        cluster: args.cluster.clone(),
        group: args.group.clone(),
        peers: args.peers.clone(),
        store_root: args.store_root.clone(),
        namesrv,
        listen_ports: args.listen_ports.clone(),
        out_dir: args.out_dir.clone(),
        peer_token_file: args.peer_token_file.clone(),
    };
    let mut report = plan(&options).context("cannot generate the DLedger configs")?;
    if !args.dry_run {
        write(&mut report, args.force).context("cannot write the DLedger configs")?;
    }
    let text = match (global.output, args.dry_run) {
        (OutputFormat::Json, _) => render::json(&report).context("failed to encode JSON")?,
        (OutputFormat::Table, true) => render_files(&report),
        (OutputFormat::Table, false) => render_table(&report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    if let (false, Some(token)) = (args.dry_run, &report.peer_token_file) {
        let what = if report.peer_token_created {
            "wrote a new"
        } else {
            "kept the existing"
        };
        printer.hint(&format!(
            "{what} DLedger peer token in {}: every node reads it (dLegerPeerTokenFile); copy it \
             to each node's host with mode 0600",
            token.display()
        ));
    }
    if !args.dry_run {
        if let Some(first) = report.files.first() {
            printer.hint(&format!(
                "copy the master's commitlog/ and config/ into every node's store root, then start \
                 each node with `mqbroker -c {}` (and the others)",
                first.path.display()
            ));
        }
    }
    Ok(ExitStatus::Success)
}

/// `--dry-run`: every file's text, each after a `# ==> path <==` comment line, so the output is
/// itself valid properties text.
pub fn render_files(report: &GenConfigReport) -> String {
    let mut out = String::new();
    for (i, file) in report.files.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("# ==> {} <==\n", file.path.display()));
        out.push_str(&file.text);
    }
    out
}

/// The files written: FILE, SELF ID, LISTEN PORT, STORE ROOT.
pub fn render_table(report: &GenConfigReport) -> String {
    render::table(
        &["file", "self id", "listen port", "store root"],
        report.files.iter().map(|f| {
            vec![
                f.path.display().to_string(),
                f.self_id.clone(),
                f.listen_port.to_string(),
                f.store_root.clone(),
            ]
        }),
    )
}
