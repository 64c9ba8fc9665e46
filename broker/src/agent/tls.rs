//! TLS for the node agent (issue 18). With `--allow-remote` the agent's bearer token and the
//! store's bytes cross the network; this module is everything both ends need so they cross it
//! encrypted, and so that a client talks only to the agent it means:
//!
//! - the server side: [`server_config`] loads the agent's PEM certificate chain and key, and
//!   [`TlsListener`] accepts TCP connections, completes each handshake in its own task (a slow or
//!   hostile client holds up nobody) and hands only finished TLS streams to the HTTP server;
//!   failed handshakes are logged with the peer's address.
//! - the client side: [`AgentTrust`] is how `mqadmin` (and an agent pulling from another) trusts
//!   an agent: by a CA file (the certificate must chain to it and name the host), or by pinned
//!   SHA-256 fingerprints of the agent's certificate (like SSH host keys: no CA needed). A
//!   certificate that fails is refused inside the handshake, so no request, and no token, is
//!   ever written to a server that was not verified.
//!
//! rustls with the `ring` provider throughout: no OpenSSL, no system library.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// How long a client may take to complete the TLS handshake before the agent drops it.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for the HTTP server to take them.
const ACCEPT_QUEUE: usize = 64;

/// Why a TLS setting cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate, key or CA file cannot be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file holds no PEM certificate.
    #[error("`{}` holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// A key file holds no PEM private key.
    #[error("`{}` holds no PEM private key (PKCS#8, PKCS#1 or SEC1)", path.display())]
    NoKey {
        /// The file.
        path: PathBuf,
    },
    /// A file's PEM does not decode.
    #[error("`{}`: bad PEM: {message}", path.display())]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A fingerprint that is not 32 bytes of hex.
    #[error("bad fingerprint `{text}`: want the certificate's SHA-256, 64 hex digits (colons allowed)")]
    Fingerprint {
        /// The text given.
        text: String,
    },
    /// A CA certificate rustls does not accept as a trust anchor.
    #[error("the CA certificate cannot be used: {0}")]
    Ca(String),
    /// The certificate and key do not go together, or another configuration error.
    #[error("TLS configuration: {0}")]
    Config(#[source] rustls::Error),
}

/// The `ring` provider. rustls marks it deprecated since it has no post-quantum key exchange
/// (the agent link gets classical X25519/ECDHE); the alternative provider builds a C crypto
/// library, which this project keeps out of its build.
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Every certificate of a PEM text (`path` names it in errors).
fn certificates(pem: &[u8], path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

/// The agent's server configuration: the certificate chain of `cert` (PEM, leaf first) and the
/// private key of `key` (PEM).
///
/// # Errors
/// [`TlsError`]: a file missing or unreadable, no certificate or key in it, a key that does not
/// match the certificate.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let chain = certificates(&read(cert)?, cert)?;
    let key_pem = read(key)?;
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::NoKey {
            path: key.to_path_buf(),
        },
        e => TlsError::Pem {
            path: key.to_path_buf(),
            message: e.to_string(),
        },
    })?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Config)?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(TlsError::Config)?;
    Ok(Arc::new(config))
}

/// The SHA-256 fingerprint of a DER certificate, lower-case hex (what `--agent-fingerprint`
/// pins; `openssl x509 -noout -fingerprint -sha256` prints the same bytes with colons).
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// The fingerprint of the first certificate of a PEM file (the agent's own, printed at start).
///
/// # Errors
/// [`TlsError`]: unreadable, or no certificate.
pub fn file_fingerprint(cert: &Path) -> Result<String, TlsError> {
    let certs = certificates(&read(cert)?, cert)?;
    Ok(fingerprint(&certs[0]))
}

/// Parses a SHA-256 fingerprint: 64 hex digits, any case, colons (or spaces) between bytes
/// allowed, an optional `sha256:` prefix.
///
/// # Errors
/// [`TlsError::Fingerprint`].
pub fn parse_fingerprint(text: &str) -> Result<[u8; 32], TlsError> {
    let bad = || TlsError::Fingerprint {
        text: text.to_owned(),
    };
    let trimmed = text.trim();
    let body = trimmed
        .strip_prefix("sha256:")
        .or_else(|| trimmed.strip_prefix("SHA256:"))
        .or_else(|| trimmed.strip_prefix("sha256="))
        .or_else(|| trimmed.strip_prefix("SHA256 Fingerprint="))
        .unwrap_or(trimmed);
    let digits: String = body.chars().filter(|c| !matches!(c, ':' | ' ')).collect();
    let mut out = [0u8; 32];
    hex::decode_to_slice(&digits, &mut out).map_err(|_| bad())?;
    Ok(out)
}

/// How a client trusts a node agent. Sent as JSON in a `pull` request's body, so the pulling
/// agent trusts the source agent exactly as `mqadmin` does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AgentTrust {
    /// Plain HTTP: no TLS (for agents on loopback or behind an SSH tunnel).
    #[default]
    Plain,
    /// TLS; the agent's certificate must chain to one of these CA certificates (PEM) and name
    /// the host the client connects to (DNS name or IP address).
    Ca {
        /// The CA certificates, PEM.
        pem: String,
    },
    /// TLS; the SHA-256 of the agent's certificate must be one of these (lower-case hex).
    /// Neither the issuer, the names nor the dates are checked: the pin is the identity.
    Pinned {
        /// The accepted fingerprints.
        sha256: Vec<String>,
    },
}

impl AgentTrust {
    /// Trust by the CA certificates of a PEM file.
    ///
    /// # Errors
    /// [`TlsError`]: unreadable, no certificate, a certificate rustls refuses as an anchor.
    pub fn ca_file(path: &Path) -> Result<Self, TlsError> {
        let pem = read(path)?;
        roots(&pem, path)?;
        Ok(Self::Ca {
            pem: String::from_utf8_lossy(&pem).into_owned(),
        })
    }

    /// Trust by pinned fingerprints (see [`parse_fingerprint`] for the accepted forms).
    ///
    /// # Errors
    /// [`TlsError::Fingerprint`] for one that does not parse.
    pub fn pinned<S: AsRef<str>>(fingerprints: &[S]) -> Result<Self, TlsError> {
        let sha256 = fingerprints
            .iter()
            .map(|f| parse_fingerprint(f.as_ref()).map(hex::encode))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::Pinned { sha256 })
    }

    /// The trust a `pull` request's body carries: JSON, or empty for [`AgentTrust::Plain`].
    ///
    /// # Errors
    /// The body is not such JSON.
    pub fn from_body(body: &[u8]) -> Result<Self, serde_json::Error> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::Plain);
        }
        serde_json::from_slice(body)
    }

    /// Whether agents are spoken to over TLS.
    pub fn is_tls(&self) -> bool {
        !matches!(self, Self::Plain)
    }

    /// The URL scheme agents are reached with: `https` or `http`.
    pub fn scheme(&self) -> &'static str {
        if self.is_tls() {
            "https"
        } else {
            "http"
        }
    }

    /// The rustls client configuration, `None` for plain HTTP.
    ///
    /// # Errors
    /// [`TlsError`]: a bad CA or fingerprint (possible for one received over the wire).
    pub fn client_config(&self) -> Result<Option<rustls::ClientConfig>, TlsError> {
        let builder = || {
            rustls::ClientConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .map_err(TlsError::Config)
        };
        let config = match self {
            Self::Plain => return Ok(None),
            Self::Ca { pem } => builder()?
                .with_root_certificates(roots(pem.as_bytes(), Path::new("<CA>"))?)
                .with_no_client_auth(),
            Self::Pinned { sha256 } => {
                let pins = sha256
                    .iter()
                    .map(|f| parse_fingerprint(f))
                    .collect::<Result<Vec<_>, _>>()?;
                let verifier = PinnedVerifier {
                    pins,
                    algorithms: provider().signature_verification_algorithms,
                };
                builder()?
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(verifier))
                    .with_no_client_auth()
            }
        };
        Ok(Some(config))
    }
}

fn roots(pem: &[u8], path: &Path) -> Result<rustls::RootCertStore, TlsError> {
    let mut store = rustls::RootCertStore::empty();
    for cert in certificates(pem, path)? {
        store.add(cert).map_err(|e| TlsError::Ca(e.to_string()))?;
    }
    Ok(store)
}

/// Accepts the server's certificate only if its SHA-256 is pinned; the handshake signatures are
/// still verified with the certificate's key (so the server holds the pinned certificate's key).
#[derive(Debug)]
struct PinnedVerifier {
    pins: Vec<[u8; 32]>,
    algorithms: WebPkiSupportedAlgorithms,
}

/// The refusal of a certificate whose fingerprint is not pinned, as it reaches the client's error
/// (rustls shows it with `Debug`, so that says the same as `Display`).
#[derive(thiserror::Error)]
#[error("the agent's certificate has SHA-256 fingerprint {0}, which is not pinned (--agent-fingerprint)")]
struct NotPinned(String);

impl std::fmt::Debug for NotPinned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let got: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        if self.pins.contains(&got) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Other(rustls::OtherError(Arc::new(NotPinned(hex::encode(got))))),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A listener for `axum::serve` that yields finished TLS streams. The TCP accept loop and the
/// handshakes run in tasks of their own; dropping the listener stops them.
pub struct TlsListener {
    ready: mpsc::Receiver<(tokio_rustls::server::TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Serves TLS with `config` on `listener`.
    ///
    /// # Errors
    /// The listener has no local address.
    pub fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let (tx, ready) = mpsc::channel(ACCEPT_QUEUE);
        let accept_loop = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Out of file descriptors and the like: wait for some to be released
                        // instead of spinning on the error.
                        tracing::warn!(%e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::warn!(%peer, %e, "refused: TLS handshake failed"),
                        Err(_) => tracing::warn!(%peer, "refused: TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self {
            ready,
            local,
            accept_loop,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(pair) => pair,
            // The accept loop ends only when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_in_the_usual_forms() {
        let hex64 = "ab".repeat(32);
        let colons = ["AB"; 32].join(":");
        for text in [
            hex64.clone(),
            colons.clone(),
            format!("sha256:{hex64}"),
            format!("SHA256 Fingerprint={colons}"),
        ] {
            assert_eq!(parse_fingerprint(&text).unwrap(), [0xab; 32], "{text}");
        }
        for bad in ["", "abc", &"ab".repeat(31), &"zz".repeat(32), &"ab".repeat(33)] {
            assert!(
                matches!(parse_fingerprint(bad), Err(TlsError::Fingerprint { .. })),
                "{bad}"
            );
        }
        assert_eq!(
            AgentTrust::pinned(&[colons]).unwrap(),
            AgentTrust::Pinned { sha256: vec![hex64] }
        );
    }

    #[test]
    fn trust_round_trips_as_json_and_plain_has_no_tls() {
        let t = AgentTrust::Pinned {
            sha256: vec!["00".repeat(32)],
        };
        let text = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<AgentTrust>(&text).unwrap(), t);
        assert!(AgentTrust::Plain.client_config().unwrap().is_none());
        assert_eq!(AgentTrust::Plain.scheme(), "http");
        assert_eq!(t.scheme(), "https");
        assert!(t.client_config().unwrap().is_some());
    }

    #[test]
    fn server_config_reports_missing_and_empty_files() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let missing = dir.path().join("missing.pem");
        assert!(matches!(
            server_config(&missing, &empty),
            Err(TlsError::Read { .. })
        ));
        assert!(matches!(
            server_config(&empty, &empty),
            Err(TlsError::NoCertificate { .. })
        ));
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert = dir.path().join("cert.pem");
        std::fs::write(&cert, ck.cert.pem()).unwrap();
        assert!(matches!(
            server_config(&cert, &empty),
            Err(TlsError::NoKey { .. })
        ));
        let key = dir.path().join("key.pem");
        std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
        server_config(&cert, &key).unwrap();
        assert_eq!(file_fingerprint(&cert).unwrap(), fingerprint(ck.cert.der()));
        // Another certificate's key does not go with this certificate.
        let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        std::fs::write(&key, other.key_pair.serialize_pem()).unwrap();
        assert!(matches!(server_config(&cert, &key), Err(TlsError::Config(_))));
    }
}
