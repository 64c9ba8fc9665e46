//! Protocol tests against the real name server started in-process on 127.0.0.1:0: JSON and binary
//! headers, fastjson quirks, and malformed input that must close only the offending connection.

use std::time::Duration;

use broker::json;
use broker::remoting::body::{ClusterInfo, RegisterBrokerBody, TopicConfig, TopicRouteData};
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{GetRouteInfoRequestHeader, RegisterBrokerRequestHeader};
use broker::remoting::{frame, RemotingClient, RemotingCommand, SerializeType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::util::start_namesrv;

const T: Duration = Duration::from_secs(5);

fn register(name: &str, addr: &str, id: i64, topics: &[&str]) -> RemotingCommand {
    let mut body = RegisterBrokerBody::default();
    for t in topics {
        body.topic_config_serialize_wrapper
            .topic_config_table
            .insert(t.to_string(), TopicConfig::new(t, 4));
    }
    let h = RegisterBrokerRequestHeader {
        broker_name: name.into(),
        broker_addr: addr.into(),
        cluster_name: "DefaultCluster".into(),
        ha_server_addr: addr.into(),
        broker_id: id,
        compressed: Some(false),
        body_crc32: None,
    };
    RemotingCommand::request(request::REGISTER_BROKER, &h).with_body(json::to_vec(&body))
}

async fn cluster_info(client: &RemotingClient, addr: &str) -> ClusterInfo {
    let resp = client
        .invoke(
            addr,
            RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO),
            T,
        )
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUCCESS);
    json::from_slice(&resp.body).unwrap()
}

/// Sends raw bytes on a fresh connection and returns what the server does: the bytes it answered
/// before closing.
async fn send_raw(addr: &str, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let _ = s.shutdown().await;
    let mut out = Vec::new();
    tokio::time::timeout(T, s.read_to_end(&mut out))
        .await
        .expect("server closes the connection")
        .ok();
    out
}

#[tokio::test]
async fn json_and_binary_headers_are_answered_in_kind() {
    let ns = start_namesrv().await;
    let client = RemotingClient::default();
    let resp = client
        .invoke(
            &ns.addr,
            register("broker-a", "127.0.0.1:10911", 0, &["TopicA"]),
            T,
        )
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUCCESS);

    // Binary (ROCKETMQ) header request over a raw socket: the response uses the binary form too.
    let mut req = RemotingCommand::request(
        request::GET_ROUTEINFO_BY_TOPIC,
        &GetRouteInfoRequestHeader {
            topic: "TopicA".into(),
            accept_standard_json_only: None,
        },
    );
    req.serialize_type = SerializeType::RocketMq;
    req.opaque = 77;
    let mut s = TcpStream::connect(&ns.addr).await.unwrap();
    s.write_all(&frame::encode_to_bytes(&req)).await.unwrap();
    let mut reader = broker::remoting::connection::FrameReader::new(s, frame::DEFAULT_MAX_FRAME);
    let resp = reader.read_command().await.unwrap().unwrap();
    assert_eq!(resp.serialize_type, SerializeType::RocketMq);
    assert_eq!(resp.opaque, 77);
    assert_eq!(resp.code, response::SUCCESS);
    let route: TopicRouteData = json::from_slice(&resp.body).unwrap();
    assert_eq!(route.queue_datas[0].broker_name, "broker-a");
    assert_eq!(route.broker_datas[0].broker_addrs[&0], "127.0.0.1:10911");
    ns.stop().await;
}

#[tokio::test]
async fn lenient_json_header_from_other_clients() {
    let ns = start_namesrv().await;
    // No serializeTypeCurrentRPC, no language, numeric and boolean extFields, unknown keys.
    let header = br#"{"code":105,"opaque":5,"flag":0,"version":300,"extFields":{"topic":"Nope","acceptStandardJsonOnly":true,"n":3},"zzz":{}}"#;
    let mut raw = Vec::new();
    raw.extend_from_slice(&((4 + header.len()) as u32).to_be_bytes());
    raw.extend_from_slice(&(header.len() as u32).to_be_bytes());
    raw.extend_from_slice(header);
    let out = send_raw(&ns.addr, &raw).await;
    let resp = frame::parse(bytes::Bytes::from(out)).unwrap();
    assert_eq!(resp.opaque, 5);
    assert_eq!(resp.code, response::TOPIC_NOT_EXIST);
    assert!(resp
        .remark
        .unwrap()
        .starts_with("No topic route info in name server for the topic: Nope"));
    ns.stop().await;
}

#[tokio::test]
async fn unknown_codes_get_not_supported() {
    let ns = start_namesrv().await;
    let client = RemotingClient::default();
    let resp = client
        .invoke(&ns.addr, RemotingCommand::request_empty(9999), T)
        .await
        .unwrap();
    assert_eq!(resp.code, response::REQUEST_CODE_NOT_SUPPORTED);
    assert_eq!(resp.remark.as_deref(), Some(" request type 9999 not supported"));
    ns.stop().await;
}

#[tokio::test]
async fn malformed_frames_close_only_their_connection() {
    let ns = start_namesrv().await;
    let client = RemotingClient::default();
    // A healthy long-lived connection that must survive everything below.
    client
        .invoke(
            &ns.addr,
            register("broker-a", "127.0.0.1:10911", 0, &["TopicA"]),
            T,
        )
        .await
        .unwrap();

    let good = frame::encode_to_bytes(&RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO));
    let too_long = ((frame::DEFAULT_MAX_FRAME + 1) as u32).to_be_bytes().to_vec();
    let header_past_end = [0u8, 0, 0, 10, 0, 0, 0x10, 0, b'{', b'}', 0, 0, 0, 0].to_vec();
    let mut non_utf8 = vec![0u8, 0, 0, 7, 0, 0, 0, 3, 0xff, 0xfe, 0xfd];
    non_utf8.extend_from_slice(&good); // a good frame after the bad one is not answered
    let truncated = good[..good.len() - 3].to_vec();
    let bad_type = [0u8, 0, 0, 6, 9, 0, 0, 2, b'{', b'}'].to_vec();
    let zero_len = [0u8, 0, 0, 0].to_vec();
    for bad in [too_long, header_past_end, non_utf8, truncated, bad_type, zero_len] {
        let answered = send_raw(&ns.addr, &bad).await;
        assert!(
            answered.is_empty(),
            "server answered a malformed frame: {answered:?}"
        );
    }
    // The server still answers new connections and the old one.
    let fresh = RemotingClient::default();
    let ci = cluster_info(&fresh, &ns.addr).await;
    assert!(ci.broker_addr_table.contains_key("broker-a"));
    let ci = cluster_info(&client, &ns.addr).await;
    assert!(ci.cluster_addr_table["DefaultCluster"].contains("broker-a"));
    ns.stop().await;
}

#[tokio::test]
async fn broker_connection_close_removes_it_and_crc_is_checked() {
    let ns = start_namesrv().await;
    let observer = RemotingClient::default();
    {
        let broker_conn = RemotingClient::default();
        let mut req = register("broker-b", "127.0.0.1:20911", 0, &["TopicB"]);
        req.ext_fields.insert("bodyCrc32".into(), "12345".into());
        let resp = broker_conn.invoke(&ns.addr, req, T).await.unwrap();
        assert_eq!(resp.code, response::SYSTEM_ERROR);
        assert_eq!(resp.remark.as_deref(), Some("crc32 not match"));

        let mut req = register("broker-b", "127.0.0.1:20911", 0, &["TopicB"]);
        let crc = broker::remoting::body::register_body_crc32(&req.body);
        req.ext_fields.insert("bodyCrc32".into(), crc.to_string());
        let resp = broker_conn.invoke(&ns.addr, req, T).await.unwrap();
        assert_eq!(resp.code, response::SUCCESS);
        assert!(cluster_info(&observer, &ns.addr)
            .await
            .broker_addr_table
            .contains_key("broker-b"));
        broker_conn.close(&ns.addr);
    }
    // Wait (bounded) for the close to be processed.
    let deadline = tokio::time::Instant::now() + T;
    loop {
        if !cluster_info(&observer, &ns.addr)
            .await
            .broker_addr_table
            .contains_key("broker-b")
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "broker not removed after its connection closed"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    ns.stop().await;
}

#[tokio::test]
async fn compressed_register_body_is_accepted() {
    let ns = start_namesrv().await;
    let client = RemotingClient::default();
    let mut req = register("broker-c", "127.0.0.1:30911", 0, &[]);
    let mut body = RegisterBrokerBody::default();
    body.topic_config_serialize_wrapper
        .topic_config_table
        .insert("Zipped".into(), TopicConfig::new("Zipped", 2));
    req.body = body.encode_compressed().into();
    req.ext_fields.insert("compressed".into(), "true".into());
    assert_eq!(
        client.invoke(&ns.addr, req, T).await.unwrap().code,
        response::SUCCESS
    );
    let resp = client
        .invoke(
            &ns.addr,
            RemotingCommand::request(
                request::GET_ROUTEINFO_BY_TOPIC,
                &GetRouteInfoRequestHeader {
                    topic: "Zipped".into(),
                    accept_standard_json_only: None,
                },
            ),
            T,
        )
        .await
        .unwrap();
    let route: TopicRouteData = json::from_slice(&resp.body).unwrap();
    assert_eq!(route.queue_datas[0].write_queue_nums, 2);
    ns.stop().await;
}

/// "Tests that can fail": a REGISTER_BROKER request as a Java broker with
/// `compressedRegister=true` sends it, built by hand from the spec (§1.1 frame, §1.2 JSON
/// header, §2.1 header fields, §2.3 compressed body: a zlib stream of int32 length + DataVersion
/// JSON, int32 topic count, int32 length + `"<name> <read> <write> <perm> <filterType>"` per
/// topic, int32 length + the filter server JSON array), with `bodyCrc32` = CRC32 of the
/// compressed bytes & 0x7FFFFFFF. The name server must accept it and serve the topics' routes.
#[tokio::test]
async fn hand_built_compressed_register_broker_frame_is_decoded() {
    use std::io::Write;

    let ns = start_namesrv().await;
    let dv = br#"{"counter":1,"timestamp":1690000000000}"#;
    let mut raw = Vec::new();
    raw.extend_from_slice(&[0x00, 0x00, 0x00, 0x27]); // int32 length 39 of the DataVersion JSON
    raw.extend_from_slice(dv); // DataVersion JSON
    raw.extend_from_slice(&[0x00, 0x00, 0x00, 0x02]); // int32 topic count 2
    raw.extend_from_slice(&[0x00, 0x00, 0x00, 0x17]); // int32 length 23 of topic line 1
    raw.extend_from_slice(b"Zipped 8 4 6 SINGLE_TAG"); // name, read, write, perm, filter type
    raw.extend_from_slice(&[0x00, 0x00, 0x00, 0x17]); // int32 length 23 of topic line 2
    raw.extend_from_slice(b"Zipped2 2 2 4 MULTI_TAG");
    raw.extend_from_slice(&[0x00, 0x00, 0x00, 0x02]); // int32 length 2 of the filter servers
    raw.extend_from_slice(b"[]"); // filter server list
                                  // Java: DeflaterOutputStream(new Deflater(Deflater.BEST_COMPRESSION)).
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw).unwrap();
    let body = z.finish().unwrap();
    let crc = crc32fast::hash(&body) & 0x7FFF_FFFF; // UtilAll.crc32

    let header = format!(
        concat!(
            r#"{{"code":103,"extFields":{{"bodyCrc32":"{}","brokerAddr":"127.0.0.1:30911","#,
            r#""brokerId":"0","brokerName":"broker-z","clusterName":"DefaultCluster","#,
            r#""compressed":"true","haServerAddr":"127.0.0.1:30912"}},"flag":0,"#,
            r#""language":"JAVA","opaque":11,"serializeTypeCurrentRPC":"JSON","version":407}}"#
        ),
        crc
    );
    let mut f = Vec::new();
    f.extend_from_slice(&((4 + header.len() + body.len()) as u32).to_be_bytes()); // length
    f.extend_from_slice(&(header.len() as u32).to_be_bytes()); // type 0 (JSON) | headerLen
    f.extend_from_slice(header.as_bytes()); // header
    f.extend_from_slice(&body); // body
                                // Keep the connection open: the name server forgets a broker whose connection closes.
    let mut s = TcpStream::connect(&ns.addr).await.unwrap();
    s.write_all(&f).await.unwrap();
    let mut reader = broker::remoting::connection::FrameReader::new(s, frame::DEFAULT_MAX_FRAME);
    let resp = reader.read_command().await.unwrap().unwrap();
    assert_eq!(
        (resp.opaque, resp.code),
        (11, response::SUCCESS),
        "{:?}",
        resp.remark
    );

    let client = RemotingClient::default();
    for (topic, read, write, perm) in [("Zipped", 8, 4, 6), ("Zipped2", 2, 2, 4)] {
        let resp = client
            .invoke(
                &ns.addr,
                RemotingCommand::request(
                    request::GET_ROUTEINFO_BY_TOPIC,
                    &GetRouteInfoRequestHeader {
                        topic: topic.into(),
                        accept_standard_json_only: None,
                    },
                ),
                T,
            )
            .await
            .unwrap();
        assert_eq!(resp.code, response::SUCCESS, "{topic}: {:?}", resp.remark);
        let route: TopicRouteData = json::from_slice(&resp.body).unwrap();
        let q = &route.queue_datas[0];
        assert_eq!(
            (
                q.broker_name.as_str(),
                q.read_queue_nums,
                q.write_queue_nums,
                q.perm
            ),
            ("broker-z", read, write, perm),
            "{topic}"
        );
        assert_eq!(route.broker_datas[0].broker_addrs[&0], "127.0.0.1:30911");
    }
    drop(reader);
    ns.stop().await;
}
