//! [`RemoteNode`]: a node on another machine, reached through its node agent (`mqagent`, see
//! [`broker::agent`]). It implements [`NodeStore`] and [`NodeAdmin`] over HTTP, so
//! `verify-commitlog` and `upgrade-group` treat it like a local store: md5s are computed by the
//! agent on its machine (nothing is downloaded to compare). A copy between two agents is pulled
//! by the destination's agent from the source's ([`RemoteNode::pull_from`]); a copy between this
//! machine and an agent goes through `mqadmin` in chunks, each upload resumed from the
//! destination's length after a broken connection. Either way the destination is md5-verified.
//!
//! The traits are synchronous and are called from inside `mqadmin`'s async commands, so requests
//! run on a small runtime of their own (one for the process, never dropped) and the calling
//! thread waits on a channel: no runtime is started or dropped inside another.
//!
//! A node is named `agent://HOST:PORT/BROKER`, BROKER being the name the agent serves the broker
//! under (`mqagent --broker BROKER=CONFIG`). It is reached at `http://HOST:PORT`, or at
//! `https://HOST:PORT` when `mqadmin` is given a trust for agents ([`AgentTrust`]: a CA file or
//! pinned certificate fingerprints); a pull between two agents carries that trust to the
//! pulling agent.

use std::future::Future;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use broker::agent::api::{self, BackupInfo, BrokerInfo, FileEntry, FileStat, PortInfo, ProcessInfo};
use broker::agent::tls::AgentTrust;
use broker::store::format::file_name_to_offset;
use serde::de::DeserializeOwned;

use super::error::NodeError;
use super::store::{Area, CommitLogFile, LockState, NodeAdmin, NodeStore, RangeDigest, StoreFile};

/// The prefix of a node served by an agent.
pub const SCHEME: &str = "agent://";
/// The environment variable holding the agents' token (when no `--token-file` is given).
pub const TOKEN_ENV: &str = "MQADMIN_AGENT_TOKEN";
/// How often an interrupted upload is resumed before the copy fails.
const UPLOAD_ATTEMPTS: usize = 3;
/// Timeout of one request (a whole-file md5 of a 1 GiB commitlog takes a few seconds).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(600);

/// Whether a NODE argument names an agent node.
pub fn is_remote(spec: &str) -> bool {
    spec.starts_with(SCHEME)
}

/// The runtime agent requests run on, started on first use and kept for the life of the process.
fn runtime() -> Result<&'static tokio::runtime::Runtime, String> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("mqadmin-agent")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A broker served by a node agent.
#[derive(Debug, Clone)]
pub struct RemoteNode {
    spec: String,
    spec_path: PathBuf,
    base: String,
    broker: String,
    token: String,
    trust: AgentTrust,
    client: reqwest::Client,
    info: BrokerInfo,
}

impl RemoteNode {
    /// Parses `agent://HOST:PORT/BROKER` and asks the agent about the broker, over TLS verified
    /// by `trust` unless it is [`AgentTrust::Plain`].
    ///
    /// # Errors
    /// [`NodeError::Agent`] for a malformed spec, a missing token, an unreachable agent, a
    /// certificate that fails `trust` (refused in the handshake: the token is not sent), a
    /// wrong token or an unknown broker.
    pub fn open(spec: &str, token: Option<&str>, trust: &AgentTrust) -> Result<Self, NodeError> {
        let fail = |message: String| NodeError::Agent {
            node: spec.to_owned(),
            what: "open".into(),
            message,
        };
        let rest = spec
            .strip_prefix(SCHEME)
            .ok_or_else(|| fail(format!("a remote node is {SCHEME}HOST:PORT/BROKER")))?;
        let Some((host, broker)) = rest
            .split_once('/')
            .filter(|(h, b)| !h.is_empty() && !b.is_empty())
        else {
            return Err(fail(format!(
                "a remote node is {SCHEME}HOST:PORT/BROKER, not `{spec}`"
            )));
        };
        let token = token.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
            fail(format!(
                "no agent token: pass --token-file FILE or set {TOKEN_ENV}"
            ))
        })?;
        let client =
            broker::agent::client::http_client(REQUEST_TIMEOUT, trust).map_err(|e| fail(e.to_string()))?;
        let mut node = Self {
            spec: spec.to_owned(),
            spec_path: PathBuf::from(spec),
            base: format!("{}://{host}", trust.scheme()),
            broker: broker.to_owned(),
            token: token.trim().to_owned(),
            trust: trust.clone(),
            client,
            info: BrokerInfo {
                name: broker.to_owned(),
                config: PathBuf::new(),
                store_root: PathBuf::new(),
                commitlog_dir: PathBuf::new(),
                lock_file: PathBuf::new(),
                locked: false,
                free_space: 0,
            },
        };
        node.info = node.fetch_info().map_err(|e| transport_hint(e, trust))?;
        Ok(node)
    }

    fn fetch_info(&self) -> Result<BrokerInfo, NodeError> {
        self.get_json("", &[], "broker info")
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/v1/brokers/{}{tail}", self.base, self.broker)
    }

    fn err(&self, what: &str, message: impl Into<String>) -> NodeError {
        NodeError::Agent {
            node: self.spec.clone(),
            what: what.to_owned(),
            message: message.into(),
        }
    }

    /// Runs `fut` on the agent runtime and waits for it from this (synchronous) thread.
    fn block<T: Send + 'static>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, String>> + Send + 'static,
    ) -> Result<T, NodeError> {
        let rt = runtime().map_err(|e| self.err(what, e))?;
        let (tx, rx) = std::sync::mpsc::channel();
        rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv()
            .map_err(|_| self.err(what, "the request task failed"))?
            .map_err(|e| self.err(what, e))
    }

    /// Runs `fut` on the agent runtime from async code (any runtime).
    async fn run<T: Send + 'static>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, String>> + Send + 'static,
    ) -> Result<T, NodeError> {
        let rt = runtime().map_err(|e| self.err(what, e))?;
        rt.spawn(fut)
            .await
            .map_err(|_| self.err(what, "the request task failed"))?
            .map_err(|e| self.err(what, e))
    }

    fn request(
        &self,
        method: reqwest::Method,
        tail: &str,
        query: &[(&str, String)],
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(tail))
            .bearer_auth(&self.token)
            .query(query)
    }

    fn get_json<T: DeserializeOwned + Send + 'static>(
        &self,
        tail: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<T, NodeError> {
        let req = self.request(reqwest::Method::GET, tail, query);
        self.block(what, async move { json(send(req).await?).await })
    }

    fn send_json<T: DeserializeOwned + Send + 'static>(
        &self,
        method: reqwest::Method,
        tail: &str,
        query: &[(&str, String)],
        body: Vec<u8>,
        what: &str,
    ) -> Result<T, NodeError> {
        let req = self.request(method, tail, query).body(body);
        self.block(what, async move { json(send(req).await?).await })
    }

    fn send_empty(
        &self,
        method: reqwest::Method,
        tail: &str,
        query: &[(&str, String)],
        body: Vec<u8>,
        what: &str,
    ) -> Result<(), NodeError> {
        let req = self.request(method, tail, query).body(body);
        self.block(what, async move { send(req).await.map(drop) })
    }

    fn get_bytes(&self, tail: &str, query: &[(&str, String)], what: &str) -> Result<Vec<u8>, NodeError> {
        let req = self.request(reqwest::Method::GET, tail, query);
        self.block(what, async move {
            let resp = send(req).await?;
            resp.bytes().await.map(|b| b.to_vec()).map_err(|e| e.to_string())
        })
    }

    fn area_query(area: Area, rel: &str) -> Vec<(&'static str, String)> {
        vec![
            ("area", wire_area(area).as_str().to_owned()),
            ("path", rel.to_owned()),
        ]
    }

    fn range_digest(&self, area: Area, rel: &str, range: Range<u64>) -> Result<RangeDigest, NodeError> {
        let mut q = Self::area_query(area, rel);
        q.push(("start", range.start.to_string()));
        q.push(("end", range.end.to_string()));
        let what = format!("md5 of {} {rel}", wire_area(area).as_str());
        let d: api::Digest = self.get_json("/md5", &q, &what)?;
        let mut md5 = [0u8; 16];
        hex::decode_to_slice(&d.md5, &mut md5)
            .map_err(|e| self.err(&what, format!("bad md5 `{}`: {e}", d.md5)))?;
        Ok(RangeDigest {
            md5,
            len: d.len,
            first_nonzero: d.first_nonzero,
            data_end: d.data_end,
        })
    }

    fn stat(&self, area: Area, rel: &str) -> Result<Option<u64>, NodeError> {
        let q = Self::area_query(area, rel);
        let req = self.request(reqwest::Method::GET, "/stat", &q);
        self.block("stat", async move {
            let resp = req.send().await.map_err(|e| e.to_string())?;
            if resp.status() == reqwest::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            json::<FileStat>(check(resp).await?).await.map(|s| Some(s.size))
        })
    }

    /// The process state of the broker on the agent's machine.
    ///
    /// # Errors
    /// [`NodeError::Agent`].
    pub async fn process(&self) -> Result<ProcessInfo, NodeError> {
        let req = self.request(reqwest::Method::GET, "/process", &[]);
        self.run("process status", async move { json(send(req).await?).await })
            .await
    }

    /// Starts the broker through the agent (its configured start only).
    ///
    /// # Errors
    /// [`NodeError::Agent`]: already running, the binary missing, an early exit.
    pub async fn start(&self) -> Result<ProcessInfo, NodeError> {
        let req = self.request(reqwest::Method::POST, "/start", &[]);
        self.run("start", async move { json(send(req).await?).await })
            .await
    }

    /// Stops the broker through the agent (SIGTERM, SIGKILL after `grace`; or its stop command).
    ///
    /// # Errors
    /// [`NodeError::Agent`]: the store stays locked, the stop command failed.
    pub async fn stop(&self, grace: Duration) -> Result<ProcessInfo, NodeError> {
        let req = self
            .request(
                reqwest::Method::POST,
                "/stop",
                &[("timeout_secs", grace.as_secs().to_string())],
            )
            .timeout(grace + Duration::from_secs(30));
        self.run("stop", async move { json(send(req).await?).await })
            .await
    }

    /// Has this node's agent fetch `range` of file `src_rel` from `src`'s agent directly (the bytes do
    /// not pass through `mqadmin`), write it at the same offsets of `rel` and set its length to
    /// `len`; `rate` limits it to bytes per second. Returns the md5 of the bytes received and
    /// their number.
    ///
    /// # Errors
    /// [`NodeError::Agent`]: either agent refused, or the download broke more often than the
    /// agent resumes it.
    #[allow(clippy::too_many_arguments)]
    pub fn pull_from(
        &self,
        src: &RemoteNode,
        area: Area,
        src_rel: &str,
        rel: &str,
        range: Range<u64>,
        len: u64,
        rate: Option<u64>,
    ) -> Result<([u8; 16], u64), NodeError> {
        let mut q = Self::area_query(area, rel);
        q.push(("start", range.start.to_string()));
        q.push(("end", range.end.to_string()));
        q.push(("len", len.to_string()));
        q.push(("source", src.base.clone()));
        q.push(("source_broker", src.broker.clone()));
        q.push(("source_path", src_rel.to_owned()));
        if let Some(rate) = rate {
            q.push(("rate", rate.to_string()));
        }
        let what = format!("pull of {rel} from {}", src.spec);
        // The pulling agent verifies the source agent as this process does.
        let trust = match src.trust {
            AgentTrust::Plain => Vec::new(),
            ref t => serde_json::to_vec(t).map_err(|e| self.err(&what, e.to_string()))?,
        };
        let p: api::Pulled = self.send_json(reqwest::Method::POST, "/pull", &q, trust, &what)?;
        let mut md5 = [0u8; 16];
        hex::decode_to_slice(&p.md5, &mut md5)
            .map_err(|e| self.err(&what, format!("bad md5 `{}`: {e}", p.md5)))?;
        Ok((md5, p.len))
    }

    /// The broker's config file on the agent's machine.
    pub fn remote_config(&self) -> &Path {
        &self.info.config
    }

    /// The text of the broker's plain_acl.yml on the agent's machine (the file its config
    /// names), `None` when the file does not exist.
    ///
    /// # Errors
    /// [`NodeError::Agent`]: the config names no ACL file, a path outside the agent's roots.
    pub fn read_acl(&self) -> Result<Option<String>, NodeError> {
        let req = self.request(reqwest::Method::GET, "/acl", &[]);
        self.block("read ACL file", async move {
            let resp = req.send().await.map_err(|e| e.to_string())?;
            if resp.status() == reqwest::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            check(resp)
                .await?
                .text()
                .await
                .map(Some)
                .map_err(|e| e.to_string())
        })
    }

    /// Writes the broker's plain_acl.yml on the agent's machine (where its config names it).
    ///
    /// # Errors
    /// [`NodeError::Agent`]: the text does not parse, no ACL path, a path outside the roots.
    pub fn write_acl(&self, text: &str) -> Result<(), NodeError> {
        self.send_empty(
            reqwest::Method::PUT,
            "/acl",
            &[],
            text.as_bytes().to_vec(),
            "write ACL file",
        )
    }

    /// Whether this agent is reached over plain HTTP on an address other than loopback: then
    /// the token and the store's bytes cross the network in clear text (an agent started with
    /// `--allow-remote` and without `--tls-cert`).
    pub fn plain_over_network(&self) -> bool {
        !self.trust.is_tls() && !is_loopback_url(&self.base)
    }
}

/// A first request that failed because the two sides disagree on TLS gets a hint saying so.
fn transport_hint(e: NodeError, trust: &AgentTrust) -> NodeError {
    let NodeError::Agent { node, what, message } = e else {
        return e;
    };
    let hint = if !trust.is_tls() && message.contains("invalid HTTP version") {
        "; the agent seems to serve TLS: pass --agent-ca or --agent-fingerprint"
    } else if trust.is_tls()
        && (message.contains("corrupt message") || message.contains("InvalidContentType"))
    {
        "; the agent seems to serve plain HTTP (no --tls-cert)"
    } else {
        ""
    };
    NodeError::Agent {
        node,
        what,
        message: format!("{message}{hint}"),
    }
}

/// Whether `base` (`http://HOST:PORT`) names this machine by a loopback address or `localhost`.
fn is_loopback_url(base: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(base) else {
        return false;
    };
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn wire_area(area: Area) -> api::Area {
    match area {
        Area::CommitLog => api::Area::CommitLog,
        Area::Root => api::Area::Root,
    }
}

/// Fails on a non-2xx answer with the agent's error message.
async fn check(resp: reqwest::Response) -> Result<reqwest::Response, String> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let text = resp.text().await.unwrap_or_default();
    let message = serde_json::from_str::<api::ErrorBody>(&text).map_or(text, |b| b.error);
    Err(format!("{status}: {message}"))
}

async fn send(req: reqwest::RequestBuilder) -> Result<reqwest::Response, String> {
    let resp = req.send().await.map_err(|e| {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        message
    })?;
    check(resp).await
}

async fn json<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, String> {
    resp.json::<T>().await.map_err(|e| format!("bad answer: {e}"))
}

impl NodeStore for RemoteNode {
    fn name(&self) -> &str {
        &self.spec
    }

    fn commitlog_dir(&self) -> &Path {
        &self.info.commitlog_dir
    }

    fn list_files(&self) -> Result<Vec<CommitLogFile>, NodeError> {
        let entries: Vec<FileEntry> =
            self.get_json("/tree", &Self::area_query(Area::CommitLog, ""), "list commitlog")?;
        let mut files: Vec<(u64, CommitLogFile)> = entries
            .into_iter()
            .filter(|e| !e.rel.contains('/'))
            .filter_map(|e| {
                file_name_to_offset(&e.rel).map(|o| {
                    (
                        o,
                        CommitLogFile {
                            name: e.rel,
                            size: e.size,
                        },
                    )
                })
            })
            .collect();
        files.sort_by_key(|(o, _)| *o);
        Ok(files.into_iter().map(|(_, f)| f).collect())
    }

    fn digest(
        &self,
        name: &str,
        range: Range<u64>,
        progress: &dyn Fn(u64),
    ) -> Result<RangeDigest, NodeError> {
        let d = self.range_digest(Area::CommitLog, name, range)?;
        progress(d.len);
        Ok(d)
    }

    fn read_range(&self, name: &str, range: Range<u64>) -> Result<Vec<u8>, NodeError> {
        self.read_file(Area::CommitLog, name, range)
    }

    fn lock_state(&self) -> Result<Option<LockState>, NodeError> {
        let info = self.fetch_info()?;
        Ok(Some(LockState {
            path: info.lock_file,
            locked: info.locked,
        }))
    }
}

impl NodeAdmin for RemoteNode {
    fn config_path(&self) -> &Path {
        &self.spec_path
    }

    fn store_root(&self) -> &Path {
        &self.info.store_root
    }

    fn list_tree(&self, area: Area, sub: &str) -> Result<Vec<StoreFile>, NodeError> {
        let entries: Vec<FileEntry> = self.get_json("/tree", &Self::area_query(area, sub), "list")?;
        Ok(entries
            .into_iter()
            .map(|e| StoreFile {
                rel: e.rel,
                size: e.size,
                mtime_ns: e.mtime_ns,
            })
            .collect())
    }

    fn digest_file(&self, area: Area, rel: &str, range: Range<u64>) -> Result<RangeDigest, NodeError> {
        self.range_digest(area, rel, range)
    }

    fn read_file(&self, area: Area, rel: &str, range: Range<u64>) -> Result<Vec<u8>, NodeError> {
        let mut q = Self::area_query(area, rel);
        q.push(("start", range.start.to_string()));
        q.push(("end", range.end.to_string()));
        self.get_bytes("/file", &q, &format!("download of {rel}"))
    }

    /// Uploads `data` at `offset`; after a failed attempt the destination's length says how much
    /// arrived, and the upload continues from there.
    fn write_file(&self, area: Area, rel: &str, offset: u64, data: &[u8]) -> Result<(), NodeError> {
        let end = offset + data.len() as u64;
        let mut sent = 0usize;
        let mut attempt = 0;
        loop {
            let mut q = Self::area_query(area, rel);
            q.push(("offset", (offset + sent as u64).to_string()));
            let what = format!("upload of {rel}");
            match self.send_json::<FileStat>(reqwest::Method::PUT, "/file", &q, data[sent..].to_vec(), &what)
            {
                Ok(_) => return Ok(()),
                Err(e) if attempt + 1 < UPLOAD_ATTEMPTS => {
                    attempt += 1;
                    // Resume from what the agent holds (when it lies inside this chunk).
                    sent = match self.stat(area, rel) {
                        Ok(Some(size)) if size > offset && size <= end => (size - offset) as usize,
                        Ok(_) => 0,
                        Err(_) => return Err(e),
                    };
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn finish_file(&self, area: Area, rel: &str, len: u64) -> Result<(), NodeError> {
        let mut q = Self::area_query(area, rel);
        q.push(("len", len.to_string()));
        self.send_empty(
            reqwest::Method::POST,
            "/finish",
            &q,
            Vec::new(),
            &format!("finish of {rel}"),
        )
    }

    fn rename_file(&self, area: Area, from: &str, to: &str) -> Result<(), NodeError> {
        let q = vec![
            ("area", wire_area(area).as_str().to_owned()),
            ("from", from.to_owned()),
            ("to", to.to_owned()),
        ];
        self.send_empty(
            reqwest::Method::POST,
            "/rename",
            &q,
            Vec::new(),
            &format!("rename of {from}"),
        )
    }

    fn remove(&self, area: Area, rel: &str) -> Result<(), NodeError> {
        self.send_empty(
            reqwest::Method::DELETE,
            "/file",
            &Self::area_query(area, rel),
            Vec::new(),
            &format!("removal of {rel}"),
        )
    }

    fn read_config(&self) -> Result<String, NodeError> {
        let bytes = self.get_bytes("/config", &[], "read config")?;
        String::from_utf8(bytes).map_err(|e| self.err("read config", e.to_string()))
    }

    fn write_config(&self, text: &str) -> Result<(), NodeError> {
        self.send_empty(
            reqwest::Method::PUT,
            "/config",
            &[],
            text.as_bytes().to_vec(),
            "write config",
        )
    }

    fn backup_config(&self, suffix: &str) -> Result<PathBuf, NodeError> {
        let info: BackupInfo = self.send_json(
            reqwest::Method::POST,
            "/config/backup",
            &[("suffix", suffix.to_owned())],
            Vec::new(),
            "back up config",
        )?;
        Ok(info.backup)
    }

    fn restore_config(&self, backup: &Path) -> Result<(), NodeError> {
        self.send_empty(
            reqwest::Method::POST,
            "/config/restore",
            &[("backup", backup.display().to_string())],
            Vec::new(),
            "restore config",
        )
    }

    fn free_space(&self) -> Result<u64, NodeError> {
        Ok(self.fetch_info()?.free_space)
    }

    fn read_config_backup(&self, backup: &Path) -> Result<String, NodeError> {
        let bytes = self.get_bytes(
            "/config",
            &[("backup", backup.display().to_string())],
            "read config backup",
        )?;
        String::from_utf8(bytes).map_err(|e| self.err("read config backup", e.to_string()))
    }

    fn port_free(&self, port: u16) -> Result<bool, NodeError> {
        let req = self
            .client
            .get(format!("{}/v1/ports/{port}", self.base))
            .bearer_auth(&self.token);
        let info: PortInfo = self.block("port check", async move { json(send(req).await?).await })?;
        Ok(info.free)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_are_told_from_network_ones() {
        for base in [
            "http://127.0.0.1:10990",
            "http://127.3.4.5:1",
            "http://[::1]:10990",
            "http://localhost:1",
        ] {
            assert!(is_loopback_url(base), "{base}");
        }
        for base in [
            "http://10.0.0.5:10990",
            "http://host1:10990",
            "http://[fe80::1]:1",
            "not a url",
        ] {
            assert!(!is_loopback_url(base), "{base}");
        }
    }
}
