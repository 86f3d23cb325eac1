//! Board files (`.inkmesh`, the envelope with a v1 update that the web client
//! downloads and opens) merged into a board that already holds work
//! (`Board::import_snapshot`).

#![no_main]

use inkmesh_doc::{Board, BoardOptions, Encoding, Error, NewElement, Point, Style};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // See the snapshot target: caught yrs panics must not abort the run.
        drop(std::panic::take_hook());
    },
    |data: &[u8]| {
        for file in [data.to_vec(), inkmesh_fuzz::with_valid_crc(data)] {
            let mut board = board_with_work();
            let before = board.encode_state(Encoding::V1);
            match board.import_snapshot(&file) {
                // A file refused before merging leaves the board as it was.
                Err(Error::Snapshot(_)) => assert_eq!(board.encode_state(Encoding::V1), before),
                Err(_) => {}
                // The merge is one undoable edit; undoing it must not fail.
                Ok(()) => {
                    let _ = board.undo();
                }
            }
            // Whatever happened, the board still reads and takes edits.
            let _ = board.elements();
            let _ = board.to_svg();
            board
                .add(NewElement::rect(0.0, 0.0, 1.0, 1.0))
                .expect("the board still takes edits");
        }
    }
);

/// A board holding a rectangle, a text and a stroke, as a user's would before
/// they open a file into it.
fn board_with_work() -> Board {
    let mut options = BoardOptions::new("u-fuzz");
    options.client_id = Some(1);
    let mut board = Board::with_options(options);
    board
        .add(NewElement::rect(0.0, 0.0, 10.0, 20.0))
        .expect("rect");
    board
        .add(NewElement::text(5.0, 5.0, 100.0, 30.0, "héllo"))
        .expect("text");
    let stroke = board
        .begin_stroke(1.0, 1.0, &Style::default())
        .expect("stroke");
    board
        .append_points(&stroke, &[Point::new(1.0, 1.0), Point::new(4.0, 2.0)])
        .expect("points");
    board.end_stroke(&stroke).expect("stroke ends");
    board
}
