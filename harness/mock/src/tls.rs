//! HTTPS for the mock: a certificate made at start (a fresh CA and a leaf certificate it signs) or one
//! given as PEM, and the listener that serves TLS on the mock's socket through `axum::serve`.
//!
//! Private keys stay in memory: they are never written, logged or shown by `Debug`.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Longest a client may take from connecting to a finished TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a certificate made at start stays valid.
const VALIDITY: time::Duration = time::Duration::days(365);

/// The body of the answer to a plain HTTP request sent to the HTTPS port.
const PLAIN_HTTP_BODY: &str = "This port serves HTTPS: use an https:// URL.\n";

/// Why the mock cannot serve HTTPS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The CA or leaf certificate could not be made.
    #[error("cannot make the TLS certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// The certificate PEM holds no usable certificate.
    #[error("the TLS certificate file holds no PEM certificate: {0}")]
    Certificate(rustls::pki_types::pem::Error),
    /// The key PEM holds no usable private key.
    #[error("the TLS key file holds no PEM private key (PKCS#8, PKCS#1 or SEC1): {0}")]
    Key(rustls::pki_types::pem::Error),
    /// rustls refused the certificate and key (for example a key that does not match the certificate).
    #[error("the TLS certificate and key cannot be used: {0}")]
    Rustls(#[from] rustls::Error),
}

/// How the mock serves HTTPS: with a certificate made at start, or with one given as PEM.
///
/// ```
/// use hwoath_mock::{MockTenant, TlsConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), hwoath_mock::MockError> {
/// let tenant = MockTenant::builder().tls(TlsConfig::self_signed()).start().await?;
/// assert!(tenant.base_url().starts_with("https://127.0.0.1:"));
/// assert!(tenant.ca_certificate_pem().is_some()); // trust this in the client
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TlsConfig(Source);

#[derive(Clone)]
enum Source {
    SelfSigned { names: Vec<String> },
    Pem { chain: Vec<u8>, key: Vec<u8> },
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::SelfSigned { names } => f
                .debug_struct("TlsConfig::SelfSigned")
                .field("names", names)
                .finish(),
            Source::Pem { chain, .. } => f
                .debug_struct("TlsConfig::Pem")
                .field("chain_bytes", &chain.len())
                .field("key", &"[redacted]")
                .finish(),
        }
    }
}

impl TlsConfig {
    /// A CA made at start (self-signed, `CA:true`) and a leaf certificate it signs for `localhost`,
    /// `127.0.0.1`, `::1` and the listening address; the CA is [`crate::MockTenant::ca_certificate_pem`].
    pub fn self_signed() -> Self {
        Self::self_signed_for(Vec::<String>::new())
    }

    /// As [`Self::self_signed`], with these DNS names or IP addresses also on the leaf certificate.
    pub fn self_signed_for(names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self(Source::SelfSigned {
            names: names.into_iter().map(Into::into).collect(),
        })
    }

    /// This certificate chain (PEM, leaf first) and its private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub fn pem(chain: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        Self(Source::Pem {
            chain: chain.into(),
            key: key.into(),
        })
    }

    /// The acceptor for a server listening on `addr`, and the PEM of the CA made for it (if one was).
    pub(crate) fn server(&self, addr: SocketAddr) -> Result<ServerTls, TlsError> {
        let (chain, key, ca_pem) = match &self.0 {
            Source::SelfSigned { names } => {
                let made = MadeCertificate::new(addr, names)?;
                (made.chain, made.key, Some(made.ca_pem))
            }
            Source::Pem { chain, key } => {
                let chain = CertificateDer::pem_slice_iter(chain)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(TlsError::Certificate)?;
                if chain.is_empty() {
                    return Err(TlsError::Certificate(
                        rustls::pki_types::pem::Error::NoItemsFound,
                    ));
                }
                let key = PrivateKeyDer::from_pem_slice(key).map_err(TlsError::Key)?;
                (chain, key, None)
            }
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        // The mock speaks HTTP/1.1 only, over TLS as in the clear.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(ServerTls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            ca_pem,
        })
    }
}

/// What a server needs to speak TLS, made at start.
pub(crate) struct ServerTls {
    /// The handshake side of the server's configuration.
    pub(crate) acceptor: TlsAcceptor,
    /// The CA certificate (PEM) made at start, when the certificate was not given.
    pub(crate) ca_pem: Option<String>,
}

/// A CA and the leaf certificate it signed, made at start.
struct MadeCertificate {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    ca_pem: String,
}

impl MadeCertificate {
    fn new(addr: SocketAddr, names: &[String]) -> Result<Self, TlsError> {
        let now = time::OffsetDateTime::now_utc();
        // A day back, for clients whose clock runs behind.
        let (not_before, not_after) = (now - time::Duration::days(1), now + VALIDITY);

        let mut ca = CertificateParams::default();
        ca.distinguished_name = rcgen::DistinguishedName::new();
        ca.distinguished_name
            .push(DnType::CommonName, "hwoath mock tenant CA (testing only)");
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.not_before = not_before;
        ca.not_after = not_after;
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)?;

        let mut leaf = CertificateParams::default();
        leaf.distinguished_name = rcgen::DistinguishedName::new();
        leaf.distinguished_name
            .push(DnType::CommonName, "hwoath mock tenant");
        leaf.subject_alt_names = subject_alt_names(addr, names)?;
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.use_authority_key_identifier_extension = true;
        leaf.not_before = not_before;
        leaf.not_after = not_after;
        let leaf_key = KeyPair::generate()?;
        let leaf = leaf.signed_by(&leaf_key, &ca)?;

        Ok(Self {
            chain: vec![leaf.der().clone()],
            key: PrivateKeyDer::Pkcs8(leaf_key.into()),
            ca_pem: ca.pem(),
        })
    }
}

/// `localhost`, `127.0.0.1`, `::1`, the listening IP and `names` (wildcard addresses left out), each
/// once.
fn subject_alt_names(addr: SocketAddr, names: &[String]) -> Result<Vec<SanType>, TlsError> {
    let mut sans = vec![
        SanType::DnsName("localhost".try_into()?),
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
    ];
    let mut add = |san: SanType| {
        if !sans.contains(&san) {
            sans.push(san);
        }
    };
    if !addr.ip().is_unspecified() {
        add(SanType::IpAddress(addr.ip()));
    }
    for name in names {
        let name = name.trim_start_matches('[').trim_end_matches(']');
        match name.parse::<IpAddr>() {
            Ok(ip) if ip.is_unspecified() => {}
            Ok(ip) => add(SanType::IpAddress(ip)),
            Err(_) => add(SanType::DnsName(name.to_ascii_lowercase().try_into()?)),
        }
    }
    Ok(sans)
}

/// A listener for `axum::serve` that speaks TLS: it accepts TCP connections, finishes each handshake
/// on a task of its own (so a slow client holds up no other), and hands over those that succeed. A
/// plain HTTP request gets a 400 that says to use `https://`; other failed handshakes are logged.
pub(crate) struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

impl TlsListener {
    /// Serves TLS with `acceptor` on `tcp`.
    pub(crate) fn new(tcp: TcpListener, acceptor: TlsAcceptor) -> Self {
        Self {
            tcp,
            acceptor,
            handshakes: JoinSet::new(),
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((stream, peer)) => {
                        self.handshakes.spawn(handshake(self.acceptor.clone(), stream, peer));
                    }
                    Err(error) => accept_failed(error).await,
                },
                Some(done) = self.handshakes.join_next() => {
                    if let Ok(Some(connection)) = done {
                        return connection;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// What `axum::serve` does on a failed accept: connection errors are the client's, others (out of
/// file descriptors, say) wait a second before the next try.
async fn accept_failed(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// The TLS handshake on `stream`, within [`HANDSHAKE_TIMEOUT`]; `None` when it failed or the client
/// left first.
async fn handshake(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    peer: SocketAddr,
) -> Option<(TlsStream<TcpStream>, SocketAddr)> {
    let _ = stream.set_nodelay(true);
    let outcome = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
        let mut first = [0_u8; 1];
        if stream.peek(&mut first).await? == 0 {
            return Ok(None);
        }
        // Every TLS connection opens with a handshake record (0x16); HTTP opens with a method name.
        if first[0].is_ascii_uppercase() {
            tracing::info!(%peer, "plain HTTP request on the HTTPS port: answered 400");
            refuse_plain_http(stream).await?;
            return Ok(None);
        }
        acceptor.accept(stream).await.map(Some)
    })
    .await;
    match outcome {
        Ok(Ok(tls)) => tls.map(|tls| (tls, peer)),
        Ok(Err(error)) => {
            tracing::info!(%peer, %error, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::info!(%peer, "TLS handshake timed out");
            None
        }
    }
}

/// Reads the plain HTTP request's head (so the answer is not lost to a reset) and answers 400.
async fn refuse_plain_http(mut stream: TcpStream) -> io::Result<()> {
    let mut head = Vec::new();
    let mut buffer = [0_u8; 1024];
    while head.len() < 16 * 1024 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{PLAIN_HTTP_BODY}",
        PLAIN_HTTP_BODY.len()
    );
    stream.write_all(answer.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leaf_names_loopback_the_listening_ip_and_extra_names_once() {
        let addr: SocketAddr = "192.0.2.7:443".parse().unwrap();
        let names = [
            "Mock.Example".to_owned(),
            "127.0.0.1".to_owned(),
            "[::1]".to_owned(),
        ];
        let sans = subject_alt_names(addr, &names).unwrap();
        assert_eq!(sans.len(), 5, "{sans:?}");
        assert!(sans.contains(&SanType::IpAddress("192.0.2.7".parse().unwrap())));
        assert!(sans.contains(&SanType::DnsName("mock.example".try_into().unwrap())));
        let wildcard: SocketAddr = "0.0.0.0:443".parse().unwrap();
        let sans = subject_alt_names(wildcard, &["0.0.0.0".to_owned(), "::".to_owned()]).unwrap();
        assert_eq!(sans.len(), 3, "{sans:?}");
    }

    #[test]
    fn a_made_certificate_serves_the_leaf_and_shows_the_ca() {
        let made = MadeCertificate::new("127.0.0.1:0".parse().unwrap(), &[]).unwrap();
        assert_eq!(made.chain.len(), 1);
        let ca = CertificateDer::from_pem_slice(made.ca_pem.as_bytes()).unwrap();
        assert_ne!(ca, made.chain[0]);
    }

    #[test]
    fn pem_without_a_certificate_or_key_is_refused_without_echoing_the_key() {
        let addr = "127.0.0.1:0".parse().unwrap();
        let no_cert = TlsConfig::pem("not a certificate", "secret-key-material").server(addr);
        assert!(matches!(no_cert, Err(TlsError::Certificate(_))));
        let made = MadeCertificate::new(addr, &[]).unwrap();
        let chain = made.ca_pem.clone();
        let no_key = TlsConfig::pem(chain.clone(), "secret-key-material").server(addr);
        let Err(error) = no_key else {
            panic!("a key file without a key was accepted")
        };
        assert!(matches!(error, TlsError::Key(_)));
        assert!(!error.to_string().contains("secret-key-material"));
        let shown = format!("{:?}", TlsConfig::pem(chain, "secret-key-material"));
        assert!(!shown.contains("secret-key-material"), "{shown}");
    }
}
