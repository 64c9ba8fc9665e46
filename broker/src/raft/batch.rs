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
//! [`Batcher::proposed_all`] queues a barrier behind them, answered once they are all proposed.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::types::{Raft, Record};
use crate::store::format::dledger as dl;

/// Entries of a batcher that may be appended but not yet applied. More gives smaller batches
/// (more per-entry work) for the same load; fewer limits how much is in the pipeline. Two lets
/// one entry replicate while the previous one is applied. Measured with 64 senders of 128-byte
/// messages on the bench machine: 1 and 2 gave the most messages/s (2 by a little), 4 and 8
/// about 5 % fewer (batches of 13 records with 2 in flight, 7-8 with 4).
pub const MAX_IN_FLIGHT: usize = 2;

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

enum Item {
    Record(Queued),
    /// Answered once everything queued before it has been handed to openraft.
    Barrier(oneshot::Sender<()>),
}

/// The queue of records waiting to be proposed to openraft (module docs).
#[derive(Debug, Clone)]
pub struct Batcher {
    tx: mpsc::UnboundedSender<Item>,
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
        let _ = self.tx.send(Item::Record(Queued { record, tx }));
        rx
    }

    /// Returns once every record queued before the call has been handed to openraft (is in the
    /// leader's log, or failed). A leader handing over waits for this before it checks that the
    /// preferred node has its whole log.
    pub async fn proposed_all(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Item::Barrier(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

async fn run(raft: Raft, mut rx: mpsc::UnboundedReceiver<Item>, max_bytes: usize) {
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut carry: Option<Item> = None;
    loop {
        let next = match carry.take() {
            Some(item) => item,
            None => match rx.recv().await {
                Some(item) => item,
                None => return,
            },
        };
        let first = match next {
            Item::Record(q) => q,
            // Everything before it was proposed in an earlier round of this loop.
            Item::Barrier(tx) => {
                let _ = tx.send(());
                continue;
            }
        };
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let mut bytes = first.record.len();
        let mut batch = vec![first];
        while batch.len() < MAX_RECORDS {
            match rx.try_recv() {
                Ok(Item::Record(q)) if bytes + q.record.len() > max_bytes => {
                    carry = Some(Item::Record(q));
                    break;
                }
                Ok(Item::Record(q)) => {
                    bytes += q.record.len();
                    batch.push(q);
                }
                Ok(barrier) => {
                    carry = Some(barrier);
                    break;
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
            let mut pos = first_pos;
            for q in batch {
                let _ = q.tx.send(pos);
                pos = pos.map(|p| dl::next_record_pos(p, q.record.len()));
            }
        });
    }
}
