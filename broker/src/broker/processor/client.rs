//! HEART_BEAT, UNREGISTER_CLIENT and GET_CONSUMER_LIST_BY_GROUP: which clients are alive and what
//! they subscribe to.

use crate::broker::groups::ClientChannel;
use crate::broker::topics::retry_topic_config;
use crate::broker::Broker;
use crate::json;
use crate::remoting::body::{ConsumerIdList, HeartbeatData};
use crate::remoting::codes::response;
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::{ConsumerGroupRequestHeader, UnregisterClientRequestHeader};
use crate::remoting::server::ConnContext;

use super::{decode, error, Reply};

/// HEART_BEAT: registers producers and consumers, auto-creates groups and their retry topics.
pub async fn heartbeat(b: &Broker, ctx: &ConnContext, req: &RemotingCommand) -> Reply {
    let hb: HeartbeatData = json::from_slice(&req.body)
        .map_err(|e| error(response::SYSTEM_ERROR, format!("bad heartbeat body: {e}")))?;
    let groups = b.groups.heartbeat(ctx.id, &hb);
    b.groups.record_channel(
        ctx.id,
        ClientChannel {
            addr: ctx.peer.to_string(),
            language: req.language_name().to_string(),
            version: req.version,
            outbound: ctx.outbound.clone(),
        },
    );
    if !hb.producer_data_set.is_empty() {
        b.transactions.remember(ctx);
    }
    for g in groups {
        if let Ok(Some(cfg)) = b
            .group_for_consume(&g, b.cfg.auto_create_subscription_group)
            .await
        {
            let unit_mode = hb
                .consumer_data_set
                .iter()
                .any(|cd| cd.group_name == g && cd.unit_mode);
            let tc = retry_topic_config(&g, cfg.retry_queue_nums.max(1), unit_mode);
            let retry = tc.topic_name.clone();
            if b.topics.get(&retry).is_none() && !b.is_slave() {
                if let Err(e) = b.upsert_topic(tc).await {
                    tracing::debug!(error = %e, topic = retry, "retry topic not created");
                }
            }
        }
    }
    Ok(RemotingCommand::success())
}

/// UNREGISTER_CLIENT.
pub fn unregister_client(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: UnregisterClientRequestHeader = decode(req)?;
    b.groups.unregister(
        &h.client_id,
        h.consumer_group.as_deref(),
        h.producer_group.as_deref(),
    );
    Ok(RemotingCommand::success())
}

/// GET_CONSUMER_LIST_BY_GROUP.
pub fn consumer_list_by_group(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: ConsumerGroupRequestHeader = decode(req)?;
    let ids = b.groups.consumer_ids(&h.consumer_group);
    if ids.is_empty() {
        return Err(error(
            response::SYSTEM_ERROR,
            format!("no consumer for this group, {}", h.consumer_group),
        ));
    }
    Ok(
        RemotingCommand::success().with_body(json::to_vec(&ConsumerIdList {
            consumer_id_list: ids,
        })),
    )
}
