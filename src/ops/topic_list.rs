//! `topicList`: GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206); with `-c`, each topic's cluster from
//! its route (Java also asks brokers which groups consume it; our brokers do not serve that, so
//! the group column stays empty, as Java prints it when there is no group).

use broker::remoting::body::TopicList;
use broker::remoting::codes::request;
use broker::remoting::RemotingCommand;
use serde::Serialize;

use super::admin::{decode_json, Admin, AdminError};

/// The topics, sorted.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicListReport {
    /// One entry per topic, sorted by name.
    pub topics: Vec<TopicEntry>,
}

/// One topic.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicEntry {
    /// Name.
    pub topic: String,
    /// Cluster serving it (only with `-c`; empty when unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

/// Lists topics; `with_cluster` adds each topic's cluster, skipping `%RETRY%`/`%DLQ%` topics
/// like Java's `-c`.
///
/// # Errors
/// No name server answering, or a malformed body.
pub async fn topic_list(admin: &Admin, with_cluster: bool) -> Result<TopicListReport, AdminError> {
    let req = RemotingCommand::request_empty(request::GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
    let (addr, resp) = admin.namesrv("GET_ALL_TOPIC_LIST_FROM_NAMESERVER", req).await?;
    let list: TopicList = decode_json(&addr, "TopicList", &resp.body)?;
    let mut topics = Vec::new();
    for topic in list.topic_list {
        let cluster = if with_cluster {
            if topic.starts_with("%RETRY%") || topic.starts_with("%DLQ%") {
                continue;
            }
            // As Java: a topic whose route cannot be read still gets a row, with no cluster.
            let cluster = admin
                .route(&topic)
                .await
                .ok()
                .and_then(|r| r.broker_datas.first().map(|bd| bd.cluster.clone()))
                .unwrap_or_default();
            Some(cluster)
        } else {
            None
        };
        topics.push(TopicEntry { topic, cluster });
    }
    Ok(TopicListReport { topics })
}
