//! `mqadmin deleteTopic`: delete a topic from a cluster and the name servers.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{DeleteTopicArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::ops::delete_topic::{delete_topic, DeleteTopicOptions};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `deleteTopic`. A name server that could not be updated is a warning and exit 1.
///
/// # Errors
/// Unknown cluster, a master refusing, or no name server reachable.
pub async fn run(
    global: &GlobalArgs,
    args: &DeleteTopicArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let options = DeleteTopicOptions {
        topic: args.topic.clone(),
        cluster: args.cluster_name.clone(),
    };
    let report = delete_topic(&super::admin(global), &options)
        .await
        .admin_context(|| format!("cannot delete topic {}", args.topic))?;
    let mut status = ExitStatus::Success;
    for failure in &report.namesrv_failures {
        printer.warn(&format!("name server not updated: {failure}"));
        status = ExitStatus::Failure;
    }
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => format!(
            "delete topic [{t}] from cluster [{c}] success.\ndelete topic [{t}] from NameServer success.\n",
            t = report.topic,
            c = report.cluster
        ),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(status)
}
