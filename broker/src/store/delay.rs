//! The store's side of delayed messages: the delay-level table (`messageDelayLevel`), the
//! tagsCode of a `SCHEDULE_TOPIC_XXXX` unit (its delivery time), and reading a level's units.
//!
//! Java computes a schedule unit's tagsCode when it dispatches the record (from the record's
//! `DELAY` property and store timestamp), not when the producer sends it, so a record dispatched
//! at recovery, streamed to an HA slave or applied from the Raft log gets the same delivery time
//! on every node. Every dispatch path of this store calls [`DelayLevels::dispatch_tags_code`] for
//! that reason. The broker's scheduler (`broker/schedule.rs`) reads the units back with
//! [`MessageStore::schedule_units`].

use super::consume_queue::CqUnit;
use super::error::{Result, StoreError};
use super::format::{property, SCHEDULE_TOPIC};
use super::message::find_property;
use super::MessageStore;

/// Java's default `messageDelayLevel`.
pub const DEFAULT_MESSAGE_DELAY_LEVEL: &str = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

/// The delay of each level in ms: level `n` (1-based) is `millis[n - 1]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayLevels {
    millis: Vec<i64>,
}

impl Default for DelayLevels {
    fn default() -> Self {
        // The default string is a constant that parses; an empty table is the unreachable fallback.
        Self::parse(DEFAULT_MESSAGE_DELAY_LEVEL).unwrap_or(Self { millis: Vec::new() })
    }
}

impl DelayLevels {
    /// Parses `messageDelayLevel` as `ScheduleMessageService.parseDelayLevel` does: space
    /// separated numbers, each with a unit `s`, `m`, `h` or `d`.
    ///
    /// # Errors
    /// [`StoreError::Config`] for an empty list, a missing or unknown unit, or a number that is
    /// not a non-negative integer (Java then refuses to start the store).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |why: String| StoreError::Config(format!("messageDelayLevel `{s}`: {why}"));
        let mut millis = Vec::new();
        for item in s.split_whitespace() {
            let unit_ms: i64 = match item.chars().last() {
                Some('s') => 1000,
                Some('m') => 60 * 1000,
                Some('h') => 60 * 60 * 1000,
                Some('d') => 24 * 60 * 60 * 1000,
                _ => return Err(bad(format!("`{item}` does not end in s, m, h or d"))),
            };
            let num: i64 = item[..item.len() - 1]
                .parse()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| bad(format!("`{item}` is not a non-negative whole number of its unit")))?;
            let ms = num
                .checked_mul(unit_ms)
                .ok_or_else(|| bad(format!("`{item}` is too long")))?;
            millis.push(ms);
        }
        if millis.is_empty() {
            return Err(bad("no delay levels".into()));
        }
        Ok(Self { millis })
    }

    /// The highest level (`getMaxDelayLevel`).
    pub fn max_level(&self) -> i32 {
        self.millis.len() as i32
    }

    /// A requested level capped at the highest one, as `CommitLog.putMessage` caps it.
    pub fn cap(&self, level: i32) -> i32 {
        level.min(self.max_level())
    }

    /// The delay of a level, in ms.
    pub fn delay_millis(&self, level: i32) -> Option<i64> {
        usize::try_from(level.checked_sub(1)?)
            .ok()
            .and_then(|i| self.millis.get(i))
            .copied()
    }

    /// When a message of `level` stored at `store_timestamp` is due (`computeDeliverTimestamp`:
    /// one second for a level without a delay).
    pub fn deliver_timestamp(&self, level: i32, store_timestamp: i64) -> i64 {
        store_timestamp.saturating_add(self.delay_millis(level).unwrap_or(1000))
    }

    /// The tagsCode a record gets in its consume queue: its delivery time for a record in
    /// [`SCHEDULE_TOPIC`] with a positive `DELAY` (capped at the highest level), else `tags_code`
    /// (the hash of its tag).
    pub fn dispatch_tags_code(
        &self,
        topic: &str,
        properties: &str,
        tags_code: i64,
        store_timestamp: i64,
    ) -> i64 {
        if topic != SCHEDULE_TOPIC {
            return tags_code;
        }
        match find_property(properties, property::DELAY).and_then(|d| d.trim().parse::<i32>().ok()) {
            Some(level) if self.cap(level) > 0 => self.deliver_timestamp(self.cap(level), store_timestamp),
            _ => tags_code,
        }
    }
}

impl MessageStore {
    /// Up to `max` units of the schedule queue of `level` from logical offset `from` (fewer at
    /// the end of a consume-queue file), and the queue's `[min, max)` offsets; no units when
    /// `from` is outside them. `None` when the queue does not exist.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn schedule_units(
        &self,
        level: i32,
        from: i64,
        max: usize,
    ) -> Result<Option<(Vec<CqUnit>, i64, i64)>> {
        let st = self.shared.read();
        let Some(cq) = st.cqs.find(SCHEDULE_TOPIC, level - 1) else {
            return Ok(None);
        };
        let units = cq.units_from(from, max)?.unwrap_or_default();
        Ok(Some((units, cq.min_offset(), cq.max_offset())))
    }

    /// The delay-level table this store dispatches with.
    pub fn delay_levels(&self) -> &DelayLevels {
        &self.shared.cfg.delay_levels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::message::encode_properties;

    #[test]
    fn parses_javas_default_and_units() {
        let d = DelayLevels::default();
        assert_eq!(d.max_level(), 18);
        assert_eq!(d.delay_millis(1), Some(1000));
        assert_eq!(d.delay_millis(5), Some(60_000));
        assert_eq!(d.delay_millis(18), Some(2 * 3600 * 1000));
        assert_eq!(d.delay_millis(0), None);
        assert_eq!(d.delay_millis(19), None);
        let d = DelayLevels::parse("2s 1d").unwrap();
        assert_eq!(d.delay_millis(2), Some(86_400_000));
        assert_eq!(d.cap(99), 2);
    }

    #[test]
    fn refuses_what_java_refuses() {
        for bad in ["", "  ", "1x", "5", "s", "-1s", "1.5s", "99999999999999999999d"] {
            assert!(DelayLevels::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn schedule_units_get_their_delivery_time() {
        let d = DelayLevels::parse("1s 5s").unwrap();
        let p = encode_properties([("DELAY", "2"), ("TAGS", "a")]);
        assert_eq!(d.dispatch_tags_code(SCHEDULE_TOPIC, &p, 7, 1000), 6000);
        // Capped at the highest level, as the put path caps it.
        let p = encode_properties([("DELAY", "99")]);
        assert_eq!(d.dispatch_tags_code(SCHEDULE_TOPIC, &p, 7, 1000), 6000);
        // Not delayed: the tag hash stays.
        for p in ["", "DELAY\u{1}0", "DELAY\u{1}x"] {
            assert_eq!(d.dispatch_tags_code(SCHEDULE_TOPIC, p, 7, 1000), 7);
        }
        let p = encode_properties([("DELAY", "1")]);
        assert_eq!(d.dispatch_tags_code("T", &p, 7, 1000), 7);
    }
}
