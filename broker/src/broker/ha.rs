//! Classic Master/Slave replication (spec §5.6): the slave connects to the master's HA port and
//! reports its commitlog max offset as an int64; the master streams frames of
//! `int64 offset | int32 size | bytes` (size 0 = heartbeat). The slave appends the bytes at exactly
//! that offset and rebuilds its own consume queues; every 10 s it copies the master's `config/`
//! (topics, consumer offsets, delay offsets, subscription groups) over remoting.
//!
//! A SYNC_MASTER acknowledges a send only once the slave has reported an offset past it.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::Broker;
use crate::config::BrokerRole;
use crate::json;
use crate::remoting::body::now_millis;
use crate::remoting::codes::{request, response};
use crate::remoting::RemotingCommand;

/// Largest data frame the master sends.
pub const TRANSFER_BATCH: usize = 32 * 1024;
/// How often an idle master sends a heartbeat frame and a slave reports its offset.
pub const HEARTBEAT: Duration = Duration::from_secs(5);

/// Replication progress shared with the send path.
#[derive(Debug)]
pub struct HaState {
    /// Highest offset a slave has confirmed.
    pub slave_acked: watch::Sender<u64>,
    /// Slaves connected now.
    pub slaves: AtomicUsize,
    /// The master's HA address, learned from the name server (slave side).
    pub master_ha_addr: std::sync::Mutex<Option<String>>,
    /// Epoch ms of the last offset report from a slave (master side; 0 never), for
    /// `mqadmin dledger-status`.
    pub last_slave_report_ms: AtomicI64,
    /// Epoch ms of the last frame (data or heartbeat) from the master (slave side; 0 never).
    pub last_master_frame_ms: AtomicI64,
}

impl HaState {
    /// Records a slave's reported offset; the confirmed offset only moves forward.
    pub fn raise_acked(&self, offset: u64) {
        self.slave_acked.send_if_modified(|cur| {
            let raise = offset > *cur;
            if raise {
                *cur = offset;
            }
            raise
        });
    }
}

impl Default for HaState {
    fn default() -> Self {
        Self {
            slave_acked: watch::channel(0).0,
            slaves: AtomicUsize::new(0),
            master_ha_addr: Default::default(),
            last_slave_report_ms: AtomicI64::new(0),
            last_master_frame_ms: AtomicI64::new(0),
        }
    }
}

/// What a SYNC_MASTER learned of its slave for a stored write. The message is stored in every
/// case, as in Java; only the answer differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replication {
    /// Nothing to wait for (not a SYNC_MASTER, or DLedger: committed means replicated), or the
    /// slave confirmed the write.
    Done,
    /// A SYNC_MASTER with no slave connected (`SLAVE_NOT_AVAILABLE`).
    NoSlave,
    /// The slave did not confirm within `syncFlushTimeout` (`FLUSH_SLAVE_TIMEOUT`).
    SlaveTimeout,
}

/// For SYNC_MASTER: waits until a slave has `end_offset`, at most `syncFlushTimeout`. Any other
/// role has nothing to wait for.
pub async fn wait_for_slave(b: &Broker, end_offset: u64) -> Replication {
    if b.cfg.broker_role != BrokerRole::SyncMaster {
        return Replication::Done;
    }
    if b.ha.slaves.load(Ordering::Acquire) == 0 {
        return Replication::NoSlave;
    }
    let mut rx = b.ha.slave_acked.subscribe();
    let timeout = Duration::from_millis(b.cfg.sync_flush_timeout);
    let confirmed = matches!(
        tokio::time::timeout(timeout, rx.wait_for(|acked| *acked >= end_offset)).await,
        Ok(Ok(_))
    );
    if confirmed {
        Replication::Done
    } else {
        Replication::SlaveTimeout
    }
}

/// Accepts slaves on the HA port and streams the commitlog to each.
pub async fn run_master(b: Arc<Broker>, listener: TcpListener) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let b = b.clone();
        tokio::spawn(async move {
            tracing::info!(%peer, "HA slave connected");
            b.ha.slaves.fetch_add(1, Ordering::AcqRel);
            if let Err(e) = serve_slave(&b, stream).await {
                tracing::info!(%peer, "HA slave connection ended: {e}");
            }
            b.ha.slaves.fetch_sub(1, Ordering::AcqRel);
        });
    }
}

async fn serve_slave(b: &Arc<Broker>, stream: TcpStream) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let first = rd.read_u64().await?;
    let (report_tx, mut report_rx) = watch::channel(first);
    let acked = b.clone();
    let reader = tokio::spawn(async move {
        while let Ok(off) = rd.read_u64().await {
            acked.ha.raise_acked(off);
            acked
                .ha
                .last_slave_report_ms
                .store(now_millis(), Ordering::Relaxed);
            let _ = report_tx.send(off);
        }
    });
    let file_size = b.cfg.mapped_file_size_commit_log;
    let mut next = if first == 0 {
        // A new slave starts at the beginning of the master's last file (spec §5.6).
        let max = b.store.commitlog_max_offset();
        let min = b.store.commitlog_min_offset();
        (max / file_size * file_size).max(min)
    } else {
        first
    };
    b.ha.raise_acked(first);
    let mut arrivals = b.store.subscribe_arrivals();
    loop {
        if reader.is_finished() {
            return Ok(());
        }
        let store = b.store.clone();
        let from = next;
        let data = tokio::task::spawn_blocking(move || store.read_commitlog_raw(from, TRANSFER_BATCH))
            .await
            .map_err(std::io::Error::other)?
            .map_err(std::io::Error::other)?;
        let mut frame = Vec::with_capacity(12 + data.len());
        frame.extend_from_slice(&next.to_be_bytes());
        frame.extend_from_slice(&(data.len() as i32).to_be_bytes());
        frame.extend_from_slice(&data);
        if data.is_empty() {
            tokio::select! {
                _ = arrivals.changed() => continue,
                _ = report_rx.changed() => continue,
                _ = tokio::time::sleep(HEARTBEAT) => {}
            }
        }
        wr.write_all(&frame).await?;
        next += data.len() as u64;
    }
}

/// Replicates from the master for as long as the broker runs (slave side), and copies the
/// master's config every 10 s.
pub async fn run_slave(b: Arc<Broker>) {
    // Both loops run in this task, so aborting it (broker shutdown) stops both.
    let sync = async {
        loop {
            // Until the first successful copy (the master may not be known yet), retry every second.
            let synced = sync_config(&b).await;
            tokio::time::sleep(Duration::from_secs(if synced { 10 } else { 1 })).await;
        }
    };
    tokio::join!(sync, replicate_loop(&b));
}

async fn replicate_loop(b: &Arc<Broker>) {
    loop {
        let addr = b.cfg.ha_master_address.clone().or_else(|| {
            b.ha.master_ha_addr
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
        });
        if let Some(addr) = addr {
            if let Err(e) = replicate_from(b, &addr).await {
                tracing::info!(%addr, "HA connection to master ended: {e}");
            }
        }
        // Reconnect backoff; the master address may also still be unknown (not registered yet).
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = b.register_now.notified() => {}
        }
        b.register_all().await;
    }
}

async fn replicate_from(b: &Arc<Broker>, addr: &str) -> std::io::Result<()> {
    let stream = tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(addr))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timeout"))??;
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    wr.write_u64(b.store.commitlog_max_offset()).await?;
    loop {
        let read = tokio::time::timeout(HEARTBEAT * 4, async {
            let offset = rd.read_u64().await?;
            let size = rd.read_i32().await?;
            if !(0..=(4 * TRANSFER_BATCH as i32)).contains(&size) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("bad HA frame size {size}"),
                ));
            }
            let mut data = vec![0u8; size as usize];
            rd.read_exact(&mut data).await?;
            Ok::<_, std::io::Error>((offset, data))
        })
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "master silent"))??;
        let (offset, data) = read;
        b.ha.last_master_frame_ms.store(now_millis(), Ordering::Relaxed);
        if !data.is_empty() {
            let store = b.store.clone();
            tokio::task::spawn_blocking(move || store.append_replicated(offset, &data))
                .await
                .map_err(std::io::Error::other)?
                .map_err(std::io::Error::other)?;
        }
        wr.write_u64(b.store.commitlog_max_offset()).await?;
    }
}

async fn sync_config(b: &Broker) -> bool {
    let Some(master) = b.master_addr.lock().unwrap_or_else(|p| p.into_inner()).clone() else {
        return false;
    };
    let mut synced = false;
    let t = Duration::from_secs(3);
    let call = |code| b.client.invoke(&master, RemotingCommand::request_empty(code), t);
    if let Ok(r) = call(request::GET_ALL_TOPIC_CONFIG).await {
        if r.code == response::SUCCESS {
            match json::from_slice(&r.body) {
                // Not on a node that has just become the leader (see the offsets below).
                Ok(w) => synced = b.is_slave() && b.topics.replace_all(w).is_ok(),
                Err(e) => tracing::warn!(%master, "config sync: bad topic config body: {e}"),
            }
        }
    }
    let offsets = call(request::GET_ALL_CONSUMER_OFFSET)
        .await
        .ok()
        .and_then(|r| json::from_slice(&r.body).ok());
    let delay = call(request::GET_ALL_DELAY_OFFSET)
        .await
        .ok()
        .and_then(|r| json::from_slice(&r.body).ok());
    // A DLedger follower may have become the leader while these calls ran (a SIGSTOPped leader
    // keeps each one waiting for its timeout): the leader's own offsets, which consumers commit to
    // now, must not be replaced by the old leader's older ones.
    if !b.is_slave() {
        return synced;
    }
    if let Some(o) = offsets {
        b.offsets.replace_all(o, delay);
    }
    if let Ok(r) = call(request::GET_ALL_SUBSCRIPTIONGROUP_CONFIG).await {
        if let Ok(g) = json::from_slice(&r.body) {
            let _ = b.groups.replace_configs(g);
        }
    }
    synced
}
