//! The state file that makes `upgrade-group` resumable and `rollback` possible: the steps, in
//! order, what each finished one did, and what the old master held (queue and consumer offsets,
//! the end of its commitlog). It lives in a local file or, for a node behind an agent, in that
//! node's store root.

use std::path::{Path, PathBuf};

use broker::durable;
use serde::{Deserialize, Serialize};

use super::{Node, Result, Upgrade, UpgradeError, STATE_FILE};
use crate::ops::node::Area;

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Read-only checks.
    Preflight,
    /// Copy what the old master will not write again, while the old pair serves.
    PreCopy,
    /// Stop the old brokers.
    StopOld,
    /// Make the slave's commitlog equal to the master's.
    Align,
    /// Copy the master's store to the new node(s).
    Copy,
    /// Back up and rewrite the configs.
    Configure,
    /// Start the new group.
    Start,
    /// Check offsets and messages.
    Check,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 8] = [
        Step::Preflight,
        Step::PreCopy,
        Step::StopOld,
        Step::Align,
        Step::Copy,
        Step::Configure,
        Step::Start,
        Step::Check,
    ];

    /// The step's kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preflight => "preflight",
            Self::PreCopy => "pre-copy",
            Self::StopOld => "stop-old",
            Self::Align => "align",
            Self::Copy => "copy",
            Self::Configure => "configure",
            Self::Start => "start",
            Self::Check => "check",
        }
    }
}

/// The part a node plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    /// The old master; becomes `n0`.
    Master,
    /// The old slave; becomes `n1`.
    Slave,
    /// A new node seeded from the master.
    Third,
}

/// A finished step, as recorded in the state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step.
    pub step: Step,
    /// What it did.
    pub detail: String,
    /// When it finished (Unix seconds).
    pub finished_at: u64,
    /// How long it ran, in ms (the run that finished it).
    #[serde(default)]
    pub duration_ms: u64,
}

/// A config backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Backup {
    /// The config file.
    pub config: PathBuf,
    /// Its backup.
    pub backup: PathBuf,
}

/// A queue's max offset in the old master's store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueOffset {
    /// Topic.
    pub topic: String,
    /// Queue id.
    pub queue_id: i32,
    /// The first logical offset of the first consume-queue file (0 unless files were deleted).
    #[serde(default)]
    pub min_offset: i64,
    /// One past the last consume-queue entry.
    pub max_offset: i64,
}

/// A committed consumer offset in the old master's `config/consumerOffset.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerOffset {
    /// Topic.
    pub topic: String,
    /// Consumer group.
    pub group: String,
    /// Queue id.
    pub queue_id: i32,
    /// Offset.
    pub offset: i64,
}

/// The end of the old master's data in its last commitlog file. A DLedger node's first start
/// seals that file with an 8-byte blank at this position (spec §6.3, step 2), on the master and
/// on every copy; a rollback removes the blank so the old pair gets its files back byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitLogEnd {
    /// The last commitlog file's name.
    pub file: String,
    /// Its size.
    pub size: u64,
    /// The position just after its last non-zero byte (where the seal blank goes).
    pub end: u64,
}

/// A file copied by `pre-copy` while the old pair served, as the master's listing showed it
/// before the copy. The copy step trusts it only while the master's file still has this size
/// and modification time; otherwise the file is copied again during the downtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreCopied {
    /// The node it was copied to (`n1`, `n2`).
    pub node: String,
    /// The store area.
    pub area: Area,
    /// Its path on the master.
    pub rel: String,
    /// Its path on the node (a staging path on a running slave).
    pub dst_rel: String,
    /// Its size.
    pub size: u64,
    /// The master's modification time (ns since the Unix epoch).
    pub mtime_ns: Option<u64>,
    /// md5 of the copy, hex.
    pub md5: String,
}

/// A sealed commitlog file of the master or the slave among the newest `--last`, hashed while
/// the old pair served, so that `align` need not read it again: trusted only while the file still
/// has this size and modification time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hashed {
    /// The node (`n0`, `n1`).
    pub node: String,
    /// The 20-digit file name.
    pub name: String,
    /// Its size.
    pub size: u64,
    /// Its modification time (ns since the Unix epoch).
    pub mtime_ns: u64,
    /// md5 of the whole file, hex.
    pub md5: String,
    /// Position of its first non-zero byte.
    pub first_nonzero: Option<u64>,
    /// Position just after its last non-zero byte.
    pub data_end: Option<u64>,
}

/// What the upgrade cost: when the old master was stopped, and the bytes copied before and
/// during the downtime (kept across `--resume`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Downtime {
    /// When `stop-old` began (ms since the Unix epoch).
    pub stopped_at_ms: Option<u64>,
    /// Bytes copied by `pre-copy`, while the old pair served.
    pub bytes_before: u64,
    /// Bytes copied by `align` and `copy`, while the group was down (of a copy made while
    /// written and brought up to date, the bytes rewritten).
    pub bytes_during: u64,
    /// When the new group was first seen taking a send, or else registered its leader (ms since
    /// the Unix epoch).
    pub serving_at_ms: Option<u64>,
    /// Whether `serving_at_ms` is a send acknowledged by the new group (else: leader registered).
    pub saw_send: bool,
}

/// The state file: who is who, what is done, and what the old store held.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeState {
    /// The master's config.
    pub master: PathBuf,
    /// The slave's config.
    pub slave: Option<PathBuf>,
    /// The new nodes' configs.
    pub thirds: Vec<PathBuf>,
    /// brokerClusterName.
    pub cluster: String,
    /// brokerName = dLegerGroup.
    pub group: String,
    /// dLegerPeers.
    pub peers: String,
    /// Name servers.
    pub namesrv: String,
    /// Finished steps.
    pub steps: Vec<StepRecord>,
    /// Config backups made by `configure`.
    pub backups: Vec<Backup>,
    /// Queue max offsets of the old master (recorded by `stop-old`).
    pub queues: Vec<QueueOffset>,
    /// Consumer offsets of the old master (recorded by `stop-old`).
    pub consumer_offsets: Vec<ConsumerOffset>,
    /// Where the old master's commitlog data ended (recorded by `stop-old`).
    #[serde(default)]
    pub commitlog_end: Option<CommitLogEnd>,
    /// Files copied by `pre-copy`.
    #[serde(default)]
    pub precopied: Vec<PreCopied>,
    /// Files `pre-copy` copied while the old master was writing them (the newest of their
    /// directory, or modified a moment before), as they were then; `copy` brings each up to date
    /// by rewriting the blocks that differ (node and master on one machine only).
    #[serde(default)]
    pub live_copies: Vec<PreCopied>,
    /// Sealed commitlog files of master and slave that `align` compares, hashed by `pre-copy`.
    #[serde(default)]
    pub hashed: Vec<Hashed>,
    /// Downtime and bytes copied.
    #[serde(default)]
    pub downtime: Downtime,
    /// The leader found by `start`.
    pub leader: Option<String>,
    /// Set by a finished rollback; a new run may then start afresh.
    pub rolled_back: bool,
}

impl UpgradeState {
    pub(super) fn done(&self, step: Step) -> Option<&StepRecord> {
        self.steps.iter().find(|r| r.step == step)
    }
}

/// Where the state file lives: a local file, or `upgrade-group.json` in the store root of a node
/// behind an agent (index into the nodes).
#[derive(Debug, Clone, Copy)]
pub(super) enum StateAt {
    Local,
    Node(usize),
}

fn state_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> UpgradeError {
    let path = path.to_path_buf();
    move |source| UpgradeError::State { action, path, source }
}

/// Maps a failed step of [`durable::write_atomic_with`] to [`UpgradeError::State`], named after
/// the state file itself as before the writes were made durable.
fn state_write_err(path: &Path) -> impl FnOnce(durable::WriteError) -> UpgradeError + '_ {
    move |e| {
        let action = match e.action {
            "create directory" => "create the directory of",
            "fsync" => "sync",
            "rename" => "replace",
            "fsync directory" => "sync the directory of",
            // Creating and writing `<file>.tmp`.
            _ => "write",
        };
        state_err(action, path)(e.source)
    }
}

pub(super) fn read_state(at: StateAt, nodes: &[Node], path: &Path) -> Result<Option<UpgradeState>> {
    let bytes = match at {
        StateAt::Local => match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(state_err("read", path)(source)),
        },
        StateAt::Node(i) => {
            let store = &nodes[i].store;
            if !store
                .list_tree(Area::Root, STATE_FILE)?
                .iter()
                .any(|f| f.rel == STATE_FILE)
            {
                return Ok(None);
            }
            store.read_file(Area::Root, STATE_FILE, 0..u64::MAX)?
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| state_err("parse", path)(std::io::Error::other(e)))
}

impl Upgrade {
    pub(super) fn save(&self) -> Result<()> {
        self.save_state(&self.state)
    }

    /// Writes `state` (a copy being updated by the copying threads) as the state file.
    pub(super) fn save_state(&self, state: &UpgradeState) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(state)
            .map_err(|e| state_err("encode", &self.state_file)(std::io::Error::other(e)))?;
        match self.state_at {
            // `--resume` trusts this file after a crash or a power loss: tmp, fsync, rename,
            // directory fsync, so it holds either the previous steps or these, never nothing.
            StateAt::Local => durable::write_atomic_with(
                &self.state_file,
                &bytes,
                durable::Options {
                    create_dir: true,
                    ..durable::Options::default()
                },
            )
            .map_err(state_write_err(&self.state_file)),
            StateAt::Node(i) => {
                let store = &self.nodes[i].store;
                let tmp = format!("{STATE_FILE}.tmp");
                store.remove(Area::Root, &tmp)?;
                store.write_file(Area::Root, &tmp, 0, &bytes)?;
                store.finish_file(Area::Root, &tmp, bytes.len() as u64)?;
                store.rename_file(Area::Root, &tmp, STATE_FILE)?;
                Ok(())
            }
        }
    }

    pub(super) fn forget_state(&self) {
        match self.state_at {
            StateAt::Local => {
                let _ = std::fs::remove_file(&self.state_file);
            }
            StateAt::Node(i) => {
                let _ = self.nodes[i].store.remove(Area::Root, STATE_FILE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_in_procedure_order() {
        let names: Vec<&str> = Step::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "preflight",
                "pre-copy",
                "stop-old",
                "align",
                "copy",
                "configure",
                "start",
                "check"
            ]
        );
    }

    #[test]
    fn a_failed_durable_write_names_the_state_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state.json");
        let e = broker::durable::write_atomic(&dir.path().join("missing").join("x"), b"x").unwrap_err();
        let e = state_write_err(&file)(e);
        assert_eq!(
            e.to_string(),
            format!("failed to write the state file `{}`", file.display())
        );
    }
}
