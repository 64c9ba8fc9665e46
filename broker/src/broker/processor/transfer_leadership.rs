//! TRANSFER_LEADERSHIP (ours, 9002): moves a DLedger group's leadership on demand, for
//! `mqadmin transfer-leader`. Java has no such request (its DLedger moves leadership only
//! towards `preferredLeaderId`); this one gives the operator the same hand-over a SIGTERM of
//! the leader does, with a chosen target, and refuses a target that is down or behind.

use crate::broker::dledger::TransferError;
use crate::broker::Broker;
use crate::json;
use crate::remoting::body_replica::TransferLeadership;
use crate::remoting::codes::response;
use crate::remoting::command::RemotingCommand;

use super::{error, Reply};

/// Ext field naming the target (`nX`); absent: the most up-to-date follower.
pub const TARGET_FIELD: &str = "targetId";
/// Ext field: `true` only checks and names the target.
pub const DRY_RUN_FIELD: &str = "dryRun";

/// TRANSFER_LEADERSHIP.
pub async fn transfer_leadership(b: &Broker, req: &RemotingCommand) -> Reply {
    let Some(d) = b.dledger.get() else {
        return Err(error(
            response::SYSTEM_ERROR,
            "this broker is not in DLedger mode (enableDLegerCommitLog=false)",
        ));
    };
    let target = match req.ext_fields.get(TARGET_FIELD).map(|s| s.trim()) {
        None | Some("") => None,
        Some(t) => match crate::raft::node_id_from_self_id(t) {
            Some(id) => Some(id),
            None => {
                return Err(error(
                    response::SYSTEM_ERROR,
                    format!("{TARGET_FIELD} {t:?} is not a dLegerSelfId (a letter and digits, e.g. n1)"),
                ))
            }
        },
    };
    let dry_run = req
        .ext_fields
        .get(DRY_RUN_FIELD)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    match d.transfer_leadership(target, dry_run).await {
        Ok(to) => {
            let body = TransferLeadership {
                from: format!("n{}", d.node.id()),
                to: format!("n{to}"),
                dry_run,
            };
            Ok(RemotingCommand::success().with_body(json::to_vec(&body)))
        }
        Err(e @ TransferError::NotLeader) => {
            let leader = d.node.current_leader().and_then(|(_, a)| a);
            Err(error(
                response::SERVICE_NOT_AVAILABLE,
                match leader {
                    Some(a) => format!("{e}; the DLedger leader is at {a}"),
                    None => e.to_string(),
                },
            ))
        }
        Err(e) => Err(error(response::SYSTEM_ERROR, e.to_string())),
    }
}
