//! The broker's one write path: [`Broker::put`] stores messages in whatever commitlog this broker
//! has (the classic store, replicated to a slave by [`super::ha`], or the Raft log of
//! [`super::dledger`]) and says how it went in [`PutError`] and [`Replication`], never in wire
//! replies: the send processor maps those to response codes and remarks.

use crate::store::error::StoreError;
use crate::store::message::MessageToStore;
use crate::store::PutResult;

use super::ha::{self, Replication};
use super::Broker;

/// Why a write was not stored (or not known to be).
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    /// DLedger: this node is not a leader ready to write (a follower, a new leader still applying
    /// its log, a leader handing over to the preferred leader), or it lost leadership while the
    /// write waited for its commit. The client sends to the BID 0 broker again.
    #[error("this DLedger node is not the leader")]
    NotLeader,
    /// DLedger: a write of this node waits for disk space. Nothing more is taken until it is
    /// stored; a write refused while it waited may still be committed.
    #[error("the disk of this DLedger node is full")]
    DiskFull,
    /// The store refused the message (illegal, malformed) or failed to write it (I/O, a full
    /// disk of the classic store).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Broker {
    /// Writes messages through whatever commitlog this broker has. Returns the stored write and
    /// what the slave (if any) confirmed of it. A single message with a `DELAY` level is stored
    /// in the schedule topic instead ([`super::schedule::divert_delayed`]), as Java's
    /// `CommitLog.putMessage` does.
    ///
    /// # Errors
    /// [`PutError`]: not the leader, a full disk, or a store refusal or failure.
    pub async fn put(&self, mut msgs: Vec<MessageToStore>) -> Result<(PutResult, Replication), PutError> {
        // A delayed message goes to the schedule topic first (as Java, single puts only).
        let delayed =
            msgs.len() == 1 && super::schedule::divert_delayed(self.store.delay_levels(), &mut msgs[0]);
        let r = self.write(msgs).await;
        if delayed && r.is_ok() {
            self.schedule_wake.notify_one();
        }
        r
    }

    /// The write itself, to the Raft log or the classic store.
    async fn write(&self, msgs: Vec<MessageToStore>) -> Result<(PutResult, Replication), PutError> {
        if let Some(d) = self.dledger.get() {
            return Ok((d.put(self, msgs).await?, Replication::Done));
        }
        let put = self.store.put_messages(msgs).await?;
        let replication = ha::wait_for_slave(self, put.end_offset).await;
        Ok((put, replication))
    }
}
