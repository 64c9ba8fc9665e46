//! `verify-commitlog`: check that a master's newest commitlog files are byte-identical on its slave
//! (and optionally a third node) before a Master/Slave group is upgraded to DLedger (spec §6.3,
//! step 2: "make sure master and slave commit logs are identical").
//!
//! Every per-node operation goes through the [`NodeStore`] trait (list files, md5 a byte range,
//! read a byte range, is the store locked) of [`super::node`], implemented for a store on this
//! machine and for one behind a node agent. Nothing here writes to a store: files are opened
//! read-only and the lock probe releases whatever it takes at once.
//!
//! Commitlog files are preallocated and zero-filled (spec §5.1), so a file's *written length* is
//! the position after its last non-zero byte. Verdicts, from best to worst:
//! - `identical`: same size, same md5;
//! - `slave behind`: the other node's written bytes equal the master's at the same positions and
//!   the rest of its file is zero (the master simply has more);
//! - `missing`: the file exists on one side only;
//! - `divergent`: some byte differs where both hold data; the first such offset is found by
//!   comparing md5s of halves (cheap for a remote node) and then the bytes of one small block.

use std::collections::BTreeSet;
use std::path::PathBuf;

use broker::store::format::file_name_to_offset;
use serde::Serialize;

use super::node::{NodeError, NodeStore, RangeDigest};

/// Default number of newest master files compared (the upgrade guide says "at least the two
/// newest files"). Default: `2`.
pub const DEFAULT_LAST: usize = 2;
/// Below this size the narrowing search stops hashing halves and compares bytes directly.
pub const COMPARE_BLOCK_SIZE: u64 = 64 * 1024;

/// Why the verification could not run (as opposed to finding a mismatch, which is a report).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A node could not be read (a file, its config, its agent).
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The node's store is locked by a running broker.
    #[error(
        "the {role} node `{node}` is in use by a running broker (`{}` is held); stop it with {} \
         or pass --allow-running",
        lock.display(),
        stop_hint(node)
    )]
    Locked {
        /// `master`, `slave` or `third`.
        role: String,
        /// The node as the operator named it.
        node: String,
        /// The lock file.
        lock: PathBuf,
    },
    /// Two nodes name the same commitlog directory: comparing it with itself proves nothing.
    #[error("the {first} and {second} nodes are the same commitlog directory `{}`; name two different stores", dir.display())]
    SameStore {
        /// Role of the first node.
        first: String,
        /// Role of the second node.
        second: String,
        /// The directory.
        dir: PathBuf,
    },
    /// A node's config is in DLedger mode: its data is a DLedger log, not a commitlog to compare.
    #[error(
        "the {role} node `{node}` is a DLedger node (enableDLegerCommitLog=true): its data is the \
         DLedger log in `{}`, not a commitlog directory; verify-commitlog compares the commitlogs \
         of a Master/Slave pair before the upgrade"
        , data_dir.display()
    )]
    DLedgerNode {
        /// `master`, `slave` or `third`.
        role: String,
        /// The config file.
        node: String,
        /// Where its DLedger data is.
        data_dir: PathBuf,
    },
    /// The master has no commitlog file, so there is nothing to compare.
    #[error("the master node `{node}` has no commitlog files in `{}`", dir.display())]
    NoFiles {
        /// The node as the operator named it.
        node: String,
        /// The directory listed.
        dir: PathBuf,
    },
}

impl VerifyError {
    /// Whether the input was wrong (exit 1) rather than something failing (exit 2).
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::SameStore { .. } | Self::DLedgerNode { .. })
    }
}

/// How to stop the broker of a node, as the operator named it: our `shutdownBroker` (Java's
/// `mqshutdown` script is not shipped).
fn stop_hint(node: &str) -> String {
    if node.starts_with("dir:") {
        "`mqadmin shutdownBroker -c <its config>`".to_owned()
    } else {
        format!("`mqadmin shutdownBroker -c {node}`")
    }
}

/// Receives progress of the md5 pass (not of the narrowing search, which only runs on mismatch).
/// Called from several threads at once.
pub trait VerifyReporter: Sync {
    /// Hashing starts: `files` files on all nodes, `bytes` bytes in total.
    fn on_start(&self, files: usize, bytes: u64);
    /// `bytes` more bytes were hashed.
    fn on_bytes(&self, bytes: u64);
    /// The md5 pass is over.
    fn on_complete(&self);
}

/// A reporter that ignores everything (library callers and tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoReporter;

impl VerifyReporter for NoReporter {
    fn on_start(&self, _files: usize, _bytes: u64) {}
    fn on_bytes(&self, _bytes: u64) {}
    fn on_complete(&self) {}
}

/// The node's part in the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The node every other node is compared with.
    Master,
    /// The master's slave.
    Slave,
    /// An optional third node (e.g. a copy prepared for the DLedger group).
    Third,
}

impl Role {
    /// Lower-case name used in messages and table headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Master => "master",
            Self::Slave => "slave",
            Self::Third => "third",
        }
    }
}

/// What to compare.
pub struct VerifyOptions {
    /// The nodes, master first. At least two.
    pub nodes: Vec<(Role, Box<dyn NodeStore>)>,
    /// How many of the master's newest files to compare. Default: [`DEFAULT_LAST`].
    pub last: usize,
    /// Read stores whose broker is running (their newest file may change while it is read).
    /// Default: `false`.
    pub allow_running: bool,
    /// Digests of whole files computed earlier, by a caller that knows the files have not changed
    /// since (`upgrade-group` hashes sealed files while the old pair serves): these files are not
    /// read again. Default: none.
    pub known: Vec<KnownDigest>,
}

/// The digest of a whole file of one node, computed earlier (see [`VerifyOptions::known`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDigest {
    /// The node's index in [`VerifyOptions::nodes`].
    pub node: usize,
    /// The 20-digit file name.
    pub name: String,
    /// The file's size when it was hashed; a file of another size is hashed again.
    pub size: u64,
    /// Its digest over `0..size`.
    pub digest: RangeDigest,
}

/// A verdict for one file or for the whole run, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Same size and md5.
    Identical,
    /// The other node holds a prefix of the master's data and zeros after it.
    SlaveBehind,
    /// The file exists on one side only.
    Missing,
    /// Different bytes at the same offset.
    Divergent,
}

impl Verdict {
    /// Human-readable form (`slave behind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identical => "identical",
            Self::SlaveBehind => "slave behind",
            Self::Missing => "missing",
            Self::Divergent => "divergent",
        }
    }
}

/// One node's copy of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCopy {
    /// File size in bytes.
    pub size: u64,
    /// md5 of the whole file, lower-case hex.
    pub md5: String,
    /// Written length: the position after the last non-zero byte.
    pub written: u64,
}

/// How one node's copy of a file compares with the master's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    /// The node compared with the master.
    pub role: Role,
    /// The verdict for this pair.
    pub verdict: Verdict,
    /// For `divergent`: the first differing byte, as a global commitlog offset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<u64>,
    /// For `slave behind`: how many written bytes the node lacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behind_bytes: Option<u64>,
    /// For `missing`: the node that lacks the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_on: Option<Role>,
}

/// One file name across the nodes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileReport {
    /// The 20-digit file name.
    pub name: String,
    /// Its start offset in the global commitlog address space.
    pub start_offset: u64,
    /// Each node's copy, in the order of [`VerifyReport::nodes`]; `None` where it is missing.
    pub copies: Vec<Option<FileCopy>>,
    /// One comparison per non-master node.
    pub comparisons: Vec<Comparison>,
    /// The worst verdict of the comparisons.
    pub verdict: Verdict,
}

/// A node as seen by the run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeReport {
    /// Its part in the group.
    pub role: Role,
    /// How the operator named it.
    pub node: String,
    /// Its commitlog directory.
    pub commitlog_dir: PathBuf,
    /// Number of commitlog files in it.
    pub files: usize,
    /// Whether its broker was running (only known when `--allow-running` let us read anyway, or
    /// when the lock was free); `None` if the lock file is unknown.
    pub running: Option<bool>,
}

/// The result of `verify-commitlog`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The nodes, master first.
    pub nodes: Vec<NodeReport>,
    /// The files compared, by start offset.
    pub files: Vec<FileReport>,
    /// The worst file verdict.
    pub verdict: Verdict,
}

impl VerifyReport {
    /// How many files got each verdict, best first, omitting zero counts.
    pub fn counts(&self) -> Vec<(Verdict, usize)> {
        [
            Verdict::Identical,
            Verdict::SlaveBehind,
            Verdict::Missing,
            Verdict::Divergent,
        ]
        .into_iter()
        .map(|v| (v, self.files.iter().filter(|f| f.verdict == v).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
    }
}

/// Compares the newest `last` master files with the same files on the other nodes.
///
/// # Errors
/// [`VerifyError::Locked`] if a node's broker is running (unless `allow_running`),
/// [`VerifyError::NoFiles`] if the master has no commitlog file, [`VerifyError::Node`] if a file
/// cannot be read.
pub fn verify_commitlog(
    options: &VerifyOptions,
    reporter: &dyn VerifyReporter,
) -> Result<VerifyReport, VerifyError> {
    let nodes = &options.nodes;
    let mut running = Vec::with_capacity(nodes.len());
    for (role, node) in nodes {
        let state = node.lock_state()?;
        if let Some(state) = &state {
            if state.locked && !options.allow_running {
                return Err(VerifyError::Locked {
                    role: role.as_str().to_owned(),
                    node: node.name().to_owned(),
                    lock: state.path.clone(),
                });
            }
        }
        running.push(state.map(|s| s.locked));
    }

    let listings = nodes
        .iter()
        .map(|(_, node)| node.list_files())
        .collect::<Result<Vec<_>, _>>()?;
    let master_files = &listings[0];
    let Some(first) = master_files
        .len()
        .checked_sub(options.last.max(1))
        .map_or(master_files.first(), |skip| master_files.get(skip))
    else {
        return Err(VerifyError::NoFiles {
            node: nodes[0].1.name().to_owned(),
            dir: nodes[0].1.commitlog_dir().to_owned(),
        });
    };
    // The master's newest files, plus anything newer that another node has and the master lacks.
    let from = file_name_to_offset(&first.name).unwrap_or(0);
    let names: BTreeSet<(u64, String)> = listings
        .iter()
        .flatten()
        .filter_map(|f| file_name_to_offset(&f.name).map(|o| (o, f.name.clone())))
        .filter(|(offset, _)| *offset >= from)
        .collect();

    // The md5 pass: one hashing thread per (node, file), each fed by its own reader thread.
    let jobs: Vec<(usize, &str, u64)> = names
        .iter()
        .flat_map(|(_, name)| {
            listings.iter().enumerate().filter_map(move |(i, files)| {
                files
                    .iter()
                    .find(|f| &f.name == name)
                    .map(|f| (i, name.as_str(), f.size))
            })
        })
        .collect();
    let known = |i: usize, name: &str, size: u64| {
        options
            .known
            .iter()
            .find(|k| k.node == i && k.name == name && k.size == size)
            .map(|k| k.digest)
    };
    let to_hash: Vec<&(usize, &str, u64)> = jobs.iter().filter(|j| known(j.0, j.1, j.2).is_none()).collect();
    reporter.on_start(to_hash.len(), to_hash.iter().map(|j| j.2).sum());
    let digests: Vec<Result<RangeDigest, NodeError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|&(i, name, size)| {
                let node = &nodes[i].1;
                let known = known(i, name, size);
                scope.spawn(move || match known {
                    Some(digest) => Ok(digest),
                    None => node.digest(name, 0..size, &|n| reporter.on_bytes(n)),
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    reporter.on_complete();
    let mut copies: Vec<Vec<Option<(u64, RangeDigest)>>> = vec![vec![None; nodes.len()]; names.len()];
    for (&(i, name, size), digest) in jobs.iter().zip(digests) {
        let row = names.iter().position(|(_, n)| n == name).unwrap_or_default();
        copies[row][i] = Some((size, digest?));
    }

    let mut files = Vec::with_capacity(names.len());
    for ((start_offset, name), row) in names.iter().zip(&copies) {
        let mut comparisons = Vec::new();
        for (i, (role, node)) in nodes.iter().enumerate().skip(1) {
            let (master_role, master) = (&nodes[0].0, &*nodes[0].1);
            let comparison = match (&row[0], &row[i]) {
                (None, None) => continue,
                (Some(_), None) | (None, Some(_)) => Comparison {
                    role: *role,
                    verdict: Verdict::Missing,
                    first_difference: None,
                    behind_bytes: None,
                    missing_on: Some(if row[0].is_none() { *master_role } else { *role }),
                },
                (Some(m), Some(s)) => {
                    compare(master, &**node, name, *m, *s)?.into_comparison(*role, *start_offset)
                }
            };
            comparisons.push(comparison);
        }
        let verdict = comparisons
            .iter()
            .map(|c| c.verdict)
            .max()
            .unwrap_or(Verdict::Identical);
        files.push(FileReport {
            name: name.clone(),
            start_offset: *start_offset,
            copies: row
                .iter()
                .map(|c| {
                    c.map(|(size, d)| FileCopy {
                        size,
                        md5: hex::encode(d.md5),
                        written: d.data_end.unwrap_or(0),
                    })
                })
                .collect(),
            comparisons,
            verdict,
        });
    }
    let verdict = files
        .iter()
        .map(|f| f.verdict)
        .max()
        .unwrap_or(Verdict::Identical);
    Ok(VerifyReport {
        nodes: nodes
            .iter()
            .zip(&listings)
            .zip(running)
            .map(|(((role, node), listing), running)| NodeReport {
                role: *role,
                node: node.name().to_owned(),
                commitlog_dir: node.commitlog_dir().to_owned(),
                files: listing.len(),
                running,
            })
            .collect(),
        files,
        verdict,
    })
}

/// The outcome of comparing two copies of one file, positions relative to the file start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PairOutcome {
    Identical,
    Behind { bytes: u64 },
    Divergent { at: u64 },
}

impl PairOutcome {
    fn into_comparison(self, role: Role, start_offset: u64) -> Comparison {
        let (verdict, first_difference, behind_bytes) = match self {
            Self::Identical => (Verdict::Identical, None, None),
            Self::Behind { bytes } => (Verdict::SlaveBehind, None, Some(bytes)),
            Self::Divergent { at } => (Verdict::Divergent, Some(start_offset + at), None),
        };
        Comparison {
            role,
            verdict,
            first_difference,
            behind_bytes,
            missing_on: None,
        }
    }
}

/// Compares the master's copy `m` with another node's copy `s`, each given as (size, digest).
fn compare(
    master: &dyn NodeStore,
    other: &dyn NodeStore,
    name: &str,
    (m_size, m): (u64, RangeDigest),
    (s_size, s): (u64, RangeDigest),
) -> Result<PairOutcome, VerifyError> {
    if m_size == s_size && m.md5 == s.md5 {
        return Ok(PairOutcome::Identical);
    }
    let m_end = m.data_end.unwrap_or(0);
    let s_end = s.data_end.unwrap_or(0);
    // Beyond both written ends both copies are zero, so the first difference (if it lies within
    // both files) is before max(m_end, s_end).
    let search_len = m_size.min(s_size).min(m_end.max(s_end));
    match first_difference(master, other, name, search_len)? {
        // The other copy's data ended before this point: it is a prefix of the master's.
        Some(at) if at >= s_end => Ok(PairOutcome::Behind {
            bytes: m_end.saturating_sub(s_end),
        }),
        Some(at) => Ok(PairOutcome::Divergent { at }),
        // Same bytes over the common size: they differ in length only.
        None if s_size < m_size => Ok(PairOutcome::Behind {
            bytes: m_end.saturating_sub(s_end),
        }),
        None if s_end > m_size => Ok(PairOutcome::Divergent { at: m_size }),
        // The other copy is longer but only with zeros: nothing written is lost or different.
        None => Ok(PairOutcome::Behind { bytes: 0 }),
    }
}

/// The first position below `len` where the two copies of `name` differ: halve the range while
/// the md5s of the left halves differ (else move right), then compare one small block byte by
/// byte. Each step hashes the same half on both nodes in parallel.
fn first_difference(
    a: &dyn NodeStore,
    b: &dyn NodeStore,
    name: &str,
    len: u64,
) -> Result<Option<u64>, VerifyError> {
    let (mut lo, mut hi) = (0u64, len);
    while hi - lo > COMPARE_BLOCK_SIZE {
        let mid = lo + (hi - lo) / 2;
        let (da, db) = std::thread::scope(|scope| {
            let left = scope.spawn(|| a.digest(name, lo..mid, &|_| {}));
            let db = b.digest(name, lo..mid, &|_| {});
            (
                left.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                db,
            )
        });
        let (da, db) = (da?, db?);
        if da.md5 != db.md5 || da.len != db.len {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let (ba, bb) = (a.read_range(name, lo..hi)?, b.read_range(name, lo..hi)?);
    let common = ba.len().min(bb.len());
    let at = ba[..common]
        .iter()
        .zip(&bb[..common])
        .position(|(x, y)| x != y)
        .or((ba.len() != bb.len()).then_some(common));
    Ok(at.map(|i| lo + i as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_are_ordered_by_severity() {
        assert!(Verdict::Identical < Verdict::SlaveBehind);
        assert!(Verdict::SlaveBehind < Verdict::Missing);
        assert!(Verdict::Missing < Verdict::Divergent);
    }
}
