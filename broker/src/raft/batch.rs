//! Batching of concurrent sends into one Raft entry.
//!
//! openraft 0.9 handles client writes one entry at a time: each costs a trip through the Raft
//! core (log ids, an append call, a replication notice per follower, a response channel) on
//! the leader and a share of every AppendEntries on the followers. Under load those per-entry
//! costs, not the bytes, bound a DLedger group's throughput. So the leader puts the records of
//! concurrent sends into one entry (the log store still writes one DLedger entry per record,
//! see `log_store`), the way DLedger's and RocketMQ's group commit do.
//!
//! A [`Batcher`] owns a queue and a task. [`Batcher::propose`] queues a record and returns a
//! receiver for its data position. The task takes the first queued record, waits until fewer
//! than [`MAX_IN_FLIGHT`] of its entries are uncommitted, then takes every record queued
//! meanwhile (up to [`MAX_RECORDS`] and the byte budget) into one entry. At low load a record
//! thus goes alone at once; under load records gather while earlier entries replicate. Records
//! leave in the order they were queued, so the caller's order (queue offsets) is the log order.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::types::{Raft, Record};
use crate::store::format::dledger as dl;

/// Entries of a batcher that may be appended but not yet applied. More gives smaller batches
/// (more per-entry work) for the same load; fewer limits how much is in the pipeline. Four
/// keeps the leader's log, its replication to each follower and its state machine busy.
pub const MAX_IN_FLIGHT: usize = 4;

/// At most this many records per entry.
pub const MAX_RECORDS: usize = 512;

/// At most this many record bytes per entry (a single larger record goes alone); also at most
/// a quarter of a data file, because an entry's records never span two files.
pub const MAX_BYTES: usize = 512 * 1024;

/// Where a proposed record was stored (its PHYSICALOFFSET), or `None` if it was not committed
/// by this leader (leadership lost, node stopping).
pub type Proposed = oneshot::Receiver<Option<u64>>;

struct Queued {
    record: Bytes,
    tx: oneshot::Sender<Option<u64>>,
}

/// The queue of records waiting to be proposed to openraft (module docs).
#[derive(Debug, Clone)]
pub struct Batcher {
    tx: mpsc::UnboundedSender<Queued>,
}

impl Batcher {
    /// Starts the batching task for `raft`; entries hold at most `max_bytes` of records (capped
    /// by [`MAX_BYTES`]). The task ends when the last `Batcher` clone is dropped.
    pub fn start(raft: Raft, max_bytes: usize) -> Batcher {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(raft, rx, max_bytes.clamp(1, MAX_BYTES)));
        Batcher { tx }
    }

    /// Queues one RocketMQ record (its PHYSICALOFFSET is set by the log store). Never waits.
    pub fn propose(&self, record: Bytes) -> Proposed {
        let (tx, rx) = oneshot::channel();
        // If the task is gone (runtime shutting down), `tx` is dropped and the caller sees an
        // error on `rx`.
        let _ = self.tx.send(Queued { record, tx });
        rx
    }
}

async fn run(raft: Raft, mut rx: mpsc::UnboundedReceiver<Queued>, max_bytes: usize) {
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut carry: Option<Queued> = None;
    loop {
        let first = match carry.take() {
            Some(q) => q,
            None => match rx.recv().await {
                Some(q) => q,
                None => return,
            },
        };
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let mut bytes = first.record.len();
        let mut batch = vec![first];
        while batch.len() < MAX_RECORDS {
            match rx.try_recv() {
                Ok(q) if bytes + q.record.len() > max_bytes => {
                    carry = Some(q);
                    break;
                }
                Ok(q) => {
                    bytes += q.record.len();
                    batch.push(q);
                }
                Err(_) => break,
            }
        }
        let payload = if batch.len() == 1 {
            batch[0].record.clone()
        } else {
            let mut buf = Vec::with_capacity(bytes);
            for q in &batch {
                buf.extend_from_slice(&q.record);
            }
            Bytes::from(buf)
        };
        let Ok(resp) = raft.client_write_ff(Record(payload)).await else {
            // The Raft core stopped: every queued record fails (dropped senders).
            return;
        };
        tokio::spawn(async move {
            let first_pos = match resp.await {
                Ok(Ok(r)) => r.data.pos,
                _ => None,
            };
            drop(permit);
            // Record i + 1 starts one DLedger header after record i ends (log_store).
            let mut pos = first_pos;
            for q in batch {
                let _ = q.tx.send(pos);
                pos = pos.map(|p| p + (q.record.len() + dl::HEADER_SIZE) as u64);
            }
        });
    }
}
