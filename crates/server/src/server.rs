//! Starting and stopping the whole server. Shutdown is explicit and ordered:
//! stop accepting, close every signaling socket, let every keeper leave, flush
//! and snapshot its room, then commit the last batch and close the database.
//!
//! Open mode (no auth secret) hands tokens to whoever asks, so it refuses to
//! start on an address other machines can reach unless told to.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::admin::AdminToken;
use crate::auth::{open_mode_key, Auth};
use crate::config::ServerConfig;
use crate::http::router;
use crate::image_sweep::ImageSweep;
use crate::keeper::Keepers;
use crate::limits::{BUS_EVENT_QUEUE, BUS_RECONCILE_INTERVAL};
use crate::listen::{serve, ServeLimits};
use crate::metrics::Metrics;
use crate::persist::Writer;
use crate::secret::Secret;
use crate::signal::bus::{BusEvent, RedisBus};
use crate::signal::hub::Hub;
use crate::state::{AppState, ImageWork};
use crate::stores::{Store, StoreError, StoreLocation};
use crate::tls::{Tls, TlsError};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// `location` shows the store without its password.
    #[error("cannot open the store {location}: {error}")]
    Store { location: String, error: StoreError },
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
    #[error("{0}")]
    Tls(#[from] TlsError),
    #[error(
        "open mode (no auth secret) on {0} would let anyone who can reach that address \
         draw on every board. Listen on a loopback address (--bind 127.0.0.1:8080), give \
         the server a secret (--auth-secret-file), or, if this network is yours alone, \
         pass --allow-open-mode-on-network"
    )]
    OpenModeOnNetwork(SocketAddr),
    #[error(
        "open mode (no auth secret) with a bus: each node would sign guest tokens with its \
         own key, valid on it alone. Give every node the same --auth-secret-file"
    )]
    OpenModeWithBus,
    #[error("cannot connect to the bus: {0}")]
    Bus(#[from] redis::RedisError),
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    open_mode: bool,
    tls: bool,
    shutdown: watch::Sender<bool>,
    serve: JoinHandle<()>,
    /// Reloads the certificate files while serving HTTPS.
    tls_watch: Option<JoinHandle<()>>,
    keepers: Arc<Keepers>,
    writer: Writer,
    hub: Arc<Hub>,
    /// Applying other nodes' events, reconciling with the bus, and starting
    /// keepers for rooms whose keeper left the cluster.
    cluster_tasks: Vec<JoinHandle<()>>,
    image_sweep: ImageSweep,
}

impl Server {
    /// Opens storage, binds, and starts serving in the background.
    pub async fn start(config: ServerConfig) -> Result<Server, StartError> {
        let open_mode = config.auth_secret.is_none();
        if open_mode && !config.bind.ip().is_loopback() {
            if !config.allow_open_mode_on_network {
                return Err(StartError::OpenModeOnNetwork(config.bind));
            }
            warn!(
                bind = %config.bind,
                "open mode on a network address (--allow-open-mode-on-network): anyone who \
                 can reach it can get a token and draw on every board"
            );
        }
        // Before the database: a wrong file name is the likeliest mistake.
        let tls = config.tls.clone().map(Tls::load).transpose()?;
        if config.bus.is_some() && open_mode {
            return Err(StartError::OpenModeWithBus);
        }
        #[cfg(unix)]
        crate::fdlimit::raise_for(config.max_connections);
        let metrics = Arc::new(Metrics::default());
        let location = config.store_location();
        let opening = location.clone();
        let store: Arc<dyn Store> = tokio::task::spawn_blocking(move || opening.open())
            .await
            .map_err(StoreError::backend)
            .and_then(|opened| opened)
            .map_err(|error| StartError::Store {
                location: location.to_string(),
                error,
            })?;
        info!(store = %location, "storage open");
        let writer = Writer::start(store.clone(), config.batch_window, metrics.clone());
        let (bus, bus_events) = match config.bus.as_deref() {
            Some(url) => {
                let (tx, rx) = mpsc::channel(BUS_EVENT_QUEUE);
                let bus = RedisBus::connect(url, tx).await?;
                info!(node = bus.node(), "joined the cluster's bus");
                if let StoreLocation::Sqlite(path) = &location {
                    warn!(
                        store = %path.display(),
                        "a bus with a SQLite store: this node keeps boards in a file of its \
                         own, so a room whose keeper moves here starts from this node's copy \
                         (members fill in the rest) and HTTP reads of idle boards may differ \
                         between nodes; give every node the same --store postgres://... \
                         (docs/DEPLOY.md)"
                    );
                }
                (Some(Arc::new(bus)), Some(rx))
            }
            None => (None, None),
        };
        let mut hub = Hub::new(
            config.ice_servers.clone(),
            config.limits.max_peers_per_room,
            metrics.clone(),
        )
        .with_mesh_limit(config.limits.mesh_limit);
        if let Some(bus) = bus {
            hub = hub.with_bus(bus);
        }
        let hub = Arc::new(hub);
        let keepers = Arc::new(Keepers::new(
            hub.clone(),
            store.clone(),
            writer.clone(),
            config.keeper.clone(),
        ));
        let mut cluster_tasks =
            bus_events.map_or_else(Vec::new, |events| run_bus(&hub, &keepers, events));
        cluster_tasks.push(tokio::spawn(keepers.clone().take_up_keeperless_rooms()));
        let auth = Arc::new(match config.auth_secret.as_ref().map(Secret::expose) {
            Some(secret) => Auth::new(Some(secret)),
            None => Auth::open_mode(&open_mode_key(&config.data_dir)?),
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let listener = TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let limits = ServeLimits {
            max_connections: config.max_connections,
            header_read_timeout: config.header_read_timeout,
            tls_handshake_timeout: config.tls_handshake_timeout,
        };
        let pending_websockets = Arc::new(Semaphore::new(config.max_pending_websockets));
        // After every step that can fail: nothing to stop on the way out.
        let image_sweep = ImageSweep::start(
            store.clone(),
            config.keeper.retention,
            config.image_sweep_interval,
            metrics.clone(),
        );
        let admin_token = config.admin_token.clone();
        let state = AppState {
            config: Arc::new(config),
            auth,
            hub: hub.clone(),
            keepers: keepers.clone(),
            store,
            writer: writer.clone(),
            metrics: metrics.clone(),
            shutdown: shutdown_rx.clone(),
            pending_websockets,
            image_work: ImageWork::default(),
            admin: admin_token
                .as_ref()
                .map(|token| Arc::new(AdminToken::new(token.expose()))),
        };
        let app = router(state);
        let tls_watch = tls
            .as_ref()
            .map(|tls| tls.watch(metrics.clone(), shutdown_rx.clone()));
        let acceptor = tls.as_ref().map(Tls::acceptor);
        let serve = tokio::spawn(serve(listener, acceptor, app, limits, metrics, shutdown_rx));
        info!(%addr, open_mode, tls = tls.is_some(), "listening");
        Ok(Server {
            addr,
            open_mode,
            tls: tls.is_some(),
            shutdown,
            serve,
            tls_watch,
            keepers,
            writer,
            hub,
            cluster_tasks,
            image_sweep,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address to open in a browser.
    pub fn url(&self) -> String {
        let host = if self.addr.ip().is_unspecified() {
            format!("localhost:{}", self.addr.port())
        } else {
            self.addr.to_string()
        };
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{host}/")
    }

    /// The signaling WebSocket's URL.
    pub fn signal_url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}/api/signal", self.addr)
    }

    /// Whether the server speaks HTTPS (`--tls-cert`/`--tls-key`).
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// Whether a browser on another machine gets a page that is not a secure
    /// context (no service worker, so no offline reload; no microphone):
    /// plain HTTP on an address other machines can reach. Browsers treat
    /// `http://localhost` and `http://127.0.0.1` as secure, so loopback is fine.
    pub fn insecure_for_other_machines(&self) -> bool {
        insecure_for_other_machines(self.tls, self.addr.ip())
    }

    /// Whether guests may get tokens (no auth secret configured).
    pub fn open_mode(&self) -> bool {
        self.open_mode
    }

    /// Stops the server, storing everything first.
    pub async fn shutdown(self) {
        info!("shutting down");
        let _ = self.shutdown.send(true);
        match tokio::time::timeout(Duration::from_secs(5), self.serve).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => warn!("the HTTP server task failed: {e}"),
            Err(_) => warn!("connections still open after 5 s; closing anyway"),
        }
        if let Some(watch) = self.tls_watch {
            let _ = watch.await;
        }
        self.keepers.shutdown().await;
        self.image_sweep.stop().await;
        for task in &self.cluster_tasks {
            task.abort();
        }
        self.hub.retire().await;
        self.writer.close().await;
        info!("stopped; everything is stored");
    }
}

/// What a node with a bus runs beside its hub: other nodes' events applied as
/// they come, and the reconciliation that repairs what was lost between them.
fn run_bus(
    hub: &Arc<Hub>,
    keepers: &Arc<Keepers>,
    mut events: mpsc::Receiver<BusEvent>,
) -> Vec<JoinHandle<()>> {
    let applier = {
        let (hub, keepers) = (hub.clone(), keepers.clone());
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if let BusEvent::RoomDeleted { room } = &event {
                    // The keeper here (if the room's is) leaves storing
                    // nothing; the hub ends the members.
                    keepers.end(room).await;
                }
                hub.on_bus_event(event);
            }
        })
    };
    let reconciler = {
        let hub = hub.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(BUS_RECONCILE_INTERVAL);
            loop {
                every.tick().await;
                hub.reconcile().await;
            }
        })
    };
    vec![applier, reconciler]
}

/// [`Server::insecure_for_other_machines`] for a server listening on `ip`.
fn insecure_for_other_machines(tls: bool, ip: IpAddr) -> bool {
    !tls && !ip.to_canonical().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_insecure_only_where_other_machines_reach_it() {
        for network in ["0.0.0.0", "::", "192.168.1.5", "10.0.0.2", "fd00::1"] {
            let ip = network.parse().unwrap();
            assert!(insecure_for_other_machines(false, ip), "{network}");
            assert!(!insecure_for_other_machines(true, ip), "{network} with TLS");
        }
        for loopback in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            let ip = loopback.parse().unwrap();
            assert!(!insecure_for_other_machines(false, ip), "{loopback}");
        }
    }
}
