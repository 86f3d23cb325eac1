//! Every board operation, through the public API.

use std::sync::{Arc, Mutex};

use inkmesh_doc::limits::MAX_V2_STRUCTS_FLOOR;
use inkmesh_doc::{
    Board, BoardChange, BoardOptions, ChangeOrigin, Encoding, Error, Kind, NewElement, Point, Rect,
    Snapshot, SnapshotError, Style, StylePatch, MAX_SNAPSHOT_BYTES,
};

fn board(author: &str) -> Board {
    Board::with_options(BoardOptions {
        now_ms: || 1_700_000_000_000,
        ..BoardOptions::new(author)
    })
}

/// Sends everything `from` has that `to` lacks, as sync step 2 would.
fn sync(from: &Board, to: &mut Board) {
    let update = from.diff(&to.state_vector(), Encoding::V1).unwrap();
    to.apply_remote(&update, Encoding::V1).unwrap();
}

fn ids(board: &Board) -> Vec<String> {
    board.elements().into_iter().map(|e| e.id).collect()
}

#[test]
fn add_reads_back_every_kind() {
    let mut b = board("u-a");
    let style = Style {
        stroke: "#e03131".into(),
        fill: Some("#ffc9c9".into()),
        width: 3.0,
        opacity: 0.5,
    };
    let rect = b
        .add(NewElement::rect(1.0, 2.0, 30.0, 40.0).with_style(style.clone()))
        .unwrap();
    let ellipse = b
        .add(NewElement::ellipse(5.0, 5.0, 10.0, 20.0).with_rotation(0.5))
        .unwrap();
    let line = b.add(NewElement::line(0.0, 0.0, -10.0, 5.0)).unwrap();
    let arrow = b.add(NewElement::arrow(0.0, 0.0, 10.0, 10.0)).unwrap();
    let text = b
        .add(NewElement::text(0.0, 0.0, 100.0, 20.0, "hi").with_font_size(32.0))
        .unwrap();
    let sticky = b
        .add(NewElement::sticky(0.0, 0.0, 100.0, 100.0, "note"))
        .unwrap();

    let all = b.elements();
    assert_eq!(
        ids(&b),
        [
            rect.as_str(),
            ellipse.as_str(),
            line.as_str(),
            arrow.as_str(),
            text.as_str(),
            sticky.as_str()
        ]
    );
    assert!(
        all.windows(2).all(|w| w[0].z < w[1].z),
        "each add goes on top"
    );
    let r = b.element(&rect).unwrap();
    assert_eq!(
        (r.kind.clone(), r.frame.x, r.frame.y, r.frame.w, r.frame.h),
        (Kind::Rect, 1.0, 2.0, 30.0, 40.0)
    );
    assert_eq!(r.style, style);
    assert_eq!(
        (r.author.as_str(), r.created_ms),
        ("u-a", 1_700_000_000_000.0)
    );
    assert_eq!(b.element(&ellipse).unwrap().frame.rotation, 0.5);
    let l = b.element(&line).unwrap();
    assert_eq!((l.frame.w, l.frame.h), (-10.0, 5.0));
    assert_eq!(b.element(&arrow).unwrap().kind, Kind::Arrow);
    let t = b.element(&text).unwrap();
    assert_eq!((t.text.as_deref(), t.font_size), (Some("hi"), 32.0));
    let s = b.element(&sticky).unwrap();
    assert_eq!(
        (s.text.as_deref(), s.style.fill.as_deref()),
        (Some("note"), Some("#ffe066"))
    );
    assert_eq!(b.len(), 6);
    assert!(b.element("nope").is_none());
}

#[test]
fn move_resize_rotate_restyle_delete() {
    let mut b = board("u-a");
    let rect = b.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)).unwrap();
    let line = b.add(NewElement::line(10.0, 10.0, 20.0, 0.0)).unwrap();

    b.move_by(&[&rect, &line], 5.0, -5.0).unwrap();
    assert_eq!(b.element(&rect).unwrap().frame.x, 5.0);
    assert_eq!(b.element(&line).unwrap().frame.y, 5.0);
    assert!(
        matches!(b.move_by(&[&rect, "missing"], 1.0, 1.0), Err(Error::NoSuchElement(id)) if id == "missing")
    );
    assert_eq!(
        b.element(&rect).unwrap().frame.x,
        5.0,
        "a failed move changes nothing"
    );

    b.resize(&rect, Rect::from_corners(0.0, 0.0, 40.0, 20.0))
        .unwrap();
    let r = b.element(&rect).unwrap().frame;
    assert_eq!((r.x, r.y, r.w, r.h), (0.0, 0.0, 40.0, 20.0));

    // The line runs from (15, 5) to (25, -5): its box is 10 x 10. Doubling the box
    // keeps the direction and doubles the vector.
    b.resize(&line, Rect::from_corners(0.0, 0.0, 20.0, 20.0))
        .unwrap();
    let l = b.element(&line).unwrap().frame;
    assert_eq!((l.x, l.y, l.w, l.h), (0.0, 20.0, 20.0, -20.0));

    b.rotate(&rect, 1.25).unwrap();
    assert_eq!(b.element(&rect).unwrap().frame.rotation, 1.25);

    b.restyle(
        &[&rect],
        &StylePatch {
            stroke: Some("#000000".into()),
            fill: Some(Some("#ffffff".into())),
            width: Some(8.0),
            opacity: Some(7.0),
        },
    )
    .unwrap();
    let style = b.element(&rect).unwrap().style;
    assert_eq!(
        style,
        Style {
            stroke: "#000000".into(),
            fill: Some("#ffffff".into()),
            width: 8.0,
            opacity: 1.0
        }
    );
    b.restyle(
        &[&rect],
        &StylePatch {
            fill: Some(None),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(b.element(&rect).unwrap().style.fill, None);

    b.delete(&[&rect, &"already-gone".to_owned()]);
    assert_eq!(ids(&b), [line]);
}

#[test]
fn resizing_a_stroke_scales_its_points() {
    let mut b = board("u-a");
    let s = b.begin_stroke(0.0, 0.0, &Style::default()).unwrap();
    b.append_points(&s, &[Point::new(0.0, 0.0), Point::new(10.0, 5.0)])
        .unwrap();
    b.end_stroke(&s).unwrap();
    b.resize(&s, Rect::from_corners(100.0, 100.0, 120.0, 115.0))
        .unwrap();
    let e = b.element(&s).unwrap();
    assert_eq!(e.scale, (2.0, 3.0));
    assert_eq!(e.bounds(), Rect::from_corners(100.0, 100.0, 120.0, 115.0));
}

#[test]
fn text_edits_count_utf16_units() {
    let mut b = board("u-a");
    let t = b
        .add(NewElement::text(0.0, 0.0, 10.0, 10.0, "a👋b"))
        .unwrap();
    // "a" is one unit, "👋" two: offset 3 is between the emoji and "b".
    b.insert_text(&t, 3, "-").unwrap();
    assert_eq!(b.element(&t).unwrap().text.as_deref(), Some("a👋-b"));
    b.delete_text(&t, 1, 2).unwrap();
    assert_eq!(b.element(&t).unwrap().text.as_deref(), Some("a-b"));
    assert!(matches!(
        b.insert_text(&t, 4, "x"),
        Err(Error::TextOffset { offset: 4, len: 3 })
    ));
    assert!(matches!(
        b.delete_text(&t, 2, 5),
        Err(Error::TextOffset { .. })
    ));

    let rect = b.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    assert!(matches!(
        b.insert_text(&rect, 0, "x"),
        Err(Error::WrongKind { what: "text", .. })
    ));
}

#[test]
fn concurrent_typing_merges() {
    let mut a = board("u-a");
    let t = a
        .add(NewElement::sticky(0.0, 0.0, 10.0, 10.0, "ac"))
        .unwrap();
    let mut b = board("u-b");
    sync(&a, &mut b);
    a.insert_text(&t, 1, "b").unwrap();
    b.insert_text(&t, 2, "d").unwrap();
    sync(&a, &mut b);
    sync(&b, &mut a);
    assert_eq!(a.element(&t).unwrap().text.as_deref(), Some("abcd"));
    assert_eq!(a.elements(), b.elements());
}

#[test]
fn strokes_stream_one_chunk_per_batch_then_merge() {
    let mut a = board("u-a");
    let mut b = board("u-b");
    let style = Style {
        stroke: "#1971c2".into(),
        width: 4.0,
        ..Style::default()
    };
    let s = a.begin_stroke(100.0, 50.0, &style).unwrap();
    a.append_points(
        &s,
        &[
            Point::new(100.0, 50.0),
            Point::with_pressure(101.5, 50.25, 0.5),
        ],
    )
    .unwrap();
    a.append_points(&s, &[Point::new(103.0, 52.0)]).unwrap();
    a.append_points(&s, &[]).unwrap();

    // A peer sees the stroke while it is drawn.
    sync(&a, &mut b);
    let live = b.element(&s).unwrap();
    assert!(!live.finished);
    assert_eq!(
        live.points,
        [
            Point::new(0.0, 0.0),
            Point::new(1.5, 0.25),
            Point::new(3.0, 2.0)
        ],
        "the first batch lost its pressure (one point had none); points are relative to the origin"
    );
    assert_eq!(a.active_strokes().collect::<Vec<_>>(), [s.as_str()]);

    a.end_stroke(&s).unwrap();
    sync(&a, &mut b);
    let done = b.element(&s).unwrap();
    assert!(done.finished);
    assert_eq!(done.points, live.points);
    assert_eq!(done.style, style);
    assert_eq!(done.bounds(), Rect::from_corners(100.0, 50.0, 103.0, 52.0));
    assert_eq!(a.active_strokes().count(), 0);

    assert!(matches!(
        a.append_points(&s, &[Point::new(0.0, 0.0)]),
        Err(Error::NoActiveStroke(_))
    ));
    assert!(matches!(a.end_stroke(&s), Err(Error::NoActiveStroke(_))));
}

#[test]
fn merging_a_stroke_costs_about_as_much_as_one_batch() {
    // Fixed client ids: their varint length would otherwise vary the sizes.
    let fixed = |author| {
        Board::with_options(BoardOptions {
            client_id: Some(7),
            ..BoardOptions::new(author)
        })
    };
    let mut streamed = fixed("u-a");
    let s = streamed.begin_stroke(0.0, 0.0, &Style::default()).unwrap();
    for i in 0..50 {
        let t = f64::from(i);
        streamed
            .append_points(&s, &[Point::new(t, t * 0.5), Point::new(t + 0.5, t * 0.75)])
            .unwrap();
    }
    let streaming = streamed.snapshot().len();
    streamed.end_stroke(&s).unwrap();
    let merged = streamed.snapshot().len();
    let points = streamed.element(&s).unwrap().points;
    assert_eq!(points.len(), 100);

    let mut single = fixed("u-a");
    let one = single.begin_stroke(0.0, 0.0, &Style::default()).unwrap();
    single.append_points(&one, &points).unwrap();
    single.end_stroke(&one).unwrap();
    let optimal = single.snapshot().len();
    // What remains of the 50 replaced chunks is one deleted range.
    assert!(
        merged <= optimal + 16,
        "merged {merged} bytes, one batch {optimal}"
    );
    assert!(
        merged * 4 < streaming * 3,
        "merged {merged} bytes, streaming {streaming}"
    );
}

#[test]
fn a_stroke_deleted_while_drawn_ends_with_an_error() {
    let mut a = board("u-a");
    let mut b = board("u-b");
    let s = a.begin_stroke(0.0, 0.0, &Style::default()).unwrap();
    sync(&a, &mut b);
    b.delete(&[&s]);
    sync(&b, &mut a);
    assert!(matches!(
        a.append_points(&s, &[Point::new(1.0, 1.0)]),
        Err(Error::NoSuchElement(_))
    ));
    assert_eq!(a.active_strokes().count(), 0);
}

#[test]
fn z_order_operations() {
    let mut b = board("u-a");
    let [e1, e2, e3, e4] = [0, 1, 2, 3].map(|i| {
        b.add(NewElement::rect(f64::from(i), 0.0, 1.0, 1.0))
            .unwrap()
    });

    b.bring_to_front(&[&e1, &e2]).unwrap();
    assert_eq!(
        ids(&b),
        [e3.as_str(), e4.as_str(), e1.as_str(), e2.as_str()]
    );
    b.send_to_back(&[&e2, &e1]).unwrap();
    assert_eq!(
        ids(&b),
        [e1.as_str(), e2.as_str(), e3.as_str(), e4.as_str()]
    );
    b.bring_forward(&e1).unwrap();
    assert_eq!(
        ids(&b),
        [e2.as_str(), e1.as_str(), e3.as_str(), e4.as_str()]
    );
    b.bring_forward(&e4).unwrap();
    assert_eq!(
        ids(&b),
        [e2.as_str(), e1.as_str(), e3.as_str(), e4.as_str()],
        "already on top"
    );
    b.send_backward(&e3).unwrap();
    assert_eq!(
        ids(&b),
        [e2.as_str(), e3.as_str(), e1.as_str(), e4.as_str()]
    );
    b.send_backward(&e2).unwrap();
    assert_eq!(
        ids(&b),
        [e2.as_str(), e3.as_str(), e1.as_str(), e4.as_str()],
        "already at the bottom"
    );
    assert!(b.bring_forward("missing").is_err());

    // New elements still go on top after all that.
    let e5 = b.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    assert_eq!(ids(&b).last(), Some(&e5));
}

#[test]
fn concurrent_reorders_converge_and_ties_still_reorder() {
    let mut a = board("u-a");
    let [e1, e2, e3] = [0, 1, 2].map(|i| {
        a.add(NewElement::rect(f64::from(i), 0.0, 1.0, 1.0))
            .unwrap()
    });
    let mut b = board("u-b");
    sync(&a, &mut b);
    // Both bring a different element to front at once: both get the same key.
    a.bring_to_front(&[&e1]).unwrap();
    b.bring_to_front(&[&e2]).unwrap();
    sync(&a, &mut b);
    sync(&b, &mut a);
    assert_eq!(ids(&a), ids(&b));
    let z = |board: &Board, id: &str| board.element(id).unwrap().z;
    assert_eq!(z(&a, &e1), z(&a, &e2), "a tie, broken by id");
    assert_eq!(ids(&a)[0], e3);

    // Moving e3 forward past a tied pair still moves it exactly one place up.
    let first_of_pair = ids(&a)[1].clone();
    a.bring_forward(&e3).unwrap();
    assert_eq!(ids(&a)[0], first_of_pair);
    assert_eq!(ids(&a).len(), 3);
}

#[test]
fn reorders_work_around_missing_and_malformed_keys() {
    use yrs::{Map, Out, Transact};
    let mut b = board("u-a");
    let [e1, e2, e3] = [0, 1, 2].map(|i| {
        b.add(NewElement::rect(f64::from(i), 0.0, 1.0, 1.0))
            .unwrap()
    });
    {
        let doc = b.doc();
        let elements = doc.get_or_insert_map("elements");
        let mut txn = doc.transact_mut();
        let Some(Out::YMap(first)) = elements.get(&txn, &e1) else {
            panic!()
        };
        first.remove(&mut txn, "z");
        let Some(Out::YMap(last)) = elements.get(&txn, &e3) else {
            panic!()
        };
        last.insert(&mut txn, "z", "~not a key~");
    }
    assert_eq!(b.element(&e1).unwrap().z, "");
    assert_eq!(
        ids(&b),
        [e1.as_str(), e2.as_str(), e3.as_str()],
        "missing sorts first, malformed by its bytes"
    );
    b.bring_forward(&e1).unwrap();
    b.send_backward(&e3).unwrap();
    b.send_to_back(&[&e2]).unwrap();
    assert_eq!(ids(&b), [e2.as_str(), e3.as_str(), e1.as_str()]);
    let e4 = b.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    assert!(b.element(&e4).unwrap().z > b.element(&e3).unwrap().z);
}

#[test]
fn bounds_cover_rotation_and_sets() {
    let mut b = board("u-a");
    let r = b
        .add(NewElement::rect(0.0, 0.0, 20.0, 10.0).with_rotation(std::f64::consts::FRAC_PI_2))
        .unwrap();
    let l = b.add(NewElement::line(100.0, 100.0, 90.0, 120.0)).unwrap();
    let rb = b.bounds(&[&r]).unwrap();
    assert!((rb.width() - 10.0).abs() < 1e-9 && (rb.height() - 20.0).abs() < 1e-9);
    let all = b.bounds(&[&r, &l]).unwrap();
    assert!((all.max_y - 120.0).abs() < 1e-9 && (all.min_x - 5.0).abs() < 1e-9);
    assert_eq!(b.bounds(&["missing"]), None);
}

#[test]
fn change_events_say_what_and_whose() {
    let mut a = board("u-a");
    let mut b = board("u-b");
    let seen: Arc<Mutex<Vec<BoardChange>>> = Arc::default();
    let sink = seen.clone();
    let subscription = b.observe(move |change| sink.lock().unwrap().push(change.clone()));

    let rect = b.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    b.move_by(&[&rect], 1.0, 1.0).unwrap();
    let t = a.add(NewElement::text(0.0, 0.0, 1.0, 1.0, "x")).unwrap();
    sync(&a, &mut b);
    a.insert_text(&t, 1, "y").unwrap();
    sync(&a, &mut b);
    b.delete(&[&rect]);

    let changes = seen.lock().unwrap().clone();
    let summary: Vec<_> = changes
        .iter()
        .map(|c| {
            (
                c.origin,
                c.added.iter().cloned().collect::<Vec<_>>(),
                c.changed.iter().cloned().collect::<Vec<_>>(),
                c.removed.iter().cloned().collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (ChangeOrigin::Local, vec![rect.clone()], vec![], vec![]),
            (ChangeOrigin::Local, vec![], vec![rect.clone()], vec![]),
            (ChangeOrigin::Remote, vec![t.clone()], vec![], vec![]),
            (ChangeOrigin::Remote, vec![], vec![t.clone()], vec![]),
            (ChangeOrigin::Local, vec![], vec![], vec![rect.clone()]),
        ]
    );

    drop(subscription);
    b.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    assert_eq!(
        seen.lock().unwrap().len(),
        5,
        "no events after the subscription is dropped"
    );
}

#[test]
fn update_observer_tells_local_from_remote() {
    let mut a = board("u-a");
    let mut b = board("u-b");
    let seen: Arc<Mutex<Vec<(usize, ChangeOrigin)>>> = Arc::default();
    let sink = seen.clone();
    let _subscription =
        b.observe_updates(move |update, origin| sink.lock().unwrap().push((update.len(), origin)));
    a.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    sync(&a, &mut b);
    b.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    let origins: Vec<_> = seen.lock().unwrap().iter().map(|(_, o)| *o).collect();
    assert_eq!(origins, [ChangeOrigin::Remote, ChangeOrigin::Local]);

    // A local update, replayed on a third board, reproduces the change.
    let mut c = board("u-c");
    let forwarded: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let sink = forwarded.clone();
    let _s = a.observe_updates(move |update, _| sink.lock().unwrap().push(update.to_vec()));
    a.add(NewElement::ellipse(0.0, 0.0, 1.0, 1.0)).unwrap();
    sync(&a, &mut c); // c catches up on everything before
    for update in forwarded.lock().unwrap().iter() {
        c.apply_remote(update, Encoding::V1).unwrap();
    }
    assert_eq!(c.elements(), a.elements());
}

#[test]
fn sync_primitives_diff_against_state_vectors() {
    let mut a = board("u-a");
    let mut b = board("u-b");
    a.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    sync(&a, &mut b);
    let before = b.state_vector();
    a.add(NewElement::ellipse(0.0, 0.0, 1.0, 1.0)).unwrap();
    let full = a
        .diff(&Board::new("u-empty").state_vector(), Encoding::V1)
        .unwrap();
    let delta = a.diff(&before, Encoding::V1).unwrap();
    assert!(delta.len() < full.len());
    b.apply_remote(&delta, Encoding::V1).unwrap();
    assert_eq!(a.elements(), b.elements());
    // v2 carries the same content.
    let mut c = board("u-c");
    c.apply_remote(&a.diff(&[0], Encoding::V2).unwrap(), Encoding::V2)
        .unwrap();
    assert_eq!(c.elements(), a.elements());
    // Applying the same update twice is harmless.
    b.apply_remote(&delta, Encoding::V1).unwrap();
    assert_eq!(b.len(), 2);

    assert!(matches!(
        a.diff(&[0xff, 0xff], Encoding::V1),
        Err(Error::MalformedStateVector(_))
    ));
    assert!(matches!(
        b.apply_remote(&[0xff, 0x01, 0x02], Encoding::V1),
        Err(Error::MalformedUpdate(_))
    ));
    assert_eq!(b.len(), 2, "a rejected update changes nothing");
}

#[test]
fn apply_remote_says_whether_the_board_changed() {
    let mut a = board("u-a");
    let mut b = board("u-b");
    let id = a.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    let added = a.diff(&b.state_vector(), Encoding::V1).unwrap();
    assert!(b.apply_remote(&added, Encoding::V1).unwrap().changed);
    assert!(
        !b.apply_remote(&added, Encoding::V1).unwrap().changed,
        "a repeat adds nothing"
    );
    let nothing = a.diff(&b.state_vector(), Encoding::V1).unwrap();
    assert!(!b.apply_remote(&nothing, Encoding::V1).unwrap().changed);

    // A deletion alone changes the board too.
    let before = a.state_vector();
    a.delete(&[id.as_str()]);
    let deleted = a.diff(&before, Encoding::V1).unwrap();
    assert!(b.apply_remote(&deleted, Encoding::V1).unwrap().changed);
    assert_eq!(b.len(), 0);
    assert!(
        !b.apply_remote(&deleted, Encoding::V1).unwrap().changed,
        "deleting what is deleted changes nothing"
    );
}

#[test]
fn snapshots_round_trip_and_report_corruption() {
    let mut a = board("u-a");
    a.set_title("Plans");
    a.add(NewElement::sticky(0.0, 0.0, 100.0, 100.0, "ship it"))
        .unwrap();
    let s = a.begin_stroke(0.0, 0.0, &Style::default()).unwrap();
    a.append_points(&s, &[Point::new(1.0, 1.0), Point::new(2.0, 3.0)])
        .unwrap();
    a.end_stroke(&s).unwrap();

    let bytes = a.snapshot();
    let envelope = Snapshot::decode(&bytes, MAX_SNAPSHOT_BYTES).unwrap();
    assert_eq!(
        (
            envelope.schema_version,
            envelope.encoding,
            envelope.created_ms
        ),
        (1, Encoding::V2, 1_700_000_000_000)
    );
    let loaded = Board::from_snapshot(&bytes, BoardOptions::new("u-b")).unwrap();
    assert_eq!(loaded.elements(), a.elements());
    assert_eq!(loaded.title().as_deref(), Some("Plans"));
    assert!(
        !loaded.can_undo(),
        "loaded content is not the loader's to undo"
    );

    let mut corrupt = bytes.clone();
    let last = corrupt.len() - 1;
    corrupt[last] ^= 0x55;
    assert!(matches!(
        Board::from_snapshot(&corrupt, BoardOptions::new("u-b")),
        Err(Error::Snapshot(SnapshotError::Checksum))
    ));
    assert!(matches!(
        Board::from_snapshot(&bytes[..bytes.len() / 2], BoardOptions::new("u-b")),
        Err(Error::Snapshot(_))
    ));
    // A well-formed envelope around bytes that are not an update.
    let garbage = Snapshot::new(Encoding::V1, 0, vec![0xff; 40]).encode();
    assert!(matches!(
        Board::from_snapshot(&garbage, BoardOptions::new("u-b")),
        Err(Error::Snapshot(SnapshotError::Update(_)))
    ));
}

#[test]
fn a_long_editing_history_is_snapshotted_in_v1_so_that_it_loads() {
    let mut editor = Board::new("u-a");
    let id = editor.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)).unwrap();
    // Two structs a move (x and y). On a board that did not make them (whose
    // undo history does not keep what they overwrote) they take a few hundred
    // bytes of v2: more structs than a v2 update that small may stand for.
    for _ in 0..MAX_V2_STRUCTS_FLOOR / 2 + 1 {
        editor.move_by(&[&id], 1.0, 0.0).unwrap();
    }
    let mut a = Board::new("u-keeper");
    sync(&editor, &mut a);
    let v2 = Snapshot::new(Encoding::V2, 0, a.encode_state(Encoding::V2)).encode();
    assert!(v2.len() < 4096, "{} bytes", v2.len());
    match Board::from_snapshot(&v2, BoardOptions::new("u-b")) {
        Err(Error::Snapshot(SnapshotError::Update(message))) => {
            assert!(message.contains("structs"), "{message}")
        }
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("a v2 snapshot past its struct budget loaded"),
    }

    let bytes = a.snapshot();
    let envelope = Snapshot::decode(&bytes, MAX_SNAPSHOT_BYTES).unwrap();
    assert_eq!(envelope.encoding, Encoding::V1);
    let loaded = Board::from_snapshot(&bytes, BoardOptions::new("u-b")).unwrap();
    assert_eq!(loaded.elements(), a.elements());
}

#[test]
fn importing_a_snapshot_merges_and_is_one_undo_step() {
    let mut a = board("u-a");
    a.add(NewElement::rect(0.0, 0.0, 1.0, 1.0)).unwrap();
    a.add(NewElement::ellipse(0.0, 0.0, 1.0, 1.0)).unwrap();
    let file = a.snapshot();

    let mut b = board("u-b");
    let own = b.add(NewElement::line(0.0, 0.0, 1.0, 1.0)).unwrap();
    b.import_snapshot(&file).unwrap();
    assert_eq!(b.len(), 3);
    b.import_snapshot(&file).unwrap();
    assert_eq!(b.len(), 3, "importing twice adds nothing twice");
    assert!(b.import_snapshot(b"not a snapshot").is_err());
    assert!(
        b.undo(),
        "the first import is one step; the second changed nothing"
    );
    assert_eq!(ids(&b), [own]);
    assert!(b.can_undo(), "the line is still undoable");
}

#[test]
fn svg_export_draws_every_kind() {
    let mut b = board("u-a");
    b.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)).unwrap();
    b.add(NewElement::ellipse(0.0, 0.0, 10.0, 10.0).with_rotation(0.3))
        .unwrap();
    b.add(NewElement::line(0.0, 0.0, 10.0, 10.0)).unwrap();
    b.add(NewElement::arrow(0.0, 0.0, 10.0, 10.0)).unwrap();
    b.add(NewElement::text(
        0.0,
        0.0,
        10.0,
        10.0,
        "a <b> & \"c\"\nsecond",
    ))
    .unwrap();
    b.add(NewElement::sticky(0.0, 0.0, 10.0, 10.0, "note"))
        .unwrap();
    let s = b.begin_stroke(0.0, 0.0, &Style::default()).unwrap();
    b.append_points(&s, &[Point::new(0.0, 0.0), Point::new(5.0, 5.0)])
        .unwrap();
    b.end_stroke(&s).unwrap();
    let svg = b.to_svg();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    for kind in [
        "rect", "ellipse", "line", "arrow", "text", "sticky", "stroke",
    ] {
        assert_eq!(
            svg.matches(&format!("data-kind=\"{kind}\"")).count(),
            1,
            "{kind} in {svg}"
        );
    }
    assert!(svg.contains("a &lt;b&gt; &amp; &quot;c&quot;"));
    assert!(svg.contains("<tspan") && svg.contains(">second</tspan>"));
    assert!(svg.contains("rotate("));
    assert!(svg.contains("<path d=\"M0 0 L5 5\""));
    assert_eq!(Board::new("u-e").to_svg().matches("<g ").count(), 0);
}

/// The view box PROTOCOL.md ("board.svg") promises: the drawn bounds, grown
/// by half of each element's stroke width, then 16 px; one board px per CSS
/// px; bottom element first.
#[test]
fn svg_view_box_is_the_bounds_plus_half_the_width_and_a_margin() {
    assert!(Board::new("u-e").to_svg().starts_with(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="-16 -16 32 32" width="32" height="32">"#
    ));
    let mut b = board("u-a");
    let wide = Style {
        width: 4.0,
        ..Style::default()
    };
    let bottom = b
        .add(NewElement::rect(10.0, 20.0, 100.0, 50.0).with_style(wide))
        .unwrap();
    let top = b.add(NewElement::rect(0.0, 0.0, 10.0, 10.0)).unwrap();
    let svg = b.to_svg();
    // x: 0 - 1 (half of the default width 2) - 16; right: 110 + 2 + 16.
    assert!(
        svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="-17 -17 145 105" width="145" height="105">"#),
        "{svg}"
    );
    let at = |id: &str| svg.find(&format!("data-id=\"{id}\"")).unwrap();
    assert!(at(&bottom) < at(&top), "bottom first: {svg}");
}
