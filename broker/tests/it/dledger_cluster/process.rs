//! Processes and network of the cluster besides the brokers (those are
//! [`crate::util::BrokerProc`]): the `mqnamesrv` process, and network namespaces on a bridge for
//! partitions done by the kernel.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use broker::remoting::RemotingClient;

use super::cluster_info;
use crate::util::{free_port_pair, wait_until};

/// A real `mqnamesrv` process; killed when dropped.
pub struct NamesrvProc {
    child: Child,
    pub addr: String,
}

impl NamesrvProc {
    pub async fn spawn() -> Self {
        Self::spawn_on("127.0.0.1").await
    }

    /// Listens on `ip` (the bridge address when brokers run in network namespaces).
    pub async fn spawn_on(ip: &str) -> Self {
        let port = free_port_pair();
        let addr = format!("{ip}:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_mqnamesrv"))
            .arg("--listen")
            .arg(&addr)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mqnamesrv");
        let ns = Self { child, addr };
        let c = RemotingClient::default();
        wait_until(Duration::from_secs(30), "mqnamesrv answers", || {
            let (c, addr) = (c.clone(), ns.addr.clone());
            async move { cluster_info(&c, &addr).await.is_some() }
        })
        .await;
        ns
    }
}

impl Drop for NamesrvProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Three network namespaces on a bridge, for partitions done by the kernel: namespace `i` has
/// address `node_ip(i)`, the bridge (the test and the name server) `bridge_ip()`. Removed when
/// dropped (the veth pairs go with their namespaces).
pub struct NetnsLab {
    tag: String,
    subnet: u8,
}

impl NetnsLab {
    /// An error saying which step failed when this machine does not allow it (not root, no
    /// `ip`, namespaces refused): the caller falls back to proxies, or fails under
    /// `MQ_REQUIRE_ROOT_VARIANTS=1` ([`crate::util::root_variant_unavailable`]).
    pub fn create() -> Result<Self, String> {
        let pid = std::process::id();
        let lab = Self {
            tag: format!("mq{}", pid % 100_000),
            subnet: (pid % 200) as u8 + 20,
        };
        let br = lab.bridge();
        let mut steps = vec![
            format!("ip link add {br} type bridge"),
            format!("ip addr add {}/24 dev {br}", lab.bridge_ip()),
            format!("ip link set {br} up"),
        ];
        for i in 0..3 {
            let (ns, host, node) = (
                lab.netns(i),
                format!("{}h{i}", lab.tag),
                format!("{}n{i}", lab.tag),
            );
            steps.extend([
                format!("ip netns add {ns}"),
                format!("ip link add {host} type veth peer name {node}"),
                format!("ip link set {host} master {br} up"),
                format!("ip link set {node} netns {ns}"),
                format!("ip netns exec {ns} ip addr add {}/24 dev {node}", lab.node_ip(i)),
                format!("ip netns exec {ns} ip link set {node} up"),
                format!("ip netns exec {ns} ip link set lo up"),
            ]);
        }
        for step in steps {
            if let Err(e) = run(&step) {
                // `lab` is dropped: what was created is removed.
                return Err(format!("`{step}` failed: {e}"));
            }
        }
        Ok(lab)
    }

    pub fn bridge(&self) -> String {
        format!("{}br", self.tag)
    }

    pub fn netns(&self, i: usize) -> String {
        format!("{}ns{i}", self.tag)
    }

    pub fn bridge_ip(&self) -> String {
        format!("10.213.{}.1", self.subnet)
    }

    pub fn node_ip(&self, i: usize) -> String {
        format!("10.213.{}.{}", self.subnet, i + 2)
    }

    /// Blackhole routes between node `idx` and both others (in both namespaces), or removes them.
    pub fn partition(&self, idx: usize, cut: bool) {
        let verb = if cut { "add" } else { "del" };
        for j in (0..3).filter(|j| *j != idx) {
            for (from, to) in [(idx, j), (j, idx)] {
                let cmd = format!(
                    "ip netns exec {} ip route {verb} blackhole {}/32",
                    self.netns(from),
                    self.node_ip(to)
                );
                assert!(run_quiet(&cmd), "`{cmd}` failed");
            }
        }
    }
}

impl Drop for NetnsLab {
    fn drop(&mut self) {
        for i in 0..3 {
            run_quiet(&format!("ip netns del {}", self.netns(i)));
        }
        run_quiet(&format!("ip link del {}", self.bridge()));
    }
}

/// Runs a command line (split on spaces) with its output discarded; whether it succeeded.
fn run_quiet(line: &str) -> bool {
    run(line).is_ok()
}

/// Runs a command line (split on spaces); on failure, why (its exit status and stderr).
fn run(line: &str) -> Result<(), String> {
    let mut words = line.split(' ');
    let out = Command::new(words.next().unwrap())
        .args(words)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
