//! What the old master's store holds, read from its files while it is stopped: every queue's
//! min and max offset (from the consume-queue files; the min skips units pointing below the
//! oldest commitlog file, which retention deleted) and every committed consumer offset (from
//! `config/consumerOffset.json`). The check step compares the new leader with these.

use std::collections::BTreeMap;

use broker::store::format::{file_name_to_offset, offset_to_file_name, CQ_BLANK_SIZE, CQ_UNIT_SIZE};

use super::state::{ConsumerOffset, QueueOffset};
use super::{Result, UpgradeError};
use crate::ops::fastjson::{self, Value};
use crate::ops::node::{Area, NodeAdmin};

/// Size of a consume-queue entry (spec §5.2), as the broker writes it, in file-offset units.
const CQ_UNIT: u64 = CQ_UNIT_SIZE as u64;

/// Every queue's max offset, from the consume-queue files of a stopped store: the last file's
/// start plus its written entries.
pub(super) fn queue_offsets(node: &dyn NodeAdmin) -> Result<Vec<QueueOffset>> {
    // (first file start, last file start, last file path) per queue.
    let mut files: BTreeMap<(String, i32), (u64, u64, String)> = BTreeMap::new();
    for f in node.list_tree(Area::Root, "consumequeue")? {
        let parts: Vec<&str> = f.rel.split('/').collect();
        let [_, topic, queue, name] = parts[..] else {
            continue;
        };
        let (Ok(queue), Some(start)) = (queue.parse::<i32>(), file_name_to_offset(name)) else {
            continue;
        };
        let entry = files
            .entry((topic.to_owned(), queue))
            .or_insert((start, start, f.rel.clone()));
        entry.0 = entry.0.min(start);
        if start >= entry.1 {
            entry.1 = start;
            entry.2 = f.rel.clone();
        }
    }
    // Retention deletes commitlog files before the queue files that point into them: the units
    // below the oldest commitlog file are not readable (the broker skips them too).
    let commitlog_min = node
        .list_tree(Area::CommitLog, "")?
        .iter()
        .filter(|f| !f.rel.contains('/'))
        .filter_map(|f| file_name_to_offset(&f.rel))
        .min()
        .unwrap_or(0);
    let mut out = Vec::new();
    for ((topic, queue_id), (first, last, rel)) in files {
        let digest = node.digest_file(Area::Root, &rel, 0..u64::MAX)?;
        let units = digest.data_end.map_or(0, |end| end.div_ceil(CQ_UNIT));
        let max_offset = (last / CQ_UNIT + units) as i64;
        let first_rel = format!("consumequeue/{topic}/{queue_id}/{}", offset_to_file_name(first));
        let expired = if commitlog_min > 0 {
            units_below(node, &first_rel, commitlog_min)?
        } else {
            0
        };
        out.push(QueueOffset {
            topic,
            queue_id,
            min_offset: ((first / CQ_UNIT + expired) as i64).min(max_offset),
            max_offset,
        });
    }
    Ok(out)
}

/// How many units at the head of the consume-queue file `rel` point below `commitlog_min` (or
/// are fillers): a binary search, one unit read per probe.
fn units_below(node: &dyn NodeAdmin, rel: &str, commitlog_min: u64) -> Result<u64> {
    let size = node.list_tree(Area::Root, rel)?.first().map_or(0, |f| f.size);
    let below = |i: u64| -> Result<bool> {
        let b = node.read_file(Area::Root, rel, i * CQ_UNIT..(i + 1) * CQ_UNIT)?;
        if b.len() < CQ_UNIT as usize {
            return Ok(false);
        }
        let phys = i64::from_be_bytes(b[0..8].try_into().unwrap_or_default());
        let len = i32::from_be_bytes(b[8..12].try_into().unwrap_or_default());
        let written = phys >= 0 && len > 0;
        Ok(written && (len == CQ_BLANK_SIZE || (phys as u64) < commitlog_min))
    };
    let (mut lo, mut hi) = (0, size / CQ_UNIT);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid)? {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// The consumer offsets of `config/consumerOffset.json` (fastjson text with integer keys).
pub(super) fn consumer_offsets(node: &dyn NodeAdmin) -> Result<Vec<ConsumerOffset>> {
    let files = node.list_tree(Area::Root, "config")?;
    if !files.iter().any(|f| f.rel == "config/consumerOffset.json") {
        return Ok(Vec::new());
    }
    let bytes = node.read_file(Area::Root, "config/consumerOffset.json", 0..u64::MAX)?;
    let text = String::from_utf8_lossy(&bytes);
    let value = fastjson::parse(&text).map_err(|e| {
        UpgradeError::Refused(format!(
            "the master's config/consumerOffset.json does not parse: {e}"
        ))
    })?;
    let mut out = Vec::new();
    if let Some(Value::Object(table)) = value.get("offsetTable") {
        for (key, queues) in table {
            let Some(key) = key_text(key) else { continue };
            let Some((topic, group)) = key.split_once('@') else {
                continue;
            };
            let Value::Object(queues) = queues else { continue };
            for (q, off) in queues {
                let (Some(q), Some(off)) = (key_text(q).and_then(|q| q.parse().ok()), off.as_i64()) else {
                    continue;
                };
                out.push(ConsumerOffset {
                    topic: topic.to_owned(),
                    group: group.to_owned(),
                    queue_id: q,
                    offset: off,
                });
            }
        }
    }
    Ok(out)
}

fn key_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) | Value::Number(s) => Some(s.clone()),
        _ => None,
    }
}
