//! Transactional messages with Java 4.9's semantics and on-disk layout.
//!
//! A producer sends a half message (`TRAN_MSG=true`); the broker stores it in
//! `RMQ_SYS_TRANS_HALF_TOPIC` queue 0 with its real topic and queue in properties, so no consumer
//! of the real topic sees it ([`to_half`]). END_TRANSACTION then commits it (the real message is
//! written through [`Broker::put`]) or rolls it back; either way an op record in
//! `RMQ_SYS_TRANS_OP_HALF_TOPIC` marks the half message as resolved ([`Broker::end_transaction`]).
//! A producer that never answers is asked again: [`run_checks`] scans the half queue on the
//! master (DLedger leader) every `transactionCheckInterval`, skips resolved half messages, and
//! for those older than `transactionTimeOut` re-puts a copy with a higher
//! `TRANSACTION_CHECK_TIMES` and sends CHECK_TRANSACTION_STATE to a connection of the producer
//! group ([`Transactions`] keeps those connections); after `transactionCheckMax` checks the half
//! message moves to `TRANS_CHECK_MAX_TIME_TOPIC`. The scan's progress is the consumer offset of
//! group `CID_RMQ_SYS_TRANS` on the half and op queues, committed through [`Broker::commit_offset`]
//! so that in DLedger mode a new leader resumes where the old one stopped.
//!
//! Everything here returns typed errors; the END_TRANSACTION processor maps them to Java's
//! response codes and remarks.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;

use crate::remoting::body::{now_millis, TopicConfig};
use crate::remoting::codes::request;
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::CheckTransactionStateRequestHeader;
use crate::remoting::server::{ConnContext, Outbound};
use crate::store::format::{property, sys_flag, transaction as tx};
use crate::store::message::{
    decode_properties, decode_record, decode_records, encode_properties, offset_msg_id, tags_code,
    DecodedMessage, MessageToStore,
};
use crate::store::{GetMessageStatus, PutResult};

use super::put::PutError;
use super::Broker;

/// Java's bound on one queue's scan (`MAX_PROCESS_TIME_LIMIT`).
const MAX_SCAN_TIME: Duration = Duration::from_secs(60);
/// Op records read per pull while collecting the resolved half offsets.
const OP_BATCH: usize = 32;
/// Op records one scan reads at most (memory bound; the rest are read by the next scan).
const MAX_OPS_PER_SCAN: usize = 100_000;

/// How a producer ends a transaction (END_TRANSACTION's `commitOrRollback`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// 8: write the real message.
    Commit,
    /// 12: drop the half message.
    Rollback,
}

/// Why END_TRANSACTION did not resolve a half message. The messages are Java's remarks.
#[derive(Debug, thiserror::Error)]
pub enum EndError {
    /// No half message at `commitLogOffset`.
    #[error("Find prepared transaction message failed")]
    NotFound,
    /// The half message belongs to another producer group.
    #[error("The producer group wrong")]
    ProducerGroupWrong,
    /// `tranStateTableOffset` is not the half message's queue offset.
    #[error("The transaction state table offset wrong")]
    TableOffsetWrong,
    /// `commitLogOffset` is not the half message's offset.
    #[error("The commit log offset wrong")]
    CommitLogOffsetWrong,
    /// The half message's `REAL_TOPIC`/`REAL_QID` properties are missing or invalid.
    #[error("the half message has no valid {0} property")]
    Malformed(&'static str),
    /// The real message was not written.
    #[error(transparent)]
    Put(#[from] PutError),
}

/// The connections producers heartbeat on, by connection id, so the check-back can reach a
/// producer group over a connection the client opened (brokers never connect to clients).
#[derive(Debug, Default)]
pub struct Transactions {
    channels: Mutex<HashMap<u64, Outbound>>,
}

impl Transactions {
    /// Remembers the connection of a producer's heartbeat.
    pub fn remember(&self, ctx: &ConnContext) {
        if let Some(o) = &ctx.outbound {
            self.lock().insert(ctx.id, o.clone());
        }
    }

    /// Forgets a closed connection.
    pub fn forget(&self, conn_id: u64) {
        self.lock().remove(&conn_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Outbound>> {
        self.channels.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A random live connection among `conns` (Java picks a random writable channel).
    fn pick(&self, conns: &[u64]) -> Option<Outbound> {
        let map = self.lock();
        let live: Vec<&Outbound> = conns.iter().filter_map(|id| map.get(id)).collect();
        live.choose(&mut rand::thread_rng()).map(|o| (*o).clone())
    }
}

/// Whether a send's properties mark it as a transaction half message (`TRAN_MSG`, parsed as
/// Java's `Boolean.parseBoolean`).
pub fn is_half_send(properties: &str) -> bool {
    crate::store::message::find_property(properties, tx::PREPARED)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Turns a send into its half message as Java's bridge does: the real topic and queue go into
/// `REAL_TOPIC`/`REAL_QID`, the transaction bits of the sysflag are cleared (so the half topic's
/// consume queue indexes it), and it goes to the half topic, queue 0.
pub fn to_half(mut m: MessageToStore) -> MessageToStore {
    let mut props: BTreeMap<String, String> = decode_properties(&m.properties).into_iter().collect();
    props.insert(tx::REAL_TOPIC.into(), m.topic.clone());
    props.insert(tx::REAL_QUEUE_ID.into(), m.queue_id.to_string());
    m.properties = encode(&props);
    m.sys_flag &= !sys_flag::TRANSACTION_MASK;
    m.topic = tx::HALF_TOPIC.into();
    m.queue_id = 0;
    m
}

fn encode(props: &BTreeMap<String, String>) -> String {
    encode_properties(props.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

fn sorted(m: &DecodedMessage) -> BTreeMap<String, String> {
    m.properties.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// A stored message to store again, with `properties` and in `topic`/`queue_id`.
fn restore(m: &DecodedMessage, topic: &str, queue_id: i32, properties: String) -> MessageToStore {
    MessageToStore {
        topic: topic.into(),
        queue_id,
        flag: m.flag,
        sys_flag: m.sys_flag,
        born_timestamp: m.born_timestamp,
        born_host: m.born_host,
        store_host: m.store_host,
        reconsume_times: m.reconsume_times,
        prepared_transaction_offset: 0,
        body: m.body.clone(),
        tags_code: tags_code(m.tags()),
        properties,
    }
}

impl Broker {
    /// The half message stored at `commit_log_offset`, if the record there is one.
    fn half_message_at(&self, commit_log_offset: i64) -> Option<DecodedMessage> {
        let offset = u64::try_from(commit_log_offset).ok()?;
        let raw = self.store.lookup_message_by_offset(offset).ok()??;
        let m = decode_record(&raw).ok()?;
        // Java resolves whatever record is there; only a half message may be resolved here, so
        // a wrong offset cannot commit an ordinary (or an already committed) message again.
        (m.topic == tx::HALF_TOPIC).then_some(m)
    }

    /// Resolves the half message at `commit_log_offset` (END_TRANSACTION): checks it as Java's
    /// `EndTransactionProcessor` does (producer group, queue offset, commitlog offset), on commit
    /// writes the real message (topic and queue restored, sysflag COMMIT, the half message's
    /// properties kept as Java keeps them), then writes the op record. Returns the real
    /// message's write on commit.
    ///
    /// # Errors
    /// [`EndError`]: no such half message, a check failed, or the real message was not written.
    pub async fn end_transaction(
        &self,
        producer_group: &str,
        tran_state_table_offset: i64,
        commit_log_offset: i64,
        resolution: Resolution,
    ) -> Result<Option<PutResult>, EndError> {
        let half = self
            .half_message_at(commit_log_offset)
            .ok_or(EndError::NotFound)?;
        if half.properties.get(tx::PRODUCER_GROUP).map(String::as_str) != Some(producer_group) {
            return Err(EndError::ProducerGroupWrong);
        }
        if half.queue_offset != tran_state_table_offset {
            return Err(EndError::TableOffsetWrong);
        }
        if half.physical_offset != commit_log_offset {
            return Err(EndError::CommitLogOffsetWrong);
        }
        let put = match resolution {
            Resolution::Rollback => None,
            Resolution::Commit => {
                let topic = half
                    .properties
                    .get(tx::REAL_TOPIC)
                    .ok_or(EndError::Malformed(tx::REAL_TOPIC))?;
                let queue_id = half
                    .properties
                    .get(tx::REAL_QUEUE_ID)
                    .and_then(|q| q.parse::<i32>().ok())
                    .ok_or(EndError::Malformed(tx::REAL_QUEUE_ID))?;
                // Java clears REAL_TOPIC, REAL_QID and TRAN_MSG from the property map only after
                // it has rendered the stored properties string, so they stay on the record.
                let mut m = restore(&half, topic, queue_id, half.properties_raw.clone());
                m.sys_flag = (half.sys_flag & !sys_flag::TRANSACTION_MASK) | sys_flag::TRANSACTION_COMMIT;
                m.prepared_transaction_offset = commit_log_offset;
                let (put, _) = self.put(vec![m]).await?;
                Some(put)
            }
        };
        // Java writes the op record after a successful commit and ignores its failure: the
        // check-back then asks the producer again.
        if let Err(e) = self.put_op_record(&half).await {
            tracing::error!(error = %e, offset = half.queue_offset, "transaction op record not written");
        }
        Ok(put)
    }

    /// Writes the op record that marks a half message resolved: tag `d`, body its half-queue
    /// offset in decimal, in the op queue of the same id.
    async fn put_op_record(&self, half: &DecodedMessage) -> Result<(), PutError> {
        let properties = encode_properties([(property::TAGS, tx::REMOVE_TAG), (property::WAIT, "true")]);
        let op = MessageToStore {
            topic: tx::OP_TOPIC.into(),
            queue_id: half.queue_id,
            flag: 0,
            sys_flag: 0,
            born_timestamp: now_millis(),
            born_host: self.store_host,
            store_host: self.store_host,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: half.queue_offset.to_string().into_bytes(),
            tags_code: tags_code(Some(tx::REMOVE_TAG)),
            properties,
        };
        self.put(vec![op]).await.map(|_| ())
    }
}

/// Runs the check-back every `transactionCheckInterval` while this broker is the master or the
/// DLedger leader, until the task is aborted.
pub async fn run_checks(b: Arc<Broker>) {
    let interval = Duration::from_millis(b.cfg.transaction_check_interval.max(100));
    loop {
        tokio::time::sleep(interval).await;
        if b.is_slave() {
            continue;
        }
        let started = Instant::now();
        let r = check(&b).await;
        tracing::debug!(?r, took = ?started.elapsed(), "transaction check");
    }
}

/// What one check-back pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Half messages a producer was asked about.
    pub checked: usize,
    /// CHECK_TRANSACTION_STATE requests that found no producer connection.
    pub no_producer: usize,
    /// Half messages moved to `TRANS_CHECK_MAX_TIME_TOPIC`.
    pub discarded: usize,
}

/// One check-back pass over every half queue (Java's `TransactionalMessageServiceImpl.check`).
pub async fn check(b: &Broker) -> CheckReport {
    let mut report = CheckReport::default();
    let queues = match b.topics.get(tx::HALF_TOPIC) {
        Some(tc) => tc.read_queue_nums,
        None => {
            // Java creates the half topic's config on its first check.
            let tc = TopicConfig::new(tx::HALF_TOPIC, 1);
            if let Err(e) = b.upsert_topic(tc).await {
                tracing::debug!(error = %e, "half topic config not created");
            }
            1
        }
    };
    for q in 0..queues {
        if let Err(e) = check_queue(b, q, &mut report).await {
            tracing::warn!(error = %e, queue = q, "transaction check stopped");
        }
    }
    report
}

/// Progress of group `CID_RMQ_SYS_TRANS` on a queue, else the queue's min offset.
fn progress(b: &Broker, topic: &str, q: i32) -> i64 {
    b.offsets
        .query(tx::CHECK_GROUP, topic, q)
        .filter(|o| *o >= 0)
        .unwrap_or_else(|| b.store.min_offset_in_queue(topic, q))
}

/// The op records from `from`: resolved half offsets at or past `half_from` (half offset -> op
/// offset), and the op offsets already done (those of older half offsets).
fn read_ops(b: &Broker, q: i32, from: i64, half_from: i64) -> (HashMap<i64, i64>, Vec<i64>) {
    let mut remove = HashMap::new();
    let mut done = Vec::new();
    let mut offset = from;
    let mut read = 0;
    while read < MAX_OPS_PER_SCAN {
        let Ok(r) = b
            .store
            .get_messages(tx::OP_TOPIC, q, offset, OP_BATCH, 0, |_| true)
        else {
            break;
        };
        if r.status != GetMessageStatus::Found {
            break;
        }
        let Ok(ops) = decode_records(&r.messages) else {
            break;
        };
        read += ops.len();
        for op in ops {
            if op.tags() != Some(tx::REMOVE_TAG) {
                tracing::error!(offset = op.queue_offset, "op record with an illegal tag");
                continue;
            }
            let half = std::str::from_utf8(&op.body)
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .unwrap_or(-1);
            if half < half_from {
                done.push(op.queue_offset);
            } else {
                remove.insert(half, op.queue_offset);
            }
        }
        offset = r.next_begin_offset;
    }
    (remove, done)
}

/// The op offset after the contiguous run of done op offsets from `old`.
fn next_op_offset(mut done: Vec<i64>, old: i64) -> i64 {
    done.sort_unstable();
    let mut next = old;
    for d in done {
        if d == next {
            next += 1;
        } else if d > next {
            break;
        }
    }
    next
}

/// The half message at logical offset `i`, or where to go on when there is none.
enum HalfAt {
    Found(Box<DecodedMessage>),
    /// Nothing at or past `i` yet.
    End,
    /// No message at `i` (removed, a gap): continue at this offset.
    Skip(i64),
}

fn half_at(b: &Broker, q: i32, i: i64) -> HalfAt {
    let Ok(r) = b.store.get_messages(tx::HALF_TOPIC, q, i, 1, 0, |_| true) else {
        return HalfAt::End;
    };
    match r.status {
        GetMessageStatus::Found => match decode_records(&r.messages)
            .ok()
            .and_then(|v| v.into_iter().next())
        {
            Some(m) => HalfAt::Found(Box::new(m)),
            None => HalfAt::Skip(r.next_begin_offset.max(i + 1)),
        },
        GetMessageStatus::NoMessageInQueue
        | GetMessageStatus::OffsetOverflowOne
        | GetMessageStatus::NoMatchedLogicQueue => HalfAt::End,
        _ if r.next_begin_offset > i => HalfAt::Skip(r.next_begin_offset),
        _ => HalfAt::End,
    }
}

fn parse_or_minus_one(v: Option<&String>) -> Option<i64> {
    v.map(|s| s.trim().parse::<i64>().unwrap_or(-1))
}

async fn check_queue(b: &Broker, q: i32, report: &mut CheckReport) -> Result<(), PutError> {
    let started = Instant::now();
    let start_ms = now_millis();
    let timeout = b.cfg.transaction_time_out as i64;
    let check_max = i64::from(b.cfg.transaction_check_max);
    let reserved_ms = b.cfg.file_reserved_time as i64 * 3600 * 1000;
    let half_offset = progress(b, tx::HALF_TOPIC, q);
    let op_offset = progress(b, tx::OP_TOPIC, q);
    let (mut remove, mut done) = read_ops(b, q, op_offset, half_offset);
    let mut i = half_offset;
    let mut misses = 0;
    let outcome = loop {
        if started.elapsed() > MAX_SCAN_TIME {
            break Ok(());
        }
        if let Some(op) = remove.remove(&i) {
            done.push(op);
            i += 1;
            continue;
        }
        let mut m = match half_at(b, q, i) {
            HalfAt::Found(m) => m,
            HalfAt::End => break Ok(()),
            HalfAt::Skip(next) => {
                misses += 1;
                if misses > 1 {
                    break Ok(());
                }
                i = next;
                continue;
            }
        };
        let age = now_millis() - m.born_timestamp;
        let times = parse_or_minus_one(m.properties.get(tx::CHECK_TIMES));
        if times.is_some_and(|t| t >= check_max) || age > reserved_ms {
            if let Err(e) = discard(b, &m).await {
                break Err(e);
            }
            report.discarded += 1;
            i += 1;
            continue;
        }
        if m.store_timestamp >= start_ms {
            break Ok(()); // Stored during this pass: the next one looks at it.
        }
        let immunity = match parse_or_minus_one(m.properties.get(tx::CHECK_IMMUNITY_TIME)) {
            None => None,
            Some(-1) => Some(timeout),
            Some(s) => Some(s.saturating_mul(1000)),
        };
        match immunity {
            Some(immunity) if age < immunity => {
                match immune_resolved_or_put_back(b, &m, &mut remove, &mut done).await {
                    Ok(true) => {
                        i += 1;
                        continue;
                    }
                    Ok(false) => break Ok(()),
                    Err(e) => break Err(e),
                }
            }
            None if (0..timeout).contains(&age) => break Ok(()), // Too young to check.
            _ => {}
        }
        if !(age > immunity.unwrap_or(timeout) || age <= -1) {
            break Ok(());
        }
        // Ask the producer about a copy with one more check: the copy, not the original, is the
        // half message the scan comes back to if the producer does not answer.
        let times = times.map_or(1, |t| t + 1);
        m.properties.insert(tx::CHECK_TIMES.into(), times.to_string());
        let copy = restore(&m, tx::HALF_TOPIC, m.queue_id, encode(&sorted(&m)));
        let put = match b.put(vec![copy]).await {
            Ok((put, _)) => put,
            Err(e) => break Err(e),
        };
        m.queue_offset = put.queue_offset();
        m.physical_offset = put.phys_offset as i64;
        if send_check(b, &m) {
            report.checked += 1;
        } else {
            report.no_producer += 1;
        }
        i += 1;
    };
    if i != half_offset {
        commit_progress(b, tx::HALF_TOPIC, q, i).await;
    }
    let next_op = next_op_offset(done, op_offset);
    if next_op != op_offset {
        commit_progress(b, tx::OP_TOPIC, q, next_op).await;
    }
    outcome
}

async fn commit_progress(b: &Broker, topic: &str, q: i32, offset: i64) {
    if let Err(e) = b.commit_offset(tx::CHECK_GROUP, topic, q, offset, true).await {
        tracing::warn!(error = %e, topic, queue = q, offset, "transaction check progress not committed");
    }
}

/// A half message still immune to checks: `true` when it is resolved (an op record read by
/// this pass names the original it was copied from) or was put back as an immune copy, so the
/// scan may pass it. As in Java 4.9, an op record of an original the scan had already passed
/// counts as done without being matched to the copies, which are then checked once immunity
/// ends.
async fn immune_resolved_or_put_back(
    b: &Broker,
    m: &DecodedMessage,
    remove: &mut HashMap<i64, i64>,
    done: &mut Vec<i64>,
) -> Result<bool, PutError> {
    match parse_or_minus_one(m.properties.get(tx::PREPARED_QUEUE_OFFSET)) {
        Some(-1) => return Ok(false),
        Some(original) => {
            if let Some(op) = remove.remove(&original) {
                done.push(op);
                return Ok(true);
            }
        }
        None => {}
    }
    let mut props = sorted(m);
    props
        .entry(tx::PREPARED_QUEUE_OFFSET.into())
        .or_insert_with(|| m.queue_offset.to_string());
    let copy = restore(m, tx::HALF_TOPIC, m.queue_id, encode(&props));
    b.put(vec![copy]).await?;
    Ok(true)
}

/// Moves a half message checked too often to `TRANS_CHECK_MAX_TIME_TOPIC` (Java 4.9's
/// `DefaultTransactionalMessageCheckListener.resolveDiscardMsg`).
async fn discard(b: &Broker, m: &DecodedMessage) -> Result<(), PutError> {
    tracing::error!(
        offset = m.queue_offset,
        real_topic = m.properties.get(tx::REAL_TOPIC).map(String::as_str),
        "half message checked too many times, moved to {}",
        tx::CHECK_MAX_TIME_TOPIC
    );
    if b.topics.get(tx::CHECK_MAX_TIME_TOPIC).is_none() {
        if let Err(e) = b
            .upsert_topic(TopicConfig::new(tx::CHECK_MAX_TIME_TOPIC, 1))
            .await
        {
            tracing::debug!(error = %e, "topic {} not created", tx::CHECK_MAX_TIME_TOPIC);
        }
    }
    let moved = restore(m, tx::CHECK_MAX_TIME_TOPIC, 0, m.properties_raw.clone());
    b.put(vec![moved]).await.map(|_| ())
}

/// The CHECK_TRANSACTION_STATE request for a half message (already put back, so its offsets
/// are the copy's): the header names the copy, the body is the message as Java's
/// `MessageDecoder.encode` writes it, with the real topic and queue.
pub fn check_request(b: &Broker, m: &DecodedMessage) -> RemotingCommand {
    let uniq = m.properties.get(property::UNIQ_KEY).cloned();
    let header = CheckTransactionStateRequestHeader {
        tran_state_table_offset: m.queue_offset,
        commit_log_offset: m.physical_offset,
        msg_id: uniq.clone(),
        transaction_id: uniq,
        offset_msg_id: Some(offset_msg_id(&b.store_host, m.physical_offset as u64)),
    };
    let topic = m
        .properties
        .get(tx::REAL_TOPIC)
        .cloned()
        .unwrap_or_else(|| m.topic.clone());
    let queue_id = m
        .properties
        .get(tx::REAL_QUEUE_ID)
        .and_then(|q| q.parse().ok())
        .unwrap_or(m.queue_id);
    let mut record = restore(m, &topic, queue_id, encode(&sorted(m)));
    record.prepared_transaction_offset = m.prepared_transaction_offset;
    let mut body = Vec::with_capacity(record.record_len());
    record.encode_into(&mut body, m.queue_offset, m.physical_offset, m.store_timestamp);
    RemotingCommand::request(request::CHECK_TRANSACTION_STATE, &header).with_body(body)
}

/// Sends CHECK_TRANSACTION_STATE to a connection of the half message's producer group; `false`
/// when the group has no live connection (Java logs and waits for the next pass).
fn send_check(b: &Broker, m: &DecodedMessage) -> bool {
    let group = m
        .properties
        .get(tx::PRODUCER_GROUP)
        .map(String::as_str)
        .unwrap_or("");
    let Some(out) = b.transactions.pick(&b.groups.producer_conns(group)) else {
        tracing::warn!(group, "check transaction failed, no producer connection");
        return false;
    };
    match out.send_oneway(check_request(b, m)) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(group, error = %e, "check transaction failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_offset_advances_over_contiguous_done_offsets_only() {
        assert_eq!(next_op_offset(vec![3, 1, 2, 5], 1), 4);
        assert_eq!(next_op_offset(vec![], 7), 7);
        assert_eq!(next_op_offset(vec![8, 9], 7), 7);
        assert_eq!(next_op_offset(vec![6, 7, 7, 8], 7), 9);
    }

    #[test]
    fn half_message_keeps_its_real_destination_in_properties() {
        let addr: std::net::SocketAddr = "127.0.0.1:10911".parse().unwrap();
        let m = MessageToStore {
            topic: "Orders".into(),
            queue_id: 3,
            flag: 0,
            sys_flag: sys_flag::TRANSACTION_PREPARED | sys_flag::MULTI_TAGS,
            born_timestamp: 1,
            born_host: addr,
            store_host: addr,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: b"x".to_vec(),
            properties: encode_properties([("TRAN_MSG", "true"), ("PGROUP", "pg")]),
            tags_code: 0,
        };
        assert!(is_half_send(&m.properties));
        let h = to_half(m);
        assert_eq!(h.topic, tx::HALF_TOPIC);
        assert_eq!(h.queue_id, 0);
        assert_eq!(h.sys_flag, sys_flag::MULTI_TAGS);
        let p = decode_properties(&h.properties);
        assert_eq!(p.get(tx::REAL_TOPIC).map(String::as_str), Some("Orders"));
        assert_eq!(p.get(tx::REAL_QUEUE_ID).map(String::as_str), Some("3"));
        assert_eq!(p.get(tx::PREPARED).map(String::as_str), Some("true"));
        assert!(!is_half_send(&encode_properties([("TRAN_MSG", "false")])));
    }
}
