//! What a fault test checks at the end: every acknowledged message served exactly once at its
//! position ([`check_acked`], [`wait_serves`]), and the nodes' DLedger data files
//! (`<store>/dledger-n<i>/data/`) byte-identical over what was committed ([`check_group`] does
//! both); plus looks into those files for what must (not) be there.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use broker::remoting::RemotingClient;

use super::{pull_topic, Acked, Group, Records, TOPIC};

/// Checks that every acknowledged body is at its acknowledged position and nowhere else.
pub fn check_acked(got: &Records, acked: &[Acked]) -> Result<(), String> {
    let mut counts: HashMap<&[u8], usize> = HashMap::new();
    for b in got.values() {
        *counts.entry(b.as_slice()).or_default() += 1;
    }
    for a in acked {
        match got.get(&(a.queue, a.offset)) {
            Some(b) if *b == a.body => {}
            other => {
                return Err(format!(
                    "{}@{}: expected {:?}, found {:?}",
                    a.queue,
                    a.offset,
                    String::from_utf8_lossy(&a.body[..a.body.len().min(20)]),
                    other.map(|b| String::from_utf8_lossy(&b[..b.len().min(20)]).into_owned())
                ));
            }
        }
        let n = counts.get(a.body.as_slice()).copied().unwrap_or(0);
        if n != 1 {
            return Err(format!(
                "{:?} present {n} times",
                String::from_utf8_lossy(&a.body[..20.min(a.body.len())])
            ));
        }
    }
    Ok(())
}

/// Waits until `addr` serves every acknowledged message exactly once at its position.
pub async fn wait_serves(c: &RemotingClient, addr: &str, acked: &[Acked]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let res = match pull_topic(c, addr, TOPIC).await {
            Some(got) => check_acked(&got, acked),
            None => Err("cannot pull yet".into()),
        };
        match res {
            Ok(()) => return,
            Err(e) => assert!(
                Instant::now() < deadline,
                "{addr} does not serve the acknowledged messages: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Checks leader and followers: every acknowledged message exactly once at its position, and
/// byte-identical data files once the group is quiet.
pub async fn check_group(g: &Group, c: &RemotingClient, acked: &[Acked]) {
    let leader = g.leader(c).await;
    let got = pull_topic(c, &leader, TOPIC)
        .await
        .expect("leader serves the topic");
    check_acked(&got, acked).unwrap_or_else(|e| panic!("leader {leader}: {e}"));
    for a in g.addrs() {
        wait_serves(c, &a, acked).await;
    }
    wait_data_identical(&g.roots, !g.proxies.is_empty()).await;
}

/// Node `i`'s DLedger data files: `<root>/dledger-n<i>/data/`.
fn data_dir(root: &Path, i: usize) -> PathBuf {
    root.join(format!("dledger-n{i}")).join("data")
}

/// Where the written part of a DLedger data file ends: entries (magic 1, size) follow each other
/// from the file start; an end-of-file blank (magic -1) fills the rest; zeros follow the last entry.
fn written_len(bytes: &[u8]) -> usize {
    let mut pos = 0;
    while pos + 8 <= bytes.len() {
        let magic = i32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap());
        let size = i32::from_be_bytes(bytes[pos + 4..pos + 8].try_into().unwrap());
        if magic == -1 {
            return bytes.len();
        }
        if magic != 1 || size < 48 || pos + size as usize > bytes.len() {
            break;
        }
        pos += size as usize;
    }
    pos
}

/// Compares the three nodes' `dledger-nX/data/` files. Every file but the last must be identical
/// (md5). The last one is compared up to the shortest written length: a node may already hold
/// entries past what the others have written (appended but not yet replicated or committed),
/// and only the committed range must agree. Returns the compared length of the last file.
/// `skip_membership` leaves out the first entry of a fresh group (the initial membership, which
/// records each node's own view of the peer addresses: proxies differ per node); it must have
/// the same size everywhere, or every later position would differ.
fn compare_data(roots: &[PathBuf], skip_membership: bool) -> Result<usize, String> {
    use md5::{Digest, Md5};
    let dirs: Vec<PathBuf> = (0..roots.len()).map(|i| data_dir(&roots[i], i)).collect();
    let listing = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let names = listing(&dirs[0]);
    for d in &dirs[1..] {
        if listing(d) != names {
            return Err(format!("file lists differ: {names:?} vs {:?}", listing(d)));
        }
    }
    let last = names.last().ok_or("no data files")?;
    for name in &names {
        let contents: Vec<Vec<u8>> = dirs
            .iter()
            .map(|d| std::fs::read(d.join(name)).unwrap())
            .collect();
        let len = if name == last {
            contents.iter().map(|b| written_len(b)).min().unwrap()
        } else {
            contents[0].len()
        };
        let from = if skip_membership && name == &names[0] {
            let sizes: Vec<usize> = contents
                .iter()
                .map(|b| i32::from_be_bytes(b[4..8].try_into().unwrap()) as usize)
                .collect();
            if sizes.iter().any(|s| *s != sizes[0]) {
                return Err(format!("first entries differ in size: {sizes:?}"));
            }
            sizes[0].min(len)
        } else {
            0
        };
        let sums: Vec<String> = contents
            .iter()
            .map(|b| hex::encode(Md5::digest(&b[from..len.min(b.len())])))
            .collect();
        if sums.iter().any(|s| *s != sums[0]) {
            return Err(format!("{name} differs over its first {len} bytes: {sums:?}"));
        }
        if name == last {
            return Ok(len);
        }
    }
    unreachable!()
}

/// Waits (60 s at most) until [`compare_data`] finds the nodes' data files identical.
async fn wait_data_identical(roots: &[PathBuf], skip_membership: bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match compare_data(roots, skip_membership) {
            Ok(_) => return,
            Err(e) => assert!(
                Instant::now() < deadline,
                "data files never became identical: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether `needle` occurs anywhere in node `i`'s DLedger data files (also past the written end).
pub fn data_files_contain(root: &Path, i: usize, needle: &[u8]) -> bool {
    std::fs::read_dir(data_dir(root, i)).unwrap().flatten().any(|e| {
        std::fs::read(e.path())
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle)
    })
}

/// Node `i`'s number of data files and the written length of its last one.
pub fn last_data_file_end(root: &Path, i: usize) -> (usize, usize) {
    let mut names: Vec<PathBuf> = std::fs::read_dir(data_dir(root, i))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    let last = names
        .last()
        .map_or(0, |p| written_len(&std::fs::read(p).unwrap()));
    (names.len(), last)
}
