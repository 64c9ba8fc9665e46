//! QUERY_MESSAGE (12): messages by key, read from the store's key index (`index/`), as Java's
//! `QueryMessageProcessor.queryMessage` answers `mqadmin queryMsgByKey` and
//! `DefaultMQAdminExt.queryMessage`. VIEW_MESSAGE_BY_ID, its sibling in Java, stays in
//! [`super::offset`].

use crate::broker::Broker;
use crate::remoting::codes::response;
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::{QueryMessageRequestHeader, QueryMessageResponseHeader};

use super::{decode, error, Reply};

/// Request field (`MixAll.UNIQUE_MSG_QUERY_FLAG`) a client sets to `true` when `key` is a message
/// id (`UNIQ_KEY`): the broker then returns up to `defaultQueryMaxNum` messages, whatever `maxNum`
/// says.
pub const UNIQUE_MSG_QUERY_FLAG: &str = "_UNIQUE_KEY_QUERY";

/// Java's remark when no message matched.
pub const NOT_FOUND_REMARK: &str = "can not find message, maybe time range not correct";

/// QUERY_MESSAGE: SUCCESS with the matching records back to back as the body, or
/// QUERY_NOT_FOUND; both carry where the index stands. A missing header field is SYSTEM_ERROR.
pub fn query_message(b: &Broker, req: &RemotingCommand) -> Reply {
    let mut h: QueryMessageRequestHeader = decode(req)?;
    if req
        .ext_fields
        .get(UNIQUE_MSG_QUERY_FLAG)
        .is_some_and(|v| v == "true")
    {
        h.max_num = i32::try_from(b.cfg.default_query_max_num).unwrap_or(i32::MAX);
    }
    let r = b
        .store
        .query_message(&h.topic, &h.key, h.max_num, h.begin_timestamp, h.end_timestamp)
        .map_err(|e| error(response::SYSTEM_ERROR, e.to_string()))?;
    let header = QueryMessageResponseHeader {
        index_last_update_timestamp: r.index_last_update_timestamp,
        index_last_update_phyoffset: r.index_last_update_phy_offset,
    };
    if r.records.is_empty() {
        return Err(error(response::QUERY_NOT_FOUND, NOT_FOUND_REMARK).with_header(&header));
    }
    Ok(RemotingCommand::success()
        .with_header(&header)
        .with_body(r.records))
}
