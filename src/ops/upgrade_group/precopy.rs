//! The two copy phases. Most of a store is never written again: every commitlog file but the
//! newest, every consume-queue file but the newest of its queue, every index file but the newest.
//! `pre-copy` copies those to the new node(s), and completes the slave, while the old pair still
//! serves; `copy`, once the pair is stopped, copies only what is left or changed (the newest
//! files, `config/`, the checkpoint, any file whose size or modification time moved since it was
//! pre-copied) and removes copies of files the master deleted meanwhile (retention). So the
//! downtime depends on the size of the newest files, not on the size of the store.
//!
//! When the master and the node are both on this machine, `pre-copy` also copies the files still
//! being written (the newest commitlog, consume-queue and index files, and sealed ones modified
//! a moment ago) as they are at that moment (a live copy, recorded apart in `liveCopies`), and
//! `copy` brings each up to date by rewriting only the blocks that differ from the master's file
//! (a delta copy: the appended tail, the index slots that moved, and anything else that changed),
//! then verifies the whole copy's md5 against the master's file as any copy. So the downtime
//! reads the newest files but writes and flushes little of them.
//!
//! A running slave's own consume queues and index are in use, so its pre-copies go to a staging
//! directory ([`STAGING`]) and are moved into place during the downtime; the older commitlog
//! files it lacks (a slave that attached late) go straight into its commitlog directory, below
//! every file its broker writes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use broker::store::format::file_name_to_offset;

use super::copy::{copy_files, Copied, CopyJob, CopyMode};
use super::state::{Hashed, NodeRole, PreCopied, Step, UpgradeState};
use super::{failpoint, Node, Result, Upgrade, UpgradeReporter};
use crate::ops::node::{AnyNode, Area, NodeAdmin, StoreFile};

/// Where a running slave's pre-copied consume-queue and index files wait (under its store root).
pub const STAGING: &str = "upgrade-staging";
/// A file modified this recently is being written: `pre-copy` leaves it to the downtime copy
/// (a write within the file system's timestamp granularity would not move its mtime).
const QUIET: Duration = Duration::from_millis(200);

/// The master's files the upgrade copies, with sizes and modification times.
pub(super) struct MasterFiles {
    /// Commitlog files (20-digit names), by start offset.
    pub commitlog: Vec<StoreFile>,
    /// `config/`, `consumequeue/`, `index/` and `checkpoint` under the store root.
    pub store: Vec<StoreFile>,
}

impl MasterFiles {
    pub(super) fn list(master: &dyn NodeAdmin) -> Result<Self> {
        let mut commitlog: Vec<StoreFile> = master
            .list_tree(Area::CommitLog, "")?
            .into_iter()
            .filter(|f| !f.rel.contains('/') && file_name_to_offset(&f.rel).is_some())
            .collect();
        commitlog.sort_by_key(|f| file_name_to_offset(&f.rel));
        let mut store = Vec::new();
        for sub in ["config", "consumequeue", "index"] {
            store.extend(master.list_tree(Area::Root, sub)?);
        }
        store.extend(
            master
                .list_tree(Area::Root, "checkpoint")?
                .into_iter()
                .filter(|f| f.rel == "checkpoint"),
        );
        Ok(Self { commitlog, store })
    }

    /// The files never written again (see the module header), as (area, file).
    pub(super) fn sealed(&self) -> Vec<(Area, &StoreFile)> {
        let mut out: Vec<(Area, &StoreFile)> = self
            .commitlog
            .iter()
            .take(self.commitlog.len().saturating_sub(1))
            .map(|f| (Area::CommitLog, f))
            .collect();
        // The newest file of each consume-queue directory, and of index/.
        let mut newest: BTreeMap<&str, &str> = BTreeMap::new();
        for f in &self.store {
            if let Some((dir, name)) = rolled_dir(&f.rel) {
                let e = newest.entry(dir).or_insert(name);
                if sort_key(name) > sort_key(e) {
                    *e = name;
                }
            }
        }
        for f in &self.store {
            if let Some((dir, name)) = rolled_dir(&f.rel) {
                if newest.get(dir) != Some(&name) {
                    out.push((Area::Root, f));
                }
            }
        }
        out
    }

    /// The files still being written: the newest commitlog file and the newest file of each
    /// consume queue and of `index/`, as (area, file).
    pub(super) fn live(&self) -> Vec<(Area, &StoreFile)> {
        let sealed: BTreeSet<(Area, &str)> = self
            .sealed()
            .into_iter()
            .map(|(a, f)| (a, f.rel.as_str()))
            .collect();
        self.all(true)
            .into_iter()
            .filter(|(a, f)| *a == Area::CommitLog || rolled_dir(&f.rel).is_some())
            .filter(|(a, f)| !sealed.contains(&(*a, f.rel.as_str())))
            .collect()
    }

    /// Every file, as (area, file); the commitlog only with `commitlog`.
    pub(super) fn all(&self, commitlog: bool) -> Vec<(Area, &StoreFile)> {
        let cl = self
            .commitlog
            .iter()
            .filter(|_| commitlog)
            .map(|f| (Area::CommitLog, f));
        cl.chain(self.store.iter().map(|f| (Area::Root, f))).collect()
    }

    /// Bytes of [`Self::sealed`] and of the rest, for a node that gets the commitlog or not.
    pub(super) fn split_bytes(&self, commitlog: bool) -> (u64, u64) {
        let sealed: u64 = self
            .sealed()
            .iter()
            .filter(|(a, _)| commitlog || *a == Area::Root)
            .map(|(_, f)| f.size)
            .sum();
        let all: u64 = self.all(commitlog).iter().map(|(_, f)| f.size).sum();
        (sealed, all - sealed)
    }
}

/// A file of a directory whose files roll over (a consume queue, `index/`): (directory, name).
fn rolled_dir(rel: &str) -> Option<(&str, &str)> {
    let (dir, name) = rel.rsplit_once('/')?;
    (dir.starts_with("consumequeue/") || dir == "index").then_some((dir, name))
}

/// Consume-queue files sort by their 20-digit offset, index files by their timestamp name.
fn sort_key(name: &str) -> (u64, &str) {
    (file_name_to_offset(name).unwrap_or(0), name)
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Counts the bytes copied while passing progress on.
pub(super) struct Counting<'a> {
    pub inner: &'a dyn UpgradeReporter,
    pub bytes: AtomicU64,
}

impl UpgradeReporter for Counting<'_> {
    fn on_step(&self, number: usize, step: Step, detail: &str) {
        self.inner.on_step(number, step, detail);
    }
    fn on_copy_start(&self, what: &str, bytes: u64) {
        self.inner.on_copy_start(what, bytes);
    }
    fn on_copy_bytes(&self, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.inner.on_copy_bytes(bytes);
    }
    fn on_copy_done(&self) {
        self.inner.on_copy_done();
    }
}

impl UpgradeState {
    /// The pre-copy record of `rel` on `node`, if the master's file still is what was copied.
    pub(super) fn precopied_valid(&self, node: &str, area: Area, f: &StoreFile) -> Option<&PreCopied> {
        self.precopied.iter().find(|p| {
            p.node == node && p.area == area && p.rel == f.rel && p.size == f.size && p.mtime_ns == f.mtime_ns
        })
    }

    /// The live copy of `rel` on `node` (whatever the master's file became since).
    fn live_copy(&self, node: &str, area: Area, rel: &str) -> Option<&PreCopied> {
        self.live_copies
            .iter()
            .find(|p| p.node == node && p.area == area && p.rel == rel)
    }
}

/// Whether the master and `n` are both on this machine (live and delta copies need that).
fn both_local(master: &Node, n: &Node) -> bool {
    matches!((&master.store, &n.store), (AnyNode::Local(_), AnyNode::Local(_)))
}

/// (area, path) → size of a node's files under the trees the copy writes.
fn dest_files(n: &Node, staged: bool) -> Result<BTreeMap<(Area, String), u64>> {
    let mut out = BTreeMap::new();
    for f in n.store.list_tree(Area::CommitLog, "")? {
        out.insert((Area::CommitLog, f.rel), f.size);
    }
    let subs: &[&str] = if staged {
        &[STAGING]
    } else {
        &["consumequeue", "index", "config"]
    };
    for sub in subs {
        for f in n.store.list_tree(Area::Root, sub)? {
            out.insert((Area::Root, f.rel), f.size);
        }
    }
    Ok(out)
}

impl Upgrade {
    /// Step 2: copies the sealed files (see the module header) while the old pair serves; each
    /// verified file is recorded in the state file at once, so a resumed run skips it.
    pub(super) fn pre_copy(&mut self, reporter: &dyn UpgradeReporter) -> Result<String> {
        let quiet_before = now_ns().saturating_sub(QUIET.as_nanos() as u64);
        // First, so that the live copies, made last, are what the page cache holds at the stop.
        let hashed = self.hash_for_align(quiet_before)?;
        let master = &self.nodes[0];
        let files = MasterFiles::list(&*master.store)?;
        let mut jobs = Vec::new();
        let mut live_jobs = Vec::new();
        let mut skipped = 0;
        let mut busy = 0;
        let mut keep: Vec<PreCopied> = Vec::new();
        for n in self.nodes.iter().filter(|n| n.role != NodeRole::Master) {
            let slave = n.role == NodeRole::Slave;
            let live_ok = both_local(master, n);
            let have = dest_files(n, slave)?;
            // A slave gets only the commitlog files older than its own oldest one.
            let slave_oldest = have
                .keys()
                .filter(|(a, rel)| *a == Area::CommitLog && !rel.contains('/'))
                .filter_map(|(_, rel)| file_name_to_offset(rel))
                .min();
            for (area, f) in files.sealed() {
                let dst_rel = match (slave, area) {
                    (false, _) => f.rel.clone(),
                    (true, Area::CommitLog) => match (slave_oldest, file_name_to_offset(&f.rel)) {
                        (Some(oldest), Some(offset)) if offset < oldest => f.rel.clone(),
                        _ => continue,
                    },
                    (true, Area::Root) => format!("{STAGING}/{}", f.rel),
                };
                if let Some(p) = self.state.precopied_valid(&n.self_id, area, f) {
                    if have.get(&(area, p.dst_rel.clone())) == Some(&f.size) {
                        keep.push(p.clone());
                        skipped += 1;
                        continue;
                    }
                }
                let being_written = f.mtime_ns.is_none_or(|m| m > quiet_before);
                // A slave's commitlog files are never brought up to date by a delta copy (align
                // leaves older files it holds alone): no live copy of those.
                let can_live = live_ok && (!slave || area == Area::Root);
                if being_written && !can_live {
                    busy += 1;
                    continue;
                }
                n.store.remove(area, &dst_rel)?;
                let job = CopyJob {
                    src: &master.store,
                    dst: &n.store,
                    area,
                    rel: f.rel.clone(),
                    dst_rel,
                    from: 0,
                    size: f.size,
                    mode: if being_written {
                        CopyMode::Live
                    } else {
                        CopyMode::Full
                    },
                };
                if being_written {
                    live_jobs.push(job);
                } else {
                    jobs.push(job);
                }
            }
            if !live_ok {
                continue;
            }
            for (area, f) in files.live() {
                let dst_rel = match (slave, area) {
                    (false, _) => f.rel.clone(),
                    (true, Area::CommitLog) => continue,
                    (true, Area::Root) => format!("{STAGING}/{}", f.rel),
                };
                n.store.remove(area, &dst_rel)?;
                live_jobs.push(CopyJob {
                    src: &master.store,
                    dst: &n.store,
                    area,
                    rel: f.rel.clone(),
                    dst_rel,
                    from: 0,
                    size: f.size,
                    mode: CopyMode::Live,
                });
            }
        }
        // The sealed files first: a run interrupted meanwhile keeps what it verified, and the
        // live copies are the freshest in the page cache when the downtime reads them again.
        let live = live_jobs.len();
        jobs.extend(live_jobs);
        let bytes: u64 = jobs.iter().map(|j| j.size).sum();
        let counting = Counting {
            inner: reporter,
            bytes: AtomicU64::new(0),
        };
        let mut state = self.state.clone();
        state.precopied = keep;
        // Files being written are copied again by every run.
        state.live_copies.clear();
        let state = Mutex::new(state);
        reporter.on_copy_start("pre-copy", bytes);
        let this = &*self;
        let listed: BTreeMap<(Area, &str), &StoreFile> = files
            .all(true)
            .into_iter()
            .map(|(a, f)| ((a, f.rel.as_str()), f))
            .collect();
        let recorded = copy_files(
            &jobs,
            self.options.throttle_mb_per_s,
            &counting,
            &|i, c: Copied| {
                let job = &jobs[i];
                // Recorded only if the master's file did not change while it was copied.
                let now = master.store.list_tree(job.area, &job.rel)?;
                let before = listed.get(&(job.area, job.rel.as_str()));
                let unchanged = matches!((now.first(), before), (Some(n), Some(b)) if n == *b);
                let mut s = state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if job.mode == CopyMode::Live {
                    // What the master's file held at some moment of the copy: the copy step
                    // brings it up to date whatever the file became.
                    s.live_copies.push(PreCopied {
                        node: this.node_id_of(job.dst),
                        area: job.area,
                        rel: job.rel.clone(),
                        dst_rel: job.dst_rel.clone(),
                        size: c.len,
                        mtime_ns: before.and_then(|f| f.mtime_ns),
                        md5: hex::encode(c.md5),
                    });
                    s.downtime.bytes_before += c.len;
                    this.save_state(&s)?;
                } else if unchanged {
                    s.precopied.push(PreCopied {
                        node: this.node_id_of(job.dst),
                        area: job.area,
                        rel: job.rel.clone(),
                        dst_rel: job.dst_rel.clone(),
                        size: c.len,
                        mtime_ns: now.first().and_then(|f| f.mtime_ns),
                        md5: hex::encode(c.md5),
                    });
                    s.downtime.bytes_before += c.len;
                    this.save_state(&s)?;
                }
                failpoint("during:pre-copy");
                Ok(())
            },
        );
        reporter.on_copy_done();
        self.state = state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        recorded?;
        let copied = jobs.len();
        Ok(format!(
            "copied and md5-verified {copied} file(s) ({bytes} bytes) while the old pair served, \
             {live} of them being written (copied as they were, brought up to date during the \
             downtime); {skipped} copied by an earlier run; {busy} being written left to the \
             downtime copy; {hashed} sealed commitlog file(s) of master and slave hashed for align"
        ))
    }

    /// With a slave: hashes the files `align` will compare that are no longer written (the
    /// master's newest `--last` files but its newest, on master and slave, each not modified for
    /// a moment), and records each whose size and modification time did not move meanwhile, so
    /// that `align` reads only the files still written. Returns how many were recorded.
    fn hash_for_align(&mut self, quiet_before: u64) -> Result<usize> {
        self.state.hashed.clear();
        let Some(slave) = self.slave() else {
            return Ok(0);
        };
        let master = &self.nodes[0];
        let names: Vec<String> = master.store.list_files()?.into_iter().map(|f| f.name).collect();
        let window = names.len().saturating_sub(self.options.last.max(1));
        let sealed = &names[window..names.len().saturating_sub(1)];
        let mut hashed = Vec::new();
        for n in [master, slave] {
            for name in sealed {
                let listed = |n: &Node| -> Result<Option<StoreFile>> {
                    Ok(n.store
                        .list_tree(Area::CommitLog, name)?
                        .into_iter()
                        .find(|f| f.rel == *name))
                };
                let Some(before) = listed(n)? else { continue };
                let Some(mtime_ns) = before.mtime_ns.filter(|m| *m <= quiet_before) else {
                    continue;
                };
                let digest = n.store.digest_file(Area::CommitLog, name, 0..u64::MAX)?;
                if listed(n)?.as_ref() != Some(&before) || digest.len != before.size {
                    continue;
                }
                hashed.push(Hashed {
                    node: n.self_id.clone(),
                    name: name.clone(),
                    size: before.size,
                    mtime_ns,
                    md5: hex::encode(digest.md5),
                    first_nonzero: digest.first_nonzero,
                    data_end: digest.data_end,
                });
            }
        }
        let count = hashed.len();
        self.state.hashed = hashed;
        Ok(count)
    }

    /// Removes every pre-copied file (and a slave's staging directory).
    pub(super) fn undo_pre_copy(&mut self) -> Result<()> {
        let mut copies = std::mem::take(&mut self.state.precopied);
        copies.append(&mut self.state.live_copies);
        for p in copies {
            if let Some(n) = self.nodes.iter().find(|n| n.self_id == p.node) {
                n.store.remove(p.area, &p.dst_rel)?;
            }
        }
        if let Some(slave) = self.slave() {
            slave.store.remove(Area::Root, STAGING)?;
        }
        Ok(())
    }

    /// The self id of the node whose store is `store`.
    fn node_id_of(&self, store: &crate::ops::node::AnyNode) -> String {
        self.nodes
            .iter()
            .find(|n| std::ptr::eq(&n.store, store))
            .map(|n| n.self_id.clone())
            .unwrap_or_default()
    }

    /// Step 5, with the old pair stopped: copies what pre-copy did not (or what changed since),
    /// moves a slave's staged files into place, and removes copies of files the master no
    /// longer has.
    pub(super) fn copy_rest(&mut self, reporter: &dyn UpgradeReporter) -> Result<String> {
        let master = &self.nodes[0];
        let files = MasterFiles::list(&*master.store)?;
        let mut jobs = Vec::new();
        let mut said = Vec::new();
        for n in self.nodes.iter().filter(|n| n.role != NodeRole::Master) {
            let third = n.role == NodeRole::Third;
            let live_ok = both_local(master, n);
            let wanted: Vec<(Area, &StoreFile)> = files.all(third);
            let on_master: BTreeSet<(Area, &str)> =
                wanted.iter().map(|(a, f)| (*a, f.rel.as_str())).collect();
            let (mut reused, mut removed, mut synced) = (0, 0, 0);
            if third {
                // Copies of files the master deleted since (retention), and leftovers.
                for ((area, rel), _) in dest_files(n, false)? {
                    let managed = match area {
                        Area::CommitLog => !rel.contains('/') && file_name_to_offset(&rel).is_some(),
                        Area::Root => true,
                    };
                    if managed && !on_master.contains(&(area, rel.as_str())) {
                        n.store.remove(area, &rel)?;
                        removed += 1;
                    }
                }
            } else {
                // The slave's own consume queues and index are replaced by the master's (its
                // index may lack what align gave it).
                n.store.remove(Area::Root, "consumequeue")?;
                n.store.remove(Area::Root, "index")?;
                for p in self.state.precopied.iter().filter(|p| p.node == n.self_id) {
                    if p.area == Area::CommitLog && !on_master.contains(&(p.area, p.rel.as_str())) {
                        n.store.remove(p.area, &p.dst_rel)?;
                        removed += 1;
                    }
                }
            }
            let have = dest_files(n, !third)?;
            for (area, f) in wanted {
                if let Some(p) = self.state.precopied_valid(&n.self_id, area, f) {
                    if have.get(&(area, p.dst_rel.clone())) == Some(&f.size) {
                        if p.dst_rel != f.rel {
                            n.store.rename_file(area, &p.dst_rel, &f.rel)?;
                        }
                        reused += 1;
                        continue;
                    }
                }
                if !third && area == Area::CommitLog {
                    continue;
                }
                let live = self
                    .state
                    .live_copy(&n.self_id, area, &f.rel)
                    .filter(|p| live_ok && have.contains_key(&(area, p.dst_rel.clone())));
                let mode = match live {
                    Some(p) => {
                        if p.dst_rel != f.rel {
                            n.store.rename_file(area, &p.dst_rel, &f.rel)?;
                        }
                        synced += 1;
                        CopyMode::Delta
                    }
                    None => {
                        n.store.remove(area, &f.rel)?;
                        CopyMode::Full
                    }
                };
                jobs.push(CopyJob {
                    src: &master.store,
                    dst: &n.store,
                    area,
                    rel: f.rel.clone(),
                    dst_rel: f.rel.clone(),
                    from: 0,
                    size: f.size,
                    mode,
                });
            }
            if !third {
                n.store.remove(Area::Root, STAGING)?;
            }
            let to_node: Vec<&CopyJob<'_>> = jobs
                .iter()
                .filter(|j| std::ptr::eq(j.dst, &n.store) && j.mode == CopyMode::Full)
                .collect();
            said.push(format!(
                "{} file(s) ({} bytes) to {}, {reused} pre-copied kept, {synced} copied while \
                 written brought up to date, {removed} removed",
                to_node.len(),
                to_node.iter().map(|j| j.size).sum::<u64>(),
                n.self_id
            ));
        }
        // A delta copy reports only the bytes it rewrote; the others every byte.
        let bytes: u64 = jobs
            .iter()
            .filter(|j| j.mode == CopyMode::Full)
            .map(|j| j.size)
            .sum();
        let counting = Counting {
            inner: reporter,
            bytes: AtomicU64::new(0),
        };
        let rewritten = AtomicU64::new(0);
        reporter.on_copy_start("copy", bytes);
        let result = copy_files(&jobs, self.options.throttle_mb_per_s, &counting, &|i, c| {
            if jobs[i].mode == CopyMode::Delta {
                rewritten.fetch_add(c.written, Ordering::Relaxed);
            }
            failpoint("during:copy");
            Ok(())
        });
        reporter.on_copy_done();
        self.state.downtime.bytes_during += counting.bytes.load(Ordering::Relaxed);
        result?;
        Ok(format!(
            "copied and md5-verified {}; {} bytes rewritten in the copies made while written",
            said.join("; "),
            rewritten.load(Ordering::Relaxed)
        ))
    }
}
