//! On-disk formats of an Apache RocketMQ store and of a DLedger data store, in one place.
//!
//! Every width, magic value, header length and file-name rule that the store, the HA stream, the
//! DLedger log and `mqadmin verify-commitlog` depend on is a named constant here, so the readers and
//! writers cannot drift apart. Facts come from `rocketmq-spec.md` §2.6, §4.5, §5 and §6.1. All
//! integers are big-endian.

use std::path::Path;

/// Width of a commitlog, consume-queue or DLedger data file name: the file's start offset printed as
/// a zero-padded decimal (`UtilAll.offset2FileName`).
pub const FILE_NAME_WIDTH: usize = 20;

/// Formats a file start offset as a 20-digit file name.
pub fn offset_to_file_name(offset: u64) -> String {
    format!("{offset:0width$}", width = FILE_NAME_WIDTH)
}

/// Parses a 20-digit file name back to its start offset; `None` for anything else (for example
/// `.tmp` files or files another implementation left in the directory).
pub fn file_name_to_offset(name: &str) -> Option<u64> {
    if name.len() == FILE_NAME_WIDTH && name.bytes().all(|b| b.is_ascii_digit()) {
        name.parse().ok()
    } else {
        None
    }
}

/// Same as [`file_name_to_offset`] for a path's final component.
pub fn path_to_offset(path: &Path) -> Option<u64> {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(file_name_to_offset)
}

// ---------------------------------------------------------------------------------------------
// Commitlog message record (spec §2.6)
// ---------------------------------------------------------------------------------------------

/// Magic code of a v1 message record (`MESSAGE_MAGIC_CODE`, -626843481).
pub const MESSAGE_MAGIC_CODE_V1: u32 = 0xDAA3_20A7;
/// Magic code of a v2 record (5.x, topics longer than 127 bytes: 2-byte topic length).
pub const MESSAGE_MAGIC_CODE_V2: u32 = 0xDAA3_20AB;
/// Magic code of the blank that fills the end of a commitlog file (`BLANK_MAGIC_CODE`).
pub const BLANK_MAGIC_CODE: u32 = 0xCBD4_3194;
/// Length of the end-of-file blank: int32 remaining size + int32 magic.
pub const END_FILE_MIN_BLANK_LENGTH: usize = 8;

/// Byte offsets of the fixed fields of a record with IPv4 hosts.
pub mod record {
    /// int32 TOTALSIZE
    pub const TOTAL_SIZE: usize = 0;
    /// int32 MAGICCODE
    pub const MAGIC: usize = 4;
    /// int32 BODYCRC
    pub const BODY_CRC: usize = 8;
    /// int32 QUEUEID
    pub const QUEUE_ID: usize = 12;
    /// int32 FLAG
    pub const FLAG: usize = 16;
    /// int64 QUEUEOFFSET
    pub const QUEUE_OFFSET: usize = 20;
    /// int64 PHYSICALOFFSET
    pub const PHYSICAL_OFFSET: usize = 28;
    /// int32 SYSFLAG
    pub const SYS_FLAG: usize = 36;
    /// int64 BORNTIMESTAMP
    pub const BORN_TIMESTAMP: usize = 40;
    /// BORNHOST (8 bytes IPv4, 20 bytes IPv6)
    pub const BORN_HOST: usize = 48;
    /// Fixed part of a record with two IPv4 hosts, excluding body, topic and properties bytes but
    /// including their length prefixes: 91 bytes.
    pub const FIXED_LEN_V4: usize = 91;
    /// Maximum length of the properties string (int16 length prefix).
    pub const MAX_PROPERTIES_LEN: usize = 32767;
    /// Maximum topic length in a v1 record (1-byte length, Java `Byte.MAX_VALUE`).
    pub const MAX_TOPIC_LEN_V1: usize = 127;
    /// STORETIMESTAMP offset when the born host is IPv4 (12 more with an IPv6 born host).
    pub const STORE_TIMESTAMP_V4: usize = 56;
}

/// MessageSysFlag bits.
pub mod sys_flag {
    /// Body is zlib-compressed.
    pub const COMPRESSED: i32 = 0x1;
    /// Tags hold several values.
    pub const MULTI_TAGS: i32 = 0x2;
    /// Mask of the transaction type bits.
    pub const TRANSACTION_MASK: i32 = 0xC;
    /// Transaction prepared.
    pub const TRANSACTION_PREPARED: i32 = 0x4;
    /// Transaction committed.
    pub const TRANSACTION_COMMIT: i32 = 0x8;
    /// Transaction rolled back.
    pub const TRANSACTION_ROLLBACK: i32 = 0xC;
    /// Born host is IPv6.
    pub const BORNHOST_V6: i32 = 0x10;
    /// Store host is IPv6.
    pub const STOREHOST_V6: i32 = 0x20;
}

/// Transactions (Java 4.9 `TransactionalMessageBridge`, `TransactionalMessageUtil`): the system
/// topics, group, tag and properties that half messages and op records carry on disk.
pub mod transaction {
    /// Where half (prepared) messages are stored, queue 0, until committed or rolled back.
    pub const HALF_TOPIC: &str = "RMQ_SYS_TRANS_HALF_TOPIC";
    /// Op records: one per resolved half message, body = its half-queue offset in decimal.
    pub const OP_TOPIC: &str = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
    /// Half messages checked `transactionCheckMax` times are moved here.
    pub const CHECK_MAX_TIME_TOPIC: &str = "TRANS_CHECK_MAX_TIME_TOPIC";
    /// Consumer group whose offsets on the half and op topics are the check-back progress.
    pub const CHECK_GROUP: &str = "CID_RMQ_SYS_TRANS";
    /// Tag of an op record that removes a half message.
    pub const REMOVE_TAG: &str = "d";
    /// Property: the send is a transaction half message (`"true"`).
    pub const PREPARED: &str = "TRAN_MSG";
    /// Property: the producer group (set by the client on transaction messages).
    pub const PRODUCER_GROUP: &str = "PGROUP";
    /// Property: the topic a half message is committed to.
    pub const REAL_TOPIC: &str = "REAL_TOPIC";
    /// Property: the queue a half message is committed to.
    pub const REAL_QUEUE_ID: &str = "REAL_QID";
    /// Property: how often the broker has asked the producer about a half message.
    pub const CHECK_TIMES: &str = "TRANSACTION_CHECK_TIMES";
    /// Property: seconds a half message is not checked (the client's `checkImmunityTimeInSeconds`).
    pub const CHECK_IMMUNITY_TIME: &str = "CHECK_IMMUNITY_TIME_IN_SECONDS";
    /// Property: the half-queue offset of the original of a re-put immune half message.
    pub const PREPARED_QUEUE_OFFSET: &str = "TRAN_PREPARED_QUEUE_OFFSET";
}

/// Separator between a property's name and value.
pub const PROPERTY_NAME_VALUE_SEPARATOR: char = '\u{1}';
/// Separator after each property.
pub const PROPERTY_SEPARATOR: char = '\u{2}';

/// Well-known property keys (`MessageConst`).
pub mod property {
    /// Message keys, space separated.
    pub const KEYS: &str = "KEYS";
    /// Message tag.
    pub const TAGS: &str = "TAGS";
    /// Producer asks to wait for store (dropped by the broker).
    pub const WAIT: &str = "WAIT";
    /// Delay level.
    pub const DELAY: &str = "DELAY";
    /// Client-generated unique id.
    pub const UNIQ_KEY: &str = "UNIQ_KEY";
    /// Cluster the broker belongs to (added by the broker).
    pub const CLUSTER: &str = "CLUSTER";
    /// Region of the broker.
    pub const MSG_REGION: &str = "MSG_REGION";
    /// Trace switch.
    pub const TRACE_ON: &str = "TRACE_ON";
    /// Added by the client after a pull.
    pub const MIN_OFFSET: &str = "MIN_OFFSET";
    /// Added by the client after a pull.
    pub const MAX_OFFSET: &str = "MAX_OFFSET";
    /// Topic a delayed message is delivered to (`PROPERTY_REAL_TOPIC`), set when the store
    /// diverts it to [`super::SCHEDULE_TOPIC`].
    pub const REAL_TOPIC: &str = "REAL_TOPIC";
    /// Queue id a delayed message is delivered to (`PROPERTY_REAL_QUEUE_ID`).
    pub const REAL_QID: &str = "REAL_QID";
    /// Topic a message sent back for retry was first consumed from.
    pub const RETRY_TOPIC: &str = "RETRY_TOPIC";
    /// Message id of the first copy of a message sent back for retry.
    pub const ORIGIN_MESSAGE_ID: &str = "ORIGIN_MESSAGE_ID";
    /// Send-back limit a client set on the message.
    pub const MAX_RECONSUME_TIMES: &str = "MAX_RECONSUME_TIMES";
}

/// Topic holding delayed messages until they are due (`TopicValidator.RMQ_SYS_SCHEDULE_TOPIC`):
/// queue `level - 1` per delay level; a unit's tagsCode is the delivery time, epoch ms.
pub const SCHEDULE_TOPIC: &str = "SCHEDULE_TOPIC_XXXX";

// ---------------------------------------------------------------------------------------------
// Consume queue (spec §5.2)
// ---------------------------------------------------------------------------------------------

/// One consume-queue entry: int64 physical offset, int32 size, int64 tagsCode.
pub const CQ_UNIT_SIZE: usize = 20;
/// Default consume-queue file size: 300 000 entries.
pub const DEFAULT_CQ_FILE_SIZE: u64 = 300_000 * CQ_UNIT_SIZE as u64;
/// Size field of the blank entries that pre-fill a queue starting past offset 0.
pub const CQ_BLANK_SIZE: i32 = i32::MAX;

// ---------------------------------------------------------------------------------------------
// Store root layout (spec §4.5, §5.3, §5.4)
// ---------------------------------------------------------------------------------------------

/// Default commitlog file size (1 GiB).
pub const DEFAULT_COMMITLOG_FILE_SIZE: u64 = 1024 * 1024 * 1024;
/// Directory of commitlog files under the store root.
pub const COMMITLOG_DIR: &str = "commitlog";
/// Directory of consume queues under the store root.
pub const CONSUMEQUEUE_DIR: &str = "consumequeue";
/// Directory of the JSON config files under the store root.
pub const CONFIG_DIR: &str = "config";
/// Checkpoint file name.
pub const CHECKPOINT_FILE: &str = "checkpoint";
/// Abort marker: present while a broker runs, removed at clean shutdown.
pub const ABORT_FILE: &str = "abort";
/// Lock file holding an exclusive lock while a broker uses the store.
pub const LOCK_FILE: &str = "lock";
/// Size of the checkpoint file.
pub const CHECKPOINT_FILE_SIZE: usize = 4096;
/// Checkpoint field offsets.
pub mod checkpoint {
    /// int64 physicMsgTimestamp
    pub const PHYSIC_MSG_TIMESTAMP: usize = 0;
    /// int64 logicsMsgTimestamp
    pub const LOGICS_MSG_TIMESTAMP: usize = 8;
    /// int64 indexMsgTimestamp
    pub const INDEX_MSG_TIMESTAMP: usize = 16;
    /// Crash recovery starts from the newest commitlog file whose first record was stored at or
    /// before `min(physicMsgTimestamp, logicsMsgTimestamp)` minus this margin (Java's
    /// `StoreCheckpoint.getMinTimestamp`).
    pub const MIN_TIMESTAMP_MARGIN_MS: i64 = 3000;
    /// How often a running store fsyncs the consume-queue files written since the last time and
    /// then writes the checkpoint (Java's `flushIntervalConsumeQueue`).
    pub const FLUSH_INTERVAL_MS: u64 = 1000;
}
/// Config file names under `config/`.
pub mod config_file {
    /// TopicConfigSerializeWrapper.
    pub const TOPICS: &str = "topics.json";
    /// Subscription groups.
    pub const SUBSCRIPTION_GROUP: &str = "subscriptionGroup.json";
    /// Consumer offsets.
    pub const CONSUMER_OFFSET: &str = "consumerOffset.json";
    /// Delay-level offsets.
    pub const DELAY_OFFSET: &str = "delayOffset.json";
    /// Suffix of the file written before the rename.
    pub const TMP_SUFFIX: &str = ".tmp";
    /// Suffix of the previous version kept as a backup.
    pub const BAK_SUFFIX: &str = ".bak";
}

// ---------------------------------------------------------------------------------------------
// Index files (spec §5.5; Java's IndexHeader / IndexFile)
// ---------------------------------------------------------------------------------------------

/// Key-index file layout: a header, `maxHashSlotNum` int32 hash slots, then `maxIndexNum` entries.
/// A file is named by its creation time, `yyyyMMddHHmmssSSS` in local time, and is
/// `HEADER_SIZE + slots * SLOT_SIZE + entries * ENTRY_SIZE` bytes long (sparse: written through a
/// memory map as Java does).
pub mod index {
    /// Directory of index files under the store root.
    pub const DIR: &str = "index";
    /// Length of the file header.
    pub const HEADER_SIZE: usize = 40;
    /// int64 beginTimestamp: store time of the first entry (or the previous file's end).
    pub const BEGIN_TIMESTAMP: usize = 0;
    /// int64 endTimestamp: store time of the last entry.
    pub const END_TIMESTAMP: usize = 8;
    /// int64 beginPhyOffset: commitlog offset of the first entry's record.
    pub const BEGIN_PHY_OFFSET: usize = 16;
    /// int64 endPhyOffset: commitlog offset of the last entry's record.
    pub const END_PHY_OFFSET: usize = 24;
    /// int32 hashSlotCount: slots in use.
    pub const HASH_SLOT_COUNT: usize = 32;
    /// int32 indexCount: the number of the next entry to write. Entry 0 is never written, so a
    /// slot value of 0 means "empty"; a fresh file has 1 (a 0 read back counts as 1).
    pub const INDEX_COUNT: usize = 36;
    /// Width of a hash slot: int32 number of the newest entry with that slot.
    pub const SLOT_SIZE: usize = 4;
    /// Width of an entry: int32 keyHash, int64 phyOffset, int32 timeDiff (seconds since
    /// beginTimestamp), int32 prevIndex (the previous entry of the same slot, 0 for none).
    pub const ENTRY_SIZE: usize = 20;
    /// Entry field: int32 key hash.
    pub const ENTRY_KEY_HASH: usize = 0;
    /// Entry field: int64 commitlog offset of the record.
    pub const ENTRY_PHY_OFFSET: usize = 4;
    /// Entry field: int32 seconds between beginTimestamp and the record's store time.
    pub const ENTRY_TIME_DIFF: usize = 12;
    /// Entry field: int32 previous entry number in the slot's chain.
    pub const ENTRY_PREV_INDEX: usize = 16;
    /// Number of the first entry written (indexCount of a fresh file).
    pub const FIRST_INDEX: i32 = 1;
    /// Default `maxHashSlotNum`.
    pub const DEFAULT_MAX_HASH_SLOT_NUM: u32 = 5_000_000;
    /// Default `maxIndexNum`.
    pub const DEFAULT_MAX_INDEX_NUM: u32 = 5_000_000 * 4;
    /// Separator of the index key: `topic#key`.
    pub const KEY_TOPIC_SEPARATOR: char = '#';
    /// Separator of the keys inside the `KEYS` property (`MessageConst.KEY_SEPARATOR`).
    pub const KEYS_SEPARATOR: char = ' ';
    /// Width of an index file name (`yyyyMMddHHmmssSSS`).
    pub const FILE_NAME_WIDTH: usize = 17;

    /// Size in bytes of an index file with `slots` hash slots and `entries` entries.
    pub fn file_size(slots: u32, entries: u32) -> u64 {
        HEADER_SIZE as u64 + u64::from(slots) * SLOT_SIZE as u64 + u64::from(entries) * ENTRY_SIZE as u64
    }

    /// Whether `name` looks like an index file name (17 digits).
    pub fn is_file_name(name: &str) -> bool {
        name.len() == FILE_NAME_WIDTH && name.bytes().all(|b| b.is_ascii_digit())
    }
}

// ---------------------------------------------------------------------------------------------
// DLedger store (spec §6.1)
// ---------------------------------------------------------------------------------------------

/// DLedger data entry layout.
pub mod dledger {
    /// The reserved topic of metadata records (DLedger mode). Topic, subscription-group and
    /// offset changes travel through the Raft log as ordinary message records (spec §2.6, queue
    /// 0, queue offsets counted like any queue's) whose body is one JSON change
    /// (`broker::meta::record`). It is in no `topics.json`, so no route, `topicList` or consumer
    /// sees it; a reader of the data files (verify-commitlog, Java DLedger) sees ordinary
    /// records. The `RMQ_SYS_` prefix makes it a system topic for Java's TopicValidator.
    pub const META_TOPIC: &str = "RMQ_SYS_DLEDGER_META";
    /// Magic of a data entry (`MAGIC_1`).
    pub const ENTRY_MAGIC: i32 = 1;
    /// Magic of the end-of-file blank in data files (written before the size, the reverse of
    /// RocketMQ's blank).
    pub const BLANK_MAGIC: i32 = -1;
    /// Length of the data entry header; the body starts here.
    pub const HEADER_SIZE: usize = 48;
    /// int32 magic
    pub const MAGIC: usize = 0;
    /// int32 size = HEADER_SIZE + bodyLen
    pub const SIZE: usize = 4;
    /// int64 Raft index, from 0
    pub const INDEX: usize = 8;
    /// int64 term
    pub const TERM: usize = 16;
    /// int64 absolute position of the entry
    pub const POS: usize = 24;
    /// int32 channel (reserved, 0 in DLedger; ours: entry kind and leader id, see
    /// [`CHANNEL_KIND_SHIFT`])
    pub const CHANNEL: usize = 32;
    /// int32 chain CRC (not filled, 0)
    pub const CHAIN_CRC: usize = 36;
    /// int32 body CRC. DLedger leaves it 0; our writer (`broker::raft::log_store`) fills
    /// `crc32(body) as i32` so recovery can tell a torn tail (header on disk, body not) from a
    /// valid entry. Readers treat 0 as "not checked", so DLedger-written data still loads.
    pub const BODY_CRC: usize = 40;
    /// int32 body length
    pub const BODY_LEN: usize = 44;
    /// Index entry: int32 magic, int64 pos, int32 size, int64 index, int64 term.
    pub const INDEX_UNIT_SIZE: usize = 32;
    /// Size of a DLedger index file (5 Mi entries).
    pub const INDEX_FILE_SIZE: u64 = INDEX_UNIT_SIZE as u64 * 5 * 1024 * 1024;
    /// Directory name under the store root: `dledger-<selfId>`.
    pub fn node_dir_name(self_id: &str) -> String {
        format!("dledger-{self_id}")
    }
    /// Data directory under the node dir.
    pub const DATA_DIR: &str = "data";
    /// Index directory under the node dir.
    pub const INDEX_DIR: &str = "index";
    /// Checkpoint file (`endIndex=`, `committedIndex=` lines).
    pub const CHECKPOINT_FILE: &str = "checkpoint";
    /// Vote state file (`currTerm=`, `voteLeader=` lines).
    pub const TERM_FILE: &str = "currterm";
    /// Length of the end-of-file blank in data files: int32 [`BLANK_MAGIC`] + int32 remaining
    /// bytes of the file (counted from the blank's own position).
    pub const BLANK_LEN: usize = 8;

    // --- Entry kinds (our openraft log on the DLedger layout, `broker::raft`) ------------------
    //
    // openraft's log holds three kinds of entries; all of them are DLedger entries, whose
    // `index` fields stay consecutive as in DLedger. The `channel`
    // field (reserved, 0 in DLedger) tells them apart and carries the id of the leader that
    // proposed the entry (openraft's log id is (term, leader node id, index)):
    //
    //   channel = kind << CHANNEL_KIND_SHIFT | leader_node_id   (leader_node_id < 2^24)
    //
    // A RocketMQ record entry (kind 0) has exactly one message record as its body (spec §6.2).
    // One openraft entry may carry several records (the leader batches concurrent sends into
    // one Raft entry): it is stored as that many consecutive DLedger entries, one record each,
    // all but the last of kind [`KIND_RECORD_MORE`] and the last of kind [`KIND_RECORD`]. So
    // every DLedger entry still holds one record, and the openraft index of an entry is the
    // number of openraft entries before it: it equals the DLedger index only while every
    // openraft entry holds one record (always so in stores written by DLedger). A group of
    // `KIND_RECORD_MORE` entries without its closing `KIND_RECORD` is a torn tail.
    // Blank and membership entries have a body that is NOT a RocketMQ record: int32 TOTALSIZE
    // (= bodyLen) + int32 [`RAFT_META_MAGIC`] (not a RocketMQ magic, so the §6.2 parser
    // "second int32 is a RocketMQ magic?" never matches), then for a membership entry the
    // membership as JSON. A data-file reader skips any entry whose body's second int32 is
    // [`RAFT_META_MAGIC`] (or whose channel kind is not a record kind, [`is_record_kind`]) by
    // its `size`.

    /// Bit shift of the entry kind inside the `channel` field.
    pub const CHANNEL_KIND_SHIFT: u32 = 24;
    /// Mask of the proposing leader's node id inside the `channel` field.
    pub const CHANNEL_NODE_MASK: i32 = 0x00FF_FFFF;
    /// Entry kind: the body is one RocketMQ message record (openraft `EntryPayload::Normal`).
    pub const KIND_RECORD: i32 = 0;
    /// Entry kind: one RocketMQ message record, followed in the same openraft entry by at least
    /// one more record entry (see the comment above [`CHANNEL_KIND_SHIFT`]).
    pub const KIND_RECORD_MORE: i32 = 3;
    /// Data position of the next record of a batched openraft entry, the record at `data_pos`
    /// being `record_len` bytes: the records are back to back, one entry header before each.
    pub fn next_record_pos(data_pos: u64, record_len: usize) -> u64 {
        data_pos + (record_len + HEADER_SIZE) as u64
    }
    /// Whether a channel kind marks a RocketMQ record entry ([`KIND_RECORD`] or
    /// [`KIND_RECORD_MORE`]).
    pub fn is_record_kind(kind: i32) -> bool {
        kind == KIND_RECORD || kind == KIND_RECORD_MORE
    }
    /// Entry kind: openraft blank entry (written by every new leader), no application data.
    pub const KIND_BLANK: i32 = 1;
    /// Entry kind: openraft membership entry; JSON membership after the 8-byte meta header.
    pub const KIND_MEMBERSHIP: i32 = 2;
    /// Second int32 of the body of blank and membership entries ("RAFT"); never a RocketMQ
    /// message magic, so record parsers reject it and scanners skip the entry.
    pub const RAFT_META_MAGIC: i32 = 0x5241_4654;
    /// Length of the meta body header of blank and membership entries: int32 size + int32 magic.
    pub const RAFT_META_HEADER_LEN: usize = 8;

    // --- Metadata files (text `key=value` lines, written to `<name>.tmp` then renamed) -------

    /// `currterm` key: the current term.
    pub const KEY_CURR_TERM: &str = "currTerm";
    /// `currterm` key: the node voted for (numeric openraft node id, the digits of `nX`).
    pub const KEY_VOTE_LEADER: &str = "voteLeader";
    /// `currterm` key (ours): whether the vote is committed (a quorum granted it).
    pub const KEY_VOTE_COMMITTED: &str = "voteCommitted";
    /// `checkpoint` key: last log index, -1 when empty.
    pub const KEY_END_INDEX: &str = "endIndex";
    /// `checkpoint` key: committed index, -1 when unknown.
    pub const KEY_COMMITTED_INDEX: &str = "committedIndex";
    /// `checkpoint` key (ours): term of the committed entry.
    pub const KEY_COMMITTED_TERM: &str = "committedTerm";
    /// `checkpoint` key (ours): leader node id of the committed entry's log id.
    pub const KEY_COMMITTED_LEADER: &str = "committedLeader";
    /// `checkpoint` key (ours): last purged index, -1 when nothing was purged.
    pub const KEY_PURGED_INDEX: &str = "purgedIndex";
    /// `checkpoint` key (ours): term of the last purged entry.
    pub const KEY_PURGED_TERM: &str = "purgedTerm";
    /// `checkpoint` key (ours): leader node id of the last purged log id.
    pub const KEY_PURGED_LEADER: &str = "purgedLeader";
    /// `checkpoint` key (ours): DLedger index of the last record entry of the last purged
    /// openraft entry; absent (written by older versions or DLedger) means it equals
    /// [`KEY_PURGED_INDEX`]. Recovery numbers the openraft entries after the purge point from it.
    pub const KEY_PURGED_DLEDGER_INDEX: &str = "purgedDledgerIndex";
    /// State machine file (ours, JSON): last applied log id and membership.
    pub const APPLIED_STATE_FILE: &str = "raft-applied.json";
    /// Last built metadata snapshot (ours, JSON).
    pub const SNAPSHOT_FILE: &str = "raft-snapshot.json";
    /// Suffix of metadata files being written before the rename.
    pub const TMP_SUFFIX: &str = ".tmp";

    // --- Entry positions (ours; Java DLedger ignores this directory) -------------------------
    //
    // So that a restart does not read the whole log, the position of every openraft entry is
    // kept on disk in fixed-size units, and `positions.ckpt` records up to where they (and the
    // data files) are flushed; recovery reads the data only from the last data file holding a
    // checkpointed entry. Units live in files of [`POSITIONS_PER_FILE`] units named by the
    // 20-digit openraft index of their first unit: unit `i` is at
    // `(i % POSITIONS_PER_FILE) * POSITION_UNIT_SIZE` of file `i - i % POSITIONS_PER_FILE`.
    // Unit, big-endian: int64 pos (first DLedger entry), int64 DLedger index (first), int64 term,
    // int32 size (all DLedger entries of the openraft entry), int32 count (DLedger entries),
    // int32 channel (kind and leader, as the header's), int32 CRC32 of the 36 bytes before it.

    /// Directory of the position files, under the node dir.
    pub const POSITIONS_DIR: &str = "raft-positions";
    /// The positions checkpoint (text `key=value` lines, under [`POSITIONS_DIR`]).
    pub const POSITIONS_CHECKPOINT_FILE: &str = "positions.ckpt";
    /// Bytes of one position unit.
    pub const POSITION_UNIT_SIZE: usize = 40;
    /// Units per position file (40 MiB files).
    pub const POSITIONS_PER_FILE: u64 = 1 << 20;
    /// Unit field offsets.
    pub const UNIT_POS: usize = 0;
    /// int64 DLedger index of the first DLedger entry.
    pub const UNIT_DLEDGER_INDEX: usize = 8;
    /// int64 term.
    pub const UNIT_TERM: usize = 16;
    /// int32 size.
    pub const UNIT_SIZE: usize = 24;
    /// int32 count of DLedger entries.
    pub const UNIT_COUNT: usize = 28;
    /// int32 channel (kind << 24 | leader).
    pub const UNIT_CHANNEL: usize = 32;
    /// int32 CRC32 of bytes 0..36.
    pub const UNIT_CRC: usize = 36;
    /// Positions checkpoint key: format version ([`POSITIONS_VERSION`]).
    pub const KEY_POS_VERSION: &str = "version";
    /// Version written in [`KEY_POS_VERSION`]; another value is not trusted.
    pub const POSITIONS_VERSION: i64 = 1;
    /// Positions checkpoint key: first openraft index that has a unit.
    pub const KEY_POS_FIRST: &str = "firstIndex";
    /// Positions checkpoint key: units (and data) are flushed for every index below this one.
    pub const KEY_POS_END: &str = "endIndex";
    /// Positions checkpoint key: end position of the entry before `endIndex`.
    pub const KEY_POS_END_POS: &str = "endPos";
    /// Positions checkpoint key: DLedger index that follows the entry before `endIndex`.
    pub const KEY_POS_END_DLEDGER: &str = "endDledgerIndex";
    /// Positions checkpoint key: term of the entry before `endIndex`.
    pub const KEY_POS_LAST_TERM: &str = "lastTerm";
    /// Positions checkpoint key: leader node id of the entry before `endIndex`.
    pub const KEY_POS_LAST_LEADER: &str = "lastLeader";
    /// Positions checkpoint key: CRC32 of the lines before it (a damaged file is not trusted).
    pub const KEY_POS_CRC: &str = "crc";
}

/// Builds the offset message id: hex of store IPv4 (4 bytes) + port (int32) + physical offset.
pub fn create_message_id(store_ip: [u8; 4], port: u32, offset: u64) -> String {
    let mut buf = [0u8; 16];
    buf[..4].copy_from_slice(&store_ip);
    buf[4..8].copy_from_slice(&port.to_be_bytes());
    buf[8..].copy_from_slice(&offset.to_be_bytes());
    hex::encode_upper(buf)
}

/// Decodes an offset message id into (ip, port, physical offset). Accepts the IPv4 form only.
pub fn decode_message_id(id: &str) -> Option<([u8; 4], u32, u64)> {
    if id.len() != 32 {
        return None;
    }
    let raw = hex::decode(id).ok()?;
    let ip = [raw[0], raw[1], raw[2], raw[3]];
    let port = u32::from_be_bytes(raw[4..8].try_into().ok()?);
    let off = u64::from_be_bytes(raw[8..16].try_into().ok()?);
    Some((ip, port, off))
}

/// Java's `String.hashCode()`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code units, wrapping.
/// It is a consume queue's tagsCode, and `mqadmin` uses it to emulate Java `HashMap` iteration
/// order.
pub fn java_string_hash(s: &str) -> i32 {
    let mut h: i32 = 0;
    for unit in s.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(unit as i32);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_round_trip() {
        assert_eq!(offset_to_file_name(1073741824), "00000000001073741824");
        assert_eq!(file_name_to_offset("00000000001073741824"), Some(1073741824));
        assert_eq!(file_name_to_offset("0000000000107374182"), None);
        assert_eq!(file_name_to_offset("0000000000107374182x"), None);
    }

    #[test]
    fn msg_id_matches_fixture_shape() {
        let id = create_message_id([127, 0, 0, 1], 0x74D7, 0x8A3);
        assert_eq!(id, "7F000001000074D700000000000008A3");
        assert_eq!(decode_message_id(&id), Some(([127, 0, 0, 1], 0x74D7, 0x8A3)));
    }

    #[test]
    fn java_hash_matches_known_values() {
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("TagA"), 2598919);
        assert_eq!(java_string_hash("hello world"), 1794106052);
    }

    /// Moved here with the copy `mqadmin`'s Java-order code used to have.
    #[test]
    fn string_hash_matches_java() {
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("hello"), 99_162_322);
        // Overflows wrap like Java ints: "polygenelubricants".hashCode() == Integer.MIN_VALUE.
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        // Non-BMP characters count as two UTF-16 units.
        assert_eq!(java_string_hash("\u{1F600}"), 0xD83D * 31 + 0xDE00);
    }
}
