//! Registration with the name servers: at start, every `registerNameServerPeriod`, and at once
//! after a topic or role change ([`Broker::register_now`]). A slave (or DLedger follower) learns
//! the master's address and HA address from the answer.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::json;
use crate::remoting::body::{register_body_crc32, RegisterBrokerBody};
use crate::remoting::codes::{request, response};
use crate::remoting::headers::{
    RegisterBrokerRequestHeader, RegisterBrokerResponseHeader, UnregisterBrokerRequestHeader,
};
use crate::remoting::RemotingCommand;

use super::Broker;

impl Broker {
    fn register_request(&self) -> RemotingCommand {
        let body = RegisterBrokerBody {
            filter_server_list: vec![],
            topic_config_serialize_wrapper: self.topics.snapshot(),
        };
        let bytes = json::to_vec(&body);
        let h = RegisterBrokerRequestHeader {
            broker_name: self.cfg.broker_name.clone(),
            broker_addr: self.addr(),
            cluster_name: self.cfg.broker_cluster_name.clone(),
            ha_server_addr: self.cfg.ha_server_addr(),
            broker_id: self.broker_id.load(Ordering::Acquire),
            compressed: Some(false),
            body_crc32: Some(register_body_crc32(&bytes)),
        };
        RemotingCommand::request(request::REGISTER_BROKER, &h).with_body(bytes)
    }

    /// Registers with every name server (concurrently); remembers the master for slaves. A
    /// DLedger node that does not know its role yet (BID -1, as Java starts it) does not
    /// register.
    pub async fn register_all(&self) {
        let _one_at_a_time = self.register_lock.lock().await;
        if self.broker_id.load(Ordering::Acquire) == -1 {
            return;
        }
        let timeout = Duration::from_millis(self.cfg.register_broker_timeout_mills);
        let req = self.register_request();
        let calls = self.cfg.namesrv_addrs().into_iter().map(|ns| {
            let req = req.clone();
            async move { (ns.clone(), self.client.invoke(&ns, req, timeout).await) }
        });
        for (ns, res) in futures::future::join_all(calls).await {
            match res {
                Ok(resp) if resp.code == response::SUCCESS => {
                    if let Ok(h) = resp.decode_header::<RegisterBrokerResponseHeader>() {
                        if let Some(m) = h.master_addr.filter(|m| !m.is_empty()) {
                            *self.master_addr.lock().unwrap_or_else(|p| p.into_inner()) = Some(m);
                        }
                        if let Some(ha) = h.ha_server_addr.filter(|m| !m.is_empty()) {
                            *self.ha.master_ha_addr.lock().unwrap_or_else(|p| p.into_inner()) = Some(ha);
                        }
                    }
                }
                Ok(resp) => {
                    tracing::warn!(%ns, code = resp.code, remark = ?resp.remark, "register broker refused")
                }
                Err(e) => tracing::warn!(%ns, "register broker failed: {e}"),
            }
        }
    }

    pub(super) async fn unregister_all(&self) {
        let h = UnregisterBrokerRequestHeader {
            broker_name: self.cfg.broker_name.clone(),
            broker_addr: self.addr(),
            cluster_name: self.cfg.broker_cluster_name.clone(),
            broker_id: self.broker_id.load(Ordering::Acquire),
        };
        for ns in self.cfg.namesrv_addrs() {
            let req = RemotingCommand::request(request::UNREGISTER_BROKER, &h);
            let _ = self.client.invoke(&ns, req, Duration::from_secs(3)).await;
        }
    }
}
