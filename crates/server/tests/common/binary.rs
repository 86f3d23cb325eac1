//! The real `inkmesh` binary, as the abuse and crash tests run it: on
//! loopback with its keepers on loopback, its log kept for assertions, its
//! memory read from `/proc`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::wait_for;

/// A running `inkmesh` process. Killed when dropped.
pub struct Binary {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
    printed: Arc<Mutex<String>>,
}

impl Binary {
    /// Starts the server on `dir` with `args` after the loopback defaults
    /// (a free port, keepers on loopback without mDNS unless `args` bind them
    /// elsewhere, no web client).
    pub async fn start(dir: &Path, args: &[&str]) -> Binary {
        Self::start_with_env(dir, args, &[]).await
    }

    pub async fn start_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Binary {
        let keeper_bind = if args.contains(&"--keeper-bind") {
            &[][..]
        } else {
            &["--keeper-bind", "127.0.0.1:0"][..]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_inkmesh"))
            .args(["--bind", "127.0.0.1:0", "--keeper-mdns", "false"])
            .args(keeper_bind)
            .arg("--data-dir")
            .arg(dir)
            .arg("--web-dir")
            .arg(dir.join("no-web"))
            .args(args)
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the inkmesh binary starts");
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        let sink = log.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stderr.next_line().await {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let printed = Arc::new(Mutex::new(String::new()));
        let addr = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = stdout.next_line().await.unwrap() {
                printed.lock().unwrap().push_str(&format!("{line}\n"));
                let url = line.strip_prefix("Inkmesh is running at ").and_then(|url| {
                    url.strip_prefix("http://")
                        .or_else(|| url.strip_prefix("https://"))
                });
                if let Some(url) = url {
                    return url.trim_end_matches('/').parse::<SocketAddr>().unwrap();
                }
            }
            panic!("the server exited before printing its URL");
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the server prints its URL within 30 s; log:\n{}",
                log.lock().unwrap()
            )
        });
        // Keep reading so the server never writes into a closed pipe.
        let sink = printed.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stdout.next_line().await {
                sink.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        Binary {
            child,
            addr,
            log,
            printed,
        }
    }

    /// What the server printed to stdout so far (its start message).
    pub fn printed(&self) -> String {
        self.printed.lock().unwrap().clone()
    }

    pub fn signal_url(&self) -> String {
        format!("ws://{}/api/signal", self.addr)
    }

    /// Everything the server has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log contains `needle`.
    pub async fn wait_for_log(&self, needle: &str, secs: u64) {
        wait_for(&format!("the server to log {needle:?}"), secs, || async {
            self.log().contains(needle)
        })
        .await;
    }

    /// The server's resident memory.
    pub fn rss_kib(&self) -> u64 {
        let pid = self.child.id().expect("the server is running");
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// SIGSTOP: the process is frozen (timers, threads, sockets) until
    /// [`Binary::resume`], as a stalled VM or a long GC pause would.
    pub fn pause(&self) {
        self.send_signal("-STOP");
    }

    /// SIGCONT after [`Binary::pause`].
    pub fn resume(&self) {
        self.send_signal("-CONT");
    }

    fn send_signal(&self, signal: &str) {
        let pid = self.child.id().expect("the server is running");
        let sent = std::process::Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(sent.success(), "kill {signal} {pid}");
    }

    /// SIGKILL: no shutdown, no flush.
    pub async fn kill(mut self) {
        self.child.kill().await.expect("kill the server");
    }

    /// SIGTERM, as service managers stop it: the server stores everything
    /// and exits successfully within 30 s.
    pub async fn terminate(mut self) {
        let pid = self.child.id().expect("the server is running");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(sent.success());
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("SIGTERM stops the server within 30 s")
            .unwrap();
        assert!(status.success(), "graceful exit: {status:?}");
    }
}
