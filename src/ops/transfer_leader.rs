//! `transfer-leader`: asks a DLedger group's leader (its BID 0 at the name server) to hand its
//! leadership to another member with TRANSFER_LEADERSHIP (9002, ours), then waits until the
//! name server lists the new BID 0. The leader checks the target: one that is down (no answer
//! for a lease) or does not catch up once writes stop is refused, and the refusal's reason is
//! this command's error (exit 1).

use std::time::{Duration, Instant};

use broker::remoting::body_replica::TransferLeadership;
use broker::remoting::codes::{request, response};
use broker::remoting::RemotingCommand;
use serde::Serialize;

use super::admin::{decode_json, Admin, AdminError};

/// How long the broker may take: a drain of up to 2 s, then the hand-over (about a lease and a
/// half).
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(15);
/// How long to wait for the name server to list the new BID 0.
const REGISTER_WAIT: Duration = Duration::from_secs(10);

/// What to move.
#[derive(Debug, Clone)]
pub struct TransferOptions {
    /// The broker group (`brokerName`).
    pub broker_name: String,
    /// The target's `dLegerSelfId` (`nX`); `None`: the leader picks its most up-to-date follower.
    pub to: Option<String>,
    /// Only check and name the target.
    pub dry_run: bool,
}

/// What happened.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferReport {
    /// The broker group.
    pub broker_name: String,
    /// The old leader's self id.
    pub from: String,
    /// Its broker address.
    pub from_addr: String,
    /// The new (with `dry_run`: the chosen) leader's self id.
    pub to: String,
    /// The new BID 0 address at the name server; `None` with `dry_run` or when it did not
    /// register within 10 s.
    pub to_addr: Option<String>,
    /// Nothing was moved.
    pub dry_run: bool,
}

/// Whether `id` looks like a `dLegerSelfId`: a letter followed by digits.
fn is_self_id(id: &str) -> bool {
    let mut c = id.chars();
    c.next().is_some_and(|f| f.is_ascii_alphabetic()) && id.len() > 1 && c.all(|d| d.is_ascii_digit())
}

async fn bid0(admin: &Admin, name: &str) -> Result<Option<String>, AdminError> {
    let info = admin.cluster_info().await?;
    let group = info
        .broker_addr_table
        .get(name)
        .ok_or_else(|| AdminError::Invalid(format!("broker group {name} not found")))?;
    Ok(group.broker_addrs.get(&0).cloned())
}

/// Moves the leadership of `opts.broker_name`.
///
/// # Errors
/// [`AdminError::Invalid`] for an unknown group, a group without a leader, a bad target id, a
/// broker that does not know the request, or the leader's refusal (target down or behind);
/// other variants when the name server or the broker cannot be reached.
pub async fn transfer_leader(admin: &Admin, opts: &TransferOptions) -> Result<TransferReport, AdminError> {
    let name = opts.broker_name.trim();
    if let Some(t) = &opts.to {
        if !is_self_id(t) {
            return Err(AdminError::Invalid(format!(
                "--to {t:?} is not a dLegerSelfId (a letter followed by digits, e.g. n1)"
            )));
        }
    }
    let leader = bid0(admin, name).await?.ok_or_else(|| {
        AdminError::Invalid(format!(
            "broker group {name} has no BID 0 at the name server (no leader right now)"
        ))
    })?;
    let mut req = RemotingCommand::request_empty(request::TRANSFER_LEADERSHIP);
    if let Some(t) = &opts.to {
        req.ext_fields.insert("targetId".into(), t.clone());
    }
    if opts.dry_run {
        req.ext_fields.insert("dryRun".into(), "true".into());
    }
    let resp = admin.client.invoke(&leader, req, TRANSFER_TIMEOUT).await?;
    let remark = resp.remark.clone().unwrap_or_default();
    let body: TransferLeadership = match resp.code {
        response::SUCCESS => decode_json(&leader, "TransferLeadership", &resp.body)?,
        response::REQUEST_CODE_NOT_SUPPORTED => {
            return Err(AdminError::Invalid(format!(
                "the broker at {leader} does not support TRANSFER_LEADERSHIP (9002): {remark}"
            )))
        }
        _ => {
            return Err(AdminError::Invalid(format!(
                "the leader of {name} at {leader} refused: {remark}"
            )))
        }
    };
    let mut to_addr = None;
    if !body.dry_run {
        let deadline = Instant::now() + REGISTER_WAIT;
        while Instant::now() < deadline {
            if let Ok(Some(a)) = bid0(admin, name).await {
                if a != leader {
                    to_addr = Some(a);
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(TransferReport {
        broker_name: name.to_owned(),
        from: body.from,
        from_addr: leader,
        to: body.to,
        to_addr,
        dry_run: body.dry_run,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_ids() {
        assert!(is_self_id("n1"));
        assert!(is_self_id("a10"));
        assert!(!is_self_id("n"));
        assert!(!is_self_id("1"));
        assert!(!is_self_id("n1x"));
    }
}
