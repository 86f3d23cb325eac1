//! A real PostgreSQL for tests: Debian's `postgresql` package (its binaries in
//! `/usr/lib/postgresql/VERSION/bin`), a throwaway cluster on a free loopback
//! port with password (SCRAM) authentication, and a database per test so
//! tests run in parallel against one server. The server is shared by the
//! tests of one test binary while any of them holds it, and stopped (its
//! files removed) when the last one lets go. Tests skip, saying so, where
//! PostgreSQL is not installed.
//!
//! PostgreSQL refuses to run as root: run as root, the cluster belongs to the
//! `postgres` user the package creates and the server runs as that user (the
//! child process is the server itself, so stopping it needs no `runuser`).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The superuser's password: tests connect the way a deployment does.
pub const PASSWORD: &str = "inkmesh-test-password";

/// How long the server has to accept connections once started.
const START_DEADLINE: Duration = Duration::from_secs(30);

/// How long a fast shutdown may take before the server is killed.
const STOP_DEADLINE: Duration = Duration::from_secs(10);

/// The server the tests of this binary share, while any holds it.
static SHARED: Mutex<Weak<Postgres>> = Mutex::new(Weak::new());

/// A running PostgreSQL cluster. Stopped and removed when dropped.
pub struct Postgres {
    child: Mutex<Child>,
    pub port: u16,
    bin: PathBuf,
    dir: tempfile::TempDir,
}

/// One test's database on the shared server.
pub struct PostgresDb {
    /// `postgres://postgres:PASSWORD@127.0.0.1:PORT/NAME`
    pub url: String,
    pub server: Arc<Postgres>,
}

impl Postgres {
    /// The newest installed PostgreSQL's binaries, if any.
    pub fn bin_dir() -> Option<PathBuf> {
        let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let version = entry.file_name().to_str()?.parse().ok()?;
                let bin = entry.path().join("bin");
                bin.join("postgres").is_file().then_some((version, bin))
            })
            .collect();
        dirs.sort();
        dirs.pop().map(|(_, bin)| bin)
    }

    /// [`Postgres::bin_dir`], or `None` after printing that the test skips.
    fn installed() -> Option<PathBuf> {
        let bin = Self::bin_dir();
        if bin.is_none() {
            eprintln!(
                "skipped: PostgreSQL is not installed (Debian: apt-get install postgresql; \
                 ./tests/run installs it when run as root)"
            );
        }
        bin
    }

    /// The shared server, started if none runs; `None` (after printing why)
    /// where PostgreSQL is not installed.
    pub fn shared() -> Option<Arc<Postgres>> {
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(server) = shared.upgrade() {
            return Some(server);
        }
        let server = Arc::new(Self::start(Self::installed()?));
        *shared = Arc::downgrade(&server);
        Some(server)
    }

    /// A fresh database on the shared server (see [`Postgres::shared`]).
    pub fn database() -> Option<PostgresDb> {
        Some(Self::shared()?.create_database())
    }

    /// Creates an empty database with a name no other test uses.
    pub fn create_database(self: &Arc<Self>) -> PostgresDb {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let status = Command::new(self.bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-U", "postgres", "-p"])
            .arg(self.port.to_string())
            .arg(&name)
            .env("PGPASSWORD", PASSWORD)
            .status()
            .expect("createdb runs");
        assert!(status.success(), "createdb {name}: {status}");
        PostgresDb {
            url: self.url(&name),
            server: self.clone(),
        }
    }

    /// The URL of database `name`, with the password.
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://postgres:{PASSWORD}@127.0.0.1:{}/{name}",
            self.port
        )
    }

    /// Everything the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }

    /// A server of its own, for a test that stops and restarts it; `None`
    /// (after printing why) where PostgreSQL is not installed.
    pub fn private() -> Option<Arc<Postgres>> {
        Some(Arc::new(Self::start(Self::installed()?)))
    }

    /// Stops the server (fast shutdown: sessions are cut), keeping its data.
    pub fn stop(&self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        stop(&mut child);
    }

    /// Starts the stopped server again on the same data and port.
    pub fn restart(&self) {
        *self.child.lock().unwrap_or_else(|e| e.into_inner()) =
            launch(&self.bin, self.dir.path(), self.port);
        self.wait_until_accepting();
    }

    fn start(bin: PathBuf) -> Postgres {
        let dir = tempfile::tempdir().expect("a temp dir");
        let owner = ClusterOwner::for_this_process();
        let password_file = dir.path().join("password");
        std::fs::write(&password_file, PASSWORD).unwrap();
        owner.take(dir.path());
        owner.take(&password_file);
        let initdb = owner
            .command(bin.join("initdb"))
            .args(["-U", "postgres", "--auth=scram-sha-256", "--no-sync"])
            .args(["--locale=C", "--encoding=UTF8"])
            .arg(format!("--pwfile={}", password_file.display()))
            .arg("-D")
            .arg(dir.path().join("data"))
            .stdout(Stdio::null())
            .output()
            .expect("initdb runs");
        assert!(
            initdb.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        let port = free_tcp_port();
        let server = Postgres {
            child: Mutex::new(launch(&bin, dir.path(), port)),
            port,
            bin,
            dir,
        };
        server.wait_until_accepting();
        server
    }

    /// Asks `pg_isready` until the server accepts connections.
    fn wait_until_accepting(&self) {
        let deadline = Instant::now() + START_DEADLINE;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.lock().unwrap().try_wait() {
                panic!("postgres exited ({status}); log:\n{}", self.log());
            }
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p"])
                .arg(self.port.to_string())
                .status()
                .expect("pg_isready runs");
            if ready.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "postgres did not accept connections within {START_DEADLINE:?}; log:\n{}",
            self.log()
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        stop(self.child.get_mut().unwrap_or_else(|e| e.into_inner()));
    }
}

/// Starts the server of the cluster in `dir` on `port`, logging to
/// `dir/postgres.log`.
fn launch(bin: &Path, dir: &Path, port: u16) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("postgres.log"))
        .unwrap();
    ClusterOwner::for_this_process()
        .command(bin.join("postgres"))
        .arg("-D")
        .arg(dir.join("data"))
        .arg("-k")
        .arg(dir)
        .arg("-p")
        .arg(port.to_string())
        .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=on"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("postgres starts")
}

/// SIGINT (fast shutdown: disconnect everyone, stop), then SIGKILL if it
/// takes too long.
fn stop(child: &mut Child) {
    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_child(child),
        rustix::process::Signal::INT,
    );
    let deadline = Instant::now() + STOP_DEADLINE;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Who runs the cluster: this process's user, or `postgres` when this
/// process is root.
struct ClusterOwner {
    ids: Option<(u32, u32)>,
}

impl ClusterOwner {
    fn for_this_process() -> Self {
        if !rustix::process::geteuid().is_root() {
            return Self { ids: None };
        }
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let ids = passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&"postgres") && fields.len() > 3)
                .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                .flatten()
        });
        assert!(
            ids.is_some(),
            "running as root, the PostgreSQL tests need the `postgres` user the package creates"
        );
        Self { ids }
    }

    fn take(&self, path: &Path) {
        if let Some((uid, gid)) = self.ids {
            std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
        }
    }

    fn command(&self, program: PathBuf) -> Command {
        let mut command = Command::new(program);
        // The server user may not be able to enter the test's directory.
        command.current_dir("/");
        if let Some((uid, gid)) = self.ids {
            command.uid(uid).gid(gid);
        }
        command
    }
}

/// A TCP port nothing uses right now (the server binds it right after).
fn free_tcp_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
