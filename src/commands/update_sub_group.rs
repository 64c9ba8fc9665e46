//! `mqadmin updateSubGroup`: create or update a consumer group's settings on a broker or a
//! cluster's masters, printing what the Java tool prints.

use anyhow::Context;

use broker::store::config_files::SubscriptionGroupConfig;

use super::AdminContext;

use crate::cli::{GlobalArgs, UpdateSubGroupArgs};
use crate::exit::ExitStatus;
use crate::ops::update_sub_group::{java_sub_group_config, update_sub_group};
use crate::ops::update_topic::Target;
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// `-b ADDR` or `-c CLUSTER` (clap requires exactly one).
pub fn target(broker_addr: &Option<String>, cluster_name: &Option<String>) -> Target {
    match (broker_addr, cluster_name) {
        (Some(addr), _) => Target::Broker(addr.trim().to_string()),
        (None, Some(c)) => Target::Cluster(c.trim().to_string()),
        (None, None) => unreachable!("clap requires -b or -c"),
    }
}

/// The settings `updateSubGroup` sends: Java's `SubscriptionGroupConfig` defaults, except that
/// the tool turns off consuming from the min offset and broadcast unless asked, then the flags.
pub fn config_from_args(args: &UpdateSubGroupArgs) -> SubscriptionGroupConfig {
    let mut c = SubscriptionGroupConfig::new(args.group.trim());
    c.consume_from_min_enable = false;
    c.consume_broadcast_enable = false;
    if let Some(v) = args.consume_enable {
        c.consume_enable = v;
    }
    if let Some(v) = args.consume_from_min_enable {
        c.consume_from_min_enable = v;
    }
    if let Some(v) = args.consume_broadcast_enable {
        c.consume_broadcast_enable = v;
    }
    if let Some(v) = args.retry_queue_nums {
        c.retry_queue_nums = v;
    }
    if let Some(v) = args.retry_max_times {
        c.retry_max_times = v;
    }
    if let Some(v) = args.broker_id {
        c.broker_id = v;
    }
    if let Some(v) = args.which_broker_when_consume_slowly {
        c.which_broker_when_consume_slowly = v;
    }
    if let Some(v) = args.notify_consumer_ids_changed {
        c.notify_consumer_ids_changed_enable = v;
    }
    c
}

/// Runs `updateSubGroup`. In cluster mode a master that failed is a warning and exit 1.
///
/// # Errors
/// A blank group, unknown cluster, a refusing or unreachable broker.
pub async fn run(
    global: &GlobalArgs,
    args: &UpdateSubGroupArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let config = config_from_args(args);
    if config.group_name.is_empty() {
        anyhow::bail!(crate::ops::admin::AdminError::Invalid(
            "the group name is blank".into()
        ));
    }
    let target = target(&args.broker_addr, &args.cluster_name);
    let report = update_sub_group(&super::admin(global), &target, &config)
        .await
        .admin_context(|| format!("cannot update subscription group {}", config.group_name))?;
    let mut status = ExitStatus::Success;
    for failure in &report.failures {
        printer.warn(failure);
        status = ExitStatus::Failure;
    }
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => {
            let mut out: String = report
                .brokers
                .iter()
                .map(|a| format!("create subscription group to {a} success.\n"))
                .collect();
            out.push_str(&java_sub_group_config(&report.config));
            out.push('\n');
            out
        }
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(status)
}
