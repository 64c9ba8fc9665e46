//! `mqadmin topicRoute`: the route as pretty JSON, as Java prints it (fastjson pretty: tabs).

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, TopicArgs};
use crate::exit::ExitStatus;
use crate::ops::topic_route::topic_route;
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `topicRoute`.
///
/// # Errors
/// Unknown topic (exit 1) or no name server reachable.
pub async fn run(global: &GlobalArgs, args: &TopicArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let route = topic_route(&super::admin(global), &args.topic)
        .await
        .admin_context(|| format!("cannot read the route of topic {}", args.topic))?;
    let text = match global.output {
        OutputFormat::Json => render::json(&route)?,
        OutputFormat::Table => {
            let mut s =
                String::from_utf8(broker::json::to_pretty_tabs(&route)).context("route JSON is not UTF-8")?;
            s.push('\n');
            s
        }
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}
