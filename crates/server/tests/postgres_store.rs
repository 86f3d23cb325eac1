//! What only the PostgreSQL store has to get right, on a real server (skipped,
//! saying so, where PostgreSQL is not installed): migrations that nodes
//! starting together apply once, a schema from a newer server refused, and
//! the database going away and coming back while the writer has updates to
//! store. The rest of its behaviour is the storage contract
//! (`store_contract.rs`).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::postgres::{Postgres, PASSWORD};
use inkmesh_server::metrics::Metrics;
use inkmesh_server::persist::{LogPosition, Writer};
use inkmesh_server::stores::{NewUpdate, PostgresStore, Store, StoreError};

/// Runs `statement` on the database at `url` (outside any store).
async fn execute(url: &str, statement: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connects");
    let driver = tokio::spawn(connection);
    client.batch_execute(statement).await.expect("runs");
    drop(client);
    let _ = driver.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_migrate_once_and_a_newer_schema_is_refused() {
    let Some(database) = Postgres::database() else {
        return;
    };
    let url = database.url.clone();
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::task::spawn_blocking(move || PostgresStore::connect(&url))
        })
        .collect();
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.unwrap().expect("every node starts"));
    }
    let seqs = stores[0]
        .append(&[NewUpdate {
            room: "r".to_owned(),
            epoch: 0,
            bytes: vec![1, 2, 3],
        }])
        .unwrap();
    let seen = stores[3].load("r").unwrap().updates;
    assert_eq!(seen.len(), 1, "one schema, shared");
    assert_eq!(seen[0].seq, seqs[0]);
    drop(stores);

    execute(
        &url,
        "INSERT INTO inkmesh_schema_version (version, applied_ms) VALUES (99, 0)",
    )
    .await;
    let refused = tokio::task::spawn_blocking(move || PostgresStore::connect(&url).err())
        .await
        .unwrap()
        .expect("a newer schema is refused");
    assert!(
        refused.to_string().contains("newer than this server"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_refused_without_showing_the_password() {
    let Some(database) = Postgres::database() else {
        return;
    };
    let url = database.url.replace(PASSWORD, "not-the-password-xyz");
    let error = tokio::task::spawn_blocking(move || PostgresStore::connect(&url).err())
        .await
        .unwrap()
        .expect("refused");
    assert!(
        !error.to_string().contains("not-the-password-xyz"),
        "{error}"
    );
    assert!(
        !format!("{error:?}").contains("not-the-password-xyz"),
        "{error:?}"
    );
}

#[test]
fn sslmode_require_is_refused_at_start_since_connections_are_plain() {
    let refused = PostgresStore::connect("postgres://u:p@127.0.0.1:1/db?sslmode=require")
        .err()
        .expect("refused");
    assert!(refused.to_string().contains("without TLS"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_keeps_updates_while_postgres_is_down_and_stores_them_when_it_is_back() {
    let Some(server) = Postgres::private() else {
        return;
    };
    let database = server.create_database();
    let url = database.url.clone();
    let store: Arc<dyn Store> = Arc::new(
        tokio::task::spawn_blocking(move || PostgresStore::connect(&url))
            .await
            .unwrap()
            .unwrap(),
    );
    let metrics = Arc::new(Metrics::default());
    let writer = Writer::start(store.clone(), Duration::from_millis(20), metrics.clone());
    let position = LogPosition::default();
    let updates: Vec<Vec<u8>> = (0u16..40).map(|i| i.to_be_bytes().to_vec()).collect();
    for u in &updates[..20] {
        writer.append("r", u.clone(), &position);
    }
    writer.flush().await;
    assert_eq!(metrics.persist_errors.get(), 0);

    let stopping = server.clone();
    tokio::task::spawn_blocking(move || stopping.stop())
        .await
        .unwrap();
    let direct = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            store.append(&[NewUpdate {
                room: "x".to_owned(),
                epoch: 0,
                bytes: vec![0],
            }])
        })
        .await
        .unwrap()
    };
    assert!(
        matches!(direct, Err(StoreError::Unavailable(_))),
        "a stopped database is unavailable, not a refusal: {direct:?}"
    );
    for u in &updates[20..] {
        writer.append("r", u.clone(), &position);
    }
    common::wait_for("the writer to fail a commit", 15, || async {
        metrics.persist_errors.get() > 0
    })
    .await;

    let restarting = server.clone();
    tokio::task::spawn_blocking(move || restarting.restart())
        .await
        .unwrap();
    common::wait_for("every update stored after the restart", 30, || {
        let store = store.clone();
        async move {
            tokio::task::spawn_blocking(move || store.pending_updates("r"))
                .await
                .unwrap()
                .is_ok_and(|n| n == 40)
        }
    })
    .await;
    let stored: Vec<Vec<u8>> = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.load("r"))
            .await
            .unwrap()
            .unwrap()
            .updates
            .into_iter()
            .map(|u| u.bytes)
            .collect()
    };
    assert_eq!(stored, updates, "every update, once, in order");
    writer.close().await;
}
