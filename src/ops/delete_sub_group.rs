//! `deleteSubGroup`: removes a consumer group's settings (DELETE_SUBSCRIPTIONGROUP, 207, with
//! `removeOffset`) from one broker or every master of a cluster, as Java's
//! `DeleteSubscriptionGroupCommand`; from a cluster it also deletes the group's `%RETRY%` and
//! `%DLQ%` topics, as Java does.

use broker::remoting::codes::request;
use broker::remoting::headers::DeleteSubscriptionGroupRequestHeader;
use serde::Serialize;

use super::admin::{request_with, Admin, AdminError};
use super::consumer_connection::RETRY_GROUP_TOPIC_PREFIX;
use super::delete_topic::{delete_topic, DeleteTopicOptions};
use super::update_sub_group::addrs;
use super::update_topic::Target;

/// The prefix of a group's dead-letter topic (Java's `MixAll.DLQ_GROUP_TOPIC_PREFIX`).
pub const DLQ_GROUP_TOPIC_PREFIX: &str = "%DLQ%";

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
