//! Per-user undo: each user's undo removes only their own work, one action at a time.

use inkmesh_doc::{Board, Encoding, NewElement, Point, Style};
use yrs::{Any, Map, Out, ReadTxn, Transact};

fn sync_both(a: &mut Board, b: &mut Board) {
    let to_b = a.diff(&b.state_vector(), Encoding::V1).unwrap();
    let to_a = b.diff(&a.state_vector(), Encoding::V1).unwrap();
    b.apply_remote(&to_b, Encoding::V1).unwrap();
    a.apply_remote(&to_a, Encoding::V1).unwrap();
}

fn ids(board: &Board) -> Vec<String> {
    let mut ids: Vec<String> = board.elements().into_iter().map(|e| e.id).collect();
    ids.sort();
    ids
}

fn draw(board: &mut Board, batches: usize) -> String {
    let s = board.begin_stroke(0.0, 0.0, &Style::default()).unwrap();
    for i in 0..batches {
        let t = i as f64;
        board
            .append_points(&s, &[Point::new(t, t), Point::new(t + 1.0, t)])
            .unwrap();
    }
    board.end_stroke(&s).unwrap();
    s
}

#[test]
fn concurrent_users_undo_only_their_own_work() {
    let mut alice = Board::new("u-alice");
    let mut bob = Board::new("u-bob");
    let shared = alice
        .add(NewElement::text(0.0, 0.0, 100.0, 20.0, "hello"))
        .unwrap();
    sync_both(&mut alice, &mut bob);

    // Both work at the same time, interleaved, without seeing each other.
    let alice_rect = alice.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)).unwrap();
    let bob_ellipse = bob.add(NewElement::ellipse(0.0, 0.0, 10.0, 10.0)).unwrap();
    let alice_stroke = draw(&mut alice, 5);
    bob.insert_text(&shared, 5, " world").unwrap();
    bob.stop_capturing();
    let bob_stroke = draw(&mut bob, 3);
    sync_both(&mut alice, &mut bob);
    assert_eq!(alice.elements(), bob.elements());

    // Alice's undo removes her stroke, then her rectangle; Bob's things stay.
    assert!(alice.undo());
    sync_both(&mut alice, &mut bob);
    assert!(bob.element(&alice_stroke).is_none());
    assert!(bob.element(&bob_stroke).is_some());
    assert!(alice.undo());
    sync_both(&mut alice, &mut bob);
    let mut expected = vec![shared.clone(), bob_ellipse.clone(), bob_stroke.clone()];
    expected.sort();
    assert_eq!(ids(&alice), expected);
    assert_eq!(
        alice.element(&shared).unwrap().text.as_deref(),
        Some("hello world")
    );

    // Bob's undo removes his stroke, then his typing, and never Alice's text element.
    assert!(bob.undo());
    assert!(bob.undo());
    sync_both(&mut alice, &mut bob);
    assert_eq!(
        alice.element(&shared).unwrap().text.as_deref(),
        Some("hello")
    );
    assert!(alice.element(&bob_stroke).is_none());
    assert!(alice.element(&bob_ellipse).is_some());
    assert!(bob.undo());
    assert!(
        !bob.undo(),
        "Bob has nothing left to undo: the text element is Alice's"
    );
    sync_both(&mut alice, &mut bob);
    assert_eq!(ids(&alice), [shared.as_str()]);

    // Redo brings Alice's work back, points and all.
    assert!(alice.redo());
    assert!(alice.redo());
    sync_both(&mut alice, &mut bob);
    assert_eq!(bob.element(&alice_stroke).unwrap().points.len(), 10);
    assert!(bob.element(&alice_rect).is_some());
    assert_eq!(alice.elements(), bob.elements());
}

#[test]
fn a_whole_stroke_is_one_step() {
    let mut board = Board::new("u-a");
    let keep = board.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    draw(&mut board, 40);
    assert!(board.undo());
    assert_eq!(ids(&board), [keep]);
}

#[test]
fn a_drag_is_one_step_until_capture_stops() {
    let mut board = Board::new("u-a");
    let r = board.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    for _ in 0..10 {
        board.move_by(&[&r], 1.0, 0.0).unwrap();
    }
    board.stop_capturing();
    board.move_by(&[&r], 0.0, 5.0).unwrap();
    assert!(board.undo());
    assert_eq!(
        (
            board.element(&r).unwrap().frame.x,
            board.element(&r).unwrap().frame.y
        ),
        (10.0, 0.0)
    );
    assert!(board.undo());
    assert_eq!(board.element(&r).unwrap().frame.x, 0.0);
    assert!(board.can_redo());
    assert!(board.redo());
    assert_eq!(board.element(&r).unwrap().frame.x, 10.0);
}

#[test]
fn typing_groups_per_element_and_other_edits_split_it() {
    let mut board = Board::new("u-a");
    let t = board.add(NewElement::text(0.0, 0.0, 1.0, 1.0, "")).unwrap();
    for (i, c) in "abc".chars().enumerate() {
        board.insert_text(&t, i as u32, &c.to_string()).unwrap();
    }
    board.rotate(&t, 1.0).unwrap();
    board.insert_text(&t, 3, "d").unwrap();
    assert!(board.undo());
    assert_eq!(board.element(&t).unwrap().text.as_deref(), Some("abc"));
    assert!(board.undo());
    assert_eq!(board.element(&t).unwrap().frame.rotation, 0.0);
    assert!(board.undo());
    assert_eq!(board.element(&t).unwrap().text.as_deref(), Some(""));
}

#[test]
fn a_new_edit_clears_redo() {
    let mut board = Board::new("u-a");
    board.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    assert!(board.undo());
    board.add(NewElement::ellipse(0.0, 0.0, 1.0, 1.0)).unwrap();
    assert!(!board.can_redo());
}

/// `meta.v` as stored, read from the raw document.
fn schema_version(board: &Board) -> Option<Any> {
    let txn = board.doc().transact();
    match txn.get_map("meta")?.get(&txn, "v")? {
        Out::Any(v) => Some(v),
        _ => None,
    }
}

/// Version 1 as Yjs writes the JavaScript number 1: an integer.
fn version_1() -> Option<Any> {
    Some(Any::from(1_i64))
}

#[test]
fn undoing_the_first_element_or_title_keeps_the_schema_version() {
    let mut board = Board::new("u-alice");
    assert_eq!(
        schema_version(&board),
        None,
        "a new board has no version yet"
    );
    draw(&mut board, 2);
    assert_eq!(schema_version(&board), version_1());
    assert!(board.undo());
    assert!(board.elements().is_empty());
    assert_eq!(schema_version(&board), version_1(), "undo left the version");

    let mut titled = Board::new("u-bob");
    titled.set_title("Plans");
    assert!(titled.undo());
    assert_eq!(titled.title(), None);
    assert_eq!(
        schema_version(&titled),
        version_1(),
        "undo left the version"
    );
    assert!(!titled.undo(), "the version was no undo step of its own");

    let mut added = Board::new("u-cy");
    added.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)).unwrap();
    assert!(added.undo());
    assert_eq!(schema_version(&added), version_1(), "undo left the version");
}
