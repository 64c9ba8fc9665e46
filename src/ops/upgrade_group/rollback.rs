//! `upgrade-group --rollback`: undo an upgrade that has not accepted a write, refusing when the
//! new group (asked over the network, or its DLedger log on disk) holds a message written since,
//! and checking that the old master's and slave's commitlogs are back as they were before the
//! old pair restarts.

use std::path::PathBuf;

use broker::remoting::body::KvTable;
use broker::remoting::codes::request;
use broker::remoting::RemotingCommand;
use broker::store::format::file_name_to_offset;
use serde::Serialize;

use super::check::wait_for_group;
use super::precopy::STAGING;
use super::state::{CommitLogEnd, NodeRole, Step};
use super::{Result, Upgrade, UpgradeError, UpgradeOptions};
use crate::ops::admin::{decode_json, Admin};
use crate::ops::node::{Area, NodeAdmin};

/// Counts the RocketMQ record entries (kind 0, spec §6.2 and `store::format::dledger`) in a
/// node's DLedger data files; blank and membership entries, which every new group writes, are
/// not counted. Stops at the first record: one is enough to refuse a rollback.
fn dledger_records(node: &dyn NodeAdmin, self_id: &str) -> Result<u64> {
    use broker::store::format::dledger as dl;
    let data = format!("{}/{}", dl::node_dir_name(self_id), dl::DATA_DIR);
    let mut files = node.list_tree(Area::Root, &data)?;
    files.retain(|f| f.rel.rsplit('/').next().and_then(file_name_to_offset).is_some());
    for f in files {
        let mut pos = 0u64;
        while pos + dl::HEADER_SIZE as u64 <= f.size {
            let h = node.read_file(Area::Root, &f.rel, pos..pos + dl::HEADER_SIZE as u64)?;
            if h.len() < dl::HEADER_SIZE {
                break;
            }
            let int = |at: usize| i32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
            match int(dl::MAGIC) {
                dl::ENTRY_MAGIC => {
                    let size = int(dl::SIZE);
                    if size <= 0 {
                        break;
                    }
                    // Metadata records (a group auto-created by a client's heartbeat) are not
                    // writes a rollback would lose: the old pair keeps its own config.
                    if dl::is_record_kind(int(dl::CHANNEL) >> dl::CHANNEL_KIND_SHIFT) {
                        let body = pos + dl::HEADER_SIZE as u64..pos + size as u64;
                        let body = node.read_file(Area::Root, &f.rel, body)?;
                        let meta = broker::store::message::RecordView::parse(&body)
                            .is_ok_and(|r| r.topic == dl::META_TOPIC.as_bytes());
                        if !meta {
                            return Ok(1);
                        }
                    }
                    pos += size as u64;
                }
                // A blank ends the file; zeros end the written data.
                _ => break,
            }
        }
    }
    Ok(0)
}

/// Zeroes the 8-byte blank a DLedger node's first start wrote at `seal.end` of the old last
/// commitlog file (spec §6.3), if it is there: the bytes before it were never touched, and the
/// ones after it are still zeros, so the file is then the classic broker's file again. Returns
/// whether a blank was removed.
fn unseal(node: &dyn NodeAdmin, seal: &CommitLogEnd) -> Result<bool> {
    use broker::store::format::{BLANK_MAGIC_CODE, END_FILE_MIN_BLANK_LENGTH};
    let len = END_FILE_MIN_BLANK_LENGTH as u64;
    let Some(remaining) = seal.size.checked_sub(seal.end).filter(|r| *r >= len) else {
        return Ok(false);
    };
    let present = node
        .list_tree(Area::CommitLog, &seal.file)?
        .iter()
        .any(|f| f.rel == seal.file && f.size == seal.size);
    if !present {
        return Ok(false);
    }
    let mut blank = [0u8; END_FILE_MIN_BLANK_LENGTH];
    blank[..4].copy_from_slice(&(remaining as i32).to_be_bytes());
    blank[4..].copy_from_slice(&BLANK_MAGIC_CODE.to_be_bytes());
    let now = node.read_file(Area::CommitLog, &seal.file, seal.end..seal.end + len)?;
    if now != blank {
        return Ok(false);
    }
    node.write_file(
        Area::CommitLog,
        &seal.file,
        seal.end,
        &[0; END_FILE_MIN_BLANK_LENGTH],
    )?;
    node.finish_file(Area::CommitLog, &seal.file, seal.size)?;
    Ok(true)
}

/// Checks, before anything else is undone, that the old master's and slave's commitlogs are
/// the files they were before the upgrade, as the README promises of a rollback ("their
/// commitlog files are back byte for byte"):
/// - in the last old file, nothing follows the data end that stop-old recorded (no seal blank
///   left, nothing written by a DLedger node): on the master, and on the slave once align has
///   made it a copy of the master (before align the slave is the old slave, untouched);
/// - once align has run, the slave's newest `--last` files have the master's size and md5.
///
/// Returns one line per check that passed, or the problems found.
fn verify_old_commitlogs(up: &Upgrade) -> Result<std::result::Result<Vec<String>, Vec<String>>> {
    let (mut checked, mut problems) = (Vec::new(), Vec::new());
    let aligned = up.state.done(Step::Align).is_some();
    let master = &up.nodes[0];
    if let Some(seal) = &up.state.commitlog_end {
        let old = up
            .nodes
            .iter()
            .filter(|n| n.role == NodeRole::Master || (aligned && n.role == NodeRole::Slave));
        for n in old {
            let present = n
                .store
                .list_tree(Area::CommitLog, &seal.file)?
                .iter()
                .any(|f| f.rel == seal.file && f.size == seal.size);
            if !present {
                problems.push(format!(
                    "{}: its commitlog file {} ({} bytes) is missing",
                    n.self_id, seal.file, seal.size
                ));
                continue;
            }
            let tail = n
                .store
                .digest_file(Area::CommitLog, &seal.file, seal.end..seal.size)?;
            match tail.data_end {
                None => checked.push(format!(
                    "{}: {} ends at {} as before the upgrade",
                    n.self_id, seal.file, seal.end
                )),
                Some(end) => problems.push(format!(
                    "{}: {} holds non-zero bytes after the old end {} (up to {end})",
                    n.self_id, seal.file, seal.end
                )),
            }
        }
    }
    if let Some(slave) = up.slave().filter(|_| aligned) {
        let files = master.store.list_files()?;
        let newest = &files[files.len().saturating_sub(up.options.last.max(1))..];
        let on_slave = slave.store.list_files()?;
        let mut same = 0;
        for f in newest {
            if !on_slave.iter().any(|s| s.name == f.name && s.size == f.size) {
                problems.push(format!(
                    "{}: commitlog file {} ({} bytes) is missing",
                    slave.self_id, f.name, f.size
                ));
                continue;
            }
            let m = master.store.digest_file(Area::CommitLog, &f.name, 0..u64::MAX)?;
            let s = slave.store.digest_file(Area::CommitLog, &f.name, 0..u64::MAX)?;
            if m.md5 == s.md5 && m.len == s.len {
                same += 1;
            } else {
                problems.push(format!(
                    "{}: commitlog file {} differs from the master's (md5 {} vs {})",
                    slave.self_id,
                    f.name,
                    hex::encode(s.md5),
                    hex::encode(m.md5)
                ));
            }
        }
        if same == newest.len() {
            checked.push(format!(
                "{}: the newest {same} commitlog file(s) have the master's md5",
                slave.self_id
            ));
        }
    }
    Ok(if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    })
}

/// What a rollback did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RollbackReport {
    /// The state file.
    pub state_file: PathBuf,
    /// One line per action.
    pub actions: Vec<String>,
    /// The old master's address once it runs again.
    pub master: Option<String>,
}

/// Undoes an upgrade that has not accepted a write: stops the new brokers, removes the seal blank
/// from the old commitlogs and checks that they are back as before the upgrade, restores the
/// backed-up configs, removes what was copied to the new node(s) and the DLedger data of every
/// node, and starts the old pair again.
///
/// # Errors
/// [`UpgradeError::RollbackRefused`] when there is nothing to roll back, the new group took a
/// write, or an old commitlog is not back as it was; failures of the actions.
pub async fn rollback(options: UpgradeOptions) -> Result<RollbackReport> {
    let mut up = Upgrade::plan(UpgradeOptions {
        resume: true,
        ..options
    })
    .map_err(|e| match e {
        UpgradeError::Refused(m) => UpgradeError::RollbackRefused(m),
        e => e,
    })?;
    let admin = Admin::new(&up.state.namesrv);
    // A write to the new group would be lost by a rollback: refuse if any running new node
    // counted a put.
    if up.state.done(Step::Configure).is_some() {
        for n in &up.nodes {
            if !n.store.running(&n.config_path).await? {
                continue;
            }
            let req = RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO);
            let addr = n.addr();
            if let Ok(resp) = admin.broker(&addr, "GET_BROKER_RUNTIME_INFO", req).await {
                if let Ok(kv) = decode_json::<KvTable>(&addr, "KVTable", &resp.body) {
                    let puts: i64 = kv
                        .table
                        .get("msgPutTotalTodayNow")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    if puts > 0 {
                        return Err(UpgradeError::RollbackRefused(format!(
                            "{} ({addr}) has accepted {puts} message(s) since the upgrade; they would be lost",
                            n.self_id
                        )));
                    }
                }
            }
        }
    }
    // The same question asked of the disk (works when the new brokers are not running): a
    // RocketMQ record entry in any node's DLedger log means the group took a write.
    for n in &up.nodes {
        let records = dledger_records(&*n.store, &n.self_id)?;
        if records > 0 {
            return Err(UpgradeError::RollbackRefused(format!(
                "the DLedger log of {} holds {records} message record(s) written since the upgrade; \
                 they would be lost",
                n.self_id
            )));
        }
    }
    let mut actions = Vec::new();
    let old_stopped = up.state.done(Step::StopOld).is_some();
    for n in &up.nodes {
        // Before stop-old the old pair still serves untouched: leave it running.
        if n.role != NodeRole::Third && !old_stopped {
            continue;
        }
        let r = n.store.stop(&n.config_path, up.options.stop_grace).await?;
        actions.push(format!("{}: {}", n.self_id, r.action));
    }
    if let Some(seal) = &up.state.commitlog_end {
        for n in up.nodes.iter().filter(|n| n.role != NodeRole::Third) {
            if unseal(&*n.store, seal)? {
                actions.push(format!(
                    "{}: removed the DLedger seal blank at {} of {}",
                    n.self_id, seal.end, seal.file
                ));
            }
        }
    }
    // Before the configs are restored and the DLedger data removed: if the old commitlogs are not
    // back, stop here, with both still in place.
    match verify_old_commitlogs(&up)? {
        Ok(checked) => actions.extend(checked),
        Err(problems) => {
            return Err(UpgradeError::RollbackRefused(format!(
                "the old commitlogs are not as before the upgrade: {}. The new brokers are stopped; \
                 the configs and the DLedger data were left as they are",
                problems.join("; ")
            )))
        }
    }
    for b in &up.state.backups {
        if let Some(n) = up.nodes.iter().find(|n| n.config_path == b.config) {
            n.store.restore_config(&b.backup)?;
            actions.push(format!(
                "restored {} from {}",
                b.config.display(),
                b.backup.display()
            ));
        }
    }
    for n in &up.nodes {
        n.store.remove(Area::Root, &format!("dledger-{}", n.self_id))?;
        if n.role == NodeRole::Third {
            // `list_tree` (unlike `list_files`) finds nothing, rather than failing, when the copy
            // never created the commitlog directory (a run interrupted before the copy step).
            for f in n.store.list_tree(Area::CommitLog, "")? {
                if !f.rel.contains('/') && file_name_to_offset(&f.rel).is_some() {
                    n.store.remove(Area::CommitLog, &f.rel)?;
                }
            }
            for rel in ["config", "consumequeue", "index", "checkpoint", "abort"] {
                n.store.remove(Area::Root, rel)?;
            }
            actions.push(format!("removed the copied store of {}", n.self_id));
        }
    }
    // What pre-copy gave the slave: its staging directory, and (unless align made the slave a
    // copy of the master since) the older commitlog files it lacked.
    if let Some(slave) = up.slave() {
        slave.store.remove(Area::Root, STAGING)?;
        if up.state.done(Step::Align).is_none() {
            let mut removed = 0;
            for p in up.state.precopied.iter().filter(|p| p.node == slave.self_id) {
                if p.area == Area::CommitLog {
                    slave.store.remove(p.area, &p.dst_rel)?;
                    removed += 1;
                }
            }
            if removed > 0 {
                actions.push(format!(
                    "removed the {removed} pre-copied commitlog file(s) of {}",
                    slave.self_id
                ));
            }
        }
    }
    let mut master = None;
    if old_stopped {
        for n in up.nodes.iter().filter(|n| n.role != NodeRole::Third) {
            let r = n.store.start(&n.config_path, &up.options.bin_dir).await?;
            actions.push(format!("started old {:?} (pid {:?})", n.role, r.pids));
        }
        let members = if up.slave().is_some() { 2 } else { 1 };
        let old_master = up.nodes[0].addr();
        let addr = wait_for_group(
            &admin,
            &up.state.group,
            members,
            Some(&old_master),
            up.options.group_timeout,
        )
        .await?;
        actions.push(format!("old master {addr} registered"));
        master = Some(addr);
    }
    up.state.rolled_back = true;
    up.save()?;
    Ok(RollbackReport {
        state_file: up.state_file.clone(),
        actions,
        master,
    })
}
