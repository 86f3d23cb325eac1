//! The render stream across languages: the Rust encoder's stream of the Yjs
//! fixture board is `tests/fixtures/yjs-board.render.bin`, which
//! `web/test/doc-render-stream.test.ts` also asserts its TypeScript encoder
//! writes for the same board. Set `INKMESH_WRITE_FIXTURES=1` to rewrite it
//! after a deliberate format change.

use std::path::PathBuf;

use inkmesh_doc::{decode_render_stream, Board, Encoding, RenderElement};

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn fixture_board() -> Board {
    let update = std::fs::read(fixture_path("yjs-board.v1.bin")).unwrap();
    let mut board = Board::new("u-rust");
    board.apply_remote(&update, Encoding::V1).unwrap();
    board
}

#[test]
fn the_fixture_board_streams_as_the_committed_bytes() {
    let board = fixture_board();
    let stream = board.render_stream();
    let path = fixture_path("yjs-board.render.bin");
    if std::env::var_os("INKMESH_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, &stream).unwrap();
    }
    assert_eq!(stream, std::fs::read(&path).unwrap());
    let expected: Vec<RenderElement> = board
        .elements()
        .iter()
        .filter_map(RenderElement::of)
        .collect();
    assert!(expected.len() >= 2, "the fixture draws several elements");
    assert_eq!(decode_render_stream(&stream).unwrap(), expected);
}
