//! The write side of the store: appending openraft entries to the data files, truncating a
//! suffix, purging a prefix.
//!
//! These are the only code paths that change the data files after recovery, so they keep the
//! layout a follower must share byte for byte with its leader: an entry's DLedger entries in
//! one file, a blank where the next entry does not fit, a truncation that undoes the blank of
//! the entry it cuts. A batch, truncation or purge refused for lack of space changes nothing
//! in memory, so the store can make the same call again once space returns (see
//! [`crate::raft::space`]).

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use openraft::EntryPayload;

use super::entry::{encode_entry, EntryKind, EntryLocation};
use super::flusher::{push_dirty, DirtyFiles};
use super::positions::PosCheckpoint;
use super::{io_err, LogStore, LogStoreError, Shared, State};
use crate::durable;
use crate::raft::types::{Entry, LogId, Record};
use crate::store::format::dledger as dl;

impl LogStore {
    /// Creates the data file starting at `start`, preallocated (sparse) to `file_size`.
    fn create_file(&self, st: &mut State, start: u64) -> Result<Arc<File>, LogStoreError> {
        let path = self.shared.file_path(start);
        let f = create_data_file(&path, self.shared.opts.file_size)?;
        st.files.insert(start, f.clone());
        Ok(f)
    }

    /// Writes `entries` and returns the files to fdatasync and whether the directory changed.
    ///
    /// Entries that follow each other in one file go out in one `pwrite` (a follower receives
    /// them in batches). If any write fails, the in-memory log forgets the whole batch.
    pub(super) fn write_entries(&self, entries: &[Entry]) -> Result<(DirtyFiles, bool), LogStoreError> {
        let mut st = self.shared.write();
        let before = (
            st.first_index,
            st.metas.len(),
            st.write_pos,
            st.next_dl,
            st.cold_first,
        );
        let mut dirty: DirtyFiles = Vec::new();
        let mut new_file = false;
        let mut run = WriteRun::default();
        let res = self
            .stage_entries(&mut st, entries, &mut run, &mut dirty, &mut new_file)
            .and_then(|()| run.flush(&self.shared));
        if let Err(e) = res {
            let (first_index, len, write_pos, next_dl, cold_first) = before;
            let cut = first_index + len as u64;
            st.metas.truncate(len);
            st.first_index = first_index;
            st.cold_first = cold_first;
            st.write_pos = write_pos;
            st.next_dl = next_dl;
            st.recent.cut_from(cut);
            return Err(e);
        }
        Ok((dirty, new_file))
    }

    /// The body of [`Self::write_entries`]: updates the in-memory log and queues the bytes in
    /// `run`, which writes whenever the next bytes are not contiguous with it.
    fn stage_entries(
        &self,
        st: &mut State,
        entries: &[Entry],
        run: &mut WriteRun,
        dirty: &mut DirtyFiles,
        new_file: &mut bool,
    ) -> Result<(), LogStoreError> {
        let fs_ = self.shared.opts.file_size;
        for entry in entries {
            let index = entry.log_id.index;
            if !st.metas.is_empty() {
                let next = st.first_index + st.metas.len() as u64;
                if index < next {
                    return Err(LogStoreError::Invalid(format!(
                        "append of index {index} over existing entries (next is {next}); truncate first"
                    )));
                }
                if index > next {
                    tracing::warn!(index, next, "append leaves a hole in the Raft log");
                    for _ in next..index {
                        st.metas.push_back(None);
                    }
                }
            }
            let (mut start, mut file) = match st.file_for(st.write_pos, fs_) {
                Some((s, f)) => (s, f.clone()),
                None => {
                    return Err(LogStoreError::Invalid(format!(
                        "no data file holds the write position {}",
                        st.write_pos
                    )))
                }
            };
            // All DLedger entries of an openraft entry go to one data file.
            let mut enc = encode_entry(entry, st.write_pos, st.next_dl)?;
            if enc.bytes.len() as u64 + dl::BLANK_LEN as u64 > fs_ {
                return Err(LogStoreError::Invalid(format!(
                    "entry {index} of {} bytes does not fit a data file of {fs_} bytes",
                    enc.bytes.len()
                )));
            }
            let remaining = start + fs_ - st.write_pos;
            if enc.bytes.len() as u64 + dl::BLANK_LEN as u64 > remaining {
                // End-of-file blank: magic first, then the remaining size (§6.1).
                let mut blank = [0u8; dl::BLANK_LEN];
                blank[..4].copy_from_slice(&dl::BLANK_MAGIC.to_be_bytes());
                blank[4..].copy_from_slice(&(remaining as i32).to_be_bytes());
                run.stage(
                    &self.shared,
                    start,
                    &file,
                    st.write_pos - start,
                    Bytes::copy_from_slice(&blank),
                )?;
                push_dirty(dirty, start, &file);
                let next = start + fs_;
                file = match st.files.get(&next) {
                    Some(f) => f.clone(),
                    None => {
                        *new_file = true;
                        self.create_file(st, next)?
                    }
                };
                start = next;
                st.write_pos = next;
                enc = encode_entry(entry, next, st.next_dl)?;
            }
            let pos = st.write_pos;
            let size = enc.bytes.len();
            run.stage(&self.shared, start, &file, pos - start, enc.bytes)?;
            push_dirty(dirty, start, &file);
            let loc = EntryLocation {
                pos,
                size: size as u32,
                dl_index: st.next_dl,
                count: enc.count,
                term: entry.log_id.leader_id.term,
                leader: entry.log_id.leader_id.node_id,
                kind: match entry.payload {
                    EntryPayload::Normal(_) => EntryKind::Record,
                    EntryPayload::Blank => EntryKind::Blank,
                    EntryPayload::Membership(_) => EntryKind::Membership,
                },
            };
            if st.metas.is_empty() {
                st.first_index = index;
                st.cold_first = index;
            }
            st.metas.push_back(Some(loc));
            st.write_pos = pos + size as u64;
            st.next_dl += u64::from(enc.count);
            let cached = match enc.payload {
                Some(payload) => Entry {
                    log_id: entry.log_id,
                    payload: EntryPayload::Normal(Record(payload)),
                },
                None => entry.clone(),
            };
            st.recent.push(cached, size);
        }
        Ok(())
    }

    pub(super) fn sync(&self, dirty: &[(u64, Arc<File>)], dir: bool) -> Result<(), LogStoreError> {
        for (start, f) in dirty {
            f.sync_data().map_err(io_err(&self.shared.file_path(*start)))?;
        }
        if dir {
            durable::sync_dir(&self.shared.opts.data_dir)?;
        }
        Ok(())
    }

    pub(super) fn truncate_from(&self, index: u64) -> Result<(), LogStoreError> {
        let fs_ = self.shared.opts.file_size;
        // Held throughout: the flusher must not checkpoint positions of entries being cut.
        let mut prog = self.shared.progress();
        let mut st = self.shared.write();
        let Some(last) = st.last_log_id() else {
            return Ok(());
        };
        if index > last.index {
            return Ok(());
        }
        // The entry before the cut must be in memory (it was possibly only in the units).
        self.shared.warm_from(&mut st, index.saturating_sub(1))?;
        let mut keep = index.saturating_sub(st.first_index) as usize;
        while keep > 0 && st.metas[keep - 1].is_none() {
            keep -= 1; // never leave a hole at the end
        }
        // The write position goes back to where it was before entry `index` was appended: right
        // after the previous entry, so a blank written for the cut entry is undone too and the
        // layout stays what the leader (who never had the cut suffix) has.
        let prev = keep.checked_sub(1).and_then(|k| st.metas[k]);
        let (new_pos, new_dl) = match (prev, st.metas.iter().skip(keep).flatten().next()) {
            (Some(p), _) => (p.end(), p.dl_index + u64::from(p.count)),
            (None, Some(first_cut)) => (first_cut.pos, first_cut.dl_index),
            (None, None) => return Ok(()),
        };
        let (start, file) = match st.file_for(new_pos, fs_) {
            Some((s, f)) => (s, f.clone()),
            None => {
                return Err(LogStoreError::Invalid(format!(
                    "no data file holds position {new_pos}"
                )))
            }
        };
        // What is cut stops counting as flushed, and the positions checkpoint moves back before
        // any byte changes: a crash in the middle of the truncation must not leave a checkpoint
        // that vouches for entries the data no longer holds.
        let kept_end = st.first_index + keep as u64;
        {
            let mut p = self.shared.pending();
            p.generation += 1;
            p.durable = p.durable.min(kept_end);
            p.upto = p.upto.min(kept_end);
        }
        prog.written = prog.written.min(kept_end);
        prog.first = prog.first.min(prog.written);
        if prog.checkpointed > kept_end {
            match prev {
                Some(p) if kept_end > prog.first => {
                    let cp = PosCheckpoint::after(prog.first, kept_end - 1, &p);
                    self.shared.positions.write_checkpoint(&cp, true)?;
                    prog.checkpointed = kept_end;
                }
                _ => {
                    self.shared.positions.remove_checkpoint()?;
                    prog.checkpointed = 0;
                }
            }
        }
        let file_end = start + fs_;
        // End of the bytes in use in that file: the old write position, or after the blank.
        let data_end = if st.write_pos <= file_end {
            st.write_pos
        } else {
            let last_end = st
                .metas
                .iter()
                .flatten()
                .filter(|m| m.pos < file_end)
                .map(|m| m.end())
                .max()
                .unwrap_or(new_pos);
            (last_end.max(new_pos) + dl::BLANK_LEN as u64).min(file_end)
        };
        let path = self.shared.file_path(start);
        zero_range(&file, &path, new_pos - start, data_end - start)?;
        let later: Vec<u64> = st.files.range(start + 1..).map(|(s, _)| *s).collect();
        for s in &later {
            st.files.remove(s);
            let p = self.shared.file_path(*s);
            fs::remove_file(&p).map_err(io_err(&p))?;
        }
        st.metas.truncate(keep);
        st.recent.cut_from(index);
        st.write_pos = new_pos;
        st.next_dl = new_dl;
        drop(st);
        file.sync_data().map_err(io_err(&path))?;
        if !later.is_empty() {
            durable::sync_dir(&self.shared.opts.data_dir)?;
        }
        Ok(())
    }

    pub(super) fn purge_upto(&self, log_id: LogId) -> Result<(), LogStoreError> {
        let fs_ = self.shared.opts.file_size;
        // Held throughout: the flusher must not write units while their files go.
        let mut prog = self.shared.progress();
        let mut st = self.shared.write();
        if st.last_purged.is_some_and(|p| p.index >= log_id.index) {
            return Ok(());
        }
        // The DLedger index of the last purged record, from which recovery numbers the entries
        // after the purge point. An entry this log does not hold (purged beyond its end, after
        // installing a snapshot) counts as one record.
        let purged_dl = match self.shared.loc(&st, log_id.index)? {
            Some(m) => m.dl_index + u64::from(m.count) - 1,
            None => {
                let next = st.next_index().unwrap_or(0);
                (st.next_dl + log_id.index).saturating_sub(next)
            }
        };
        // Persist the purge point before deleting files: a crash in between leaves extra
        // files, whose entries recovery hides. Nothing changes in memory if that write fails,
        // so the purge can be tried again.
        let before = (
            st.last_purged.replace(log_id),
            st.last_purged_dl.replace(purged_dl),
        );
        if let Err(e) = self.write_checkpoint(&st, true) {
            (st.last_purged, st.last_purged_dl) = before;
            return Err(e);
        }
        st.recent.drop_upto(log_id.index);
        if log_id.index < st.first_index {
            // Only entries found through their units go.
            st.cold_first = st.cold_first.max(log_id.index + 1);
        } else {
            while !st.metas.is_empty() && st.first_index <= log_id.index {
                st.metas.pop_front();
                st.first_index += 1;
            }
            while let Some(None) = st.metas.front() {
                st.metas.pop_front();
                st.first_index += 1;
            }
            if st.metas.is_empty() {
                st.first_index = log_id.index + 1;
                st.next_dl = st.next_dl.max(purged_dl + 1);
            }
            st.cold_first = st.first_index;
        }
        let keep_from = self.shared.first_pos(&st)?;
        let doomed: Vec<u64> = st
            .files
            .range(..keep_from)
            .filter(|(s, _)| **s + fs_ <= keep_from)
            .map(|(s, _)| *s)
            .collect();
        for s in &doomed {
            st.files.remove(s);
            let p = self.shared.file_path(*s);
            fs::remove_file(&p).map_err(io_err(&p))?;
        }
        let cold_first = st.cold_first;
        drop(st);
        if !doomed.is_empty() {
            durable::sync_dir(&self.shared.opts.data_dir)?;
        }
        // The units of purged entries go too; units are kept from the first visible entry.
        if prog.written < cold_first {
            prog.first = cold_first;
            prog.written = cold_first;
        }
        if self.shared.positions.remove_below(cold_first)? {
            self.shared.positions.sync(&[], true)?;
        }
        Ok(())
    }
}

/// Contiguous bytes of one data file waiting to be written with one `pwrite`.
#[derive(Default)]
struct WriteRun {
    /// Start offset of the file, the file, and where in it the run begins.
    at: Option<(u64, Arc<File>, u64)>,
    len: u64,
    parts: Vec<Bytes>,
}

impl WriteRun {
    /// Queues `bytes` for `file` (starting at `start`) at `offset` in it, writing what is queued
    /// first when `bytes` do not continue it.
    fn stage(
        &mut self,
        shared: &Shared,
        start: u64,
        file: &Arc<File>,
        offset: u64,
        bytes: Bytes,
    ) -> Result<(), LogStoreError> {
        let continues = matches!(&self.at, Some((s, _, o)) if *s == start && o + self.len == offset);
        if !continues {
            self.flush(shared)?;
            self.at = Some((start, file.clone(), offset));
        }
        self.len += bytes.len() as u64;
        self.parts.push(bytes);
        Ok(())
    }

    /// Writes what is queued.
    fn flush(&mut self, shared: &Shared) -> Result<(), LogStoreError> {
        let Some((start, file, offset)) = self.at.take() else {
            return Ok(());
        };
        let parts = std::mem::take(&mut self.parts);
        self.len = 0;
        let res = match parts.as_slice() {
            [one] => file.write_all_at(one, offset),
            _ => file.write_all_at(&parts.concat(), offset),
        };
        res.map_err(|e| io_err(&shared.file_path(start))(e))
    }
}

pub(super) fn create_data_file(path: &Path, size: u64) -> Result<Arc<File>, LogStoreError> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io_err(path))?;
    f.set_len(size).map_err(io_err(path))?;
    Ok(Arc::new(f))
}

/// Writes zeros over `[from, to)` of `file`.
pub(super) fn zero_range(file: &File, path: &Path, from: u64, to: u64) -> Result<(), LogStoreError> {
    const CHUNK: u64 = 64 * 1024;
    let zeros = vec![0u8; CHUNK as usize];
    let mut at = from;
    while at < to {
        let n = CHUNK.min(to - at);
        file.write_all_at(&zeros[..n as usize], at)
            .map_err(io_err(path))?;
        at += n;
    }
    Ok(())
}
