//! The accept loop and per-connection request dispatch shared by the name server and the broker.
//!
//! Requests on one connection are handled concurrently (a Java client multiplexes sends, heartbeats
//! and a long-polling pull on one socket), and responses are written by one writer task per
//! connection; a handler may also send requests to the client through that writer
//! ([`ConnContext::outbound`]): oneway ones (the broker's CHECK_TRANSACTION_STATE) and two-way
//! ones whose answer comes back on the same connection, matched by opaque (the broker relaying
//! GET_CONSUMER_RUNNING_INFO to a consumer). A malformed frame closes
//! that connection only. Shutdown stops accepting, lets in-flight requests finish (bounded by a
//! grace period), then closes the sockets.
//!
//! Requests in flight on one connection are capped (`max_in_flight`): Java bounds them with its
//! processor thread-pool queues and answers SYSTEM_BUSY when a queue is full. Over the cap we
//! answer SYSTEM_BUSY at once (oneway requests are dropped) and keep the connection, so a client
//! that pipelines thousands of long-polling pulls cannot make the server hold a task for each.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch, Semaphore};
use tokio::task::JoinSet;

use super::codes;
use super::command::RemotingCommand;
use super::connection::FrameReader;
use super::frame;

/// Limits of a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest accepted frame. Default: 16 MiB.
    pub max_frame: usize,
    /// Connections served at once; further ones are closed at accept. Default: 10 000.
    pub max_connections: usize,
    /// A connection with no complete frame for this long is closed (Java: 120 s). Default: 120 s.
    pub idle_timeout: Duration,
    /// How long shutdown waits for in-flight requests. Default: 10 s.
    pub shutdown_grace: Duration,
    /// Requests handled at once on one connection; further ones are answered SYSTEM_BUSY (oneway
    /// ones dropped) until some finish. Default: [`DEFAULT_MAX_IN_FLIGHT`].
    pub max_in_flight: usize,
}

/// Default cap on requests in flight per connection: far above what a Java client pipelines (a
/// push consumer holds one long-polling pull per queue it owns; a producer's async sends are
/// bounded by `clientAsyncSemaphoreValue` = 65 535 bytes-worth of permits, in practice hundreds).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4096;

/// Remark of the SYSTEM_BUSY answer to a request over the per-connection cap; the prefix is
/// Java's answer when a processor's queue is full, which Java clients recognise and retry.
pub const BUSY_REMARK: &str = "[OVERLOAD]system busy, start flow control for a while";

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_frame: frame::DEFAULT_MAX_FRAME,
            max_connections: 10_000,
            idle_timeout: Duration::from_secs(120),
            shutdown_grace: Duration::from_secs(10),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

/// What a handler knows about the connection a request came on.
#[derive(Debug, Clone)]
pub struct ConnContext {
    /// Unique id of the connection within this server.
    pub id: u64,
    /// Remote address.
    pub peer: SocketAddr,
    /// Local address.
    pub local: SocketAddr,
    /// Becomes true when the server shuts down, so long waits (long polling) can end early.
    pub shutdown: watch::Receiver<bool>,
    /// Sends requests to the client on this connection (the broker's CHECK_TRANSACTION_STATE);
    /// set for every served connection.
    pub outbound: Option<Outbound>,
}

/// Answers awaited from the client of one connection, by the opaque of our request.
type Pending = Arc<Mutex<HashMap<i32, oneshot::Sender<RemotingCommand>>>>;

/// A handle that sends server-initiated requests on one connection, through the same writer as
/// its responses. It does not keep the connection open: once the connection closes, sends fail
/// and awaited answers end with [`OutboundError::Closed`].
#[derive(Debug, Clone)]
pub struct Outbound {
    tx: mpsc::WeakSender<RemotingCommand>,
    pending: Pending,
}

/// Why a server-initiated request was not sent.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The connection has closed.
    #[error("the connection is closed")]
    Closed,
    /// The connection's writer queue is full (the client does not read).
    #[error("the connection's write queue is full")]
    Full,
    /// The client did not answer a two-way request in time.
    #[error("the client did not answer within {0} ms")]
    Timeout(u128),
}

/// Opaques of server-initiated requests (one sequence for every connection).
fn next_opaque() -> i32 {
    static NEXT_OPAQUE: AtomicI32 = AtomicI32::new(1);
    NEXT_OPAQUE.fetch_add(1, Ordering::Relaxed)
}

impl Outbound {
    fn queue(&self, req: RemotingCommand) -> Result<(), OutboundError> {
        let tx = self.tx.upgrade().ok_or(OutboundError::Closed)?;
        tx.try_send(req).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => OutboundError::Full,
            mpsc::error::TrySendError::Closed(_) => OutboundError::Closed,
        })
    }

    /// Queues `req` as a oneway request with a fresh opaque; does not wait for the write.
    ///
    /// # Errors
    /// [`OutboundError`]: the connection closed, or its write queue is full.
    pub fn send_oneway(&self, mut req: RemotingCommand) -> Result<(), OutboundError> {
        req.mark_oneway();
        req.opaque = next_opaque();
        self.queue(req)
    }

    /// Sends `req` as a two-way request with a fresh opaque and waits up to `timeout` for the
    /// client's answer on this connection (Java's `invokeSync` on a channel).
    ///
    /// # Errors
    /// [`OutboundError`]: the connection closed (before or while waiting), its write queue is
    /// full, or no answer came in time.
    pub async fn invoke(
        &self,
        mut req: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand, OutboundError> {
        req.flag &= !(codes::FLAG_ONEWAY | codes::FLAG_RESPONSE);
        let opaque = next_opaque();
        req.opaque = opaque;
        let (tx, rx) = oneshot::channel();
        self.pending_map().insert(opaque, tx);
        if let Err(e) = self.queue(req) {
            self.pending_map().remove(&opaque);
            return Err(e);
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => Ok(answer),
            // The connection closed and dropped the waiter.
            Ok(Err(_)) => Err(OutboundError::Closed),
            Err(_) => {
                self.pending_map().remove(&opaque);
                Err(OutboundError::Timeout(timeout.as_millis()))
            }
        }
    }

    fn pending_map(&self) -> std::sync::MutexGuard<'_, HashMap<i32, oneshot::Sender<RemotingCommand>>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Serves requests; implemented by the name server and the broker.
pub trait RequestHandler: Send + Sync + 'static {
    /// Handles one request. The returned response gets the request's opaque and serialize type
    /// filled in; it is dropped for oneway requests. `None` sends nothing.
    fn handle(
        &self,
        ctx: &ConnContext,
        request: RemotingCommand,
    ) -> impl Future<Output = Option<RemotingCommand>> + Send;

    /// Called once when a connection closes.
    fn on_disconnect(&self, _ctx: &ConnContext) {}
}

/// Answer for a request code no processor serves.
pub fn not_supported(code: i32) -> RemotingCommand {
    RemotingCommand::response(
        codes::response::REQUEST_CODE_NOT_SUPPORTED,
        Some(format!(" request type {code} not supported")),
    )
}

/// Runs the accept loop until `shutdown` completes, then drains connections.
pub async fn run<H: RequestHandler>(
    listener: TcpListener,
    handler: Arc<H>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()>,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let next_id = AtomicU64::new(1);
    let mut conns = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    tracing::warn!(%peer, max = config.max_connections, "connection limit reached, closing new connection");
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let local = stream.local_addr().unwrap_or(peer);
                let ctx = ConnContext { id: next_id.fetch_add(1, Ordering::Relaxed), peer, local, shutdown: stop_rx.clone(), outbound: None };
                let handler = handler.clone();
                let config = config.clone();
                conns.spawn(async move {
                    serve_connection(stream, ctx, handler, config).await;
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let grace = config.shutdown_grace + Duration::from_secs(1);
    let _ = tokio::time::timeout(grace, async { while conns.join_next().await.is_some() {} }).await;
    conns.abort_all();
}

async fn serve_connection<H: RequestHandler>(
    stream: TcpStream,
    mut ctx: ConnContext,
    handler: Arc<H>,
    config: ServerConfig,
) {
    let (read_half, mut write_half) = stream.into_split();
    let (tx, mut rx) = mpsc::channel::<RemotingCommand>(1024);
    let writer = tokio::spawn(async move {
        // Grown by the first response, not up front: thousands of idle connections should cost
        // little memory each.
        let mut buf = BytesMut::new();
        while let Some(cmd) = rx.recv().await {
            frame::encode(&cmd, &mut buf);
            super::connection::coalesce(&mut rx, &mut buf, |c, b| frame::encode(&c, b)).await;
            if write_half.write_all(&buf).await.is_err() {
                break;
            }
            buf.clear();
            if buf.capacity() > 1024 * 1024 {
                // Do not keep a large response's buffer for the life of the connection.
                buf = BytesMut::new();
            }
        }
        let _ = write_half.shutdown().await;
    });

    // Weak: the writer ends when the last strong sender (the request tasks') is dropped.
    let pending: Pending = Arc::default();
    ctx.outbound = Some(Outbound {
        tx: tx.downgrade(),
        pending: pending.clone(),
    });
    let mut reader = FrameReader::new(read_half, config.max_frame);
    let mut in_flight = JoinSet::new();
    let mut stop = ctx.shutdown.clone();
    let ctx = Arc::new(ctx);
    loop {
        let read = tokio::select! {
            _ = stop.changed() => break,
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => continue,
            r = tokio::time::timeout(config.idle_timeout, reader.read_command()) => r,
        };
        let request = match read {
            Err(_) => {
                tracing::info!(peer = %ctx.peer, "closing idle connection");
                break;
            }
            Ok(Ok(Some(cmd))) => cmd,
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                tracing::warn!(peer = %ctx.peer, "closing connection: {e}");
                break;
            }
        };
        if request.is_response() {
            // The answer to one of our two-way requests; a stray response is ignored.
            let waiter = pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&request.opaque);
            if let Some(w) = waiter {
                let _ = w.send(request);
            }
            continue;
        }
        // Finished tasks stay in the set until joined; count only the live ones.
        while in_flight.try_join_next().is_some() {}
        if in_flight.len() >= config.max_in_flight.max(1) {
            if request.is_oneway() {
                tracing::debug!(peer = %ctx.peer, code = request.code, "too many requests in flight, oneway request dropped");
                continue;
            }
            let mut busy = RemotingCommand::response(
                codes::response::SYSTEM_BUSY,
                Some(format!(
                    "{BUSY_REMARK} (more than {} requests in flight on this connection)",
                    config.max_in_flight
                )),
            );
            busy.opaque = request.opaque;
            busy.flag |= codes::FLAG_RESPONSE;
            busy.serialize_type = request.serialize_type;
            drop(request);
            // A client that stops reading its answers fills the writer's queue; waiting here stops
            // reading its requests too, so neither side's memory grows.
            tokio::select! {
                _ = stop.changed() => break,
                sent = tx.send(busy) => if sent.is_err() { break },
            }
            continue;
        }
        let handler = handler.clone();
        let tx = tx.clone();
        let ctx = ctx.clone();
        in_flight.spawn(async move {
            let oneway = request.is_oneway();
            let opaque = request.opaque;
            let ty = request.serialize_type;
            if let Some(mut resp) = handler.handle(&ctx, request).await {
                if !oneway {
                    resp.opaque = opaque;
                    resp.flag |= codes::FLAG_RESPONSE;
                    resp.serialize_type = ty;
                    let _ = tx.send(resp).await;
                }
            }
        });
    }
    // Let in-flight requests finish (bounded), so their responses are written before close.
    let _ = tokio::time::timeout(config.shutdown_grace, async {
        while in_flight.join_next().await.is_some() {}
    })
    .await;
    in_flight.abort_all();
    // Requests still waiting for this client's answer end now, not at their timeout.
    pending.lock().unwrap_or_else(|p| p.into_inner()).clear();
    drop(tx);
    let _ = writer.await;
    handler.on_disconnect(&ctx);
}
