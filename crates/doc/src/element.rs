//! Elements as plain Rust values, and their mapping to and from the element
//! `Y.Map` fields of `docs/SCHEMA.md`.

use std::collections::BTreeMap;
use std::sync::Arc;

use yrs::{Any, Array, GetString, Map, MapRef, Out, ReadTxn};

use crate::geometry::Rect;
use crate::image::{read_image_ref, ImageRef};
use crate::points::{decode_chunks, Point};

/// The element field names of `docs/SCHEMA.md`. Short, because every field of
/// every element is stored with its name.
pub mod field {
    pub const KIND: &str = "t";
    pub const Z: &str = "z";
    pub const X: &str = "x";
    pub const Y: &str = "y";
    pub const W: &str = "w";
    pub const H: &str = "h";
    pub const ROTATION: &str = "r";
    pub const SCALE_X: &str = "sx";
    pub const SCALE_Y: &str = "sy";
    pub const STROKE: &str = "sc";
    pub const FILL: &str = "fc";
    pub const WIDTH: &str = "sw";
    pub const OPACITY: &str = "o";
    pub const AUTHOR: &str = "a";
    pub const CREATED: &str = "c";
    pub const TEXT: &str = "tx";
    pub const FONT_SIZE: &str = "fs";
    pub const POINTS: &str = "p";
    pub const DONE: &str = "d";
    /// Image elements (`crate::ImageRef`): the file's SHA-256, MIME type,
    /// natural width and height, and size in bytes.
    pub const IMAGE: &str = "im";
    pub const IMAGE_TYPE: &str = "mt";
    pub const IMAGE_WIDTH: &str = "iw";
    pub const IMAGE_HEIGHT: &str = "ih";
    pub const IMAGE_BYTES: &str = "ib";

    /// Every field this version understands; anything else is kept as unknown.
    pub const KNOWN: [&str; 24] = [
        KIND,
        Z,
        X,
        Y,
        W,
        H,
        ROTATION,
        SCALE_X,
        SCALE_Y,
        STROKE,
        FILL,
        WIDTH,
        OPACITY,
        AUTHOR,
        CREATED,
        TEXT,
        FONT_SIZE,
        POINTS,
        DONE,
        IMAGE,
        IMAGE_TYPE,
        IMAGE_WIDTH,
        IMAGE_HEIGHT,
        IMAGE_BYTES,
    ];
}

pub const DEFAULT_STROKE: &str = "#1e1e1e";
pub const DEFAULT_STICKY_FILL: &str = "#ffe066";
pub const DEFAULT_WIDTH: f64 = 2.0;
pub const DEFAULT_FONT_SIZE: f64 = 20.0;

/// What an element is. Kinds from newer clients are kept as `Unknown`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Kind {
    Stroke,
    Rect,
    Ellipse,
    Line,
    Arrow,
    Text,
    Sticky,
    Image,
    Unknown(String),
}

impl Kind {
    pub fn parse(s: &str) -> Self {
        match s {
            "stroke" => Kind::Stroke,
            "rect" => Kind::Rect,
            "ellipse" => Kind::Ellipse,
            "line" => Kind::Line,
            "arrow" => Kind::Arrow,
            "text" => Kind::Text,
            "sticky" => Kind::Sticky,
            "image" => Kind::Image,
            other => Kind::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Kind::Stroke => "stroke",
            Kind::Rect => "rect",
            Kind::Ellipse => "ellipse",
            Kind::Line => "line",
            Kind::Arrow => "arrow",
            Kind::Text => "text",
            Kind::Sticky => "sticky",
            Kind::Image => "image",
            Kind::Unknown(s) => s,
        }
    }

    /// Text and sticky notes hold a `Y.Text`.
    pub fn has_text(&self) -> bool {
        matches!(self, Kind::Text | Kind::Sticky)
    }

    /// Lines and arrows store a vector in `w, h` instead of a size.
    pub fn is_segment(&self) -> bool {
        matches!(self, Kind::Line | Kind::Arrow)
    }
}

/// How an element is painted.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    /// CSS `#rrggbb`.
    pub stroke: String,
    /// CSS `#rrggbb`, or no fill.
    pub fill: Option<String>,
    pub width: f64,
    pub opacity: f64,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            stroke: DEFAULT_STROKE.to_owned(),
            fill: None,
            width: DEFAULT_WIDTH,
            opacity: 1.0,
        }
    }
}

/// A change to some of an element's style; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StylePatch {
    pub stroke: Option<String>,
    /// `Some(None)` removes the fill.
    pub fill: Option<Option<String>>,
    pub width: Option<f64>,
    pub opacity: Option<f64>,
}

/// Position, size and rotation, as stored (`docs/SCHEMA.md`, "Geometry").
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Frame {
    pub x: f64,
    pub y: f64,
    /// Box width; for lines and arrows the x part of the vector to the end point.
    pub w: f64,
    /// Box height; for lines and arrows the y part of the vector to the end point.
    pub h: f64,
    /// Radians, clockwise, about the centre of the element's bounds.
    pub rotation: f64,
}

/// An element read from the board.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub id: String,
    pub kind: Kind,
    pub z: String,
    /// For strokes `x, y` is the origin of the points and `w, h` are zero.
    pub frame: Frame,
    /// Stroke scale `(sx, sy)`; `(1, 1)` for other kinds.
    pub scale: (f64, f64),
    pub style: Style,
    pub author: String,
    /// Milliseconds since the Unix epoch.
    pub created_ms: f64,
    /// Text and sticky notes.
    pub text: Option<String>,
    pub font_size: f64,
    /// Stroke points in px relative to the origin, before scaling.
    pub points: Vec<Point>,
    /// Point chunks that did not decode and were skipped.
    pub bad_chunks: usize,
    /// A stroke whose pen has lifted; always true for other kinds.
    pub finished: bool,
    /// The image an image element shows; `None` for other kinds.
    pub image: Option<ImageRef>,
    /// Fields this version does not know, with plain values, as they were
    /// (shared types under unknown keys stay in the document but are not read).
    pub unknown: BTreeMap<String, Any>,
}

impl Element {
    /// Reads an element map. Missing or mistyped fields take their defaults, so a
    /// half-synced or foreign element still reads.
    pub fn read<T: ReadTxn>(txn: &T, id: &str, map: &MapRef) -> Self {
        let kind = Kind::parse(&str_field(txn, map, field::KIND).unwrap_or_default());
        let num = |key, default| num_field(txn, map, key).unwrap_or(default);
        let default_fill = (kind == Kind::Sticky).then(|| DEFAULT_STICKY_FILL.to_owned());
        let style = Style {
            stroke: str_field(txn, map, field::STROKE).unwrap_or_else(|| DEFAULT_STROKE.into()),
            fill: str_field(txn, map, field::FILL).or(default_fill),
            width: num(field::WIDTH, DEFAULT_WIDTH),
            opacity: num(field::OPACITY, 1.0),
        };
        let text = match map.get(txn, field::TEXT) {
            Some(Out::YText(t)) => Some(t.get_string(txn)),
            _ => kind.has_text().then(String::new),
        };
        let (points, bad_chunks) = match map.get(txn, field::POINTS) {
            Some(Out::YArray(array)) => {
                let chunks: Vec<Arc<[u8]>> = array
                    .iter(txn)
                    .filter_map(|v| match v {
                        Out::Any(Any::Buffer(b)) => Some(b),
                        _ => None,
                    })
                    .collect();
                let (q, bad) = decode_chunks(chunks.iter().map(|c| &c[..]));
                (q.into_iter().map(|p| p.to_point()).collect(), bad)
            }
            _ => (Vec::new(), 0),
        };
        let finished = kind != Kind::Stroke || bool_field(txn, map, field::DONE);
        let image = (kind == Kind::Image).then(|| read_image_ref(txn, map));
        // Plain values only. A shared type under an unknown key stays in the
        // document, untouched, but is not read: this version cannot know what
        // it means, and a hostile one is how fuzzing found yrs's array reading
        // hang (hostile.rs; the root Cargo.toml's patch of yrs).
        let unknown = map
            .iter(txn)
            .filter(|(key, _)| !field::KNOWN.contains(key))
            .filter_map(|(key, value)| match value {
                Out::Any(any) => Some((key.to_owned(), any)),
                _ => None,
            })
            .collect();
        Element {
            id: id.to_owned(),
            z: str_field(txn, map, field::Z).unwrap_or_default(),
            frame: Frame {
                x: num(field::X, 0.0),
                y: num(field::Y, 0.0),
                w: num(field::W, 0.0),
                h: num(field::H, 0.0),
                rotation: num(field::ROTATION, 0.0),
            },
            scale: (num(field::SCALE_X, 1.0), num(field::SCALE_Y, 1.0)),
            style,
            author: str_field(txn, map, field::AUTHOR).unwrap_or_default(),
            created_ms: num(field::CREATED, 0.0),
            font_size: num(field::FONT_SIZE, DEFAULT_FONT_SIZE),
            text,
            points,
            bad_chunks,
            finished,
            image,
            unknown,
            kind,
        }
    }

    /// The box before rotation (`docs/SCHEMA.md`, "Geometry").
    pub fn local_box(&self) -> Rect {
        let f = &self.frame;
        match self.kind {
            Kind::Stroke => {
                let (sx, sy) = self.scale;
                let origin = Rect::point(f.x, f.y);
                self.points
                    .iter()
                    .map(|p| Rect::point(f.x + p.x * sx, f.y + p.y * sy))
                    .fold(origin, |acc, r| acc.union(&r))
            }
            _ => Rect::point(f.x, f.y).union(&Rect::point(f.x + f.w, f.y + f.h)),
        }
    }

    /// The axis-aligned box that holds the element as drawn, rotation included.
    pub fn bounds(&self) -> Rect {
        self.local_box().rotated(self.frame.rotation)
    }

    /// Points in board coordinates: origin, scale and (for rendering) rotation applied.
    pub fn board_points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let (sx, sy) = self.scale;
        let centre = self.local_box().centre();
        let (sin, cos) = self.frame.rotation.sin_cos();
        self.points.iter().map(move |p| {
            let (x, y) = (self.frame.x + p.x * sx, self.frame.y + p.y * sy);
            let (dx, dy) = (x - centre.0, y - centre.1);
            (
                centre.0 + dx * cos - dy * sin,
                centre.1 + dx * sin + dy * cos,
            )
        })
    }
}

/// What to create with [`crate::Board::add`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewElement {
    pub kind: Kind,
    pub frame: Frame,
    pub style: Style,
    pub text: String,
    pub font_size: f64,
    /// Image elements: the image shown.
    pub image: Option<ImageRef>,
}

impl NewElement {
    fn boxed(kind: Kind, x: f64, y: f64, w: f64, h: f64) -> Self {
        let style = Style {
            fill: (kind == Kind::Sticky).then(|| DEFAULT_STICKY_FILL.to_owned()),
            ..Style::default()
        };
        Self {
            kind,
            frame: Frame {
                x,
                y,
                w,
                h,
                rotation: 0.0,
            },
            style,
            text: String::new(),
            font_size: DEFAULT_FONT_SIZE,
            image: None,
        }
    }

    pub fn rect(x: f64, y: f64, w: f64, h: f64) -> Self {
        Self::boxed(Kind::Rect, x, y, w, h)
    }

    pub fn ellipse(x: f64, y: f64, w: f64, h: f64) -> Self {
        Self::boxed(Kind::Ellipse, x, y, w, h)
    }

    /// A line from `(x1, y1)` to `(x2, y2)`.
    pub fn line(x1: f64, y1: f64, x2: f64, y2: f64) -> Self {
        Self::boxed(Kind::Line, x1, y1, x2 - x1, y2 - y1)
    }

    /// An arrow from `(x1, y1)` with its head at `(x2, y2)`.
    pub fn arrow(x1: f64, y1: f64, x2: f64, y2: f64) -> Self {
        Self::boxed(Kind::Arrow, x1, y1, x2 - x1, y2 - y1)
    }

    pub fn text(x: f64, y: f64, w: f64, h: f64, text: &str) -> Self {
        Self::boxed(Kind::Text, x, y, w, h).with_text(text)
    }

    pub fn sticky(x: f64, y: f64, w: f64, h: f64, text: &str) -> Self {
        Self::boxed(Kind::Sticky, x, y, w, h).with_text(text)
    }

    /// An image shown in the box at `(x, y)`, `w × h` px.
    pub fn image(x: f64, y: f64, w: f64, h: f64, image: ImageRef) -> Self {
        Self {
            image: Some(image),
            ..Self::boxed(Kind::Image, x, y, w, h)
        }
    }

    pub fn with_style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }

    pub fn with_rotation(mut self, radians: f64) -> Self {
        self.frame.rotation = radians;
        self
    }

    pub fn with_text(mut self, text: &str) -> Self {
        text.clone_into(&mut self.text);
        self
    }

    pub fn with_font_size(mut self, px: f64) -> Self {
        self.font_size = px;
        self
    }
}

/// A number as Yjs writes a JavaScript number: small integers as integers (one
/// or two bytes), everything else as a float.
pub fn num(v: f64) -> Any {
    if v.fract() == 0.0 && v.abs() <= f64::from(0x7fff_ffff) {
        Any::from(v as i64)
    } else {
        Any::from(v)
    }
}

pub(crate) fn str_field<T: ReadTxn>(txn: &T, map: &MapRef, key: &str) -> Option<String> {
    match map.get(txn, key) {
        Some(Out::Any(Any::String(s))) => Some(s.to_string()),
        _ => None,
    }
}

pub(crate) fn num_field<T: ReadTxn>(txn: &T, map: &MapRef, key: &str) -> Option<f64> {
    match map.get(txn, key) {
        Some(Out::Any(Any::Number(n))) => n.as_f64().filter(|v| v.is_finite()),
        _ => None,
    }
}

fn bool_field<T: ReadTxn>(txn: &T, map: &MapRef, key: &str) -> bool {
    matches!(map.get(txn, key), Some(Out::Any(Any::Bool(true))))
}
