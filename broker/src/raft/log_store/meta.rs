//! The metadata files beside the data: `currterm` (the vote) and `checkpoint` (commit index
//! and purge point), DLedger's `key=value` text files.
//!
//! They are small and rewritten whole, so each is replaced with [`durable::write_atomic_with`]
//! (`<name>.tmp`, fsynced, renamed, like the broker's other rewritten files); what differs is
//! how much the rename must survive: the vote and the purge point before the call returns
//! (directory fsync), the commit index only eventually (see `CHECKPOINT_INTERVAL`).
//! Reading is lenient the way DLedger's is (unknown keys, comments, `n1` node ids) but a key we
//! need that does not parse is [`LogStoreError::Corruption`].

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;

use openraft::CommittedLeaderId;

use super::{io_err, LogStoreError, State};
use crate::durable;
use crate::raft::types::{LogId, NodeId, Vote};
use crate::store::format::dledger as dl;

/// Reads a `key=value` file; `None` if it does not exist.
fn read_kv_file(path: &Path) -> Result<Option<HashMap<String, String>>, LogStoreError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let mut map = HashMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            map.insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
    Ok(Some(map))
}

fn kv_i64(map: &HashMap<String, String>, key: &str, path: &Path) -> Result<Option<i64>, LogStoreError> {
    match map.get(key) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| LogStoreError::Corruption {
            path: path.to_path_buf(),
            pos: 0,
            reason: format!("{key}={v:?} is not a number"),
        }),
    }
}

/// A node id as written in `voteLeader`: numeric, or DLedger's `n1` form.
fn parse_node(v: &str) -> Option<NodeId> {
    v.trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .ok()
}

fn log_id_from_kv(
    map: &HashMap<String, String>,
    keys: [&str; 3],
    path: &Path,
) -> Result<Option<LogId>, LogStoreError> {
    let index = kv_i64(map, keys[0], path)?;
    let term = kv_i64(map, keys[1], path)?;
    let leader = kv_i64(map, keys[2], path)?;
    match (index, term, leader) {
        (Some(i), Some(t), Some(l)) if i >= 0 && t >= 0 && l >= 0 => Ok(Some(LogId::new(
            CommittedLeaderId::new(t as u64, l as u64),
            i as u64,
        ))),
        _ => Ok(None),
    }
}

fn log_id_kv(out: &mut String, keys: [&str; 3], id: Option<&LogId>) {
    use std::fmt::Write as _;
    let (i, t, l) = id.map_or((-1, -1, -1), |id| {
        (
            id.index as i64,
            id.leader_id.term as i64,
            id.leader_id.node_id as i64,
        )
    });
    let _ = writeln!(out, "{}={i}\n{}={t}\n{}={l}", keys[0], keys[1], keys[2]);
}

fn read_vote_file(path: &Path) -> Result<Option<Vote>, LogStoreError> {
    let Some(map) = read_kv_file(path)? else {
        return Ok(None);
    };
    let term = kv_i64(&map, dl::KEY_CURR_TERM, path)?;
    let leader = map.get(dl::KEY_VOTE_LEADER).and_then(|v| parse_node(v));
    let committed = map.get(dl::KEY_VOTE_COMMITTED).is_some_and(|v| v == "true");
    Ok(match (term, leader) {
        (Some(t), Some(l)) if t >= 0 => {
            let mut v = Vote::new(t as u64, l);
            if committed {
                v.commit();
            }
            Some(v)
        }
        _ => None,
    })
}

/// The vote in `<node_dir>/currterm`, if one was saved.
pub(super) fn read_vote(node_dir: &Path) -> Result<Option<Vote>, LogStoreError> {
    read_vote_file(&node_dir.join(dl::TERM_FILE))
}

/// `currterm` as DLedger writes it: `currTerm=`, `voteLeader=`, `voteCommitted=`.
pub(super) fn vote_text(vote: &Vote) -> String {
    format!(
        "{}={}\n{}={}\n{}={}\n",
        dl::KEY_CURR_TERM,
        vote.leader_id.term,
        dl::KEY_VOTE_LEADER,
        vote.leader_id.node_id,
        dl::KEY_VOTE_COMMITTED,
        vote.committed
    )
}

/// What `checkpoint` holds that recovery needs.
pub(super) struct Checkpoint {
    /// The last log id persisted as committed.
    pub(super) committed: Option<LogId>,
    /// The last purged log id.
    pub(super) last_purged: Option<LogId>,
    /// DLedger index of the last purged record (`None`: equal to the index of `last_purged`).
    pub(super) last_purged_dl: Option<u64>,
}

/// Reads `<node_dir>/checkpoint`; a missing file is an empty checkpoint.
pub(super) fn read_checkpoint(node_dir: &Path) -> Result<Checkpoint, LogStoreError> {
    let ckpt_path = node_dir.join(dl::CHECKPOINT_FILE);
    let ckpt = read_kv_file(&ckpt_path)?.unwrap_or_default();
    let committed = log_id_from_kv(
        &ckpt,
        [
            dl::KEY_COMMITTED_INDEX,
            dl::KEY_COMMITTED_TERM,
            dl::KEY_COMMITTED_LEADER,
        ],
        &ckpt_path,
    )?;
    let last_purged = log_id_from_kv(
        &ckpt,
        [dl::KEY_PURGED_INDEX, dl::KEY_PURGED_TERM, dl::KEY_PURGED_LEADER],
        &ckpt_path,
    )?;
    let last_purged_dl = kv_i64(&ckpt, dl::KEY_PURGED_DLEDGER_INDEX, &ckpt_path)?
        .and_then(|i| u64::try_from(i).ok())
        .filter(|_| last_purged.is_some());
    Ok(Checkpoint {
        committed,
        last_purged,
        last_purged_dl,
    })
}

/// Writes `<node_dir>/checkpoint` from `st`; with `sync_dir` the new version survives a power
/// loss, without it a crash may bring the previous one back.
pub(super) fn write_checkpoint(node_dir: &Path, st: &State, sync_dir: bool) -> Result<(), LogStoreError> {
    use std::fmt::Write as _;
    let mut out = String::new();
    let end = st.last_log_id().map_or(-1, |l| l.index as i64);
    let _ = writeln!(out, "{}={end}", dl::KEY_END_INDEX);
    log_id_kv(
        &mut out,
        [
            dl::KEY_COMMITTED_INDEX,
            dl::KEY_COMMITTED_TERM,
            dl::KEY_COMMITTED_LEADER,
        ],
        st.committed.as_ref(),
    );
    log_id_kv(
        &mut out,
        [dl::KEY_PURGED_INDEX, dl::KEY_PURGED_TERM, dl::KEY_PURGED_LEADER],
        st.last_purged.as_ref(),
    );
    let purged_dl = st
        .last_purged
        .map_or(-1, |p| st.last_purged_dl.unwrap_or(p.index) as i64);
    let _ = writeln!(out, "{}={purged_dl}", dl::KEY_PURGED_DLEDGER_INDEX);
    let options = durable::Options {
        sync_dir,
        ..Default::default()
    };
    durable::write_atomic_with(&node_dir.join(dl::CHECKPOINT_FILE), out.as_bytes(), options)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacements_use_the_dledger_tmp_name() {
        // The shared helper names the temporary file; DLedger's layout (and tools that clean
        // up after a crash) expect `<name>.tmp` beside the metadata files.
        assert_eq!(durable::TMP_SUFFIX, dl::TMP_SUFFIX);
    }

    #[test]
    fn the_vote_is_written_as_dledger_currterm_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut vote = Vote::new(7, 3);
        vote.commit();
        let text = vote_text(&vote);
        assert_eq!(text, "currTerm=7\nvoteLeader=3\nvoteCommitted=true\n");
        durable::write_atomic(&dir.path().join(dl::TERM_FILE), text.as_bytes()).expect("write");
        assert_eq!(read_vote(dir.path()).expect("read"), Some(vote));
        assert!(!dir.path().join("currterm.tmp").exists());
    }

    #[test]
    fn a_failed_replacement_is_an_io_error_on_its_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let node_dir = dir.path().join("missing");
        let e = durable::write_atomic(&node_dir.join(dl::CHECKPOINT_FILE), b"x").expect_err("no dir");
        let e = LogStoreError::from(e);
        let tmp = node_dir.join("checkpoint.tmp");
        assert!(
            matches!(&e, LogStoreError::Io { path, source } if *path == tmp && source.kind() == io::ErrorKind::NotFound),
            "{e:?}"
        );
        let text = e.to_string();
        let want = format!("I/O error on `{}`: ", tmp.display());
        assert!(text.starts_with(&want), "{text}");
    }
}
