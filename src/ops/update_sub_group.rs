//! `updateSubGroup`: an operator's change to a consumer group's settings
//! (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, 200) on one broker or on every master of a cluster (the
//! leader in DLedger mode, which replicates them), as Java's `UpdateSubGroupSubCommand`,
//! resizing the group's existing retry topic when `retryQueueNums` is not the default.

use broker::remoting::body::{TopicConfig, TopicRouteData};
use broker::remoting::codes::request;
use broker::remoting::RemotingCommand;
use broker::store::config_files::SubscriptionGroupConfig;
use serde::Serialize;

use super::admin::{Admin, AdminError};
use super::consumer_connection::RETRY_GROUP_TOPIC_PREFIX;
use super::update_topic::{update_topic, Target, UpdateTopicOptions};

/// Who took the new settings.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSubGroupReport {
    /// Broker addresses that took them, in order.
    pub brokers: Vec<String>,
    /// `addr: what failed`: brokers that refused or did not answer (cluster mode goes on, as
    /// Java does), and retry topics that could not be resized.
    pub failures: Vec<String>,
    /// Brokers whose existing retry topic was resized to `retryQueueNums` (Java does it when
    /// the count is not the default 1).
    pub retry_topic_resized: Vec<String>,
    /// The settings sent.
    pub config: SubscriptionGroupConfig,
}

/// The addresses a target stands for: the address, or the cluster's masters by broker name.
///
/// # Errors
/// Unknown cluster, name servers not answering.
pub async fn addrs(admin: &Admin, target: &Target) -> Result<Vec<String>, AdminError> {
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
        retry_topic_resized: Vec::new(),
        config: config.clone(),
    };
    let retry_topic = format!("{RETRY_GROUP_TOPIC_PREFIX}{}", config.group_name);
    // Java reads the retry topic's route only when the count is not the default; a group that
    // has none yet gets it created with the new count by the broker on the first heartbeat.
    let retry_route = if config.retry_queue_nums != DEFAULT_RETRY_QUEUE_NUMS {
        admin.route(&retry_topic).await.ok()
    } else {
        None
    };
    let mut first_error = None;
    for addr in addrs(admin, target).await? {
        let req = RemotingCommand::request_empty(request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)
            .with_body(broker::json::to_vec(config));
        match admin
            .broker(&addr, "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP", req)
            .await
        {
            Ok(_) => {
                if let Some(route) = &retry_route {
                    match resize_retry_topic(admin, route, &retry_topic, &addr, config.retry_queue_nums).await
                    {
                        Ok(true) => report.retry_topic_resized.push(addr.clone()),
                        Ok(false) => {}
                        Err(e) => report
                            .failures
                            .push(format!("{addr}: retry topic {retry_topic} not resized: {e}")),
                    }
                }
                report.brokers.push(addr);
            }
            Err(e) => {
                report
                    .failures
                    .push(format!("{addr}: subscription group not updated: {e}"));
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if report.brokers.is_empty() || matches!(target, Target::Broker(_)) => Err(e),
        _ => Ok(report),
    }
}

/// Java's `SubscriptionGroupConfig.retryQueueNums` default.
pub const DEFAULT_RETRY_QUEUE_NUMS: i32 = 1;

/// Sets the retry topic's queue counts on the master at `addr` to `nums` when its route says
/// otherwise, keeping its permission; whether it changed anything.
async fn resize_retry_topic(
    admin: &Admin,
    route: &TopicRouteData,
    topic: &str,
    addr: &str,
    nums: i32,
) -> Result<bool, AdminError> {
    let Some(bd) = route
        .broker_datas
        .iter()
        .find(|bd| bd.broker_addrs.get(&0).is_some_and(|a| a == addr))
    else {
        return Ok(false);
    };
    let Some(qd) = route.queue_datas.iter().find(|q| q.broker_name == bd.broker_name) else {
        return Ok(false);
    };
    if qd.write_queue_nums == nums {
        return Ok(false);
    }
    let mut config = TopicConfig::new(topic, nums);
    config.write_queue_nums = nums;
    config.perm = qd.perm;
    let options = UpdateTopicOptions {
        target: Target::Broker(addr.to_string()),
        config,
    };
    update_topic(admin, &options).await?;
    Ok(true)
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
