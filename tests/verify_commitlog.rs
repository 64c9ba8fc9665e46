//! `verify-commitlog` against prepared stores in temp dirs: verdicts, exit codes, the first
//! differing offset, the lock check, JSON output, and that no byte of any store changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use mqadmin::ops::node::{LocalNode, NodeStore};
use mqadmin::ops::verify_commitlog::{
    verify_commitlog, KnownDigest, NoReporter, Role, Verdict, VerifyOptions, VerifyReporter,
};

use crate::util::{run, Run};

/// Size of the synthetic commitlog files.
const FILE_SIZE: usize = 64 * 1024;

/// Non-zero pseudo-random content for global offset `offset` (never 0, so written lengths are
/// exact).
fn byte_at(offset: u64) -> u8 {
    let x = offset.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56;
    (x as u8) | 1
}

/// A store root holding `commitlog/` and a broker config file pointing at it.
struct Store {
    dir: tempfile::TempDir,
}

impl Store {
    /// `files` commitlog files of `size` bytes; file `i` is written up to `written(i)` bytes and
    /// zero after that.
    fn new(files: usize, size: usize, written: impl Fn(usize) -> usize) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let commitlog = dir.path().join("commitlog");
        std::fs::create_dir(&commitlog).unwrap();
        for i in 0..files {
            let start = (i * size) as u64;
            let mut bytes = vec![0u8; size];
            for (pos, b) in bytes.iter_mut().enumerate().take(written(i)) {
                *b = byte_at(start + pos as u64);
            }
            std::fs::write(commitlog.join(format!("{start:020}")), bytes).unwrap();
        }
        std::fs::write(
            dir.path().join("broker.properties"),
            format!(
                "brokerClusterName=DefaultCluster\nbrokerName=broker-a\nstorePathRootDir={}\n",
                dir.path().display()
            ),
        )
        .unwrap();
        Self { dir }
    }

    /// Three full 64 KiB files except the last, written up to 50000 bytes.
    fn standard() -> Self {
        Self::new(3, FILE_SIZE, |i| if i == 2 { 50_000 } else { FILE_SIZE })
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn config(&self) -> String {
        self.root().join("broker.properties").display().to_string()
    }

    fn dir_spec(&self) -> String {
        format!("dir:{}", self.commitlog().display())
    }

    fn commitlog(&self) -> PathBuf {
        self.root().join("commitlog")
    }

    fn file(&self, start: u64) -> PathBuf {
        self.commitlog().join(format!("{start:020}"))
    }

    /// Sets the byte at file position `pos` of the file starting at `start` to `value`.
    fn poke(&self, start: u64, pos: usize, value: u8) {
        let path = self.file(start);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[pos] = value;
        std::fs::write(&path, bytes).unwrap();
    }

    /// Zeroes the file starting at `start` from `pos` on (a slave that has not caught up).
    fn zero_from(&self, start: u64, pos: usize) {
        let path = self.file(start);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[pos..].fill(0);
        std::fs::write(&path, bytes).unwrap();
    }

    /// md5 of every file under the root, by relative path.
    fn fingerprint(&self) -> BTreeMap<PathBuf, String> {
        walkdir::WalkDir::new(self.root())
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(self.root()).unwrap().to_owned();
                let digest = Md5::digest(std::fs::read(e.path()).unwrap());
                (rel, hex::encode(digest))
            })
            .collect()
    }
}

fn verify(master: &str, slave: &str, extra: &[&str]) -> Run {
    let mut args = vec!["verify-commitlog", "--master", master, "--slave", slave];
    args.extend_from_slice(extra);
    run(&args)
}

fn json(out: &Run) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {}", out.stdout))
}

#[test]
fn identical_stores_exit_0() {
    let (m, s) = (Store::standard(), Store::standard());
    let out = verify(&m.config(), &s.config(), &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    for header in [
        "FILE",
        "MASTER SIZE",
        "MASTER MD5",
        "SLAVE SIZE",
        "SLAVE MD5",
        "VERDICT",
    ] {
        assert!(lines[0].contains(header), "{header}: {}", lines[0]);
    }
    // The last two of three files.
    assert!(lines[1].contains("00000000000000065536"), "{}", out.stdout);
    assert!(lines[2].contains("00000000000000131072"), "{}", out.stdout);
    assert!(lines[1].trim_end().ends_with("identical"), "{}", out.stdout);
    assert_eq!(lines[3], "2 files: 2 identical");
    let md5 = hex::encode(Md5::digest(std::fs::read(m.file(131_072)).unwrap()));
    assert!(lines[2].contains(&md5), "{}", out.stdout);
    assert!(out.stderr.is_empty(), "no progress bar off a TTY: {}", out.stderr);
}

#[test]
fn last_n_selects_the_newest_master_files() {
    let (m, s) = (Store::standard(), Store::standard());
    let out = verify(&m.dir_spec(), &s.dir_spec(), &["--last", "3", "--output", "json"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let names: Vec<String> = json(&out)["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "00000000000000000000",
            "00000000000000065536",
            "00000000000000131072"
        ]
    );
    let out = verify(&m.dir_spec(), &s.dir_spec(), &["--last", "0"]);
    assert_eq!(out.code, Some(2), "--last 0 is a usage error: {out:?}");
}

#[test]
fn zero_filled_slave_tail_is_slave_behind_exit_1() {
    let (m, s) = (Store::standard(), Store::standard());
    s.zero_from(131_072, 40_000);
    let out = verify(&m.config(), &s.config(), &[]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stdout.contains("slave behind by 10000 bytes"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("2 files: 1 identical, 1 slave behind"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("hint:"), "{}", out.stderr);

    let out = verify(&m.config(), &s.config(), &["--output", "json"]);
    let report = json(&out);
    assert_eq!(report["verdict"], "slave_behind");
    let last = &report["files"][1];
    assert_eq!(last["copies"][0]["written"], 50_000);
    assert_eq!(last["copies"][1]["written"], 40_000);
    assert_eq!(last["comparisons"][0]["behindBytes"], 10_000);
}

#[test]
fn truncated_slave_file_is_slave_behind() {
    let (m, s) = (Store::standard(), Store::standard());
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(s.file(131_072))
        .unwrap();
    file.set_len(30_000).unwrap();
    let out = verify(&m.config(), &s.config(), &["--output", "json"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let report = json(&out);
    assert_eq!(report["files"][1]["verdict"], "slave_behind", "{}", out.stdout);
    assert_eq!(report["files"][1]["copies"][1]["size"], 30_000);
}

#[test]
fn flipped_byte_is_divergent_at_its_global_offset() {
    let (m, s) = (Store::standard(), Store::standard());
    s.poke(65_536, 12_345, 0);
    let out = verify(&m.config(), &s.config(), &[]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stdout.contains("divergent at offset 77881"),
        "65536 + 12345: {}",
        out.stdout
    );
    let out = verify(&m.config(), &s.config(), &["--output", "json"]);
    let report = json(&out);
    assert_eq!(report["verdict"], "divergent");
    assert_eq!(report["files"][0]["comparisons"][0]["firstDifference"], 77_881);
    assert_eq!(report["files"][1]["verdict"], "identical");
}

#[test]
fn divergence_inside_the_slave_written_range_is_not_slave_behind() {
    // The slave is behind AND one of its written bytes differs: divergent, at that byte.
    let (m, s) = (Store::standard(), Store::standard());
    s.zero_from(131_072, 40_000);
    s.poke(131_072, 39_999, byte_at(131_072 + 39_999) ^ 0x80);
    let out = verify(&m.dir_spec(), &s.dir_spec(), &["--output", "json"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let report = json(&out);
    assert_eq!(
        report["files"][1]["comparisons"][0]["firstDifference"],
        131_072 + 39_999
    );
}

#[test]
fn first_difference_is_exact_in_large_files() {
    // 1 MiB files make the search hash halves before comparing bytes; try offsets around the
    // block and half boundaries, in-process for speed.
    let size = 1024 * 1024;
    let m = Store::new(2, size, |_| size);
    for pos in [0, 1, 65_535, 65_536, 500_000, 524_287, 524_288, 777_777, size - 1] {
        let s = Store::new(2, size, |_| size);
        let start = size as u64;
        s.poke(start, pos, byte_at(start + pos as u64) ^ 0x80);
        let options = VerifyOptions {
            nodes: vec![
                (
                    Role::Master,
                    Box::new(LocalNode::from_spec("master", &m.dir_spec()).unwrap()) as Box<dyn NodeStore>,
                ),
                (
                    Role::Slave,
                    Box::new(LocalNode::from_spec("slave", &s.dir_spec()).unwrap()),
                ),
            ],
            last: 2,
            allow_running: false,
            known: Vec::new(),
        };
        let report = verify_commitlog(&options, &NoReporter).unwrap();
        assert_eq!(report.verdict, Verdict::Divergent, "pos {pos}");
        assert_eq!(report.files[0].verdict, Verdict::Identical, "pos {pos}");
        assert_eq!(
            report.files[1].comparisons[0].first_difference,
            Some((size + pos) as u64),
            "pos {pos}"
        );
    }
}

/// Counts the bytes the md5 pass reads.
struct Hashed(std::sync::atomic::AtomicU64);

impl VerifyReporter for Hashed {
    fn on_start(&self, _files: usize, _bytes: u64) {}
    fn on_bytes(&self, bytes: u64) {
        self.0.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
    }
    fn on_complete(&self) {}
}

/// Digests computed earlier (`upgrade-group` hashes the sealed files while the old pair serves)
/// are taken instead of reading those files again, with the same report; one recorded for
/// another size is not taken.
#[test]
fn known_digests_are_not_read_again() {
    let m = Store::standard();
    let s = Store::new(3, FILE_SIZE, |i| if i == 2 { 40_000 } else { FILE_SIZE });
    let node = |st: &Store, name: &str| LocalNode::from_spec(name, &st.dir_spec()).unwrap();
    let older = format!("{FILE_SIZE:020}");
    let run = |known: Vec<KnownDigest>| {
        let hashed = Hashed(std::sync::atomic::AtomicU64::new(0));
        let options = VerifyOptions {
            nodes: vec![
                (Role::Master, Box::new(node(&m, "master")) as Box<dyn NodeStore>),
                (Role::Slave, Box::new(node(&s, "slave"))),
            ],
            last: 2,
            allow_running: false,
            known,
        };
        let report = verify_commitlog(&options, &hashed).unwrap();
        (
            serde_json::to_value(&report.files).unwrap(),
            hashed.0.into_inner(),
        )
    };
    let (plain, all) = run(Vec::new());
    assert_eq!(all, 4 * FILE_SIZE as u64, "two files on two nodes");
    let known: Vec<KnownDigest> = [&m, &s]
        .iter()
        .enumerate()
        .map(|(i, st)| KnownDigest {
            node: i,
            name: older.clone(),
            size: FILE_SIZE as u64,
            digest: node(st, "n")
                .digest(&older, 0..FILE_SIZE as u64, &|_| {})
                .unwrap(),
        })
        .collect();
    let (with_known, hashed) = run(known.clone());
    assert_eq!(
        hashed,
        2 * FILE_SIZE as u64,
        "only the newest file, on both nodes"
    );
    assert_eq!(with_known, plain);
    let stale = known
        .into_iter()
        .map(|k| KnownDigest {
            size: k.size - 1,
            ..k
        })
        .collect();
    assert_eq!(run(stale).1, all, "a digest of another size is not taken");
}

#[test]
fn file_missing_on_either_side() {
    let (m, s) = (Store::standard(), Store::standard());
    std::fs::remove_file(s.file(131_072)).unwrap();
    let out = verify(&m.config(), &s.config(), &[]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stdout.contains("missing on slave"), "{}", out.stdout);
    let row = out
        .stdout
        .lines()
        .find(|l| l.contains("00000000000000131072"))
        .unwrap();
    assert!(row.contains(" - "), "{row}");

    // A file only the slave has (newer than the master's newest) is reported too.
    let (m, s) = (Store::new(2, FILE_SIZE, |_| FILE_SIZE), Store::standard());
    let out = verify(&m.config(), &s.config(), &["--output", "json"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let report = json(&out);
    assert_eq!(report["files"].as_array().unwrap().len(), 3, "{}", out.stdout);
    assert_eq!(report["files"][2]["verdict"], "missing");
    assert_eq!(report["files"][2]["comparisons"][0]["missingOn"], "master");
}

#[test]
fn third_node_is_compared_with_the_master() {
    let (m, s, t) = (Store::standard(), Store::standard(), Store::standard());
    t.poke(131_072, 7, 0);
    let third = t.config();
    let out = verify(&m.config(), &s.config(), &["--third", &third]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stdout.lines().next().unwrap().contains("THIRD MD5"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("third: divergent at offset 131079"),
        "{}",
        out.stdout
    );
}

#[test]
fn running_broker_is_refused_unless_allowed() {
    let (m, s) = (Store::standard(), Store::standard());
    let lock = broker::store::checkpoint::StoreLock::acquire(s.root()).unwrap();
    let before = (m.fingerprint(), s.fingerprint());

    let out = verify(&m.config(), &s.config(), &[]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("slave node"), "{}", out.stderr);
    assert!(out.stderr.contains(&s.config()), "{}", out.stderr);
    assert!(out.stderr.contains("--allow-running"), "{}", out.stderr);

    // A `dir:` node named commitlog is checked through its parent's lock file as well.
    let out = verify(&m.dir_spec(), &s.dir_spec(), &[]);
    assert_eq!(out.code, Some(2), "{out:?}");

    let out = verify(&m.config(), &s.config(), &["--allow-running"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.contains("warning:"), "{}", out.stderr);
    let out = verify(&m.config(), &s.config(), &["--allow-running", "-q"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "{}", out.stderr);

    assert_eq!(before, (m.fingerprint(), s.fingerprint()));
    drop(lock);
    let out = verify(&m.config(), &s.config(), &[]);
    assert_eq!(out.code, Some(0), "released lock: {out:?}");
}

#[test]
fn json_output_parses() {
    let (m, s) = (Store::standard(), Store::standard());
    let out = verify(&m.config(), &s.config(), &["--output", "json"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let report = json(&out);
    assert_eq!(report["verdict"], "identical");
    assert_eq!(report["nodes"][0]["role"], "master");
    assert_eq!(report["nodes"][1]["role"], "slave");
    assert_eq!(report["nodes"][1]["running"], false);
    assert_eq!(report["nodes"][0]["files"], 3);
    assert_eq!(report["files"][1]["startOffset"], 131_072);
    assert_eq!(report["files"][1]["copies"][0]["size"], FILE_SIZE);
}

#[test]
fn never_modifies_a_store() {
    let (m, s, t) = (Store::standard(), Store::standard(), Store::standard());
    s.zero_from(131_072, 1000);
    t.poke(65_536, 100, 0);
    // A lock file left by a stopped broker must not be touched either.
    drop(broker::store::checkpoint::StoreLock::acquire(m.root()).unwrap());
    let before = (m.fingerprint(), s.fingerprint(), t.fingerprint());
    let third = t.config();
    for extra in [
        vec![],
        vec!["--output", "json"],
        vec!["--last", "5", "--third", third.as_str()],
    ] {
        let out = verify(&m.config(), &s.config(), &extra);
        assert_eq!(out.code, Some(1), "{out:?}");
    }
    assert_eq!(before, (m.fingerprint(), s.fingerprint(), t.fingerprint()));
}

#[test]
fn foreign_store_fixture_copies_identical_then_damaged_then_missing() {
    let root = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/foreign-store"
    ));
    let fixture = &root.join("store/commitlog");
    assert!(
        fixture.is_dir() && root.join("manifest.json").is_file(),
        "the foreign-store fixture is missing: looked for {} and {}",
        fixture.display(),
        root.join("manifest.json").display()
    );
    // Where the other implementation says it stored each message (the offset message id ends
    // with the physical offset): independent of the files verify-commitlog reads.
    let manifest: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(root.join("manifest.json")).unwrap()).unwrap();
    let phys: Vec<u64> = manifest
        .iter()
        .map(|e| u64::from_str_radix(&e["msgId"].as_str().unwrap()[16..], 16).unwrap())
        .collect();
    assert_eq!(phys.len(), 600);
    // Master and slave: copies of the commitlog another implementation wrote.
    let copy = || {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(fixture).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        dir
    };
    let mut names: Vec<String> = std::fs::read_dir(fixture)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    let newest = &names[names.len() - 1];
    let second = &names[names.len() - 2];
    let spec = |dir: &tempfile::TempDir| format!("dir:{}", dir.path().display());
    let (m, s) = (copy(), copy());

    // Identical copies: every file identical.
    let out = verify(&spec(&m), &spec(&s), &["--last", "4"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("4 files: 4 identical"), "{}", out.stdout);

    // The slave's copy of the last message the manifest puts in the second-newest file damaged
    // (a byte of its header): divergent at exactly that message's offset + 20, exit 1.
    let start = second.parse::<u64>().unwrap();
    let last = phys
        .iter()
        .copied()
        .filter(|p| (start..start + 65536).contains(p))
        .max()
        .expect("the manifest has messages in the second-newest file");
    let at = last + 20;
    let path = s.path().join(second);
    let mut bytes = std::fs::read(&path).unwrap();
    let pos = (at - start) as usize;
    bytes[pos] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let out = verify(&spec(&m), &spec(&s), &["--last", "4"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stdout.contains(&format!("divergent at offset {at}")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("4 files: 3 identical, 1 divergent"),
        "{}",
        out.stdout
    );
    bytes[pos] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();

    // The slave without the newest file: missing on the slave, exit 1.
    std::fs::remove_file(s.path().join(newest)).unwrap();
    let out = verify(&spec(&m), &spec(&s), &["--last", "4", "--output", "json"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let report = json(&out);
    assert_eq!(report["verdict"], "missing", "{}", out.stdout);
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 4, "{}", out.stdout);
    assert_eq!(files[3]["name"], newest.as_str(), "{}", out.stdout);
    assert_eq!(files[3]["verdict"], "missing", "{}", out.stdout);
    assert_eq!(files[3]["comparisons"][0]["missingOn"], "slave", "{}", out.stdout);
    for file in &files[..3] {
        assert_eq!(file["verdict"], "identical", "{}", out.stdout);
    }
}

#[test]
fn errors_exit_2() {
    let m = Store::standard();
    let missing = m.root().join("nope.properties").display().to_string();
    let out = verify(&m.config(), &missing, &[]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("nope.properties"), "{}", out.stderr);

    let out = verify(&m.config(), "dir:/nonexistent/commitlog/dir", &[]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains("/nonexistent/commitlog/dir"),
        "{}",
        out.stderr
    );

    let empty = tempfile::tempdir().unwrap();
    let out = verify(&format!("dir:{}", empty.path().display()), &m.dir_spec(), &[]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("no commitlog files"), "{}", out.stderr);
}

#[test]
fn help_documents_verdicts_and_exit_codes() {
    let out = run(&["verify-commitlog", "--help"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    for text in [
        "dir:",
        "slave behind",
        "divergent",
        "--allow-running",
        "Exit status:",
        "0  every file is identical",
    ] {
        assert!(out.stdout.contains(text), "missing {text:?}: {}", out.stdout);
    }
}

#[test]
fn java_style_posix_lock_is_detected() {
    // Java's FileChannel.tryLock takes a POSIX (fcntl) lock, which flock does not see on Linux.
    use std::os::unix::io::AsRawFd;
    let (m, s) = (Store::standard(), Store::standard());
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(m.root().join("lock"))
        .unwrap();
    // SAFETY: an all-zero flock struct is valid; F_SETLK reads it and locks our own descriptor.
    let rc = unsafe {
        let mut lock: libc::flock = std::mem::zeroed();
        lock.l_type = libc::F_WRLCK as libc::c_short;
        lock.l_whence = libc::SEEK_SET as libc::c_short;
        libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &lock)
    };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    let out = verify(&m.config(), &s.config(), &[]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("master node"), "{}", out.stderr);
    drop(file);
    let out = verify(&m.config(), &s.config(), &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
}

/// Issue 20 item 6: the same store twice is refused (exit 1) instead of "identical", and a `dir:`
/// node not named `commitlog` is still refused while a process holds its files.
#[test]
fn issue20_same_store_twice_and_a_busy_dir_are_refused() {
    let (m, s) = (Store::standard(), Store::standard());
    for (a, b) in [
        (m.dir_spec(), m.dir_spec()),
        (m.config(), m.dir_spec()),
        (m.config(), m.commitlog().display().to_string()),
    ] {
        let out = verify(&a, &b, &[]);
        assert_eq!(out.code, Some(1), "{a} {b}: {out:?}");
        assert!(
            out.stderr
                .contains("the master and slave nodes are the same commitlog directory"),
            "{out:?}"
        );
        assert!(out.stdout.is_empty(), "{out:?}");
    }
    // A copy of the slave's commitlog in a directory of another name, one of its files held open
    // (as a running broker holds its mapped files).
    let elsewhere = s.root().join("copied-log");
    std::fs::create_dir(&elsewhere).unwrap();
    for e in std::fs::read_dir(s.commitlog()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), elsewhere.join(e.file_name())).unwrap();
    }
    let spec = format!("dir:{}", elsewhere.display());
    let held = std::fs::File::open(elsewhere.join(format!("{:020}", 0))).unwrap();
    let out = verify(&m.config(), &spec, &[]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains("is in use by a running broker") && out.stderr.contains("--allow-running"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("mqshutdown"), "{out:?}");
    drop(held);
    let out = verify(&m.config(), &spec, &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
}

/// Issue 20 item 7: a DLedger node's config says so and where its data is; a plain directory is
/// taken as `dir:`; a running broker's refusal names our shutdownBroker, not Java's script.
#[test]
fn issue20_dledger_config_plain_directory_and_stop_hint() {
    let (m, s) = (Store::standard(), Store::standard());
    let dledger = s.root().join("broker-n1.conf");
    std::fs::write(
        &dledger,
        format!(
            "brokerClusterName=RaftCluster\nbrokerName=RaftNode00\nstorePathRootDir={}\n\
             enableDLegerCommitLog=true\ndLegerGroup=RaftNode00\n\
             dLegerPeers=n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913\ndLegerSelfId=n1\n",
            s.root().display()
        ),
    )
    .unwrap();
    let dledger = dledger.display().to_string();
    let out = verify(&m.config(), &dledger, &[]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr
            .contains("is a DLedger node (enableDLegerCommitLog=true)")
            && out
                .stderr
                .contains(&s.root().join("dledger-n1").display().to_string()),
        "{out:?}"
    );
    assert!(!out.stderr.contains("no commitlog files"), "{out:?}");

    let out = verify(
        &m.commitlog().display().to_string(),
        &s.commitlog().display().to_string(),
        &[],
    );
    assert_eq!(out.code, Some(0), "a plain directory: {out:?}");
    assert!(out.stdout.contains("identical"), "{out:?}");

    let lock = broker::store::checkpoint::StoreLock::acquire(s.root()).unwrap();
    let out = verify(&m.config(), &s.config(), &[]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("mqadmin shutdownBroker -c {}", s.config())),
        "{out:?}"
    );
    assert!(!out.stderr.contains("mqshutdown"), "{out:?}");
    drop(lock);
}
