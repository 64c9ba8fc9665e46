//! What puts and gets return (`PutResult`, `GetMessageResult` and their statuses, with the
//! response codes they map to), and the counters the broker reports as runtime info.

use std::sync::atomic::AtomicU64;

/// Outcome of a put that reached the commitlog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutStatus {
    /// Stored (and flushed, for SYNC_FLUSH).
    PutOk,
    /// Stored, but SYNC_FLUSH did not confirm the fsync within `sync_flush_timeout`
    /// (response `FLUSH_DISK_TIMEOUT`, 10).
    FlushDiskTimeout,
}

/// What a put wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutResult {
    /// Durability outcome.
    pub status: PutStatus,
    /// Commitlog offset of the first record.
    pub phys_offset: u64,
    /// Queue offset of each record (0 for transaction prepared/rollback records).
    pub queue_offsets: Vec<i64>,
    /// Offset message id of each record.
    pub msg_ids: Vec<String>,
    /// Bytes of records written (not counting a blank).
    pub wrote_bytes: usize,
    /// Commitlog offset just past the last record.
    pub end_offset: u64,
    /// Store timestamp given to the records.
    pub store_timestamp: i64,
}

impl PutResult {
    /// Queue offset of the first record.
    pub fn queue_offset(&self) -> i64 {
        self.queue_offsets.first().copied().unwrap_or(0)
    }
    /// Comma-joined message ids, as SEND_BATCH_MESSAGE answers.
    pub fn msg_id(&self) -> String {
        self.msg_ids.join(",")
    }
}

/// `GetMessageStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetMessageStatus {
    /// Messages returned.
    Found,
    /// Entries exist but none matched the filter.
    NoMatchedMessage,
    /// The commitlog no longer holds a referenced record.
    MessageWasRemoving,
    /// The consume-queue file for the offset is gone.
    OffsetFoundNull,
    /// Offset is more than one past the max.
    OffsetOverflowBadly,
    /// Offset equals the max (nothing new yet).
    OffsetOverflowOne,
    /// Offset is below the min.
    OffsetTooSmall,
    /// The queue does not exist.
    NoMatchedLogicQueue,
    /// The queue exists but is empty.
    NoMessageInQueue,
}

/// Result of [`MessageStore::get_messages`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetMessageResult {
    /// What happened.
    pub status: GetMessageStatus,
    /// Offset the consumer should pull from next.
    pub next_begin_offset: i64,
    /// Queue min offset.
    pub min_offset: i64,
    /// Queue max offset.
    pub max_offset: i64,
    /// Concatenated raw records (the PULL body).
    pub messages: Vec<u8>,
    /// Commitlog offset of each record in `messages`.
    pub message_phys_offsets: Vec<u64>,
}

impl GetMessageResult {
    /// Number of records returned.
    pub fn count(&self) -> usize {
        self.message_phys_offsets.len()
    }
}

/// Counters for runtime info.
#[derive(Debug, Default)]
pub struct StoreStats {
    /// Records stored.
    pub put_count: AtomicU64,
    /// Record bytes stored.
    pub put_bytes: AtomicU64,
    /// Puts rejected or failed.
    pub put_failures: AtomicU64,
    /// Gets that returned messages.
    pub get_found: AtomicU64,
    /// Gets that returned none.
    pub get_miss: AtomicU64,
    /// Records returned by gets.
    pub get_messages: AtomicU64,
}
