//! The exit-code contract: 0 success, 1 a check failed or the input was wrong, 2 an error.
//!
//! clap itself exits 2 on bad usage, which matches. A broken pipe on stdout is not an error and
//! exits 0 (see `main.rs`).

/// How a command ended, as reported to the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything worked.
    Success = 0,
    /// A check failed or the input was wrong (e.g. a broker did not answer `clusterList`).
    Failure = 1,
    /// An unexpected error (e.g. no name server reachable).
    Error = 2,
}

impl ExitStatus {
    /// The more severe of two statuses, for commands that run several steps.
    pub fn max(self, other: Self) -> Self {
        if (other as u8) > (self as u8) {
            other
        } else {
            self
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status as u8)
    }
}

/// Whether an error chain was caused by writing to a closed pipe (`mqadmin … | head`), which
/// should end the process quietly with status 0.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The exit status of a failed command: 1 when the chain holds an error that means the input was
/// wrong or names something that does not exist (unknown topic or cluster, malformed message
/// id), else 2.
pub fn status_of(err: &anyhow::Error) -> ExitStatus {
    let failure = err.chain().any(|cause| {
        cause
            .downcast_ref::<crate::ops::admin::AdminError>()
            .is_some_and(crate::ops::admin::AdminError::is_failure)
            || cause
                .downcast_ref::<crate::ops::verify_commitlog::VerifyError>()
                .is_some_and(crate::ops::verify_commitlog::VerifyError::is_refusal)
            || cause
                .downcast_ref::<crate::ops::upgrade_group::UpgradeError>()
                .is_some_and(crate::ops::upgrade_group::UpgradeError::is_refusal)
    });
    if failure {
        ExitStatus::Failure
    } else {
        ExitStatus::Error
    }
}
