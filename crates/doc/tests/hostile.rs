//! Hostile input: random and mutated bytes fed to every decoder. Nothing may
//! panic, and a board that refused bad bytes still works afterwards.

use inkmesh_doc::{Board, Encoding, NewElement, Point, Snapshot, Style, MAX_SNAPSHOT_BYTES};
use proptest::prelude::*;

/// A realistic board whose encodings the mutations start from.
fn sample_board() -> Board {
    let mut board = Board::new("u-sample");
    board.add(NewElement::rect(0.0, 0.0, 10.0, 20.0)).unwrap();
    board
        .add(NewElement::text(5.0, 5.0, 100.0, 30.0, "héllo 👋"))
        .unwrap();
    let s = board.begin_stroke(1.0, 1.0, &Style::default()).unwrap();
    board
        .append_points(
            &s,
            &[Point::new(1.0, 1.0), Point::with_pressure(2.0, 3.0, 0.4)],
        )
        .unwrap();
    board.append_points(&s, &[Point::new(4.0, 1.0)]).unwrap();
    board.end_stroke(&s).unwrap();
    board.set_title("sample");
    board
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 1..16usize).prop_map(|(i, n)| Mutation::Remove(i, n)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) if !bytes.is_empty() => bytes[i % len] ^= b,
            Mutation::Truncate(i) => bytes.truncate(i % len),
            Mutation::Insert(i, v) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, v.iter().copied());
            }
            Mutation::Remove(i, n) if !bytes.is_empty() => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            _ => {}
        }
    }
    bytes
}

/// Feeds `bytes` to every decoder on a fresh board and checks the board still works.
fn feed(bytes: &[u8]) {
    let mut board = Board::new("u-target");
    let _ = board.apply_remote(bytes, Encoding::V1);
    let _ = board.apply_remote(bytes, Encoding::V2);
    let _ = board.diff(bytes, Encoding::V1);
    let _ = Snapshot::decode(bytes, MAX_SNAPSHOT_BYTES);
    let _ = board.import_snapshot(bytes);
    let _ = board.elements();
    let _ = board.to_svg();
    // Whatever was accepted, the board must still take edits and encode.
    board.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    let _ = board.encode_state(Encoding::V1);
    let _ = board.snapshot();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        feed(&bytes);
    }

    #[test]
    fn mutated_v1_updates_never_panic(mutations in prop::collection::vec(mutation(), 1..4)) {
        feed(&mutate(sample_board().encode_state(Encoding::V1), &mutations));
    }

    #[test]
    fn mutated_v2_updates_never_panic(mutations in prop::collection::vec(mutation(), 1..4)) {
        let mut board = Board::new("u-target");
        let _ = board.apply_remote(&mutate(sample_board().encode_state(Encoding::V2), &mutations), Encoding::V2);
        let _ = board.elements();
    }

    #[test]
    fn mutated_snapshots_never_panic(mutations in prop::collection::vec(mutation(), 1..4)) {
        feed(&mutate(sample_board().snapshot(), &mutations));
    }
}

#[test]
fn mutated_snapshot_with_fixed_crc_never_panics() {
    // Mutate the update inside but recompute the CRC, so the bad update reaches yrs.
    let snapshot = Snapshot::decode(&sample_board().snapshot(), MAX_SNAPSHOT_BYTES).unwrap();
    let mut runner = proptest::test_runner::TestRunner::default();
    runner
        .run(&prop::collection::vec(mutation(), 1..4), |mutations| {
            let update = mutate(snapshot.update.clone(), &mutations);
            let bytes = Snapshot::new(Encoding::V2, 0, update).encode();
            feed(&bytes);
            Ok(())
        })
        .unwrap();
}
