//! The SEND_BATCH_MESSAGE body decoder (`decode_batch`, `messages_from_batch`) on arbitrary bytes.
//!
//! Checks: no panic; the entries' sizes tile the body; `encode_batch` of the entries decodes to
//! the same entries; `messages_from_batch` yields one message per entry with its body and flag.
#![no_main]

use std::net::SocketAddr;

use broker::store::message::{decode_batch, encode_batch, messages_from_batch, MessageToStore};
use libfuzzer_sys::fuzz_target;

/// Fixed bytes of a batch entry: TOTALSIZE, MAGIC, BODYCRC, FLAG, body length, properties length.
const ENTRY_FIXED: usize = 22;

fuzz_target!(|data: &[u8]| {
    let Ok(entries) = decode_batch(data) else {
        return;
    };
    assert!(!entries.is_empty());
    let total: usize = entries
        .iter()
        .map(|e| ENTRY_FIXED + e.body.len() + e.properties.len())
        .sum();
    assert_eq!(total, data.len(), "entries tile the body");
    let encoded = encode_batch(&entries);
    assert_eq!(encoded.len(), data.len());
    assert_eq!(decode_batch(&encoded).expect("our own batch decodes"), entries);

    let host: SocketAddr = "127.0.0.1:10911".parse().expect("address");
    let template = MessageToStore {
        topic: "T".into(),
        queue_id: 0,
        flag: 0,
        sys_flag: 0,
        born_timestamp: 0,
        born_host: host,
        store_host: host,
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body: Vec::new(),
        properties: String::new(),
        tags_code: 0,
    };
    let msgs = messages_from_batch(data, &template).expect("decoded once, decodes again");
    assert_eq!(msgs.len(), entries.len());
    for (m, e) in msgs.iter().zip(&entries) {
        assert_eq!(
            (m.body.as_slice(), m.flag, m.properties.as_str()),
            (e.body, e.flag, e.properties)
        );
        let _ = m.validate(4 * 1024 * 1024);
    }
});
