//! The server's benchmark: signaling under load (against y-webrtc's signaling
//! server too), persistence on SQLite and PostgreSQL, and what a keeper costs
//! per room.
//!
//! ```sh
//! cargo bench -p inkmesh-server --bench server
//! ```
//!
//! Prints one table per measurement, all on loopback, in about three minutes
//! (`INKMESH_BENCH_PHASES=signaling,idle` picks some):
//!
//! 1. **Signaling**: 200, then 2,000 WebSocket clients in rooms of 5 against
//!    an in-process server ([`SIGNALING_LOADS`]). Each client joins, then sends offer/answer/candidate
//!    `signal`s (~1 KB of fake SDP carrying a send timestamp) to each of its 4
//!    room-mates every round. Relay latency p50/p99 (send → the addressed
//!    client has it) and server memory per connection (VmRSS delta / clients).
//!    The clients run in a child process (this binary again, see
//!    [`CLIENT_ENV`]) so the server's RSS and CPU are its own.
//! 2. **y-webrtc**: the same clients against `tests/node_modules/y-webrtc/bin/server.js`
//!    (`npm install --prefix tests`), publishing the same messages to their
//!    room's topic as y-webrtc clients do; skipped if node or the package is missing.
//! 3. **Persistence**: 20,000 ~100-byte updates through the keeper's append
//!    path (`persist::Writer`) over `SqliteStore` and, where Debian's
//!    `postgresql` is installed, `PostgresStore` on a local server this
//!    benchmark starts (as the tests do): updates/s, latency from `append`
//!    until the batch holding it is committed, and each batch's transaction
//!    time; all at once, and paced at 2,000 updates/s.
//! 4. **Keeper cost**: 50 rooms, one native peer each drawing at 60 Hz for 5 s.
//!    CPU time of the server's threads (its runtime and the writer thread, read
//!    per thread from `/proc/self/task`), minus the same 5 s idle, per room.
//! 6. **Across nodes** (`cluster`): the signaling load of phase 1 over two
//!    in-process nodes joined by a Redis bus (`redis-server` from Debian, as
//!    the tests start it; skipped where it is not installed). Room-mates
//!    alternate between the nodes, so in the same run some signals stay on
//!    their node and the rest cross through Redis: relay latency of each, and
//!    the ratio (issue 12's goal: cross-node p99 at most 2× same-node).
//! 7. **Capacity** (`capacity`): phase 1's load on one node with more and
//!    more clients ([`CAPACITY_STEPS`]), until relay p99 passes 50 ms: the
//!    rooms and members one node holds on this machine (the load generator
//!    shares its cores).
//! 5. **Idle members**: 10,000 signaling clients joined to 1,000 rooms and
//!    idle, against the real `inkmesh` binary (so its memory is the server's
//!    alone) and against y-webrtc's server subscribed to 1,000 topics: each
//!    server's RSS before and after, and per connection.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write as _};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use inkmesh_doc::{Board, Point, Style};
use inkmesh_server::metrics::Metrics;
use inkmesh_server::persist::{LogPosition, Writer};
use inkmesh_server::retention::Retention;
use inkmesh_server::stores::{
    ImagePut, Lease, NewImage, NewUpdate, PostgresStore, RoomData, SnapshotMeta, SqliteStore,
    Store, StoreError, StoredImage, Sweep, VersionInfo,
};
use inkmesh_server::{Auth, Claims, Server, ServerConfig};
use inkmesh_transport::{Role, Room, RoomEvent, TransportConfig, WsSignaling};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const SECRET: &str = "bench-secret-0123456789";

/// The tests' PostgreSQL harness: a throwaway server on loopback. The
/// benchmark uses only part of it.
#[allow(dead_code)]
#[path = "../tests/common/postgres.rs"]
mod postgres;
/// The tests' Redis harness: a throwaway in-memory redis-server on loopback.
#[allow(dead_code)]
#[path = "../tests/common/redis.rs"]
mod redis;
/// Set (to `inkmesh`, `ywebrtc`, [`IDLE_INKMESH`] or [`IDLE_YWEBRTC`]) when
/// this binary runs as the client load.
const CLIENT_ENV: &str = "INKMESH_BENCH_CLIENTS";
const IDLE_INKMESH: &str = "inkmesh-idle";
/// Comma-separated phases to run (default: all); see [`phase`].
const PHASES_ENV: &str = "INKMESH_BENCH_PHASES";
const IDLE_YWEBRTC: &str = "ywebrtc-idle";

const CLIENTS: usize = 2_000;
/// Client counts phases 1-2 run, each against both servers: a light load,
/// where latency is the relay's own path (a fixed delay such as Nagle's
/// algorithm or a timer shows here), then [`CLIENTS`], where it is also how
/// each server copes with 8,000 signals a second on a shared 2-core machine.
const SIGNALING_LOADS: [usize; 2] = [200, CLIENTS];
const PER_ROOM: usize = 5;
/// Client counts phase 7 tries, in rooms of [`PER_ROOM`], until relay p99
/// passes [`CAPACITY_P99`].
const CAPACITY_STEPS: &[usize] = &[2_000, 4_000, 8_000, 12_000];
const CAPACITY_P99: Duration = Duration::from_millis(50);
const ROUNDS: usize = 10;
/// One round: a signal to each room-mate. 4 messages a second per client
/// (8,000/s in all) is a load a 2-core machine carries without queueing, so the
/// latency is the relay's, not a backlog's. Well inside the server's rate limit.
const ROUND_EVERY: Duration = Duration::from_secs(1);
const SDP_BYTES: usize = 1_000;

const UPDATES: usize = 20_000;
const UPDATE_BYTES: usize = 100;

const IDLE_MEMBERS: usize = 10_000;
const IDLE_PER_ROOM: usize = 10;
/// Goals of issue 10: what an idle member may cost, and the whole server
/// with [`IDLE_MEMBERS`] of them.
const IDLE_GOAL_KIB_PER_MEMBER: f64 = 20.0;
const IDLE_GOAL_TOTAL_MIB: f64 = 300.0;
/// Time the servers get, once every member is in, before their memory is
/// read: allocators return and keepalive pings make a first round.
const IDLE_SETTLE: Duration = Duration::from_secs(12);

const DRAW_ROOMS: usize = 50;
const DRAW_SECS: u64 = 5;
/// Server runtime threads are named this; peers' runtime threads `PEER_THREAD`.
const SERVER_THREAD: &str = "srv";
const PEER_THREAD: &str = "peer";
const WRITER_THREAD: &str = "inkmesh-writer";

fn main() {
    if let Ok(mode) = std::env::var(CLIENT_ENV) {
        client_process(&mode);
        return;
    }
    let server_rt = runtime(SERVER_THREAD, 2);
    println!("inkmesh server benchmark (loopback, {} cores)", cores());
    if phase("signaling") {
        for clients in SIGNALING_LOADS {
            let inkmesh = signaling_inkmesh(&server_rt, clients);
            let ywebrtc = signaling_ywebrtc(clients);
            print_signaling(clients, &inkmesh, ywebrtc.as_ref());
        }
    }
    if phase("persistence") {
        persistence(&server_rt);
    }
    if phase("keeper") {
        keeper_cost(&server_rt);
    }
    if phase("idle") {
        idle_members();
    }
    if phase("cluster") {
        across_nodes(&server_rt);
    }
    if phase("capacity") {
        capacity(&server_rt);
    }
}

/// Whether to run a phase: all of them, or those `INKMESH_BENCH_PHASES`
/// lists (comma-separated: signaling, persistence, keeper, idle, cluster,
/// capacity).
fn phase(name: &str) -> bool {
    std::env::var(PHASES_ENV).map_or(true, |phases| phases.split(',').any(|p| p.trim() == name))
}

fn runtime(name: &str, threads: usize) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

// ---------------------------------------------------------------------------
// 1 + 2. Signaling under load
// ---------------------------------------------------------------------------

/// One signaling run, as the client process reports it plus server memory.
#[derive(Debug, Default)]
struct SignalRun {
    connected: usize,
    sent: u64,
    delivered: u64,
    /// Deliveries not addressed to the receiver (y-webrtc broadcasts to the topic).
    overheard: u64,
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
    /// Of the signals between members on different nodes (phase 6).
    cross_delivered: u64,
    cross_p50_us: u64,
    cross_p99_us: u64,
    rss_per_conn_kib: f64,
    server_cpu_ms: f64,
    note: String,
}

fn signaling_inkmesh(rt: &Runtime, clients: usize) -> SignalRun {
    let dir = tempfile::tempdir().expect("a temp dir");
    let server = rt.block_on(start_server(dir.path(), false));
    let pid = std::process::id();
    let run = drive_clients("inkmesh", &server.signal_url(), clients, pid, server_cpu_ms);
    stop_server(rt, server);
    run
}

/// Shuts the server down, saying so if that takes unusually long.
fn stop_server(rt: &Runtime, server: Server) {
    let started = Instant::now();
    if rt
        .block_on(async { tokio::time::timeout(Duration::from_secs(60), server.shutdown()).await })
        .is_err()
    {
        println!("  warning: the server's shutdown did not finish within 60 s; going on");
    } else if started.elapsed() > Duration::from_secs(10) {
        println!(
            "  note: the server's shutdown took {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
}

async fn start_server(dir: &Path, quiet_keeper: bool) -> Server {
    let mut config = ServerConfig::local(dir);
    config.auth_secret = Some(SECRET.into());
    if quiet_keeper {
        config.keeper.idle = Duration::from_secs(2);
    }
    Server::start(config).await.expect("the server starts")
}

fn signaling_ywebrtc(clients: usize) -> Option<SignalRun> {
    let (mut node, port) = start_ywebrtc()?;
    let pid = node.id();
    let run = drive_clients(
        "ywebrtc",
        &format!("ws://127.0.0.1:{port}"),
        clients,
        pid,
        move || proc_cpu_ms(&format!("/proc/{pid}/stat")),
    );
    let _ = node.kill();
    let _ = node.wait();
    Some(run)
}

/// y-webrtc's signaling server on a free port, listening; `None` (having
/// said why) when it cannot run here.
fn start_ywebrtc() -> Option<(Child, u16)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/node_modules/y-webrtc/bin/server.js");
    if !script.exists() {
        println!(
            "y-webrtc: {} missing (npm install --prefix tests y-webrtc); comparison skipped",
            script.display()
        );
        return None;
    }
    let port = free_port();
    let mut node = match Command::new("node")
        .arg(&script)
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(node) => node,
        Err(e) => {
            println!("y-webrtc: cannot run node ({e}); comparison skipped");
            return None;
        }
    };
    if !wait_for_port(port, Duration::from_secs(10)) {
        println!("y-webrtc: the server did not listen on port {port}; comparison skipped");
        let _ = node.kill();
        let _ = node.wait();
        return None;
    }
    Some((node, port))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_for_port(port: u16, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Runs the client load in a child process against `url`, measuring the server
/// process `pid`: RSS before/after connecting, CPU while signalling.
fn drive_clients(
    mode: &str,
    url: &str,
    clients: usize,
    pid: u32,
    cpu_ms: impl Fn() -> f64,
) -> SignalRun {
    let status = format!("/proc/{pid}/status");
    let (mut child, mut to_child, mut from_child) = spawn_clients(mode, url, clients);
    let rss_before = vm_rss_kib(&status);
    let connected = expect_line(&mut from_child, "CONNECTED");
    let rss_after = vm_rss_kib(&status);
    let cpu_before = cpu_ms();
    let _ = writeln!(to_child, "GO");
    let result = expect_line(&mut from_child, "RESULT");
    let cpu = cpu_ms() - cpu_before;
    let _ = writeln!(to_child, "BYE");
    let _ = child.wait();
    let mut run = parse_result(&result);
    run.connected = field(&connected, "connected") as usize;
    run.rss_per_conn_kib = (rss_after - rss_before) as f64 / clients as f64;
    run.server_cpu_ms = cpu;
    if run.connected < clients {
        run.note = format!("only {} of {clients} connected. ", run.connected);
    }
    if run.delivered < run.sent {
        run.note += &format!(
            "{} addressed signals never arrived (each reader waits until 15 s after the last round).",
            run.sent - run.delivered
        );
    }
    run
}

fn spawn_clients(
    mode: &str,
    url: &str,
    clients: usize,
) -> (Child, ChildStdin, BufReader<ChildStdout>) {
    let mut child = Command::new(std::env::current_exe().expect("this binary"))
        .env(CLIENT_ENV, mode)
        .arg(url)
        .arg(clients.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the client process starts");
    let stdin = child.stdin.take().expect("piped stdin");
    let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    (child, stdin, stdout)
}

/// The child's next line starting with `tag`; other lines are echoed.
fn expect_line(from: &mut BufReader<ChildStdout>, tag: &str) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        if from.read_line(&mut line).unwrap_or(0) == 0 {
            panic!("the client process ended before {tag}");
        }
        if line.starts_with(tag) {
            return line.trim().to_owned();
        }
        print!("  clients: {line}");
    }
}

fn field(line: &str, name: &str) -> u64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn parse_result(line: &str) -> SignalRun {
    SignalRun {
        sent: field(line, "sent"),
        delivered: field(line, "delivered"),
        overheard: field(line, "overheard"),
        p50_us: field(line, "p50"),
        p99_us: field(line, "p99"),
        max_us: field(line, "max"),
        cross_delivered: field(line, "cross_delivered"),
        cross_p50_us: field(line, "cross_p50"),
        cross_p99_us: field(line, "cross_p99"),
        ..SignalRun::default()
    }
}

/// The header of a table comparing inkmesh with y-webrtc's server.
fn print_comparison_header() {
    println!(
        "{:<34} {:>14} {:>14} {:>10}",
        "", "inkmesh", "y-webrtc", "ratio"
    );
}

/// One row of such a table: inkmesh's figure, y-webrtc's from the same run,
/// and their ratio.
fn comparison_row(name: &str, ink: f64, ywebrtc: Option<f64>, unit: &str) {
    let theirs = ywebrtc.map_or("-".to_owned(), |y| format!("{y:.1}{unit}"));
    let ratio = ywebrtc
        .filter(|y| *y > 0.0)
        .map_or("-".to_owned(), |y| format!("{:.2}x", ink / y));
    println!(
        "{name:<34} {:>14} {theirs:>14} {ratio:>10}",
        format!("{ink:.1}{unit}")
    );
}

fn print_signaling(clients: usize, ink: &SignalRun, yw: Option<&SignalRun>) {
    println!();
    println!("1-2. Signaling: {clients} clients, {} rooms of {PER_ROOM}, {ROUNDS} rounds every {} ms, each a ~{SDP_BYTES} B signal to every room-mate",
        clients / PER_ROOM, ROUND_EVERY.as_millis());
    print_comparison_header();
    let ms = |us: u64| us as f64 / 1000.0;
    comparison_row(
        "relay latency p50",
        ms(ink.p50_us),
        yw.map(|y| ms(y.p50_us)),
        " ms",
    );
    comparison_row(
        "relay latency p99",
        ms(ink.p99_us),
        yw.map(|y| ms(y.p99_us)),
        " ms",
    );
    comparison_row(
        "relay latency max",
        ms(ink.max_us),
        yw.map(|y| ms(y.max_us)),
        " ms",
    );
    comparison_row(
        "server memory per connection",
        ink.rss_per_conn_kib,
        yw.map(|y| y.rss_per_conn_kib),
        " KiB",
    );
    comparison_row(
        "server CPU during the rounds",
        ink.server_cpu_ms,
        yw.map(|y| y.server_cpu_ms),
        " ms",
    );
    let count = |r: &SignalRun| format!("{}/{}", r.delivered, r.sent);
    println!(
        "{:<34} {:>14} {:>14}",
        "addressed signals delivered",
        count(ink),
        yw.map_or("-".into(), count)
    );
    println!(
        "{:<34} {:>14} {:>14}",
        "deliveries to others (broadcast)",
        ink.overheard,
        yw.map_or("-".into(), |y| y.overheard.to_string())
    );
    for (name, run) in [("inkmesh", Some(ink)), ("y-webrtc", yw)] {
        if let Some(run) = run.filter(|r| !r.note.is_empty()) {
            println!("  {name}: {}", run.note);
        }
    }
    if let Some(yw) = yw {
        let verdict = |ink: u64, theirs: u64| if ink <= theirs { "met" } else { "NOT met" };
        println!(
            "  goal (issue 13): relay latency at most y-webrtc's in the same run: p50 {}, p99 {}",
            verdict(ink.p50_us, yw.p50_us),
            verdict(ink.p99_us, yw.p99_us)
        );
    }
    println!("  inkmesh memory includes the room's keeper (1 per {PER_ROOM} connections), dormant here: nobody offers to it.");
    println!("  y-webrtc relays by topic: every publish goes to all {PER_ROOM} subscribers, who drop those not addressed to them.");
}

// --- the client process ----------------------------------------------------

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

fn now_us() -> u64 {
    base().elapsed().as_micros() as u64
}

/// Entry of the child process: connects every client, says `CONNECTED`, waits
/// for `GO`, runs the rounds, prints `RESULT`, waits for `BYE`.
fn client_process(mode: &str) {
    base();
    // Never outlive a stuck run: the parent then reports that the clients ended early.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(180));
        eprintln!("client process: still running after 180 s; giving up");
        std::process::exit(2);
    });
    // Several nodes' URLs, comma-separated: client i joins node i mod n.
    let urls: Vec<String> = std::env::args()
        .nth(1)
        .expect("the server URL")
        .split(',')
        .map(str::to_owned)
        .collect();
    let (ywebrtc, idle) = match mode {
        "inkmesh" => (false, false),
        "ywebrtc" => (true, false),
        IDLE_INKMESH => (false, true),
        IDLE_YWEBRTC => (true, true),
        other => panic!("unknown client mode {other}"),
    };
    let rt = runtime("clients", 2);
    let mut stdin = std::io::stdin().lock();
    let mut line = String::new();
    if idle {
        let clients = rt.block_on(connect_all(&urls, ywebrtc, IDLE_MEMBERS, IDLE_PER_ROOM));
        // Read (and so answer the servers' keepalive pings) until told to stop.
        let readers: Vec<_> = clients
            .into_iter()
            .map(|c| rt.spawn(async move { c.ws.for_each(|_| async {}).await }))
            .collect();
        println!("CONNECTED connected={}", readers.len());
        let _ = stdin.read_line(&mut line);
        return;
    }
    let count = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(CLIENTS);
    let clients = rt.block_on(connect_all(&urls, ywebrtc, count, PER_ROOM));
    println!("CONNECTED connected={}", clients.len());
    let result = rt.block_on(run_rounds(clients, ywebrtc, urls.len()));
    println!("{result}");
    let _ = stdin.read_line(&mut line);
}

struct Client {
    index: usize,
    room: String,
    /// The id others address this client by (server id, or the index for y-webrtc).
    id: String,
    ws: Ws,
}

async fn connect_all(urls: &[String], ywebrtc: bool, count: usize, per_room: usize) -> Vec<Client> {
    let mut clients = Vec::with_capacity(count);
    let mut errors: HashMap<String, usize> = HashMap::new();
    for chunk_start in (0..count).step_by(100) {
        let mut set = JoinSet::new();
        for index in chunk_start..(chunk_start + 100).min(count) {
            let url = urls[index % urls.len()].clone();
            set.spawn(async move {
                let connect = connect_one(&url, index, index / per_room, ywebrtc);
                tokio::time::timeout(Duration::from_secs(20), connect)
                    .await
                    .unwrap_or_else(|_| Err("no welcome within 20 s".to_owned()))
            });
        }
        while let Some(done) = set.join_next().await {
            match done.expect("connect task") {
                Ok(client) => clients.push(client),
                Err(e) => *errors.entry(e).or_default() += 1,
            }
        }
    }
    for (e, n) in errors {
        let hint = if e.contains("Too many open files") {
            " (raise it: ulimit -n 10000)"
        } else {
            ""
        };
        println!("connect failed {n} times: {e}{hint}");
    }
    clients.sort_by_key(|c| c.index);
    clients
}

async fn connect_one(
    url: &str,
    index: usize,
    room: usize,
    ywebrtc: bool,
) -> Result<Client, String> {
    let room = format!("bench-{room}");
    // Small buffers: thousands of clients live in this one process.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
        .await
        .map_err(|e| e.to_string())?;
    let id = if ywebrtc {
        send_json(&mut ws, json!({"type": "subscribe", "topics": [room]})).await?;
        // Messages are handled in order: the pong means we are subscribed.
        send_json(&mut ws, json!({"type": "ping"})).await?;
        next_json(&mut ws, |v| v["type"] == "pong").await?;
        format!("c{index}")
    } else {
        let token = Auth::new(Some(SECRET)).mint(&Claims {
            room: room.clone(),
            sub: format!("user-{index}"),
            name: format!("Client {index}"),
            role: Role::Editor,
            exp: inkmesh_server::auth::now_secs() + 3600,
        });
        send_json(
            &mut ws,
            json!({"type": "join", "room": room, "token": token}),
        )
        .await?;
        let welcome =
            next_json(&mut ws, |v| v["type"] == "welcome" || v["type"] == "error").await?;
        welcome["me"]["id"]
            .as_str()
            .ok_or_else(|| format!("refused: {welcome}"))?
            .to_owned()
    };
    Ok(Client {
        index,
        room,
        id,
        ws,
    })
}

async fn send_json(ws: &mut Ws, value: Value) -> Result<(), String> {
    ws.send(Message::text(value.to_string()))
        .await
        .map_err(|e| e.to_string())
}

async fn next_json(ws: &mut Ws, wanted: impl Fn(&Value) -> bool) -> Result<Value, String> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .map_err(|_| "no answer within 20 s".to_owned())?
            .ok_or("closed")?
            .map_err(|e| e.to_string())?;
        if let Message::Text(text) = frame {
            let value: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            if wanted(&value) {
                return Ok(value);
            }
        }
    }
}

/// Every client signals each room-mate once a round; returns the `RESULT` line.
/// With several `nodes`, client i is on node i mod nodes, and latencies of
/// signals between nodes are reported apart.
async fn run_rounds(clients: Vec<Client>, ywebrtc: bool, nodes: usize) -> String {
    let mut mates: HashMap<String, Vec<(usize, String)>> = HashMap::new();
    for c in &clients {
        mates
            .entry(c.room.clone())
            .or_default()
            .push((c.index, c.id.clone()));
    }
    let total = clients.len();
    let mut readers = JoinSet::new();
    let mut writers = JoinSet::new();
    for (n, client) in clients.into_iter().enumerate() {
        let room_mates: Vec<(usize, String)> = mates[&client.room]
            .iter()
            .filter(|(i, _)| *i != client.index)
            .cloned()
            .collect();
        let expected = (ROUNDS * room_mates.len()) as u64;
        let (sink, stream) = client.ws.split();
        // Spread the clients' rounds over the interval rather than all at once.
        let offset = ROUND_EVERY.mul_f64(n as f64 / total as f64);
        let from = format!("c{}", client.index);
        writers.spawn(write_rounds(
            sink,
            client.room,
            (client.index, from),
            room_mates,
            offset,
            ywebrtc,
        ));
        readers.spawn(read_signals(stream, client.index, expected, nodes));
    }
    // Every socket stays open until all clients are done. A client that
    // closed as soon as it had read and sent its share would close with
    // unread bytes (a server ping) and so reset the connection, and a reset
    // discards what the server had not read yet: its own last signals,
    // counted as never arrived.
    let (mut sinks, mut streams) = (Vec::new(), Vec::new());
    let mut sent = 0;
    while let Some(done) = writers.join_next().await {
        if let Ok((n, sink)) = done {
            sent += n;
            sinks.push(sink);
        }
    }
    let (mut latencies, mut cross, mut overheard) = (Vec::new(), Vec::new(), 0);
    while let Some(done) = readers.join_next().await {
        if let Ok((read, stream)) = done {
            streams.push(stream);
            latencies.extend(read.same_node);
            cross.extend(read.cross_node);
            overheard += read.overheard;
        }
    }
    latencies.sort_unstable();
    cross.sort_unstable();
    let pct = |sorted: &[u64], p: f64| {
        sorted
            .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    format!(
        "RESULT sent={sent} delivered={} overheard={overheard} p50={} p99={} max={} \
         cross_delivered={} cross_p50={} cross_p99={}",
        latencies.len() + cross.len(),
        pct(&latencies, 0.50),
        pct(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0),
        cross.len(),
        pct(&cross, 0.50),
        pct(&cross, 0.99),
    )
}

type Sink = futures_util::stream::SplitSink<Ws, Message>;
type Stream = futures_util::stream::SplitStream<Ws>;

async fn write_rounds(
    mut sink: Sink,
    room: String,
    (from_index, from): (usize, String),
    mates: Vec<(usize, String)>,
    offset: Duration,
    ywebrtc: bool,
) -> (u64, Sink) {
    tokio::time::sleep(offset).await;
    let mut tick = tokio::time::interval(ROUND_EVERY);
    let mut sent = 0;
    for round in 0..ROUNDS {
        tick.tick().await;
        for (index, id) in &mates {
            let signal = fake_signal(round, from_index, *index);
            let message = if ywebrtc {
                json!({"type": "publish", "topic": room,
                       "data": {"type": "signal", "from": from, "to": format!("c{index}"), "signal": signal}})
            } else {
                json!({"type": "signal", "to": id, "signal": signal})
            };
            let send = sink.send(Message::text(message.to_string()));
            if !matches!(
                tokio::time::timeout(Duration::from_secs(15), send).await,
                Ok(Ok(()))
            ) {
                return (sent, sink);
            }
            sent += 1;
        }
    }
    (sent, sink)
}

/// Offer, answer or candidate by round; the text starts
/// `ts=<µs> from=<index> to=<index>;`.
fn fake_signal(round: usize, from: usize, to: usize) -> Value {
    let mark = format!("ts={} from={from} to={to};", now_us());
    match round % 3 {
        0 | 1 => {
            let mut sdp = format!("v=0\r\no=- {mark} 2 IN IP4 127.0.0.1\r\ns=-\r\n");
            while sdp.len() < SDP_BYTES {
                sdp.push_str("a=candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host\r\n");
            }
            json!({"type": if round % 3 == 0 { "offer" } else { "answer" }, "sdp": sdp})
        }
        _ => json!({"type": "candidate", "candidate": {
            "candidate": format!("candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host {mark}"),
            "sdpMid": "0", "sdpMLineIndex": 0}}),
    }
}

/// What one client read: latencies of signals from its own node and from
/// others, and how many signals addressed to others it was sent.
#[derive(Default)]
struct Read {
    same_node: Vec<u64>,
    cross_node: Vec<u64>,
    overheard: u64,
}

/// Reads until `expected` signals addressed to `me` arrived (or 15 s after
/// the last round): their latencies in µs, and how many others it overheard.
/// Hands the stream back, for the caller to close when every client is done.
async fn read_signals(
    mut stream: Stream,
    me: usize,
    expected: u64,
    nodes: usize,
) -> (Read, Stream) {
    let mine = format!(" to={me};");
    let mut read = Read::default();
    // The last round is sent by now + ROUNDS + 1 intervals; then 15 s of grace
    // (a deadline, not a silence timer: the server's pings would reset that).
    let deadline =
        tokio::time::Instant::now() + ROUND_EVERY * (ROUNDS as u32 + 1) + Duration::from_secs(15);
    while ((read.same_node.len() + read.cross_node.len()) as u64) < expected {
        let Ok(Some(Ok(frame))) = tokio::time::timeout_at(deadline, stream.next()).await else {
            break;
        };
        let Message::Text(text) = frame else { continue };
        if text.contains(r#""type":"error""#) {
            eprintln!("client {me}: {text}");
        }
        let Some(at) = text.find("ts=") else { continue };
        let ts: u64 = text[at + 3..]
            .split(' ')
            .next()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        if !text[at..].contains(&mine) {
            read.overheard += 1;
            continue;
        }
        let latency = now_us().saturating_sub(ts);
        let from: usize = text[at..]
            .split(" from=")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|t| t.parse().ok())
            .unwrap_or(me);
        if from % nodes == me % nodes {
            read.same_node.push(latency);
        } else {
            read.cross_node.push(latency);
        }
    }
    (read, stream)
}

// ---------------------------------------------------------------------------
// 6. Signaling across nodes
// ---------------------------------------------------------------------------

/// Phase 1's load over two nodes of one cluster (in this process, sharing a
/// Redis bus): a room's members alternate between the nodes, so the same run
/// measures signals that stay on a node and signals that cross through Redis.
fn across_nodes(rt: &Runtime) {
    println!();
    println!(
        "6. Signaling across nodes: phase 1's load ({CLIENTS} clients, rooms of {PER_ROOM}) over two nodes joined by a Redis bus, room-mates alternating between them"
    );
    if redis::Redis::binary().is_none() {
        println!("  skipped: redis-server is not installed (Debian: apt-get install redis-server)");
        return;
    }
    let Some(redis) = rt.block_on(redis::Redis::start()) else {
        return;
    };
    let dirs = [
        tempfile::tempdir().expect("a temp dir"),
        tempfile::tempdir().expect("a temp dir"),
    ];
    let nodes: Vec<Server> = dirs
        .iter()
        .map(|dir| {
            let mut config = ServerConfig::local(dir.path());
            config.auth_secret = Some(SECRET.into());
            config.bus = Some(redis.url());
            rt.block_on(Server::start(config)).expect("a node starts")
        })
        .collect();
    let urls: Vec<String> = nodes.iter().map(Server::signal_url).collect();
    let run = drive_clients(
        "inkmesh",
        &urls.join(","),
        CLIENTS,
        std::process::id(),
        server_cpu_ms,
    );
    for node in nodes {
        stop_server(rt, node);
    }
    let ms = |us: u64| us as f64 / 1000.0;
    let same = run.delivered - run.cross_delivered;
    println!(
        "{:<34} {:>14} {:>14} {:>8}",
        "", "same node", "across nodes", "ratio"
    );
    for (name, same_us, cross_us) in [
        ("relay latency p50", run.p50_us, run.cross_p50_us),
        ("relay latency p99", run.p99_us, run.cross_p99_us),
    ] {
        println!(
            "{name:<34} {:>11.2} ms {:>11.2} ms {:>7.2}x",
            ms(same_us),
            ms(cross_us),
            cross_us as f64 / same_us.max(1) as f64
        );
    }
    println!(
        "{:<34} {same:>14} {:>14}",
        "signals delivered", run.cross_delivered
    );
    println!(
        "  goal (issue 12): cross-node p99 at most 2x same-node: {}",
        if run.cross_p99_us <= 2 * run.p99_us {
            "met"
        } else {
            "not met"
        }
    );
    if !run.note.is_empty() {
        println!("  {}", run.note);
    }
}

// ---------------------------------------------------------------------------
// 7. Capacity of one node
// ---------------------------------------------------------------------------

/// Phase 1's load on one node with more clients each step, until relay p99
/// passes [`CAPACITY_P99`] or clients cannot all connect.
fn capacity(rt: &Runtime) {
    println!();
    println!(
        "7. Capacity: phase 1's load ({PER_ROOM} per room, a ~{SDP_BYTES} B signal to every room-mate every {} ms) on one node, more clients each step until relay p99 passes {} ms; the clients run on the same cores",
        ROUND_EVERY.as_millis(),
        CAPACITY_P99.as_millis()
    );
    println!(
        "{:>8} {:>7} {:>10} {:>10} {:>10} {:>16} {:>14}",
        "members", "rooms", "signals/s", "p50", "p99", "delivered", "server CPU"
    );
    let mut held = None;
    for &clients in CAPACITY_STEPS {
        let dir = tempfile::tempdir().expect("a temp dir");
        let server = rt.block_on(start_server(dir.path(), false));
        let run = drive_clients(
            "inkmesh",
            &server.signal_url(),
            clients,
            std::process::id(),
            server_cpu_ms,
        );
        stop_server(rt, server);
        let rate = clients * (PER_ROOM - 1) * 1000 / ROUND_EVERY.as_millis() as usize;
        println!(
            "{clients:>8} {:>7} {rate:>10} {:>7.1} ms {:>7.1} ms {:>16} {:>11.0} ms",
            clients / PER_ROOM,
            run.p50_us as f64 / 1000.0,
            run.p99_us as f64 / 1000.0,
            format!("{}/{}", run.delivered, run.sent),
            run.server_cpu_ms,
        );
        if !run.note.is_empty() {
            println!("  {}", run.note);
        }
        if run.p99_us > CAPACITY_P99.as_micros() as u64 || run.connected < clients {
            break;
        }
        held = Some(clients);
    }
    match held {
        Some(clients) => println!(
            "  one node held {clients} members in {} rooms with relay p99 under {} ms",
            clients / PER_ROOM,
            CAPACITY_P99.as_millis()
        ),
        None => println!(
            "  relay p99 passed {} ms already at {} members",
            CAPACITY_P99.as_millis(),
            CAPACITY_STEPS[0]
        ),
    }
}

/// What the tests' harness modules wait with: `check` until it holds, polling,
/// or a panic naming `what` after `secs`.
async fn wait_for<F, Fut>(what: &str, secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {secs} s waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

// ---------------------------------------------------------------------------
// 3. Persistence
// ---------------------------------------------------------------------------

fn persistence(rt: &Runtime) {
    println!();
    println!("3. Persistence: {UPDATES} updates of {UPDATE_BYTES} B in 50 rooms through persist::Writer (50 ms batch window, as the server runs it)");
    println!(
        "{:<34} {:>10} {:>12} {:>12} {:>9} {:>10} {:>10}",
        "", "updates/s", "commit p50", "commit p99", "batches", "txn p50", "txn p99"
    );
    let sqlite = || {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = SqliteStore::open(dir.path()).expect("the store opens");
        (
            Arc::new(store) as Arc<dyn Store>,
            Box::new(dir) as Box<dyn std::any::Any>,
        )
    };
    print_append(
        "SQLite, burst (all at once)",
        &append_run(rt, &sqlite, UPDATES, None),
    );
    print_append(
        "SQLite, paced (2,000/s)",
        &append_run(rt, &sqlite, UPDATES / 4, Some(2_000.0)),
    );
    let server = postgres::Postgres::shared();
    if let Some(server) = &server {
        let postgres = || {
            let database = server.create_database();
            let store = PostgresStore::connect(&database.url).expect("the store connects");
            (
                Arc::new(store) as Arc<dyn Store>,
                Box::new(database) as Box<dyn std::any::Any>,
            )
        };
        print_append(
            "PostgreSQL, burst (all at once)",
            &append_run(rt, &postgres, UPDATES, None),
        );
        print_append(
            "PostgreSQL, paced (2,000/s)",
            &append_run(rt, &postgres, UPDATES / 4, Some(2_000.0)),
        );
    }
    println!("  commit: append() until the writer's commit counter covers it (the Writer has no per-append signal;");
    println!("  its commit counter, polled every 100 µs, is the completion signal), so it includes the batch window.");
    println!("  txn: one batch's Store::append (one transaction). Throughput: first append to flush() done.");
    println!("  PostgreSQL: a local server on loopback started for the run (fsync on, default settings).");
}

struct AppendRun {
    per_sec: f64,
    p50: Duration,
    p99: Duration,
    batches: u64,
    txn_p50: Duration,
    txn_p99: Duration,
}

/// A store whose every append is timed.
struct Timed {
    inner: Arc<dyn Store>,
    appends: Mutex<Vec<Duration>>,
}

impl Store for Timed {
    fn append(&self, batch: &[NewUpdate]) -> Result<Vec<i64>, StoreError> {
        let started = Instant::now();
        let seqs = self.inner.append(batch)?;
        self.appends.lock().unwrap().push(started.elapsed());
        Ok(seqs)
    }
    fn compact(
        &self,
        room: &str,
        snapshot: &[u8],
        through_seq: i64,
        epoch: u64,
        info: &VersionInfo,
        retention: &Retention,
    ) -> Result<SnapshotMeta, StoreError> {
        self.inner
            .compact(room, snapshot, through_seq, epoch, info, retention)
    }
    fn claim(&self, room: &str, holder: &str, ttl: Duration) -> Result<Option<Lease>, StoreError> {
        self.inner.claim(room, holder, ttl)
    }
    fn renew(
        &self,
        room: &str,
        holder: &str,
        epoch: u64,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.inner.renew(room, holder, epoch, ttl)
    }
    fn release(&self, room: &str, holder: &str, epoch: u64) -> Result<(), StoreError> {
        self.inner.release(room, holder, epoch)
    }
    fn load(&self, room: &str) -> Result<RoomData, StoreError> {
        self.inner.load(room)
    }
    fn history(&self, room: &str) -> Result<Vec<SnapshotMeta>, StoreError> {
        self.inner.history(room)
    }
    fn version(&self, room: &str, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.version(room, id)
    }
    fn pending_updates(&self, room: &str) -> Result<u64, StoreError> {
        self.inner.pending_updates(room)
    }
    fn put_image(
        &self,
        room: &str,
        image: NewImage<'_>,
        room_max_bytes: u64,
    ) -> Result<ImagePut, StoreError> {
        self.inner.put_image(room, image, room_max_bytes)
    }
    fn image(&self, room: &str, sha256: &str) -> Result<Option<StoredImage>, StoreError> {
        self.inner.image(room, sha256)
    }
    fn delete_room(&self, room: &str) -> Result<(), StoreError> {
        self.inner.delete_room(room)
    }
    fn deleted(&self, room: &str) -> Result<Option<u64>, StoreError> {
        self.inner.deleted(room)
    }
    fn rooms_with_images(&self, after: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        self.inner.rooms_with_images(after, limit)
    }
    fn collect_idle_images(&self, room: &str, retention: &Retention) -> Result<Sweep, StoreError> {
        self.inner.collect_idle_images(room, retention)
    }
}

/// The `p` quantile of sorted `values`.
fn quantile(values: &[Duration], p: f64) -> Duration {
    values[((values.len() as f64 * p) as usize).min(values.len() - 1)]
}

fn append_run(
    rt: &Runtime,
    open: &dyn Fn() -> (Arc<dyn Store>, Box<dyn std::any::Any>),
    count: usize,
    rate: Option<f64>,
) -> AppendRun {
    let (inner, _keep) = open();
    let store = Arc::new(Timed {
        inner,
        appends: Mutex::new(Vec::new()),
    });
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::start(store.clone(), Duration::from_millis(50), metrics.clone());
    let sent_at: Arc<Mutex<Vec<Instant>>> = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let watcher = watch_commits(metrics.clone(), sent_at.clone(), count);
    let update = vec![0x5a; UPDATE_BYTES];
    let position = LogPosition::default();
    let started = Instant::now();
    for i in 0..count {
        if let Some(rate) = rate {
            let due = started + Duration::from_secs_f64(i as f64 / rate);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
        sent_at.lock().unwrap().push(Instant::now());
        writer.append(&format!("room-{}", i % 50), update.clone(), &position);
    }
    rt.block_on(writer.flush());
    let elapsed = started.elapsed();
    let mut latencies = watcher.join().expect("the commit watcher");
    rt.block_on(writer.close());
    latencies.sort_unstable();
    let mut txns = store.appends.lock().unwrap().clone();
    txns.sort_unstable();
    AppendRun {
        per_sec: count as f64 / elapsed.as_secs_f64(),
        p50: quantile(&latencies, 0.50),
        p99: quantile(&latencies, 0.99),
        batches: metrics.batches.get(),
        txn_p50: quantile(&txns, 0.50),
        txn_p99: quantile(&txns, 0.99),
    }
}

/// Polls the writer's commit counter: appends are committed in order, so once
/// it reads `n`, the first `n` appends are durable.
fn watch_commits(
    metrics: Arc<Metrics>,
    sent_at: Arc<Mutex<Vec<Instant>>>,
    count: usize,
) -> std::thread::JoinHandle<Vec<Duration>> {
    std::thread::spawn(move || {
        let mut latencies = Vec::with_capacity(count);
        while latencies.len() < count {
            let committed = metrics.updates_persisted.get() as usize;
            let now = Instant::now();
            let sent = sent_at.lock().unwrap();
            for at in &sent[latencies.len()..committed.min(sent.len())] {
                latencies.push(now - *at);
            }
            drop(sent);
            std::thread::sleep(Duration::from_micros(100));
        }
        latencies
    })
}

fn print_append(name: &str, run: &AppendRun) {
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
    println!(
        "{name:<34} {:>10.0} {:>12} {:>12} {:>9} {:>10} {:>10}",
        run.per_sec,
        ms(run.p50),
        ms(run.p99),
        run.batches,
        ms(run.txn_p50),
        ms(run.txn_p99)
    );
}

// ---------------------------------------------------------------------------
// 4. Keeper cost
// ---------------------------------------------------------------------------

fn keeper_cost(server_rt: &Runtime) {
    println!();
    println!("4. Keeper cost: {DRAW_ROOMS} rooms, one native peer each drawing at 60 Hz (3 points a frame) for {DRAW_SECS} s");
    let dir = tempfile::tempdir().expect("a temp dir");
    let server = server_rt.block_on(start_server(dir.path(), true));
    let peer_rt = runtime(PEER_THREAD, 2);
    let url = server.signal_url();
    let peers = peer_rt.block_on(join_drawers(&url));
    let window = Duration::from_secs(DRAW_SECS);
    let idle = cpu_over(|| std::thread::sleep(window));
    let peers = Arc::new(peers);
    let drawing = cpu_over(|| {
        // Spawned, so the drawing runs on the peers' threads, not this one.
        let _ = peer_rt.block_on(peer_rt.spawn(draw_all(peers.clone(), window)));
    });
    let peers = Arc::into_inner(peers).expect("the drawing is over");
    let persisted = server_rt.block_on(metric(server.addr(), "inkmesh_updates_persisted_total"));
    peer_rt.block_on(async {
        for peer in peers {
            peer.leave().await;
        }
    });
    stop_server(server_rt, server);
    print_keeper_cost(&idle, &drawing, persisted);
}

async fn join_drawers(url: &str) -> Vec<Room> {
    let mut set = JoinSet::new();
    for n in 0..DRAW_ROOMS {
        let url = url.to_owned();
        set.spawn(async move { join_drawer(&url, n).await });
    }
    let mut peers = Vec::new();
    while let Some(done) = set.join_next().await {
        peers.push(done.expect("join task"));
    }
    peers
}

async fn join_drawer(url: &str, n: usize) -> Room {
    let room = format!("draw-{n}");
    let token = Auth::new(Some(SECRET)).mint(&Claims {
        room: room.clone(),
        sub: format!("drawer-{n}"),
        name: format!("Drawer {n}"),
        role: Role::Editor,
        exp: inkmesh_server::auth::now_secs() + 3600,
    });
    let signaling = WsSignaling::connect(url, &room, &token)
        .await
        .expect("signaling connects");
    let board = Arc::new(Mutex::new(Board::new(format!("drawer-{n}"))));
    let (member, mut events) = Room::join(signaling, board, TransportConfig::loopback())
        .await
        .expect("joins the room");
    let synced = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(event) = events.recv().await {
            if matches!(event, RoomEvent::PeerSynced(_)) {
                return true;
            }
        }
        false
    });
    assert!(
        synced.await.unwrap_or(false),
        "room {room}: the keeper did not connect within 20 s"
    );
    // Keep draining events so the room never waits on us.
    tokio::spawn(async move { while events.recv().await.is_some() {} });
    member
}

/// Every peer draws for `window`: 3 points a frame at 60 Hz, a new stroke every second.
async fn draw_all(peers: Arc<Vec<Room>>, window: Duration) {
    let style = Style {
        stroke: "#1971c2".into(),
        width: 3.0,
        ..Style::default()
    };
    let frames = (window.as_secs_f64() * 60.0) as usize;
    let draws = peers.iter().enumerate().map(|(n, room)| {
        let style = style.clone();
        async move {
            let mut frame = tokio::time::interval(Duration::from_micros(16_667));
            let mut stroke = String::new();
            for f in 0..frames {
                frame.tick().await;
                let (x, y) = ((n * 37 % 800) as f64, (f % 60) as f64 * 5.0);
                if f % 60 == 0 {
                    if !stroke.is_empty() {
                        let _ = room.edit(|b| b.end_stroke(&stroke)).await;
                    }
                    stroke = room
                        .edit(|b| b.begin_stroke(x, y, &style))
                        .await
                        .expect("begin");
                }
                let points = [
                    Point::new(x + 1.0, y + 1.0),
                    Point::new(x + 2.0, y + 3.0),
                    Point::new(x + 3.0, y + 4.0),
                ];
                let _ = room.edit(|b| b.append_points(&stroke, &points)).await;
            }
            let _ = room.edit(|b| b.end_stroke(&stroke)).await;
        }
    });
    futures_util::future::join_all(draws).await;
}

/// CPU milliseconds by thread group over running `f`, and the wall time.
#[derive(Debug, Default, Clone)]
struct CpuSample {
    server: f64,
    peers: f64,
    other: f64,
    process: f64,
    wall: Duration,
}

fn cpu_over(f: impl FnOnce()) -> CpuSample {
    let before = thread_cpu();
    let process_before = proc_cpu_ms("/proc/self/stat");
    let started = Instant::now();
    f();
    let wall = started.elapsed();
    let after = thread_cpu();
    CpuSample {
        server: after.server - before.server,
        peers: after.peers - before.peers,
        other: after.other - before.other,
        process: proc_cpu_ms("/proc/self/stat") - process_before,
        wall,
    }
}

/// Sums utime+stime of this process's threads by name. Threads that ended
/// between two samples drop out of both sides only if they ended before the
/// first, so short-lived threads may be slightly undercounted.
fn thread_cpu() -> CpuSample {
    let mut sample = CpuSample::default();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return sample;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let ms = proc_cpu_ms(&path.join("stat").to_string_lossy());
        let comm = comm.trim();
        if comm.starts_with(SERVER_THREAD) || comm == WRITER_THREAD {
            sample.server += ms;
        } else if comm.starts_with(PEER_THREAD) {
            sample.peers += ms;
        } else {
            sample.other += ms;
        }
    }
    sample
}

/// utime + stime of a `/proc/.../stat` file, in ms.
fn proc_cpu_ms(stat: &str) -> f64 {
    let text = std::fs::read_to_string(stat).unwrap_or_default();
    // Fields after the `(comm)`, which may contain spaces: state is field 3,
    // utime 14 and stime 15.
    let rest = text.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
        .sum();
    ticks as f64 * 1000.0 / clock_ticks() as f64
}

/// USER_HZ: 100 on every Linux we run on (sysconf needs libc, not a dependency).
fn clock_ticks() -> u64 {
    100
}

fn vm_rss_kib(status: &str) -> u64 {
    std::fs::read_to_string(status)
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn server_cpu_ms() -> f64 {
    proc_cpu_ms("/proc/self/stat")
}

/// One counter from `GET /metrics`.
async fn metric(addr: SocketAddr, name: &str) -> u64 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return 0;
    };
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(request.as_bytes()).await;
    let mut body = String::new();
    let _ = stream.read_to_string(&mut body).await;
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0)
}

fn print_keeper_cost(idle: &CpuSample, drawing: &CpuSample, persisted: u64) {
    let secs = drawing.wall.as_secs_f64();
    let per_room = |ms: f64| ms / DRAW_ROOMS as f64 / secs;
    let keeper = per_room(drawing.server - idle.server * secs / idle.wall.as_secs_f64());
    println!(
        "{:<34} {:>12} {:>12} {:>12} {:>12}",
        "CPU ms over the window", "server", "peers", "other", "process"
    );
    for (name, s) in [("idle (50 rooms connected)", idle), ("drawing", drawing)] {
        println!(
            "{:<34} {:>12.0} {:>12.0} {:>12.0} {:>12.0}  ({:.1} s)",
            name,
            s.server,
            s.peers,
            s.other,
            s.process,
            s.wall.as_secs_f64()
        );
    }
    println!(
        "keeper cost per room: {keeper:.2} CPU-ms per room-second = {:.2} % of one core",
        keeper / 10.0
    );
    println!("  (server threads = its runtime `{SERVER_THREAD}-*` incl. blocking pool, and `{WRITER_THREAD}`; drawing minus idle;");
    println!("   the drawing peers run on their own runtime `{PEER_THREAD}-*` and are not included: {:.2} CPU-ms per room-second)", per_room(drawing.peers));
    println!("  updates persisted by the server so far: {persisted}");
}

// ---------------------------------------------------------------------------
// 5. Idle members
// ---------------------------------------------------------------------------

/// One server's resident memory around the idle members' arrival.
struct IdleRun {
    connected: usize,
    before_kib: u64,
    after_kib: u64,
}

impl IdleRun {
    fn per_member_kib(&self) -> f64 {
        self.after_kib.saturating_sub(self.before_kib) as f64 / self.connected.max(1) as f64
    }

    fn after_mb(&self) -> f64 {
        self.after_kib as f64 * 1024.0 / 1e6
    }
}

fn idle_members() {
    println!();
    println!(
        "5. Idle members: {IDLE_MEMBERS} signaling clients in {} rooms of {IDLE_PER_ROOM}, joined, then idle for {} s (answering pings)",
        IDLE_MEMBERS / IDLE_PER_ROOM,
        IDLE_SETTLE.as_secs()
    );
    let inkmesh = idle_inkmesh();
    let ywebrtc = start_ywebrtc().map(|(mut node, port)| {
        let run = idle_run(IDLE_YWEBRTC, &format!("ws://127.0.0.1:{port}"), node.id());
        let _ = node.kill();
        let _ = node.wait();
        run
    });
    let Some(ink) = inkmesh else { return };
    print_comparison_header();
    let yw = ywebrtc.as_ref();
    println!(
        "{:<34} {:>14} {:>14}",
        "members connected",
        format!("{}/{IDLE_MEMBERS}", ink.connected),
        yw.map_or("-".into(), |y| format!("{}/{IDLE_MEMBERS}", y.connected))
    );
    let mib = |kib: u64| kib as f64 / 1024.0;
    comparison_row(
        "server RSS before",
        mib(ink.before_kib),
        yw.map(|y| mib(y.before_kib)),
        " MiB",
    );
    comparison_row(
        "server RSS with the members",
        mib(ink.after_kib),
        yw.map(|y| mib(y.after_kib)),
        " MiB",
    );
    comparison_row(
        "memory per idle member",
        ink.per_member_kib(),
        yw.map(IdleRun::per_member_kib),
        " KiB",
    );
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "  goals: <= {IDLE_GOAL_KIB_PER_MEMBER} KiB per idle member: {} ({:.1} KiB); {IDLE_MEMBERS} members under {IDLE_GOAL_TOTAL_MIB} MB: {} ({:.0} MB)",
        met(ink.per_member_kib() <= IDLE_GOAL_KIB_PER_MEMBER),
        ink.per_member_kib(),
        met(ink.after_mb() < IDLE_GOAL_TOTAL_MIB),
        ink.after_mb(),
    );
    println!("  inkmesh: the release `inkmesh` binary, one dormant keeper per room (nobody offers to it).");
}

/// The real server binary with the idle members in.
fn idle_inkmesh() -> Option<IdleRun> {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut server = match Command::new(env!("CARGO_BIN_EXE_inkmesh"))
        .args(["--bind", "127.0.0.1:0", "--keeper-bind", "127.0.0.1:0"])
        .args(["--keeper-mdns", "false", "--data-dir"])
        .arg(dir.path())
        .env("INKMESH_AUTH_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
    {
        Ok(server) => server,
        Err(e) => {
            println!("inkmesh: cannot start the server binary ({e}); idle members skipped");
            return None;
        }
    };
    let mut stdout = BufReader::new(server.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    let _ = stdout.read_line(&mut line);
    let Some(addr) = line
        .split("http://")
        .nth(1)
        .map(|rest| rest.trim().trim_end_matches('/').to_owned())
    else {
        println!("inkmesh: the server said {line:?} instead of its address; idle members skipped");
        let _ = server.kill();
        return None;
    };
    let run = idle_run(
        IDLE_INKMESH,
        &format!("ws://{addr}/api/signal"),
        server.id(),
    );
    let _ = server.kill();
    let _ = server.wait();
    Some(run)
}

/// Connects the idle members to the server process `pid`, lets them idle,
/// and reads the server's memory before and after.
fn idle_run(mode: &str, url: &str, pid: u32) -> IdleRun {
    let status = format!("/proc/{pid}/status");
    let before_kib = vm_rss_kib(&status);
    let (mut child, mut to_child, mut from_child) = spawn_clients(mode, url, IDLE_MEMBERS);
    let connected = field(&expect_line(&mut from_child, "CONNECTED"), "connected") as usize;
    std::thread::sleep(IDLE_SETTLE);
    let after_kib = vm_rss_kib(&status);
    let _ = writeln!(to_child, "BYE");
    let _ = child.wait();
    IdleRun {
        connected,
        before_kib,
        after_kib,
    }
}
