//! Waiting for disk space instead of stopping: what a DLedger node does when a write of its log,
//! its metadata files or its consume queues fails for lack of space.
//!
//! openraft 0.9 treats every `StorageError` from the log store or the state machine as fatal: its
//! Raft core stops and the node only comes back after a restart. A full disk is not that kind of
//! failure: nothing was stored, and the same write succeeds once space returns. So a write that
//! fails with ENOSPC (no space on the device), EDQUOT (quota) or EFBIG (file-size limit,
//! `RLIMIT_FSIZE`) is retried with a growing pause ([`FIRST_PAUSE`] doubling to [`MAX_PAUSE`]) by
//! [`DiskSpace::retry`], which logs a warning when it starts waiting and an info line when the
//! write goes through. Any other error stays fatal.
//!
//! While a write waits, [`DiskSpace::is_full`] is true: the broker refuses sends at once
//! ("disk is full") and stops presenting a waiting leader as writable. Nothing is acknowledged
//! meanwhile: a log append that waits has not called its flush callback, so openraft does not
//! count this replica's copy. A waiting append also blocks openraft's core (no heartbeats, no
//! votes), so a waiting leader loses its followers to a new leader, and steps down, truncating
//! what was not committed, once the write goes through and it sees the new term.
//!
//! [`DiskSpace::stop`] (called by `RaftNode::shutdown`) ends every wait with an error, so a node
//! whose disk stays full still shuts down.

use std::io;
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// First pause before a write that failed for lack of space is tried again.
pub const FIRST_PAUSE: Duration = Duration::from_millis(50);
/// Longest pause between two tries.
pub const MAX_PAUSE: Duration = Duration::from_secs(1);

/// Whether `e` says the disk (or the file-size limit, or the quota) has no room: ENOSPC, EDQUOT
/// or EFBIG.
pub fn is_no_space(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOSPC | libc::EDQUOT | libc::EFBIG))
}

/// Whether an error or one of its sources is an [`io::Error`] for which [`is_no_space`] holds.
pub fn chain_is_no_space(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(e) = cur {
        if e.downcast_ref::<io::Error>().is_some_and(is_no_space) {
            return true;
        }
        cur = e.source();
    }
    false
}

/// Shared by the log store, the state machine and the broker of one node: how many writes are
/// waiting for space, and the shutdown signal that ends the waits. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DiskSpace {
    /// Number of writes waiting for space right now.
    waiting: watch::Sender<usize>,
    /// Set once by [`DiskSpace::stop`].
    stopped: watch::Sender<bool>,
}

impl Default for DiskSpace {
    fn default() -> Self {
        Self {
            waiting: watch::Sender::new(0),
            stopped: watch::Sender::new(false),
        }
    }
}

/// Why [`DiskSpace::retry`] gave up.
#[derive(Debug, thiserror::Error)]
pub enum RetryError<E> {
    /// The error was not a lack of space.
    #[error(transparent)]
    Failed(E),
    /// The node is shutting down; the last error was a lack of space.
    #[error("shutting down while waiting for disk space: {0}")]
    Stopped(E),
}

impl<E> RetryError<E> {
    /// The underlying error, whatever the reason.
    pub fn into_inner(self) -> E {
        match self {
            RetryError::Failed(e) | RetryError::Stopped(e) => e,
        }
    }
}

impl DiskSpace {
    /// Whether a write of this node is waiting for disk space right now.
    pub fn is_full(&self) -> bool {
        *self.waiting.borrow() > 0
    }

    /// A watch of the number of writes waiting for space (0: none).
    pub fn watch(&self) -> watch::Receiver<usize> {
        self.waiting.subscribe()
    }

    /// Ends every current and future wait: [`DiskSpace::retry`] then returns
    /// [`RetryError::Stopped`] instead of trying again.
    pub fn stop(&self) {
        self.stopped.send_replace(true);
    }

    /// Whether [`DiskSpace::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        *self.stopped.borrow()
    }

    /// Runs `op` until it succeeds or fails for another reason than a lack of space (as told by
    /// `no_space`), pausing between tries, and until [`DiskSpace::stop`]. `what` names the
    /// write in the log lines. `op` must be safe to run again after a failure.
    ///
    /// # Errors
    /// [`RetryError::Failed`] with `op`'s error when it is not a lack of space;
    /// [`RetryError::Stopped`] with the last one when the node shuts down while waiting.
    pub async fn retry<T, E: std::fmt::Display>(
        &self,
        what: &str,
        no_space: impl Fn(&E) -> bool,
        mut op: impl FnMut() -> Result<T, E>,
    ) -> Result<T, RetryError<E>> {
        let first = match op() {
            Ok(v) => return Ok(v),
            Err(e) if !no_space(&e) => return Err(RetryError::Failed(e)),
            Err(e) => e,
        };
        tracing::warn!(write = what, error = %first, "disk full: waiting for space to retry the write");
        let started = Instant::now();
        let _waiting = Waiting::new(&self.waiting);
        let mut stopped = self.stopped.subscribe();
        let mut pause = FIRST_PAUSE;
        let mut tries = 1u64;
        let mut last = first;
        loop {
            if *stopped.borrow_and_update() {
                return Err(RetryError::Stopped(last));
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stopped.changed() => return Err(RetryError::Stopped(last)),
            }
            pause = (pause * 2).min(MAX_PAUSE);
            tries += 1;
            match op() {
                Ok(v) => {
                    tracing::info!(
                        write = what,
                        tries,
                        waited_ms = started.elapsed().as_millis() as u64,
                        "disk space is back: the write went through"
                    );
                    return Ok(v);
                }
                Err(e) if !no_space(&e) => return Err(RetryError::Failed(e)),
                Err(e) => last = e,
            }
        }
    }
}

/// Counts one waiting write for as long as it lives.
struct Waiting<'a>(&'a watch::Sender<usize>);

impl<'a> Waiting<'a> {
    fn new(w: &'a watch::Sender<usize>) -> Self {
        w.send_modify(|n| *n += 1);
        Self(w)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> io::Error {
        io::Error::from_raw_os_error(libc::ENOSPC)
    }

    #[test]
    fn no_space_quota_and_file_size_limit_count_as_full() {
        for errno in [libc::ENOSPC, libc::EDQUOT, libc::EFBIG] {
            assert!(is_no_space(&io::Error::from_raw_os_error(errno)));
        }
        assert!(!is_no_space(&io::Error::from_raw_os_error(libc::EIO)));
        let wrapped = crate::raft::LogStoreError::Io {
            path: "x".into(),
            source: full(),
        };
        assert!(chain_is_no_space(&wrapped));
    }

    #[tokio::test]
    async fn retry_waits_while_full_and_ends_on_stop() {
        let space = DiskSpace::default();
        let mut left = 3;
        let v = space
            .retry("test", is_no_space, || {
                left -= 1;
                if left > 0 {
                    Err(full())
                } else {
                    Ok(7)
                }
            })
            .await
            .expect("succeeds once space is back");
        assert_eq!((v, space.is_full()), (7, false));

        let eio = space
            .retry("test", is_no_space, || {
                Err::<(), _>(io::Error::from_raw_os_error(libc::EIO))
            })
            .await;
        assert!(matches!(eio, Err(RetryError::Failed(_))));

        let waiter = {
            let space = space.clone();
            tokio::spawn(async move { space.retry("test", is_no_space, || Err::<(), _>(full())).await })
        };
        let mut w = space.watch();
        w.wait_for(|n| *n == 1).await.expect("watch");
        assert!(space.is_full());
        space.stop();
        let res = tokio::time::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("stop ends the wait")
            .expect("task");
        assert!(matches!(res, Err(RetryError::Stopped(_))));
        assert!(!space.is_full());
    }
}
