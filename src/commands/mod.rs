//! Thin subcommands: turn parsed arguments into `ops` options, call `ops`, render the report.

pub mod benchmark;
pub mod broker_status;
pub mod cluster_health;
pub mod cluster_list;
pub mod completions;
pub mod consume_message;
pub mod consumer_connection;
pub mod consumer_progress;
pub mod consumer_status;
pub mod delete_sub_group;
pub mod delete_topic;
pub mod dledger_status;
pub mod fast_try;
pub mod gen_config;
pub mod get_broker_config;
pub mod local_broker;
pub mod producer_connection;
pub mod query_msg_by_id;
pub mod query_msg_by_key;
pub mod query_msg_by_unique_key;
pub mod reset_offset_by_time;
pub mod send_message;
pub mod topic_list;
pub mod topic_route;
pub mod topic_status;
pub mod transfer_leader;
pub mod update_sub_group;
pub mod update_topic;
pub mod upgrade_group;
pub mod verify_commitlog;
pub mod write_perm;

use crate::cli::{BrokerTargetArgs, GlobalArgs};
use crate::ops::admin::Admin;
use crate::ops::broker_status::BrokerTarget;

/// The admin client for the global `-n` list.
pub fn admin(global: &GlobalArgs) -> Admin {
    Admin::new(global.namesrv_addr.as_deref().unwrap_or(""))
}

/// Warns about every broker that did not answer; `Failure` if any did not, else `Success`.
pub fn warn_unreachable<'a>(
    printer: &crate::printer::Printer,
    brokers: impl Iterator<Item = (&'a str, Option<&'a str>)>,
) -> crate::exit::ExitStatus {
    let mut status = crate::exit::ExitStatus::Success;
    for (addr, error) in brokers {
        if let Some(error) = error {
            printer.warn(&format!("broker {addr} is unreachable: {error}"));
            status = crate::exit::ExitStatus::Failure;
        }
    }
    status
}

/// Prints the report of a command that asks several brokers: a warning for each broker that did
/// not answer (`brokers` gives each one's address and error), then the report as JSON or as
/// `table` renders it. `Failure` if any broker did not answer, else `Success`.
pub fn print_brokers_report<'a, R: serde::Serialize>(
    global: &GlobalArgs,
    printer: &crate::printer::Printer,
    report: &R,
    brokers: impl Iterator<Item = (&'a str, Option<&'a str>)>,
    table: impl FnOnce(&R) -> String,
) -> anyhow::Result<crate::exit::ExitStatus> {
    use anyhow::Context;
    let status = warn_unreachable(printer, brokers);
    let text = match global.output {
        crate::render::OutputFormat::Json => crate::render::json(report)?,
        crate::render::OutputFormat::Table => table(report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(status)
}

/// `-b ADDR` or `-c CLUSTER` (clap guarantees exactly one).
pub fn broker_target(args: &BrokerTargetArgs) -> BrokerTarget {
    match (&args.broker_addr, &args.cluster_name) {
        (Some(addr), _) => BrokerTarget::Addr(addr.clone()),
        (None, Some(cluster)) => BrokerTarget::Cluster(cluster.clone()),
        (None, None) => unreachable!("clap requires -b or -c"),
    }
}

/// Adds context to an ops error, except to errors that already say what was wrong with the input
/// (unknown topic, malformed id): those are printed as they are, e.g. `error: topic T not found`.
pub trait AdminContext<T> {
    /// Wraps the error in `f()` unless it is an input failure.
    ///
    /// # Errors
    /// The error, wrapped or not.
    fn admin_context<C, F>(self, f: F) -> anyhow::Result<T>
    where
        C: std::fmt::Display + Send + Sync + 'static,
        F: FnOnce() -> C;
}

impl<T> AdminContext<T> for Result<T, crate::ops::admin::AdminError> {
    fn admin_context<C, F>(self, f: F) -> anyhow::Result<T>
    where
        C: std::fmt::Display + Send + Sync + 'static,
        F: FnOnce() -> C,
    {
        match self {
            Ok(v) => Ok(v),
            Err(e) if e.is_failure() => Err(e.into()),
            Err(e) => Err(anyhow::Error::new(e).context(f())),
        }
    }
}

/// How node agents are verified: `--agent-ca` (a CA file), `--agent-fingerprint` (pinned
/// certificates), else plain HTTP.
///
/// # Errors
/// The CA file cannot be read or holds no certificate; a fingerprint is not 64 hex digits.
pub fn agent_trust(args: &crate::cli::AgentArgs) -> anyhow::Result<broker::agent::tls::AgentTrust> {
    use anyhow::Context;
    use broker::agent::tls::AgentTrust;
    if let Some(ca) = &args.agent_ca {
        return AgentTrust::ca_file(ca).with_context(|| format!("--agent-ca `{}`", ca.display()));
    }
    if !args.agent_fingerprint.is_empty() {
        return AgentTrust::pinned(&args.agent_fingerprint).context("--agent-fingerprint");
    }
    Ok(AgentTrust::Plain)
}

/// The node agents' token: `--token-file`, else `MQADMIN_AGENT_TOKEN`, else none (then only
/// local nodes work).
///
/// # Errors
/// The token file cannot be read.
pub fn agent_token(args: &crate::cli::AgentArgs) -> anyhow::Result<Option<String>> {
    use anyhow::Context;
    match &args.token_file {
        Some(path) => std::fs::read_to_string(path)
            .map(|t| Some(t.trim().to_owned()))
            .with_context(|| format!("failed to read the token file `{}`", path.display())),
        None => Ok(std::env::var(crate::ops::node::remote::TOKEN_ENV).ok()),
    }
}
