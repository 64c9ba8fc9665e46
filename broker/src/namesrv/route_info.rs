//! The name server's route tables (spec §2.2): which clusters hold which broker groups, the
//! addresses of each group by broker id, each topic's queues per group, and broker liveness.
//!
//! All rules that make DLedger failover visible live here: a re-registration from the same address
//! under a new broker id replaces the old id, queue data comes only from brokerId 0, and a broker
//! disappears when its connection closes or after it stops registering.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use crate::remoting::body::{
    BrokerData, ClusterInfo, DataVersion, QueueData, TopicConfigSerializeWrapper, TopicList, TopicRouteData,
};

/// Broker id of a master / DLedger leader.
pub const MASTER_ID: i64 = 0;

#[derive(Debug, Clone)]
struct BrokerLive {
    last_update: Instant,
    data_version: DataVersion,
    conn_id: u64,
    ha_server_addr: String,
}

/// A REGISTER_BROKER call, decoded.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Cluster name.
    pub cluster: String,
    /// Broker address `ip:port`.
    pub broker_addr: String,
    /// Group name.
    pub broker_name: String,
    /// Broker id (0 = master/leader).
    pub broker_id: i64,
    /// HA address `ip:port`.
    pub ha_server_addr: String,
    /// Topics of the broker.
    pub topics: TopicConfigSerializeWrapper,
    /// Connection the registration came on; its close removes the broker.
    pub conn_id: u64,
    /// 5.x brokers' `enableActingMaster` header field; `None` from 4.x brokers and ours.
    pub enable_acting_master: Option<bool>,
    /// The `__ZONE_NAME` field of the registration (5.x zone-aware deployments), if any.
    pub zone_name: Option<String>,
}

/// What a registering slave learns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterResult {
    /// The live master's address, for brokerId != 0.
    pub master_addr: Option<String>,
    /// The live master's HA address.
    pub ha_server_addr: Option<String>,
}

/// The route tables. Not synchronised: the processor wraps it in a lock.
#[derive(Debug, Default)]
pub struct RouteInfo {
    cluster_addr: BTreeMap<String, BTreeSet<String>>,
    broker_addr: BTreeMap<String, BrokerData>,
    topic_queue: BTreeMap<String, BTreeMap<String, QueueData>>,
    broker_live: HashMap<String, BrokerLive>,
}

impl RouteInfo {
    /// Applies a registration (spec §2.2 steps 2–7).
    pub fn register(&mut self, r: Registration, now: Instant) -> RegisterResult {
        self.cluster_addr
            .entry(r.cluster.clone())
            .or_default()
            .insert(r.broker_name.clone());
        let bd = self
            .broker_addr
            .entry(r.broker_name.clone())
            .or_insert_with(|| BrokerData {
                broker_addrs: BTreeMap::new(),
                broker_name: r.broker_name.clone(),
                cluster: r.cluster.clone(),
                ..Default::default()
            });
        // As 5.x: every registration restates the group's acting-master flag and zone.
        bd.enable_acting_master = r.enable_acting_master.unwrap_or(false);
        bd.zone_name = r.zone_name.clone();
        // The same address under another id: a slave/follower that became master/leader (or back).
        let before = bd.broker_addrs.len();
        bd.broker_addrs
            .retain(|id, addr| !(*addr == r.broker_addr && *id != r.broker_id));
        let id_changed = bd.broker_addrs.len() != before;
        let old = bd.broker_addrs.insert(r.broker_id, r.broker_addr.clone());
        let first = old.is_none() || id_changed;

        if r.broker_id == MASTER_ID {
            let changed = self
                .broker_live
                .get(&r.broker_addr)
                .is_none_or(|live| live.data_version != r.topics.data_version);
            if first || changed {
                for tc in r.topics.topic_config_table.values() {
                    let qd = QueueData {
                        broker_name: r.broker_name.clone(),
                        perm: tc.perm,
                        read_queue_nums: tc.read_queue_nums,
                        topic_sys_flag: tc.topic_sys_flag,
                        write_queue_nums: tc.write_queue_nums,
                    };
                    self.topic_queue
                        .entry(tc.topic_name.clone())
                        .or_default()
                        .insert(r.broker_name.clone(), qd);
                }
            }
        }
        self.broker_live.insert(
            r.broker_addr.clone(),
            BrokerLive {
                last_update: now,
                data_version: r.topics.data_version.clone(),
                conn_id: r.conn_id,
                ha_server_addr: r.ha_server_addr.clone(),
            },
        );
        let mut result = RegisterResult::default();
        if r.broker_id != MASTER_ID {
            if let Some(master) = self
                .broker_addr
                .get(&r.broker_name)
                .and_then(|b| b.broker_addrs.get(&MASTER_ID))
            {
                if let Some(live) = self.broker_live.get(master) {
                    result.master_addr = Some(master.clone());
                    result.ha_server_addr = Some(live.ha_server_addr.clone());
                }
            }
        }
        result
    }

    /// UNREGISTER_BROKER: removes one id of a group.
    pub fn unregister(&mut self, cluster: &str, broker_addr: &str, broker_name: &str, broker_id: i64) {
        self.broker_live.remove(broker_addr);
        let mut emptied = false;
        if let Some(bd) = self.broker_addr.get_mut(broker_name) {
            if bd.broker_addrs.get(&broker_id).is_some_and(|a| a == broker_addr) {
                bd.broker_addrs.remove(&broker_id);
            }
            emptied = bd.broker_addrs.is_empty();
        }
        if emptied {
            self.remove_group(broker_name);
        }
        if let Some(names) = self.cluster_addr.get_mut(cluster) {
            if emptied {
                names.remove(broker_name);
            }
            if names.is_empty() {
                self.cluster_addr.remove(cluster);
            }
        }
    }

    fn remove_group(&mut self, broker_name: &str) {
        self.broker_addr.remove(broker_name);
        self.topic_queue.retain(|_, per_broker| {
            per_broker.remove(broker_name);
            !per_broker.is_empty()
        });
        self.cluster_addr.retain(|_, names| {
            names.remove(broker_name);
            !names.is_empty()
        });
    }

    /// Removes every trace of a broker address (connection closed or expired).
    pub fn remove_addr(&mut self, broker_addr: &str) {
        self.broker_live.remove(broker_addr);
        let mut emptied = Vec::new();
        for (name, bd) in self.broker_addr.iter_mut() {
            bd.broker_addrs.retain(|_, a| a != broker_addr);
            if bd.broker_addrs.is_empty() {
                emptied.push(name.clone());
            }
        }
        for name in emptied {
            self.remove_group(&name);
        }
    }

    /// Addresses registered over the given connection.
    pub fn addrs_of_connection(&self, conn_id: u64) -> Vec<String> {
        self.broker_live
            .iter()
            .filter(|(_, l)| l.conn_id == conn_id)
            .map(|(a, _)| a.clone())
            .collect()
    }

    /// Removes brokers that have not registered within `expiry`; returns their addresses.
    pub fn expire(&mut self, now: Instant, expiry: Duration) -> Vec<String> {
        let dead: Vec<String> = self
            .broker_live
            .iter()
            .filter(|(_, l)| now.saturating_duration_since(l.last_update) > expiry)
            .map(|(a, _)| a.clone())
            .collect();
        for a in &dead {
            self.remove_addr(a);
        }
        dead
    }

    /// The route of a topic, or `None` when it has no queues or no live group.
    pub fn route(&self, topic: &str) -> Option<TopicRouteData> {
        let per_broker = self.topic_queue.get(topic)?;
        let queue_datas: Vec<QueueData> = per_broker.values().cloned().collect();
        let broker_datas: Vec<BrokerData> = per_broker
            .keys()
            .filter_map(|name| self.broker_addr.get(name).cloned())
            .collect();
        if queue_datas.is_empty() || broker_datas.is_empty() {
            return None;
        }
        Some(TopicRouteData {
            broker_datas,
            queue_datas,
            ..Default::default()
        })
    }

    /// The cluster view.
    pub fn cluster_info(&self) -> ClusterInfo {
        ClusterInfo {
            broker_addr_table: self.broker_addr.clone(),
            cluster_addr_table: self.cluster_addr.clone(),
        }
    }

    /// Every topic with queues.
    pub fn topic_list(&self) -> TopicList {
        TopicList {
            broker_addr: None,
            topic_list: self.topic_queue.keys().cloned().collect(),
        }
    }

    /// Topics of the broker groups of a cluster.
    pub fn topics_of_cluster(&self, cluster: &str) -> TopicList {
        let names = self.cluster_addr.get(cluster).cloned().unwrap_or_default();
        let topic_list = self
            .topic_queue
            .iter()
            .filter(|(_, per)| per.keys().any(|n| names.contains(n)))
            .map(|(t, _)| t.clone())
            .collect();
        TopicList {
            broker_addr: None,
            topic_list,
        }
    }

    /// Deletes a topic's route (DELETE_TOPIC_IN_NAMESRV).
    pub fn delete_topic(&mut self, topic: &str) {
        self.topic_queue.remove(topic);
    }

    /// WIPE_WRITE_PERM_OF_BROKER: clears the write bit of every queue data of `broker_name`, so
    /// producers stop sending to it (to drain it before maintenance), and returns how many
    /// topics it serves. As in Java, the change lasts until the broker's topic configs change
    /// (a registration with a new data version restates them).
    pub fn wipe_write_perm(&mut self, broker_name: &str) -> i32 {
        self.operate_write_perm(broker_name, |perm| perm & !crate::remoting::body::perm::WRITE)
    }

    /// ADD_WRITE_PERM_OF_BROKER: sets every queue data of `broker_name` to read and write (Java
    /// sets exactly `READ | WRITE`) and returns how many topics it serves.
    pub fn add_write_perm(&mut self, broker_name: &str) -> i32 {
        use crate::remoting::body::perm;
        self.operate_write_perm(broker_name, |_| perm::READ | perm::WRITE)
    }

    fn operate_write_perm(&mut self, broker_name: &str, f: impl Fn(i32) -> i32) -> i32 {
        let mut count = 0;
        for queues in self.topic_queue.values_mut() {
            if let Some(qd) = queues.get_mut(broker_name) {
                qd.perm = f(qd.perm);
                count += 1;
            }
        }
        count
    }

    /// Whether the stored data version of a broker differs from `dv` (QUERY_DATA_VERSION).
    pub fn data_version_changed(&mut self, broker_addr: &str, dv: &DataVersion, now: Instant) -> bool {
        match self.broker_live.get_mut(broker_addr) {
            Some(live) => {
                live.last_update = now;
                live.data_version != *dv
            }
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remoting::body::TopicConfig;

    fn reg(addr: &str, id: i64, conn: u64) -> Registration {
        let mut topics = TopicConfigSerializeWrapper::default();
        topics
            .topic_config_table
            .insert("T".into(), TopicConfig::new("T", 4));
        Registration {
            cluster: "RaftCluster".into(),
            broker_addr: addr.into(),
            broker_name: "RaftNode00".into(),
            broker_id: id,
            ha_server_addr: format!("{addr}-ha"),
            topics,
            conn_id: conn,
            enable_acting_master: None,
            zone_name: None,
        }
    }

    #[test]
    fn leader_moves_between_addresses() {
        let mut r = RouteInfo::default();
        let now = Instant::now();
        r.register(reg("a:1", 0, 1), now);
        let res = r.register(reg("b:1", 2, 2), now);
        assert_eq!(res.master_addr.as_deref(), Some("a:1"));
        r.register(reg("c:1", 3, 3), now);
        // a dies; b becomes leader.
        r.remove_addr("a:1");
        r.register(reg("b:1", 0, 2), now);
        let bd = &r.cluster_info().broker_addr_table["RaftNode00"];
        assert_eq!(
            bd.broker_addrs,
            BTreeMap::from([(0, "b:1".to_string()), (3, "c:1".to_string())])
        );
        assert!(r.route("T").is_some());
    }

    #[test]
    fn queue_data_only_from_master_and_removed_with_group() {
        let mut r = RouteInfo::default();
        let now = Instant::now();
        r.register(reg("s:1", 1, 1), now);
        assert!(r.route("T").is_none());
        r.register(reg("m:1", 0, 2), now);
        assert_eq!(r.route("T").unwrap().queue_datas.len(), 1);
        for a in r.addrs_of_connection(2) {
            r.remove_addr(&a);
        }
        r.remove_addr("s:1");
        assert!(r.route("T").is_none());
        assert!(r.cluster_info().cluster_addr_table.is_empty());
    }

    #[test]
    fn write_perm_wiped_and_added_per_broker_name() {
        let mut r = RouteInfo::default();
        let now = Instant::now();
        r.register(reg("m:1", 0, 1), now);
        assert_eq!(r.wipe_write_perm("RaftNode00"), 1);
        assert_eq!(r.route("T").unwrap().queue_datas[0].perm, 4);
        assert_eq!(r.wipe_write_perm("Other"), 0);
        // The same data version again: the wipe stays.
        r.register(reg("m:1", 0, 1), now);
        assert_eq!(r.route("T").unwrap().queue_datas[0].perm, 4);
        assert_eq!(r.add_write_perm("RaftNode00"), 1);
        assert_eq!(r.route("T").unwrap().queue_datas[0].perm, 6);
    }

    #[test]
    fn expiry_removes_silent_brokers() {
        let mut r = RouteInfo::default();
        let t0 = Instant::now();
        r.register(reg("m:1", 0, 1), t0);
        assert!(r
            .expire(t0 + Duration::from_secs(60), Duration::from_secs(120))
            .is_empty());
        assert_eq!(
            r.expire(t0 + Duration::from_secs(121), Duration::from_secs(120)),
            vec!["m:1".to_string()]
        );
        assert!(r.cluster_info().broker_addr_table.is_empty());
    }
}
