//! `updateSubGroup` and `deleteSubGroup`: an operator's changes to a consumer group's settings
//! (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, 200; DELETE_SUBSCRIPTIONGROUP, 207) on one broker or on
//! every master of a cluster (the leader in DLedger mode, which replicates them), as Java's
//! `UpdateSubGroupSubCommand` and `DeleteSubscriptionGroupCommand`. Deleting from a cluster also
//! deletes the group's `%RETRY%` and `%DLQ%` topics, as Java does.

use broker::remoting::codes::request;
use broker::remoting::headers::DeleteSubscriptionGroupRequestHeader;
use broker::remoting::RemotingCommand;
use broker::store::config_files::SubscriptionGroupConfig;
use serde::Serialize;

use super::admin::{request_with, Admin, AdminError};
use super::consumer_connection::RETRY_GROUP_TOPIC_PREFIX;
use super::delete_topic::{delete_topic, DeleteTopicOptions};
use super::update_topic::Target;

/// The prefix of a group's dead-letter topic (Java's `MixAll.DLQ_GROUP_TOPIC_PREFIX`).
pub const DLQ_GROUP_TOPIC_PREFIX: &str = "%DLQ%";

/// Who took the new settings.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSubGroupReport {
    /// Broker addresses that took them, in order.
    pub brokers: Vec<String>,
    /// Brokers that refused or did not answer (cluster mode goes on, as Java does).
    pub failures: Vec<String>,
    /// The settings sent.
    pub config: SubscriptionGroupConfig,
}

/// Who dropped the group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteSubGroupReport {
    /// The group.
    pub group: String,
    /// The cluster, in cluster mode.
    pub cluster: Option<String>,
    /// Broker addresses that deleted it.
    pub brokers: Vec<String>,
    /// Whether its committed offsets were removed too.
    pub remove_offset: bool,
    /// The retry and dead-letter topics deleted (cluster mode).
    pub topics_deleted: Vec<String>,
    /// `topic: reason` of each group topic that could not be deleted (usually: never created).
    pub topic_failures: Vec<String>,
}

/// The addresses a target stands for: the address, or the cluster's masters by broker name.
async fn addrs(admin: &Admin, target: &Target) -> Result<Vec<String>, AdminError> {
    Ok(match target {
        Target::Broker(addr) => vec![addr.clone()],
        Target::Cluster(cluster) => admin
            .cluster_masters(cluster)
            .await?
            .into_iter()
            .map(|(_, a)| a)
            .collect(),
    })
}

/// Sends `config` to the target's brokers. With `-b` a refusal is an error; with `-c` every
/// master is tried and the failures reported, an error only when none took it.
///
/// # Errors
/// Unknown cluster, a refusing or unreachable broker (see above).
pub async fn update_sub_group(
    admin: &Admin,
    target: &Target,
    config: &SubscriptionGroupConfig,
) -> Result<UpdateSubGroupReport, AdminError> {
    let mut report = UpdateSubGroupReport {
        brokers: Vec::new(),
        failures: Vec::new(),
        config: config.clone(),
    };
    let mut first_error = None;
    for addr in addrs(admin, target).await? {
        let req = RemotingCommand::request_empty(request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)
            .with_body(broker::json::to_vec(config));
        match admin
            .broker(&addr, "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP", req)
            .await
        {
            Ok(_) => report.brokers.push(addr),
            Err(e) => {
                report.failures.push(format!("{addr}: {e}"));
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if report.brokers.is_empty() || matches!(target, Target::Broker(_)) => Err(e),
        _ => Ok(report),
    }
}

/// Deletes `group` from the target's brokers (and its offsets with `remove_offset`); in
/// cluster mode then its retry and dead-letter topics.
///
/// # Errors
/// Unknown cluster, a refusing or unreachable broker.
pub async fn delete_sub_group(
    admin: &Admin,
    target: &Target,
    group: &str,
    remove_offset: bool,
) -> Result<DeleteSubGroupReport, AdminError> {
    let header = DeleteSubscriptionGroupRequestHeader {
        group_name: group.to_string(),
        remove_offset: Some(remove_offset),
    };
    let mut report = DeleteSubGroupReport {
        group: group.to_string(),
        cluster: None,
        brokers: Vec::new(),
        remove_offset,
        topics_deleted: Vec::new(),
        topic_failures: Vec::new(),
    };
    for addr in addrs(admin, target).await? {
        let req = request_with(request::DELETE_SUBSCRIPTIONGROUP, &header);
        admin.broker(&addr, "DELETE_SUBSCRIPTIONGROUP", req).await?;
        report.brokers.push(addr);
    }
    if let Target::Cluster(cluster) = target {
        report.cluster = Some(cluster.clone());
        for prefix in [RETRY_GROUP_TOPIC_PREFIX, DLQ_GROUP_TOPIC_PREFIX] {
            let options = DeleteTopicOptions {
                topic: format!("{prefix}{group}"),
                cluster: cluster.clone(),
            };
            match delete_topic(admin, &options).await {
                Ok(_) => report.topics_deleted.push(options.topic),
                Err(e) => report.topic_failures.push(format!("{}: {e}", options.topic)),
            }
        }
    }
    Ok(report)
}

/// Java's `SubscriptionGroupConfig.toString()`.
pub fn java_sub_group_config(c: &SubscriptionGroupConfig) -> String {
    format!(
        "SubscriptionGroupConfig [groupName={}, consumeEnable={}, consumeFromMinEnable={}, consumeBroadcastEnable={}, retryQueueNums={}, retryMaxTimes={}, brokerId={}, whichBrokerWhenConsumeSlowly={}, notifyConsumerIdsChangedEnable={}]",
        c.group_name,
        c.consume_enable,
        c.consume_from_min_enable,
        c.consume_broadcast_enable,
        c.retry_queue_nums,
        c.retry_max_times,
        c.broker_id,
        c.which_broker_when_consume_slowly,
        c.notify_consumer_ids_changed_enable
    )
}
