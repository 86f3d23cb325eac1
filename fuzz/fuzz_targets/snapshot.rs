//! Snapshots as the server loads them from storage (`Board::from_snapshot`):
//! the envelope, then the Yjs update inside, then reading the board back as
//! the HTTP API does (elements, SVG).

#![no_main]

use inkmesh_doc::{Board, BoardOptions, Snapshot, MAX_SNAPSHOT_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // inkmesh-doc turns yrs panics on hostile updates into errors with
        // `catch_unwind` (see the session target); keep the default hook so
        // that those caught panics do not abort the run.
        drop(std::panic::take_hook());
    },
    |data: &[u8]| {
        // The envelope as it arrived: what decodes re-encodes to the same bytes
        // (every field is fixed-width and trailing bytes are refused).
        if let Ok(snapshot) = Snapshot::decode(data, MAX_SNAPSHOT_BYTES) {
            assert_eq!(snapshot.encode(), data);
        }
        // The same bytes with a matching checksum, so that the update reaches yrs.
        let Ok(board) = Board::from_snapshot(&inkmesh_fuzz::with_valid_crc(data), options()) else {
            return;
        };
        let loaded = contents(&board);
        let _ = board.to_svg();
        // A board that loaded saves a snapshot that loads to the same board.
        let reloaded = Board::from_snapshot(&board.snapshot(), options())
            .expect("a board's own snapshot loads");
        assert_eq!(contents(&reloaded), loaded);
    }
);

fn options() -> BoardOptions {
    let mut options = BoardOptions::new("u-fuzz");
    options.client_id = Some(1);
    options
}

/// What a reader sees of a board, as text (element fields may be NaN, which
/// `PartialEq` never finds equal). Unknown fields are written as JSON, whose
/// objects list their keys in order: yrs keeps a nested map's entries in a
/// `HashMap`, whose order two loads of the same map need not share.
fn contents(board: &Board) -> String {
    let elements: Vec<String> = board
        .elements()
        .into_iter()
        .map(|mut element| {
            let unknown: Vec<(String, serde_json::Value)> = std::mem::take(&mut element.unknown)
                .into_iter()
                .map(|(key, value)| (key, serde_json::to_value(&value).unwrap_or_default()))
                .collect();
            format!("{element:?} {unknown:?}")
        })
        .collect();
    format!("{:?} {:?}", board.title(), elements)
}
