//! The name server's configuration: [`NamesrvConfig`] with every key `mqnamesrv` reads from its
//! `-c` file, and its checks.

use super::defaults::{
    env_var, home_dir, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_FRAME_BYTES,
    DEFAULT_MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION, DEFAULT_SERVER_CHANNEL_MAX_IDLE_TIME_SECONDS,
};
use super::error::{require_positive, ConfigError, ConfigWarning};
use super::fields::config_struct;
use super::metrics::{MetricsExporterType, DEFAULT_NAMESRV_PROM_PORT};

config_struct! {
    /// Everything `mqnamesrv` reads from its `-c` file.
    pub struct NamesrvConfig {
        /// The RocketMQ installation directory; unused, accepted for Java configs. Default: the
        /// `ROCKETMQ_HOME` environment variable.
        #[key = "rocketmqHome"]
        rocketmq_home: Option<String> = env_var("ROCKETMQ_HOME"),
        /// The port brokers and clients connect to. Default: `9876`.
        #[key = "listenPort", important = true]
        listen_port: u16 = 9876,
        /// Where the KV config is persisted. Default: `~/namesrv/kvConfig.json`.
        #[key = "kvConfigPath"]
        kv_config_path: String = format!("{}/namesrv/kvConfig.json", home_dir()),
        /// Return ORDER_TOPIC_CONFIG entries with routes. Default: `false`.
        #[key = "orderMessageEnable"]
        order_message_enable: bool = false,
        /// A broker not heard from for this long is removed, in ms (a constant in Java).
        /// Default: `120000`.
        #[key = "brokerChannelExpiredTime"]
        broker_channel_expired_time: u64 = 120_000,
        /// How often expired brokers are looked for, in ms. Default: `10000`.
        #[key = "scanNotActiveBrokerInterval"]
        scan_not_active_broker_interval: u64 = 10_000,
        /// Ours: the largest remoting frame accepted, in bytes. Default: `16777216` (16 MiB).
        #[key = "maxFrameBytes"]
        max_frame_bytes: u32 = DEFAULT_MAX_FRAME_BYTES,
        /// Ours: the most connections served at once. Default: `10000`.
        #[key = "maxConnections"]
        max_connections: u32 = DEFAULT_MAX_CONNECTIONS,
        /// Ours: requests handled at once on one connection; further ones are answered
        /// SYSTEM_BUSY (oneway ones dropped). Default: `4096`.
        #[key = "maxRequestsInFlightPerConnection"]
        max_requests_in_flight_per_connection: u32 = DEFAULT_MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION,
        /// Java's NettyServerConfig key: a connection that completes no request frame for this
        /// long is closed. Default: `120`.
        #[key = "serverChannelMaxIdleTimeSeconds"]
        server_channel_max_idle_time_seconds: u64 = DEFAULT_SERVER_CHANNEL_MAX_IDLE_TIME_SECONDS,
        /// Ours (Java 5's name server has no exporter; the broker's key names): `PROM` serves
        /// `GET /metrics` on `metricsPromExporterHost:metricsPromExporterPort`. Default: `DISABLE`.
        #[key = "metricsExporterType"]
        metrics_exporter_type: MetricsExporterType = MetricsExporterType::Disable,
        /// Ours: the address the exporter binds. Default: `0.0.0.0`.
        #[key = "metricsPromExporterHost"]
        metrics_prom_exporter_host: String = "0.0.0.0".to_owned(),
        /// Ours: the exporter's port (`0` picks a free one). Default: `5558`.
        #[key = "metricsPromExporterPort"]
        metrics_prom_exporter_port: u16 = DEFAULT_NAMESRV_PROM_PORT,
    }
}

impl NamesrvConfig {
    /// Checks the values.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a zero maxFrameBytes, maxConnections, in-flight cap, idle time or
    /// interval, wrapped in [`ConfigError::Located`] when the key was read from a file.
    pub fn validate(&mut self) -> Result<Vec<ConfigWarning>, ConfigError> {
        self.check().map_err(|e| self.origin.locate(e))
    }

    fn check(&self) -> Result<Vec<ConfigWarning>, ConfigError> {
        let positive: [(&'static str, u64); 6] = [
            ("maxFrameBytes", u64::from(self.max_frame_bytes)),
            ("maxConnections", u64::from(self.max_connections)),
            (
                "maxRequestsInFlightPerConnection",
                u64::from(self.max_requests_in_flight_per_connection),
            ),
            (
                "serverChannelMaxIdleTimeSeconds",
                self.server_channel_max_idle_time_seconds,
            ),
            ("brokerChannelExpiredTime", self.broker_channel_expired_time),
            (
                "scanNotActiveBrokerInterval",
                self.scan_not_active_broker_interval,
            ),
        ];
        require_positive(&positive)?;
        super::metrics::check_exporter_port(
            self.metrics_exporter_type,
            self.metrics_prom_exporter_port,
            &[self.listen_port],
        )?;
        Ok(Vec::new())
    }
}
