//! Request dispatch of the name server: one function per request code over [`RouteInfo`].
//!
//! Handlers return `Result<response, error response>` so `?` works on decoding; both sides are
//! responses of the same size, hence the allowed lint.
#![allow(clippy::result_large_err)]

use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::json;
use crate::remoting::body::{register_body_crc32, DataVersion, RegisterBrokerBody};
use crate::remoting::codes::{request, response, FAQ_SUFFIX};
use crate::remoting::command::RemotingCommand;
use crate::remoting::custom_header::{CommandHeader, HeaderError};
use crate::remoting::headers::{
    AddWritePermResponseHeader, BrokerNameRequestHeader, DeleteTopicRequestHeader, GetRouteInfoRequestHeader,
    RegisterBrokerRequestHeader, RegisterBrokerResponseHeader, UnregisterBrokerRequestHeader,
    WipeWritePermResponseHeader,
};
use crate::remoting::server::{not_supported, ConnContext, RequestHandler};

use super::route_info::{Registration, RouteInfo};

/// The extension field in which 5.x brokers and clients name their zone (Java's
/// `MixAll.ZONE_NAME`).
pub const ZONE_NAME_FIELD: &str = "__ZONE_NAME";

/// The name server's request handler.
#[derive(Debug, Default, Clone)]
pub struct NamesrvProcessor {
    /// Route tables, shared with the expiry scanner.
    pub routes: Arc<Mutex<RouteInfo>>,
    /// `rocketmq_rpc_latency`, when the exporter is on.
    pub rpc: Option<crate::metrics::rpc::RpcLatency>,
}

fn header_error(e: HeaderError) -> RemotingCommand {
    RemotingCommand::response(response::SYSTEM_ERROR, Some(e.to_string()))
}

fn decode<H: CommandHeader>(req: &RemotingCommand) -> Result<H, RemotingCommand> {
    req.decode_header().map_err(header_error)
}

impl NamesrvProcessor {
    fn routes(&self) -> std::sync::MutexGuard<'_, RouteInfo> {
        // A panic while holding the lock would be a bug; keep serving with the data as it is.
        self.routes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn register_broker(
        &self,
        ctx: &ConnContext,
        req: &RemotingCommand,
    ) -> Result<RemotingCommand, RemotingCommand> {
        let h: RegisterBrokerRequestHeader = decode(req)?;
        let crc = h.body_crc32.unwrap_or(0);
        if crc != 0 && register_body_crc32(&req.body) != crc {
            tracing::warn!(peer = %ctx.peer, "register broker: body crc32 mismatch");
            return Err(RemotingCommand::response(
                response::SYSTEM_ERROR,
                Some("crc32 not match".into()),
            ));
        }
        let topics = if req.body.is_empty() {
            Default::default()
        } else if req.version < 37 {
            // Very old senders put a bare TopicConfigSerializeWrapper in the body.
            json::from_slice(&req.body)
                .map_err(|e| RemotingCommand::response(response::SYSTEM_ERROR, Some(e.to_string())))?
        } else {
            RegisterBrokerBody::decode(&req.body, h.compressed.unwrap_or(false))
                .map_err(|e| RemotingCommand::response(response::SYSTEM_ERROR, Some(e.to_string())))?
                .topic_config_serialize_wrapper
        };
        let res = self.routes().register(
            Registration {
                cluster: h.cluster_name,
                broker_addr: h.broker_addr,
                broker_name: h.broker_name,
                broker_id: h.broker_id,
                ha_server_addr: h.ha_server_addr,
                topics,
                conn_id: ctx.id,
                enable_acting_master: req
                    .ext_fields
                    .get("enableActingMaster")
                    .map(|v| v.trim().eq_ignore_ascii_case("true")),
                zone_name: req
                    .ext_fields
                    .get(ZONE_NAME_FIELD)
                    .filter(|z| !z.trim().is_empty())
                    .cloned(),
            },
            Instant::now(),
        );
        Ok(
            RemotingCommand::success().with_header(&RegisterBrokerResponseHeader {
                ha_server_addr: res.ha_server_addr,
                master_addr: res.master_addr,
            }),
        )
    }

    fn dispatch(&self, ctx: &ConnContext, req: &RemotingCommand) -> Result<RemotingCommand, RemotingCommand> {
        match req.code {
            request::REGISTER_BROKER => self.register_broker(ctx, req),
            request::UNREGISTER_BROKER => {
                let h: UnregisterBrokerRequestHeader = decode(req)?;
                self.routes()
                    .unregister(&h.cluster_name, &h.broker_addr, &h.broker_name, h.broker_id);
                Ok(RemotingCommand::success())
            }
            request::GET_ROUTEINFO_BY_TOPIC => {
                let h: GetRouteInfoRequestHeader = decode(req)?;
                match self.routes().route(&h.topic) {
                    Some(route) => Ok(RemotingCommand::success().with_body(json::to_vec(&route))),
                    None => Err(RemotingCommand::response(
                        response::TOPIC_NOT_EXIST,
                        Some(format!(
                            "No topic route info in name server for the topic: {}{FAQ_SUFFIX}",
                            h.topic
                        )),
                    )),
                }
            }
            request::GET_BROKER_CLUSTER_INFO => {
                Ok(RemotingCommand::success().with_body(json::to_vec(&self.routes().cluster_info())))
            }
            request::GET_ALL_TOPIC_LIST_FROM_NAMESERVER => {
                Ok(RemotingCommand::success().with_body(json::to_vec(&self.routes().topic_list())))
            }
            request::GET_TOPICS_BY_CLUSTER => {
                let cluster = req.ext_fields.get("cluster").cloned().unwrap_or_default();
                Ok(RemotingCommand::success()
                    .with_body(json::to_vec(&self.routes().topics_of_cluster(&cluster))))
            }
            request::DELETE_TOPIC_IN_NAMESRV => {
                let h: DeleteTopicRequestHeader = decode(req)?;
                self.routes().delete_topic(&h.topic);
                Ok(RemotingCommand::success())
            }
            request::WIPE_WRITE_PERM_OF_BROKER => {
                let h: BrokerNameRequestHeader = decode(req)?;
                let wipe_topic_count = self.routes().wipe_write_perm(&h.broker_name);
                tracing::info!(
                    broker_name = h.broker_name,
                    wipe_topic_count,
                    "write permission wiped"
                );
                Ok(RemotingCommand::success().with_header(&WipeWritePermResponseHeader { wipe_topic_count }))
            }
            request::ADD_WRITE_PERM_OF_BROKER => {
                let h: BrokerNameRequestHeader = decode(req)?;
                let add_topic_count = self.routes().add_write_perm(&h.broker_name);
                tracing::info!(
                    broker_name = h.broker_name,
                    add_topic_count,
                    "write permission added"
                );
                Ok(RemotingCommand::success().with_header(&AddWritePermResponseHeader { add_topic_count }))
            }
            request::QUERY_DATA_VERSION => {
                let addr = req.ext_fields.get("brokerAddr").cloned().unwrap_or_default();
                let dv: DataVersion = json::from_slice(&req.body)
                    .map_err(|e| RemotingCommand::response(response::SYSTEM_ERROR, Some(e.to_string())))?;
                let changed = self.routes().data_version_changed(&addr, &dv, Instant::now());
                let mut resp = RemotingCommand::success();
                resp.ext_fields.insert("changed".into(), changed.to_string());
                Ok(resp)
            }
            request::GET_KV_CONFIG => {
                let ns = req.ext_fields.get("namespace").cloned().unwrap_or_default();
                let key = req.ext_fields.get("key").cloned().unwrap_or_default();
                Err(RemotingCommand::response(
                    response::QUERY_NOT_FOUND,
                    Some(format!("No config item, Namespace: {ns} Key: {key}")),
                ))
            }
            code => Err(not_supported(code)),
        }
    }
}

impl RequestHandler for NamesrvProcessor {
    async fn handle(&self, ctx: &ConnContext, request: RemotingCommand) -> Option<RemotingCommand> {
        let Some(rpc) = self.rpc.as_ref() else {
            return Some(self.dispatch(ctx, &request).unwrap_or_else(|e| e));
        };
        let started = std::time::Instant::now();
        let reply = self.dispatch(ctx, &request).unwrap_or_else(|e| e);
        rpc.observe(
            request.code,
            Some(reply.code),
            started.elapsed().as_secs_f64() * 1000.0,
        );
        Some(reply)
    }

    fn on_disconnect(&self, ctx: &ConnContext) {
        let mut routes = self.routes();
        for addr in routes.addrs_of_connection(ctx.id) {
            tracing::info!(%addr, "broker connection closed, removing it from the route tables");
            routes.remove_addr(&addr);
        }
    }
}
