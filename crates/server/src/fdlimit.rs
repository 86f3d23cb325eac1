//! File descriptors: every connection holds one, and the usual soft limit
//! (1,024) is far below the connection cap. The soft limit may be raised to
//! the hard one without privileges, so the server does that at start.

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
use tracing::{debug, warn};

/// Descriptors the server needs besides its connections: the listener, the
/// database, keepers' UDP sockets, logs. A margin, not a count.
const RESERVED_FDS: u64 = 256;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit, and warns when even that
/// leaves too few descriptors for `max_connections`.
pub fn raise_for(max_connections: usize) {
    let limit = getrlimit(Resource::Nofile);
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    let available = match setrlimit(Resource::Nofile, raised) {
        Ok(()) => limit.maximum,
        Err(e) => {
            debug!("cannot raise the file descriptor limit: {e}");
            limit.current
        }
    };
    // `None` is unlimited.
    let Some(available) = available else { return };
    let needed = max_connections as u64 + RESERVED_FDS;
    if available < needed {
        warn!(
            available,
            needed,
            "the file descriptor limit (ulimit -n) is below --max-connections: \
             connections beyond it will fail to be accepted; raise the hard limit \
             (LimitNOFILE= in systemd, --ulimit nofile= in Docker) or lower --max-connections"
        );
    }
}
