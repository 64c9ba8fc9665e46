//! `mqadmin topicList`: one topic per line, sorted; `-c` prints Java's cluster table.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, TopicListArgs};
use crate::exit::ExitStatus;
use crate::javafmt::front;
use crate::ops::topic_list::{topic_list, TopicListReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `topicList`.
///
/// # Errors
/// No name server reachable.
pub async fn run(global: &GlobalArgs, args: &TopicListArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let report = topic_list(&super::admin(global), args.cluster_model)
        .await
        .admin_context(|| "cannot list topics")?;
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table if args.cluster_model => render_clusters(&report),
        OutputFormat::Table => report.topics.iter().map(|t| format!("{}\n", t.topic)).collect(),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Java's `-c` table: `%-20s  %-48s  %-48s`, the consumer group column empty.
pub fn render_clusters(report: &TopicListReport) -> String {
    let line = |a: &str, b: &str, c: &str| {
        format!(
            "{:<20}  {:<48}  {:<48}\n",
            front(a, 20),
            front(b, 48),
            front(c, 48)
        )
    };
    let mut out = line("#Cluster Name", "#Topic", "#Consumer Group");
    for t in &report.topics {
        out.push_str(&line(t.cluster.as_deref().unwrap_or(""), &t.topic, ""));
    }
    out
}
