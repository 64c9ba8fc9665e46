//! An async remoting client: one connection per address, reused across calls, with many requests
//! in flight matched by `opaque`, a timeout per call, oneway sends, and a reconnect on the next call
//! after a connection breaks. With [`ClientConfig::credentials`] every request is signed for a
//! broker with ACL ([`super::acl_sign`]) right before it is encoded, so no caller can forget to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use super::acl_sign::{self, Credentials};
use super::command::RemotingCommand;
use super::connection::FrameReader;
use super::frame;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum RemotingError {
    /// Could not connect.
    #[error("connect to {addr} failed: {reason}")]
    Connect {
        /// Target address.
        addr: String,
        /// Cause.
        reason: String,
    },
    /// No response within the timeout.
    #[error("wait response on the channel <{addr}> timeout, {millis}(ms)")]
    Timeout {
        /// Target address.
        addr: String,
        /// Timeout used.
        millis: u128,
    },
    /// The connection closed before the response arrived.
    #[error("connection to {addr} closed before the response arrived")]
    Closed {
        /// Target address.
        addr: String,
    },
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Connect timeout. Default: 3 s (Java: 3 s).
    pub connect_timeout: Duration,
    /// Largest accepted response frame. Default: 16 MiB.
    pub max_frame: usize,
    /// Sign every request with this account (brokers with `aclEnable=true`). Default: none.
    pub credentials: Option<Credentials>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            max_frame: frame::DEFAULT_MAX_FRAME,
            credentials: None,
        }
    }
}

type Pending = Arc<Mutex<HashMap<i32, oneshot::Sender<RemotingCommand>>>>;
/// One address's connection slot, locked while connecting.
type Slot = Arc<tokio::sync::Mutex<Option<Arc<Channel>>>>;

struct Channel {
    tx: mpsc::Sender<Bytes>,
    pending: Pending,
    alive: Arc<AtomicBool>,
}

/// A cheap-to-clone handle; clones share connections.
#[derive(Clone)]
pub struct RemotingClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    channels: Mutex<HashMap<String, Slot>>,
    next_opaque: AtomicI32,
}

impl Default for RemotingClient {
    fn default() -> Self {
        Self::new(ClientConfig::default())
    }
}

impl RemotingClient {
    /// A client with the given settings.
    pub fn new(config: ClientConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                channels: Mutex::new(HashMap::new()),
                next_opaque: AtomicI32::new(0),
            }),
        }
    }

    async fn channel(&self, addr: &str, deadline: Duration) -> Result<Arc<Channel>, RemotingError> {
        let slot = {
            let mut map = self.inner.channels.lock().expect("channel map poisoned");
            map.entry(addr.to_string()).or_default().clone()
        };
        let mut guard = slot.lock().await;
        if let Some(ch) = guard.as_ref() {
            if ch.alive.load(Ordering::Acquire) {
                return Ok(ch.clone());
            }
        }
        let connect_timeout = self.inner.config.connect_timeout.min(deadline);
        let stream = match tokio::time::timeout(connect_timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(RemotingError::Connect {
                    addr: addr.into(),
                    reason: e.to_string(),
                })
            }
            Err(_) => {
                return Err(RemotingError::Connect {
                    addr: addr.into(),
                    reason: format!("timed out after {} ms", connect_timeout.as_millis()),
                })
            }
        };
        let _ = stream.set_nodelay(true);
        let ch = Arc::new(spawn_channel(
            stream,
            addr.to_string(),
            self.inner.config.max_frame,
        ));
        *guard = Some(ch.clone());
        Ok(ch)
    }

    /// Sends a request and waits for its response.
    ///
    /// # Errors
    /// Connect failures, timeouts and connections closed before the response.
    pub async fn invoke(
        &self,
        addr: &str,
        mut request: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand, RemotingError> {
        let start = tokio::time::Instant::now();
        let ch = self.channel(addr, timeout).await?;
        let opaque = self.inner.next_opaque.fetch_add(1, Ordering::Relaxed);
        request.opaque = opaque;
        self.sign(&mut request);
        let (tx, rx) = oneshot::channel();
        ch.pending.lock().expect("pending poisoned").insert(opaque, tx);
        if ch.tx.send(frame::encode_to_bytes(&request)).await.is_err() {
            ch.pending.lock().expect("pending poisoned").remove(&opaque);
            return Err(RemotingError::Closed { addr: addr.into() });
        }
        let left = timeout.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, rx).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(_)) => Err(RemotingError::Closed { addr: addr.into() }),
            Err(_) => {
                ch.pending.lock().expect("pending poisoned").remove(&opaque);
                Err(RemotingError::Timeout {
                    addr: addr.into(),
                    millis: timeout.as_millis(),
                })
            }
        }
    }

    /// Sends a oneway request (no response is expected).
    ///
    /// # Errors
    /// Connect failures and closed connections.
    pub async fn invoke_oneway(
        &self,
        addr: &str,
        mut request: RemotingCommand,
        timeout: Duration,
    ) -> Result<(), RemotingError> {
        let ch = self.channel(addr, timeout).await?;
        request.opaque = self.inner.next_opaque.fetch_add(1, Ordering::Relaxed);
        request.mark_oneway();
        self.sign(&mut request);
        ch.tx
            .send(frame::encode_to_bytes(&request))
            .await
            .map_err(|_| RemotingError::Closed { addr: addr.into() })
    }

    /// Signs `request` when the client has credentials (the opaque and flag are not signed).
    fn sign(&self, request: &mut RemotingCommand) {
        if let Some(c) = &self.inner.config.credentials {
            acl_sign::sign(request, c);
        }
    }

    /// Drops the connection to `addr`, if any.
    pub fn close(&self, addr: &str) {
        self.inner
            .channels
            .lock()
            .expect("channel map poisoned")
            .remove(addr);
    }
}

fn spawn_channel(stream: TcpStream, addr: String, max_frame: usize) -> Channel {
    let (read_half, mut write_half) = stream.into_split();
    let (tx, mut rx) = mpsc::channel::<Bytes>(1024);
    let pending: Pending = Arc::default();
    let alive = Arc::new(AtomicBool::new(true));
    {
        let alive = alive.clone();
        tokio::spawn(async move {
            let mut buf = BytesMut::with_capacity(16 * 1024);
            while let Some(first) = rx.recv().await {
                buf.extend_from_slice(&first);
                // Let the tasks that are ready to send run first (see `coalesce`), so their
                // frames share this write.
                super::connection::coalesce(&mut rx, &mut buf, |f, b| b.extend_from_slice(&f)).await;
                if write_half.write_all(&buf).await.is_err() {
                    alive.store(false, Ordering::Release);
                    break;
                }
                buf.clear();
            }
        });
    }
    {
        let pending = pending.clone();
        let alive = alive.clone();
        tokio::spawn(async move {
            let mut reader = FrameReader::new(read_half, max_frame);
            loop {
                match reader.read_command().await {
                    Ok(Some(cmd)) if cmd.is_response() => {
                        let waiter = pending.lock().expect("pending poisoned").remove(&cmd.opaque);
                        if let Some(w) = waiter {
                            let _ = w.send(cmd);
                        }
                    }
                    Ok(Some(_request)) => {} // Server-initiated requests are not served by this client.
                    Ok(None) => break,
                    Err(e) => {
                        tracing::debug!(%addr, "remoting connection error: {e}");
                        break;
                    }
                }
            }
            alive.store(false, Ordering::Release);
            pending.lock().expect("pending poisoned").clear();
        });
    }
    Channel { tx, pending, alive }
}
