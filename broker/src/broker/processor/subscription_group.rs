//! UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200) and DELETE_SUBSCRIPTIONGROUP (207): an operator's
//! changes to a consumer group's settings (`config/subscriptionGroup.json`), made through
//! `broker::meta` so that a DLedger group replicates them.

use crate::broker::Broker;
use crate::json;
use crate::remoting::codes::response;
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::DeleteSubscriptionGroupRequestHeader;
use crate::store::config_files::SubscriptionGroupConfig;

use super::{decode, error, meta_error, Reply};

/// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP: the body is the group's `SubscriptionGroupConfig`.
pub async fn update_and_create(b: &Broker, req: &RemotingCommand) -> Reply {
    let g: SubscriptionGroupConfig = json::from_slice(&req.body).map_err(|e| {
        error(
            response::SYSTEM_ERROR,
            format!("bad subscription group body: {e}"),
        )
    })?;
    if g.group_name.trim().is_empty() {
        return Err(error(response::SYSTEM_ERROR, "the group name is blank"));
    }
    b.upsert_group(g).await.map_err(meta_error)?;
    Ok(RemotingCommand::success())
}

/// DELETE_SUBSCRIPTIONGROUP: removes the group's settings, and its offsets with `removeOffset`.
pub async fn delete(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: DeleteSubscriptionGroupRequestHeader = decode(req)?;
    b.delete_group(&h.group_name, h.remove_offset.unwrap_or(false))
        .await
        .map_err(meta_error)?;
    Ok(RemotingCommand::success())
}
