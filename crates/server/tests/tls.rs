//! HTTPS (`--tls-cert`/`--tls-key`): the API and the signaling WebSocket over
//! TLS, the certificate swapped for new connections when its files change, a
//! bad new file kept out, a silent TLS connection closed, and clear errors for
//! files that cannot serve. Certificates come from rcgen (already in the tree
//! through webrtc): a test CA the client trusts and leaf certificates for
//! `localhost` it signs, so the client verifies them as a browser would.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::binary::Binary;
use common::{http_response_on, token, trips, wait_for, HttpResponse};
use futures_util::{SinkExt, StreamExt};
use inkmesh_server::server::StartError;
use inkmesh_server::tls::TlsFiles;
use inkmesh_server::Server;
use inkmesh_transport::Role;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::RootCertStore;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::Message;

/// The name the leaf certificates are for, and the client asks for.
const HOST: &str = "localhost";

/// A certificate authority for one test, and clients that trust only it.
struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// One leaf certificate with its key, as PEM files would hold them.
struct Leaf {
    der: CertificateDer<'static>,
    cert_pem: String,
    key_pem: String,
}

impl TestCa {
    fn new() -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Inkmesh test CA");
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        TestCa { issuer }
    }

    /// A fresh key and a certificate for [`HOST`] and 127.0.0.1.
    fn leaf(&self) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec![HOST.to_owned(), "127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&key, &self.issuer)
            .unwrap();
        Leaf {
            der: cert.der().clone(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    fn connector(&self) -> TlsConnector {
        let mut roots = RootCertStore::empty();
        roots.add(self.issuer.der().clone()).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        TlsConnector::from(Arc::new(config))
    }
}

/// Writes the pair as a renewal tool does: each file written aside, then
/// renamed over the old one (the key first, so the new key never meets a
/// certificate older than the old one).
fn install(dir: &Path, leaf: &Leaf) -> TlsFiles {
    let files = files(dir);
    for (path, pem) in [(&files.key, &leaf.key_pem), (&files.cert, &leaf.cert_pem)] {
        let aside = path.with_extension("new");
        std::fs::write(&aside, pem).unwrap();
        std::fs::rename(&aside, path).unwrap();
    }
    files
}

fn files(dir: &Path) -> TlsFiles {
    TlsFiles {
        reload_interval: Duration::from_millis(50),
        ..TlsFiles::new(dir.join("cert.pem"), dir.join("key.pem"))
    }
}

async fn connect(addr: SocketAddr, connector: &TlsConnector) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.expect("connects");
    connector
        .connect(ServerName::try_from(HOST).unwrap(), tcp)
        .await
        .expect("the TLS handshake succeeds with a certificate the CA signed")
}

/// The certificate a new connection is served.
async fn served_certificate(addr: SocketAddr, connector: &TlsConnector) -> CertificateDer<'static> {
    let stream = connect(addr, connector).await;
    let (_, session) = stream.get_ref();
    session.peer_certificates().expect("a certificate")[0].clone()
}

async fn https_get(addr: SocketAddr, connector: &TlsConnector, path: &str) -> HttpResponse {
    let stream = connect(addr, connector).await;
    let host = format!("{HOST}:{}", addr.port());
    http_response_on(stream, &host, "GET", path, &[], b"").await
}

/// One series of `/metrics`, read over HTTPS.
async fn https_metric(addr: SocketAddr, connector: &TlsConnector, series: &str) -> u64 {
    let response = https_get(addr, connector, "/metrics").await;
    assert_eq!(response.status, 200);
    String::from_utf8_lossy(&response.body)
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_and_wss_serve_and_a_renewed_certificate_reaches_new_connections() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let connector = ca.connector();
    let first = ca.leaf();
    let mut config = common::config(dir.path());
    config.tls = Some(install(dir.path(), &first));
    config.tls_handshake_timeout = Duration::from_millis(500);
    let server = Server::start(config).await.expect("starts with TLS");
    let addr = server.addr();
    assert!(server.url().starts_with("https://"), "{}", server.url());
    assert!(
        server.signal_url().starts_with("wss://"),
        "{}",
        server.signal_url()
    );
    assert!(!server.insecure_for_other_machines());

    let health = https_get(addr, &connector, "/healthz").await;
    assert_eq!(
        health.status,
        200,
        "{}",
        String::from_utf8_lossy(&health.body)
    );
    assert_eq!(served_certificate(addr, &connector).await, first.der);

    // Signaling over wss://: join and be welcomed.
    let tls = connect(addr, &connector).await;
    let url = format!("wss://{HOST}:{}/api/signal", addr.port());
    let (mut ws, _) = tokio_tungstenite::client_async(url, tls)
        .await
        .expect("the WebSocket upgrade succeeds over TLS");
    let join = json!({"type": "join", "room": "r", "token": token("r", "ann", Role::Editor)});
    ws.send(Message::text(join.to_string())).await.unwrap();
    let welcome = next_json(&mut ws).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");

    // Plain HTTP on the TLS port gets no HTTP answer.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut answer)).await;
    assert!(!answer.starts_with(b"HTTP/"), "plain HTTP was answered");

    // A renewal: new connections get the new certificate, without a restart.
    let second = ca.leaf();
    install(dir.path(), &second);
    wait_for("new connections to get the renewed certificate", 10, || {
        let connector = connector.clone();
        let expected = second.der.clone();
        async move { served_certificate(addr, &connector).await == expected }
    })
    .await;
    assert!(https_metric(addr, &connector, "inkmesh_tls_reloads_total").await >= 1);
    // The socket opened before it lives on, with the old certificate.
    ws.send(Message::text(r#"{"type":"ping"}"#)).await.unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "pong");

    // A broken renewal (not PEM, then a key that is not the certificate's) is
    // refused and counted; the certificate in use stays.
    let failures = "inkmesh_tls_reload_failures_total";
    for broken in [
        Leaf {
            cert_pem: "not a certificate".to_owned(),
            ..ca.leaf()
        },
        Leaf {
            key_pem: ca.leaf().key_pem,
            ..ca.leaf()
        },
    ] {
        let before = https_metric(addr, &connector, failures).await;
        install(dir.path(), &broken);
        wait_for("the broken pair to be refused", 10, || {
            let connector = connector.clone();
            async move { https_metric(addr, &connector, failures).await > before }
        })
        .await;
        assert_eq!(served_certificate(addr, &connector).await, second.der);
    }

    // A connection that never says hello is closed, and counted.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    assert!(
        common::closed_within(&mut silent, 5).await,
        "a silent connection is closed after the handshake timeout"
    );
    let tripped = https_metric(addr, &connector, &trips("tls_handshake_timeout")).await;
    assert!(tripped >= 1, "{tripped}");

    server.shutdown().await;
}

/// The next JSON message on a WebSocket, pings skipped, within 10 s.
async fn next_json<S>(ws: &mut tokio_tungstenite::WebSocketStream<S>) -> Value
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("the socket is open")
            .expect("a frame");
        if let Message::Text(text) = frame {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            if value["type"] != "ping" {
                return value;
            }
        }
    }
}

/// Why the server refuses to start with these files in `dir`.
async fn start_error(dir: &Path, cert: &str, key: &str) -> String {
    let mut config = common::config(dir);
    config.tls = Some(TlsFiles::new(dir.join(cert), dir.join(key)));
    match Server::start(config).await {
        Ok(server) => {
            server.shutdown().await;
            panic!("started with {cert} and {key}");
        }
        Err(e) => {
            assert!(matches!(e, StartError::Tls(_)), "{e:?}");
            e.to_string()
        }
    }
}

#[tokio::test]
async fn files_that_cannot_serve_stop_the_start_with_their_path_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let good = ca.leaf();
    let path = |name: &str| -> PathBuf { dir.path().join(name) };
    std::fs::write(path("cert.pem"), &good.cert_pem).unwrap();
    std::fs::write(path("key.pem"), &good.key_pem).unwrap();
    std::fs::write(path("other-key.pem"), ca.leaf().key_pem).unwrap();
    std::fs::write(path("garbage.pem"), "hello\n").unwrap();
    let missing = start_error(dir.path(), "missing.pem", "key.pem").await;
    assert!(
        missing.contains("cannot read the TLS certificate file") && missing.contains("missing.pem"),
        "{missing}"
    );
    let no_cert = start_error(dir.path(), "key.pem", "key.pem").await;
    assert!(no_cert.contains("holds no certificate"), "{no_cert}");
    let no_key = start_error(dir.path(), "cert.pem", "garbage.pem").await;
    assert!(
        no_key.contains("holds no private key") && no_key.contains("garbage.pem"),
        "{no_key}"
    );
    let mismatch = start_error(dir.path(), "cert.pem", "other-key.pem").await;
    assert!(mismatch.contains("do not fit together"), "{mismatch}");

    let mut config = common::config(dir.path());
    config.tls = Some(TlsFiles::new(path("cert.pem"), path("key.pem")));
    let server = Server::start(config).await.expect("the good pair serves");
    server.shutdown().await;
}

#[tokio::test]
async fn the_binary_serves_https_and_prints_its_https_url() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let files = install(dir.path(), &ca.leaf());
    let (cert, key) = (files.cert.to_str().unwrap(), files.key.to_str().unwrap());
    let server = Binary::start(dir.path(), &["--tls-cert", cert, "--tls-key", key]).await;
    let printed = server.printed();
    assert!(
        printed.contains(&format!("Inkmesh is running at https://{}/", server.addr)),
        "{printed}"
    );
    let health = https_get(server.addr, &ca.connector(), "/healthz").await;
    assert_eq!(health.status, 200);
    server.terminate().await;

    // One of the two flags alone is a usage error, said plainly.
    let alone = tokio::process::Command::new(env!("CARGO_BIN_EXE_inkmesh"))
        .args(["--bind", "127.0.0.1:0", "--tls-cert", cert])
        .arg("--data-dir")
        .arg(dir.path())
        .output();
    let alone = tokio::time::timeout(Duration::from_secs(30), alone)
        .await
        .expect("the binary exits within 30 s")
        .unwrap();
    assert_eq!(alone.status.code(), Some(2));
    let said = String::from_utf8_lossy(&alone.stderr);
    assert!(said.contains("--tls-cert needs --tls-key"), "{said}");
}
