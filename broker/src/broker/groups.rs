//! Consumer groups: their persisted settings (`config/subscriptionGroup.json`) and the live
//! consumers and subscriptions learned from HEART_BEAT, which pulls without an inline
//! subscription rely on.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::remoting::body::DataVersion;
use crate::remoting::body::{HeartbeatData, SubscriptionData};
use crate::remoting::body_group::{Connection, ConsumerConnection, ProducerConnection};
use crate::remoting::server::Outbound;
use crate::store::config_files::{SubscriptionGroupConfig, SubscriptionGroups};
use crate::store::error::StoreError;

/// Clients silent for longer than this are dropped (Java: 120 s channel expiry).
pub const CLIENT_EXPIRY: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
struct LiveConsumer {
    conn_id: u64,
    last_seen: Instant,
    subscriptions: BTreeMap<String, SubscriptionData>,
    /// `consumeType`, `messageModel`, `consumeFromWhere` of its latest heartbeat; the group
    /// reports those of its most recently heard consumer, as Java's `ConsumerGroupInfo` keeps
    /// the latest.
    consume_type: String,
    message_model: String,
    consume_from_where: String,
}

/// What the connection listings report about a client's connection, learned from the
/// HEART_BEAT request that carried it, and the handle that sends requests to that client
/// (GET_CONSUMER_RUNNING_INFO, RESET_CONSUMER_CLIENT_OFFSET).
#[derive(Debug, Clone, Default)]
pub struct ClientChannel {
    /// Remote `ip:port`.
    pub addr: String,
    /// Java's `LanguageCode` name of the request.
    pub language: String,
    /// The request's version ordinal.
    pub version: i32,
    /// Sends requests to the client on its connection.
    pub outbound: Option<Outbound>,
}

/// Consumer groups and producers known to this broker.
#[derive(Debug)]
pub struct GroupManager {
    root: PathBuf,
    configs: Mutex<SubscriptionGroups>,
    /// group -> clientId -> consumer
    consumers: Mutex<HashMap<String, BTreeMap<String, LiveConsumer>>>,
    /// producer group -> clientIds
    producers: Mutex<HashMap<String, BTreeMap<String, u64>>>,
    /// connection id -> what its heartbeats said about the client
    channels: Mutex<HashMap<u64, ClientChannel>>,
}

impl GroupManager {
    /// Loads `subscriptionGroup.json` from the store root.
    ///
    /// # Errors
    /// When the file exists but neither it nor its backup parses.
    pub fn load(root: PathBuf) -> Result<Self, StoreError> {
        Ok(Self {
            configs: Mutex::new(SubscriptionGroups::load(&root)?),
            root,
            consumers: Mutex::default(),
            producers: Mutex::default(),
            channels: Mutex::default(),
        })
    }

    fn configs(&self) -> std::sync::MutexGuard<'_, SubscriptionGroups> {
        self.configs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Settings of a group; auto-created with Java's defaults when `auto_create`. A failure to
    /// write `subscriptionGroup.json` after an auto-creation (a full disk) is logged, not
    /// returned, as Java's `ConfigManager.persist` does: the group exists in memory, is written
    /// with the next change, and a pull or offset request is still served.
    ///
    /// # Errors
    /// None today; the `Result` is kept for callers.
    pub fn find_or_create(
        &self,
        group: &str,
        auto_create: bool,
    ) -> Result<Option<SubscriptionGroupConfig>, StoreError> {
        let created = {
            let mut c = self.configs();
            if let Some(g) = c.subscription_group_table.get(group) {
                return Ok(Some(g.clone()));
            }
            if !auto_create {
                return Ok(None);
            }
            let g = SubscriptionGroupConfig::new(group);
            c.subscription_group_table.insert(group.to_string(), g.clone());
            c.data_version.next();
            g
        };
        if let Err(e) = self.persist() {
            tracing::warn!(error = %e, group, "auto-created subscription group not persisted");
        }
        Ok(Some(created))
    }

    /// Creates or replaces a group's settings and persists them.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn upsert_config(&self, g: SubscriptionGroupConfig) -> Result<(), StoreError> {
        self.upsert_config_at(g, None)
    }

    /// [`GroupManager::upsert_config`] with the data version of a change applied from the Raft
    /// log instead of a bump.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn upsert_config_at(
        &self,
        g: SubscriptionGroupConfig,
        version: Option<DataVersion>,
    ) -> Result<(), StoreError> {
        {
            let mut c = self.configs();
            c.subscription_group_table.insert(g.group_name.clone(), g);
            c.data_version.record_change(version);
        }
        self.persist()
    }

    /// Deletes a group's settings; returns whether they existed.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn delete_config(&self, group: &str) -> Result<bool, StoreError> {
        self.delete_config_at(group, None)
    }

    /// [`GroupManager::delete_config`] with the data version of a change applied from the log.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn delete_config_at(&self, group: &str, version: Option<DataVersion>) -> Result<bool, StoreError> {
        let existed = {
            let mut c = self.configs();
            let existed = c.subscription_group_table.remove(group).is_some();
            if existed {
                c.data_version.record_change(version);
            }
            existed
        };
        if existed {
            self.persist()?;
        }
        Ok(existed)
    }

    /// One group's settings, if it has any.
    pub fn config(&self, group: &str) -> Option<SubscriptionGroupConfig> {
        self.configs().subscription_group_table.get(group).cloned()
    }

    /// Every group's settings (GET_ALL_SUBSCRIPTIONGROUP_CONFIG).
    pub fn all_configs(&self) -> SubscriptionGroups {
        self.configs().clone()
    }

    /// Replaces the group settings with a master's (slave config sync).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn replace_configs(&self, groups: SubscriptionGroups) -> Result<(), StoreError> {
        let changed = {
            let mut c = self.configs();
            let changed = c.subscription_group_table != groups.subscription_group_table;
            if changed {
                *c = groups;
            }
            changed
        };
        if changed {
            self.persist()?;
        }
        Ok(())
    }

    fn persist(&self) -> Result<(), StoreError> {
        let snapshot = self.configs().clone();
        snapshot.persist(&self.root)
    }

    /// Records a heartbeat; returns the consumer groups it named.
    pub fn heartbeat(&self, conn_id: u64, hb: &HeartbeatData) -> Vec<String> {
        let now = Instant::now();
        let mut consumers = self.consumers.lock().unwrap_or_else(|p| p.into_inner());
        let mut groups = Vec::new();
        for cd in &hb.consumer_data_set {
            let subs = cd
                .subscription_data_set
                .iter()
                .map(|s| (s.topic.clone(), s.clone()))
                .collect();
            consumers.entry(cd.group_name.clone()).or_default().insert(
                hb.client_id.clone(),
                LiveConsumer {
                    conn_id,
                    last_seen: now,
                    subscriptions: subs,
                    consume_type: cd.consume_type.clone(),
                    message_model: cd.message_model.clone(),
                    consume_from_where: cd.consume_from_where.clone(),
                },
            );
            groups.push(cd.group_name.clone());
        }
        let mut producers = self.producers.lock().unwrap_or_else(|p| p.into_inner());
        for pd in &hb.producer_data_set {
            producers
                .entry(pd.group_name.clone())
                .or_default()
                .insert(hb.client_id.clone(), conn_id);
        }
        groups
    }

    /// Removes a client from groups (UNREGISTER_CLIENT).
    pub fn unregister(&self, client_id: &str, consumer_group: Option<&str>, producer_group: Option<&str>) {
        if let Some(g) = consumer_group {
            if let Some(m) = self
                .consumers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_mut(g)
            {
                m.remove(client_id);
            }
        }
        if let Some(g) = producer_group {
            if let Some(m) = self
                .producers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_mut(g)
            {
                m.remove(client_id);
            }
        }
    }

    /// Forgets every client of a closed connection, and clients not seen for [`CLIENT_EXPIRY`].
    pub fn on_disconnect(&self, conn_id: u64) {
        let now = Instant::now();
        let mut consumers = self.consumers.lock().unwrap_or_else(|p| p.into_inner());
        for m in consumers.values_mut() {
            m.retain(|_, c| c.conn_id != conn_id && now.duration_since(c.last_seen) < CLIENT_EXPIRY);
        }
        consumers.retain(|_, m| !m.is_empty());
        let mut producers = self.producers.lock().unwrap_or_else(|p| p.into_inner());
        for m in producers.values_mut() {
            m.retain(|_, c| *c != conn_id);
        }
        producers.retain(|_, m| !m.is_empty());
        drop((consumers, producers));
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&conn_id);
    }

    /// Records the address, language and version of a heartbeat's connection, for the
    /// connection listings.
    pub fn record_channel(&self, conn_id: u64, channel: ClientChannel) {
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(conn_id, channel);
    }

    fn connection(&self, conn_id: u64, client_id: &str) -> Connection {
        let ch = self
            .channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&conn_id)
            .cloned()
            .unwrap_or_default();
        Connection {
            client_addr: ch.addr,
            client_id: client_id.to_string(),
            language: ch.language,
            version: ch.version,
        }
    }

    /// GET_CONSUMER_CONNECTION_LIST: the group's live clients, its subscriptions and the
    /// settings of its latest heartbeat; `None` when no consumer of the group is online.
    pub fn consumer_connection(&self, group: &str) -> Option<ConsumerConnection> {
        let now = Instant::now();
        let live: Vec<(String, LiveConsumer)> = {
            let consumers = self.consumers.lock().unwrap_or_else(|p| p.into_inner());
            consumers
                .get(group)?
                .iter()
                .filter(|(_, c)| now.duration_since(c.last_seen) < CLIENT_EXPIRY)
                .map(|(id, c)| (id.clone(), c.clone()))
                .collect()
        };
        let latest = live.iter().map(|(_, c)| c).max_by_key(|c| c.last_seen)?;
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let mut out = ConsumerConnection {
            consume_from_where: non_empty(&latest.consume_from_where),
            consume_type: non_empty(&latest.consume_type),
            message_model: non_empty(&latest.message_model),
            ..Default::default()
        };
        for (id, c) in &live {
            out.connection_set.insert(self.connection(c.conn_id, id));
            for (topic, sub) in &c.subscriptions {
                let newer = out
                    .subscription_table
                    .get(topic)
                    .is_none_or(|have| have.sub_version < sub.sub_version);
                if newer {
                    out.subscription_table.insert(topic.clone(), sub.clone());
                }
            }
        }
        Some(out)
    }

    /// GET_PRODUCER_CONNECTION_LIST: the producer group's live clients; `None` when it has none.
    pub fn producer_connection(&self, group: &str) -> Option<ProducerConnection> {
        let clients: Vec<(String, u64)> = self
            .producers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(group)?
            .iter()
            .map(|(id, conn)| (id.clone(), *conn))
            .collect();
        if clients.is_empty() {
            return None;
        }
        Some(ProducerConnection {
            connection_set: clients
                .iter()
                .map(|(id, conn)| self.connection(*conn, id))
                .collect(),
        })
    }

    /// Consumer groups with a live consumer subscribed to `topic` (QUERY_TOPIC_CONSUME_BY_WHO).
    pub fn groups_consuming(&self, topic: &str) -> Vec<String> {
        self.consumers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, m)| m.values().any(|c| c.subscriptions.contains_key(topic)))
            .map(|(g, _)| g.clone())
            .collect()
    }

    /// How many topics the live consumers of a group subscribe to (Java's
    /// `findSubscriptionDataCount`).
    pub fn subscription_count(&self, group: &str) -> usize {
        let consumers = self.consumers.lock().unwrap_or_else(|p| p.into_inner());
        let Some(m) = consumers.get(group) else {
            return 0;
        };
        m.values()
            .flat_map(|c| c.subscriptions.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    }

    /// Connection ids of a producer group's live clients (for CHECK_TRANSACTION_STATE).
    pub fn producer_conns(&self, group: &str) -> Vec<u64> {
        self.producers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(group)
            .map(|m| m.values().copied().collect())
            .unwrap_or_default()
    }

    /// The connection of a live consumer of `group` with `client_id` (Java's
    /// `ConsumerManager.findChannel`).
    pub fn consumer_channel(&self, group: &str, client_id: &str) -> Option<ClientChannel> {
        let conn_id = {
            let consumers = self.consumers.lock().unwrap_or_else(|p| p.into_inner());
            let c = consumers.get(group)?.get(client_id)?;
            (c.last_seen.elapsed() < CLIENT_EXPIRY).then_some(c.conn_id)?
        };
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&conn_id)
            .cloned()
    }

    /// The connections of a consumer group's live clients, by client id.
    pub fn consumer_channels(&self, group: &str) -> Vec<(String, ClientChannel)> {
        let conns: Vec<(String, u64)> = {
            let consumers = self.consumers.lock().unwrap_or_else(|p| p.into_inner());
            let Some(m) = consumers.get(group) else {
                return Vec::new();
            };
            m.iter()
                .filter(|(_, c)| c.last_seen.elapsed() < CLIENT_EXPIRY)
                .map(|(id, c)| (id.clone(), c.conn_id))
                .collect()
        };
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        conns
            .into_iter()
            .filter_map(|(id, conn)| channels.get(&conn).map(|ch| (id, ch.clone())))
            .collect()
    }

    /// Client ids of a consumer group, sorted.
    pub fn consumer_ids(&self, group: &str) -> Vec<String> {
        self.consumers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(group)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The newest subscription of a group to a topic from heartbeats.
    pub fn subscription(&self, group: &str, topic: &str) -> Option<SubscriptionData> {
        let consumers = self.consumers.lock().unwrap_or_else(|p| p.into_inner());
        consumers
            .get(group)?
            .values()
            .filter_map(|c| c.subscriptions.get(topic))
            .max_by_key(|s| s.sub_version)
            .cloned()
    }
}
