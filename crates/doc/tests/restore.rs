//! Restoring a version as an edit: equal content, one undo step, a merge with
//! concurrent edits; the same rules as web/test/doc-restore.test.ts.

use inkmesh_doc::{Board, Encoding, NewElement, Point, Style, StylePatch};
use yrs::updates::decoder::Decode;
use yrs::{Map, ReadTxn, Text, Transact};

fn sync_both(a: &mut Board, b: &mut Board) {
    let to_b = a.diff(&b.state_vector(), Encoding::V1).unwrap();
    let to_a = b.diff(&a.state_vector(), Encoding::V1).unwrap();
    b.apply_remote(&to_b, Encoding::V1).unwrap();
    a.apply_remote(&to_a, Encoding::V1).unwrap();
}

/// The version `board` is now, as the server hands it out: a board update
/// applied to an empty board.
fn version_of(board: &Board) -> Board {
    let mut version = Board::new("reader");
    version
        .apply_remote(&board.encode_state(Encoding::V1), Encoding::V1)
        .unwrap();
    version
}

fn stroke(board: &mut Board, x: f64) -> String {
    let s = board.begin_stroke(x, 0.0, &Style::default()).unwrap();
    board
        .append_points(&s, &[Point::new(x, 0.0), Point::new(x + 5.0, 5.0)])
        .unwrap();
    board
        .append_points(&s, &[Point::new(x + 10.0, 3.0)])
        .unwrap();
    board.end_stroke(&s).unwrap();
    s
}

/// Three kinds of content: a shape, a text and a stroke, and a title.
fn drawn(board: &mut Board) -> (String, String, String) {
    let rect = board.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)).unwrap();
    let text = board
        .add(NewElement::text(20.0, 0.0, 50.0, 20.0, "plan ✏️"))
        .unwrap();
    let line = stroke(board, 100.0);
    board.set_title("Plan");
    (rect, text, line)
}

#[test]
fn a_restore_makes_the_content_equal_and_one_undo_takes_it_back() {
    let mut board = Board::new("u-a");
    let (rect, text, line) = drawn(&mut board);
    let version = version_of(&board);

    board.delete(&[&line]);
    board.move_by(&[&rect], 40.0, 0.0).unwrap();
    board
        .restyle(
            &[&rect],
            &StylePatch {
                width: Some(6.0),
                ..StylePatch::default()
            },
        )
        .unwrap();
    board.delete_text(&text, 0, 4).unwrap();
    board.insert_text(&text, 0, "other").unwrap();
    let added = board.add(NewElement::ellipse(5.0, 5.0, 2.0, 2.0)).unwrap();
    board.set_title("Renamed");
    let before = board.elements();

    board.restore(&version);
    assert_eq!(board.elements(), version.elements());
    assert_eq!(board.title().as_deref(), Some("Plan"));
    assert!(board.element(&added).is_none());
    assert_eq!(board.element(&line).unwrap().points.len(), 3);

    assert!(board.undo(), "the restore is an undo step");
    assert_eq!(board.elements(), before, "undo brings back the content");
    assert_eq!(board.title().as_deref(), Some("Renamed"));
    assert!(board.redo());
    assert_eq!(board.elements(), version.elements());
}

#[test]
fn a_text_holding_an_embed_is_restored_to_the_version_s_words() {
    let mut board = Board::new("u-a");
    let (_, text, _) = drawn(&mut board);
    let version = version_of(&board);
    board.delete_text(&text, 5, 2).unwrap();
    board.insert_text(&text, 5, "xyz").unwrap();

    // A peer puts an embed in the text, after "pl": the document's offsets
    // count it, the text's string does not.
    let peer = yrs::Doc::new();
    let mut txn = peer.transact_mut();
    txn.apply_update(yrs::Update::decode_v1(&board.encode_state(Encoding::V1)).unwrap())
        .unwrap();
    let elements = txn.get_map("elements").unwrap();
    let Some(yrs::Out::YMap(element)) = elements.get(&txn, &text) else {
        panic!("the text is on the board")
    };
    let Some(yrs::Out::YText(words)) = element.get(&txn, "tx") else {
        panic!("the text element has its text")
    };
    words.insert_embed(&mut txn, 2, yrs::Any::Bool(true));
    let embed = txn.encode_update_v1();
    drop(txn);
    board.apply_remote(&embed, Encoding::V1).unwrap();
    assert_eq!(
        board.element(&text).unwrap().text.as_deref(),
        Some("plan xyz")
    );

    board.restore(&version);
    assert_eq!(
        board.element(&text).unwrap().text.as_deref(),
        Some("plan ✏️")
    );
    assert_eq!(board.elements(), version.elements());
}

#[test]
fn restoring_the_board_s_own_content_writes_nothing() {
    let mut board = Board::new("u-a");
    drawn(&mut board);
    let version = version_of(&board);
    let state = board.state_vector();
    board.restore(&version);
    assert_eq!(board.state_vector(), state);
}

#[test]
fn a_stroke_drawn_during_a_restore_survives_in_both_replicas() {
    let mut alice = Board::new("u-a");
    let mut bob = Board::new("u-b");
    drawn(&mut alice);
    sync_both(&mut alice, &mut bob);
    let version = version_of(&alice);
    let later = alice.add(NewElement::rect(300.0, 0.0, 9.0, 9.0)).unwrap();
    bob.add(NewElement::ellipse(300.0, 50.0, 9.0, 9.0)).unwrap();
    sync_both(&mut alice, &mut bob);

    // Alice restores while Bob, not yet hearing of it, draws a stroke.
    alice.restore(&version);
    let concurrent = stroke(&mut bob, 500.0);
    sync_both(&mut alice, &mut bob);

    let mut want: Vec<String> = version.elements().into_iter().map(|e| e.id).collect();
    want.push(concurrent.clone());
    want.sort();
    for board in [&alice, &bob] {
        let mut ids: Vec<String> = board.elements().into_iter().map(|e| e.id).collect();
        ids.sort();
        assert_eq!(ids, want);
        assert_eq!(board.element(&concurrent).unwrap().points.len(), 3);
    }
    assert_eq!(alice.elements(), bob.elements());

    // Alice's undo takes back her restore only.
    assert!(alice.undo());
    sync_both(&mut alice, &mut bob);
    assert!(bob.element(&later).is_some());
    assert!(bob.element(&concurrent).is_some());
    assert_eq!(alice.elements(), bob.elements());
}

#[test]
fn a_stroke_still_being_drawn_is_kept_with_the_points_after_it() {
    let mut alice = Board::new("u-a");
    let mut bob = Board::new("u-b");
    drawn(&mut alice);
    sync_both(&mut alice, &mut bob);
    let version = version_of(&alice);
    // Bob is mid-stroke when Alice restores: she holds its first chunk, not its end.
    let live = bob.begin_stroke(600.0, 0.0, &Style::default()).unwrap();
    bob.append_points(&live, &[Point::new(600.0, 0.0)]).unwrap();
    sync_both(&mut alice, &mut bob);
    alice.restore(&version);
    sync_both(&mut alice, &mut bob);
    bob.append_points(&live, &[Point::new(610.0, 4.0)]).unwrap();
    bob.end_stroke(&live).unwrap();
    sync_both(&mut alice, &mut bob);

    for board in [&alice, &bob] {
        let element = board.element(&live).expect("the live stroke is kept");
        assert_eq!(element.points.len(), 2);
    }
    assert_eq!(alice.elements(), bob.elements());
}
