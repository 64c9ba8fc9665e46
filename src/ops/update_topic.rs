//! `updateTopic`: UPDATE_AND_CREATE_TOPIC (17) on one broker, or on every master of a cluster.

use broker::remoting::body::TopicConfig;
use broker::remoting::codes::request;
use broker::remoting::headers::CreateTopicRequestHeader;
use serde::Serialize;

use super::admin::{request_with, Admin, AdminError};

/// Where to create the topic.
#[derive(Debug, Clone)]
pub enum Target {
    /// One broker address.
    Broker(String),
    /// Every master (broker id 0) of a cluster.
    Cluster(String),
}

/// What to create.
#[derive(Debug, Clone)]
pub struct UpdateTopicOptions {
    /// Where.
    pub target: Target,
    /// The topic configuration to send.
    pub config: TopicConfig,
}

/// The brokers that took the topic.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTopicReport {
    /// Broker addresses, in the order they were updated.
    pub brokers: Vec<String>,
    /// The configuration sent.
    pub topic_config: TopicConfig,
}

/// Largest queue count a broker accepts for one topic.
pub const MAX_QUEUE_NUMS: i32 = 1024;
/// The permissions Java's `updateTopic -p` documents: 2 write, 4 read, 6 read and write.
pub const PERMS: [i32; 3] = [2, 4, 6];

/// Checks what the broker would refuse, so wrong input exits 1 naming the flag instead of a
/// broker error (issue 20 items 9 and 10: `-p 9` made a `--X` topic, `-r 0` was a broker error).
///
/// # Errors
/// [`AdminError::Invalid`] naming the flag.
pub fn validate(tc: &TopicConfig) -> Result<(), AdminError> {
    broker::broker::topics::validate_topic(&tc.topic_name)
        .map_err(|m| AdminError::Invalid(format!("-t/--topic: {m}")))?;
    for (flag, n) in [
        ("-r/--readQueueNums", tc.read_queue_nums),
        ("-w/--writeQueueNums", tc.write_queue_nums),
    ] {
        if !(1..=MAX_QUEUE_NUMS).contains(&n) {
            return Err(AdminError::Invalid(format!(
                "{flag} must be between 1 and {MAX_QUEUE_NUMS} (got {n})"
            )));
        }
    }
    if !PERMS.contains(&tc.perm) {
        return Err(AdminError::Invalid(format!(
            "-p/--perm must be 2 (write), 4 (read) or 6 (read and write), as in Java (got {})",
            tc.perm
        )));
    }
    Ok(())
}

/// Creates or updates the topic; stops at the first broker that refuses.
///
/// # Errors
/// Unknown cluster, name server or broker failures.
pub async fn update_topic(
    admin: &Admin,
    options: &UpdateTopicOptions,
) -> Result<UpdateTopicReport, AdminError> {
    validate(&options.config)?;
    let addrs = match &options.target {
        Target::Broker(addr) => vec![addr.clone()],
        Target::Cluster(cluster) => admin
            .cluster_masters(cluster)
            .await?
            .into_iter()
            .map(|(_, addr)| addr)
            .collect(),
    };
    let tc = &options.config;
    let header = CreateTopicRequestHeader {
        topic: tc.topic_name.clone(),
        default_topic: "TBW102".into(),
        read_queue_nums: tc.read_queue_nums,
        write_queue_nums: tc.write_queue_nums,
        perm: tc.perm,
        topic_filter_type: tc.topic_filter_type.clone(),
        topic_sys_flag: Some(tc.topic_sys_flag),
        order: tc.order,
    };
    for addr in &addrs {
        admin
            .broker(
                addr,
                "UPDATE_AND_CREATE_TOPIC",
                request_with(request::UPDATE_AND_CREATE_TOPIC, &header),
            )
            .await?;
    }
    Ok(UpdateTopicReport {
        brokers: addrs,
        topic_config: tc.clone(),
    })
}

/// Java's `TopicConfig.toString()` (4.9).
pub fn java_topic_config(tc: &TopicConfig) -> String {
    format!(
        "TopicConfig [topicName={}, readQueueNums={}, writeQueueNums={}, perm={}, topicFilterType={}, topicSysFlag={}, order={}]",
        tc.topic_name,
        tc.read_queue_nums,
        tc.write_queue_nums,
        broker::remoting::body::perm::to_string(tc.perm),
        tc.topic_filter_type,
        tc.topic_sys_flag,
        tc.order
    )
}
