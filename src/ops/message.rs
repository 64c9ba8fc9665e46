//! A decoded message as the read commands report it: every record field, the properties, and
//! the body as UTF-8 text when it is valid UTF-8, else as base64.

use std::collections::BTreeMap;

use broker::store::format::property;
use broker::store::message::{offset_msg_id, DecodedMessage};
use serde::Serialize;

/// One message.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    /// Broker group it was read from (empty when unknown).
    pub broker_name: String,
    /// Topic.
    pub topic: String,
    /// Queue id.
    pub queue_id: i32,
    /// Queue offset.
    pub queue_offset: i64,
    /// Commit-log offset.
    pub commit_log_offset: i64,
    /// Offset message id (store host + commit-log offset).
    pub msg_id: String,
    /// Client message id (`UNIQ_KEY`), if set.
    pub uniq_key: Option<String>,
    /// `KEYS`, if set.
    pub keys: Option<String>,
    /// `TAGS`, if set.
    pub tags: Option<String>,
    /// Record size in bytes.
    pub store_size: i32,
    /// System flag.
    pub sys_flag: i32,
    /// User flag.
    pub flag: i32,
    /// Born time, ms.
    pub born_timestamp: i64,
    /// Store time, ms.
    pub store_timestamp: i64,
    /// Producer address.
    pub born_host: String,
    /// Broker address that stored it.
    pub store_host: String,
    /// Redeliveries.
    pub reconsume_times: i32,
    /// Body CRC as stored.
    pub body_crc: i32,
    /// All properties, sorted by name.
    pub properties: BTreeMap<String, String>,
    /// The body, when it is valid UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The body in base64, when it is not valid UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    /// The raw body.
    #[serde(skip)]
    pub body_bytes: Vec<u8>,
}

impl MessageView {
    /// The view of a decoded record read from `broker_name`.
    pub fn new(broker_name: &str, m: &DecodedMessage) -> Self {
        let (body, body_base64) = match std::str::from_utf8(&m.body) {
            Ok(s) => (Some(s.to_string()), None),
            Err(_) => (None, Some(base64(&m.body))),
        };
        Self {
            broker_name: broker_name.to_string(),
            topic: m.topic.clone(),
            queue_id: m.queue_id,
            queue_offset: m.queue_offset,
            commit_log_offset: m.physical_offset,
            msg_id: offset_msg_id(&m.store_host, m.physical_offset as u64),
            uniq_key: m.properties.get(property::UNIQ_KEY).cloned(),
            keys: m.keys().map(str::to_string),
            tags: m.tags().map(str::to_string),
            store_size: m.store_size,
            sys_flag: m.sys_flag,
            flag: m.flag,
            born_timestamp: m.born_timestamp,
            store_timestamp: m.store_timestamp,
            born_host: m.born_host.to_string(),
            store_host: m.store_host.to_string(),
            reconsume_times: m.reconsume_times,
            body_crc: m.body_crc,
            properties: m.properties.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            body,
            body_base64,
            body_bytes: m.body.clone(),
        }
    }

    /// The body for humans: the text, or `<N bytes>` when it is not UTF-8.
    pub fn body_text(&self) -> String {
        match &self.body {
            Some(s) => s.clone(),
            None => format!("<{} bytes>", self.body_bytes.len()),
        }
    }
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use broker::store::message::DecodedMessage;

    fn record(body: &[u8]) -> DecodedMessage {
        DecodedMessage {
            store_size: 0,
            magic: 0,
            body_crc: 0,
            queue_id: 1,
            flag: 0,
            queue_offset: 2,
            physical_offset: 0x8A3,
            sys_flag: 0,
            born_timestamp: 0,
            born_host: "127.0.0.1:1".parse().unwrap(),
            store_timestamp: 0,
            store_host: "127.0.0.1:29911".parse().unwrap(),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: body.to_vec(),
            topic: "T".into(),
            properties_raw: String::new(),
            properties: [("TAGS".to_string(), "a".to_string())].into(),
        }
    }

    #[test]
    fn text_and_binary_bodies() {
        let v = super::MessageView::new("b", &record(b"hi"));
        assert_eq!(v.msg_id, "7F000001000074D700000000000008A3");
        assert_eq!(v.tags.as_deref(), Some("a"));
        assert_eq!((v.body.as_deref(), v.body_base64.as_deref()), (Some("hi"), None));
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["body"], "hi");
        assert!(json.get("bodyBase64").is_none() && json.get("bodyBytes").is_none());
        let v = super::MessageView::new("b", &record(&[0xff, 0xfe]));
        assert_eq!(
            (v.body.as_deref(), v.body_base64.as_deref()),
            (None, Some("//4="))
        );
        assert_eq!(v.body_text(), "<2 bytes>");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(plain.as_bytes()), enc);
        }
        assert_eq!(super::base64(&[0xff, 0xfe]), "//4=");
    }
}
