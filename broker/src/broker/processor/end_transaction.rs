//! END_TRANSACTION (37): a producer commits or rolls back a half message, answered as Java's
//! `EndTransactionProcessor` answers (Java clients send it oneway, so the answer matters only
//! to two-way callers and tools). Also the send side of transactions: [`prepare_send`] turns a
//! `TRAN_MSG=true` send into its half message, or refuses it under `rejectTransactionMessage`.
//! The work itself is in [`crate::broker::transaction`].

use crate::broker::put::PutError;
use crate::broker::transaction::{self, EndError, Resolution};
use crate::broker::Broker;
use crate::remoting::codes::response;
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::EndTransactionRequestHeader;
use crate::store::error::StoreError;
use crate::store::format::sys_flag;
use crate::store::message::MessageToStore;

use super::{decode, error};

/// Remark of a half message refused by `rejectTransactionMessage` (Java's).
fn rejected_remark(ip: &str) -> String {
    format!("the broker[{ip}] sending transaction message is forbidden")
}

/// The send hook: a single (not batch) message with `TRAN_MSG=true` is stored as a half
/// message, unless this broker rejects transaction messages (NO_PERMISSION, as Java answers).
///
/// # Errors
/// The NO_PERMISSION response.
#[allow(clippy::result_large_err)]
pub fn prepare_send(
    b: &Broker,
    batch: bool,
    mut msgs: Vec<MessageToStore>,
) -> Result<Vec<MessageToStore>, RemotingCommand> {
    if batch || msgs.len() != 1 || !transaction::is_half_send(&msgs[0].properties) {
        return Ok(msgs);
    }
    if b.cfg.reject_transaction_message {
        return Err(error(response::NO_PERMISSION, rejected_remark(&b.cfg.broker_ip1)));
    }
    let m = msgs.remove(0);
    Ok(vec![transaction::to_half(m)])
}

/// Maps a failed write of the real message as Java's `sendFinalMessage` does.
fn put_error(b: &Broker, e: PutError) -> RemotingCommand {
    const UNAVAILABLE: &str = "Service not available now.";
    match e {
        PutError::NotLeader | PutError::DiskFull => error(response::SERVICE_NOT_AVAILABLE, UNAVAILABLE),
        PutError::Store(
            StoreError::MessageIllegal(_) | StoreError::PropertiesSizeExceeded(_) | StoreError::Malformed(_),
        ) => error(
            response::MESSAGE_ILLEGAL,
            format!(
                "The message is illegal, maybe msg body or properties length not matched. msg body length limit {}B, msg properties length limit 32KB.",
                b.cfg.max_message_size
            ),
        ),
        PutError::Store(e) if e.is_disk_full() => error(response::SERVICE_NOT_AVAILABLE, UNAVAILABLE),
        PutError::Store(e) => error(response::SYSTEM_ERROR, format!("UNKNOWN_ERROR: {e}")),
    }
}

/// Handles END_TRANSACTION. `None` (no answer at all) for a pending (0) resolution, as Java.
pub async fn end_transaction(b: &Broker, req: &RemotingCommand) -> Option<RemotingCommand> {
    let h: EndTransactionRequestHeader = match decode(req) {
        Ok(h) => h,
        Err(e) => return Some(e),
    };
    if b.is_slave() {
        tracing::warn!("Message store is slave mode, so end transaction is forbidden.");
        return Some(RemotingCommand::response(response::SLAVE_NOT_AVAILABLE, None));
    }
    let from_check = h.from_transaction_check.unwrap_or(false);
    let resolution = match h.commit_or_rollback {
        sys_flag::TRANSACTION_COMMIT => Resolution::Commit,
        sys_flag::TRANSACTION_ROLLBACK => Resolution::Rollback,
        0 => {
            tracing::info!(
                group = h.producer_group,
                msg_id = h.msg_id,
                from_check,
                "producer left the transaction pending"
            );
            return None;
        }
        _ => return Some(error(response::SYSTEM_ERROR, "commitOrRollback field wrong")),
    };
    if from_check || resolution == Resolution::Rollback {
        tracing::info!(
            group = h.producer_group,
            msg_id = h.msg_id,
            from_check,
            ?resolution,
            "end transaction"
        );
    }
    let reply = match b
        .end_transaction(
            &h.producer_group,
            h.tran_state_table_offset,
            h.commit_log_offset,
            resolution,
        )
        .await
    {
        // Flush and replication timeouts of the real message still answer SUCCESS (Java).
        Ok(_) => RemotingCommand::success(),
        Err(EndError::Put(e)) => put_error(b, e),
        Err(e) => error(response::SYSTEM_ERROR, e.to_string()),
    };
    Some(reply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remoting::custom_header::{CommandHeader, ExtFields};

    #[test]
    fn java_client_end_transaction_header_decodes() {
        let mut ext = ExtFields::new();
        for (k, v) in [
            ("producerGroup", "PG"),
            ("tranStateTableOffset", "12"),
            ("commitLogOffset", "4096"),
            ("commitOrRollback", "8"),
            ("fromTransactionCheck", "true"),
            ("msgId", "AC1100020001"),
            ("transactionId", "AC1100020001"),
            ("bname", "broker-a"),
        ] {
            ext.insert(k.into(), v.into());
        }
        let h = EndTransactionRequestHeader::decode(&ext).unwrap();
        assert_eq!(
            (
                h.tran_state_table_offset,
                h.commit_log_offset,
                h.commit_or_rollback
            ),
            (12, 4096, 8)
        );
        assert_eq!(h.from_transaction_check, Some(true));
        assert_eq!(EndTransactionRequestHeader::decode(&h.encode()).unwrap(), h);
        ext.remove("commitLogOffset");
        assert!(EndTransactionRequestHeader::decode(&ext).is_err());
    }
}
