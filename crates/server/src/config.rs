//! Command-line flags (each also read from an `INKMESH_...` environment
//! variable, for containers) and the [`ServerConfig`] they become. Tests build a
//! `ServerConfig` directly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{ArgAction, Parser, ValueEnum};
use inkmesh_transport::{CandidatePolicy, IceServer, IpNet, TransportConfig};

use crate::limits;
use crate::retention::Retention;
use crate::secret::Secret;
use crate::stores::sqlite::DB_FILE;
use crate::stores::StoreLocation;
use crate::tls::TlsFiles;
use crate::turn::{IceServers, TurnRest};

/// Inkmesh: a collaborative whiteboard server. It relays WebRTC signaling
/// between the browsers drawing on a board, checks their tokens, runs a
/// "keeper" peer in every active room that stores the board, and serves the
/// web client.
#[derive(Debug, Clone, Parser)]
#[command(name = "inkmesh", version)]
pub struct Cli {
    /// Address to listen on for HTTP and WebSocket connections.
    #[arg(long, env = "INKMESH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Directory for the board database (`inkmesh.db`, SQLite, unless
    /// `--store` names another) and open mode's signing key; created if
    /// missing.
    #[arg(long, env = "INKMESH_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Where boards are stored: the path of a SQLite file (created if
    /// missing; default `inkmesh.db` in `--data-dir`, i.e.
    /// `./data/inkmesh.db`), or a PostgreSQL database,
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`, for several nodes
    /// sharing boards (its tables are created or upgraded at start; the
    /// server does not start if it cannot reach it). A password given here is
    /// visible in `ps`: prefer the environment variable. Logs and errors show
    /// the URL with the password masked.
    #[arg(long, env = "INKMESH_STORE", hide_env_values = true)]
    pub store: Option<String>,
    /// Redis URL (`redis://host:port`) of the bus that joins this node to a
    /// cluster: any node then accepts any member of any room, and members on
    /// different nodes meet through it (docs/DEPLOY.md). Needs an auth secret
    /// shared by every node. Without it the node works alone.
    #[arg(long, env = "INKMESH_BUS")]
    pub bus: Option<String>,

    /// HS256 secret that signs room tokens (16 characters or more). Without it
    /// the server runs in open mode: anyone on this machine may get a guest
    /// editor token from `POST /api/rooms/{room}/token`. With it, that endpoint
    /// is disabled and your backend mints tokens (see `examples/mint_token.rs`).
    /// A secret given here is visible to every user of the machine in `ps`:
    /// prefer `--auth-secret-file` or the environment variable.
    #[arg(long, env = "INKMESH_AUTH_SECRET", hide_env_values = true)]
    pub auth_secret: Option<Secret>,

    /// File holding the auth secret (a trailing newline is ignored): like
    /// `--auth-secret`, without showing the secret in `ps`.
    #[arg(long, env = "INKMESH_AUTH_SECRET_FILE", conflicts_with = "auth_secret")]
    pub auth_secret_file: Option<PathBuf>,

    /// File holding the operator's admin token (16 characters or more; a
    /// trailing newline is ignored), sent as `Authorization: Bearer` to
    /// `DELETE /api/rooms/{room}`. Without it no board can be deleted:
    /// deletion destroys the board's history too, so it is the operator's
    /// (or the host application's backend's) act, never a link-holder's.
    #[arg(long, env = "INKMESH_ADMIN_TOKEN_FILE")]
    pub admin_token_file: Option<PathBuf>,

    /// Run open mode (no auth secret) on an address other machines can reach.
    /// Refused without this flag: anyone who reaches the address could draw on
    /// every board. With it, requests are no longer required to name this
    /// machine in `Host`, but pages on other sites still cannot use the server
    /// (their `Origin` must match the `Host` or be an `--allow-origin`).
    #[arg(long, env = "INKMESH_ALLOW_OPEN_MODE_ON_NETWORK")]
    pub allow_open_mode_on_network: bool,

    /// STUN or TURN server handed to peers, repeatable (env: comma-separated).
    /// `stun:stun.example.com:3478`, `turn:turn.example.com:3478`, or with its
    /// credentials inline: `turn:USER:PASSWORD@turn.example.com:3478`.
    #[arg(
        long = "ice-server",
        env = "INKMESH_ICE_SERVERS",
        value_delimiter = ','
    )]
    pub ice_servers: Vec<String>,

    /// Username for the `turn:` servers given without inline credentials, the
    /// same for every member: for TURN servers without `--turn-secret`'s scheme.
    #[arg(long, env = "INKMESH_TURN_USERNAME")]
    pub turn_username: Option<String>,

    /// Credential for the `turn:` servers given without inline credentials.
    #[arg(long, env = "INKMESH_TURN_CREDENTIAL", hide_env_values = true)]
    pub turn_credential: Option<Secret>,

    /// Secret shared with the TURN server (coturn: `use-auth-secret`,
    /// `static-auth-secret`; 16 characters or more). Each member then gets its
    /// own credential for the `turn:`/`turns:` servers given without inline
    /// credentials, valid for `--turn-ttl` seconds. Instead of
    /// `--turn-username`/`--turn-credential`. Visible in `ps`: prefer
    /// `--turn-secret-file` or the environment variable.
    #[arg(long, env = "INKMESH_TURN_SECRET", hide_env_values = true)]
    pub turn_secret: Option<Secret>,

    /// File holding the TURN secret (a trailing newline is ignored).
    #[arg(long, env = "INKMESH_TURN_SECRET_FILE", conflicts_with = "turn_secret")]
    pub turn_secret_file: Option<PathBuf>,

    /// Seconds a credential minted with `--turn-secret` is accepted by the
    /// TURN server after the member joined.
    #[arg(long, env = "INKMESH_TURN_TTL", default_value_t = limits::TURN_CREDENTIAL_TTL.as_secs())]
    pub turn_ttl: u64,

    /// Origin allowed to embed boards and call the API from its pages (CORS,
    /// `frame-ancestors`), e.g. `https://app.example.com`; repeatable (env:
    /// comma-separated).
    #[arg(
        long = "allow-origin",
        env = "INKMESH_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    pub allow_origins: Vec<String>,

    /// Serve HTTPS (and `wss://` signaling) with this certificate: a PEM
    /// file, the server's certificate first, then its chain (Let's Encrypt's
    /// `fullchain.pem`; mkcert's `NAME.pem`). Needs `--tls-key`. Browsers give
    /// service workers (offline reloads) and the microphone only to secure
    /// contexts, which a page from `http://` on another machine is not. The
    /// files are checked every 10 s and reloaded when they change: a renewal
    /// needs no restart.
    #[arg(long, env = "INKMESH_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// The certificate's private key, a PEM file (PKCS#8, PKCS#1 or SEC1;
    /// Let's Encrypt's `privkey.pem`; mkcert's `NAME-key.pem`). Needs
    /// `--tls-cert`.
    #[arg(long, env = "INKMESH_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// Log format: `text` for people, `json` for log collectors. The level comes
    /// from `RUST_LOG` (default `info`).
    #[arg(long, env = "INKMESH_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Directory of the built web client (`npm run build` in `web/`).
    #[arg(long, env = "INKMESH_WEB_DIR", default_value = "web/dist")]
    pub web_dir: PathBuf,

    /// UDP address the keeper gathers ICE candidates on; repeatable.
    #[arg(
        long = "keeper-bind",
        env = "INKMESH_KEEPER_BIND",
        value_delimiter = ',',
        default_value = "0.0.0.0:0"
    )]
    pub keeper_bind: Vec<String>,

    /// Networks (CIDRs; env: comma-separated) whose addresses the keeper may
    /// send connectivity checks to, besides public ones. A member's ICE
    /// candidates name addresses the keeper will probe, so by default it
    /// checks only public unicast addresses and the subnets it binds itself
    /// (`--keeper-bind`: with `0.0.0.0`, each non-loopback interface's subnet,
    /// read at startup; with `127.0.0.1`, loopback): a member cannot steer it
    /// at the server's loopback or its other private networks. List a network
    /// here to reach browsers on it, e.g. `10.8.0.0/16` behind a VPN.
    #[arg(
        long = "keeper-peer-networks",
        env = "INKMESH_KEEPER_PEER_NETWORKS",
        value_delimiter = ','
    )]
    pub keeper_peer_networks: Vec<IpNet>,

    /// Whether the keeper resolves browsers' mDNS (`.local`) candidates. Turn off
    /// where multicast cannot work (a network namespace with only loopback).
    #[arg(long, env = "INKMESH_KEEPER_MDNS", default_value_t = true, action = ArgAction::Set)]
    pub keeper_mdns: bool,

    /// Seconds a room's keeper stays after the last member left, before it
    /// stores a snapshot and goes.
    #[arg(long, env = "INKMESH_KEEPER_IDLE_SECS", default_value_t = 30.0)]
    pub keeper_idle_secs: f64,

    /// Milliseconds of board updates grouped into one storage transaction: the
    /// most a crash can lose (the browsers still hold it).
    #[arg(long, env = "INKMESH_BATCH_MS", default_value_t = 50)]
    pub batch_ms: u64,

    /// Compact a room's update log into a snapshot after this many updates.
    #[arg(long, env = "INKMESH_COMPACT_UPDATES", default_value_t = 1000)]
    pub compact_updates: u64,

    /// ... or after this many seconds with updates.
    #[arg(long, env = "INKMESH_COMPACT_SECS", default_value_t = 300)]
    pub compact_secs: u64,

    /// History: every version (snapshot) of a room younger than this many
    /// minutes is kept...
    #[arg(
        long,
        env = "INKMESH_HISTORY_KEEP_ALL_MINUTES",
        default_value_t = limits::HISTORY_KEEP_ALL_FOR.as_secs() / 60
    )]
    pub history_keep_all_minutes: u64,

    /// ... then one per this many minutes...
    #[arg(
        long,
        env = "INKMESH_HISTORY_DENSE_MINUTES",
        default_value_t = limits::HISTORY_DENSE_EVERY.as_secs() / 60
    )]
    pub history_dense_minutes: u64,

    /// ... up to this many hours old...
    #[arg(
        long,
        env = "INKMESH_HISTORY_DENSE_HOURS",
        default_value_t = limits::HISTORY_DENSE_FOR.as_secs() / 3600
    )]
    pub history_dense_hours: u64,

    /// ... then one per day, up to this many days old; older versions are
    /// deleted (the newest is always kept).
    #[arg(
        long,
        env = "INKMESH_HISTORY_DAYS",
        default_value_t = limits::HISTORY_SPARSE_FOR.as_secs() / 86_400
    )]
    pub history_days: u64,

    /// Versions kept per room at most, whatever their ages; over it, the
    /// youngest tier's (every version) oldest go first.
    #[arg(
        long,
        env = "INKMESH_HISTORY_MAX_VERSIONS",
        default_value_t = limits::HISTORY_MAX_VERSIONS
    )]
    pub history_max_versions: usize,

    /// Mebibytes of images one room may store; an upload that would go over
    /// it is refused (413).
    #[arg(
        long,
        env = "INKMESH_ROOM_IMAGE_MAX_MIB",
        default_value_t = limits::ROOM_IMAGE_MAX_BYTES >> 20
    )]
    pub room_image_max_mib: u64,

    /// Seconds an uploaded image that no kept version references survives
    /// compaction (its element may not have reached the server yet, from an
    /// offline member for instance).
    #[arg(
        long,
        env = "INKMESH_IMAGE_GRACE_SECS",
        default_value_t = limits::IMAGE_UNREFERENCED_GRACE.as_secs()
    )]
    pub image_grace_secs: u64,

    /// Seconds between passes of the image sweep, which collects images no
    /// kept version references in rooms nobody is editing.
    #[arg(
        long,
        env = "INKMESH_IMAGE_SWEEP_SECS",
        default_value_t = limits::IMAGE_SWEEP_INTERVAL.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=limits::IMAGE_SWEEP_MAX_INTERVAL.as_secs())
    )]
    pub image_sweep_secs: u64,

    /// Members per room (the keeper not counted).
    #[arg(long, env = "INKMESH_MAX_PEERS", default_value_t = limits::MAX_PEERS_PER_ROOM)]
    pub max_peers: usize,

    /// Largest room (members, the keeper not counted) in which members also
    /// link to each other directly; in larger rooms every member links to the
    /// server's keeper only, which relays strokes, presence and cursors. 0:
    /// always through the keeper.
    #[arg(long, env = "INKMESH_MESH_LIMIT", default_value_t = limits::MESH_LIMIT)]
    pub mesh_limit: usize,

    /// Open connections (HTTP and WebSocket) served at once; more are closed
    /// on arrival. Each needs a file descriptor: the server raises its
    /// soft limit to the hard one and warns if that is lower than this.
    #[arg(long, env = "INKMESH_MAX_CONNECTIONS", default_value_t = limits::MAX_CONNECTIONS)]
    pub max_connections: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Signaling limits: what one connection may cost the server. The defaults
/// are [`crate::limits`]' constants, which say why; tests tighten them.
#[derive(Debug, Clone)]
pub struct SignalLimits {
    /// Largest message accepted and answered `too_large` beyond.
    pub max_message_bytes: usize,
    /// Token bucket over every frame: sustained frames per second, and burst.
    pub rate_per_sec: f64,
    pub burst: f64,
    /// Frames dropped for the rate limit within one window before disconnecting.
    pub max_rate_strikes: u32,
    pub max_peers_per_room: usize,
    /// Sent in `welcome` as `meshLimit` (`--mesh-limit`).
    pub mesh_limit: usize,
    /// Time allowed between connecting and sending `join`.
    pub join_timeout: Duration,
    /// A client silent this long is dropped.
    pub idle_timeout: Duration,
    /// How often the server pings.
    pub ping_interval: Duration,
    /// Messages queued for one slow client before it is dropped.
    pub outbox: usize,
}

impl Default for SignalLimits {
    fn default() -> Self {
        Self {
            max_message_bytes: limits::SIGNAL_MESSAGE_BYTES,
            rate_per_sec: limits::SIGNAL_RATE_PER_SEC,
            burst: limits::SIGNAL_BURST,
            max_rate_strikes: limits::SIGNAL_RATE_STRIKES,
            max_peers_per_room: limits::MAX_PEERS_PER_ROOM,
            mesh_limit: limits::MESH_LIMIT,
            join_timeout: limits::JOIN_TIMEOUT,
            idle_timeout: limits::SIGNAL_IDLE_TIMEOUT,
            ping_interval: limits::SIGNAL_PING_INTERVAL,
            outbox: limits::SIGNAL_OUTBOX,
        }
    }
}

/// How keepers behave.
#[derive(Debug, Clone)]
pub struct KeeperConfig {
    pub transport: TransportConfig,
    /// Time a keeper stays in a room nobody else is in.
    pub idle: Duration,
    pub compact_updates: u64,
    pub compact_interval: Duration,
    /// Which versions each compaction keeps.
    pub retention: Retention,
    /// The keeper's lease on its room ([`limits::KEEPER_LEASE_TTL`]).
    pub lease_ttl: Duration,
}

impl Default for KeeperConfig {
    fn default() -> Self {
        Self {
            transport: TransportConfig::default(),
            idle: Duration::from_secs(30),
            compact_updates: 1000,
            compact_interval: Duration::from_secs(300),
            retention: Retention::default(),
            lease_ttl: limits::KEEPER_LEASE_TTL,
        }
    }
}

/// Everything the server needs to run.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// Where boards are stored; `None`: `inkmesh.db` in `data_dir`.
    pub store: Option<StoreLocation>,
    /// Redis URL of the cluster's bus; `None`: this node alone.
    pub bus: Option<String>,
    pub auth_secret: Option<Secret>,
    /// STUN and TURN servers for members, and which of them get minted credentials.
    pub ice_servers: IceServers,
    pub allow_origins: Vec<String>,
    pub web_dir: PathBuf,
    pub batch_window: Duration,
    pub keeper: KeeperConfig,
    pub limits: SignalLimits,
    /// HTTPS with these files (`--tls-cert`/`--tls-key`); plain HTTP without.
    pub tls: Option<TlsFiles>,
    /// Open mode on a non-loopback address: allowed, and `Host` unchecked.
    pub allow_open_mode_on_network: bool,
    /// Largest HTTP request body.
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// Time to send a request head ([`limits::HEADER_READ_TIMEOUT`]).
    pub header_read_timeout: Duration,
    /// Time to complete a TLS handshake ([`limits::TLS_HANDSHAKE_TIMEOUT`]).
    pub tls_handshake_timeout: Duration,
    /// Open connections ([`limits::MAX_CONNECTIONS`]).
    pub max_connections: usize,
    /// WebSockets not yet joined ([`limits::MAX_PENDING_WEBSOCKETS`]).
    pub max_pending_websockets: usize,
    /// Bytes of images one room may store ([`limits::ROOM_IMAGE_MAX_BYTES`]).
    pub room_image_max_bytes: u64,
    /// The time and rate bounds of an image upload's body.
    pub image_upload: ImageUploadLimits,
    /// The bearer token `DELETE /api/rooms/{room}` takes
    /// (`--admin-token-file`); `None`: boards cannot be deleted.
    pub admin_token: Option<Secret>,
    /// Time between image sweeps ([`limits::IMAGE_SWEEP_INTERVAL`]).
    pub image_sweep_interval: Duration,
}

/// How long an image upload may take, instead of the API's request timeout:
/// a 10 MiB body on a slow uplink needs minutes, a trickle must not hold a
/// place for them.
#[derive(Debug, Clone, Copy)]
pub struct ImageUploadLimits {
    /// [`limits::IMAGE_UPLOAD_TIMEOUT`].
    pub total: Duration,
    /// [`limits::IMAGE_UPLOAD_MIN_BYTES_PER_SEC`].
    pub min_bytes_per_sec: u64,
    /// [`limits::IMAGE_UPLOAD_RATE_GRACE`].
    pub rate_grace: Duration,
}

impl Default for ImageUploadLimits {
    fn default() -> Self {
        Self {
            total: limits::IMAGE_UPLOAD_TIMEOUT,
            min_bytes_per_sec: limits::IMAGE_UPLOAD_MIN_BYTES_PER_SEC,
            rate_grace: limits::IMAGE_UPLOAD_RATE_GRACE,
        }
    }
}

impl ServerConfig {
    /// A server on a free loopback port with keepers on loopback: for tests.
    pub fn local(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            bind: "127.0.0.1:0".parse().expect("literal address"),
            data_dir: data_dir.into(),
            store: None,
            bus: None,
            auth_secret: None,
            ice_servers: IceServers::default(),
            allow_origins: Vec::new(),
            web_dir: PathBuf::from("web/dist"),
            batch_window: Duration::from_millis(50),
            keeper: KeeperConfig {
                transport: TransportConfig {
                    candidate_policy: Arc::new(
                        CandidatePolicy::for_server(&["127.0.0.1:0".to_owned()], Vec::new())
                            .expect("a loopback bind needs no interface list"),
                    ),
                    ..TransportConfig::loopback()
                },
                ..KeeperConfig::default()
            },
            limits: SignalLimits::default(),
            tls: None,
            allow_open_mode_on_network: false,
            max_body_bytes: limits::MAX_BODY_BYTES,
            request_timeout: limits::REQUEST_TIMEOUT,
            header_read_timeout: limits::HEADER_READ_TIMEOUT,
            tls_handshake_timeout: limits::TLS_HANDSHAKE_TIMEOUT,
            max_connections: limits::MAX_CONNECTIONS,
            max_pending_websockets: limits::MAX_PENDING_WEBSOCKETS,
            room_image_max_bytes: limits::ROOM_IMAGE_MAX_BYTES,
            image_upload: ImageUploadLimits::default(),
            admin_token: None,
            image_sweep_interval: limits::IMAGE_SWEEP_INTERVAL,
        }
    }
}

impl ServerConfig {
    /// Where boards are stored: `store`, or SQLite in the data directory.
    pub fn store_location(&self) -> StoreLocation {
        self.store
            .clone()
            .unwrap_or_else(|| StoreLocation::Sqlite(self.data_dir.join(DB_FILE)))
    }
}

impl TryFrom<Cli> for ServerConfig {
    type Error = String;

    fn try_from(cli: Cli) -> Result<Self, String> {
        let ice_servers = ice_servers(&cli)?;
        if !(cli.keeper_idle_secs.is_finite() && cli.keeper_idle_secs >= 0.0) {
            return Err("--keeper-idle-secs must be a number of seconds, 0 or more".into());
        }
        let auth_secret = match (&cli.auth_secret, &cli.auth_secret_file) {
            (Some(secret), _) => Some(check_secret(secret.expose().to_owned(), "--auth-secret")?),
            (None, Some(path)) => Some(read_secret_file(path, "--auth-secret-file")?),
            (None, None) => None,
        }
        .map(Secret::from);
        let admin_token = cli
            .admin_token_file
            .as_deref()
            .map(|path| read_secret_file(path, "--admin-token-file"))
            .transpose()?
            .map(Secret::from);
        if cli.max_connections == 0 {
            return Err("--max-connections must be 1 or more".into());
        }
        for origin in &cli.allow_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://"))
                || origin.trim_end_matches('/').matches('/').count() != 2
            {
                return Err(format!(
                    "--allow-origin {origin:?}: an origin is scheme://host[:port], like https://app.example.com"
                ));
            }
        }
        let tls = match (&cli.tls_cert, &cli.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles::new(cert, key)),
            (None, None) => None,
            (Some(_), None) => {
                return Err("--tls-cert needs --tls-key too: the private key of that \
                     certificate, a PEM file"
                    .into())
            }
            (None, Some(_)) => {
                return Err("--tls-key needs --tls-cert too: the certificate (with its \
                     chain) for that key, a PEM file"
                    .into())
            }
        };
        let candidate_policy =
            CandidatePolicy::for_server(&cli.keeper_bind, cli.keeper_peer_networks.clone())
                .map_err(|e| format!("--keeper-bind: {e}"))?;
        let transport = TransportConfig {
            bind_addrs: cli.keeper_bind.clone(),
            mdns: cli.keeper_mdns,
            candidate_policy: Arc::new(candidate_policy),
            ..TransportConfig::default()
        };
        let store = cli.store.as_deref().map(StoreLocation::parse).transpose()?;
        Ok(Self {
            bind: cli.bind,
            data_dir: cli.data_dir,
            store,
            bus: cli.bus,
            auth_secret,
            ice_servers,
            allow_origins: cli
                .allow_origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_owned())
                .collect(),
            web_dir: cli.web_dir,
            batch_window: Duration::from_millis(cli.batch_ms),
            keeper: KeeperConfig {
                transport,
                idle: Duration::from_secs_f64(cli.keeper_idle_secs),
                compact_updates: cli.compact_updates.max(1),
                compact_interval: Duration::from_secs(cli.compact_secs.max(1)),
                retention: Retention {
                    keep_all_for: Duration::from_secs(
                        cli.history_keep_all_minutes.saturating_mul(60),
                    ),
                    dense_for: Duration::from_secs(cli.history_dense_hours.saturating_mul(3600)),
                    dense_every: Duration::from_secs(
                        cli.history_dense_minutes.max(1).saturating_mul(60),
                    ),
                    sparse_for: Duration::from_secs(cli.history_days.saturating_mul(86_400)),
                    sparse_every: limits::HISTORY_SPARSE_EVERY,
                    max_versions: cli.history_max_versions.max(1),
                    image_grace: Duration::from_secs(cli.image_grace_secs),
                },
                lease_ttl: limits::KEEPER_LEASE_TTL,
            },
            limits: SignalLimits {
                max_peers_per_room: cli.max_peers.max(1),
                mesh_limit: cli.mesh_limit,
                ..SignalLimits::default()
            },
            tls,
            allow_open_mode_on_network: cli.allow_open_mode_on_network,
            max_body_bytes: limits::MAX_BODY_BYTES,
            request_timeout: limits::REQUEST_TIMEOUT,
            header_read_timeout: limits::HEADER_READ_TIMEOUT,
            tls_handshake_timeout: limits::TLS_HANDSHAKE_TIMEOUT,
            max_connections: cli.max_connections,
            max_pending_websockets: limits::MAX_PENDING_WEBSOCKETS,
            room_image_max_bytes: cli.room_image_max_mib.saturating_mul(1 << 20),
            image_upload: ImageUploadLimits::default(),
            admin_token,
            image_sweep_interval: Duration::from_secs(cli.image_sweep_secs),
        })
    }
}

/// A secret shorter than [`limits::MIN_SECRET_LEN`] is refused: tokens signed
/// with a guessable secret can be forged.
fn check_secret(secret: String, flag: &str) -> Result<String, String> {
    if secret.chars().count() < limits::MIN_SECRET_LEN {
        return Err(format!(
            "{flag} must be at least {} characters",
            limits::MIN_SECRET_LEN
        ));
    }
    Ok(secret)
}

/// The secret in `path` (given with `flag`), without the newline editors and
/// `echo` end files with.
fn read_secret_file(path: &std::path::Path, flag: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{flag} {}: cannot read it: {e}", path.display()))?;
    let secret = text.trim_end_matches(['\n', '\r']).to_owned();
    check_secret(secret, &format!("the secret in {}", path.display()))
}

/// The `--ice-server`s: with a TURN secret, the TURN URLs without inline
/// credentials get minted ones; otherwise the static username and credential.
fn ice_servers(cli: &Cli) -> Result<IceServers, String> {
    let secret = match (&cli.turn_secret, &cli.turn_secret_file) {
        (Some(secret), _) => Some(check_secret(secret.expose().to_owned(), "--turn-secret")?),
        (None, Some(path)) => Some(read_secret_file(path, "--turn-secret-file")?),
        (None, None) => None,
    };
    let Some(secret) = secret else {
        let fixed = cli
            .ice_servers
            .iter()
            .map(|url| {
                parse_ice_server(
                    url,
                    cli.turn_username.as_deref(),
                    cli.turn_credential.as_ref().map(Secret::expose),
                )
            })
            .collect::<Result<_, _>>()?;
        return Ok(IceServers {
            fixed,
            minted: None,
        });
    };
    if cli.turn_username.is_some() || cli.turn_credential.is_some() {
        return Err("--turn-secret (or --turn-secret-file) cannot be used with \
             --turn-username/--turn-credential: with a secret, every TURN server without \
             inline credentials gets minted ones; give other TURN servers theirs inline \
             (turn:USER:PASSWORD@host:port)"
            .into());
    }
    if cli.turn_ttl == 0 {
        return Err("--turn-ttl must be 1 second or more".into());
    }
    let mut fixed = Vec::new();
    let mut minted_urls = Vec::new();
    for url in &cli.ice_servers {
        let server = parse_ice_server(url, None, None)?;
        if server.urls[0].starts_with("turn") && server.username.is_none() {
            minted_urls.extend(server.urls);
        } else {
            fixed.push(server);
        }
    }
    if minted_urls.is_empty() {
        return Err(
            "--turn-secret is set but no --ice-server is a turn: or turns: URL \
             without inline credentials to mint them for"
                .into(),
        );
    }
    Ok(IceServers {
        fixed,
        minted: Some(TurnRest::new(
            secret,
            Duration::from_secs(cli.turn_ttl),
            minted_urls,
        )),
    })
}

/// Reads `stun:`/`turn:`/`turns:` URLs; `turn:USER:PASSWORD@host:port` carries
/// its own credentials, other TURN URLs take `--turn-username`/`--turn-credential`.
pub fn parse_ice_server(
    url: &str,
    username: Option<&str>,
    credential: Option<&str>,
) -> Result<IceServer, String> {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(format!(
            "ICE server {url:?}: expected stun:, turn: or turns:"
        ));
    };
    if !matches!(scheme, "stun" | "stuns" | "turn" | "turns") || rest.is_empty() {
        return Err(format!(
            "ICE server {url:?}: expected stun:, turn: or turns:"
        ));
    }
    let is_turn = scheme.starts_with("turn");
    if let Some((userinfo, host)) = rest.rsplit_once('@') {
        let (user, pass) = userinfo
            .split_once(':')
            .ok_or_else(|| format!("ICE server {url:?}: inline credentials are USER:PASSWORD@"))?;
        if !is_turn {
            return Err(format!(
                "ICE server {url:?}: only TURN servers take credentials"
            ));
        }
        return Ok(IceServer {
            urls: vec![format!("{scheme}:{host}")],
            username: Some(user.to_owned()),
            credential: Some(pass.to_owned()),
        });
    }
    Ok(IceServer {
        urls: vec![url.to_owned()],
        username: is_turn.then(|| username.map(str::to_owned)).flatten(),
        credential: is_turn.then(|| credential.map(str::to_owned)).flatten(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ice_server_urls() {
        let stun = parse_ice_server("stun:stun.example.com:3478", Some("u"), Some("p")).unwrap();
        assert_eq!(stun.urls, ["stun:stun.example.com:3478"]);
        assert_eq!(stun.username, None);
        let turn =
            parse_ice_server("turn:alice:s3:cret@turn.example.com:3478", None, None).unwrap();
        assert_eq!(turn.urls, ["turn:turn.example.com:3478"]);
        assert_eq!(turn.username.as_deref(), Some("alice"));
        assert_eq!(turn.credential.as_deref(), Some("s3:cret"));
        let turn = parse_ice_server("turn:t.example.com:3478", Some("u"), Some("p")).unwrap();
        assert_eq!(turn.username.as_deref(), Some("u"));
        assert!(parse_ice_server("http://x", None, None).is_err());
    }

    #[test]
    fn cli_parses_defaults_and_repeats() {
        let cli = Cli::try_parse_from([
            "inkmesh",
            "--ice-server",
            "stun:a:1",
            "--ice-server",
            "turn:u:p@b:2",
            "--allow-origin",
            "https://app.example.com",
        ])
        .unwrap();
        assert_eq!(cli.bind.to_string(), "127.0.0.1:8080");
        let config = ServerConfig::try_from(cli).unwrap();
        assert_eq!(config.ice_servers.fixed.len(), 2);
        assert!(config.keeper.transport.mdns);
        assert_eq!(config.keeper.transport.bind_addrs, ["0.0.0.0:0"]);
        assert_eq!(
            config.store_location(),
            StoreLocation::Sqlite(PathBuf::from("./data/inkmesh.db")),
            "the README's run command keeps its database file"
        );
    }

    #[test]
    fn the_store_is_a_sqlite_path_or_a_postgres_url() {
        let parse = |args: &[&str]| {
            let cli = Cli::try_parse_from([&["inkmesh"][..], args].concat()).unwrap();
            ServerConfig::try_from(cli)
        };
        let config = parse(&["--data-dir", "/srv/ink"]).unwrap();
        assert_eq!(
            config.store_location(),
            StoreLocation::Sqlite(PathBuf::from("/srv/ink/inkmesh.db"))
        );
        let config = parse(&["--store", "/var/lib/boards.db"]).unwrap();
        assert_eq!(
            config.store_location(),
            StoreLocation::Sqlite(PathBuf::from("/var/lib/boards.db"))
        );
        let url = "postgres://ink:s3cret@db:5432/boards";
        let config = parse(&["--store", url]).unwrap();
        assert_eq!(config.store_location(), StoreLocation::Postgres(url.into()));
        let refused = parse(&["--store", "postgress://ink:s3cret@db/boards"]).unwrap_err();
        assert!(refused.contains("unknown scheme"), "{refused}");
        assert!(!refused.contains("s3cret"), "{refused}");
    }

    #[test]
    fn the_secret_comes_from_a_file_without_its_newline() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        let parse = |args: &[&str]| {
            Cli::try_parse_from(["inkmesh"].iter().chain(args))
                .map_err(|e| e.to_string())
                .and_then(ServerConfig::try_from)
        };
        let path = file.to_str().unwrap();
        std::fs::write(&file, "0123456789abcdef-secret\n").unwrap();
        let config = parse(&["--auth-secret-file", path]).unwrap();
        assert_eq!(
            config.auth_secret.as_ref().map(Secret::expose),
            Some("0123456789abcdef-secret")
        );
        std::fs::write(&file, "short\r\n").unwrap();
        let short = parse(&["--auth-secret-file", path]).unwrap_err();
        assert!(short.contains("at least 16 characters"), "{short}");
        let both = parse(&["--auth-secret-file", path, "--auth-secret", "x"]).unwrap_err();
        assert!(both.contains("cannot be used with"), "{both}");
        let missing = dir.path().join("missing");
        let missing = parse(&["--auth-secret-file", missing.to_str().unwrap()]).unwrap_err();
        assert!(missing.contains("cannot read it"), "{missing}");
        assert!(parse(&["--auth-secret", "too-short"]).is_err());
    }

    #[test]
    fn secrets_given_on_the_command_line_are_not_shown_by_debug() {
        let cli = Cli::try_parse_from([
            "inkmesh",
            "--auth-secret",
            "auth-0123456789abcdef",
            "--turn-secret",
            "turn-0123456789abcdef",
            "--turn-credential",
            "credential-0123456789",
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        for secret in ["auth-0123", "turn-0123", "credential-0123"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(
            cli.turn_credential.as_ref().map(Secret::expose),
            Some("credential-0123456789")
        );
        let config = ServerConfig::try_from(
            Cli::try_parse_from(["inkmesh", "--auth-secret", "auth-0123456789abcdef"]).unwrap(),
        )
        .unwrap();
        assert_eq!(
            config.auth_secret.as_ref().map(Secret::expose),
            Some("auth-0123456789abcdef")
        );
    }

    #[test]
    fn a_turn_secret_mints_credentials_for_turn_servers_without_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("turn-secret");
        std::fs::write(&file, "0123456789abcdef-turn\n").unwrap();
        let path = file.to_str().unwrap();
        let parse = |args: &[&str]| {
            Cli::try_parse_from(["inkmesh"].iter().chain(args))
                .map_err(|e| e.to_string())
                .and_then(ServerConfig::try_from)
        };
        let servers = [
            "--ice-server",
            "stun:stun.example.com:3478",
            "--ice-server",
            "turn:turn.example.com:3478",
            "--ice-server",
            "turn:other:pw@other.example.com:3478",
        ];
        let config = parse(
            &[
                &servers[..],
                &["--turn-secret-file", path, "--turn-ttl", "60"],
            ]
            .concat(),
        )
        .unwrap();
        let fixed = &config.ice_servers.fixed;
        assert_eq!(fixed.len(), 2, "{fixed:?}");
        assert_eq!(fixed[1].username.as_deref(), Some("other"));
        let member = config.ice_servers.for_member("p1", 1000);
        let minted = member.last().unwrap();
        assert_eq!(minted.urls, ["turn:turn.example.com:3478"]);
        assert_eq!(minted.username.as_deref(), Some("1060:p1"));
        assert_eq!(
            minted.credential.as_deref(),
            Some(crate::turn::rest_credential("0123456789abcdef-turn", "1060:p1").as_str())
        );

        let static_too = parse(
            &[
                &servers[..],
                &["--turn-secret", "0123456789abcdef", "--turn-username", "u"],
            ]
            .concat(),
        )
        .unwrap_err();
        assert!(
            static_too.contains("cannot be used with --turn-username"),
            "{static_too}"
        );
        let both = parse(&[
            "--turn-secret-file",
            path,
            "--turn-secret",
            "0123456789abcdef",
        ])
        .unwrap_err();
        assert!(both.contains("cannot be used with"), "{both}");
        let unused = parse(&["--ice-server", "stun:s:1", "--turn-secret-file", path]).unwrap_err();
        assert!(unused.contains("no --ice-server is a turn:"), "{unused}");
        let short = parse(&[&servers[..], &["--turn-secret", "short"]].concat()).unwrap_err();
        assert!(
            short.contains("--turn-secret must be at least 16"),
            "{short}"
        );
        let never = parse(
            &[
                &servers[..],
                &["--turn-secret-file", path, "--turn-ttl", "0"],
            ]
            .concat(),
        )
        .unwrap_err();
        assert!(never.contains("--turn-ttl"), "{never}");
        // Without a secret, the static credential applies as before.
        let fixed = parse(
            &[
                &servers[..],
                &["--turn-username", "u", "--turn-credential", "c"],
            ]
            .concat(),
        )
        .unwrap()
        .ice_servers;
        assert!(fixed.minted.is_none());
        assert_eq!(fixed.fixed[1].username.as_deref(), Some("u"));
    }

    #[test]
    fn keeper_peer_networks_widen_the_candidate_policy() {
        let candidate = |ip: &str| format!("candidate:1 1 udp 1 {ip} 9 typ host");
        let cli = Cli::try_parse_from([
            "inkmesh",
            "--keeper-bind",
            "127.0.0.1:0",
            "--keeper-peer-networks",
            "10.8.0.0/16,fd00::/64",
        ])
        .unwrap();
        let policy = ServerConfig::try_from(cli)
            .unwrap()
            .keeper
            .transport
            .candidate_policy;
        for allowed in ["10.8.1.2", "fd00::5", "127.0.0.1", "8.8.8.8"] {
            assert!(policy.admit(&candidate(allowed), false), "{allowed}");
        }
        for refused in ["10.9.0.1", "192.168.1.1", "169.254.169.254"] {
            assert!(!policy.admit(&candidate(refused), false), "{refused}");
        }
        assert!(Cli::try_parse_from(["inkmesh", "--keeper-peer-networks", "10.0.0.0/33"]).is_err());
        // The test server's keeper reaches loopback peers and nothing private.
        let local = ServerConfig::local("unused")
            .keeper
            .transport
            .candidate_policy;
        assert!(local.admit(&candidate("127.0.0.1"), false));
        assert!(!local.admit(&candidate("10.0.0.1"), false));
    }

    #[test]
    fn tls_takes_both_files_or_neither() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(["inkmesh"].iter().chain(args))
                .map_err(|e| e.to_string())
                .and_then(ServerConfig::try_from)
        };
        assert!(parse(&[]).unwrap().tls.is_none());
        let both = parse(&["--tls-cert", "c.pem", "--tls-key", "k.pem"])
            .unwrap()
            .tls
            .unwrap();
        assert_eq!(both.cert, PathBuf::from("c.pem"));
        assert_eq!(both.key, PathBuf::from("k.pem"));
        assert_eq!(both.reload_interval, crate::tls::RELOAD_INTERVAL);
        let cert_only = parse(&["--tls-cert", "c.pem"]).unwrap_err();
        assert!(
            cert_only.contains("--tls-cert needs --tls-key"),
            "{cert_only}"
        );
        let key_only = parse(&["--tls-key", "k.pem"]).unwrap_err();
        assert!(
            key_only.contains("--tls-key needs --tls-cert"),
            "{key_only}"
        );
    }

    #[test]
    fn the_mesh_limit_defaults_to_6_and_reaches_the_welcome_settings() {
        let default = ServerConfig::try_from(Cli::try_parse_from(["inkmesh"]).unwrap()).unwrap();
        assert_eq!(default.limits.mesh_limit, limits::MESH_LIMIT);
        assert_eq!(limits::MESH_LIMIT, 6);
        let star = Cli::try_parse_from(["inkmesh", "--mesh-limit", "0"]).unwrap();
        assert_eq!(ServerConfig::try_from(star).unwrap().limits.mesh_limit, 0);
    }

    #[test]
    fn the_admin_token_comes_from_a_file_and_the_sweep_interval_from_its_flag() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("admin");
        let parse = |args: &[&str]| {
            Cli::try_parse_from(["inkmesh"].iter().chain(args))
                .map_err(|e| e.to_string())
                .and_then(ServerConfig::try_from)
        };
        let default = parse(&[]).unwrap();
        assert_eq!(
            default.admin_token, None,
            "deletion is off unless asked for"
        );
        assert_eq!(default.image_sweep_interval, limits::IMAGE_SWEEP_INTERVAL);
        let path = file.to_str().unwrap();
        std::fs::write(&file, "operator-0123456789\n").unwrap();
        let config = parse(&["--admin-token-file", path, "--image-sweep-secs", "90"]).unwrap();
        assert_eq!(
            config.admin_token.as_ref().map(Secret::expose),
            Some("operator-0123456789")
        );
        assert_eq!(config.image_sweep_interval, Duration::from_secs(90));
        let week = limits::IMAGE_SWEEP_MAX_INTERVAL.as_secs();
        assert!(parse(&["--image-sweep-secs", &week.to_string()]).is_ok());
        for refused in ["0".to_owned(), (week + 1).to_string(), u64::MAX.to_string()] {
            let error = parse(&["--image-sweep-secs", &refused]).unwrap_err();
            assert!(error.contains("--image-sweep-secs"), "{refused}: {error}");
        }
        std::fs::write(&file, "short\n").unwrap();
        let short = parse(&["--admin-token-file", path]).unwrap_err();
        assert!(short.contains("at least 16 characters"), "{short}");
    }

    #[test]
    fn the_history_flags_make_the_retention_policy() {
        let default = ServerConfig::try_from(Cli::try_parse_from(["inkmesh"]).unwrap()).unwrap();
        assert_eq!(default.keeper.retention, Retention::default());
        let cli = Cli::try_parse_from([
            "inkmesh",
            "--history-keep-all-minutes",
            "5",
            "--history-dense-minutes",
            "30",
            "--history-dense-hours",
            "48",
            "--history-days",
            "7",
            "--history-max-versions",
            "20",
            "--image-grace-secs",
            "90",
        ])
        .unwrap();
        let retention = ServerConfig::try_from(cli).unwrap().keeper.retention;
        assert_eq!(
            retention,
            Retention {
                keep_all_for: Duration::from_secs(5 * 60),
                dense_every: Duration::from_secs(30 * 60),
                dense_for: Duration::from_secs(48 * 3600),
                sparse_for: Duration::from_secs(7 * 86_400),
                sparse_every: limits::HISTORY_SPARSE_EVERY,
                max_versions: 20,
                image_grace: Duration::from_secs(90),
            }
        );
    }
}
