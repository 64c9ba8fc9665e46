//! Committed consumer offsets (`config/consumerOffset.json`), updated by UPDATE_CONSUMER_OFFSET
//! and pulls with the commit flag, persisted periodically and at shutdown, as Java does.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::store::config_files::{ConsumerOffsets, DelayOffsets};
use crate::store::error::StoreError;

/// Consumer and delay offsets of this broker.
#[derive(Debug)]
pub struct OffsetManager {
    root: PathBuf,
    offsets: Mutex<ConsumerOffsets>,
    delay: Mutex<DelayOffsets>,
    dirty: std::sync::atomic::AtomicBool,
    /// Held from taking `dirty` to the end of the write, so a caller that finds nothing dirty
    /// knows another caller's write is on disk (the DLedger applier relies on it).
    persisting: Mutex<()>,
}

impl OffsetManager {
    /// Loads both files from the store root.
    ///
    /// # Errors
    /// When a file exists but neither it nor its backup parses.
    pub fn load(root: PathBuf) -> Result<Self, StoreError> {
        Ok(Self {
            offsets: Mutex::new(ConsumerOffsets::load(&root)?),
            delay: Mutex::new(DelayOffsets::load(&root)?),
            root,
            dirty: Default::default(),
            persisting: Mutex::new(()),
        })
    }

    fn offsets(&self) -> std::sync::MutexGuard<'_, ConsumerOffsets> {
        self.offsets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The committed offset of a group on a queue.
    pub fn query(&self, group: &str, topic: &str, queue_id: i32) -> Option<i64> {
        self.offsets().get(topic, group, queue_id)
    }

    /// Commits an offset.
    pub fn commit(&self, group: &str, topic: &str, queue_id: i32, offset: i64) {
        self.offsets()
            .offset_table
            .entry(format!("{topic}@{group}"))
            .or_default()
            .insert(queue_id, offset);
        self.dirty.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Every committed offset (GET_ALL_CONSUMER_OFFSET).
    pub fn all(&self) -> ConsumerOffsets {
        self.offsets().clone()
    }

    /// Delay offsets (GET_ALL_DELAY_OFFSET).
    pub fn delay(&self) -> DelayOffsets {
        self.delay.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Records a delay level's progress.
    pub fn set_delay(&self, level: i32, offset: i64) {
        self.delay
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .offset_table
            .insert(level, offset);
        self.dirty.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Replaces offsets with a master's (slave config sync).
    pub fn replace_all(&self, offsets: ConsumerOffsets, delay: Option<DelayOffsets>) {
        *self.offsets() = offsets;
        if let Some(d) = delay {
            *self.delay.lock().unwrap_or_else(|p| p.into_inner()) = d;
        }
        self.dirty.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Removes a topic's offsets.
    pub fn remove_topic(&self, topic: &str) {
        let prefix = format!("{topic}@");
        self.offsets().offset_table.retain(|k, _| !k.starts_with(&prefix));
        self.dirty.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Removes a group's offsets on every topic.
    pub fn remove_group(&self, group: &str) {
        let suffix = format!("@{group}");
        self.offsets().offset_table.retain(|k, _| !k.ends_with(&suffix));
        self.dirty.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Persists if anything changed since the last call.
    ///
    /// # Errors
    /// When the files cannot be written.
    pub fn persist_if_dirty(&self) -> Result<(), StoreError> {
        let _persisting = self.persisting.lock().unwrap_or_else(|e| e.into_inner());
        if self.dirty.swap(false, std::sync::atomic::Ordering::AcqRel) {
            let snapshot = self.offsets().clone();
            let delay = self.delay();
            let written = snapshot
                .persist(&self.root)
                .and_then(|()| delay.persist(&self.root));
            if written.is_err() {
                // Still to be written: the next call tries again.
                self.dirty.store(true, std::sync::atomic::Ordering::Release);
            }
            written?;
        }
        Ok(())
    }
}
