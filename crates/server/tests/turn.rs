//! TURN with short-lived credentials, against the real `inkmesh` binary and a
//! real coturn on loopback (`use-auth-secret`): each member's welcome carries
//! its own credential expiring after `--turn-ttl`; relay-only members sync a
//! board through the relay and the keeper stores it; coturn refuses a
//! credential past its expiry, so a relay-only link with it never opens.

mod common;

use std::time::Duration;

use common::binary::Binary;
use common::coturn::Coturn;
use common::hostile::Hostile;
use common::*;
use inkmesh_doc::NewElement;
use inkmesh_server::auth::now_secs;
use inkmesh_server::turn::{rest_credential, rest_username};
use inkmesh_transport::{IceServer, Role, TransportConfig};

/// The secret the server and coturn share.
const TURN_SECRET: &str = "turn-secret-0123456789";

/// `--turn-ttl` in these tests.
const TTL_SECS: u64 = 600;

async fn server(dir: &std::path::Path, turn_url: &str) -> Binary {
    let ttl = TTL_SECS.to_string();
    Binary::start(
        dir,
        &[
            "--auth-secret",
            SECRET,
            "--keeper-idle-secs",
            "1",
            "--ice-server",
            "stun:127.0.0.1:3478",
            "--ice-server",
            turn_url,
            "--turn-secret",
            TURN_SECRET,
            "--turn-ttl",
            &ttl,
        ],
    )
    .await
}

/// A native member that gathers only relay candidates.
fn relay_only() -> TransportConfig {
    TransportConfig {
        relay_only: true,
        ..TransportConfig::loopback()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_member_is_welcomed_with_its_own_credential_expiring_after_the_ttl() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens there: only the welcome is read.
    let server = server(dir.path(), "turn:127.0.0.1:9").await;
    let mut minted = Vec::new();
    let mut clients = Vec::new();
    for user in ["ada", "bea"] {
        let (client, welcome) =
            RawClient::join(server.addr, "r", &token("r", user, Role::Editor)).await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        let servers = welcome["iceServers"].as_array().unwrap();
        assert_eq!(
            servers[0],
            serde_json::json!({"urls": ["stun:127.0.0.1:3478"]})
        );
        let turn = &servers[1];
        assert_eq!(turn["urls"], serde_json::json!(["turn:127.0.0.1:9"]));
        let username = turn["username"].as_str().unwrap().to_owned();
        let (expiry, user_id) = username.split_once(':').unwrap();
        assert_eq!(
            user_id, welcome["me"]["id"],
            "named after the member's peer id"
        );
        let expiry: u64 = expiry.parse().unwrap();
        assert!(
            expiry.abs_diff(now_secs() + TTL_SECS) <= 2,
            "expires {TTL_SECS} s from now: {username}"
        );
        assert_eq!(turn["credential"], rest_credential(TURN_SECRET, &username));
        minted.push(username);
        clients.push(client);
    }
    assert_ne!(minted[0], minted[1], "each member its own credential");
    assert!(
        !server.log().contains(TURN_SECRET),
        "the secret stays out of the log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_only_members_sync_through_coturn_and_the_keeper_stores_it() {
    let Some(coturn) = Coturn::start(TURN_SECRET).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path(), &coturn.url()).await;
    let url = server.signal_url();

    // One relay-only link to the keeper: it gathers relay candidates only and opens.
    let token_c = token("r", "cleo", Role::Editor);
    let cleo = Hostile::try_connect(&url, "r", &token_c, relay_only(), |s| s, |sdp| sdp, 20)
        .await
        .unwrap_or_else(|failed| panic!("{failed:?}; coturn log:\n{}", coturn.log()));
    assert!(!cleo.local_candidates.is_empty());
    for candidate in &cleo.local_candidates {
        assert!(candidate.contains(" typ relay"), "{candidate}");
    }
    drop(cleo);

    let join = |user: &'static str| {
        let url = url.clone();
        async move {
            let board = std::sync::Arc::new(std::sync::Mutex::new(inkmesh_doc::Board::new(user)));
            Peer::rejoin_with(
                &url,
                "r",
                &token("r", user, Role::Editor),
                board,
                relay_only(),
            )
            .await
        }
    };
    let ada = join("ada").await;
    let bea = join("bea").await;
    for (peer, x) in [(&ada, 0.0), (&bea, 50.0)] {
        peer.room
            .edit(|b| b.add(NewElement::rect(x, 0.0, 5.0, 5.0)))
            .await
            .unwrap();
    }
    let addr = server.addr;
    let synced = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let want = ada.ids();
            if want.len() == 2 && bea.ids() == want && stored_ids(addr, "r").await == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(
        synced.is_ok(),
        "both members and the keeper hold both elements within 30 s (ada {:?}, bea {:?}); coturn log:\n{}",
        ada.ids(),
        bea.ids(),
        coturn.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coturn_refuses_an_expired_credential() {
    let Some(coturn) = Coturn::start(TURN_SECRET).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path(), &coturn.url()).await;
    let expired_user = "expired-member";
    let username = rest_username(now_secs() - 60, expired_user);
    let expired = IceServer {
        urls: vec![coturn.url()],
        credential: Some(rest_credential(TURN_SECRET, &username)),
        username: Some(username),
    };
    let token = token("r", "dan", Role::Editor);
    let attempt = Hostile::try_connect(
        &server.signal_url(),
        "r",
        &token,
        relay_only(),
        |_| vec![expired],
        |sdp| sdp,
        10,
    )
    .await;
    let Err(unopened) = attempt else {
        panic!("a relay-only link opened with an expired TURN credential");
    };
    assert!(
        unopened.local_candidates.is_empty(),
        "no relay allocated: {:?}",
        unopened.local_candidates
    );
    // coturn's words for a REST username past its expiry (it answers 401).
    let refused = tokio::time::timeout(Duration::from_secs(5), async {
        while !coturn
            .log()
            .lines()
            .any(|l| l.contains("Cannot find credentials of user") && l.contains(expired_user))
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(
        refused.is_ok(),
        "coturn logs the refusal within 5 s; its log:\n{}",
        coturn.log()
    );
}
