//! A real TURN server for tests: Debian's coturn (`turnserver`) on a free
//! loopback port with the TURN REST API's shared secret (`use-auth-secret`),
//! no config file, no TLS, no CLI, its log kept for assertions. Stopped when
//! dropped. Tests skip, saying so, where `turnserver` is not installed.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::UdpSocket;
use tokio::process::{Child, Command};

/// The realm coturn answers with; any name works with the REST scheme.
const REALM: &str = "inkmesh.test";

/// How long coturn has to answer STUN once started.
const START_DEADLINE: Duration = Duration::from_secs(15);

/// A running coturn. Killed when dropped.
pub struct Coturn {
    child: Child,
    pub port: u16,
    log: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Coturn {
    /// The `turnserver` binary on `PATH`, if installed.
    pub fn binary() -> Option<PathBuf> {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("turnserver"))
            .find(|candidate| candidate.is_file())
    }

    /// Starts coturn with `secret` and waits until it answers a STUN binding
    /// request; `None` (after printing why) where coturn is not installed.
    pub async fn start(secret: &str) -> Option<Coturn> {
        let Some(binary) = Self::binary() else {
            eprintln!(
                "skipped: coturn is not installed (Debian: apt-get install coturn; \
                 ./tests/run installs it when run as root)"
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("a temp dir");
        let port = free_listening_port().await;
        let mut child = Command::new(binary)
            .arg("-n")
            .args([
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                "--use-auth-secret",
                "--no-tls",
                "--no-dtls",
                "--no-cli",
                "--fingerprint",
                "--simple-log",
                "--log-file=stdout",
                // The keeper and the test's peers are on loopback: coturn
                // 4.5.2 and later relay to loopback only when told to.
                "--allow-loopback-peers",
            ])
            .arg(format!("--listening-port={port}"))
            .arg(format!("--static-auth-secret={secret}"))
            .arg(format!("--realm={REALM}"))
            .arg(format!(
                "--pidfile={}",
                dir.path().join("turnserver.pid").display()
            ))
            .arg(format!("--userdb={}", dir.path().join("turndb").display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("turnserver starts");
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn tokio::io::AsyncRead + Send + Unpin>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let sink = log.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut log = sink.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let coturn = Coturn {
            child,
            port,
            log,
            _dir: dir,
        };
        coturn.wait_until_answering().await;
        Some(coturn)
    }

    /// `turn:127.0.0.1:PORT` (UDP: the only TURN transport webrtc 0.21 has).
    pub fn url(&self) -> String {
        format!("turn:127.0.0.1:{}", self.port)
    }

    /// Everything coturn has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends STUN binding requests until one is answered.
    async fn wait_until_answering(&self) {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.connect(("127.0.0.1", self.port)).await.unwrap();
        // Binding request: type 0x0001, length 0, the magic cookie, a transaction id.
        let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
        request.extend_from_slice(b"inkmesh-test");
        let deadline = tokio::time::Instant::now() + START_DEADLINE;
        let mut answer = [0u8; 512];
        while tokio::time::Instant::now() < deadline {
            let _ = socket.send(&request).await;
            let read = tokio::time::timeout(Duration::from_millis(200), socket.recv(&mut answer));
            // A binding success response: type 0x0101.
            if let Ok(Ok(n)) = read.await {
                if n >= 20 && answer[..2] == [0x01, 0x01] {
                    return;
                }
            }
        }
        panic!(
            "coturn did not answer STUN on 127.0.0.1:{} within {START_DEADLINE:?}; log:\n{}",
            self.port,
            self.log()
        );
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Where [`free_listening_port`] looks: below Linux's default ephemeral range
/// (32768-60999), so no socket the kernel numbers (the tests' own ICE and
/// HTTP sockets, busy in parallel) can take the port between the check and
/// coturn's bind. A port from the ephemeral range was taken that way once.
const LISTENING_PORTS: std::ops::Range<u16> = 20_000..32_000;

/// A port free for both UDP and TCP (coturn listens on both) right now,
/// from [`LISTENING_PORTS`], starting at a point that differs per call.
async fn free_listening_port() -> u16 {
    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let span = u32::from(LISTENING_PORTS.end - LISTENING_PORTS.start);
    let seed = std::process::id()
        .wrapping_mul(7919)
        .wrapping_add(CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) * 997);
    for step in 0..span {
        let port = LISTENING_PORTS.start + ((seed + step * 31) % span) as u16;
        let udp = UdpSocket::bind(("127.0.0.1", port)).await;
        let tcp = tokio::net::TcpListener::bind(("127.0.0.1", port)).await;
        if udp.is_ok() && tcp.is_ok() {
            return port;
        }
    }
    panic!("no port in {LISTENING_PORTS:?} is free for coturn");
}
