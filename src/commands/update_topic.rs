//! `mqadmin updateTopic`: create or update a topic and print what the Java tool prints.

use anyhow::Context;

use super::AdminContext;
use broker::remoting::body::TopicConfig;

use crate::cli::{GlobalArgs, UpdateTopicArgs};
use crate::exit::ExitStatus;
use crate::ops::update_topic::{
    java_topic_config, update_topic, Target, UpdateTopicOptions, UpdateTopicReport,
};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `updateTopic`.
///
/// # Errors
/// Unknown cluster, unreachable name server or broker, a broker refusing the topic.
pub async fn run(
    global: &GlobalArgs,
    args: &UpdateTopicArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let target = match (&args.broker_addr, &args.cluster_name) {
        (Some(addr), _) => Target::Broker(addr.clone()),
        (None, Some(c)) => Target::Cluster(c.clone()),
        (None, None) => unreachable!("clap requires -b or -c"),
    };
    let mut config = TopicConfig::new(&args.topic, args.read_queue_nums);
    config.write_queue_nums = args.write_queue_nums;
    config.perm = args.perm;
    config.order = args.order;
    let options = UpdateTopicOptions { target, config };
    let report = update_topic(&super::admin(global), &options)
        .await
        .admin_context(|| format!("cannot create topic {}", args.topic))?;
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_text(&report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Java: `create topic to <addr> success.` per broker, then the `TopicConfig`.
pub fn render_text(report: &UpdateTopicReport) -> String {
    let mut out = String::new();
    for addr in &report.brokers {
        out.push_str(&format!("create topic to {addr} success.\n"));
    }
    out.push_str(&java_topic_config(&report.topic_config));
    out.push('\n');
    out
}
