//! Every bound the server puts on what a client may cost it, named once.
//!
//! Each is what a stranger or a member can make the server spend at most; the
//! doc comment gives the default and why. When one trips the server counts it
//! in `/metrics` as `inkmesh_limit_trips_total{limit="<label>"}` with the label
//! from [`label`]. README.md ("Limits") tables them all; docs/PROTOCOL.md the
//! signaling ones a client can meet.

use std::time::Duration;

/// Open TCP connections, HTTP and WebSocket alike (`--max-connections`).
/// 16,384: room for 10,000 idle members plus their page loads, and within a
/// hard `RLIMIT_NOFILE` of 20,000 (with the server's own descriptors) as
/// common hosts have it. Over it a new connection is closed at once. Each
/// costs a file descriptor, so the server raises its soft `RLIMIT_NOFILE` to
/// the hard limit at start.
pub const MAX_CONNECTIONS: usize = 16_384;

/// Time a connection has to send a complete request head: the first one and
/// every later one on a keep-alive connection. 10 s: a browser sends its
/// headers in one packet; a connection that trickles them, or sends nothing at
/// all, is closed.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Time a connection has to complete its TLS handshake (with `--tls-cert`),
/// before the header-read timeout starts: 10 s, like that timeout. A browser
/// needs one or two round trips; a connection that opens and sends nothing,
/// or trickles its hello, is closed and gives its place under
/// [`MAX_CONNECTIONS`] back.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest request head (request line and headers) hyper buffers: 64 KiB,
/// far above what a browser sends even with cookies; over it the request is
/// answered 431 and the connection closed.
pub const MAX_HEADER_BYTES: usize = 64 << 10;

/// Largest HTTP request body (the token request's JSON is a few dozen bytes).
pub const MAX_BODY_BYTES: usize = 64 << 10;

/// Time an API request may take, reading its body included: 30 s.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// WebSockets upgraded but not yet joined to a room. 1,024: a burst of
/// members arriving at once fits; a stranger opening sockets and never
/// joining gets 503 past it instead of costing memory per socket.
pub const MAX_PENDING_WEBSOCKETS: usize = 1024;

/// Time between opening the signaling socket and sending `join`: 10 s.
pub const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes tungstenite reads from a WebSocket at once, and allocates up front
/// per socket. Its default, 128 KiB, made an idle socket cost ~165 KiB; 4 KiB
/// holds a whole signaling message of the usual size (candidates, ~300 bytes;
/// offers, ~3 KiB) and larger ones are read in several steps.
pub const WS_READ_BUFFER_BYTES: usize = 4 << 10;

/// Bytes tungstenite gathers before writing to the socket. 0: every message is
/// written at once (each is a whole signal a peer waits for) and no buffer is
/// kept per socket.
pub const WS_WRITE_BUFFER_BYTES: usize = 0;

/// Most bytes tungstenite holds for a socket that cannot take them: room for
/// the largest message the server sends (a relayed 64 KiB signal) several
/// times over. A client slower than that is dropped by [`SEND_TIMEOUT`].
pub const WS_MAX_WRITE_BUFFER_BYTES: usize = 256 << 10;

/// Largest signaling message answered: bigger ones get `too_large` and are
/// dropped, the connection stays. 64 KiB: an SDP offer is a few KiB.
pub const SIGNAL_MESSAGE_BYTES: usize = 64 << 10;

/// Largest WebSocket frame or message read at all: 1 MiB. Beyond it the
/// server answers `too_large` and closes with 1009; below it a message over
/// [`SIGNAL_MESSAGE_BYTES`] is read and dropped.
pub const SIGNAL_HARD_LIMIT: usize = 1 << 20;

/// Sustained signaling frames a second per connection, every kind counted
/// (text, binary, ping, pong): 100.
pub const SIGNAL_RATE_PER_SEC: f64 = 100.0;

/// Frames a connection may send at once before the rate applies: 200, since
/// setting up WebRTC with every member of a full room is a burst of
/// candidates.
pub const SIGNAL_BURST: f64 = 200.0;

/// Frames dropped for the rate within [`SIGNAL_STRIKE_WINDOW`] before the
/// connection is closed (1008, `rate_limited`): 100.
pub const SIGNAL_RATE_STRIKES: u32 = 100;

/// The window over which dropped frames are counted: 10 s. The first drop in
/// a window is answered `rate_limited`; later ones silently.
pub const SIGNAL_STRIKE_WINDOW: Duration = Duration::from_secs(10);

/// Messages queued for one member before it counts as too slow and is closed
/// (1008, `rate_limited`): 1,024, several full rooms' worth of candidates.
pub const SIGNAL_OUTBOX: usize = 1024;

/// A member silent this long (no message, no WebSocket pong) is closed with
/// 1001: 30 s, three of the server's pings.
pub const SIGNAL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// How often the server pings each member: 10 s.
pub const SIGNAL_PING_INTERVAL: Duration = Duration::from_secs(10);

/// Time one message may take to reach a client's socket before the client is
/// dropped: 10 s.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Time the server waits for the client's close frame after sending its own,
/// reading and discarding whatever else arrives: 2 s. Dropping the socket
/// with unread data would make the kernel reset the connection, and the
/// client would lose the close frame and its code.
pub const CLOSE_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);

/// Members per room, the keeper not counted (`--max-peers`): 50.
pub const MAX_PEERS_PER_ROOM: usize = 50;

/// (Room, user) pairs whose colour the hub remembers, so that a user who
/// comes back gets theirs again: 65,536. Past it the least recently joined is
/// forgotten. Each entry is a 64-bit keyed hash of the pair, a colour index
/// and a join count, whatever the room name's and user id's length: at most
/// about 90 bytes with the maps' overhead (a hash map slot of 25 bytes in a
/// table at least half full, an order-tree slot of 16 in nodes at least
/// half full), so about 6 MB at this bound.
pub const COLOUR_MEMORY: usize = 65_536;

/// Members per room, the keeper not counted, up to which members also link to
/// each other directly (`--mesh-limit`): 6. Above it every member links to the
/// keeper only, so a member holds one link and uploads each change once
/// whatever the room's size; small rooms keep direct links for their latency
/// and for drawing on while the server is unreachable.
pub const MESH_LIMIT: usize = 6;

/// Bus events (another node's joins, leaves and signals for this one's
/// members) queued for the hub: 1,024. Past it the bus stops reading from
/// Redis until the hub catches up, and Redis drops a subscriber that falls too
/// far behind; the hub's reconciliation repairs the membership afterwards.
pub const BUS_EVENT_QUEUE: usize = 1024;

/// How often a node renews its heartbeat in the bus: 2 s.
pub const BUS_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(2);

/// How long a node's heartbeat lasts: 6 s, three missed renewals. A node
/// silent that long is taken for dead (short enough that its rooms move to
/// another node within 10 s, see [`KEEPER_LEASE_TTL`]): its members are removed from every
/// room the next time another node reads it, and their peers hear
/// `peer-left`.
pub const BUS_NODE_TTL: Duration = Duration::from_secs(6);

/// How often a node compares what it was told of its rooms' members on other
/// nodes with the bus's membership: 2 s. Announcements between nodes are at
/// most once; this is what repairs a lost one. It also writes this node's
/// members back after Redis lost them, and removes the members of dead nodes.
pub const BUS_RECONCILE_INTERVAL: Duration = Duration::from_secs(2);

/// How long a room's membership hash in the bus outlives the last join or
/// reconciliation that touched it: 5 minutes. A node with members in the room
/// touches it every [`BUS_RECONCILE_INTERVAL`], so it lapses only when every
/// node there stopped; then it drops the dead nodes' members, which otherwise
/// only a later reader of the room would. Far longer than a reconciliation
/// sweep could take, so a slow sweep never lets a live room's hash lapse.
pub const BUS_ROOM_TTL: Duration = Duration::from_secs(5 * 60);

/// Wait before subscribing again after the bus connection failed: 1 s.
pub const BUS_RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// Users per room whose colour a cluster's Redis remembers (`inkmesh:colours:
/// <room>`), so that one who comes back through any node gets theirs again:
/// 1,024. Past it the least recently joined is forgotten. Each entry is a
/// 40-byte digest of the user id and a colour, whatever the id's length.
pub const BUS_COLOUR_MEMORY_PER_ROOM: usize = 1024;

/// How long a cluster's Redis remembers a room's colours after its last
/// join: 30 days, so that rooms nobody visits any more leave nothing behind.
pub const BUS_COLOUR_MEMORY_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Longest room name: 128 characters (they are URL path segments).
pub const MAX_ROOM_LEN: usize = 128;

/// Longest display name kept from a token or a guest request: 64 characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Clock skew allowed on a token's `exp` and `nbf`: 5 s.
pub const TOKEN_LEEWAY_SECS: u64 = 5;

/// Shortest auth secret accepted: 16 characters, so it cannot be guessed.
pub const MIN_SECRET_LEN: usize = 16;

/// How long a guest token from open mode lasts: a day.
pub const GUEST_TOKEN_SECS: u64 = 24 * 3600;

/// How long a TURN credential minted at `welcome` is accepted (`--turn-ttl`):
/// 6 hours. A leaked one is an open relay for at most that long; a member
/// whose visit outlasts it keeps its relayed links only until the TURN
/// server's next refresh of their allocations (coturn refuses the expired
/// username then), and gets fresh credentials when it reconnects.
pub const TURN_CREDENTIAL_TTL: Duration = Duration::from_secs(6 * 3600);

/// Bytes of board views (snapshot, SVG) of rooms without an awake keeper
/// kept after a rebuild from storage: 64 MiB. Each view counts twice, for
/// the compressed copy that may be kept with it, so about eight
/// 10,000-stroke snapshots. A view counted at more than a quarter of it is
/// not kept.
pub const COLD_CACHE_BYTES: usize = 64 << 20;

/// How long such a view is served before it is rebuilt: 10 s.
pub const COLD_CACHE_TTL: Duration = Duration::from_secs(10);

/// Rebuilds of boards from storage for HTTP reads running at once, whatever
/// the number of requests: 2 (each costs CPU and memory in proportion to the
/// board).
pub const COLD_BUILDS: usize = 2;

/// Time a read waits for a rebuild's turn before it is answered 503
/// `unavailable`: 10 s.
pub const COLD_BUILD_WAIT: Duration = Duration::from_secs(10);

/// Bytes of encoded views (render stream, snapshot, SVG) of boards whose
/// keeper is awake, kept until the board changes: 64 MiB. Each view counts
/// twice, for the compressed copy that may be kept with it, so about four
/// 10,000-stroke boards' render stream and snapshot. A view counted at more
/// than a quarter of it is not kept; the least recently used go first.
pub const LIVE_VIEW_BYTES: usize = 64 << 20;

/// How long a keeper's lease on its room lasts unless renewed: 8 s. The
/// keeper renews it every third of that, so two renewals can fail in a row
/// (storage unreachable for about 5 s) before it lapses; a node that dies (or
/// is paused) hands its rooms to another node within this time, which with
/// [`BUS_NODE_TTL`] and one reconciliation keeps a takeover under 10 s. See
/// [`crate::lease`].
pub const KEEPER_LEASE_TTL: Duration = Duration::from_secs(8);

/// How often a starting keeper asks again for a lease another keeper holds,
/// for up to one [`KEEPER_LEASE_TTL`]: 500 ms, so a room whose keeper died
/// moves within half a second of its lease lapsing.
pub const KEEPER_LEASE_POLL: Duration = Duration::from_millis(500);

/// How long after a keeper left a room that still has members (it stepped
/// down, or could not start: storage unreachable, say) this node looks for
/// a keeper for it again: 2 s, so a keeper that cannot start is retried at
/// that pace rather than in a loop, and the room is kept again once storage
/// answers, on one node as in a cluster.
pub const KEEPER_RESTART_DELAY: Duration = Duration::from_secs(2);

/// Connections one node opens to PostgreSQL (`--store postgres://...`): 8,
/// one for the writer thread and the rest for board loads and history reads
/// ([`COLD_BUILDS`] of them at once, plus keepers waking). Three nodes stay
/// far within PostgreSQL's default `max_connections` of 100.
pub const POSTGRES_CONNECTIONS: usize = 8;

/// Time to open a PostgreSQL connection, and the keepalive idle time: 5 s.
/// A node finds a dead database quickly and its writer retries (the batch
/// kept), instead of hanging on a connection that will never answer.
pub const POSTGRES_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Time one storage operation on PostgreSQL may take, waiting for a pooled
/// connection included: 30 s, room for a large batch or snapshot on a busy
/// server. Past it the operation counts as failed (unavailable) and is
/// retried like any other failed write.
pub const POSTGRES_OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Versions of a room younger than this are all kept
/// (`--history-keep-all-minutes`): 1 hour, so a mistake noticed soon can be
/// undone to any compaction since.
pub const HISTORY_KEEP_ALL_FOR: Duration = Duration::from_secs(60 * 60);

/// Versions up to this age are kept one per [`HISTORY_DENSE_EVERY`]
/// (`--history-dense-hours`): 1 day.
pub const HISTORY_DENSE_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// The slot of the day tier (`--history-dense-minutes`): 10 minutes, at most
/// 144 versions for a day of non-stop activity.
pub const HISTORY_DENSE_EVERY: Duration = Duration::from_secs(10 * 60);

/// Versions up to this age are kept one per [`HISTORY_SPARSE_EVERY`], older
/// ones deleted (`--history-days`): 30 days.
pub const HISTORY_SPARSE_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The slot of the month tier: one day.
pub const HISTORY_SPARSE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Versions kept per room at most, whatever their ages
/// (`--history-max-versions`): 500. The tiers above hold at most about 200
/// plus the last hour's; this bounds the hour of a room compacted non-stop
/// (every 1,000 updates), dropping the oldest of that hour first, so the
/// older tiers keep their versions.
pub const HISTORY_MAX_VERSIONS: usize = 500;

/// Snapshots a board load reads, newest first: 5. Recovery starts from the
/// newest that decodes; the rest of the history is read one version at a
/// time, when someone opens it, not on every keeper wake or cold read.
pub const RECOVERY_SNAPSHOTS: usize = 5;

/// Names listed per version as who edited since the previous one: 8. More
/// people than that are counted, not named (`moreEditors`).
pub const HISTORY_EDITORS: usize = 8;

/// Largest uploaded image file: 10 MiB, a large phone photo. The route reads
/// no more of a body than this; over it the upload is answered `413`.
pub const IMAGE_MAX_BYTES: usize = 10 << 20;

/// Most pixels an uploaded image may have (width times height; an
/// animation's frames counted together, so a small file of many frames costs
/// bounded time): 50 megapixels, above any phone camera. A still image or an
/// animation's canvas over it is answered `422` before its pixels are
/// decoded; an animation whose frames add up past it, as soon as they do.
pub const IMAGE_MAX_PIXELS: u64 = 50_000_000;

/// Most memory the decoder may take for one image (`image::Limits`): 256 MiB,
/// room for [`IMAGE_MAX_PIXELS`] at 4 bytes a pixel. An image that needs more
/// (16 bits a channel at nearly the pixel limit) is answered `422`.
pub const IMAGE_DECODE_MAX_ALLOC: u64 = 256 << 20;

/// Uploads whose bodies are read at once: 16, so bodies waiting to be checked
/// hold at most 160 MiB. Further uploads wait for a place, holding no body
/// yet, within [`REQUEST_TIMEOUT`] (`408` past it).
pub const IMAGE_UPLOADS: usize = 16;

/// Image uploads in progress per room: 2. A third is answered `429` with
/// `Retry-After` ([`IMAGE_UPLOAD_RETRY_AFTER`]) at once, so one room's
/// uploads (one person's, a script's) hold at most 2 of [`IMAGE_UPLOADS`]
/// and other rooms never wait on them.
pub const IMAGE_UPLOADS_PER_ROOM: usize = 2;

/// `Retry-After` of an upload refused over [`IMAGE_UPLOADS_PER_ROOM`]: 2 s.
pub const IMAGE_UPLOAD_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Whole time of one image upload, from its head to its answer: 3 minutes.
/// Uploads are outside the API's [`REQUEST_TIMEOUT`], which would need
/// 2.8 Mbit/s for a 10 MiB file; this bounds the rest (waiting, decoding,
/// storing) once the rate below has let a body arrive.
pub const IMAGE_UPLOAD_TIMEOUT: Duration = Duration::from_secs(3 * 60);

/// Slowest average rate an upload's body may arrive at, once
/// [`IMAGE_UPLOAD_RATE_GRACE`] has passed: 64 KiB/s (a poor mobile uplink),
/// so [`IMAGE_MAX_BYTES`] arrives within 170 s, inside
/// [`IMAGE_UPLOAD_TIMEOUT`]. Below it the upload is answered `408` and
/// its place freed: a trickling body never holds one of [`IMAGE_UPLOADS`].
pub const IMAGE_UPLOAD_MIN_BYTES_PER_SEC: u64 = 64 << 10;

/// Time an upload's body may take before [`IMAGE_UPLOAD_MIN_BYTES_PER_SEC`]
/// applies: 10 s, for a connection's slow start and a phone waking its radio.
pub const IMAGE_UPLOAD_RATE_GRACE: Duration = Duration::from_secs(10);

/// Images decoded at once: 2, one per core of a small host; a decode is
/// CPU-bound and may hold [`IMAGE_DECODE_MAX_ALLOC`].
pub const IMAGE_DECODES: usize = 2;

/// Bytes of images one room may store (`--room-image-max-mib`): 256 MiB. An
/// upload that would go over it is answered `413`; images no version
/// references any longer are collected and free their bytes.
pub const ROOM_IMAGE_MAX_BYTES: u64 = 256 << 20;

/// How long an image no kept version references survives compaction
/// (`--image-grace-secs`): 1 hour. A client uploads an image before the
/// element that shows it reaches the keeper (offline, it may be much later
/// than the upload), so a fresh upload is not yet garbage.
pub const IMAGE_UNREFERENCED_GRACE: Duration = Duration::from_secs(60 * 60);

/// How often the image sweep looks for images to collect in rooms nobody
/// is editing (`--image-sweep-secs`): 1 hour. Compaction collects only while
/// a room is edited, so a room that went quiet would otherwise keep its
/// unreferenced uploads (within its quota) until someone edits it again.
pub const IMAGE_SWEEP_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// How long a join or a board read waits for the store to say whether the
/// room was deleted: 1 second, then it goes ahead as if not (fail open; the
/// deleted room's lease fences every write, and its members are ended by
/// the keeper that cannot start there). Without it each join on a
/// blackholed database would wait for the storage's own timeout, twice.
pub const TOMBSTONE_LOOKUP_TIMEOUT: Duration = Duration::from_secs(1);

/// The longest `--image-sweep-secs` accepted: 7 days. Longer would keep
/// unreferenced uploads for longer than anyone waits, and far longer
/// overflows the sweep's clock; the shortest is 1 second.
pub const IMAGE_SWEEP_MAX_INTERVAL: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Rooms the image sweep visits in one pass: 100. Each is one transaction;
/// the next pass goes on from where this one stopped, so a store with many
/// rooms is swept over several passes instead of in one long burst.
pub const IMAGE_SWEEP_ROOMS: usize = 100;

/// The `limit` label of `inkmesh_limit_trips_total` for each limit.
pub mod label {
    /// A connection refused over [`super::MAX_CONNECTIONS`].
    pub const CONNECTIONS: &str = "connections";
    /// A connection closed by [`super::HEADER_READ_TIMEOUT`], silent or trickling.
    pub const HEADER_TIMEOUT: &str = "header_timeout";
    /// A connection closed by [`super::TLS_HANDSHAKE_TIMEOUT`].
    pub const TLS_HANDSHAKE_TIMEOUT: &str = "tls_handshake_timeout";
    /// A request head over [`super::MAX_HEADER_BYTES`].
    pub const HEADER_BYTES: &str = "header_bytes";
    /// A request over [`super::REQUEST_TIMEOUT`].
    pub const REQUEST_TIMEOUT: &str = "request_timeout";
    /// A request body over [`super::MAX_BODY_BYTES`].
    pub const BODY_BYTES: &str = "body_bytes";
    /// A WebSocket upgrade refused over [`super::MAX_PENDING_WEBSOCKETS`].
    pub const PENDING_WEBSOCKETS: &str = "pending_websockets";
    /// A socket closed for not joining within [`super::JOIN_TIMEOUT`].
    pub const JOIN_TIMEOUT: &str = "join_timeout";
    /// A signaling frame dropped over the rate ([`super::SIGNAL_RATE_PER_SEC`]).
    pub const SIGNAL_RATE: &str = "signal_rate";
    /// A member closed after [`super::SIGNAL_RATE_STRIKES`] drops.
    pub const SIGNAL_RATE_DISCONNECT: &str = "signal_rate_disconnect";
    /// A message over [`super::SIGNAL_MESSAGE_BYTES`] (dropped).
    pub const SIGNAL_MESSAGE_BYTES: &str = "signal_message_bytes";
    /// A frame over [`super::SIGNAL_HARD_LIMIT`] (closed, 1009).
    pub const SIGNAL_HARD_LIMIT: &str = "signal_hard_limit";
    /// A member closed for a full outbox ([`super::SIGNAL_OUTBOX`]).
    pub const SIGNAL_OUTBOX: &str = "signal_outbox";
    /// A member closed for silence ([`super::SIGNAL_IDLE_TIMEOUT`]).
    pub const SIGNAL_IDLE: &str = "signal_idle";
    /// A member dropped for a send over [`super::SEND_TIMEOUT`].
    pub const SEND_TIMEOUT: &str = "send_timeout";
    /// A join refused: the room has [`super::MAX_PEERS_PER_ROOM`] members.
    pub const ROOM_FULL: &str = "room_full";
    /// Open mode: a request whose `Host` is not this machine (DNS rebinding).
    pub const OPEN_MODE_HOST: &str = "open_mode_host";
    /// Open mode: a request from a page on another origin.
    pub const OPEN_MODE_ORIGIN: &str = "open_mode_origin";
    /// A board read refused after [`super::COLD_BUILD_WAIT`] for a rebuild's turn.
    pub const COLD_BUILDS: &str = "cold_builds";
    /// An image upload whose body arrived slower than
    /// [`super::IMAGE_UPLOAD_MIN_BYTES_PER_SEC`] or past
    /// [`super::IMAGE_UPLOAD_TIMEOUT`] (`408`).
    pub const IMAGE_UPLOAD_SLOW: &str = "image_upload_slow";
    /// An image upload refused over [`super::IMAGE_UPLOADS_PER_ROOM`] (`429`).
    pub const IMAGE_UPLOADS_ROOM: &str = "image_uploads_room";
    /// An image upload over [`super::IMAGE_MAX_BYTES`] (`413`).
    pub const IMAGE_BYTES: &str = "image_bytes";
    /// An image upload of a type the server does not store (`415`).
    pub const IMAGE_TYPE: &str = "image_type";
    /// An image upload whose bytes are not a complete image of its type, or
    /// over [`super::IMAGE_MAX_PIXELS`] or [`super::IMAGE_DECODE_MAX_ALLOC`] (`422`).
    pub const IMAGE_INVALID: &str = "image_invalid";
    /// An image upload whose SHA-256 is not the one its URL names (`422`).
    pub const IMAGE_HASH: &str = "image_hash";
    /// An image upload that would take its room over [`super::ROOM_IMAGE_MAX_BYTES`] (`413`).
    pub const ROOM_IMAGE_BYTES: &str = "room_image_bytes";
    /// A `DELETE /api/rooms/{room}` without the admin token, or with a
    /// wrong one (`401`/`403`): many of them are someone guessing.
    pub const ADMIN_TOKEN: &str = "admin_token";
}
