//! The broker's request dispatch: one module per group of request codes, all over
//! [`crate::broker::Broker`]. This is the layer that speaks in wire replies: the modules below it
//! return typed errors (a write's [`crate::broker::put::PutError`], a store's `StoreError`), and
//! the processors map them to Java's response codes and remarks.
//!
//! Handlers return `Result<response, error response>` so `?` works on header decoding; both are
//! responses, hence the allowed lint.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod client;
pub mod consumer_running_info;
pub mod end_transaction;
pub mod group_info;
pub mod lock;
pub mod offset;
pub mod pull;
pub mod query_message;
pub mod replica_status;
pub mod reset_offset;
pub mod send;
pub mod send_back;
pub mod subscription_group;
pub mod transfer_leadership;

use std::sync::Arc;

use crate::broker::Broker;
use crate::remoting::codes::{request, response};
use crate::remoting::command::RemotingCommand;
use crate::remoting::custom_header::CommandHeader;
use crate::remoting::server::{not_supported, ConnContext, RequestHandler};

/// A handler result: the response, or an error response.
pub type Reply = Result<RemotingCommand, RemotingCommand>;

/// An error response.
pub fn error(code: i32, remark: impl Into<String>) -> RemotingCommand {
    RemotingCommand::response(code, Some(remark.into()))
}

/// Decodes a typed header or answers SYSTEM_ERROR naming the field.
pub fn decode<H: CommandHeader>(req: &RemotingCommand) -> Result<H, RemotingCommand> {
    req.decode_header()
        .map_err(|e| error(response::SYSTEM_ERROR, e.to_string()))
}

/// Maps a refused metadata change: SERVICE_NOT_AVAILABLE naming the leader on a follower,
/// SYSTEM_ERROR when it could not be stored.
pub fn meta_error(e: crate::broker::meta::MetaError) -> RemotingCommand {
    match e {
        e @ crate::broker::meta::MetaError::NotLeader { .. } => {
            error(response::SERVICE_NOT_AVAILABLE, e.to_string())
        }
        e => error(response::SYSTEM_ERROR, e.to_string()),
    }
}

/// Serves a broker's requests.
#[derive(Debug)]
pub struct BrokerProcessor {
    /// The broker state.
    pub broker: Arc<Broker>,
}

impl RequestHandler for BrokerProcessor {
    async fn handle(&self, ctx: &ConnContext, req: RemotingCommand) -> Option<RemotingCommand> {
        let Some(m) = self.broker.metrics.as_ref() else {
            return self.dispatch(ctx, req).await;
        };
        // `rocketmq_rpc_latency`: one observation per request.
        let code = req.code;
        let started = std::time::Instant::now();
        let reply = self.dispatch(ctx, req).await;
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        m.rpc.observe(code, reply.as_ref().map(|r| r.code), millis);
        reply
    }

    fn on_disconnect(&self, ctx: &ConnContext) {
        self.broker.groups.on_disconnect(ctx.id);
        self.broker.transactions.forget(ctx.id);
    }
}

impl BrokerProcessor {
    /// Answers one request by its code (`None`: no reply, as for a pending END_TRANSACTION).
    async fn dispatch(&self, ctx: &ConnContext, req: RemotingCommand) -> Option<RemotingCommand> {
        let b = &self.broker;
        // `aclEnable=true`: one check before any code is served, so none can skip it.
        if let Some(acl) = &b.acl {
            if let Err(denied) = acl.check(ctx.peer.ip(), &req) {
                return Some(error(response::NO_PERMISSION, denied.to_string()));
            }
        }
        let reply = match req.code {
            request::SEND_MESSAGE | request::SEND_MESSAGE_V2 | request::SEND_BATCH_MESSAGE => {
                send::send(b, ctx, &req).await
            }
            request::PULL_MESSAGE => pull::pull(b, ctx, &req).await,
            request::CONSUMER_SEND_MSG_BACK => send_back::send_back(b, &req).await,
            request::QUERY_CONSUMER_OFFSET => offset::query_consumer_offset(b, &req),
            request::UPDATE_CONSUMER_OFFSET => offset::update_consumer_offset(b, &req).await,
            request::GET_MAX_OFFSET => offset::max_offset(b, &req),
            request::GET_MIN_OFFSET => offset::min_offset(b, &req),
            request::GET_EARLIEST_MSG_STORETIME => offset::earliest_msg_storetime(b, &req),
            request::SEARCH_OFFSET_BY_TIMESTAMP => offset::search_offset_by_timestamp(b, &req),
            request::QUERY_MESSAGE => query_message::query_message(b, &req),
            request::VIEW_MESSAGE_BY_ID => offset::view_message_by_id(b, &req),
            // Java answers nothing to a "pending" END_TRANSACTION, not even a two-way one.
            request::END_TRANSACTION => return end_transaction::end_transaction(b, &req).await,
            request::HEART_BEAT => client::heartbeat(b, ctx, &req).await,
            request::UNREGISTER_CLIENT => client::unregister_client(b, &req),
            request::GET_CONSUMER_LIST_BY_GROUP => client::consumer_list_by_group(b, &req),
            request::LOCK_BATCH_MQ => lock::lock_batch_mq(b, &req),
            request::UNLOCK_BATCH_MQ => lock::unlock_batch_mq(b, &req),
            request::GET_CONSUMER_CONNECTION_LIST => group_info::consumer_connection_list(b, &req),
            request::GET_PRODUCER_CONNECTION_LIST => group_info::producer_connection_list(b, &req),
            request::GET_CONSUME_STATS => group_info::consume_stats(b, &req),
            request::QUERY_TOPIC_CONSUME_BY_WHO => group_info::topic_consume_by_who(b, &req),
            request::UPDATE_AND_CREATE_TOPIC => admin::update_and_create_topic(b, &req).await,
            request::DELETE_TOPIC_IN_BROKER => admin::delete_topic(b, &req).await,
            request::GET_ALL_TOPIC_CONFIG => admin::all_topic_config(b),
            request::GET_TOPIC_STATS_INFO => admin::topic_stats(b, &req),
            request::GET_BROKER_RUNTIME_INFO => admin::runtime_info(b),
            request::GET_ALL_CONSUMER_OFFSET => admin::all_consumer_offset(b),
            request::GET_ALL_DELAY_OFFSET => admin::all_delay_offset(b),
            request::GET_ALL_SUBSCRIPTIONGROUP_CONFIG => admin::all_subscription_groups(b),
            request::GET_BROKER_CONFIG => admin::broker_config(b),
            request::GET_REPLICA_STATUS => replica_status::replica_status(b),
            request::GET_CONSUMER_RUNNING_INFO => consumer_running_info::consumer_running_info(b, &req).await,
            request::INVOKE_BROKER_TO_RESET_OFFSET => reset_offset::reset_offset(b, &req),
            request::TRANSFER_LEADERSHIP => transfer_leadership::transfer_leadership(b, &req).await,
            request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP => {
                subscription_group::update_and_create(b, &req).await
            }
            request::DELETE_SUBSCRIPTIONGROUP => subscription_group::delete(b, &req).await,
            // UPDATE_BROKER_CONFIG was the remote-code-execution vector of CVE-2023-33246: never served.
            code => Err(not_supported(code)),
        };
        Some(reply.unwrap_or_else(|e| e))
    }
}
