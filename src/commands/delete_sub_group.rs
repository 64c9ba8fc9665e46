//! `mqadmin deleteSubGroup`: delete a consumer group's settings from a broker or a cluster's
//! masters, printing what the Java tool prints.

use anyhow::Context;

use super::update_sub_group::target;
use super::AdminContext;

use crate::cli::{DeleteSubGroupArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::ops::delete_sub_group::delete_sub_group;
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `deleteSubGroup`. A group topic that could not be deleted is a warning only (Java
/// prints the exception and succeeds; usually the topic was never created).
///
/// # Errors
/// A blank group, unknown cluster, a refusing or unreachable broker.
pub async fn run(
    global: &GlobalArgs,
    args: &DeleteSubGroupArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let group = args.group.trim();
    if group.is_empty() {
        anyhow::bail!(crate::ops::admin::AdminError::Invalid(
            "the group name is blank".into()
        ));
    }
    let target = target(&args.broker_addr, &args.cluster_name);
    let report = delete_sub_group(
        &super::admin(global),
        &target,
        group,
        args.remove_offset.unwrap_or(false),
    )
    .await
    .admin_context(|| format!("cannot delete subscription group {group}"))?;
    for failure in &report.topic_failures {
        printer.warn(&format!("group topic not deleted: {failure}"));
    }
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => report
            .brokers
            .iter()
            .map(|a| match &report.cluster {
                Some(c) => format!(
                    "delete subscription group [{group}] from broker [{a}] in cluster [{c}] success.\n"
                ),
                None => format!("delete subscription group [{group}] from broker [{a}] success.\n"),
            })
            .collect(),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}
