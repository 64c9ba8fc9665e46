//! Buffered frame I/O over a byte stream: read whole frames, and gather queued frames into one
//! write ([`coalesce`], used by the server's and the client's writer tasks).

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;

use super::command::RemotingCommand;
use super::frame::{self, FrameError};

/// Why a connection stopped yielding frames.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// Socket error.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The peer sent bytes that are not a frame.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The peer closed in the middle of a frame.
    #[error("connection closed with {0} bytes of a partial frame")]
    Truncated(usize),
}

/// Reads frames from the read half of a socket.
pub struct FrameReader<R> {
    inner: R,
    buffer: BytesMut,
    max_frame: usize,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// Wraps a reader; frames longer than `max_frame` are rejected.
    pub fn new(inner: R, max_frame: usize) -> Self {
        Self {
            inner,
            buffer: BytesMut::with_capacity(8 * 1024),
            max_frame,
        }
    }

    /// Reads the next command; `Ok(None)` on a clean close between frames.
    ///
    /// # Errors
    /// I/O errors, malformed frames and a close in the middle of a frame.
    pub async fn read_command(&mut self) -> Result<Option<RemotingCommand>, ConnectionError> {
        loop {
            match frame::check(&self.buffer, self.max_frame) {
                Ok(total) => {
                    let bytes = self.buffer.split_to(total).freeze();
                    return Ok(Some(frame::parse(bytes)?));
                }
                Err(FrameError::Incomplete) => {
                    if self.buffer.len() >= 4 {
                        // Reserve toward the announced frame (bounded by max_frame via check()),
                        // at most 64 KiB ahead of what has arrived: a peer that announces a large
                        // frame and sends little of it costs what it sent, not what it announced
                        // (an allocator may back a 1 MiB reservation with resident memory).
                        let want = 4 + u32::from_be_bytes(self.buffer[..4].try_into().expect("4")) as usize;
                        self.buffer
                            .reserve(want.saturating_sub(self.buffer.len()).min(64 << 10));
                    } else if self.buffer.capacity() - self.buffer.len() < 4096 {
                        self.buffer.reserve(8 * 1024);
                    }
                }
                Err(e) => {
                    self.buffer.advance(self.buffer.len());
                    return Err(e.into());
                }
            }
            if 0 == self.inner.read_buf(&mut self.buffer).await? {
                return if self.buffer.is_empty() {
                    Ok(None)
                } else {
                    Err(ConnectionError::Truncated(self.buffer.len()))
                };
            }
        }
    }
}

/// Most bytes gathered for one socket write.
const MAX_COALESCED: usize = 256 * 1024;

/// Appends to the pending write `buf` (with `push`) whatever else is queued on `rx`, up to
/// [`MAX_COALESCED`] bytes, yielding once first so the tasks about to queue something
/// (the other answers of a group commit, the other senders woken by one read) do so.
///
/// Without the yield a connection's writer, woken by the first of them, runs right after it
/// (tokio runs a task woken by the running one next) and writes a single frame per system call:
/// on loopback each `sendto` also runs the receiver's TCP input, so this was the largest cost
/// of the benchmark's load generator and a tenth of a DLedger leader's CPU.
pub(crate) async fn coalesce<T>(
    rx: &mut mpsc::Receiver<T>,
    buf: &mut BytesMut,
    push: impl Fn(T, &mut BytesMut),
) {
    let mut yielded = false;
    while buf.len() < MAX_COALESCED {
        match rx.try_recv() {
            Ok(more) => push(more, buf),
            Err(_) if !yielded => {
                yielded = true;
                tokio::task::yield_now().await;
            }
            Err(_) => break,
        }
    }
}
