//! The message-record decoder (`decode_record`/`decode_records`, spec §2.6) on arbitrary bytes:
//! what a PULL body, a commitlog range or the HA stream can hold after corruption.
//!
//! Checks: no panic; the records of `decode_records` tile the input exactly; a decoded record that
//! fits a v1 record re-encodes (through `MessageToStore::encode_into`) to bytes that decode to the
//! same fields.
#![no_main]

use broker::store::message::{decode_record, decode_records, DecodedMessage, MessageToStore};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(records) = decode_records(data) {
        let total: usize = records.iter().map(|m| m.store_size as usize).sum();
        assert_eq!(total, data.len(), "records tile the input");
        for m in &records {
            re_encode(m);
        }
    }
    if let Ok(m) = decode_record(data) {
        assert!(m.store_size as usize <= data.len());
        re_encode(&m);
    }
});

fn re_encode(m: &DecodedMessage) {
    // A v1 record holds at most 255 topic bytes and 32767 property bytes; lossy UTF-8 decoding can
    // grow both, so only records still within those limits are re-encoded.
    if m.topic.len() > 255 || m.properties_raw.len() > i16::MAX as usize {
        return;
    }
    let msg = MessageToStore {
        topic: m.topic.clone(),
        queue_id: m.queue_id,
        flag: m.flag,
        sys_flag: m.sys_flag,
        born_timestamp: m.born_timestamp,
        born_host: m.born_host,
        store_host: m.store_host,
        reconsume_times: m.reconsume_times,
        prepared_transaction_offset: m.prepared_transaction_offset,
        body: m.body.clone(),
        properties: m.properties_raw.clone(),
        tags_code: 0,
    };
    let mut out = Vec::new();
    msg.encode_into(&mut out, m.queue_offset, m.physical_offset, m.store_timestamp);
    assert_eq!(out.len(), msg.record_len());
    let back = decode_record(&out).expect("our own record decodes");
    assert_eq!(back.store_size as usize, out.len());
    assert!(back.crc_ok());
    assert_eq!(
        (&back.topic, &back.body, &back.properties_raw, &back.properties),
        (&m.topic, &m.body, &m.properties_raw, &m.properties)
    );
    assert_eq!(
        (back.queue_id, back.flag, back.queue_offset, back.physical_offset),
        (m.queue_id, m.flag, m.queue_offset, m.physical_offset)
    );
    assert_eq!(
        (back.born_timestamp, back.store_timestamp, back.reconsume_times),
        (m.born_timestamp, m.store_timestamp, m.reconsume_times)
    );
    assert_eq!(
        (back.born_host, back.store_host, back.prepared_transaction_offset),
        (m.born_host, m.store_host, m.prepared_transaction_offset)
    );
}
