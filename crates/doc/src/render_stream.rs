//! The render stream of `docs/PROTOCOL.md` ("The render stream"): what a
//! renderer needs to draw the board, element by element in z-order, and
//! nothing else.
//!
//! A page joining a big board draws from it before the Yjs update is applied:
//! applying a 10,000-stroke update and building views of it takes longer than
//! a first render may. It is a derived, read-only view: never stored, merged or
//! sent back. Points travel in the points codec of `docs/SCHEMA.md`, so a
//! stroke's points are as compact as stored and decode with the same code.

use crate::element::{Element, Kind};
use crate::error::RenderStreamError;
use crate::geometry::Rect;
use crate::points::{decode_chunk, encode_chunk, QPoint};
use crate::Board;

/// The first four bytes of every render stream.
pub const RENDER_MAGIC: [u8; 4] = *b"IMRS";
/// The format this code writes and reads; a reader draws nothing from others.
pub const RENDER_VERSION: u8 = 1;

const FLAG_FILL: u8 = 0b0000_0001;
const FLAG_DONE: u8 = 0b0000_0010;

/// Header: magic, version, element count.
const HEADER_BYTES: usize = 4 + 1 + 4;

/// One drawable element as the stream carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderElement {
    pub kind: Kind,
    /// `x, y, w, h, r` of `docs/SCHEMA.md`, "Geometry".
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub rotation: f64,
    pub scale: (f64, f64),
    pub width: f64,
    pub opacity: f64,
    pub font_size: f64,
    pub stroke: String,
    pub fill: Option<String>,
    /// Text and sticky notes; empty for other kinds.
    pub text: String,
    /// Strokes: every decodable point, quantized as stored.
    pub points: Vec<QPoint>,
    /// A stroke whose pen has lifted; true for other kinds.
    pub finished: bool,
}

impl RenderElement {
    /// What the stream carries of `element`; `None` for kinds no renderer draws.
    pub fn of(element: &Element) -> Option<Self> {
        kind_code(&element.kind)?;
        Some(Self {
            kind: element.kind.clone(),
            x: element.frame.x,
            y: element.frame.y,
            w: element.frame.w,
            h: element.frame.h,
            rotation: element.frame.rotation,
            scale: element.scale,
            width: element.style.width,
            opacity: element.style.opacity,
            font_size: element.font_size,
            stroke: element.style.stroke.clone(),
            fill: element.style.fill.clone(),
            text: element.text.clone().unwrap_or_default(),
            points: element.points.iter().map(|p| p.quantize()).collect(),
            finished: element.finished,
        })
    }
}

impl Board {
    /// The board as a render stream, bottom element first.
    pub fn render_stream(&self) -> Vec<u8> {
        let drawn: Vec<RenderElement> = self
            .elements()
            .iter()
            .filter_map(RenderElement::of)
            .collect();
        encode_render_stream(&drawn)
    }

    /// The render stream of the elements that may show in a first view: the
    /// box from the board's origin to (`width`, `height`) board px, which a
    /// page showing the board from its origin at 100% draws first. Bottom
    /// element first, as [`Board::render_stream`]; with the number of
    /// records that stream would hold. "May": see [`may_reach`].
    pub fn first_view_stream(&self, width: f64, height: f64) -> (u32, Vec<u8>) {
        let view = Rect::from_corners(0.0, 0.0, width, height);
        let mut all = 0u32;
        let mut shown = Vec::new();
        for element in self.elements() {
            if kind_code(&element.kind).is_none() {
                continue;
            }
            all += 1;
            if may_reach(&element, &view) {
                shown.extend(RenderElement::of(&element));
            }
        }
        (all, encode_render_stream(&shown))
    }
}

/// Board px drawn past an element's box beyond its stroke width's reach: an
/// arrow's head (a renderer's is 10 + 2 × its width long) and antialiasing at
/// the smallest pixel ratio (a quarter: 2 device px are 8 board px).
const FIRST_VIEW_SLACK: f64 = 24.0;

/// Whether `element` may draw anything in `view`: its box, grown by three
/// times its stroke width (a stroke's outline reaches ¾ of it past its
/// points, an arrow's head twice it more) and [`FIRST_VIEW_SLACK`], meets
/// the view. Text and sticky notes always may: their text can overflow the
/// box by as much as a font's metrics say, which only a renderer knows; so
/// may an element whose box is not finite. More than drawn is only more
/// bytes: a renderer clips to its view.
fn may_reach(element: &Element, view: &Rect) -> bool {
    if matches!(element.kind, Kind::Text | Kind::Sticky) {
        return true;
    }
    let reach = element
        .bounds()
        .expand(3.0 * element.style.width.max(0.0) + FIRST_VIEW_SLACK);
    let finite = [reach.min_x, reach.min_y, reach.max_x, reach.max_y]
        .iter()
        .all(|v| v.is_finite());
    !finite
        || (reach.min_x <= view.max_x
            && reach.max_x >= view.min_x
            && reach.min_y <= view.max_y
            && reach.max_y >= view.min_y)
}

/// Writes `elements` in the given order.
pub fn encode_render_stream(elements: &[RenderElement]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_BYTES + elements.len() * 128);
    out.extend_from_slice(&RENDER_MAGIC);
    out.push(RENDER_VERSION);
    out.extend_from_slice(&(elements.len() as u32).to_le_bytes());
    let mut record = Vec::new();
    for element in elements {
        record.clear();
        write_record(&mut record, element);
        out.extend_from_slice(&(record.len() as u32).to_le_bytes());
        out.extend_from_slice(&record);
    }
    out
}

fn write_record(out: &mut Vec<u8>, e: &RenderElement) {
    out.push(kind_code(&e.kind).unwrap_or(u8::MAX));
    let mut flags = 0;
    if e.fill.is_some() {
        flags |= FLAG_FILL;
    }
    if e.finished {
        flags |= FLAG_DONE;
    }
    out.push(flags);
    for v in [
        e.x,
        e.y,
        e.w,
        e.h,
        e.rotation,
        e.scale.0,
        e.scale.1,
        e.width,
        e.opacity,
        e.font_size,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    write_bytes(out, e.stroke.as_bytes());
    if let Some(fill) = &e.fill {
        write_bytes(out, fill.as_bytes());
    }
    write_bytes(out, e.text.as_bytes());
    if e.kind == Kind::Stroke {
        write_bytes(out, &encode_chunk(&e.points));
    } else {
        write_bytes(out, &[]);
    }
}

fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// The stream's code for a kind; `None` for kinds it does not carry.
fn kind_code(kind: &Kind) -> Option<u8> {
    Some(match kind {
        Kind::Stroke => 0,
        Kind::Rect => 1,
        Kind::Ellipse => 2,
        Kind::Line => 3,
        Kind::Arrow => 4,
        Kind::Text => 5,
        Kind::Sticky => 6,
        // Not carried (PROTOCOL.md, "Render stream"): a first paint draws no
        // images, which arrive with the snapshot a moment later.
        Kind::Image | Kind::Unknown(_) => return None,
    })
}

fn kind_of(code: u8) -> Option<Kind> {
    Some(match code {
        0 => Kind::Stroke,
        1 => Kind::Rect,
        2 => Kind::Ellipse,
        3 => Kind::Line,
        4 => Kind::Arrow,
        5 => Kind::Text,
        6 => Kind::Sticky,
        _ => return None,
    })
}

/// Reads a render stream. Records of kinds this version does not know are
/// skipped (their length says where the next one starts), so a newer server
/// can add kinds without breaking older pages.
pub fn decode_render_stream(bytes: &[u8]) -> Result<Vec<RenderElement>, RenderStreamError> {
    let mut r = Reader(bytes);
    if r.take(4)? != RENDER_MAGIC {
        return Err(RenderStreamError::BadMagic);
    }
    let version = r.take(1)?[0];
    if version != RENDER_VERSION {
        return Err(RenderStreamError::UnsupportedVersion(version));
    }
    let count = r.u32()?;
    // Every record is at least its 4-byte length, so the count cannot make
    // this allocate more than the input allows.
    let mut elements = Vec::with_capacity((count as usize).min(r.0.len() / 4));
    for _ in 0..count {
        let len = r.u32()? as usize;
        let mut record = Reader(r.take(len)?);
        if let Some(element) = read_record(&mut record)? {
            elements.push(element);
        }
    }
    if !r.0.is_empty() {
        return Err(RenderStreamError::TrailingBytes(r.0.len()));
    }
    Ok(elements)
}

fn read_record(r: &mut Reader<'_>) -> Result<Option<RenderElement>, RenderStreamError> {
    let Some(kind) = kind_of(r.take(1)?[0]) else {
        return Ok(None);
    };
    let flags = r.take(1)?[0];
    let mut numbers = [0.0; 10];
    for n in &mut numbers {
        *n = r.f64()?;
    }
    let [x, y, w, h, rotation, sx, sy, width, opacity, font_size] = numbers;
    let stroke = r.string()?;
    let fill = if flags & FLAG_FILL != 0 {
        Some(r.string()?)
    } else {
        None
    };
    let text = r.string()?;
    let chunk = r.bytes()?;
    let points = if chunk.is_empty() {
        Vec::new()
    } else {
        decode_chunk(chunk).map_err(RenderStreamError::Points)?
    };
    Ok(Some(RenderElement {
        kind,
        x,
        y,
        w,
        h,
        rotation,
        scale: (sx, sy),
        width,
        opacity,
        font_size,
        stroke,
        fill,
        text,
        points,
        finished: flags & FLAG_DONE != 0,
    }))
}

/// Bounds-checked little-endian reads.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RenderStreamError> {
        if self.0.len() < n {
            return Err(RenderStreamError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, RenderStreamError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn f64(&mut self) -> Result<f64, RenderStreamError> {
        let mut b = [0; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(f64::from_le_bytes(b))
    }

    fn bytes(&mut self) -> Result<&'a [u8], RenderStreamError> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    fn string(&mut self) -> Result<String, RenderStreamError> {
        std::str::from_utf8(self.bytes()?)
            .map(str::to_owned)
            .map_err(|_| RenderStreamError::NotUtf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::hex;
    use crate::{NewElement, Point, Style};

    /// The example of `docs/PROTOCOL.md` ("The render stream"), byte for byte.
    const DOC_EXAMPLE: &str = concat!(
        "49 4d 52 53 01 02 00 00 00 ",
        "6a 00 00 00 00 02 ",
        "00 00 00 00 00 00 24 40 00 00 00 00 00 00 34 40 ",
        "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ",
        "00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 40 ",
        "00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 34 40 ",
        "07 00 00 00 23 31 65 31 65 31 65 00 00 00 00 ",
        "05 00 00 00 00 00 00 30 07 ",
        "72 00 00 00 06 03 ",
        "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ",
        "00 00 00 00 00 00 59 40 00 00 00 00 00 00 49 40 00 00 00 00 00 00 00 00 ",
        "00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 40 ",
        "00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 34 40 ",
        "07 00 00 00 23 31 65 31 65 31 65 07 00 00 00 23 66 66 65 30 36 36 ",
        "02 00 00 00 68 69 00 00 00 00"
    );

    fn example_board() -> Board {
        let mut board = Board::new("u-doc");
        let stroke = board.begin_stroke(10.0, 20.0, &Style::default()).unwrap();
        board
            .append_points(&stroke, &[Point::new(10.0, 20.0), Point::new(11.5, 19.75)])
            .unwrap();
        board.end_stroke(&stroke).unwrap();
        board
            .add(NewElement::sticky(0.0, 0.0, 100.0, 50.0, "hi"))
            .unwrap();
        board
    }

    #[test]
    fn the_documented_example_is_what_the_encoder_writes() {
        let stream = example_board().render_stream();
        assert_eq!(hex(&stream), DOC_EXAMPLE);
        let decoded = decode_render_stream(&stream).unwrap();
        assert_eq!((decoded[0].x, decoded[0].y), (10.0, 20.0));
        assert_eq!(
            decoded[0].points,
            [
                QPoint {
                    x: 0,
                    y: 0,
                    pressure: None
                },
                QPoint {
                    x: 24,
                    y: -4,
                    pressure: None
                }
            ]
        );
        assert_eq!(decoded[1].text, "hi");
    }

    #[test]
    fn decoding_gives_the_board_elements_in_order_with_their_geometry() {
        let mut board = example_board();
        let rect = board
            .add(NewElement::rect(1.25, -3.0, 40.0, 30.0).with_rotation(0.5))
            .unwrap();
        board.send_to_back(&[rect]).unwrap();
        let decoded = decode_render_stream(&board.render_stream()).unwrap();
        let expected: Vec<RenderElement> = board
            .elements()
            .iter()
            .filter_map(RenderElement::of)
            .collect();
        assert_eq!(decoded, expected);
        let kinds: Vec<&str> = decoded.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["rect", "stroke", "sticky"]);
        assert_eq!(decoded[0].rotation, 0.5);
        assert_eq!(decoded[1].points.len(), 2);
        assert_eq!(decoded[2].fill.as_deref(), Some("#ffe066"));
    }

    #[test]
    fn unknown_kinds_are_skipped_and_damage_is_an_error() {
        let mut stream = example_board().render_stream();
        // The first record's kind byte sits after the header and its length.
        stream[HEADER_BYTES + 4] = 200;
        let decoded = decode_render_stream(&stream).unwrap();
        assert_eq!(decoded.len(), 1);
        assert_eq!(decoded[0].kind, Kind::Sticky);
        for cut in 0..stream.len() {
            assert!(decode_render_stream(&stream[..cut]).is_err());
        }
        let mut newer = stream.clone();
        newer[4] = 2;
        assert_eq!(
            decode_render_stream(&newer),
            Err(RenderStreamError::UnsupportedVersion(2))
        );
    }
    /// A first view holds the elements that may show in it, in z-order, and
    /// counts every element the whole stream holds.
    #[test]
    fn a_first_view_holds_what_reaches_into_it() {
        let mut board = Board::new("u-first");
        let stroke = |board: &mut Board, x: f64, y: f64, width: f64| {
            let style = Style {
                width,
                ..Style::default()
            };
            let id = board.begin_stroke(x, y, &style).unwrap();
            board
                .append_points(&id, &[Point::new(x, y), Point::new(x + 10.0, y + 4.0)])
                .unwrap();
            board.end_stroke(&id).unwrap();
        };
        stroke(&mut board, 100.0, 100.0, 2.0); // inside
        stroke(&mut board, 5000.0, 100.0, 2.0); // far right: out
        board
            .add(NewElement::rect(990.0, 500.0, 100.0, 50.0))
            .unwrap(); // straddles the right edge
        stroke(&mut board, 100.0, 1040.0, 12.0); // below, but its width (and an arrow head's worth) reaches in
        stroke(&mut board, 300.0, 1100.0, 2.0); // below: out
        board
            .add(NewElement::text(3000.0, 3000.0, 0.0, 0.0, "far"))
            .unwrap(); // text: always
        stroke(&mut board, -400.0, -400.0, 2.0); // above left: out
        board
            .add(NewElement::rect(-90.0, -90.0, 100.0, 100.0))
            .unwrap(); // reaches the origin
        let (all, stream) = board.first_view_stream(1024.0, 1024.0);
        assert_eq!(all, 8);
        let shown: Vec<(Kind, f64, f64)> = decode_render_stream(&stream)
            .unwrap()
            .into_iter()
            .map(|e| (e.kind, e.x, e.y))
            .collect();
        assert_eq!(
            shown,
            [
                (Kind::Stroke, 100.0, 100.0),
                (Kind::Rect, 990.0, 500.0),
                (Kind::Stroke, 100.0, 1040.0),
                (Kind::Text, 3000.0, 3000.0),
                (Kind::Rect, -90.0, -90.0),
            ]
        );
        // Records as the whole stream carries them.
        let whole = decode_render_stream(&board.render_stream()).unwrap();
        let first = decode_render_stream(&stream).unwrap();
        assert_eq!(first[0], whole[0]);
        assert_eq!(first[4], whole[7]);
    }
}
