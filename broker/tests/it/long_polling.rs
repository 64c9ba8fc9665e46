//! Long polling (PULL_MESSAGE with the suspend flag) against a real broker: a pull held on an
//! empty position is answered as soon as a message reaches its queue, whether the queue already
//! had units (woken by that queue alone, as Java's `PullRequestHoldService` keys held pulls by
//! topic and queue) or none yet (woken by the first unit there, not by every append).

use std::sync::atomic::Ordering;
use std::time::Duration;

use broker::config::BrokerRole;
use broker::remoting::codes::response;
use broker::remoting::RemotingClient;
use broker::store::message::decode_records;

use crate::util::*;

/// Held for far longer than the test waits for an answer: an answer within [`T`] was woken.
const HOLD_MS: i64 = 60_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_pulls_are_answered_when_their_queue_gets_a_message() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = broker_config(dir.path(), "broker-a", &ns.addr, BrokerRole::AsyncMaster, 0);
    let b = start_broker(cfg).await.unwrap();
    let c = RemotingClient::default();
    let created = invoke(&c, &b.addr, create_topic_request("Held", 4)).await;
    assert_eq!(created.code, response::SUCCESS, "{:?}", created.remark);
    let first = invoke(&c, &b.addr, send_request("Held", 0, b"first".to_vec(), "", "")).await;
    assert_eq!(first.code, response::SUCCESS, "{:?}", first.remark);

    // Queue 0 has a unit, queue 3 none yet: each pull waits on its own queue.
    let hold = |queue: i32, offset: i64| {
        let (c, addr) = (c.clone(), b.addr.clone());
        tokio::spawn(async move {
            let req = pull_request("g", "Held", queue, offset, 32, "*", HOLD_MS);
            c.invoke(&addr, req, Duration::from_millis(HOLD_MS as u64 + 10_000))
                .await
                .expect("held pull answered")
        })
    };
    let held0 = hold(0, 1);
    let held3 = hold(3, 0);
    let broker = b.broker.as_ref().and_then(|w| w.upgrade()).expect("broker runs");
    wait_until(T, "both pulls held", || {
        let held = broker.stats.counters.pull_in_flight.load(Ordering::Relaxed);
        async move { held == 2 }
    })
    .await;

    // A message to another queue answers neither.
    let other = invoke(&c, &b.addr, send_request("Held", 1, b"other".to_vec(), "", "")).await;
    assert_eq!(other.code, response::SUCCESS, "{:?}", other.remark);
    let second = invoke(&c, &b.addr, send_request("Held", 0, b"second".to_vec(), "", "")).await;
    assert_eq!(second.code, response::SUCCESS, "{:?}", second.remark);
    let r = tokio::time::timeout(T, held0)
        .await
        .expect("the pull held on queue 0 is answered once a message reaches queue 0")
        .unwrap();
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let got = decode_records(&r.body).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, b"second");
    assert!(!held3.is_finished(), "queue 3 got nothing yet");

    let third = invoke(&c, &b.addr, send_request("Held", 3, b"third".to_vec(), "", "")).await;
    assert_eq!(third.code, response::SUCCESS, "{:?}", third.remark);
    let r = tokio::time::timeout(T, held3)
        .await
        .expect("the pull held on queue 3 is answered once its first message arrives")
        .unwrap();
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let got = decode_records(&r.body).unwrap();
    assert_eq!((got.len(), got[0].body.as_slice()), (1, &b"third"[..]));
    drop(broker);
    b.stop().await;
    ns.stop().await;
}
