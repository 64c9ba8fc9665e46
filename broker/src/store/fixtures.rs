//! Byte fixtures written from the reference spec, not from our encoders ("Tests that can fail"):
//!
//! - §2.6 message record format: a v1 record with IPv4 hosts, built field by field
//!   ([`push_record`], also used by the DLedger fixture of `raft::log_store`).
//! - §2.6 SEND_BATCH_MESSAGE body (`MessageDecoder.encodeMessages`): per message int32
//!   TOTALSIZE, int32 MAGICCODE (0), int32 BODYCRC (0), int32 FLAG, int32 bodyLen + body, int16
//!   propsLen + props.
//!
//! Checked both ways: our decoder reads the fixture to the expected values, and our encoder
//! writes exactly the fixture bytes.

use std::net::SocketAddr;

use super::message::{
    decode_batch, decode_record, encode_batch, messages_from_batch, BatchEntry, MessageToStore,
};

/// The fields of a §2.6 record with IPv4 born and store hosts. `body_crc` is given by the
/// caller (a literal: `CRC32(body) & 0x7FFFFFFF`, computed outside this code base).
pub(crate) struct RecordFields<'a> {
    pub(crate) body_crc: i32,
    pub(crate) queue_id: i32,
    pub(crate) flag: i32,
    pub(crate) queue_offset: i64,
    pub(crate) physical_offset: i64,
    pub(crate) sys_flag: i32,
    pub(crate) born_timestamp: i64,
    pub(crate) born_host: ([u8; 4], i32),
    pub(crate) store_timestamp: i64,
    pub(crate) store_host: ([u8; 4], i32),
    pub(crate) reconsume_times: i32,
    pub(crate) prepared_transaction_offset: i64,
    pub(crate) body: &'a [u8],
    pub(crate) topic: &'a str,
    pub(crate) properties: &'a str,
}

/// Appends the §2.6 record of `f` to `out`, one field at a time, in the spec's order.
pub(crate) fn push_record(out: &mut Vec<u8>, f: &RecordFields<'_>) {
    // Total length: 91 + body + topic + props when both hosts are IPv4.
    let total = 91 + f.body.len() + f.topic.len() + f.properties.len();
    let start = out.len();
    out.extend_from_slice(&(total as i32).to_be_bytes()); // 1 TOTALSIZE
    out.extend_from_slice(&[0xDA, 0xA3, 0x20, 0xA7]); // 2 MAGICCODE v1
    out.extend_from_slice(&f.body_crc.to_be_bytes()); // 3 BODYCRC
    out.extend_from_slice(&f.queue_id.to_be_bytes()); // 4 QUEUEID
    out.extend_from_slice(&f.flag.to_be_bytes()); // 5 FLAG
    out.extend_from_slice(&f.queue_offset.to_be_bytes()); // 6 QUEUEOFFSET (at 20)
    out.extend_from_slice(&f.physical_offset.to_be_bytes()); // 7 PHYSICALOFFSET (at 28)
    out.extend_from_slice(&f.sys_flag.to_be_bytes()); // 8 SYSFLAG (at 36)
    out.extend_from_slice(&f.born_timestamp.to_be_bytes()); // 9 BORNTIMESTAMP
    out.extend_from_slice(&f.born_host.0); // 10 BORNHOST: IPv4
    out.extend_from_slice(&f.born_host.1.to_be_bytes()); //    + int32 port
    out.extend_from_slice(&f.store_timestamp.to_be_bytes()); // 11 STORETIMESTAMP (at 56)
    out.extend_from_slice(&f.store_host.0); // 12 STOREHOST: IPv4
    out.extend_from_slice(&f.store_host.1.to_be_bytes()); //    + int32 port
    out.extend_from_slice(&f.reconsume_times.to_be_bytes()); // 13 RECONSUMETIMES
    out.extend_from_slice(&f.prepared_transaction_offset.to_be_bytes()); // 14 PREPARED TX OFFSET
    out.extend_from_slice(&(f.body.len() as i32).to_be_bytes()); // 15 BODY: int32 length
    out.extend_from_slice(f.body); //    bytes
    out.push(f.topic.len() as u8); // 16 TOPIC: length byte
    out.extend_from_slice(f.topic.as_bytes()); //    UTF-8
    out.extend_from_slice(&(f.properties.len() as i16).to_be_bytes()); // 17 PROPERTIES: int16 length
    out.extend_from_slice(f.properties.as_bytes()); //    UTF-8
    assert_eq!(out.len() - start, total, "fixture record length");
}

/// 4.9.x properties: `name 0x01 value`, joined by 0x02, no trailing 0x02.
const PROPS: &str = "KEYS\u{1}k0\u{2}TAGS\u{1}TagA\u{2}CLUSTER\u{1}DefaultCluster";

fn record_fields() -> RecordFields<'static> {
    RecordFields {
        body_crc: 0x248C_774F, // CRC32("Hello RocketMQ 0") & 0x7FFFFFFF
        queue_id: 3,
        flag: 5,
        queue_offset: 7,
        physical_offset: 2048,
        sys_flag: 0,
        born_timestamp: 1_690_000_000_000,
        born_host: ([192, 168, 1, 7], 40000),
        store_timestamp: 1_690_000_000_123,
        store_host: ([192, 168, 1, 10], 10911),
        reconsume_times: 2,
        prepared_transaction_offset: 0,
        body: b"Hello RocketMQ 0",
        topic: "TopicTest",
        properties: PROPS,
    }
}

#[test]
fn record_fixture_decodes() {
    let mut rec = Vec::new();
    push_record(&mut rec, &record_fields());
    assert_eq!(rec.len(), 91 + 16 + 9 + PROPS.len());
    let m = decode_record(&rec).expect("decode");
    assert_eq!(m.store_size as usize, rec.len());
    assert_eq!(m.magic, 0xDAA3_20A7);
    assert_eq!(m.body_crc, 0x248C_774F);
    assert!(m.crc_ok(), "our CRC is Java's CRC32 & 0x7FFFFFFF");
    assert_eq!((m.queue_id, m.flag), (3, 5));
    assert_eq!((m.queue_offset, m.physical_offset), (7, 2048));
    assert_eq!(m.sys_flag, 0);
    assert_eq!(m.born_timestamp, 1_690_000_000_000);
    assert_eq!(m.born_host, "192.168.1.7:40000".parse::<SocketAddr>().unwrap());
    assert_eq!(m.store_timestamp, 1_690_000_000_123);
    assert_eq!(m.store_host, "192.168.1.10:10911".parse::<SocketAddr>().unwrap());
    assert_eq!(m.reconsume_times, 2);
    assert_eq!(m.prepared_transaction_offset, 0);
    assert_eq!(m.body, b"Hello RocketMQ 0");
    assert_eq!(m.topic, "TopicTest");
    assert_eq!(m.properties_raw, PROPS);
    assert_eq!(m.tags(), Some("TagA"));
    assert_eq!(m.keys(), Some("k0"));
    assert_eq!(m.properties["CLUSTER"], "DefaultCluster");
}

#[test]
fn record_fixture_is_what_we_encode() {
    let mut want = Vec::new();
    push_record(&mut want, &record_fields());
    let m = MessageToStore {
        topic: "TopicTest".into(),
        queue_id: 3,
        flag: 5,
        sys_flag: 0,
        born_timestamp: 1_690_000_000_000,
        born_host: "192.168.1.7:40000".parse().unwrap(),
        store_host: "192.168.1.10:10911".parse().unwrap(),
        reconsume_times: 2,
        prepared_transaction_offset: 0,
        body: b"Hello RocketMQ 0".to_vec(),
        properties: PROPS.into(),
        tags_code: 2_598_919,
    };
    assert_eq!(m.record_len(), want.len());
    let mut got = Vec::new();
    m.encode_into(&mut got, 7, 2048, 1_690_000_000_123);
    assert_eq!(got, want);
}

// ---------------------------------------------------------------------------------------------
// SEND_BATCH_MESSAGE body
// ---------------------------------------------------------------------------------------------

/// Two messages as a Java producer's `MessageBatch.encode()` writes them. The first has 4.9.x
/// properties (no trailing 0x02), the second 4.5.x ones (trailing 0x02).
fn batch_body() -> Vec<u8> {
    let mut b = Vec::new();
    // Message 1.
    b.extend_from_slice(&[0x00, 0x00, 0x00, 0x41]); // TOTALSIZE 65 = 4+4+4+4 + 4+16 + 2+27
    b.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // MAGICCODE 0
    b.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // BODYCRC 0
    b.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // FLAG 0
    b.extend_from_slice(&[0x00, 0x00, 0x00, 0x10]); // bodyLen 16
    b.extend_from_slice(b"Hello RocketMQ 0"); // body
    b.extend_from_slice(&[0x00, 0x1B]); // propsLen 27
    b.extend_from_slice(b"KEYS\x01k0\x02TAGS\x01TagA\x02WAIT\x01true"); // props
                                                                        // Message 2.
    b.extend_from_slice(&[0x00, 0x00, 0x00, 0x3A]); // TOTALSIZE 58 = 4+4+4+4 + 4+16 + 2+20
    b.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // MAGICCODE 0
    b.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // BODYCRC 0
    b.extend_from_slice(&[0x00, 0x00, 0x00, 0x07]); // FLAG 7
    b.extend_from_slice(&[0x00, 0x00, 0x00, 0x10]); // bodyLen 16
    b.extend_from_slice(b"Hello RocketMQ 1"); // body
    b.extend_from_slice(&[0x00, 0x14]); // propsLen 20
    b.extend_from_slice(b"TAGS\x01TagB\x02WAIT\x01true\x02"); // props
    assert_eq!(b.len(), 65 + 58);
    b
}

fn batch_entries() -> [BatchEntry<'static>; 2] {
    [
        BatchEntry {
            flag: 0,
            body: b"Hello RocketMQ 0",
            properties: "KEYS\u{1}k0\u{2}TAGS\u{1}TagA\u{2}WAIT\u{1}true",
        },
        BatchEntry {
            flag: 7,
            body: b"Hello RocketMQ 1",
            properties: "TAGS\u{1}TagB\u{2}WAIT\u{1}true\u{2}",
        },
    ]
}

#[test]
fn batch_fixture_decodes() {
    let body = batch_body();
    assert_eq!(decode_batch(&body).expect("decode"), batch_entries());
    let template = MessageToStore {
        topic: "TopicTest".into(),
        queue_id: 1,
        flag: 0,
        sys_flag: 0,
        born_timestamp: 1_690_000_000_000,
        born_host: "192.168.1.7:40000".parse().unwrap(),
        store_host: "192.168.1.10:10911".parse().unwrap(),
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body: Vec::new(),
        properties: String::new(),
        tags_code: 0,
    };
    let msgs = messages_from_batch(&body, &template).expect("messages");
    assert_eq!(msgs.len(), 2);
    assert_eq!((msgs[0].flag, &msgs[0].body[..]), (0, &b"Hello RocketMQ 0"[..]));
    assert_eq!((msgs[1].flag, &msgs[1].body[..]), (7, &b"Hello RocketMQ 1"[..]));
    // tagsCode = Java's "TagA".hashCode() / "TagB".hashCode().
    assert_eq!(msgs[0].tags_code, 2_598_919);
    assert_eq!(msgs[1].tags_code, 2_598_920);
    assert!(msgs.iter().all(|m| m.topic == "TopicTest" && m.queue_id == 1));
}

#[test]
fn batch_fixture_is_what_we_encode() {
    assert_eq!(encode_batch(&batch_entries()), batch_body());
}
