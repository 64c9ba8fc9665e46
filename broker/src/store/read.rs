//! The read side: pulls with the statuses and next offsets of Java's `getMessage`, queue offsets,
//! lookups by physical offset and time, and raw commitlog reads for an HA slave.

use std::sync::atomic::Ordering;

use super::error::{Result, StoreError};
use super::message::{self};
use super::{format, GetMessageResult, GetMessageStatus, MessageStore};

/// How many consume-queue units one pull examines. Java's `getMessage` bounds its loop by
/// `max(16000, maxMsgNums * 20)` in *bytes* of consume queue (its index steps by the 20-byte unit),
/// so a pull whose filter matches nothing advances `nextBeginOffset` by 800 units, not 16000.
fn max_filter_units(max_nums: usize) -> usize {
    16000.max(max_nums * format::CQ_UNIT_SIZE) / format::CQ_UNIT_SIZE
}

impl MessageStore {
    /// Reads up to `max_nums` messages of a queue from logical `offset`, keeping those whose
    /// tagsCode passes `filter`, with the statuses and next offsets of Java's
    /// `DefaultMessageStore.getMessage` on a master (spec §2.7).
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn get_messages(
        &self,
        topic: &str,
        queue_id: i32,
        offset: i64,
        max_nums: usize,
        max_total_bytes: usize,
        filter: impl Fn(i64) -> bool,
    ) -> Result<GetMessageResult> {
        let st = self.shared.read();
        let mut r = GetMessageResult {
            status: GetMessageStatus::NoMessageInQueue,
            next_begin_offset: offset,
            min_offset: 0,
            max_offset: 0,
            messages: Vec::new(),
            message_phys_offsets: Vec::new(),
        };
        let max_bytes = if max_total_bytes == 0 {
            self.shared.cfg.max_transfer_bytes
        } else {
            max_total_bytes
        };
        match st.cqs.find(topic, queue_id) {
            None => {
                r.status = GetMessageStatus::NoMatchedLogicQueue;
                r.next_begin_offset = 0;
            }
            Some(cq) => {
                let (min, max) = (cq.min_offset(), cq.max_offset());
                r.min_offset = min;
                r.max_offset = max;
                if max == 0 {
                    r.status = GetMessageStatus::NoMessageInQueue;
                    r.next_begin_offset = 0;
                } else if offset < min {
                    r.status = GetMessageStatus::OffsetTooSmall;
                    r.next_begin_offset = min;
                } else if offset == max {
                    r.status = GetMessageStatus::OffsetOverflowOne;
                    r.next_begin_offset = offset;
                } else if offset > max {
                    r.status = GetMessageStatus::OffsetOverflowBadly;
                    r.next_begin_offset = max;
                } else if let Some(units) = cq.units_from(offset, max_filter_units(max_nums))? {
                    r.status = GetMessageStatus::NoMatchedMessage;
                    let max_filter = max_filter_units(max_nums);
                    let mut next_phy_file_start: Option<u64> = None;
                    let mut i = 0;
                    while i < units.len() && i < max_filter {
                        let u = units[i];
                        i += 1;
                        if u.is_blank() || u.size <= 0 {
                            continue;
                        }
                        let phys = u.phys_offset as u64;
                        if next_phy_file_start.is_some_and(|n| phys < n) {
                            continue;
                        }
                        let total = r.messages.len();
                        if total > 0 && (r.count() >= max_nums || total + u.size as usize > max_bytes) {
                            i -= 1;
                            break;
                        }
                        if !filter(u.tags_code) {
                            continue;
                        }
                        match st.read_record_bytes(phys, u.size as usize)? {
                            None => {
                                if r.messages.is_empty() {
                                    r.status = GetMessageStatus::MessageWasRemoving;
                                }
                                next_phy_file_start = Some(st.commitlog.roll_next_file(phys));
                            }
                            Some(bytes) => {
                                r.messages.extend_from_slice(&bytes);
                                r.message_phys_offsets.push(phys);
                                r.status = GetMessageStatus::Found;
                                next_phy_file_start = None;
                            }
                        }
                    }
                    r.next_begin_offset = offset + i as i64;
                } else {
                    r.status = GetMessageStatus::OffsetFoundNull;
                    r.next_begin_offset = cq.roll_next_file(offset);
                }
            }
        }
        let stats = &self.shared.stats;
        if r.status == GetMessageStatus::Found {
            stats.get_found.fetch_add(1, Ordering::Relaxed);
            stats.get_messages.fetch_add(r.count() as u64, Ordering::Relaxed);
        } else {
            stats.get_miss.fetch_add(1, Ordering::Relaxed);
        }
        Ok(r)
    }

    /// What wakes a pull held on a queue when a unit is dispatched to it, its first unit
    /// included.
    pub fn queue_arrivals(&self, topic: &str, queue_id: i32) -> super::consume_queue::Arrivals {
        self.shared.read().cqs.arrivals(topic, queue_id)
    }

    /// One past the last logical offset of a queue (0 if it does not exist).
    pub fn max_offset_in_queue(&self, topic: &str, queue_id: i32) -> i64 {
        self.shared
            .read()
            .cqs
            .find(topic, queue_id)
            .map_or(0, |q| q.max_offset())
    }

    /// First readable logical offset of a queue (-1 if it does not exist, as Java answers).
    pub fn min_offset_in_queue(&self, topic: &str, queue_id: i32) -> i64 {
        self.shared
            .read()
            .cqs
            .find(topic, queue_id)
            .map_or(-1, |q| q.min_offset())
    }

    /// Offset of the oldest commitlog byte.
    pub fn commitlog_min_offset(&self) -> u64 {
        let st = self.shared.read();
        match &st.external {
            Some(ext) if st.commitlog.files().is_empty() => ext.log.min_offset(),
            _ => st.commitlog.min_offset(),
        }
    }

    /// Offset one past the last commitlog byte.
    pub fn commitlog_max_offset(&self) -> u64 {
        let st = self.shared.read();
        match &st.external {
            Some(ext) => ext.log.max_offset().max(ext.divided),
            None => st.commitlog.max_offset(),
        }
    }

    /// The raw record at a commitlog offset (for VIEW_MESSAGE_BY_ID).
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn lookup_message_by_offset(&self, phys_offset: u64) -> Result<Option<Vec<u8>>> {
        let st = self.shared.read();
        match &st.external {
            Some(ext) if phys_offset >= ext.divided => Ok(ext.log.read_record(phys_offset)),
            _ => st.commitlog.read_record(phys_offset),
        }
    }

    /// Store time of the oldest message, or -1 when the store is empty.
    pub fn earliest_message_time(&self) -> i64 {
        let st = self.shared.read();
        if let Some(ext) = &st.external {
            if st.commitlog.files().is_empty() {
                let min = ext.log.min_offset();
                return ext
                    .log
                    .read_record(min)
                    .and_then(|r| message::decode_record(&r).ok())
                    .map_or(-1, |m| m.store_timestamp);
            }
        }
        let mut found = -1;
        let min = st.commitlog.min_offset();
        let max = st.commitlog.max_offset();
        let _ = st.commitlog.scan(min, max, false, |_, m| {
            found = m.store_timestamp;
            // Stop at the first record: an error ends the scan, and is ignored here.
            Err(StoreError::ShutDown)
        });
        found
    }

    /// Logical offset of the first message of a queue stored at or after `timestamp`; the max offset
    /// if all are older, the min offset if the queue is empty or all are newer.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn offset_by_timestamp(&self, topic: &str, queue_id: i32, timestamp: i64) -> Result<i64> {
        let st = self.shared.read();
        let Some(cq) = st.cqs.find(topic, queue_id) else {
            return Ok(0);
        };
        let (mut lo, mut hi) = (cq.min_offset(), cq.max_offset());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let ts = match cq.unit(mid)? {
                Some(u) if !u.is_blank() => st
                    .commitlog
                    .read(u.phys_offset as u64, u.size as usize)?
                    .and_then(|b| message::decode_record(&b).ok())
                    .map_or(i64::MIN, |m| m.store_timestamp),
                _ => i64::MIN,
            };
            if ts < timestamp {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// Topics that have consume queues.
    pub fn topics(&self) -> Vec<String> {
        self.shared.read().cqs.topics()
    }

    /// Queue ids of a topic.
    pub fn queue_ids(&self, topic: &str) -> Vec<i32> {
        self.shared.read().cqs.queue_ids(topic)
    }

    /// Commitlog bytes not yet dispatched to consume queues.
    pub fn dispatch_behind_bytes(&self) -> u64 {
        let st = self.shared.read();
        st.commitlog.max_offset().saturating_sub(st.reput_offset)
    }

    /// Start offset of the newest commitlog file (where an HA master starts streaming to a slave
    /// that reports offset 0); 0 for an empty log.
    pub fn commitlog_last_file_start(&self) -> u64 {
        self.shared.read().commitlog.files().last().map_or(0, |f| f.start)
    }

    /// Raw commitlog bytes from `from_offset` (HA master side), at most `max_bytes` and never past
    /// the end of the file holding `from_offset`.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn read_commitlog_raw(&self, from_offset: u64, max_bytes: usize) -> Result<Vec<u8>> {
        self.shared.read().commitlog.read_raw(from_offset, max_bytes)
    }
}
