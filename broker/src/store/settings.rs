//! The store's settings: the `MessageStoreConfig` subset it uses, with Java's defaults, and
//! `flushDiskType`. The broker fills them from its config; the store never reads the broker
//! config itself.

use std::time::Duration;

use super::error::{Result, StoreError};
use std::net::SocketAddr;
use std::path::PathBuf;

use super::format;

/// When a put counts as durable: Java's `flushDiskType` property, with the values
/// [`FlushDiskType::as_str`] spells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlushDiskType {
    /// `ASYNC_FLUSH`: return after the write; a background thread fsyncs every flush interval.
    #[default]
    AsyncFlush,
    /// `SYNC_FLUSH`: return after an fsync covering the message (group commit).
    SyncFlush,
}

impl FlushDiskType {
    /// The Java property value (`ASYNC_FLUSH` / `SYNC_FLUSH`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AsyncFlush => "ASYNC_FLUSH",
            Self::SyncFlush => "SYNC_FLUSH",
        }
    }
}

impl std::str::FromStr for FlushDiskType {
    type Err = StoreError;

    /// Parses the `flushDiskType` property value.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "ASYNC_FLUSH" => Ok(Self::AsyncFlush),
            "SYNC_FLUSH" => Ok(Self::SyncFlush),
            other => Err(StoreError::Config(format!(
                "flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH, not `{other}`"
            ))),
        }
    }
}

/// Store settings (the `MessageStoreConfig` subset this store uses).
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `storePathRootDir`. Default: `~/store` (the caller resolves it).
    pub root_dir: PathBuf,
    /// `storePathCommitLog`. Default: `<root_dir>/commitlog`.
    pub commitlog_dir: Option<PathBuf>,
    /// `mappedFileSizeCommitLog`. Default: 1 GiB.
    pub commitlog_file_size: u64,
    /// `mappedFileSizeConsumeQueue`, rounded up to a multiple of 20. Default: 6 000 000.
    pub cq_file_size: u64,
    /// `flushDiskType`. Default: ASYNC_FLUSH.
    pub flush_disk_type: FlushDiskType,
    /// `syncFlushTimeout`. Default: 5 s.
    pub sync_flush_timeout: Duration,
    /// `flushIntervalCommitLog`. Default: 500 ms.
    pub flush_interval: Duration,
    /// `maxMessageSize` (body bytes). Default: 4 MiB.
    pub max_message_size: usize,
    /// `fileReservedTime` in hours. Default: 72.
    pub file_reserved_time_hours: u64,
    /// `deleteWhen`: local hours (`"04"`, or `"04;05"`) when expired files are deleted. Default: "04".
    pub delete_when: String,
    /// `diskMaxUsedSpaceRatio` in percent; above it files are deleted at any hour. Default: 75.
    pub disk_max_used_space_ratio: u32,
    /// `brokerIP1:listenPort`, written as STOREHOST and used in message ids.
    pub store_host: SocketAddr,
    /// Largest total size of one pull result. Default: 256 KiB (`maxTransferBytesOnMessageInMemory`).
    pub max_transfer_bytes: usize,
    /// DLedger mode (`enableDLegerCommitLog`): new records live in the replicated log attached
    /// with [`MessageStore::attach_external_log`]. Default: false.
    pub dledger: bool,
    /// `messageDelayLevel`: the delay of each level of delayed messages. Default:
    /// `1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h`.
    pub delay_levels: super::delay::DelayLevels,
    /// `messageIndexEnable`: build the key index (`index/`) that QUERY_MESSAGE reads. Default: true.
    pub message_index_enable: bool,
    /// `maxHashSlotNum`: hash slots per index file. Default: 5 000 000.
    pub max_hash_slot_num: u32,
    /// `maxIndexNum`: entries per index file. Default: 20 000 000.
    pub max_index_num: u32,
    /// `maxMsgsNumBatch`: most offsets one key lookup returns. Default: 64.
    pub max_msgs_num_batch: usize,
}

impl StoreConfig {
    /// Defaults for a store rooted at `root_dir`.
    pub fn new(root_dir: impl Into<PathBuf>, store_host: SocketAddr) -> Self {
        Self {
            root_dir: root_dir.into(),
            commitlog_dir: None,
            commitlog_file_size: format::DEFAULT_COMMITLOG_FILE_SIZE,
            cq_file_size: format::DEFAULT_CQ_FILE_SIZE,
            flush_disk_type: FlushDiskType::AsyncFlush,
            sync_flush_timeout: Duration::from_millis(5000),
            flush_interval: Duration::from_millis(500),
            max_message_size: 4 * 1024 * 1024,
            file_reserved_time_hours: 72,
            delete_when: "04".into(),
            disk_max_used_space_ratio: 75,
            store_host,
            max_transfer_bytes: 256 * 1024,
            dledger: false,
            delay_levels: Default::default(),
            message_index_enable: true,
            max_hash_slot_num: format::index::DEFAULT_MAX_HASH_SLOT_NUM,
            max_index_num: format::index::DEFAULT_MAX_INDEX_NUM,
            max_msgs_num_batch: 64,
        }
    }

    /// The commitlog directory.
    pub fn commitlog_path(&self) -> PathBuf {
        self.commitlog_dir
            .clone()
            .unwrap_or_else(|| self.root_dir.join(format::COMMITLOG_DIR))
    }

    pub(super) fn validate(&mut self) -> Result<()> {
        let unit = format::CQ_UNIT_SIZE as u64;
        self.cq_file_size = self.cq_file_size.div_ceil(unit) * unit;
        if self.cq_file_size == 0 {
            return Err(StoreError::Config(
                "mappedFileSizeConsumeQueue must be positive".into(),
            ));
        }
        // Java computes the index file size in an int.
        let index_size = format::index::file_size(self.max_hash_slot_num, self.max_index_num);
        if self.max_hash_slot_num == 0 || self.max_index_num < 2 || index_size > i32::MAX as u64 {
            return Err(StoreError::Config(format!(
                "maxHashSlotNum {} must be > 0 and maxIndexNum {} > 1, with an index file of at most {} bytes",
                self.max_hash_slot_num,
                self.max_index_num,
                i32::MAX
            )));
        }
        if self.commitlog_file_size < 1024 || self.commitlog_file_size > i32::MAX as u64 {
            return Err(StoreError::Config(format!(
                "mappedFileSizeCommitLog {} must be between 1024 and {}",
                self.commitlog_file_size,
                i32::MAX
            )));
        }
        Ok(())
    }
}
