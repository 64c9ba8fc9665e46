//! Typed header decoding (`CommandHeader::decode`) of every request and response header from
//! arbitrary `extFields`.
//!
//! Input: a JSON remoting header (`{...}`), whose extFields are used, or else `key=value` lines.
//! Checks: decoding never panics, and a header that decodes re-encodes to extFields that decode
//! to the same header.
#![no_main]

use broker::remoting::command::{RemotingCommand, SerializeType};
use broker::remoting::custom_header::ExtFields;
use broker::remoting::custom_header::CommandHeader;
use broker::remoting::headers::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ext = if data.first() == Some(&b'{') {
        match RemotingCommand::decode_header_bytes(SerializeType::Json, data) {
            Ok(cmd) => cmd.ext_fields,
            Err(_) => return,
        }
    } else {
        let text = String::from_utf8_lossy(data);
        let mut ext = ExtFields::new();
        for line in text.split('\n') {
            let (k, v) = line.split_once('=').unwrap_or((line, ""));
            ext.insert(k.to_owned(), v.to_owned());
        }
        ext
    };
    all_headers(&ext);
});

fn all_headers(ext: &ExtFields) {
    check::<RegisterBrokerRequestHeader>(ext);
    check::<RegisterBrokerResponseHeader>(ext);
    check::<UnregisterBrokerRequestHeader>(ext);
    check::<GetRouteInfoRequestHeader>(ext);
    check::<SendMessageRequestHeader>(ext);
    check::<SendMessageResponseHeader>(ext);
    check::<PullMessageRequestHeader>(ext);
    check::<PullMessageResponseHeader>(ext);
    check::<QueryConsumerOffsetRequestHeader>(ext);
    check::<OffsetResponseHeader>(ext);
    check::<UpdateConsumerOffsetRequestHeader>(ext);
    check::<QueueRequestHeader>(ext);
    check::<TimestampResponseHeader>(ext);
    check::<SearchOffsetRequestHeader>(ext);
    check::<ViewMessageRequestHeader>(ext);
    check::<CreateTopicRequestHeader>(ext);
    check::<DeleteTopicRequestHeader>(ext);
    check::<TopicRequestHeader>(ext);
    check::<ConsumerGroupRequestHeader>(ext);
    check::<UnregisterClientRequestHeader>(ext);
    check::<EndTransactionRequestHeader>(ext);
    check::<CheckTransactionStateRequestHeader>(ext);
    if let Some(v2) = check::<SendMessageRequestHeaderV2>(ext) {
        // The V2 <-> V1 conversion keeps every field but the broker name.
        let back = SendMessageRequestHeaderV2::from_v1(&v2.clone().into_v1());
        assert_eq!(back, SendMessageRequestHeaderV2 { n: None, ..v2 });
    }
}

fn check<H: CommandHeader + PartialEq + std::fmt::Debug>(ext: &ExtFields) -> Option<H> {
    let h = H::decode(ext).ok()?;
    let again = H::decode(&h.encode()).expect("our own header decodes");
    assert_eq!(again, h, "{}", std::any::type_name::<H>());
    Some(h)
}
