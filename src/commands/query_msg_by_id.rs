//! `mqadmin queryMsgById`: Java's `%-20s %s` field listing of one message.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, QueryMsgByIdArgs};
use crate::exit::ExitStatus;
use crate::javafmt::human_millis;
use crate::ops::java_order::hashmap_order;
use crate::ops::message::MessageView;
use crate::ops::query_msg_by_id::query_msg_by_id;
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `queryMsgById`.
///
/// # Errors
/// A malformed id (exit 1), an unreachable store host, or no message at that offset.
pub async fn run(
    global: &GlobalArgs,
    args: &QueryMsgByIdArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let view = query_msg_by_id(&super::admin(global), &args.msg_id)
        .await
        .admin_context(|| format!("cannot query message {}", args.msg_id))?;
    let body_path = match &args.body_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
            let path = dir.join(args.msg_id.trim());
            std::fs::write(&path, &view.body_bytes)
                .with_context(|| format!("failed to write `{}`", path.display()))?;
            Some(path.display().to_string())
        }
        None => None,
    };
    let text = match global.output {
        OutputFormat::Json => render::json(&view)?,
        OutputFormat::Table => render_text(&view, body_path.as_deref()),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Java's listing; `Properties` as Java's `HashMap.toString()` (`{K=V, …}` in hash order); the
/// body inline as `Message Body:` unless it was written to a file.
pub fn render_text(m: &MessageView, body_path: Option<&str>) -> String {
    let java = |v: &Option<String>| format!("[{}]", v.as_deref().unwrap_or("null"));
    let props = hashmap_order(m.properties.keys().map(String::as_str))
        .into_iter()
        .map(|k| format!("{k}={}", m.properties[k]))
        .collect::<Vec<_>>()
        .join(", ");
    let mut lines = vec![
        ("OffsetID:", m.msg_id.clone()),
        ("Topic:", m.topic.clone()),
        ("Tags:", java(&m.tags)),
        ("Keys:", java(&m.keys)),
        ("Queue ID:", m.queue_id.to_string()),
        ("Queue Offset:", m.queue_offset.to_string()),
        ("CommitLog Offset:", m.commit_log_offset.to_string()),
        ("Reconsume Times:", m.reconsume_times.to_string()),
        ("Born Timestamp:", human_millis(m.born_timestamp)),
        ("Store Timestamp:", human_millis(m.store_timestamp)),
        ("Born Host:", m.born_host.clone()),
        ("Store Host:", m.store_host.clone()),
        ("System Flag:", m.sys_flag.to_string()),
        ("Properties:", format!("{{{props}}}")),
    ];
    match body_path {
        Some(p) => lines.push(("Message Body Path:", p.to_string())),
        None => lines.push(("Message Body:", m.body_text())),
    }
    lines.iter().map(|(k, v)| format!("{k:<20} {v}\n")).collect()
}
