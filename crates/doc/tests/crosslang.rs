//! Cross-language checks: boards written by Yjs open here, and boards written
//! here open in Yjs under node with the same contents, points decoded by the
//! JavaScript codec included. Both sides reduce a document to the same canonical
//! JSON (see `tests/crosslang/canonical.mjs`) and compare.
//!
//! Needs `node` and `npm ci --prefix tests` (the README's test command does it).

use std::path::{Path, PathBuf};
use std::process::Command;

use inkmesh_doc::zkey::key_between;
use inkmesh_doc::{Board, BoardFile, BoardOptions, Encoding, Kind, NewElement, Point, Style};
use serde_json::{json, Map as JsonMap, Value};
use yrs::types::ToJson;
use yrs::{Any, Array, GetString, Map, Out, ReadTxn, Transact};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = repo_root().join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A yrs value as the canonical JSON: buffers as `{"$bytes": hex}`, numbers as f64.
fn any_json(any: &Any) -> Value {
    match any {
        Any::Null | Any::Undefined => Value::Null,
        Any::Bool(b) => json!(b),
        Any::Number(n) => json!(n.as_f64().unwrap_or(f64::NAN)),
        Any::String(s) => json!(s.as_ref()),
        Any::Buffer(b) => json!({ "$bytes": hex(b) }),
        Any::Array(items) => Value::Array(items.iter().map(any_json).collect()),
        Any::Map(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), any_json(v))).collect()),
    }
}

/// The canonical form of `tests/crosslang/canonical.mjs`, built from raw yrs types
/// (not from the typed `Element` API) so that it checks the stored layout.
fn canonicalize(board: &Board) -> Value {
    let doc = board.doc();
    let txn = doc.transact();
    let elements = txn.get_map("elements").expect("elements root");
    let meta = txn
        .get_map("meta")
        .map_or(json!({}), |m| any_json(&m.to_json(&txn)));
    let mut out: Vec<(String, Value)> = Vec::new();
    for (id, value) in elements.iter(&txn) {
        let Out::YMap(map) = value else {
            out.push((String::new(), json!({ "chunks": null, "fields": any_json(&value.to_json(&txn)), "id": id, "points": null, "text": null })));
            continue;
        };
        let mut fields = JsonMap::new();
        let (mut text, mut chunks, mut points) = (Value::Null, Value::Null, Value::Null);
        for (key, value) in map.iter(&txn) {
            match (key, &value) {
                ("tx", Out::YText(t)) => text = json!(t.get_string(&txn)),
                ("p", Out::YArray(array)) => {
                    let buffers: Vec<_> = array
                        .iter(&txn)
                        .filter_map(|v| match v {
                            Out::Any(Any::Buffer(b)) => Some(b),
                            _ => None,
                        })
                        .collect();
                    let (decoded, _) =
                        inkmesh_doc::points::decode_chunks(buffers.iter().map(|b| &b[..]));
                    chunks = Value::Array(buffers.iter().map(|b| json!(hex(b))).collect());
                    points = Value::Array(
                        decoded
                            .iter()
                            .map(|p| match p.pressure {
                                Some(q) => json!([p.x, p.y, q]),
                                None => json!([p.x, p.y]),
                            })
                            .collect(),
                    );
                }
                _ => {
                    fields.insert(key.to_owned(), any_json(&value.to_json(&txn)));
                }
            }
        }
        let z = fields
            .get("z")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        out.push((
            z,
            json!({ "chunks": chunks, "fields": fields, "id": id, "points": points, "text": text }),
        ));
    }
    out.sort_by(|(za, a), (zb, b)| (za, a["id"].as_str()).cmp(&(zb, b["id"].as_str())));
    json!({ "elements": out.into_iter().map(|(_, e)| e).collect::<Vec<_>>(), "meta": meta })
}

/// Numbers compared by value: `2` from JavaScript equals `2.0` from Rust.
fn normalize(v: Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.into_iter().map(normalize).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, normalize(v))).collect()),
        other => other,
    }
}

fn fixed_clock() -> u64 {
    1_700_000_000_000
}

#[test]
fn yjs_fixture_opens_in_rust() {
    let expected: Value = serde_json::from_slice(&fixture("yjs-board.json")).unwrap();
    for (file, encoding) in [
        ("yjs-board.v1.bin", Encoding::V1),
        ("yjs-board.v2.bin", Encoding::V2),
    ] {
        let mut board = Board::new("u-rust");
        board.apply_remote(&fixture(file), encoding).unwrap();
        assert_eq!(
            normalize(canonicalize(&board)),
            normalize(expected.clone()),
            "{file}"
        );

        let elements = board.elements();
        let kinds: Vec<&str> = elements.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "rect", "ellipse", "line", "arrow", "text", "sticky", "stroke", "stroke", "video",
                "stroke"
            ]
        );
        assert_eq!(board.title().as_deref(), Some("Fixture ✏️"));
        assert_eq!(elements[4].text.as_deref(), Some("Oh, Hello, 世界 👋!"));
        assert_eq!(elements[4].font_size, 24.0);
        assert_eq!(elements[5].style.fill.as_deref(), Some("#ffe066"));
        let finished = &elements[6];
        assert!(finished.finished);
        assert_eq!(finished.scale, (2.0, 0.5));
        assert_eq!(
            finished.points,
            [
                Point::new(0.0, 0.0),
                Point::new(1.5, -0.25),
                Point::new(2.0, 1.0)
            ]
        );
        let streaming = &elements[7];
        assert!(!streaming.finished);
        assert_eq!(streaming.points.len(), 6);
        assert!(streaming.points.iter().all(|p| p.pressure.is_some()));
        assert_eq!(elements[8].kind, Kind::Unknown("video".into()));
        assert_eq!(
            elements[8].unknown["src"],
            Any::from("https://example.invalid/cat.mp4")
        );
        assert_eq!(elements[9].bad_chunks, 1);
        assert_eq!(elements[9].points.len(), 1);
        assert!(elements[0].unknown.contains_key("zz"));
    }
}

/// A board file downloaded from the browser (the envelope in the v1 encoding,
/// written by web/src/file/snapshot.ts; web/test/snapshot.test.ts holds the
/// bytes) opens in Rust as the board it wraps.
#[test]
fn board_file_written_by_the_browser_opens_in_rust() {
    let expected: Value = serde_json::from_slice(&fixture("yjs-board.json")).unwrap();
    let board =
        Board::from_snapshot(&fixture("yjs-board.inkmesh"), BoardOptions::new("u-rust")).unwrap();
    assert_eq!(normalize(canonicalize(&board)), normalize(expected));
}

/// A board file with an image section, written by web/src/file/board-file.ts
/// (web/test/board-file.test.ts holds the bytes): Rust reads the same board
/// and the image, checked against its hash, and merges the file like any
/// board file.
#[test]
fn board_file_with_images_written_by_the_browser_opens_in_rust() {
    let file = fixture("yjs-board-images.inkmesh");
    let decoded = BoardFile::decode(&file).unwrap();
    assert_eq!(decoded.snapshot.update, fixture("yjs-board.v1.bin"));
    assert_eq!(decoded.images.len(), 1);
    let image = &decoded.images[0];
    assert_eq!(
        image.hash_hex(),
        "090f7b46049c9e2c7724b836ab074b3df169688bf420b08e410678a7b6835ec2"
    );
    assert_eq!(image.mime, "image/png");
    assert_eq!(&image.bytes[1..4], b"PNG");
    // Rust writes the same bytes back.
    assert_eq!(decoded.encode(), file);

    let expected: Value = serde_json::from_slice(&fixture("yjs-board.json")).unwrap();
    let mut board = Board::new("u-rust");
    board.import_snapshot(&file).unwrap();
    assert_eq!(normalize(canonicalize(&board)), normalize(expected));
}

#[test]
fn unknown_kinds_and_fields_survive_rust_edits() {
    let mut board = Board::new("u-rust");
    board
        .apply_remote(&fixture("yjs-board.v1.bin"), Encoding::V1)
        .unwrap();
    let before = board.elements();
    let (rect, video) = (before[0].id.clone(), before[8].id.clone());
    board.move_by(&[&rect, &video], 5.0, 5.0).unwrap();
    board.bring_to_front(&[&rect]).unwrap();
    board
        .restyle(
            &[&rect],
            &inkmesh_doc::StylePatch {
                width: Some(9.0),
                ..Default::default()
            },
        )
        .unwrap();

    let mut copy = Board::new("u-copy");
    copy.apply_remote(&board.encode_state(Encoding::V2), Encoding::V2)
        .unwrap();
    let rect_after = copy.element(&rect).unwrap();
    assert_eq!(
        rect_after.unknown, before[0].unknown,
        "unknown field zz kept"
    );
    let video_after = copy.element(&video).unwrap();
    assert_eq!(video_after.kind, Kind::Unknown("video".into()));
    assert_eq!(video_after.unknown, before[8].unknown);
    assert_eq!(video_after.frame.x, before[8].frame.x + 5.0);
}

/// A board with every kind and feature, written by the Rust API.
fn rust_board() -> Board {
    let mut board = Board::with_options(BoardOptions {
        client_id: Some(4242),
        now_ms: fixed_clock,
        ..BoardOptions::new("u-rust")
    });
    board.set_title("Rust ✏️ board");
    let rect = board
        .add(NewElement::rect(10.0, 20.0, 30.5, 40.25).with_style(Style {
            fill: Some("#a5d8ff".into()),
            opacity: 0.5,
            ..Style::default()
        }))
        .unwrap();
    board
        .add(NewElement::ellipse(100.0, 100.0, 50.0, 25.0).with_rotation(0.25))
        .unwrap();
    board.add(NewElement::line(0.0, 0.0, -20.0, 10.0)).unwrap();
    board.add(NewElement::arrow(5.0, 5.0, 105.0, 55.0)).unwrap();
    let text = board
        .add(NewElement::text(0.0, 200.0, 300.0, 40.0, "👋 world"))
        .unwrap();
    board.insert_text(&text, 2, ", hello").unwrap(); // after the emoji: 2 UTF-16 units
    board
        .add(NewElement::sticky(400.0, 0.0, 180.0, 180.0, "to do").with_font_size(16.0))
        .unwrap();
    let done = board.begin_stroke(50.0, 50.0, &Style::default()).unwrap();
    for i in 0..5 {
        let t = f64::from(i);
        board
            .append_points(
                &done,
                &[
                    Point::new(50.0 + t, 50.0 + t * 0.5),
                    Point::new(51.0 + t, 49.0 - t),
                ],
            )
            .unwrap();
    }
    board.end_stroke(&done).unwrap();
    let live = board.begin_stroke(-10.0, -10.0, &Style::default()).unwrap();
    board
        .append_points(
            &live,
            &[
                Point::with_pressure(-10.0, -10.0, 0.2),
                Point::with_pressure(-9.0, -8.5, 0.9),
            ],
        )
        .unwrap();
    board
        .append_points(&live, &[Point::with_pressure(-7.0, -8.0, 1.0)])
        .unwrap();
    board.send_to_back(&[&rect]).unwrap();
    board
}

/// Runs `check-update.mjs`: Yjs must read `update` as the canonical board in `expected`.
fn check_in_yjs(name: &str, update: &[u8], encoding: Encoding, expected: &Value) {
    assert!(
        repo_root().join("tests/node_modules/yjs").exists(),
        "Yjs is not installed: run `npm ci --prefix tests` first"
    );
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("crosslang");
    std::fs::create_dir_all(&dir).unwrap();
    let (update_path, expected_path) = (
        dir.join(format!("{name}.bin")),
        dir.join(format!("{name}.json")),
    );
    std::fs::write(&update_path, update).unwrap();
    std::fs::write(
        &expected_path,
        serde_json::to_string_pretty(expected).unwrap(),
    )
    .unwrap();
    let flag = if encoding == Encoding::V1 { "v1" } else { "v2" };
    let output = Command::new("node")
        .arg(repo_root().join("tests/crosslang/check-update.mjs"))
        .arg(&update_path)
        .arg(flag)
        .arg(&expected_path)
        .output()
        .expect("node must be installed to run the cross-language tests");
    assert!(
        output.status.success(),
        "Yjs disagrees with yrs about {name}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn rust_update_opens_in_yjs() {
    let board = rust_board();
    let expected = canonicalize(&board);
    assert_eq!(expected["elements"].as_array().unwrap().len(), 8);
    check_in_yjs(
        "rust-board.v1",
        &board.encode_state(Encoding::V1),
        Encoding::V1,
        &expected,
    );
    check_in_yjs(
        "rust-board.v2",
        &board.encode_state(Encoding::V2),
        Encoding::V2,
        &expected,
    );
}

/// Yjs stores `Uint8Array` chunks as binary content, which yrs 0.28.1's own v2
/// encoder writes unreadably; our snapshots must not.
#[test]
fn yjs_board_reencoded_in_v2_opens_in_yjs_and_yrs() {
    let expected: Value = serde_json::from_slice(&fixture("yjs-board.json")).unwrap();
    let mut board = Board::new("u-rust");
    board
        .apply_remote(&fixture("yjs-board.v1.bin"), Encoding::V1)
        .unwrap();
    let v2 = board.encode_state(Encoding::V2);
    check_in_yjs("yjs-board-reencoded.v2", &v2, Encoding::V2, &expected);
    let reloaded = Board::from_snapshot(&board.snapshot(), BoardOptions::new("u-load")).unwrap();
    assert_eq!(normalize(canonicalize(&reloaded)), normalize(expected));
}

#[test]
fn z_keys_match_fractional_indexing() {
    let cases: Vec<Value> = serde_json::from_slice(&fixture("zkeys.json")).unwrap();
    assert!(cases.len() > 100);
    for case in cases {
        let (a, b) = (case["a"].as_str(), case["b"].as_str());
        assert_eq!(
            key_between(a, b).unwrap(),
            case["key"].as_str().unwrap(),
            "between {a:?} and {b:?}"
        );
    }
}
