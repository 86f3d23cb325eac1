//! HTTPS: the certificate and key from PEM files, reloaded when they change.
//!
//! Browsers give service workers (offline reloads) and the microphone only to
//! secure contexts, which a page from `http://` on another machine is not. So
//! the server can serve TLS itself (`--tls-cert`/`--tls-key`), with rustls.
//!
//! Certificates expire and are renewed in place (Let's Encrypt's clients
//! rewrite the files or re-point symlinks every 60 days or so), so the files
//! are checked every [`TlsFiles::reload_interval`] and, once they changed,
//! read again: new connections get the new certificate through
//! [`ReloadingCert`], connections already open keep theirs, and nothing
//! restarts. A polled modification time is simpler than file notifications
//! and also sees symlinks re-pointed. A new pair that does not load (a
//! half-written file, a key that does not fit the certificate) is logged and
//! the old pair kept; it is tried again at the files' next change.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tokio_rustls::TlsAcceptor;
use tracing::{info, warn};

use crate::metrics::Metrics;

/// How often the certificate files are checked for a change: 10 s. A renewal
/// comes days before the old certificate expires, so seconds do not matter;
/// each check is two `stat` calls.
pub const RELOAD_INTERVAL: Duration = Duration::from_secs(10);

/// The certificate and key files, and how often to check them.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM: the server's certificate first, then its chain (`fullchain.pem`).
    pub cert: PathBuf,
    /// PEM: the private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    pub reload_interval: Duration,
}

impl TlsFiles {
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        Self {
            cert: cert.into(),
            key: key.into(),
            reload_interval: RELOAD_INTERVAL,
        }
    }
}

/// Why a certificate and key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS {what} file {}: {source}", path.display())]
    Read {
        what: FileKind,
        path: PathBuf,
        source: io::Error,
    },
    #[error("the TLS {what} file {} is not PEM: {reason}", path.display())]
    Pem {
        what: FileKind,
        path: PathBuf,
        reason: String,
    },
    #[error(
        "the TLS certificate file {} holds no certificate (PEM, \
         -----BEGIN CERTIFICATE-----)", .0.display()
    )]
    NoCertificate(PathBuf),
    #[error(
        "the TLS key file {} holds no private key (PEM, -----BEGIN PRIVATE KEY-----, \
         RSA PRIVATE KEY or EC PRIVATE KEY)", .0.display()
    )]
    NoKey(PathBuf),
    #[error(
        "the TLS key file {} and certificate file {} do not fit together: {reason}",
        key.display(), cert.display()
    )]
    Unusable {
        cert: PathBuf,
        key: PathBuf,
        reason: rustls::Error,
    },
}

/// Which of the two files an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Certificate,
    Key,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Certificate => "certificate",
            FileKind::Key => "key",
        })
    }
}

/// The server side of TLS: the acceptor for the listener, and the reloading
/// of its certificate.
pub struct Tls {
    files: TlsFiles,
    /// The files' stamps taken before they were read: a change while they
    /// were being read shows at the first check.
    loaded: [Option<FileStamp>; 2],
    provider: Arc<CryptoProvider>,
    current: Arc<ReloadingCert>,
    acceptor: TlsAcceptor,
}

impl Tls {
    /// Reads the certificate and key; fails if either is unreadable, is not
    /// what it should be, or if they do not fit together.
    pub fn load(files: TlsFiles) -> Result<Tls, TlsError> {
        // ring, named here rather than installed process-wide: it is the
        // provider already in the tree, and no other crate's choice applies.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let loaded = stamp(&files);
        let current = Arc::new(ReloadingCert::new(load_pair(&files, &provider)?));
        let mut config = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|reason| TlsError::Unusable {
                cert: files.cert.clone(),
                key: files.key.clone(),
                reason,
            })?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        // The listener speaks HTTP/1.1 only (see listen.rs); saying so keeps
        // browsers from offering h2.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            files,
            loaded,
            provider,
            current,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }

    pub fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    /// Checks the files every `reload_interval` until `stop` turns `true`,
    /// and swaps in the new pair once they changed and load; counts both
    /// outcomes in `metrics`.
    pub fn watch(&self, metrics: Arc<Metrics>, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
        let files = self.files.clone();
        let provider = self.provider.clone();
        let current = self.current.clone();
        let mut seen = self.loaded;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(files.reload_interval);
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.wait_for(|stopping| *stopping) => return,
                }
                let files = files.clone();
                let provider = provider.clone();
                let checked = tokio::task::spawn_blocking(move || {
                    let now = stamp(&files);
                    let loaded = (now != seen).then(|| load_pair(&files, &provider));
                    (now, loaded)
                })
                .await;
                let (now, loaded) = match checked {
                    Ok(checked) => checked,
                    Err(e) => {
                        warn!("checking the TLS certificate files failed: {e}");
                        continue;
                    }
                };
                seen = now;
                match loaded {
                    None => {}
                    Some(Ok(pair)) => {
                        current.replace(pair);
                        metrics.tls_reloads.inc();
                        info!("TLS certificate reloaded: new connections get the new one");
                    }
                    Some(Err(e)) => {
                        metrics.tls_reload_failures.inc();
                        warn!("{e}; still serving the previous certificate")
                    }
                }
            }
        })
    }
}

/// Hands rustls the certificate of the moment for each new connection.
#[derive(Debug)]
pub struct ReloadingCert {
    current: RwLock<Arc<CertifiedKey>>,
}

impl ReloadingCert {
    fn new(pair: CertifiedKey) -> Self {
        Self {
            current: RwLock::new(Arc::new(pair)),
        }
    }

    fn replace(&self, pair: CertifiedKey) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(pair);
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }
}

/// Reads both files and checks that the key is the certificate's.
fn load_pair(files: &TlsFiles, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let cert_pem = read(&files.cert, FileKind::Certificate)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(&files.cert, FileKind::Certificate, e))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(files.cert.clone()));
    }
    let key_pem = read(&files.key, FileKind::Key)?;
    let key = match PrivateKeyDer::from_pem_slice(&key_pem) {
        Ok(key) => key,
        Err(rustls_pki_types::pem::Error::NoItemsFound) => {
            return Err(TlsError::NoKey(files.key.clone()))
        }
        Err(e) => return Err(pem_error(&files.key, FileKind::Key, e)),
    };
    CertifiedKey::from_der(chain, key, provider).map_err(|reason| TlsError::Unusable {
        cert: files.cert.clone(),
        key: files.key.clone(),
        reason,
    })
}

fn read(path: &Path, what: FileKind) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.to_owned(),
        source,
    })
}

fn pem_error(path: &Path, what: FileKind, e: rustls_pki_types::pem::Error) -> TlsError {
    TlsError::Pem {
        what,
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// What tells a file changed: its time, size and, on Unix, inode (a file
/// renamed over the old one, as certificate tools do), through symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
    #[cfg(unix)]
    inode: u64,
}

/// Both files' stamps; `None` for a file that cannot be read now (being
/// replaced), which counts as a change once it is back.
fn stamp(files: &TlsFiles) -> [Option<FileStamp>; 2] {
    [&files.cert, &files.key].map(|path| {
        let meta = std::fs::metadata(path).ok()?;
        Some(FileStamp {
            modified: meta.modified().ok(),
            len: meta.len(),
            #[cfg(unix)]
            inode: std::os::unix::fs::MetadataExt::ino(&meta),
        })
    })
}
