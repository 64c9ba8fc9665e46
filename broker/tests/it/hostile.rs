//! Hostile clients against a real broker on 127.0.0.1 (issue 7): slow-loris connections,
//! thousands of idle connections, the connection cap, oversized frames, and requests with missing
//! or absurd header fields. In every case the broker keeps serving the other clients, its memory
//! stays bounded, and a bad request gets an error response, never a panic (a panicking handler
//! would leave its request unanswered, which every check below would notice).
//!
//! Most tests start the broker in-process; the ones that bound its memory run a real `mqbroker`
//! process and read that process's RSS, not this test process's, which also holds whatever other
//! tests run beside it.
//!
//! Malformed frames against the name server are covered by `protocol.rs`; these tests do not
//! repeat them.

use std::time::{Duration, Instant};

use broker::config::BrokerRole;
use broker::remoting::body::{RegisterBrokerBody, TopicConfig};
use broker::remoting::codes::{request, response};
use broker::remoting::connection::FrameReader;
use broker::remoting::custom_header::CommandHeader;
use broker::remoting::custom_header::ExtFields;
use broker::remoting::headers::{
    QueueRequestHeader, RegisterBrokerRequestHeader, SendMessageRequestHeaderV2,
};
use broker::remoting::{frame, RemotingClient, RemotingCommand, SerializeType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::TcpStream;

use crate::util::{
    all_threads, base_props, broker_config, create_topic_on, create_topic_request, free_port_pair, invoke,
    pull_request, rss_kib_of, send_request, start_broker, start_namesrv, write_broker_conf, BrokerProc,
    Running, T,
};

/// Starts a name server and a classic broker with the given idle timeout and connection cap.
async fn hostile_broker(root: &std::path::Path, idle_secs: u64, max_connections: u32) -> (Running, Running) {
    let ns = start_namesrv().await;
    let mut cfg = broker_config(root, "broker-h", &ns.addr, BrokerRole::AsyncMaster, 0);
    cfg.server_channel_max_idle_time_seconds = idle_secs;
    cfg.max_connections = max_connections;
    cfg.validate().unwrap();
    let b = start_broker(cfg).await.unwrap();
    (ns, b)
}

/// A raw connection: write frames, read responses in order.
struct Raw {
    reader: FrameReader<OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Raw {
    async fn connect(addr: &str) -> Self {
        let s = TcpStream::connect(addr).await.unwrap();
        let (r, w) = s.into_split();
        Self {
            reader: FrameReader::new(r, frame::DEFAULT_MAX_FRAME),
            writer: w,
        }
    }

    /// Sends `cmd` and waits (bounded) for the response with its opaque.
    async fn call(&mut self, mut cmd: RemotingCommand, opaque: i32) -> Option<RemotingCommand> {
        cmd.opaque = opaque;
        self.writer.write_all(&frame::encode_to_bytes(&cmd)).await.ok()?;
        let resp = tokio::time::timeout(T, self.reader.read_command())
            .await
            .expect("answered in time")
            .ok()??;
        assert_eq!(resp.opaque, opaque);
        Some(resp)
    }
}

/// Sends `probe()` on `s` and reads the whole response frame, asserting SUCCESS; no buffer is
/// kept afterwards.
async fn call_on(s: &mut TcpStream, opaque: i32) {
    let mut req = probe();
    req.opaque = opaque;
    s.write_all(&frame::encode_to_bytes(&req)).await.unwrap();
    let mut len = [0u8; 4];
    tokio::time::timeout(T, s.read_exact(&mut len))
        .await
        .unwrap()
        .unwrap();
    let mut rest = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut rest).await.unwrap();
    let mut whole = len.to_vec();
    whole.extend_from_slice(&rest);
    let resp = frame::parse(whole.into()).unwrap();
    assert_eq!((resp.opaque, resp.code), (opaque, response::SUCCESS));
}

/// A new connection that has made one successful request.
async fn call_and_keep(addr: &str, opaque: i32) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    call_on(&mut s, opaque).await;
    s
}

/// A name server in-process and a real `mqbroker` process (a classic master) with the usual test
/// properties plus `extra`, answering: for the tests that bound the broker's memory, read from its
/// own `/proc/<pid>/status` ([`rss_kib_of`]).
async fn broker_process(dir: &std::path::Path, extra: &[(&'static str, String)]) -> (Running, BrokerProc) {
    let ns = start_namesrv().await;
    let port = free_port_pair();
    let mut props = base_props("broker-h", port, &ns.addr, &dir.join("store"));
    props.extend_from_slice(extra);
    let conf = write_broker_conf(dir, "broker.conf", &props);
    let mut b = BrokerProc::spawn(&conf, port);
    b.wait_ready().await;
    (ns, b)
}

/// Makes sure this process may open `want` descriptors, raising the soft limit if needed.
fn ensure_fd_limit(want: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        if lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
        }
    }
    lim.rlim_cur
}

/// Whether the server closed `s`: EOF or a reset within `limit`, with nothing else received.
async fn closed_by_server(s: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(limit, s.read(&mut buf)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

/// A request that is cheap for the broker and always succeeds.
fn probe() -> RemotingCommand {
    RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO)
}

/// Opens the two slow-loris connections: a partial header then silence, and a 4 KiB frame
/// dripped one byte every 100 ms (each byte well within the idle timeout, the frame never
/// complete). The drip task ends when the server closes its connection, with how long it had
/// dripped by then, or with `None` once the whole frame is out (the server never closed it).
async fn slow_lorises(addr: &str) -> (TcpStream, tokio::task::JoinHandle<Option<Duration>>) {
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled.write_all(&[0, 0, 0, 100, 0, 0]).await.unwrap();
    let frame_bytes = frame::encode_to_bytes(&probe().with_body(vec![b'x'; 4096]));
    let mut s = TcpStream::connect(addr).await.unwrap();
    let drip = tokio::spawn(async move {
        let started = Instant::now();
        let mut buf = [0u8; 16];
        for byte in frame_bytes.iter() {
            if s.write_all(&[*byte]).await.is_err() {
                return Some(started.elapsed());
            }
            // The server closing shows up as EOF (or a reset) on our read side.
            match tokio::time::timeout(Duration::from_millis(100), s.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
                Ok(Ok(_)) => panic!("the server answered an incomplete frame"),
                Err(_) => {}
            }
        }
        None
    });
    (stalled, drip)
}

/// Whether `s` is still open with nothing received: asked of the kernel (a non-blocking peek),
/// not of the runtime's readiness, which may not have seen a close yet.
fn still_open(s: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut buf = [0u8; 1];
    // SAFETY: recv(2) into a 1-byte buffer we own, on a socket we own.
    let n = unsafe {
        libc::recv(
            s.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::WouldBlock
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_loris_connections_do_not_hold_up_other_clients() {
    let dir = tempfile::tempdir().unwrap();
    // Java's idle timeout (120 s): the slow lorises stay open for the whole test.
    let (ns, b) = hostile_broker(dir.path(), 120, 10_000).await;
    let (stalled, drip) = slow_lorises(&b.addr).await;
    // A normal client is answered again and again while both are in progress: the answers did
    // not wait for them to complete or be closed (they are still open afterwards).
    let client = RemotingClient::default();
    for _ in 0..20 {
        assert_eq!(invoke(&client, &b.addr, probe()).await.code, response::SUCCESS);
    }
    assert!(
        still_open(&stalled),
        "the stalled connection was closed or answered"
    );
    assert!(
        !drip.is_finished(),
        "the dripping connection was closed or finished"
    );
    drip.abort();
    b.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_loris_connections_are_dropped_after_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (ns, b) = hostile_broker(dir.path(), 1, 10_000).await;
    let stalled_at = Instant::now();
    let (mut stalled, drip) = slow_lorises(&b.addr).await;
    assert!(
        closed_by_server(&mut stalled, T).await,
        "stalled connection still open"
    );
    let stalled_for = stalled_at.elapsed();
    assert!(
        stalled_for >= Duration::from_millis(900),
        "closed too early: {stalled_for:?}"
    );
    // Closed before its frame was complete (dripping it whole takes over 400 s), though every
    // byte came within the idle timeout, and not before that timeout.
    let dripped_for = drip.await.unwrap().expect("the dripping connection is closed");
    assert!(
        dripped_for >= Duration::from_millis(900),
        "dripping connection closed after {dripped_for:?} (idle timeout 1 s)"
    );
    // The broker still answers a new client.
    let fresh = RemotingClient::default();
    assert_eq!(invoke(&fresh, &b.addr, probe()).await.code, response::SUCCESS);
    b.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_connections_keep_memory_bounded() {
    const CONNS: usize = 2000;
    // Each connection costs a descriptor in this process and one in the broker's, which inherits
    // this limit.
    let limit = ensure_fd_limit(3 * CONNS as u64 + 1024);
    assert!(
        limit >= 2 * CONNS as u64 + 512,
        "RLIMIT_NOFILE {limit} is too low"
    );
    let dir = tempfile::tempdir().unwrap();
    let (ns, b) = broker_process(dir.path(), &[]).await;
    let client = RemotingClient::default();
    assert_eq!(invoke(&client, &b.addr, probe()).await.code, response::SUCCESS);
    let before = rss_kib_of(b.pid());

    // Every connection makes one request (so the broker has set up its reader and writer), then
    // stays idle; the RSS is the broker process's own.
    let mut idle = Vec::with_capacity(CONNS);
    for i in 0..CONNS {
        idle.push(call_and_keep(&b.addr, i as i32).await);
    }
    let grown_mib = rss_kib_of(b.pid()).saturating_sub(before) / 1024;
    eprintln!("{CONNS} idle connections: RSS grew by {grown_mib} MiB");
    assert!(
        grown_mib < 64,
        "RSS grew by {grown_mib} MiB for {CONNS} idle connections"
    );

    // A fresh client is still served while the 2 000 stay connected, and so are they.
    let fresh = RemotingClient::default();
    assert_eq!(invoke(&fresh, &b.addr, probe()).await.code, response::SUCCESS);
    for s in idle.iter_mut().step_by(97) {
        call_on(s, 5).await;
    }
    drop(idle);
    assert_eq!(invoke(&client, &b.addr, probe()).await.code, response::SUCCESS);
    drop(b);
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_cap_closes_new_connections_and_keeps_existing_ones() {
    const CAP: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let (ns, b) = hostile_broker(dir.path(), 120, CAP as u32).await;
    let mut held = Vec::new();
    for i in 0..CAP {
        let mut raw = Raw::connect(&b.addr).await;
        assert_eq!(raw.call(probe(), i as i32).await.unwrap().code, response::SUCCESS);
        held.push(raw);
    }
    // Over the cap: the TCP connect succeeds (the kernel accepts), then the broker closes it
    // without reading a request.
    for _ in 0..5 {
        let mut extra = TcpStream::connect(&b.addr).await.unwrap();
        let _ = extra.write_all(&frame::encode_to_bytes(&probe())).await;
        assert!(
            closed_by_server(&mut extra, T).await,
            "a connection over the cap was served"
        );
    }
    // The connections within the cap keep working.
    for (i, raw) in held.iter_mut().enumerate() {
        assert_eq!(
            raw.call(probe(), 100 + i as i32).await.unwrap().code,
            response::SUCCESS
        );
    }
    // Closing one frees its slot: a new connection is served again once the broker has noticed.
    drop(held.pop());
    let deadline = Instant::now() + T;
    loop {
        let mut raw = Raw::connect(&b.addr).await;
        if let Some(resp) = raw.call(probe(), 7).await {
            assert_eq!(resp.code, response::SUCCESS);
            break;
        }
        assert!(Instant::now() < deadline, "the freed slot was never reused");
        tokio::task::yield_now().await;
    }
    b.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_frames_close_only_their_connection_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let (ns, b) = broker_process(dir.path(), &[("maxFrameBytes", (1024 * 1024).to_string())]).await;
    let mut good = Raw::connect(&b.addr).await;
    assert_eq!(good.call(probe(), 1).await.unwrap().code, response::SUCCESS);

    // Announced lengths over the limit, up to u32::MAX: closed at once, nothing allocated.
    for len in [1024 * 1024 + 1, 16 * 1024 * 1024, i32::MAX as u32, u32::MAX] {
        let mut s = TcpStream::connect(&b.addr).await.unwrap();
        s.write_all(&len.to_be_bytes()).await.unwrap();
        s.write_all(&[0, 0, 0, 2, b'{', b'}']).await.unwrap();
        assert!(closed_by_server(&mut s, T).await, "length {len} not refused");
    }
    // A real frame just over the limit (a 1 MiB body) is refused the same way.
    let big = frame::encode_to_bytes(&probe().with_body(vec![0u8; 1024 * 1024]));
    let mut s = TcpStream::connect(&b.addr).await.unwrap();
    let _ = s.write_all(&big).await; // the server may close before it has read everything
    assert!(closed_by_server(&mut s, T).await);

    // 200 connections each announce the largest allowed frame and send a little of it: the
    // broker buffers what arrives, not what is announced.
    let before = rss_kib_of(b.pid());
    let mut partial = Vec::new();
    for _ in 0..200 {
        let mut s = TcpStream::connect(&b.addr).await.unwrap();
        s.write_all(&(1024u32 * 1024).to_be_bytes()).await.unwrap();
        s.write_all(&[0u8; 4096]).await.unwrap();
        partial.push(s);
    }
    assert_eq!(good.call(probe(), 2).await.unwrap().code, response::SUCCESS);
    let grown_mib = rss_kib_of(b.pid()).saturating_sub(before) / 1024;
    assert!(
        grown_mib < 64,
        "RSS grew by {grown_mib} MiB for 200 partial 1 MiB frames"
    );
    drop(partial);
    assert_eq!(good.call(probe(), 3).await.unwrap().code, response::SUCCESS);
    drop(b);
    ns.stop().await;
}

/// A request with its extFields replaced by `fields` (as a hostile client can write them).
fn with_fields(code: i32, fields: &[(&str, String)]) -> RemotingCommand {
    let mut ext = ExtFields::new();
    for (k, v) in fields {
        ext.insert((*k).to_owned(), v.clone());
    }
    let mut cmd = RemotingCommand::request_empty(code);
    cmd.ext_fields = ext;
    cmd
}

/// A field value for a label, cut to 20 characters.
fn short(v: Option<&str>) -> String {
    match v {
        Some(v) if v.chars().count() > 20 => format!(
            "{:?}...({} bytes)",
            v.chars().take(20).collect::<String>(),
            v.len()
        ),
        Some(v) => format!("{v:?}"),
        None => "(absent)".to_owned(),
    }
}

/// `base`'s extFields with `key` set to `value` (or removed when `value` is `None`).
fn tweak(base: &RemotingCommand, key: &str, value: Option<&str>) -> RemotingCommand {
    let mut cmd = base.clone();
    match value {
        Some(v) => cmd.ext_fields.insert(key.to_owned(), v.to_owned()),
        None => cmd.ext_fields.remove(key),
    };
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_header_fields_get_error_responses_and_the_connection_survives() {
    let dir = tempfile::tempdir().unwrap();
    let (ns, b) = hostile_broker(dir.path(), 120, 10_000).await;
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "Hostile", 4).await;
    assert_eq!(
        invoke(
            &c,
            &b.addr,
            send_request("Hostile", 0, b"first".to_vec(), "a", "k")
        )
        .await
        .code,
        0
    );

    let send = send_request("Hostile", 0, b"body".to_vec(), "a", "k");
    let pull = pull_request("g", "Hostile", 0, 0, 32, "*", 0);
    let queue = RemotingCommand::request(
        request::GET_MAX_OFFSET,
        &QueueRequestHeader {
            topic: "Hostile".into(),
            queue_id: 0,
        },
    );
    let huge = "9".repeat(40);
    let long_topic = "T".repeat(300);
    let big_value = "v".repeat(8 * 1024 * 1024); // within the 16 MiB frame limit
    let big_props = format!("TAGS\u{1}{}", "p".repeat(40_000));

    // (label, request, whether SUCCESS is acceptable): e.g. a negative queueId on send means
    // "pick a queue" in Java, so it may succeed; everything else must be refused.
    let mut cases: Vec<(String, RemotingCommand, bool)> = Vec::new();
    for (k, v) in [
        ("e", Some("-1")),
        ("e", Some("2147483647")),
        ("e", Some("-2147483648")),
        ("e", Some(huge.as_str())),
        ("e", Some("true")),
        ("e", None),
        ("b", None),
        ("b", Some("")),
        ("b", Some(long_topic.as_str())),
        ("b", Some("../../etc/passwd")),
        ("d", Some("-5")),
        ("d", Some("100000000")),
        ("f", Some("-1")),
        ("g", Some("1.5")),
        ("i", Some(big_props.as_str())),
        ("j", Some("-2147483648")),
        ("x", Some(big_value.as_str())),
    ] {
        let negative_queue = k == "e" && v.is_some_and(|v| v.starts_with('-'));
        let ok = negative_queue || matches!(k, "d" | "f" | "j" | "x");
        cases.push((format!("send {k}={}", short(v)), tweak(&send, k, v), ok));
    }
    let mut v1 = send.clone();
    v1.code = request::SEND_MESSAGE;
    v1.ext_fields = SendMessageRequestHeaderV2::decode(&send.ext_fields)
        .unwrap()
        .into_v1()
        .encode();
    cases.push((
        "send v1 queueId=99999".into(),
        tweak(&v1, "queueId", Some("99999")),
        false,
    ));
    let mut batch = tweak(&send, "m", Some("true"));
    batch.code = request::SEND_BATCH_MESSAGE;
    batch.body = vec![0xff; 64].into();
    cases.push(("batch with garbage body".into(), batch, false));

    for (k, v, ok) in [
        ("queueId", Some("-1"), false),
        ("queueId", Some("2147483647"), false),
        ("queueId", Some(huge.as_str()), false),
        ("queueOffset", Some("-1"), true),
        ("queueOffset", Some("9223372036854775807"), true),
        ("queueOffset", Some("-9223372036854775808"), true),
        ("maxMsgNums", Some("0"), true),
        ("maxMsgNums", Some("-1"), true),
        ("maxMsgNums", Some("2147483647"), true),
        ("maxMsgBytes", Some("-1"), true),
        ("sysFlag", Some("-1"), true),
        ("subscription", Some("||||"), true),
        ("expressionType", Some("SQL92"), false),
        ("topic", None, false),
        ("topic", Some("NoSuchTopic"), false),
        ("consumerGroup", Some(""), true), // Java's broker does not check group names either
        ("commitOffset", Some("x"), false),
    ] {
        cases.push((format!("pull {k}={}", short(v)), tweak(&pull, k, v), ok));
    }
    for code in [
        request::GET_MAX_OFFSET,
        request::GET_MIN_OFFSET,
        request::GET_EARLIEST_MSG_STORETIME,
    ] {
        for v in ["-1", "2147483647", "x"] {
            let mut q = tweak(&queue, "queueId", Some(v));
            q.code = code;
            // A queue that does not exist has offset 0 and no store time, as in Java.
            let ok = v != "x";
            cases.push((format!("code {code} queueId={v}"), q, ok));
        }
    }
    let offsets = [
        ("consumerGroup", "g".to_owned()),
        ("topic", "Hostile".to_owned()),
        ("queueId", "0".to_owned()),
        ("commitOffset", "5".to_owned()),
    ];
    // Java's offset manager stores and returns offsets of any queue id, topic and value; only
    // fields that do not parse are refused.
    for (k, v, ok) in [
        ("queueId", "-1", true),
        ("queueId", "99999", true),
        ("commitOffset", "-9223372036854775808", true),
        ("commitOffset", "1e400", false),
        ("topic", "", true),
    ] {
        let mut f: Vec<(&str, String)> = offsets.to_vec();
        f.retain(|(key, _)| *key != k);
        f.push((k, v.to_owned()));
        cases.push((
            format!("update offset {k}={v}"),
            with_fields(request::UPDATE_CONSUMER_OFFSET, &f),
            ok,
        ));
        cases.push((
            format!("query offset {k}={v}"),
            with_fields(request::QUERY_CONSUMER_OFFSET, &f),
            true,
        ));
    }
    for v in ["-1", "9223372036854775807", "-9223372036854775808", "oops"] {
        cases.push((
            format!("view message offset={v}"),
            with_fields(request::VIEW_MESSAGE_BY_ID, &[("offset", v.to_owned())]),
            false,
        ));
        cases.push((
            format!("search offset timestamp={v}"),
            with_fields(
                request::SEARCH_OFFSET_BY_TIMESTAMP,
                &[
                    ("topic", "Hostile".to_owned()),
                    ("queueId", "0".to_owned()),
                    ("timestamp", v.to_owned()),
                ],
            ),
            v != "oops",
        ));
    }
    let topic = create_topic_request("Hostile2", 4);
    for (k, v) in [
        ("readQueueNums", "-1"),
        ("readQueueNums", "100000000"),
        ("writeQueueNums", "0"),
        ("perm", "999"),
        ("topic", ""),
        ("topic", long_topic.as_str()),
        ("topic", "a/b"),
        ("order", "maybe"),
        ("topicFilterType", "NONSENSE"),
    ] {
        let mut cmd = tweak(&topic, k, Some(v));
        if k == "topic" {
            cmd.ext_fields.insert("topic".into(), v.to_owned());
        }
        // Java 4.9 accepts any perm, order and filter type here.
        let ok = matches!(k, "perm" | "order" | "topicFilterType");
        cases.push((format!("create topic {k}={}", short(Some(v))), cmd, ok));
    }
    cases.push((
        "delete topic without topic".into(),
        with_fields(request::DELETE_TOPIC_IN_BROKER, &[]),
        false,
    ));
    cases.push((
        "heartbeat with a JSON array body".into(),
        RemotingCommand::request_empty(request::HEART_BEAT).with_body(&b"[1,2,3]"[..]),
        false,
    ));
    cases.push((
        "heartbeat with fastjson garbage".into(),
        RemotingCommand::request_empty(request::HEART_BEAT).with_body(&b"{0:{1:"[..]),
        false,
    ));

    // All cases on one raw connection, in both header encodings; after each, a good request on the
    // same connection still works.
    let mut outcomes = Vec::new();
    let mut wrong = Vec::new();
    for ty in [SerializeType::Json, SerializeType::RocketMq] {
        let mut raw = Raw::connect(&b.addr).await;
        for (i, (label, cmd, success_ok)) in cases.iter().enumerate() {
            let mut cmd = cmd.clone();
            cmd.serialize_type = ty;
            let opaque = 1000 + 2 * i as i32;
            let resp = raw
                .call(cmd, opaque)
                .await
                .unwrap_or_else(|| panic!("{label} ({ty:?}): connection closed"));
            assert_eq!(resp.serialize_type, ty, "{label}");
            if !success_ok && (resp.code == response::SUCCESS || resp.remark.is_none()) {
                wrong.push(format!("{label} ({ty:?}): {} {:?}", resp.code, resp.remark));
            }
            let remark = resp.remark.as_deref().map(|r| short(Some(r))).unwrap_or_default();
            outcomes.push(format!("{label}: {} {remark}", resp.code));
            let mut p = probe();
            p.serialize_type = ty;
            assert_eq!(
                raw.call(p, opaque + 1).await.unwrap().code,
                response::SUCCESS,
                "after {label}"
            );
        }
    }
    eprintln!(
        "{} absurd requests answered:\n{}",
        outcomes.len(),
        outcomes.join("\n")
    );
    assert!(
        wrong.is_empty(),
        "accepted, or refused without a remark:\n{}",
        wrong.join("\n")
    );

    // The broker's data is intact: the first message is still there.
    let resp = invoke(&c, &b.addr, pull_request("g2", "Hostile", 0, 0, 32, "*", 0)).await;
    assert_eq!(resp.code, response::SUCCESS);
    let msgs = broker::store::message::decode_records(&resp.body).unwrap();
    assert_eq!(msgs[0].body, b"first");
    b.stop().await;
    ns.stop().await;
}

/// Runs `mqbroker -c <file> [args]` on `text` and returns (exit code, stderr, file path).
fn mqbroker_on(
    dir: &std::path::Path,
    name: &str,
    text: &str,
    args: &[&str],
) -> (Option<i32>, String, String) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mqbroker"))
        .arg("-c")
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        path.display().to_string(),
    )
}

/// Issue 7: a config file with a bad value, conflicting or duplicate peers, a self id outside the
/// peers or a missing key stops `mqbroker` with exit 2 and one error naming file, line and key;
/// an unknown key is a warning naming file, line and key.
#[test]
fn mqbroker_config_errors_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store").display().to_string();
    let dledger = format!(
        "brokerName=RaftNode00\nstorePathRootDir={store}\nenableDLegerCommitLog=true\n\
         dLegerPeers=n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913\n"
    );
    // (file name, text, line, key, what the message says)
    let cases = [
        (
            "bad-port.conf",
            "brokerName=a\nlistenPort=99999\n".to_owned(),
            2,
            "listenPort",
            "expected an integer from 0 to 65535",
        ),
        (
            "bad-role.conf",
            "# comment\n\nbrokerRole = LEADER\n".to_owned(),
            3,
            "brokerRole",
            "expected ASYNC_MASTER",
        ),
        (
            "bad-bool.conf",
            "autoCreateTopicEnable=yes\n".to_owned(),
            1,
            "autoCreateTopicEnable",
            "expected true or false",
        ),
        (
            "zero-idle.conf",
            "brokerName=a\nserverChannelMaxIdleTimeSeconds=0\n".to_owned(),
            2,
            "serverChannelMaxIdleTimeSeconds",
            "must be > 0",
        ),
        (
            "self-missing.conf",
            format!("{dledger}dLegerSelfId=n5\n"),
            5,
            "dLegerSelfId",
            "not one of the dLegerPeers ids (n0, n1, n2)",
        ),
        (
            "dup-id.conf",
            format!("{dledger}dLegerSelfId=n0\ndLegerPeers=n0-h:1;n1-h:2;n0-h:3\n"),
            6,
            "dLegerPeers",
            "peer id \"n0\" appears more than once",
        ),
        (
            "dup-addr.conf",
            format!("{dledger}dLegerSelfId=n0\ndLegerPeers=n0-h:1;n1-h:1;n2-h:3\n"),
            6,
            "dLegerPeers",
            "address \"h:1\" appears more than once",
        ),
        (
            "port-clash.conf",
            format!("listenPort=40912\n{dledger}dLegerSelfId=n1\n"),
            5,
            "dLegerPeers",
            "must differ from the remoting port",
        ),
        (
            "no-peers.conf",
            "brokerName=a\nenableDLegerCommitLog=true\ndLegerSelfId=n0\n".to_owned(),
            2,
            "dLegerPeers",
            "must be set when enableDLegerCommitLog=true",
        ),
        (
            "slave-id.conf",
            "brokerRole=SLAVE\nbrokerId=0\n".to_owned(),
            2,
            "brokerId",
            "Slave's brokerId must be > 0",
        ),
    ];
    for (name, text, line, key, what) in &cases {
        let (code, stderr, path) = mqbroker_on(dir.path(), name, text, &[]);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        // Warnings (such as the duplicate dLegerPeers in dup-id.conf) may come first; the error
        // is printed once.
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("mqbroker: ")).collect();
        assert_eq!(errors.len(), 1, "{name}: one error line: {stderr}");
        assert!(
            errors[0].starts_with(&format!("mqbroker: {path}:{line}: ")),
            "{name}: {stderr}"
        );
        assert!(
            errors[0].contains(key) && errors[0].contains(what),
            "{name}: {stderr}"
        );
    }

    // Unknown keys (a typo, a Java-5-only key) are warnings with file, line and key; `-m` prints
    // the effective config and exits 0 without starting the broker.
    let (code, stderr, path) = mqbroker_on(
        dir.path(),
        "unknown.conf",
        "brokerName=a\nlistenPort=30911\nbrokerRol=SLAVE\n\nnamesrvAdr=127.0.0.1:9876\n",
        &["-m"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("warning: {path}:3: unknown key brokerRol (ignored)")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("warning: {path}:5: unknown key namesrvAdr (ignored)")),
        "{stderr}"
    );
}

/// The real `mqnamesrv` reads `serverChannelMaxIdleTimeSeconds` from its config file and drops a
/// stalled connection after it, while answering a normal client.
/// Starts the real `mqnamesrv` with `conf` as its config file; returns once it answers.
async fn spawn_mqnamesrv(dir: &std::path::Path, conf: &str) -> (std::process::Child, String) {
    let path = dir.join("namesrv.conf");
    std::fs::write(&path, conf).unwrap();
    let addr = format!("127.0.0.1:{}", crate::util::free_port_pair());
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_mqnamesrv"))
        .arg("-c")
        .arg(&path)
        .arg("--listen")
        .arg(&addr)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let c = RemotingClient::default();
    crate::util::wait_until(T, "mqnamesrv answers", || {
        let (c, addr) = (c.clone(), addr.clone());
        async move { c.invoke(&addr, cluster_info(), T).await.is_ok() }
    })
    .await;
    (child, addr)
}

fn cluster_info() -> RemotingCommand {
    RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO)
}

fn topic_list() -> RemotingCommand {
    RemotingCommand::request_empty(request::GET_ALL_TOPIC_LIST_FROM_NAMESERVER)
}

/// A REGISTER_BROKER of a broker with `n` topics with long names.
fn register_topics(n: usize) -> RemotingCommand {
    let mut body = RegisterBrokerBody::default();
    for i in 0..n {
        let t = format!("InFlightCapTopicWithAFairlyLongName-{i:05}");
        body.topic_config_serialize_wrapper
            .topic_config_table
            .insert(t.clone(), TopicConfig::new(&t, 4));
    }
    let h = RegisterBrokerRequestHeader {
        broker_name: "broker-cap".into(),
        broker_addr: "127.0.0.1:30911".into(),
        cluster_name: "DefaultCluster".into(),
        ha_server_addr: "127.0.0.1:30912".into(),
        broker_id: 0,
        compressed: Some(false),
        body_crc32: None,
    };
    RemotingCommand::request(request::REGISTER_BROKER, &h).with_body(broker::json::to_vec(&body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqnamesrv_drops_a_stalled_connection_after_its_configured_idle_time() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_mqnamesrv(dir.path(), "serverChannelMaxIdleTimeSeconds=1\n").await;
    let c = RemotingClient::default();
    let mut stalled = TcpStream::connect(&addr).await.unwrap();
    stalled.write_all(&[0, 0, 0, 50, 0]).await.unwrap();
    let t0 = Instant::now();
    assert_eq!(invoke(&c, &addr, cluster_info()).await.code, response::SUCCESS);
    assert!(closed_by_server(&mut stalled, T).await);
    assert!(
        t0.elapsed() >= Duration::from_millis(900),
        "closed after {:?}",
        t0.elapsed()
    );
    // A new client: `c`'s own connection has now been idle for about the idle time too, and a
    // request racing the server's close of it would fail (as with Java's 120 s idle close).
    let fresh = RemotingClient::default();
    assert_eq!(
        invoke(&fresh, &addr, cluster_info()).await.code,
        response::SUCCESS
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// Issue 7: one connection pipelines far more long-polling pulls than
/// `maxRequestsInFlightPerConnection`. The broker holds the first CAP, answers every other one
/// SYSTEM_BUSY at once (as Java does when a processor queue is full), drops a oneway request over
/// the cap, keeps the connection open, serves other clients, and its memory stays bounded; once
/// the held pulls are answered the connection is served normally again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_long_polls_over_the_in_flight_cap_get_system_busy() {
    const CAP: usize = 200;
    const PIPELINED: usize = 20_000;
    const TOPIC: &str = "BusyTopic";
    let dir = tempfile::tempdir().unwrap();
    let (ns, b) = broker_process(
        dir.path(),
        &[("maxRequestsInFlightPerConnection", CAP.to_string())],
    )
    .await;
    let client = RemotingClient::default();
    create_topic_on(&client, &b.addr, TOPIC, 1).await;
    assert_eq!(invoke(&client, &b.addr, probe()).await.code, response::SUCCESS);
    let before = rss_kib_of(b.pid());

    // Pulls at offset 0 of an empty queue with a 29 s hold (the broker's cap is 30 s): every pull
    // the broker accepts stays in flight until a message arrives.
    let stream = TcpStream::connect(&b.addr).await.unwrap();
    let (r, mut w) = stream.into_split();
    let mut reader = FrameReader::new(r, frame::DEFAULT_MAX_FRAME);
    let t0 = Instant::now();
    let writing = tokio::spawn(async move {
        let mut buf = bytes::BytesMut::new();
        for opaque in 0..PIPELINED as i32 {
            let mut pull = pull_request("busy-g", TOPIC, 0, 0, 32, "*", 29_000);
            pull.opaque = opaque;
            frame::encode(&pull, &mut buf);
            if buf.len() > 64 * 1024 {
                w.write_all(&buf).await.unwrap();
                buf.clear();
            }
        }
        w.write_all(&buf).await.unwrap();
        w
    });
    // Read concurrently: a client that stops reading is pushed back on by the broker (it stops
    // reading requests once its answers queue up), which is not what this test is about.
    let mut busy = std::collections::BTreeSet::new();
    while busy.len() < PIPELINED - CAP {
        let resp = tokio::time::timeout(Duration::from_secs(20), reader.read_command())
            .await
            .expect("SYSTEM_BUSY answers arrive promptly")
            .unwrap()
            .expect("connection stays open");
        assert_eq!(resp.code, response::SYSTEM_BUSY, "{:?}", resp.remark);
        assert!(resp.remark.as_deref().unwrap_or("").contains("system busy"));
        assert!(busy.insert(resp.opaque), "opaque {} answered twice", resp.opaque);
    }
    let busy_elapsed = t0.elapsed();
    let mut w = writing.await.unwrap();
    let grown_mib = rss_kib_of(b.pid()).saturating_sub(before) / 1024;
    eprintln!(
        "{PIPELINED} pipelined pulls, cap {CAP}: {} SYSTEM_BUSY in {busy_elapsed:?}, RSS grew by {grown_mib} MiB",
        busy.len()
    );
    assert!(grown_mib < 64, "RSS grew by {grown_mib} MiB");
    // The held ones are exactly the first CAP (read in order, each spawned before the next read).
    assert_eq!(busy.first().copied(), Some(CAP as i32));

    // While the pulls are held, the same connection answers over-cap requests SYSTEM_BUSY and
    // drops a oneway one (its offset is not stored), and another client is served promptly.
    let mut dropped = crate::util::update_offset_request("busy-g2", TOPIC, 0, 5);
    dropped.mark_oneway();
    w.write_all(&frame::encode_to_bytes(&dropped)).await.unwrap();
    let mut p = probe();
    p.opaque = -1;
    w.write_all(&frame::encode_to_bytes(&p)).await.unwrap();
    let resp = tokio::time::timeout(T, reader.read_command())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!((resp.opaque, resp.code), (-1, response::SYSTEM_BUSY));
    // Another client is served while the CAP pulls are held: they are answered only after the
    // send below, each with its message (had they been held until their 29 s expiry, they would
    // answer PULL_NOT_FOUND and the check below would fail).
    let other = RemotingClient::default();
    assert_eq!(invoke(&other, &b.addr, probe()).await.code, response::SUCCESS);

    // A message wakes the held pulls: each of the CAP answers FOUND with it.
    let sent = invoke(&other, &b.addr, send_request(TOPIC, 0, b"wake".to_vec(), "", "")).await;
    assert_eq!(sent.code, response::SUCCESS);
    let mut woken = std::collections::BTreeSet::new();
    while woken.len() < CAP {
        let resp = tokio::time::timeout(T, reader.read_command())
            .await
            .expect("held pulls answered after the send")
            .unwrap()
            .unwrap();
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        assert!((0..CAP as i32).contains(&resp.opaque), "opaque {}", resp.opaque);
        assert!(woken.insert(resp.opaque));
    }

    // The connection is served normally again; the oneway request dropped over the cap left no
    // offset, a oneway one within the cap is stored.
    p.opaque = -2;
    w.write_all(&frame::encode_to_bytes(&p)).await.unwrap();
    let resp = tokio::time::timeout(T, reader.read_command())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!((resp.opaque, resp.code), (-2, response::SUCCESS));
    let stored = crate::util::query_offset(&other, &b.addr, "busy-g2", TOPIC, 0).await;
    assert_ne!(stored, Some(5), "a oneway request over the cap was handled");
    let mut kept = crate::util::update_offset_request("busy-g2", TOPIC, 0, 1);
    kept.mark_oneway();
    w.write_all(&frame::encode_to_bytes(&kept)).await.unwrap();
    crate::util::wait_until(T, "the oneway offset update within the cap", || {
        let (c, addr) = (other.clone(), b.addr.clone());
        async move { crate::util::query_offset(&c, &addr, "busy-g2", TOPIC, 0).await == Some(1) }
    })
    .await;
    drop((reader, w));
    drop(b);
    ns.stop().await;
}

/// The name server runs the same server loop: the real `mqnamesrv` reads
/// `maxRequestsInFlightPerConnection`, and with a cap of 1 a burst of pipelined requests on one
/// connection is answered in full, each SUCCESS or SYSTEM_BUSY, without closing the connection,
/// and the cap bites. Name server requests are quick, so the test holds them in flight itself: it
/// reads no answer until the name server cannot hand over another one (its per-connection answer
/// queue, its socket and ours are full). The request then in flight waits to hand over its
/// answer, so the next one read finds the cap taken and is answered SYSTEM_BUSY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqnamesrv_answers_a_burst_over_its_in_flight_cap_without_closing() {
    /// The answers the server queues per connection for its writer (`serve_connection`'s channel).
    const ANSWER_QUEUE: usize = 1024;
    /// What the writer takes from that queue into one write (`connection::MAX_COALESCED`).
    const COALESCED: usize = 256 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_mqnamesrv(dir.path(), "maxRequestsInFlightPerConnection=1\n").await;
    // 1000 topics (registered on a connection of their own, kept open: the registration lives
    // as long as it) make every GET_ALL_TOPIC_LIST_FROM_NAMESERVER answer about 40 KiB, so few
    // answers fill the sockets.
    let registrar = RemotingClient::default();
    assert_eq!(
        invoke(&registrar, &addr, register_topics(1000)).await.code,
        response::SUCCESS
    );
    let answer_len = invoke(&registrar, &addr, topic_list()).await.body.len();
    assert!(answer_len > 32 * 1024, "topic list of {answer_len} bytes");
    // How many answers the server can hand over while nobody reads: its queue, its writer's
    // buffer (up to COALESCED bytes and one answer more), its socket's send buffer (at most
    // tcp_wmem's maximum) and our receive buffer (set small here), one answer split between two
    // of them. Without a SYSTEM_BUSY, every request read but the last has had its answer handed
    // over, so the server cannot read two more than that without meeting the cap.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(64 * 1024).unwrap();
    let our_rcvbuf = socket.recv_buffer_size().unwrap() as usize;
    let wmem_max: usize = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_wmem")
        .ok()
        .and_then(|t| t.split_whitespace().nth(2)?.parse().ok())
        .unwrap_or(64 << 20);
    let handed_over = ANSWER_QUEUE + (COALESCED + wmem_max + our_rcvbuf).div_ceil(answer_len) + 2;
    let burst = handed_over + 2 + 200;
    let stream = socket.connect(addr.parse().unwrap()).await.unwrap();
    let (r, mut w) = stream.into_split();
    let mut reader = FrameReader::new(r, frame::DEFAULT_MAX_FRAME);
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = sent.clone();
    let writing = tokio::spawn(async move {
        for chunk in (0..burst as i32).collect::<Vec<_>>().chunks(100) {
            let mut buf = bytes::BytesMut::new();
            for opaque in chunk {
                let mut req = topic_list();
                req.opaque = *opaque;
                frame::encode(&req, &mut buf);
            }
            w.write_all(&buf).await.unwrap();
            counted.fetch_add(chunk.len(), std::sync::atomic::Ordering::Release);
        }
        w
    });
    // Wait until more requests than that are in the sockets and the name server has nothing left
    // to do: every thread asleep, three polls in a row (a server still reading would be running).
    // It cannot have answered them all, so it is stuck handing over an answer with the cap taken.
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut idle_polls = 0;
    while idle_polls < 3 {
        assert!(
            Instant::now() < deadline,
            "mqnamesrv never stopped with {} of {burst} requests sent",
            sent.load(std::sync::atomic::Ordering::Acquire)
        );
        let enough = sent.load(std::sync::atomic::Ordering::Acquire) >= handed_over + 2;
        idle_polls = if enough && all_threads(pid, |st| st != 'R') {
            idle_polls + 1
        } else {
            0
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (mut ok, mut busy) = (0, 0);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..burst {
        let resp = tokio::time::timeout(T, reader.read_command())
            .await
            .expect("every request answered")
            .unwrap()
            .expect("connection stays open");
        assert!(seen.insert(resp.opaque), "opaque {} answered twice", resp.opaque);
        match resp.code {
            response::SUCCESS => ok += 1,
            response::SYSTEM_BUSY => busy += 1,
            other => panic!("answer {other} {:?}", resp.remark),
        }
    }
    eprintln!(
        "mqnamesrv, cap 1: {burst} pipelined requests held unread ({answer_len}-byte answers, \
         at most {handed_over} handed over unread): {ok} SUCCESS, {busy} SYSTEM_BUSY"
    );
    assert!(
        busy > 0,
        "no SYSTEM_BUSY for {burst} requests on a connection capped at 1 in flight"
    );
    // The connection still works once the burst is over (the last task may still be finishing
    // when its answer arrives, so a probe may meet the cap once more).
    let mut w = writing.await.unwrap();
    let deadline = Instant::now() + T;
    for opaque in (i32::MIN..0).rev() {
        let mut req = cluster_info();
        req.opaque = opaque;
        w.write_all(&frame::encode_to_bytes(&req)).await.unwrap();
        let resp = tokio::time::timeout(T, reader.read_command())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(resp.opaque, opaque);
        if resp.code == response::SUCCESS {
            break;
        }
        assert_eq!(resp.code, response::SYSTEM_BUSY);
        assert!(Instant::now() < deadline, "the connection stays busy");
        tokio::task::yield_now().await;
    }
    let _ = child.kill();
    let _ = child.wait();
}
