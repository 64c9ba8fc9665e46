//! `mqadmin consumerConnection`: Java's listing of a consumer group's clients and subscriptions.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{ConsumerConnectionArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::javafmt::left;
use crate::ops::consumer_connection::{consumer_connection, ConsumerConnectionReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `consumerConnection`.
///
/// # Errors
/// No live consumer of the group (exit 1), unreachable servers.
pub async fn run(
    global: &GlobalArgs,
    args: &ConsumerConnectionArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let group = args.group.trim();
    let report = consumer_connection(&super::admin(global), group)
        .await
        .admin_context(|| format!("cannot list the connections of consumer group {group}"))?;
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_text(&report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Java's text: `%03d  %-32s %-22s %-8s %s` per client, then `Below is subscription:` (no line
/// break after it, as Java prints it), `%03d  Topic: %-40s SubExpression: %s` per topic and the
/// consume type, model and start point.
pub fn render_text(r: &ConsumerConnectionReport) -> String {
    let mut out = String::new();
    for (i, c) in r.connections.iter().enumerate() {
        out.push_str(&format!(
            "{:03}  {} {} {} {}\n",
            i + 1,
            left(&c.client_id, 32),
            left(&c.client_addr, 22),
            left(&c.language, 8),
            c.version_desc
        ));
    }
    out.push_str("\nBelow is subscription:");
    for (i, s) in r.subscriptions.iter().enumerate() {
        out.push_str(&format!(
            "{:03}  Topic: {} SubExpression: {}\n",
            i + 1,
            left(&s.topic, 40),
            s.sub_expression
        ));
    }
    let java = |v: &Option<String>| v.clone().unwrap_or_else(|| "null".to_string());
    out.push_str(&format!("ConsumeType: {}\n", java(&r.consume_type)));
    out.push_str(&format!("MessageModel: {}\n", java(&r.message_model)));
    out.push_str(&format!("ConsumeFromWhere: {}\n", java(&r.consume_from_where)));
    out
}
