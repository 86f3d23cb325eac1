//! What a hostile peer costs the victim's memory, read from /proc/self/status.
//! Alone in its test binary so that no other test's memory is counted.

mod common;

use common::{
    big_board, connect_hostile_as, converged, init_tracing, resident_bytes, synced, TestPeer,
    STEP_1,
};
use inkmesh_transport::{Limit, MemoryHub, Role};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_repeating_step_1_is_disconnected_before_memory_grows() {
    init_tracing();
    let hub = MemoryHub::new();
    let board = big_board("u-victim", 500_000);
    let mut victim = TestPeer::join_with(&hub, "r", "victim", Role::Editor, board).await;
    let mut bystander = TestPeer::join(&hub, "r", "bystander", Role::Editor).await;
    synced(&mut bystander, "the bystander synced").await;
    converged(&[&victim, &bystander]).await;
    let victim_id = victim.room.me().id.clone();
    let hostile = connect_hostile_as(&hub, &victim_id, Role::Viewer).await;

    // The attack of issue 10: 2,000 step 1s, each answerable with the whole
    // board. Answered every time, they took a server from 22 to 461-899 MiB.
    let before = resident_bytes();
    for _ in 0..2000 {
        hostile.link.send_board(STEP_1.to_vec());
    }
    let (reason, tripped) = victim
        .expect_disconnect("the victim to refuse a repeated step 1", &hostile.id)
        .await;
    let grown = resident_bytes().saturating_sub(before);
    assert_eq!(tripped, Some(Limit::SyncStep1Repeat), "reason {reason:?}");
    assert!(reason.contains("sync step 1 repeated"), "reason {reason:?}");
    // Measured in a debug build: 2 MiB with the step-1 rule (a few answers of
    // 500 KB, counting the hostile side in this same process), 55 MiB with the
    // queue limit alone, 461-899 MiB in issue 10 with neither.
    assert!(
        grown < 24 << 20,
        "resident memory grew by {} MiB",
        grown >> 20
    );

    victim.draw(1, 3, 1.0).await;
    converged(&[&victim, &bystander]).await;
}
