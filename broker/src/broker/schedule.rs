//! Delayed messages, as Java 4.9's `ScheduleMessageService` and the delay branch of
//! `CommitLog.putMessage` handle them.
//!
//! - [`divert_delayed`] (called by [`Broker::put`]): a message with `DELAY=n` (n > 0, capped at
//!   the highest level) is stored in `SCHEDULE_TOPIC_XXXX` queue `n - 1` instead, with its topic
//!   and queue in `REAL_TOPIC`/`REAL_QID`. The store gives its unit the delivery time as tagsCode
//!   (`store/delay.rs`).
//! - [`run`]: on the master or DLedger leader only, reads each level's queue from its delay offset
//!   and, once a message is due, writes the real message through [`Broker::put`] and records the
//!   level's progress with [`Broker::set_delay_offset`] (`config/delayOffset.json`). A node that
//!   loses the role stops; one that gains it resumes from the (replicated or synced) delay
//!   offsets, so a message is delivered at least once, and again only if its level's progress
//!   had not reached the new leader. It sleeps until the earliest due time or until a delayed
//!   message is stored (`Broker::schedule_wake`).

use std::sync::Arc;
use std::time::Duration;

use crate::remoting::body::now_millis;
use crate::store::delay::DelayLevels;
use crate::store::error::StoreError;
use crate::store::format::{property, sys_flag, SCHEDULE_TOPIC};
use crate::store::message::{decode_record, edit_properties, find_property, tags_code, MessageToStore};

use super::put::PutError;
use super::Broker;

/// Units read from a schedule queue at a time.
const BATCH: usize = 32;
/// Longest sleep without a due message: also how soon a demoted node stops.
const IDLE: Duration = Duration::from_secs(1);
/// Wait before retrying a delivery the store refused (a full disk, an I/O error).
const RETRY_MS: i64 = 1000;
/// How often a slave or follower checks whether it became the master or leader.
const ROLE_POLL: Duration = Duration::from_millis(500);

/// Diverts a delayed message to the schedule topic; returns whether it did. Transaction
/// prepared and rollback messages are left alone (their DELAY applies when they are committed).
pub fn divert_delayed(levels: &DelayLevels, m: &mut MessageToStore) -> bool {
    let tran = m.sys_flag & sys_flag::TRANSACTION_MASK;
    if tran == sys_flag::TRANSACTION_PREPARED || tran == sys_flag::TRANSACTION_ROLLBACK {
        return false;
    }
    // Java parses DELAY with Integer.parseInt; a value that is not a number is not a delay here.
    let Some(level) =
        find_property(&m.properties, property::DELAY).and_then(|d| d.trim().parse::<i32>().ok())
    else {
        return false;
    };
    if level <= 0 {
        return false;
    }
    let level = levels.cap(level);
    let level_s = level.to_string();
    let qid = m.queue_id.to_string();
    m.properties = edit_properties(
        &m.properties,
        &[
            (property::DELAY, Some(&level_s)),
            (property::REAL_TOPIC, Some(&m.topic)),
            (property::REAL_QID, Some(&qid)),
        ],
    );
    m.topic = SCHEDULE_TOPIC.to_owned();
    m.queue_id = level - 1;
    true
}

/// The message to deliver for a due schedule record (`messageTimeup`): the real topic and queue
/// back, `DELAY` removed (Java keeps `REAL_TOPIC`/`REAL_QID`), everything else as stored. `None`
/// for a record without a usable real topic or queue, or whose real topic is the transaction
/// half topic (Java discards those).
pub fn timeup_message(record: &[u8]) -> Option<MessageToStore> {
    let d = decode_record(record).ok()?;
    let topic = d.properties.get(property::REAL_TOPIC)?.clone();
    let queue_id: i32 = d.properties.get(property::REAL_QID)?.trim().parse().ok()?;
    if topic == "RMQ_SYS_TRANS_HALF_TOPIC" {
        return None;
    }
    let properties = edit_properties(&d.properties_raw, &[(property::DELAY, None)]);
    Some(MessageToStore {
        tags_code: tags_code(d.tags()),
        topic,
        queue_id,
        flag: d.flag,
        sys_flag: d.sys_flag,
        born_timestamp: d.born_timestamp,
        born_host: d.born_host,
        store_host: d.store_host,
        reconsume_times: d.reconsume_times,
        prepared_transaction_offset: 0,
        body: d.body,
        properties,
    })
}

/// Runs the scheduler for the broker's lifetime: serves while this node is the master or the
/// DLedger leader, and waits while it is not.
pub async fn run(b: Arc<Broker>) {
    loop {
        while b.is_slave() {
            tokio::time::sleep(ROLE_POLL).await;
        }
        tracing::info!("delayed-message scheduler started");
        serve(&b).await;
        tracing::info!("delayed-message scheduler stopped: this node is no longer the master or leader");
        // A DLedger leader handing over refuses writes before it stops being the leader: wait
        // instead of retrying at once.
        tokio::time::sleep(ROLE_POLL).await;
    }
}

/// Why delivering a level stopped early.
enum Stop {
    /// This node is no longer the master or leader.
    Demoted,
}

/// Delivers due messages until this node is demoted.
async fn serve(b: &Broker) {
    let levels = b.store.delay_levels().clone();
    let mut offsets: Vec<i64> = vec![0; levels.max_level() as usize];
    loop {
        if b.is_slave() {
            return;
        }
        // The recorded progress is ours while we lead, but a node that lost and regained the
        // role between two passes may have copied a newer leader's meanwhile: never go back.
        let saved = b.offsets.delay();
        for (i, o) in offsets.iter_mut().enumerate() {
            if let Some(&s) = saved.offset_table.get(&(i as i32 + 1)) {
                *o = (*o).max(s);
            }
        }
        let mut wake_at: Option<i64> = None;
        for level in 1..=levels.max_level() {
            let Some(offset) = offsets.get_mut((level - 1) as usize) else {
                continue;
            };
            match deliver_level(b, &levels, level, offset).await {
                Ok(Some(at)) => wake_at = Some(wake_at.map_or(at, |w| w.min(at))),
                Ok(None) => {}
                Err(Stop::Demoted) => return,
            }
        }
        let idle = IDLE.as_millis() as i64;
        let sleep_ms = wake_at.map_or(idle, |at| (at - now_millis()).clamp(0, idle));
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(sleep_ms as u64)) => {}
            _ = b.schedule_wake.notified() => {}
        }
    }
}

/// Delivers the due messages of one level from `*offset`, advancing it. Returns when the next
/// message is due (or when to retry a refused delivery); `None` when the queue is drained.
async fn deliver_level(
    b: &Broker,
    levels: &DelayLevels,
    level: i32,
    offset: &mut i64,
) -> Result<Option<i64>, Stop> {
    let delay = levels.delay_millis(level).unwrap_or(0);
    loop {
        let (units, min, max) = match b.store.schedule_units(level, *offset, BATCH) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(None),
            Err(e) => {
                tracing::warn!(level, offset = *offset, "reading the schedule queue failed: {e}");
                return Ok(Some(now_millis() + RETRY_MS));
            }
        };
        if units.is_empty() {
            // Out of the queue's range (its files expired, or the offsets file is ahead of the
            // queue): continue from the nearest end, as Java's `correctDelayOffset` does.
            let corrected = (*offset).clamp(min, max);
            if corrected != *offset {
                tracing::warn!(
                    level,
                    from = *offset,
                    to = corrected,
                    "delay offset outside its schedule queue; corrected"
                );
                *offset = corrected;
                if set_progress(b, level, corrected).await.is_err() {
                    return Err(Stop::Demoted);
                }
                continue;
            }
            return Ok(None);
        }
        for u in units {
            let now = now_millis();
            // A delivery time further away than the level's delay (the clock went back, or the
            // level was shortened) is due now, as Java corrects it.
            let due = if u.tags_code > now.saturating_add(delay) {
                now
            } else {
                u.tags_code
            };
            if due > now {
                return Ok(Some(due));
            }
            if !u.is_blank() {
                if let Some(retry_at) = deliver_one(b, level, *offset, u.phys_offset).await? {
                    return Ok(Some(retry_at));
                }
            }
            *offset += 1;
            if set_progress(b, level, *offset).await.is_err() {
                return Err(Stop::Demoted);
            }
        }
    }
}

/// Records a level's progress; an error means this node may no longer change metadata.
async fn set_progress(b: &Broker, level: i32, offset: i64) -> Result<(), ()> {
    b.set_delay_offset(level, offset).await.map_err(|e| {
        tracing::info!(level, offset, "delay offset not recorded: {e}");
    })
}

/// Writes the real message of the schedule record at `phys`. `Ok(None)` when it is written or
/// skipped (gone, unusable, refused as illegal: Java would retry those forever), `Ok(Some(t))` to
/// retry at `t`.
async fn deliver_one(b: &Broker, level: i32, offset: i64, phys: i64) -> Result<Option<i64>, Stop> {
    let found = match u64::try_from(phys) {
        Ok(p) => b.store.lookup_message_by_offset(p),
        Err(_) => Ok(None),
    };
    let record = match found {
        Ok(Some(r)) => r,
        Ok(None) => {
            tracing::warn!(
                level,
                offset,
                phys,
                "delayed message not found in the commitlog; skipped"
            );
            return Ok(None);
        }
        Err(e) => {
            tracing::warn!(
                level,
                offset,
                phys,
                "reading a delayed message failed ({e}); retrying"
            );
            return Ok(Some(now_millis() + RETRY_MS));
        }
    };
    let Some(msg) = timeup_message(&record) else {
        tracing::warn!(
            level,
            offset,
            phys,
            "delayed message without a usable REAL_TOPIC/REAL_QID; skipped"
        );
        return Ok(None);
    };
    if b.is_slave() {
        return Err(Stop::Demoted);
    }
    match b.put(vec![msg]).await {
        // A put that only timed out waiting for the flush is stored: delivering it again would
        // duplicate it.
        Ok(_) => Ok(None),
        Err(PutError::NotLeader) => Err(Stop::Demoted),
        Err(PutError::Store(
            e @ (StoreError::MessageIllegal(_)
            | StoreError::PropertiesSizeExceeded(_)
            | StoreError::Malformed(_)),
        )) => {
            tracing::warn!(
                level,
                offset,
                phys,
                "delayed message refused by the store ({e}); skipped"
            );
            Ok(None)
        }
        Err(e) => {
            tracing::warn!(
                level,
                offset,
                phys,
                "delivering a delayed message failed ({e}); retrying"
            );
            Ok(Some(now_millis() + RETRY_MS))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::message::{decode_properties, encode_properties};

    fn msg(props: &str, sys: i32) -> MessageToStore {
        let a: std::net::SocketAddr = "127.0.0.1:1".parse().unwrap();
        MessageToStore {
            topic: "T".into(),
            queue_id: 3,
            flag: 0,
            sys_flag: sys,
            born_timestamp: 1,
            born_host: a,
            store_host: a,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: b"x".to_vec(),
            properties: props.into(),
            tags_code: 0,
        }
    }

    #[test]
    fn delayed_messages_go_to_their_levels_queue() {
        let levels = DelayLevels::default();
        let mut m = msg(&encode_properties([("TAGS", "a"), ("DELAY", "3")]), 0);
        assert!(divert_delayed(&levels, &mut m));
        assert_eq!((m.topic.as_str(), m.queue_id), (SCHEDULE_TOPIC, 2));
        let p = decode_properties(&m.properties);
        assert_eq!(p["REAL_TOPIC"], "T");
        assert_eq!(p["REAL_QID"], "3");
        assert_eq!(p["DELAY"], "3");
        assert_eq!(p["TAGS"], "a");
    }

    #[test]
    fn levels_past_the_last_are_capped() {
        let levels = DelayLevels::default();
        let mut m = msg(&encode_properties([("DELAY", "99")]), 0);
        assert!(divert_delayed(&levels, &mut m));
        assert_eq!(m.queue_id, 17);
        assert_eq!(decode_properties(&m.properties)["DELAY"], "18");
    }

    #[test]
    fn not_delayed_stays() {
        let levels = DelayLevels::default();
        for (props, sys) in [
            (encode_properties([("DELAY", "0")]), 0),
            (encode_properties([("DELAY", "-2")]), 0),
            (encode_properties([("DELAY", "x")]), 0),
            (encode_properties([("TAGS", "a")]), 0),
            (
                encode_properties([("DELAY", "2")]),
                sys_flag::TRANSACTION_PREPARED,
            ),
            (
                encode_properties([("DELAY", "2")]),
                sys_flag::TRANSACTION_ROLLBACK,
            ),
        ] {
            let mut m = msg(&props, sys);
            assert!(!divert_delayed(&levels, &mut m), "{props:?} {sys}");
            assert_eq!((m.topic.as_str(), m.queue_id), ("T", 3));
        }
        let mut m = msg(&encode_properties([("DELAY", "2")]), sys_flag::TRANSACTION_COMMIT);
        assert!(
            divert_delayed(&levels, &mut m),
            "a committed transaction message is delayed"
        );
    }

    #[test]
    fn timeup_restores_the_real_topic() {
        let levels = DelayLevels::default();
        let mut m = msg(
            &encode_properties([("TAGS", "a"), ("DELAY", "1"), ("UNIQ_KEY", "u")]),
            0,
        );
        assert!(divert_delayed(&levels, &mut m));
        let mut rec = Vec::new();
        m.encode_into(&mut rec, 0, 100, 5);
        let real = timeup_message(&rec).unwrap();
        assert_eq!((real.topic.as_str(), real.queue_id), ("T", 3));
        let p = decode_properties(&real.properties);
        assert!(!p.contains_key("DELAY"));
        assert_eq!(p["UNIQ_KEY"], "u");
        assert_eq!(real.tags_code, tags_code(Some("a")));
        assert_eq!(real.body, b"x");
        // A record without REAL_QID cannot be delivered.
        let mut bad = msg(&encode_properties([("REAL_TOPIC", "T")]), 0);
        bad.topic = SCHEDULE_TOPIC.into();
        let mut rec = Vec::new();
        bad.encode_into(&mut rec, 0, 100, 5);
        assert!(timeup_message(&rec).is_none());
    }
}
