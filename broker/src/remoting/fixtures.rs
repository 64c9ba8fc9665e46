//! Byte fixtures written from the reference spec, not from our encoders ("Tests that can fail"):
//!
//! - §1.1 frame layout and §1.2 JSON header: a QUERY_DATA_VERSION request as a Java 4.9.7
//!   broker sends it (header keys sorted, every extFields value a string, a JSON body).
//! - §1.4 ROCKETMQ binary header (serialize type 1): a request and a response with a remark
//!   and two extFields, alone and inside a frame.
//! - §2.3 compressed REGISTER_BROKER body (`compressed=true`): the zlib stream of the DataVersion
//!   JSON, the topic count, one `"<name> <read> <write> <perm> <filterType>"` line per topic
//!   and the filter server list.
//!
//! Each fixture is built field by field with the spec's names, then checked both ways: our
//! decoder reads it to the expected values, and our encoder writes exactly these bytes.

use std::io::{Read, Write};

use bytes::Bytes;

use super::body::{RegisterBrokerBody, TopicConfig};
use super::command::{RemotingCommand, SerializeType};
use super::custom_header::ExtFields;
use super::frame;

fn ext(fields: &[(&str, &str)]) -> ExtFields {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// §1.1 + §1.2: a frame with a JSON header and a body
// ---------------------------------------------------------------------------------------------

/// The JSON header of a QUERY_DATA_VERSION (322) request: fastjson's alphabetical keys,
/// `serializeTypeCurrentRPC` always present, extFields values as strings.
const QDV_HEADER: &str = concat!(
    r#"{"code":322,"#,
    r#""extFields":{"brokerAddr":"192.168.1.10:30911","brokerId":"0","brokerName":"broker-a","clusterName":"DefaultCluster"},"#,
    r#""flag":0,"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":407}"#
);
/// Its body: a DataVersion (§2.3).
const QDV_BODY: &str = r#"{"counter":3,"timestamp":1690000000000}"#;

fn qdv_frame() -> Vec<u8> {
    let mut f = Vec::new();
    // length = 4 + headerLen (215) + bodyLen (39) = 258; the length field does not count itself.
    f.extend_from_slice(&[0x00, 0x00, 0x01, 0x02]);
    // headerLenAndType: high byte 0 = JSON, low 24 bits = headerLen 215.
    f.extend_from_slice(&[0x00, 0x00, 0x00, 0xD7]);
    // header: UTF-8 JSON.
    f.extend_from_slice(QDV_HEADER.as_bytes());
    // body: the rest of the frame.
    f.extend_from_slice(QDV_BODY.as_bytes());
    f
}

fn qdv_command() -> RemotingCommand {
    RemotingCommand {
        code: 322,
        language: 0, // JAVA
        version: 407,
        opaque: 7,
        flag: 0,
        remark: None,
        ext_fields: ext(&[
            ("brokerAddr", "192.168.1.10:30911"),
            ("brokerId", "0"),
            ("brokerName", "broker-a"),
            ("clusterName", "DefaultCluster"),
        ]),
        serialize_type: SerializeType::Json,
        body: Bytes::from_static(QDV_BODY.as_bytes()),
    }
}

#[test]
fn json_frame_fixture_decodes() {
    let f = qdv_frame();
    // The fixture itself is consistent with §1.1.
    assert_eq!(QDV_HEADER.len(), 215);
    assert_eq!(QDV_BODY.len(), 39);
    assert_eq!(f.len(), 4 + 258);
    assert_eq!(frame::check(&f, frame::DEFAULT_MAX_FRAME), Ok(f.len()));
    assert_eq!(
        frame::check(&f[..f.len() - 1], frame::DEFAULT_MAX_FRAME),
        Err(frame::FrameError::Incomplete)
    );
    let cmd = frame::parse(Bytes::from(f)).expect("parse");
    assert_eq!(cmd, qdv_command());
    assert!(!cmd.is_response() && !cmd.is_oneway());
}

#[test]
fn json_frame_fixture_is_what_we_encode() {
    assert_eq!(&frame::encode_to_bytes(&qdv_command())[..], &qdv_frame()[..]);
}

/// Java writes extFields from a HashMap, so the keys may come in any order; the decoder does
/// not care.
#[test]
fn json_header_with_unsorted_ext_fields_decodes_the_same() {
    let header = concat!(
        r#"{"code":322,"#,
        r#""extFields":{"clusterName":"DefaultCluster","brokerId":"0","brokerAddr":"192.168.1.10:30911","brokerName":"broker-a"},"#,
        r#""flag":0,"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":407}"#
    );
    let mut f = Vec::new();
    f.extend_from_slice(&((4 + header.len() + QDV_BODY.len()) as u32).to_be_bytes()); // length
    f.extend_from_slice(&(header.len() as u32).to_be_bytes()); // type 0 (JSON) | headerLen
    f.extend_from_slice(header.as_bytes()); // header
    f.extend_from_slice(QDV_BODY.as_bytes()); // body
    assert_eq!(frame::parse(Bytes::from(f)).expect("parse"), qdv_command());
}

// ---------------------------------------------------------------------------------------------
// §1.4: the ROCKETMQ binary header
// ---------------------------------------------------------------------------------------------

/// GET_ROUTEINFO_BY_TOPIC (105) request, no remark, one extField.
fn route_request_header() -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&[0x00, 0x69]); // code: int16 105
    h.push(0x00); // language: u8 0 (JAVA)
    h.extend_from_slice(&[0x01, 0x97]); // version: int16 407 (V4_9_7)
    h.extend_from_slice(&[0x00, 0x00, 0x00, 0x03]); // opaque: int32 3
    h.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // flag: int32 0 (request)
    h.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // remark: int32 length 0 = null
    h.extend_from_slice(&[0x00, 0x00, 0x00, 0x14]); // extFields: int32 total length 20
    h.extend_from_slice(&[0x00, 0x05]); //   int16 keyLen 5
    h.extend_from_slice(b"topic"); //   key
    h.extend_from_slice(&[0x00, 0x00, 0x00, 0x09]); //   int32 valLen 9
    h.extend_from_slice(b"TopicTest"); //   val
    h
}

fn route_request() -> RemotingCommand {
    RemotingCommand {
        code: 105,
        language: 0,
        version: 407,
        opaque: 3,
        flag: 0,
        remark: None,
        ext_fields: ext(&[("topic", "TopicTest")]),
        serialize_type: SerializeType::RocketMq,
        body: Bytes::new(),
    }
}

const REMARK: &str = "topic[TopicTest] not exist, apply first please!";

/// One extFields entry: (int16 keyLen, key, int32 valLen, val).
fn ext_entry(key: &str, val: &str) -> Vec<u8> {
    let mut e = Vec::new();
    e.extend_from_slice(&(key.len() as i16).to_be_bytes()); // int16 keyLen
    e.extend_from_slice(key.as_bytes()); // key
    e.extend_from_slice(&(val.len() as i32).to_be_bytes()); // int32 valLen
    e.extend_from_slice(val.as_bytes()); // val
    e
}

/// A TOPIC_NOT_EXIST (17) response with a remark, up to the extFields entries.
fn not_exist_response_head() -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&[0x00, 0x11]); // code: int16 17
    h.push(0x00); // language: u8 0 (JAVA)
    h.extend_from_slice(&[0x01, 0x97]); // version: int16 407
    h.extend_from_slice(&[0x00, 0x00, 0x04, 0xD2]); // opaque: int32 1234
    h.extend_from_slice(&[0x00, 0x00, 0x00, 0x01]); // flag: int32 1 (response)
    h.extend_from_slice(&[0x00, 0x00, 0x00, 0x2F]); // remark: int32 length 47
    h.extend_from_slice(REMARK.as_bytes()); //   UTF-8 bytes
    h.extend_from_slice(&[0x00, 0x00, 0x00, 0x2F]); // extFields: int32 total length 29 + 18
    h
}

/// The entries of that response, in one order Java's HashMap may write them.
fn not_exist_response_entries() -> [Vec<u8>; 2] {
    let a = ext_entry("MSG_REGION", "DefaultRegion"); // 2 + 10 + 4 + 13 = 29 bytes
    let b = ext_entry("TRACE_ON", "true"); // 2 + 8 + 4 + 4 = 18 bytes
    assert_eq!((a.len(), b.len()), (29, 18));
    [a, b]
}

fn not_exist_response() -> RemotingCommand {
    RemotingCommand {
        code: 17,
        language: 0,
        version: 407,
        opaque: 1234,
        flag: 1,
        remark: Some(REMARK.into()),
        ext_fields: ext(&[("MSG_REGION", "DefaultRegion"), ("TRACE_ON", "true")]),
        serialize_type: SerializeType::RocketMq,
        body: Bytes::new(),
    }
}

#[test]
fn binary_header_fixture_decodes() {
    let h = route_request_header();
    assert_eq!(h.len(), 2 + 1 + 2 + 4 + 4 + 4 + 4 + 20);
    let cmd = RemotingCommand::decode_header_bytes(SerializeType::RocketMq, &h).expect("decode");
    assert_eq!(cmd, route_request());

    let [a, b] = not_exist_response_entries();
    for entries in [[&a, &b], [&b, &a]] {
        let mut h = not_exist_response_head();
        h.extend_from_slice(entries[0]);
        h.extend_from_slice(entries[1]);
        assert_eq!(h.len(), 115);
        let cmd = RemotingCommand::decode_header_bytes(SerializeType::RocketMq, &h).expect("decode");
        assert_eq!(cmd, not_exist_response());
        assert!(cmd.is_response());
    }
}

#[test]
fn binary_header_fixture_is_what_we_encode() {
    assert_eq!(route_request().encode_header(), route_request_header());
    // extFields is a map: either entry order is a correct encoding.
    let got = not_exist_response().encode_header();
    let head = not_exist_response_head();
    let [a, b] = not_exist_response_entries();
    assert_eq!(&got[..head.len()], &head[..]);
    let rest = &got[head.len()..];
    let (ab, ba) = ([&a[..], &b[..]].concat(), [&b[..], &a[..]].concat());
    assert!(rest == ab || rest == ba, "extFields entries: {rest:?}");
}

#[test]
fn binary_frame_fixture_both_ways() {
    let h = route_request_header();
    let mut f = Vec::new();
    f.extend_from_slice(&[0x00, 0x00, 0x00, 0x2D]); // length = 4 + headerLen 41, no body
    f.extend_from_slice(&[0x01, 0x00, 0x00, 0x29]); // type 1 (ROCKETMQ) << 24 | headerLen 41
    f.extend_from_slice(&h); // header
    assert_eq!(
        frame::parse(Bytes::from(f.clone())).expect("parse"),
        route_request()
    );
    assert_eq!(&frame::encode_to_bytes(&route_request())[..], &f[..]);
}

// ---------------------------------------------------------------------------------------------
// §2.3: the compressed REGISTER_BROKER body
// ---------------------------------------------------------------------------------------------

/// What Java's `RegisterBrokerBody.encode(true)` deflates, for two topics in name order (ours
/// writes the table sorted; Java's map order is arbitrary, which the decoder accepts).
fn register_body_raw() -> Vec<u8> {
    let dv = br#"{"counter":3,"timestamp":1690000000000}"#;
    let t1 = b"%RETRY%group1 1 1 6 SINGLE_TAG";
    let t2 = b"TopicTest 8 4 6 SINGLE_TAG";
    let mut raw = Vec::new();
    raw.extend_from_slice(&[0x00, 0x00, 0x00, 0x27]); // int32 length 39 of the DataVersion JSON
    raw.extend_from_slice(dv); // DataVersion JSON
    raw.extend_from_slice(&[0x00, 0x00, 0x00, 0x02]); // int32 topic count 2
    raw.extend_from_slice(&[0x00, 0x00, 0x00, 0x1E]); // int32 length 30 of topic line 1
    raw.extend_from_slice(t1); // "<name> <read> <write> <perm> <filterType>"
    raw.extend_from_slice(&[0x00, 0x00, 0x00, 0x1A]); // int32 length 26 of topic line 2
    raw.extend_from_slice(t2); // read 8, write 4: a swap would show
    raw.extend_from_slice(&[0x00, 0x00, 0x00, 0x02]); // int32 length 2 of the filter servers
    raw.extend_from_slice(b"[]"); // JSON array of filter servers
    assert_eq!((dv.len(), t1.len(), t2.len()), (39, 30, 26));
    raw
}

/// Deflates like Java's `DeflaterOutputStream(new Deflater(BEST_COMPRESSION))`: a zlib stream.
fn java_deflate(raw: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(raw).expect("deflate");
    enc.finish().expect("deflate")
}

/// The compressed REGISTER_BROKER body of the fixture, as the name server receives it.
fn register_body_compressed() -> Vec<u8> {
    java_deflate(&register_body_raw())
}

fn register_body() -> RegisterBrokerBody {
    let mut body = RegisterBrokerBody::default();
    let w = &mut body.topic_config_serialize_wrapper;
    w.data_version.counter = 3;
    w.data_version.timestamp = 1_690_000_000_000;
    w.topic_config_table
        .insert("%RETRY%group1".into(), TopicConfig::new("%RETRY%group1", 1));
    let mut t = TopicConfig::new("TopicTest", 8);
    t.write_queue_nums = 4;
    w.topic_config_table.insert("TopicTest".into(), t);
    body
}

#[test]
fn compressed_register_body_fixture_decodes() {
    let body = RegisterBrokerBody::decode(&register_body_compressed(), true).expect("decode");
    assert_eq!(body, register_body());
    let t = &body.topic_config_serialize_wrapper.topic_config_table["TopicTest"];
    assert_eq!((t.read_queue_nums, t.write_queue_nums, t.perm), (8, 4, 6));
    // The compression level must not matter either.
    let fast = {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&register_body_raw()).expect("deflate");
        enc.finish().expect("deflate")
    };
    assert_eq!(
        RegisterBrokerBody::decode(&fast, true).expect("decode"),
        register_body()
    );
}

#[test]
fn compressed_register_body_fixture_is_what_we_encode() {
    // Compressed bytes depend on the deflate implementation and level; the layout is what the
    // spec fixes, so compare what the stream inflates to.
    let ours = register_body().encode_compressed();
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&ours[..])
        .read_to_end(&mut raw)
        .expect("our body is a zlib stream");
    assert_eq!(raw, register_body_raw());
}
