//! `queryMsgById`: decode an offset message id into the store host and commit-log offset, then
//! VIEW_MESSAGE_BY_ID (33) on that host and decode the record.

use broker::remoting::codes::request;
use broker::remoting::headers::ViewMessageRequestHeader;
use broker::store::format::decode_message_id;
use broker::store::message::decode_record;

use super::admin::{request_with, Admin, AdminError};
use super::message::MessageView;

/// The store address and commit-log offset an offset message id names.
///
/// # Errors
/// [`AdminError::Invalid`] when `id` is not 32 hex digits (the IPv4 offset id).
pub fn parse_msg_id(id: &str) -> Result<(String, i64), AdminError> {
    let (ip, port, offset) = decode_message_id(id.trim()).ok_or_else(|| {
        AdminError::Invalid(format!(
            "{id:?} is not an offset message id (32 hex digits: store IPv4, port, commit-log offset)"
        ))
    })?;
    // A unique key (UNIQ_KEY, the #MsgId sendMessage prints, as Java's) is 32 hex digits too: its
    // pid and class-loader hash land where the port is, its timestamp where the offset is.
    let (Ok(port), Ok(offset)) = (u16::try_from(port), i64::try_from(offset)) else {
        return Err(AdminError::Invalid(format!(
            "{id} is not an offset message id (port {port}, offset {offset} are impossible): it looks \
             like a unique key (UNIQ_KEY, the #MsgId sendMessage prints), which these brokers cannot \
             look up (QUERY_MESSAGE by key is not served); pass the offset message id that sendMessage \
             prints on stderr (\"offset message id\") and as offsetMsgId with --output json"
        )));
    };
    let ip = std::net::Ipv4Addr::from(ip);
    Ok((format!("{ip}:{port}"), offset))
}

/// Reads the message an offset message id names.
///
/// # Errors
/// A malformed id, an unreachable store host, or a broker that has no record at that offset.
pub async fn query_msg_by_id(admin: &Admin, id: &str) -> Result<MessageView, AdminError> {
    let (addr, offset) = parse_msg_id(id)?;
    let resp = match admin
        .broker(
            &addr,
            "VIEW_MESSAGE_BY_ID",
            request_with(request::VIEW_MESSAGE_BY_ID, &ViewMessageRequestHeader { offset }),
        )
        .await
    {
        Ok(resp) => resp,
        // The broker answers SYSTEM_ERROR `can not find message by the offset, N`: the id names
        // no message (wrong id, or the commit log was cleaned up), an input failure.
        Err(AdminError::Refused { remark, .. }) if remark.starts_with("can not find message") => {
            return Err(AdminError::Invalid(format!(
                "message {id} not found: {addr} has no message at commit-log offset {offset}"
            )));
        }
        Err(e) => return Err(e),
    };
    let m = decode_record(&resp.body).map_err(|e| AdminError::BadBody {
        addr: addr.clone(),
        what: "message record",
        reason: e.to_string(),
    })?;
    Ok(MessageView::new("", &m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids() {
        assert_eq!(
            parse_msg_id("7F000001000074D700000000000008A3").unwrap(),
            ("127.0.0.1:29911".to_string(), 0x8A3)
        );
        assert!(matches!(parse_msg_id("nothex"), Err(AdminError::Invalid(_))));
        // A unique key: port and offset fields out of range.
        assert!(matches!(
            parse_msg_id("7F0000013454EA8FB8EB186B96E50000"),
            Err(AdminError::Invalid(m)) if m.contains("unique key")
        ));
        assert!(matches!(
            parse_msg_id("ZZ000001000074D700000000000008A3"),
            Err(AdminError::Invalid(_))
        ));
    }
}
