//! The metrics exporter keys shared by the broker and the name server: Java 5's
//! `metricsExporterType` (only `DISABLE` and `PROM` are served here; Java's `OTLP_GRPC` and `LOG`
//! are refused by validation rather than silently ignored) and the default exporter ports.

use super::error::ConfigError;
use super::fields::ConfigValue;

/// Java 5's default `metricsPromExporterPort` of the broker.
pub const DEFAULT_BROKER_PROM_PORT: u16 = 5557;
/// Ours: the name server's default `metricsPromExporterPort` (Java 5's name server has no
/// metrics exporter), one above the broker's so both fit on one host.
pub const DEFAULT_NAMESRV_PROM_PORT: u16 = 5558;

/// How metrics are exported (`metricsExporterType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricsExporterType {
    /// No exporter, no counters kept, no port bound (Java's default).
    #[default]
    Disable,
    /// An HTTP server answering `GET /metrics` in the Prometheus text format.
    Prom,
}

impl MetricsExporterType {
    /// The Java enum name, as written in config files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "DISABLE",
            Self::Prom => "PROM",
        }
    }
}

impl ConfigValue for MetricsExporterType {
    const EXPECTED: &'static str = "DISABLE or PROM";
    fn parse_value(raw: &str) -> Option<Self> {
        [Self::Disable, Self::Prom]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(raw.trim()))
    }
    fn render(&self) -> String {
        self.as_str().to_owned()
    }
}

/// With the exporter on, `metricsPromExporterPort` must not be one of the server's own ports
/// (`taken`; 0 means "any free port" and never clashes).
///
/// # Errors
/// [`ConfigError::Invalid`] naming `metricsPromExporterPort`.
pub(super) fn check_exporter_port(
    kind: MetricsExporterType,
    port: u16,
    taken: &[u16],
) -> Result<(), ConfigError> {
    if kind == MetricsExporterType::Prom && port != 0 && taken.contains(&port) {
        return Err(ConfigError::Invalid {
            key: "metricsPromExporterPort",
            value: port.to_string(),
            reason: "is already one of this server's ports (listenPort or haListenPort)".to_owned(),
        });
    }
    Ok(())
}
