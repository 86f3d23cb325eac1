//! Freehand strokes that stream while the pen moves (`docs/SCHEMA.md`, "Points").
//!
//! Each batch of points is one transaction that appends one chunk, so peers see
//! the stroke grow live. When the pen lifts, the chunks are merged into one:
//! fewer items make a much smaller snapshot.

use std::sync::Arc;

use yrs::{Any, Array, ArrayPrelim, ArrayRef, In, Map, Out, ReadTxn, Transact};

use crate::board::{new_element_id, wrong_kind, Board};
use crate::element::{field, num, Style};
use crate::error::Error;
use crate::history::Group;
use crate::origin::{LOCAL, LOCAL_UNTRACKED};
use crate::points::{decode_chunk_into, encode_chunk, Point, QPoint};

/// A stroke this replica is drawing.
#[derive(Debug, Clone)]
pub(crate) struct ActiveStroke {
    /// The stroke's `(x, y)`: appended points are stored relative to it.
    origin: (f64, f64),
}

impl Board {
    /// Starts a stroke whose first point will be at `(x, y)` and returns its id.
    pub fn begin_stroke(&mut self, x: f64, y: f64, style: &Style) -> Result<String, Error> {
        let id = new_element_id();
        self.history.start(Some(Group::Stroke(id.clone())));
        let z = self.key_above_top()?;
        let mut fields: Vec<(&str, In)> = vec![
            (field::KIND, Any::from("stroke").into()),
            (field::Z, Any::from(z.as_str()).into()),
            (field::X, num(x).into()),
            (field::Y, num(y).into()),
        ];
        fields.extend(self.common_fields(style));
        fields.push((field::POINTS, ArrayPrelim::default().into()));
        self.stamp_version();
        let mut txn = self.doc.transact_mut_with(LOCAL);
        self.insert_element(&mut txn, &id, fields);
        drop(txn);
        self.top_z = Some(z);
        self.strokes
            .insert(id.clone(), ActiveStroke { origin: (x, y) });
        Ok(id)
    }

    /// Appends a batch of points, in board coordinates, as one chunk in one
    /// transaction. Call it once per animation frame.
    pub fn append_points(&mut self, id: &str, points: &[Point]) -> Result<(), Error> {
        let stroke = self
            .strokes
            .get(id)
            .ok_or_else(|| Error::NoActiveStroke(id.to_owned()))?;
        if points.is_empty() {
            return Ok(());
        }
        let (ox, oy) = stroke.origin;
        let local: Vec<QPoint> = points
            .iter()
            .map(|p| {
                Point {
                    x: p.x - ox,
                    y: p.y - oy,
                    ..*p
                }
                .quantize()
            })
            .collect();
        self.history.start(Some(Group::Stroke(id.to_owned())));
        let mut txn = self.doc.transact_mut_with(LOCAL);
        let array = match self.points_array(&txn, id) {
            Ok(array) => array,
            Err(e) => {
                // Deleted under us (by another user, or by undo): the stroke is over.
                drop(txn);
                self.strokes.remove(id);
                return Err(e);
            }
        };
        array.push_back(&mut txn, Any::Buffer(Arc::from(encode_chunk(&local))));
        Ok(())
    }

    /// Ends a stroke: merges its chunks into one and marks it done.
    ///
    /// The merge is not an undo step of its own (and not tracked at all), so undo
    /// removes the whole stroke at once and the replaced chunks can be collected.
    pub fn end_stroke(&mut self, id: &str) -> Result<(), Error> {
        self.strokes
            .remove(id)
            .ok_or_else(|| Error::NoActiveStroke(id.to_owned()))?;
        let mut txn = self.doc.transact_mut_with(LOCAL_UNTRACKED);
        let map = self.element_map(&txn, id)?;
        let array = self.points_array(&txn, id)?;
        let chunks: Vec<Arc<[u8]>> = array
            .iter(&txn)
            .filter_map(|v| match v {
                Out::Any(Any::Buffer(b)) => Some(b),
                _ => None,
            })
            .collect();
        if chunks.len() > 1 {
            let mut points = Vec::new();
            let all_valid = chunks
                .iter()
                .all(|c| decode_chunk_into(c, &mut points).is_ok());
            // A chunk we cannot read stays as it is rather than being lost.
            let len = array.len(&txn);
            if all_valid && chunks.len() == len as usize {
                array.remove_range(&mut txn, 0, len);
                array.push_back(&mut txn, Any::Buffer(Arc::from(encode_chunk(&points))));
            }
        }
        map.insert(&mut txn, field::DONE, true);
        Ok(())
    }

    /// The ids of strokes this replica is drawing right now.
    pub fn active_strokes(&self) -> impl Iterator<Item = &str> {
        self.strokes.keys().map(String::as_str)
    }

    fn points_array<T: ReadTxn>(&self, txn: &T, id: &str) -> Result<ArrayRef, Error> {
        let map = self.element_map(txn, id)?;
        match map.get(txn, field::POINTS) {
            Some(Out::YArray(array)) => Ok(array),
            _ => Err(wrong_kind(txn, &map, id, "points")),
        }
    }
}
