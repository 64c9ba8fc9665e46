//! `wipeWritePerm` and `addWritePerm`: WIPE_WRITE_PERM_OF_BROKER (205) and
//! ADD_WRITE_PERM_OF_BROKER (327) on every name server of `-n`, as Java's tools do, so that
//! producers stop sending to a broker group (and consumers drain it) before maintenance, and
//! send to it again afterwards. The change lasts until the broker's topic configs change.

use broker::remoting::codes::request;
use broker::remoting::headers::{
    AddWritePermResponseHeader, BrokerNameRequestHeader, WipeWritePermResponseHeader,
};
use serde::Serialize;

use super::admin::{request_with, Admin, AdminError};

/// Which way to change the write permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritePerm {
    /// Clear the write bit (`wipeWritePerm`).
    Wipe,
    /// Set read and write (`addWritePerm`).
    Add,
}

/// One name server's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamesrvResult {
    /// Name server address.
    pub namesrv_addr: String,
    /// Topics of the broker name it changed, when it answered.
    pub topic_count: Option<i32>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// What `wipeWritePerm` / `addWritePerm` did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WritePermReport {
    /// The broker group.
    pub broker_name: String,
    /// `wipe` or `add`.
    pub operation: &'static str,
    /// One entry per name server, in `-n` order.
    pub namesrvs: Vec<NamesrvResult>,
}

/// Changes the write permission of `broker_name` on every name server.
///
/// # Errors
/// [`AdminError::NoNamesrv`]; [`AdminError::Invalid`] when the first name server that answers
/// does not know the broker name; [`AdminError::NamesrvUnreachable`] when no name server took
/// the change.
pub async fn write_perm(
    admin: &Admin,
    broker_name: &str,
    op: WritePerm,
) -> Result<WritePermReport, AdminError> {
    let info = admin.cluster_info().await?;
    if !info.broker_addr_table.contains_key(broker_name) {
        return Err(AdminError::Invalid(format!(
            "broker {broker_name} is not registered with the name server"
        )));
    }
    let (code, what) = match op {
        WritePerm::Wipe => (request::WIPE_WRITE_PERM_OF_BROKER, "WIPE_WRITE_PERM_OF_BROKER"),
        WritePerm::Add => (request::ADD_WRITE_PERM_OF_BROKER, "ADD_WRITE_PERM_OF_BROKER"),
    };
    let header = BrokerNameRequestHeader {
        broker_name: broker_name.to_string(),
    };
    let mut namesrvs = Vec::new();
    for addr in &admin.namesrv_addrs {
        let result = match admin.broker(addr, what, request_with(code, &header)).await {
            Ok(resp) => {
                let count = match op {
                    WritePerm::Wipe => resp
                        .decode_header::<WipeWritePermResponseHeader>()
                        .map(|h| h.wipe_topic_count),
                    WritePerm::Add => resp
                        .decode_header::<AddWritePermResponseHeader>()
                        .map(|h| h.add_topic_count),
                };
                match count {
                    Ok(n) => NamesrvResult {
                        namesrv_addr: addr.clone(),
                        topic_count: Some(n),
                        error: None,
                    },
                    Err(e) => NamesrvResult {
                        namesrv_addr: addr.clone(),
                        topic_count: None,
                        error: Some(format!("malformed answer: {e}")),
                    },
                }
            }
            Err(e) => NamesrvResult {
                namesrv_addr: addr.clone(),
                topic_count: None,
                error: Some(e.to_string()),
            },
        };
        namesrvs.push(result);
    }
    if namesrvs.iter().all(|r| r.error.is_some()) {
        return Err(AdminError::NamesrvUnreachable {
            what,
            failures: namesrvs
                .iter()
                .map(|r| format!("{}: {}", r.namesrv_addr, r.error.as_deref().unwrap_or_default()))
                .collect(),
        });
    }
    Ok(WritePermReport {
        broker_name: broker_name.to_string(),
        operation: match op {
            WritePerm::Wipe => "wipe",
            WritePerm::Add => "add",
        },
        namesrvs,
    })
}
