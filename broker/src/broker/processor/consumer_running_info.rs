//! GET_CONSUMER_RUNNING_INFO (307): an admin tool asks one consumer client, through the broker,
//! for its running info (the queues it holds, its subscriptions and settings; Java's
//! `ConsumerRunningInfo`). The broker cannot answer for the client: it relays the request over
//! the connection the client heartbeats on and returns the client's answer as it came, as
//! Java's `AdminBrokerProcessor.callConsumer` does, with Java's error answers when the client is
//! not online, does not answer in time, or its connection fails.

use std::time::Duration;

use crate::broker::Broker;
use crate::remoting::codes::{request, response};
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::GetConsumerRunningInfoRequestHeader;
use crate::remoting::server::OutboundError;

use super::{decode, error, Reply};

/// How long the broker waits for the client (Java's `Broker2Client.callClient`: 10 s).
pub const CLIENT_CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Lowest client version that answers (Java: `V3_1_8_SNAPSHOT`, ordinal 87).
const MIN_CLIENT_VERSION: i32 = 87;

/// GET_CONSUMER_RUNNING_INFO: relays the request (its header fields and body) to the client and
/// returns the client's answer. SYSTEM_ERROR when the client is not online, too old, or its
/// connection fails; CONSUME_MSG_TIMEOUT when it does not answer within
/// [`CLIENT_CALL_TIMEOUT`].
pub async fn consumer_running_info(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: GetConsumerRunningInfoRequestHeader = decode(req)?;
    let (group, client) = (&h.consumer_group, &h.client_id);
    let not_online = || {
        error(
            response::SYSTEM_ERROR,
            format!("The Consumer <{group}> <{client}> not online"),
        )
    };
    let channel = b.groups.consumer_channel(group, client).ok_or_else(not_online)?;
    if channel.version < MIN_CLIENT_VERSION {
        return Err(error(
            response::SYSTEM_ERROR,
            format!(
                "The Consumer <{client}> Version <{}> too low to finish, please upgrade it to V3_1_8_SNAPSHOT",
                channel.version
            ),
        ));
    }
    let outbound = channel.outbound.ok_or_else(not_online)?;
    let mut relay = RemotingCommand::request_empty(request::GET_CONSUMER_RUNNING_INFO);
    relay.ext_fields = req.ext_fields.clone();
    relay.body = req.body.clone();
    match outbound.invoke(relay, CLIENT_CALL_TIMEOUT).await {
        Ok(answer) => Ok(answer),
        Err(e @ OutboundError::Timeout(_)) => Err(error(
            response::CONSUME_MSG_TIMEOUT,
            format!("consumer <{group}> <{client}> Timeout: {e}"),
        )),
        Err(e) => Err(error(
            response::SYSTEM_ERROR,
            format!("invoke consumer <{group}> <{client}> Exception: {e}"),
        )),
    }
}
