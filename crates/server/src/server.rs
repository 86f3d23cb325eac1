//! Starting and stopping the whole server. Shutdown is explicit and ordered:
//! stop accepting, close every signaling socket, let every keeper leave, flush
//! and snapshot its room, then commit the last batch and close the database.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::auth::{open_mode_key, Auth};
use crate::config::ServerConfig;
use crate::http::router;
use crate::keeper::Keepers;
use crate::metrics::Metrics;
use crate::persist::Writer;
use crate::signal::hub::Hub;
use crate::state::AppState;
use crate::stores::{SqliteStore, Store, StoreError};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    open_mode: bool,
    shutdown: watch::Sender<bool>,
    serve: JoinHandle<std::io::Result<()>>,
    keepers: Arc<Keepers>,
    writer: Writer,
}

impl Server {
    /// Opens storage, binds, and starts serving in the background.
    pub async fn start(config: ServerConfig) -> Result<Server, StartError> {
        let metrics = Arc::new(Metrics::default());
        let data_dir = config.data_dir.clone();
        let store: Arc<dyn Store> = Arc::new(
            tokio::task::spawn_blocking(move || SqliteStore::open(&data_dir))
                .await
                .map_err(|e| StoreError::Io(std::io::Error::other(e)))??,
        );
        let writer = Writer::start(store.clone(), config.batch_window, metrics.clone());
        let hub = Arc::new(Hub::new(
            config.ice_servers.clone(),
            config.limits.max_peers_per_room,
            metrics.clone(),
        ));
        let keepers = Arc::new(Keepers::new(
            hub.clone(),
            store.clone(),
            writer.clone(),
            config.keeper.clone(),
        ));
        let auth = Arc::new(match config.auth_secret.as_deref() {
            Some(secret) => Auth::new(Some(secret)),
            None => Auth::open_mode(&open_mode_key(&config.data_dir)?),
        });
        let open_mode = auth.is_open();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let listener = TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let state = AppState {
            config: Arc::new(config),
            auth,
            hub,
            keepers: keepers.clone(),
            store,
            metrics,
            shutdown: shutdown_rx.clone(),
        };
        let app = router(state);
        let mut stop = shutdown_rx;
        let serve = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|closing| *closing).await;
                })
                .await
        });
        info!(%addr, open_mode, "listening");
        Ok(Server {
            addr,
            open_mode,
            shutdown,
            serve,
            keepers,
            writer,
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
        format!("http://{host}/")
    }

    /// The signaling WebSocket's URL.
    pub fn signal_url(&self) -> String {
        format!("ws://{}/api/signal", self.addr)
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
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => warn!("the HTTP server failed: {e}"),
            Ok(Err(e)) => warn!("the HTTP server task failed: {e}"),
            Err(_) => warn!("connections still open after 5 s; closing anyway"),
        }
        self.keepers.shutdown().await;
        self.writer.close().await;
        info!("stopped; everything is stored");
    }
}
