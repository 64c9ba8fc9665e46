//! Entry positions on disk, so that opening the log does not read the whole log.
//!
//! The data files alone do not say where openraft entry `i` is: entries have any size and a
//! batched openraft entry is several DLedger entries, so finding one means reading every header
//! before it. Before this file existed, every open did exactly that for the whole log (and kept
//! every position in memory). Now each entry's location is also written as a fixed-size unit
//! ([`Positions`], layout in `store::format::dledger`), so entry `i` is one `pread` away, and
//! `positions.ckpt` ([`PosCheckpoint`]) records up to which index the units and the data files
//! are flushed. Recovery trusts that prefix and reads the data only from the last data file
//! holding a checkpointed entry (checking it against the units), and past the checkpoint.
//!
//! Who writes what: the flusher thread writes units for the entries it has flushed and then the
//! checkpoint (`LogStore` keeps the newest entries in memory meanwhile); a truncation lowers
//! the checkpoint before it changes any data, so a checkpoint never points past what the data
//! files hold, even after a crash during the truncation. A unit's CRC and the checks at open
//! make a damaged or stale checkpoint fall back to a full scan, never to wrong positions.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::entry::{EntryKind, EntryLocation};
use super::{io_err, LogStoreError};
use crate::durable;
use crate::store::format::{self, dledger as dl};

/// The position files of one log.
pub(super) struct Positions {
    dir: PathBuf,
    /// Open position files by the index of their first unit.
    files: RwLock<BTreeMap<u64, Arc<File>>>,
}

fn file_first(index: u64) -> u64 {
    index - index % dl::POSITIONS_PER_FILE
}

fn unit_offset(index: u64) -> u64 {
    (index % dl::POSITIONS_PER_FILE) * dl::POSITION_UNIT_SIZE as u64
}

fn kind_code(kind: EntryKind) -> i32 {
    match kind {
        EntryKind::Record => dl::KIND_RECORD,
        EntryKind::Blank => dl::KIND_BLANK,
        EntryKind::Membership => dl::KIND_MEMBERSHIP,
    }
}

/// Encodes `loc` as a unit.
pub(super) fn encode_unit(loc: &EntryLocation) -> [u8; dl::POSITION_UNIT_SIZE] {
    let mut u = [0u8; dl::POSITION_UNIT_SIZE];
    let channel =
        (kind_code(loc.kind) << dl::CHANNEL_KIND_SHIFT) | (loc.leader as i32 & dl::CHANNEL_NODE_MASK);
    u[dl::UNIT_POS..dl::UNIT_POS + 8].copy_from_slice(&loc.pos.to_be_bytes());
    u[dl::UNIT_DLEDGER_INDEX..dl::UNIT_DLEDGER_INDEX + 8].copy_from_slice(&loc.dl_index.to_be_bytes());
    u[dl::UNIT_TERM..dl::UNIT_TERM + 8].copy_from_slice(&loc.term.to_be_bytes());
    u[dl::UNIT_SIZE..dl::UNIT_SIZE + 4].copy_from_slice(&loc.size.to_be_bytes());
    u[dl::UNIT_COUNT..dl::UNIT_COUNT + 4].copy_from_slice(&loc.count.to_be_bytes());
    u[dl::UNIT_CHANNEL..dl::UNIT_CHANNEL + 4].copy_from_slice(&channel.to_be_bytes());
    let crc = crc32fast::hash(&u[..dl::UNIT_CRC]);
    u[dl::UNIT_CRC..].copy_from_slice(&crc.to_be_bytes());
    u
}

/// Decodes a unit; the reason when its CRC or fields are wrong.
pub(super) fn decode_unit(u: &[u8]) -> Result<EntryLocation, String> {
    let be64 = |at: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&u[at..at + 8]);
        u64::from_be_bytes(a)
    };
    let be32 = |at: usize| {
        let mut a = [0u8; 4];
        a.copy_from_slice(&u[at..at + 4]);
        u32::from_be_bytes(a)
    };
    if crc32fast::hash(&u[..dl::UNIT_CRC]) != be32(dl::UNIT_CRC) {
        return Err("position unit CRC mismatch".into());
    }
    let channel = be32(dl::UNIT_CHANNEL) as i32;
    let kind = match channel >> dl::CHANNEL_KIND_SHIFT {
        dl::KIND_RECORD => EntryKind::Record,
        dl::KIND_BLANK => EntryKind::Blank,
        dl::KIND_MEMBERSHIP => EntryKind::Membership,
        other => return Err(format!("position unit of unknown kind {other}")),
    };
    Ok(EntryLocation {
        pos: be64(dl::UNIT_POS),
        size: be32(dl::UNIT_SIZE),
        dl_index: be64(dl::UNIT_DLEDGER_INDEX),
        count: be32(dl::UNIT_COUNT),
        term: be64(dl::UNIT_TERM),
        leader: u64::from(channel as u32 & dl::CHANNEL_NODE_MASK as u32),
        kind,
    })
}

impl Positions {
    /// Opens the position files under `node_dir` (creating the directory).
    pub(super) fn open(node_dir: &Path) -> Result<Positions, LogStoreError> {
        let dir = node_dir.join(dl::POSITIONS_DIR);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let mut files = BTreeMap::new();
        for e in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let e = e.map_err(io_err(&dir))?;
            if let Some(first) = format::path_to_offset(&e.path()) {
                let path = e.path();
                let f = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&path)
                    .map_err(io_err(&path))?;
                files.insert(first, Arc::new(f));
            }
        }
        Ok(Positions {
            dir,
            files: RwLock::new(files),
        })
    }

    fn path(&self, first: u64) -> PathBuf {
        self.dir.join(format::offset_to_file_name(first))
    }

    /// The location recorded for openraft index `index`.
    ///
    /// # Errors
    /// [`LogStoreError::Corruption`] when the unit is missing or damaged (the caller asked for
    /// an index the checkpoint covers), [`LogStoreError::Io`].
    pub(super) fn get(&self, index: u64) -> Result<EntryLocation, LogStoreError> {
        let first = file_first(index);
        let path = self.path(first);
        let corrupt = |reason: String| LogStoreError::Corruption {
            path: path.clone(),
            pos: unit_offset(index),
            reason: format!("position of entry {index}: {reason}"),
        };
        let file = self
            .files
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&first)
            .cloned()
            .ok_or_else(|| corrupt("no position file".into()))?;
        let mut u = [0u8; dl::POSITION_UNIT_SIZE];
        match file.read_exact_at(&mut u, unit_offset(index)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(corrupt("not written".into())),
            Err(e) => return Err(io_err(&path)(e)),
        }
        decode_unit(&u).map_err(corrupt)
    }

    /// The locations of `n` consecutive entries from `first`, read in bulk.
    ///
    /// # Errors
    /// As [`Positions::get`].
    pub(super) fn get_range(&self, first: u64, n: u64) -> Result<Vec<EntryLocation>, LogStoreError> {
        let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or(0).min(1 << 20));
        let end = first + n;
        let mut index = first;
        while index < end {
            let ff = file_first(index);
            let k = (ff + dl::POSITIONS_PER_FILE).min(end) - index;
            let path = self.path(ff);
            let file = self
                .files
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(&ff)
                .cloned();
            let mut buf = vec![0u8; k as usize * dl::POSITION_UNIT_SIZE];
            let read = match &file {
                Some(f) => f.read_exact_at(&mut buf, unit_offset(index)),
                None => Err(io::ErrorKind::NotFound.into()),
            };
            match read {
                Ok(()) => {}
                Err(e) if matches!(e.kind(), io::ErrorKind::UnexpectedEof | io::ErrorKind::NotFound) => {
                    return Err(LogStoreError::Corruption {
                        path,
                        pos: unit_offset(index),
                        reason: format!("positions of entries {index}..{} not written", index + k),
                    })
                }
                Err(e) => return Err(io_err(&path)(e)),
            }
            for (i, u) in buf.chunks_exact(dl::POSITION_UNIT_SIZE).enumerate() {
                let loc = decode_unit(u).map_err(|reason| LogStoreError::Corruption {
                    path: path.clone(),
                    pos: unit_offset(index + i as u64),
                    reason: format!("position of entry {}: {reason}", index + i as u64),
                })?;
                out.push(loc);
            }
            index += k;
        }
        Ok(out)
    }

    /// Writes the units of `locs`, the first being openraft index `first`; returns the files
    /// written (to fdatasync) and whether one was created (the directory needs a sync too).
    pub(super) fn put(
        &self,
        first: u64,
        locs: &[EntryLocation],
    ) -> Result<(Vec<Arc<File>>, bool), LogStoreError> {
        let mut touched: Vec<Arc<File>> = Vec::new();
        let mut created = false;
        let mut i = 0usize;
        while i < locs.len() {
            let index = first + i as u64;
            let ff = file_first(index);
            let n = ((ff + dl::POSITIONS_PER_FILE - index) as usize).min(locs.len() - i);
            let mut buf = Vec::with_capacity(n * dl::POSITION_UNIT_SIZE);
            for loc in &locs[i..i + n] {
                buf.extend_from_slice(&encode_unit(loc));
            }
            let path = self.path(ff);
            let file = {
                let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
                match files.get(&ff) {
                    Some(f) => f.clone(),
                    None => {
                        let f = OpenOptions::new()
                            .read(true)
                            .write(true)
                            .create(true)
                            .truncate(false)
                            .open(&path)
                            .map_err(io_err(&path))?;
                        let f = Arc::new(f);
                        files.insert(ff, f.clone());
                        created = true;
                        f
                    }
                }
            };
            file.write_all_at(&buf, unit_offset(index))
                .map_err(io_err(&path))?;
            if !touched.iter().any(|t| Arc::ptr_eq(t, &file)) {
                touched.push(file);
            }
            i += n;
        }
        Ok((touched, created))
    }

    /// fdatasyncs `files` (and the directory when `dir`).
    pub(super) fn sync(&self, files: &[Arc<File>], dir: bool) -> Result<(), LogStoreError> {
        for f in files {
            f.sync_data().map_err(io_err(&self.dir))?;
        }
        if dir {
            durable::sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Deletes the position files whose every unit is below `index` (purged entries).
    pub(super) fn remove_below(&self, index: u64) -> Result<bool, LogStoreError> {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        let doomed: Vec<u64> = files
            .keys()
            .copied()
            .filter(|f| f + dl::POSITIONS_PER_FILE <= index)
            .collect();
        for f in &doomed {
            files.remove(f);
            let p = self.path(*f);
            fs::remove_file(&p).map_err(io_err(&p))?;
        }
        Ok(!doomed.is_empty())
    }

    /// Deletes every position file and the checkpoint (a full scan rebuilds them).
    pub(super) fn clear(&self) -> Result<(), LogStoreError> {
        remove_checkpoint(&self.dir)?;
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        for f in std::mem::take(&mut *files).into_keys() {
            let p = self.path(f);
            fs::remove_file(&p).map_err(io_err(&p))?;
        }
        durable::sync_dir(&self.dir)?;
        Ok(())
    }

    /// The checkpoint, if there is a readable one; a damaged file is reported and ignored.
    pub(super) fn read_checkpoint(&self) -> Result<Option<PosCheckpoint>, LogStoreError> {
        let path = self.dir.join(dl::POSITIONS_CHECKPOINT_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            // Not valid UTF-8 is damage, as a bad CRC is.
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                tracing::warn!(path = %path.display(), "positions checkpoint is not text; scanning the whole log");
                return Ok(None);
            }
            Err(e) => return Err(io_err(&path)(e)),
        };
        match PosCheckpoint::parse(&text) {
            Ok(cp) => Ok(Some(cp)),
            Err(reason) => {
                tracing::warn!(path = %path.display(), %reason, "positions checkpoint not usable; scanning the whole log");
                Ok(None)
            }
        }
    }

    /// Replaces the checkpoint; with `sync_dir` the new one survives a power loss before this
    /// returns (needed when it moves back, before a truncation).
    pub(super) fn write_checkpoint(&self, cp: &PosCheckpoint, sync_dir: bool) -> Result<(), LogStoreError> {
        let options = durable::Options {
            sync_dir,
            ..Default::default()
        };
        let path = self.dir.join(dl::POSITIONS_CHECKPOINT_FILE);
        durable::write_atomic_with(&path, cp.text().as_bytes(), options)?;
        Ok(())
    }

    /// Removes the checkpoint durably: the next open scans the whole log.
    pub(super) fn remove_checkpoint(&self) -> Result<(), LogStoreError> {
        remove_checkpoint(&self.dir)?;
        durable::sync_dir(&self.dir)?;
        Ok(())
    }
}

fn remove_checkpoint(dir: &Path) -> Result<(), LogStoreError> {
    let path = dir.join(dl::POSITIONS_CHECKPOINT_FILE);
    match fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(&path)(e)),
    }
}

/// What `positions.ckpt` records: units exist for `[first, end)`, and they and the data files
/// are flushed for every entry below `end`; the entry `end - 1` ends at `end_pos`, is followed
/// by DLedger index `end_dl`, and has log id (`last_term`, `last_leader`, `end - 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PosCheckpoint {
    pub(super) first: u64,
    pub(super) end: u64,
    pub(super) end_pos: u64,
    pub(super) end_dl: u64,
    pub(super) last_term: u64,
    pub(super) last_leader: u64,
}

impl PosCheckpoint {
    /// The checkpoint ending after the entry `index` found at `loc`, units starting at `first`.
    pub(super) fn after(first: u64, index: u64, loc: &EntryLocation) -> PosCheckpoint {
        PosCheckpoint {
            first,
            end: index + 1,
            end_pos: loc.end(),
            end_dl: loc.dl_index + u64::from(loc.count),
            last_term: loc.term,
            last_leader: loc.leader,
        }
    }

    fn body(&self) -> String {
        format!(
            "{}={}\n{}={}\n{}={}\n{}={}\n{}={}\n{}={}\n{}={}\n",
            dl::KEY_POS_VERSION,
            dl::POSITIONS_VERSION,
            dl::KEY_POS_FIRST,
            self.first,
            dl::KEY_POS_END,
            self.end,
            dl::KEY_POS_END_POS,
            self.end_pos,
            dl::KEY_POS_END_DLEDGER,
            self.end_dl,
            dl::KEY_POS_LAST_TERM,
            self.last_term,
            dl::KEY_POS_LAST_LEADER,
            self.last_leader,
        )
    }

    fn text(&self) -> String {
        let body = self.body();
        format!("{body}{}={}\n", dl::KEY_POS_CRC, crc32fast::hash(body.as_bytes()))
    }

    fn parse(text: &str) -> Result<PosCheckpoint, String> {
        let (body, crc_line) = match text.trim_end_matches('\n').rsplit_once('\n') {
            Some((b, c)) => (format!("{b}\n"), c),
            None => return Err("no CRC line".into()),
        };
        let crc = crc_line
            .strip_prefix(&format!("{}=", dl::KEY_POS_CRC))
            .and_then(|v| v.trim().parse::<u32>().ok())
            .ok_or("no CRC line")?;
        if crc != crc32fast::hash(body.as_bytes()) {
            return Err("CRC mismatch".into());
        }
        let map: HashMap<&str, &str> = body
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        let num = |key: &str| -> Result<u64, String> {
            map.get(key)
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| format!("{key} missing or not a number"))
        };
        if num(dl::KEY_POS_VERSION)? != dl::POSITIONS_VERSION as u64 {
            return Err("unknown version".into());
        }
        let cp = PosCheckpoint {
            first: num(dl::KEY_POS_FIRST)?,
            end: num(dl::KEY_POS_END)?,
            end_pos: num(dl::KEY_POS_END_POS)?,
            end_dl: num(dl::KEY_POS_END_DLEDGER)?,
            last_term: num(dl::KEY_POS_LAST_TERM)?,
            last_leader: num(dl::KEY_POS_LAST_LEADER)?,
        };
        if cp.end <= cp.first {
            return Err(format!("endIndex {} not above firstIndex {}", cp.end, cp.first));
        }
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(pos: u64) -> EntryLocation {
        EntryLocation {
            pos,
            size: 100,
            dl_index: pos / 100,
            count: 2,
            term: 3,
            leader: 7,
            kind: EntryKind::Record,
        }
    }

    #[test]
    fn units_round_trip_and_a_damaged_unit_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = Positions::open(dir.path()).expect("open");
        // Across the end of a position file.
        let first = dl::POSITIONS_PER_FILE - 2;
        let locs: Vec<_> = (0..4).map(|i| loc(1000 + i * 100)).collect();
        let (files, created) = p.put(first, &locs).expect("put");
        assert_eq!((files.len(), created), (2, true));
        for (i, l) in locs.iter().enumerate() {
            assert_eq!(p.get(first + i as u64).expect("get"), *l);
        }
        assert!(matches!(p.get(first + 4), Err(LogStoreError::Corruption { .. })));
        let path = dir
            .path()
            .join(dl::POSITIONS_DIR)
            .join(format::offset_to_file_name(0));
        let f = OpenOptions::new().write(true).open(&path).expect("open");
        f.write_all_at(&[0xFF], unit_offset(first) + 3).expect("damage");
        let e = p.get(first).expect_err("damaged");
        assert!(e.to_string().contains("CRC"), "{e}");
        // Reopened, the files are found again; purging drops the first file only.
        drop(p);
        let p = Positions::open(dir.path()).expect("reopen");
        assert_eq!(p.get(first + 3).expect("get"), locs[3]);
        assert!(p.remove_below(dl::POSITIONS_PER_FILE + 1).expect("remove"));
        assert!(!path.exists());
        assert_eq!(p.get(first + 3).expect("get"), locs[3]);
    }

    #[test]
    fn the_checkpoint_round_trips_and_damage_is_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = Positions::open(dir.path()).expect("open");
        assert_eq!(p.read_checkpoint().expect("read"), None);
        let cp = PosCheckpoint::after(0, 41, &loc(4100));
        p.write_checkpoint(&cp, true).expect("write");
        assert_eq!(p.read_checkpoint().expect("read"), Some(cp));
        let path = dir
            .path()
            .join(dl::POSITIONS_DIR)
            .join(dl::POSITIONS_CHECKPOINT_FILE);
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace("endIndex=42", "endIndex=43")).expect("write");
        assert_eq!(p.read_checkpoint().expect("read"), None, "CRC catches an edit");
        std::fs::write(&path, [0xFFu8, 0xFE, 0x00]).expect("write");
        assert_eq!(p.read_checkpoint().expect("read"), None, "binary garbage");
        p.remove_checkpoint().expect("remove");
        assert!(!path.exists());
    }
}
