//! LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42): orderly consumers lock the queues they consume
//! on the broker that holds them (see [`crate::broker::locks`]).
//!
//! Served whatever the role, as Java 4.9's `AdminBrokerProcessor` does: a slave or a DLedger
//! follower answers too (clients send locks to the master, so in practice a follower only sees
//! them from a client with a stale route). A body that does not parse, or that lacks the group or
//! the client id, is answered SYSTEM_ERROR with a remark; the connection stays open.

use std::time::Instant;

use crate::broker::Broker;
use crate::json;
use crate::remoting::body_group::{LockBatchRequestBody, LockBatchResponseBody};
use crate::remoting::codes::response;
use crate::remoting::command::RemotingCommand;

use super::{error, Reply};

/// A lock or unlock body with its required fields.
struct Batch {
    group: String,
    client_id: String,
    body: LockBatchRequestBody,
}

fn parse(req: &RemotingCommand, what: &str) -> Result<Batch, RemotingCommand> {
    let body: LockBatchRequestBody =
        json::from_slice(&req.body).map_err(|e| error(response::SYSTEM_ERROR, format!("bad {what}: {e}")))?;
    let missing = |field: &str| error(response::SYSTEM_ERROR, format!("bad {what}: no {field}"));
    let group = body
        .consumer_group
        .clone()
        .filter(|g| !g.is_empty())
        .ok_or_else(|| missing("consumerGroup"))?;
    let client_id = body
        .client_id
        .clone()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| missing("clientId"))?;
    Ok(Batch {
        group,
        client_id,
        body,
    })
}

/// LOCK_BATCH_MQ: locks or renews what it can; the body lists the queues the client now holds.
pub fn lock_batch_mq(b: &Broker, req: &RemotingCommand) -> Reply {
    let batch = parse(req, "LockBatchRequestBody")?;
    let locked = b
        .locks
        .try_lock_batch(&batch.group, &batch.body.mq_set, &batch.client_id, Instant::now());
    let body = LockBatchResponseBody {
        lock_ok_mq_set: locked,
    };
    Ok(RemotingCommand::success().with_body(json::to_vec(&body)))
}

/// UNLOCK_BATCH_MQ: releases the queues the client holds; always SUCCESS for a well-formed body.
pub fn unlock_batch_mq(b: &Broker, req: &RemotingCommand) -> Reply {
    let batch = parse(req, "UnlockBatchRequestBody")?;
    b.locks
        .unlock_batch(&batch.group, &batch.body.mq_set, &batch.client_id);
    Ok(RemotingCommand::success())
}
