//! `mqadmin verify-commitlog`: build the nodes, run
//! [`ops::verify_commitlog`](crate::ops::verify_commitlog) with a progress bar, and print the
//! table (or JSON) and a summary line.

use anyhow::Context;

use crate::cli::{GlobalArgs, VerifyCommitlogArgs};
use crate::exit::ExitStatus;
use crate::ops::node::{AnyNode, NodeStore};
use crate::ops::verify_commitlog::{
    verify_commitlog, Comparison, Role, Verdict, VerifyError, VerifyOptions, VerifyReport,
};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};
use crate::reporters::VerifyProgress;

/// Runs `verify-commitlog`: 0 if every file is identical, 1 if not, an error otherwise.
///
/// # Errors
/// A bad config, an unreadable file, a running broker (without `--allow-running`), or stdout
/// closed.
pub fn run(global: &GlobalArgs, args: &VerifyCommitlogArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut specs = vec![(Role::Master, &args.master), (Role::Slave, &args.slave)];
    if let Some(third) = &args.third {
        specs.push((Role::Third, third));
    }
    let token = super::agent_token(&args.agent)?;
    let trust = super::agent_trust(&args.agent)?;
    let mut nodes: Vec<(Role, Box<dyn NodeStore>)> = Vec::new();
    let mut local_dirs: Vec<(Role, std::path::PathBuf)> = Vec::new();
    for (role, spec) in specs {
        let spec = local_spec(role, spec)?;
        let node = AnyNode::open(role.as_str(), &spec, token.as_deref(), &trust)?;
        if let AnyNode::Local(local) = &node {
            let dir = local.commitlog_dir();
            let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
            if let Some((first, _)) = local_dirs.iter().find(|(_, d)| *d == dir) {
                return Err(VerifyError::SameStore {
                    first: first.as_str().to_owned(),
                    second: role.as_str().to_owned(),
                    dir,
                }
                .into());
            }
            local_dirs.push((role, dir));
        }
        nodes.push((role, node.boxed_store()));
    }
    let options = VerifyOptions {
        nodes,
        last: usize::try_from(args.last).unwrap_or(usize::MAX),
        allow_running: args.allow_running,
        known: Vec::new(),
    };
    let progress = VerifyProgress::new(printer);
    let report = verify_commitlog(&options, &progress).context("cannot verify the commitlogs")?;
    for node in report.nodes.iter().filter(|n| n.running == Some(true)) {
        printer.warn(&format!(
            "the {} node `{}` is running; its newest file may have changed while it was read",
            node.role.as_str(),
            node.node
        ));
    }
    let text = match global.output {
        OutputFormat::Json => render::json(&report).context("failed to encode JSON")?,
        OutputFormat::Table => render_table(&report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(match report.verdict {
        Verdict::Identical => ExitStatus::Success,
        Verdict::SlaveBehind => {
            printer.hint(
                "a node is behind the master: stop the master last, or wait for the slave to \
                 catch up, then run verify-commitlog again",
            );
            ExitStatus::Failure
        }
        Verdict::Missing | Verdict::Divergent => {
            printer.hint(
                "the commit logs differ: do not upgrade; copy the master's commitlog/ and config/ \
                 to the other nodes only once they are stopped",
            );
            ExitStatus::Failure
        }
    })
}

/// A local node as `ops` takes it: a plain directory is taken as `dir:DIR` (it used to fail with
/// "Is a directory"), and a config in DLedger mode is refused, saying where its data is (issue 20
/// item 7).
fn local_spec(role: Role, spec: &str) -> anyhow::Result<String> {
    if spec.starts_with("dir:") || crate::ops::node::remote::is_remote(spec) {
        return Ok(spec.to_owned());
    }
    let path = std::path::Path::new(spec);
    if path.is_dir() {
        return Ok(format!("dir:{spec}"));
    }
    if let Ok((cfg, _)) = broker::config::BrokerConfig::from_properties_file(path) {
        if cfg.enable_dleger_commit_log {
            let data_dir = cfg
                .dledger_data_dir()
                .unwrap_or_else(|| std::path::Path::new(&cfg.store_path_root_dir).join("dledger-<selfId>"));
            return Err(VerifyError::DLedgerNode {
                role: role.as_str().to_owned(),
                node: spec.to_owned(),
                data_dir,
            }
            .into());
        }
    }
    Ok(spec.to_owned())
}

/// The verdict cell of one file: worst comparison first, with its detail.
fn verdict_text(comparisons: &[Comparison], with_roles: bool) -> String {
    let mut parts: Vec<String> = comparisons
        .iter()
        .filter(|c| c.verdict != Verdict::Identical || comparisons.len() == 1 || !with_roles)
        .map(|c| {
            let who = |text: &str| {
                if with_roles {
                    format!("{}: {text}", c.role.as_str())
                } else {
                    text.to_owned()
                }
            };
            match c.verdict {
                Verdict::Identical => who("identical"),
                Verdict::SlaveBehind => {
                    let what = if c.role == Role::Slave {
                        "slave behind"
                    } else {
                        "behind"
                    };
                    who(&format!("{what} by {} bytes", c.behind_bytes.unwrap_or(0)))
                }
                Verdict::Missing => format!("missing on {}", c.missing_on.map_or("?", Role::as_str)),
                Verdict::Divergent => who(&format!(
                    "divergent at offset {}",
                    c.first_difference.unwrap_or(0)
                )),
            }
        })
        .collect();
    if parts.is_empty() {
        parts.push("identical".to_owned());
    }
    parts.sort();
    parts.dedup();
    parts.join("; ")
}

/// The borderless table: FILE, SIZE and MD5 per node, VERDICT; then the summary line.
pub fn render_table(report: &VerifyReport) -> String {
    let mut headers = vec!["file".to_owned()];
    for node in &report.nodes {
        headers.push(format!("{} size", node.role.as_str()));
        headers.push(format!("{} md5", node.role.as_str()));
    }
    headers.push("verdict".to_owned());
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let with_roles = report.nodes.len() > 2;
    let rows = report.files.iter().map(|file| {
        let mut row = vec![file.name.clone()];
        for copy in &file.copies {
            match copy {
                Some(c) => {
                    row.push(c.size.to_string());
                    row.push(c.md5.clone());
                }
                None => {
                    row.push("-".to_owned());
                    row.push("-".to_owned());
                }
            }
        }
        row.push(verdict_text(&file.comparisons, with_roles));
        row
    });
    let mut text = render::table(&header_refs, rows);
    text.push_str(&summary(report));
    text.push('\n');
    text
}

/// `2 files: 1 identical, 1 slave behind`.
pub fn summary(report: &VerifyReport) -> String {
    let counts: Vec<String> = report
        .counts()
        .into_iter()
        .map(|(verdict, n)| format!("{n} {}", verdict.as_str()))
        .collect();
    let n = report.files.len();
    format!("{n} file{}: {}", if n == 1 { "" } else { "s" }, counts.join(", "))
}
