//! A real Redis for tests: Debian's `redis-server` on a free loopback port,
//! in memory only (no RDB, no AOF), in a directory of its own. Stopped when
//! dropped. Tests skip, saying so, where `redis-server` is not installed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

use super::wait_for;

/// How long Redis has to accept connections once started.
const START_SECS: u64 = 15;

/// A running redis-server. Killed when dropped.
pub struct Redis {
    child: Child,
    binary: PathBuf,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Redis {
    /// The `redis-server` binary on `PATH`, if installed.
    pub fn binary() -> Option<PathBuf> {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("redis-server"))
            .find(|candidate| candidate.is_file())
    }

    /// Starts Redis and waits until it answers `PING`; `None` (after printing
    /// why) where Redis is not installed.
    pub async fn start() -> Option<Redis> {
        let Some(binary) = Self::binary() else {
            eprintln!(
                "skipped: redis-server is not installed (Debian: apt-get install redis-server; \
                 ./tests/run installs it when run as root)"
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("a temp dir");
        let port = free_tcp_port().await;
        let child = spawn(&binary, port, dir.path()).await;
        Some(Redis {
            child,
            binary,
            port,
            dir,
        })
    }

    /// Kills Redis and starts it again, empty, on the same port.
    pub async fn restart(&mut self) {
        self.child.kill().await.expect("kill redis-server");
        self.child = spawn(&self.binary, self.port, self.dir.path()).await;
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

/// Starts redis-server in memory only on `port` and waits for its `PONG`.
async fn spawn(binary: &Path, port: u16, dir: &Path) -> Child {
    let child = Command::new(binary)
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("redis-server starts");
    wait_for("redis-server to answer PING", START_SECS, || async {
        ping(port).await
    })
    .await;
    child
}

/// Whether Redis on `port` answers `PING` with `+PONG`.
async fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    if stream.write_all(b"PING\r\n").await.is_err() {
        return false;
    }
    let mut answer = [0u8; 7];
    let read = tokio::time::timeout(
        Duration::from_secs(1),
        tokio::io::AsyncReadExt::read_exact(&mut stream, &mut answer),
    )
    .await;
    matches!(read, Ok(Ok(_))) && &answer == b"+PONG\r\n"
}

async fn free_tcp_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    listener.local_addr().expect("its address").port()
}
