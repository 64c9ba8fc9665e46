//! `deleteTopic`: DELETE_TOPIC_IN_BROKER (215) on every master of the cluster, then
//! DELETE_TOPIC_IN_NAMESRV (216) on every name server, as the Java tool does.

use broker::remoting::codes::request;
use broker::remoting::headers::DeleteTopicRequestHeader;
use serde::Serialize;

use super::admin::{request_with, Admin, AdminError};

/// What to delete.
#[derive(Debug, Clone)]
pub struct DeleteTopicOptions {
    /// Topic.
    pub topic: String,
    /// Cluster whose masters drop the topic.
    pub cluster: String,
}

/// Who dropped the topic.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteTopicReport {
    /// Topic.
    pub topic: String,
    /// Cluster.
    pub cluster: String,
    /// Master addresses that deleted it.
    pub brokers: Vec<String>,
    /// Name servers that deleted it.
    pub namesrvs: Vec<String>,
    /// Name servers that failed, with the reason (the topic may linger in their routes).
    pub namesrv_failures: Vec<String>,
}

/// Deletes the topic from the cluster's masters, then from the name servers.
///
/// # Errors
/// Unknown cluster, a master that refuses, or no name server at all answering.
pub async fn delete_topic(
    admin: &Admin,
    options: &DeleteTopicOptions,
) -> Result<DeleteTopicReport, AdminError> {
    let header = DeleteTopicRequestHeader {
        topic: options.topic.clone(),
    };
    let masters = admin.cluster_masters(&options.cluster).await?;
    // An unknown topic is wrong input (exit 1), as the README says; Java deletes nothing and
    // reports success.
    admin.route(&options.topic).await?;
    let mut brokers = Vec::new();
    for (_, addr) in masters {
        admin
            .broker(
                &addr,
                "DELETE_TOPIC_IN_BROKER",
                request_with(request::DELETE_TOPIC_IN_BROKER, &header),
            )
            .await?;
        brokers.push(addr);
    }
    let results = admin
        .every_namesrv(
            "DELETE_TOPIC_IN_NAMESRV",
            request_with(request::DELETE_TOPIC_IN_NAMESRV, &header),
        )
        .await?;
    let mut namesrvs = Vec::new();
    let mut namesrv_failures = Vec::new();
    for (addr, r) in results {
        match r {
            Ok(()) => namesrvs.push(addr),
            Err(e) => namesrv_failures.push(format!("{addr}: {e}")),
        }
    }
    if namesrvs.is_empty() {
        return Err(AdminError::NamesrvUnreachable {
            what: "DELETE_TOPIC_IN_NAMESRV",
            failures: namesrv_failures,
        });
    }
    Ok(DeleteTopicReport {
        topic: options.topic.clone(),
        cluster: options.cluster.clone(),
        brokers,
        namesrvs,
        namesrv_failures,
    })
}
