//! JSON bodies with fastjson quirks: `json::normalize` and every body type we deserialise, plus
//! the compressed REGISTER_BROKER body.
//!
//! Checks: no panic; `normalize` leaves text that is already valid JSON unchanged (it must only
//! touch fastjson's bare numeric keys); every body that parses serialises to standard JSON that
//! parses back to the same value.
#![no_main]

use broker::json;
use broker::remoting::body::*;
use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let normalized = json::normalize(text);
        if serde_json::from_str::<serde_json::Value>(text).is_ok() {
            assert_eq!(normalized, text, "normalize changed valid JSON");
        }
        // Normalising twice changes nothing more.
        assert_eq!(json::normalize(&normalized), normalized);
    }
    round_trip::<ClusterInfo>(data);
    round_trip::<TopicRouteData>(data);
    round_trip::<TopicConfigSerializeWrapper>(data);
    round_trip::<TopicConfig>(data);
    round_trip::<RegisterBrokerBody>(data);
    round_trip::<BrokerData>(data);
    round_trip::<QueueData>(data);
    round_trip::<KvTable>(data);
    round_trip::<TopicList>(data);
    round_trip::<SubscriptionData>(data);
    round_trip::<HeartbeatData>(data);
    round_trip::<ConsumerIdList>(data);
    round_trip::<ConsumerOffsetWrapper>(data);
    round_trip::<DelayOffsetWrapper>(data);
    round_trip::<TopicStatsTable>(data);
    round_trip::<DataVersion>(data);
    for compressed in [false, true] {
        if let Ok(body) = RegisterBrokerBody::decode(data, compressed) {
            compressed_round_trip(&body);
        }
    }
});

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let Ok(v) = json::from_slice::<T>(data) else {
        return;
    };
    let out = json::to_vec(&v);
    let back: T = json::from_slice(&out).expect("our own JSON parses");
    assert_eq!(back, v, "{}", std::any::type_name::<T>());
}

/// The compressed form writes each topic as a space-separated line, so it carries topics whose
/// name and filter type have no space (the broker's own topics always qualify).
fn compressed_round_trip(body: &RegisterBrokerBody) {
    let table = &body.topic_config_serialize_wrapper.topic_config_table;
    if table
        .values()
        .any(|t| t.topic_name.contains(' ') || t.topic_filter_type.contains(' '))
    {
        return;
    }
    let back =
        RegisterBrokerBody::decode(&body.encode_compressed(), true).expect("our own compressed body decodes");
    let lines = |b: &RegisterBrokerBody| {
        b.topic_config_serialize_wrapper
            .topic_config_table
            .values()
            .map(|t| {
                let (n, r, w, p, f) = (
                    &t.topic_name,
                    t.read_queue_nums,
                    t.write_queue_nums,
                    t.perm,
                    &t.topic_filter_type,
                );
                format!("{n} {r} {w} {p} {f}")
            })
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(lines(&back), lines(body));
    assert_eq!(back.filter_server_list, body.filter_server_list);
    assert_eq!(
        back.topic_config_serialize_wrapper.data_version,
        body.topic_config_serialize_wrapper.data_version
    );
}
