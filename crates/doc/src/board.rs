//! The board: one yrs `Doc` laid out as `docs/SCHEMA.md` describes, with the
//! edits a whiteboard makes. Stroke streaming, z-order, sync and snapshots add
//! their own `impl Board` blocks in their own files.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use yrs::types::text::TextPrelim;
use yrs::{
    Any, ClientID, Doc, In, Map, MapPrelim, MapRef, OffsetKind, Options, Out, ReadTxn, Text,
    TextRef, Transact, TransactionMut,
};

use crate::element::{field, num, num_field, Element, Kind, NewElement, StylePatch};
use crate::error::Error;
use crate::geometry::Rect;
use crate::history::{Group, History};
use crate::origin::{LOCAL, LOCAL_UNTRACKED};
use crate::strokes::ActiveStroke;

/// The schema version this crate writes (`meta.v`).
pub const SCHEMA_VERSION: u32 = 1;

/// Who is editing and how the board tells time.
#[derive(Debug, Clone)]
pub struct BoardOptions {
    /// The user id written as the author of new elements.
    pub author: String,
    /// The Yjs client id. Random when `None`; it must be unique among live peers.
    pub client_id: Option<u32>,
    /// Milliseconds since the Unix epoch, for `created` fields.
    pub now_ms: fn() -> u64,
}

impl BoardOptions {
    pub fn new(author: impl Into<String>) -> Self {
        Self {
            author: author.into(),
            client_id: None,
            now_ms: system_now_ms,
        }
    }
}

fn system_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A whiteboard document and one local user's view of it (their undo history
/// and the strokes they are drawing).
pub struct Board {
    pub(crate) doc: Doc,
    pub(crate) elements: MapRef,
    pub(crate) meta: MapRef,
    pub(crate) history: History,
    pub(crate) author: String,
    pub(crate) now_ms: fn() -> u64,
    pub(crate) strokes: HashMap<String, ActiveStroke>,
    /// At least the highest z key on the board, or `None` when unknown (after
    /// remote changes or undo). It saves a scan of every element per new element.
    pub(crate) top_z: Option<String>,
}

impl Board {
    /// An empty board for `author`.
    pub fn new(author: impl Into<String>) -> Self {
        Self::with_options(BoardOptions::new(author))
    }

    pub fn with_options(options: BoardOptions) -> Self {
        let client_id = options.client_id.unwrap_or_else(|| fastrand::u32(1..));
        let mut doc_options = Options::with_client_id(ClientID::new(u64::from(client_id)));
        // Yjs counts text offsets in UTF-16 code units; agree with it.
        doc_options.offset_kind = OffsetKind::Utf16;
        let doc = Doc::with_options(doc_options);
        let elements = doc.get_or_insert_map("elements");
        let meta = doc.get_or_insert_map("meta");
        let history = History::new(&doc, &elements, &meta);
        Self {
            doc,
            elements,
            meta,
            history,
            author: options.author,
            now_ms: options.now_ms,
            strokes: HashMap::new(),
            top_z: None,
        }
    }

    /// The Yjs client id of this replica.
    pub fn client_id(&self) -> u64 {
        self.doc.client_id().get()
    }

    /// The underlying yrs document, for transports that speak y-protocols.
    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    pub fn author(&self) -> &str {
        &self.author
    }

    // ---- reading ----

    /// Every element, bottom first: ascending z key, ties by id.
    pub fn elements(&self) -> Vec<Element> {
        let txn = self.doc.transact();
        let mut all: Vec<Element> = self
            .elements
            .iter(&txn)
            .filter_map(|(id, value)| match value {
                Out::YMap(map) => Some(Element::read(&txn, id, &map)),
                _ => None,
            })
            .collect();
        all.sort_by(|a, b| (&a.z, &a.id).cmp(&(&b.z, &b.id)));
        all
    }

    pub fn element(&self, id: &str) -> Option<Element> {
        let txn = self.doc.transact();
        match self.elements.get(&txn, id) {
            Some(Out::YMap(map)) => Some(Element::read(&txn, id, &map)),
            _ => None,
        }
    }

    /// How many elements the board holds.
    pub fn len(&self) -> usize {
        self.elements.len(&self.doc.transact()) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The union of the bounds of the given elements; `None` if none exists.
    pub fn bounds<S: AsRef<str>>(&self, ids: &[S]) -> Option<Rect> {
        ids.iter()
            .filter_map(|id| self.element(id.as_ref()))
            .map(|e| e.bounds())
            .reduce(|a, b| a.union(&b))
    }

    pub fn title(&self) -> Option<String> {
        crate::element::str_field(&self.doc.transact(), &self.meta, "title")
    }

    // ---- editing ----

    /// Adds an element on top of all others and returns its id.
    pub fn add(&mut self, new: NewElement) -> Result<String, Error> {
        self.history.start(None);
        let z = self.key_above_top()?;
        let id = new_element_id();
        let mut fields: Vec<(&str, In)> = vec![
            (field::KIND, Any::from(new.kind.as_str()).into()),
            (field::Z, Any::from(z.as_str()).into()),
            (field::X, num(new.frame.x).into()),
            (field::Y, num(new.frame.y).into()),
            (field::W, num(new.frame.w).into()),
            (field::H, num(new.frame.h).into()),
        ];
        if new.frame.rotation != 0.0 {
            fields.push((field::ROTATION, num(new.frame.rotation).into()));
        }
        fields.extend(self.common_fields(&new.style));
        if new.kind.has_text() {
            fields.push((field::TEXT, TextPrelim::new(new.text).into()));
            fields.push((field::FONT_SIZE, num(new.font_size).into()));
        }
        if let Some(image) = &new.image {
            fields.extend([
                (field::IMAGE, Any::from(image.sha256.as_str()).into()),
                (field::IMAGE_TYPE, Any::from(image.mime.as_str()).into()),
                (field::IMAGE_WIDTH, num(image.width).into()),
                (field::IMAGE_HEIGHT, num(image.height).into()),
                (field::IMAGE_BYTES, num(image.bytes).into()),
            ]);
        }
        self.stamp_version();
        let mut txn = self.doc.transact_mut_with(LOCAL);
        self.insert_element(&mut txn, &id, fields);
        drop(txn);
        self.top_z = Some(z);
        Ok(id)
    }

    /// Style, author and creation time: the fields every element has.
    pub(crate) fn common_fields(&self, style: &crate::element::Style) -> Vec<(&'static str, In)> {
        let mut fields: Vec<(&str, In)> = vec![
            (field::STROKE, Any::from(style.stroke.as_str()).into()),
            (field::WIDTH, num(style.width).into()),
            (field::AUTHOR, Any::from(self.author.as_str()).into()),
            (field::CREATED, num((self.now_ms)() as f64).into()),
        ];
        if let Some(fill) = &style.fill {
            fields.push((field::FILL, Any::from(fill.as_str()).into()));
        }
        if style.opacity != 1.0 {
            fields.push((field::OPACITY, num(style.opacity).into()));
        }
        fields
    }

    /// Writes `meta.v` if the board has none (SCHEMA.md, "Root types"): before
    /// this replica's first element or title, in a transaction of its own that
    /// undo does not track, so undoing that element leaves the version.
    pub(crate) fn stamp_version(&self) {
        if self.meta.get(&self.doc.transact(), "v").is_some() {
            return;
        }
        let mut txn = self.doc.transact_mut_with(LOCAL_UNTRACKED);
        self.meta
            .insert(&mut txn, "v", num(f64::from(SCHEMA_VERSION)));
    }

    /// Call [`Board::stamp_version`] before opening `txn`.
    pub(crate) fn insert_element(
        &self,
        txn: &mut TransactionMut,
        id: &str,
        fields: Vec<(&str, In)>,
    ) {
        self.elements.insert(txn, id, MapPrelim::from_iter(fields));
    }

    /// Moves elements by `(dx, dy)` px. Consecutive moves of the same selection are
    /// one undo step (a drag), until [`Board::stop_capturing`].
    pub fn move_by<S: AsRef<str>>(&mut self, ids: &[S], dx: f64, dy: f64) -> Result<(), Error> {
        let mut group: Vec<String> = ids.iter().map(|s| s.as_ref().to_owned()).collect();
        group.sort();
        self.history.start(Some(Group::Move(group)));
        let mut txn = self.doc.transact_mut_with(LOCAL);
        let maps = self.element_maps(&txn, ids)?;
        for map in maps {
            let x = num_field(&txn, &map, field::X).unwrap_or(0.0);
            let y = num_field(&txn, &map, field::Y).unwrap_or(0.0);
            map.insert(&mut txn, field::X, num(x + dx));
            map.insert(&mut txn, field::Y, num(y + dy));
        }
        Ok(())
    }

    /// Fits an element's unrotated box to `to`: boxes take the new size, lines and
    /// arrows stretch their end points, strokes change their scale.
    pub fn resize(&mut self, id: &str, to: Rect) -> Result<(), Error> {
        self.history.start(None);
        let element = self
            .element(id)
            .ok_or_else(|| Error::NoSuchElement(id.into()))?;
        let from = element.local_box();
        let factor = |to: f64, from: f64| if from > 0.0 { to / from } else { 1.0 };
        let (kx, ky) = (
            factor(to.width(), from.width()),
            factor(to.height(), from.height()),
        );
        let map_x = |x: f64| to.min_x + (x - from.min_x) * kx;
        let map_y = |y: f64| to.min_y + (y - from.min_y) * ky;
        let f = element.frame;
        let mut txn = self.doc.transact_mut_with(LOCAL);
        let map = self.element_map(&txn, id)?;
        let mut set = |key, v: f64| map.insert(&mut txn, key, num(v));
        match element.kind {
            Kind::Stroke => {
                set(field::X, map_x(f.x));
                set(field::Y, map_y(f.y));
                set(field::SCALE_X, element.scale.0 * kx);
                set(field::SCALE_Y, element.scale.1 * ky);
            }
            ref k if k.is_segment() => {
                let (x, y) = (map_x(f.x), map_y(f.y));
                set(field::X, x);
                set(field::Y, y);
                set(field::W, map_x(f.x + f.w) - x);
                set(field::H, map_y(f.y + f.h) - y);
            }
            _ => {
                set(field::X, to.min_x);
                set(field::Y, to.min_y);
                set(field::W, to.width());
                set(field::H, to.height());
            }
        }
        Ok(())
    }

    /// Sets the rotation in radians, clockwise about the element's centre.
    pub fn rotate(&mut self, id: &str, radians: f64) -> Result<(), Error> {
        self.history.start(None);
        let mut txn = self.doc.transact_mut_with(LOCAL);
        let map = self.element_map(&txn, id)?;
        map.insert(&mut txn, field::ROTATION, num(radians));
        Ok(())
    }

    pub fn restyle<S: AsRef<str>>(&mut self, ids: &[S], patch: &StylePatch) -> Result<(), Error> {
        self.history.start(None);
        let mut txn = self.doc.transact_mut_with(LOCAL);
        for map in self.element_maps(&txn, ids)? {
            if let Some(stroke) = &patch.stroke {
                map.insert(&mut txn, field::STROKE, stroke.as_str());
            }
            match &patch.fill {
                Some(Some(fill)) => {
                    map.insert(&mut txn, field::FILL, fill.as_str());
                }
                Some(None) => {
                    map.remove(&mut txn, field::FILL);
                }
                None => {}
            }
            if let Some(width) = patch.width {
                map.insert(&mut txn, field::WIDTH, num(width));
            }
            if let Some(opacity) = patch.opacity {
                map.insert(&mut txn, field::OPACITY, num(opacity.clamp(0.0, 1.0)));
            }
        }
        Ok(())
    }

    /// Deletes elements; ids that do not exist are ignored (someone else may have
    /// deleted them first).
    pub fn delete<S: AsRef<str>>(&mut self, ids: &[S]) {
        self.history.start(None);
        let mut txn = self.doc.transact_mut_with(LOCAL);
        for id in ids {
            self.elements.remove(&mut txn, id.as_ref());
            self.strokes.remove(id.as_ref());
        }
    }

    /// Inserts `text` at `offset` (UTF-16 code units). Typing into one element is
    /// one undo step until [`Board::stop_capturing`] or another kind of edit.
    pub fn insert_text(&mut self, id: &str, offset: u32, text: &str) -> Result<(), Error> {
        self.history.start(Some(Group::Text(id.to_owned())));
        let mut txn = self.doc.transact_mut_with(LOCAL);
        let t = self.text_ref(&txn, id)?;
        let len = t.len(&txn);
        if offset > len {
            return Err(Error::TextOffset { offset, len });
        }
        t.insert(&mut txn, offset, text);
        Ok(())
    }

    /// Deletes `len` UTF-16 code units at `offset`.
    pub fn delete_text(&mut self, id: &str, offset: u32, len: u32) -> Result<(), Error> {
        self.history.start(Some(Group::Text(id.to_owned())));
        let mut txn = self.doc.transact_mut_with(LOCAL);
        let t = self.text_ref(&txn, id)?;
        let total = t.len(&txn);
        let end = offset.saturating_add(len);
        if end > total {
            return Err(Error::TextOffset {
                offset: end,
                len: total,
            });
        }
        t.remove_range(&mut txn, offset, len);
        Ok(())
    }

    pub fn set_title(&mut self, title: &str) {
        self.history.start(None);
        self.stamp_version();
        let mut txn = self.doc.transact_mut_with(LOCAL);
        self.meta.insert(&mut txn, "title", title);
    }

    // ---- undo ----

    /// Undoes this user's last action; other users' work is untouched.
    pub fn undo(&mut self) -> bool {
        self.top_z = None;
        self.history.undo()
    }

    pub fn redo(&mut self) -> bool {
        self.top_z = None;
        self.history.redo()
    }

    pub fn can_undo(&self) -> bool {
        self.history.can_undo()
    }

    pub fn can_redo(&self) -> bool {
        self.history.can_redo()
    }

    /// Ends the current undo step: the next edit starts a new one (pointer up,
    /// leaving a text box).
    pub fn stop_capturing(&mut self) {
        self.history.stop_capturing();
    }

    // ---- helpers ----

    pub(crate) fn element_map<T: ReadTxn>(&self, txn: &T, id: &str) -> Result<MapRef, Error> {
        match self.elements.get(txn, id) {
            Some(Out::YMap(map)) => Ok(map),
            _ => Err(Error::NoSuchElement(id.to_owned())),
        }
    }

    /// All the maps, or an error naming the first id that is missing.
    fn element_maps<T: ReadTxn, S: AsRef<str>>(
        &self,
        txn: &T,
        ids: &[S],
    ) -> Result<Vec<MapRef>, Error> {
        ids.iter()
            .map(|id| self.element_map(txn, id.as_ref()))
            .collect()
    }

    fn text_ref<T: ReadTxn>(&self, txn: &T, id: &str) -> Result<TextRef, Error> {
        let map = self.element_map(txn, id)?;
        match map.get(txn, field::TEXT) {
            Some(Out::YText(t)) => Ok(t),
            _ => Err(wrong_kind(txn, &map, id, "text")),
        }
    }
}

/// The error for an element that lacks the field an operation needs.
pub(crate) fn wrong_kind<T: ReadTxn>(txn: &T, map: &MapRef, id: &str, what: &'static str) -> Error {
    Error::WrongKind {
        id: id.to_owned(),
        kind: crate::element::str_field(txn, map, field::KIND).unwrap_or_default(),
        what,
    }
}

/// 12 random characters of `0-9A-Za-z` (71 bits): unique without coordination.
pub(crate) fn new_element_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..12)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}
