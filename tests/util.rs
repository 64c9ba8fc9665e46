//! Helpers shared by the integration tests: running the real `mqadmin` binary and picking ports.

use std::process::Command;

/// The finished `mqadmin` process.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// stdout, as UTF-8.
    pub stdout: String,
    /// stderr, as UTF-8.
    pub stderr: String,
}

/// A `Command` for the `mqadmin` binary under test, with a clean `NAMESRV_ADDR`.
pub fn mqadmin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mqadmin"));
    cmd.env_remove("NAMESRV_ADDR");
    cmd
}

/// Runs `mqadmin` with `args` and collects its output.
pub fn run(args: &[&str]) -> Run {
    run_cmd(mqadmin().args(args))
}

/// Runs a prepared command and collects its output.
pub fn run_cmd(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("failed to start mqadmin");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// A local address nothing listens on: bind port 0, note the port, close the listener.
pub fn closed_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr").to_string();
    drop(listener);
    addr
}
