//! Snapshots of boards that hold only part of another client's edits: a later
//! edit without the earlier ones (a gap in that client's clocks), or edits
//! waiting for one they depend on (pending). Such a board is routine in a
//! mesh, where edits arrive out of order; the keeper stores its snapshot and
//! deletes the log it covers, so the snapshot must load back to a board
//! holding the same, which takes the missing edits when they come.

use inkmesh_doc::{Board, BoardOptions, Encoding, NewElement, Snapshot, MAX_SNAPSHOT_BYTES};
use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, StateVector, Transact};

fn board(client_id: u32) -> Board {
    Board::with_options(BoardOptions {
        client_id: Some(client_id),
        now_ms: || 1_700_000_000_000,
        ..BoardOptions::new(format!("u-{client_id}"))
    })
}

/// A board loaded from `board`'s snapshot.
fn reload(board: &Board) -> Board {
    Board::from_snapshot(&board.snapshot(), BoardOptions::new("u-reader"))
        .expect("a board's own snapshot loads")
}

fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn state_vector(board: &Board) -> StateVector {
    StateVector::decode_v1(&board.state_vector()).unwrap()
}

fn ids(board: &Board) -> Vec<String> {
    board.elements().into_iter().map(|e| e.id).collect()
}

#[test]
fn a_snapshot_with_a_gap_loads_and_takes_the_missing_edit() {
    let mut author = board(7);
    let rect_a = author.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)).unwrap();
    let after_a = author.state_vector();
    let diff_a = author.diff(&[0], Encoding::V1).unwrap();
    let rect_b = author.add(NewElement::rect(5.0, 5.0, 10.0, 10.0)).unwrap();
    let diff_b = author.diff(&after_a, Encoding::V1).unwrap();

    // B arrives first: yrs integrates it behind a skip over A's clocks.
    let mut peer = board(8);
    peer.apply_remote(&diff_b, Encoding::V1).unwrap();
    assert_eq!(ids(&peer), std::slice::from_ref(&rect_b));
    assert_eq!(state_vector(&peer).get(&yrs::ClientID::new(7)), 0);

    let mut reloaded = reload(&peer);
    assert_eq!(reloaded.elements(), peer.elements());
    assert_eq!(state_vector(&reloaded), state_vector(&peer));

    reloaded.apply_remote(&diff_a, Encoding::V1).unwrap();
    assert_eq!(reloaded.elements(), author.elements());
    assert_eq!(ids(&reloaded), [rect_a, rect_b]);
}

#[test]
fn a_snapshot_keeps_pending_edits() {
    let mut author = board(7);
    let rect = author.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)).unwrap();
    let after_add = author.state_vector();
    let add = author.diff(&[0], Encoding::V1).unwrap();
    author.move_by(&[&rect], 30.0, 0.0).unwrap();
    let moved = author.diff(&after_add, Encoding::V1).unwrap();

    // The move arrives first: it edits an element this board has not seen,
    // so yrs holds it pending.
    let mut peer = board(8);
    peer.apply_remote(&moved, Encoding::V1).unwrap();
    assert!(peer.is_empty());
    assert!(peer.doc().transact().has_missing_updates());

    let mut reloaded = reload(&peer);
    assert!(reloaded.doc().transact().has_missing_updates());
    reloaded.apply_remote(&add, Encoding::V1).unwrap();
    assert_eq!(reloaded.elements(), author.elements());
    assert_eq!(reloaded.element(&rect).unwrap().frame.x, 30.0);
}

#[test]
fn a_snapshot_keeps_pending_deletions() {
    let mut author = board(7);
    let rect = author.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)).unwrap();
    let after_add = author.state_vector();
    let add = author.diff(&[0], Encoding::V1).unwrap();
    author.delete(&[&rect]);
    let deleted = author.diff(&after_add, Encoding::V1).unwrap();

    // The deletion arrives first: it names structs this board lacks.
    let mut peer = board(8);
    peer.apply_remote(&deleted, Encoding::V1).unwrap();
    assert!(peer.doc().transact().has_missing_updates());

    let mut reloaded = reload(&peer);
    reloaded.apply_remote(&add, Encoding::V1).unwrap();
    assert!(
        reloaded.is_empty(),
        "the deletion was kept: {:?}",
        ids(&reloaded)
    );
}

#[test]
fn encode_state_includes_what_is_pending_in_both_encodings() {
    let mut author = board(7);
    let rect = author.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)).unwrap();
    let after_add = author.state_vector();
    let add = author.diff(&[0], Encoding::V1).unwrap();
    author.move_by(&[&rect], 30.0, 0.0).unwrap();
    let moved = author.diff(&after_add, Encoding::V1).unwrap();
    let mut peer = board(8);
    peer.apply_remote(&moved, Encoding::V1).unwrap();

    for encoding in [Encoding::V1, Encoding::V2] {
        let mut copy = board(9);
        copy.apply_remote(&peer.encode_state(encoding), encoding)
            .unwrap();
        copy.apply_remote(&add, Encoding::V1).unwrap();
        assert_eq!(copy.elements(), author.elements(), "{encoding:?}");
    }
    // A sync step 2 carries what is integrated only.
    let mut copy = board(9);
    copy.apply_remote(&peer.diff(&[0], Encoding::V1).unwrap(), Encoding::V1)
        .unwrap();
    assert!(!copy.doc().transact().has_missing_updates());
}

/// Found by the `snapshot` fuzz target: a v1 update holding a GC struct at
/// clock 1 of the board's own client, leaving clock 0 a gap. Its snapshot
/// failed to load ("an unexpected end of buffer was reached").
#[test]
fn the_fuzzed_gap_snapshot_reloads() {
    let input = hex(
        "49 4d 53 48 01 00 00 00 01 00 00 00 00 00 00 00 00 fb 78 80 6c 07 00 00 00 00 00 00 00 \
         01 01 01 01 00 01 00",
    );
    let options = || BoardOptions {
        client_id: Some(1),
        ..BoardOptions::new("u-fuzz")
    };
    let board = Board::from_snapshot(&input, options()).unwrap();
    let reloaded = Board::from_snapshot(&board.snapshot(), options()).unwrap();
    assert_eq!(reloaded.elements(), board.elements());
    assert_eq!(state_vector(&reloaded), state_vector(&board));
    // Loaded from v2: the skip over clock 0 is written where yrs reads it.
    let snapshot = Snapshot::decode(&board.snapshot(), MAX_SNAPSHOT_BYTES).unwrap();
    assert_eq!(snapshot.encoding, Encoding::V2);
}
