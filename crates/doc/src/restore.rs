//! Restoring a version as an edit, as the web client's `web/src/doc/restore.ts`
//! does: the board's content is made equal to a version's by ordinary edits
//! in one local transaction, never by replacing the document or rewriting its
//! log. So a restore is one undo step of this user's, merges with concurrent
//! edits like any other (an element a peer adds meanwhile is not in the board
//! compared, and survives), and reaches peers through the usual sync.
//!
//! Only what differs is written: restoring a board to its own content writes
//! nothing.

use yrs::types::text::TextPrelim;
use yrs::types::ToJson;
use yrs::{
    Any, Array, ArrayPrelim, ArrayRef, GetString, In, Map, MapPrelim, MapRef, Out, ReadTxn, Text,
    TextRef, Transact, TransactionMut,
};

use crate::board::Board;
use crate::origin::LOCAL;

/// Meta keys a restore leaves alone: the schema version is the document's.
const KEPT_META: &[&str] = &["v"];

impl Board {
    /// Makes this board's content equal to `version`'s (a version read from
    /// storage, say [`Board::from_snapshot`], or the board update of
    /// `GET /api/rooms/{room}/history/{id}` applied to an empty board):
    /// elements the version lacks are deleted (strokes still being drawn
    /// excepted), elements only it has are added (with their text and
    /// points), and fields that differ are set back, meta (the title)
    /// included. One undo step.
    pub fn restore(&mut self, version: &Board) {
        self.history.start(None);
        self.stamp_version();
        self.top_z = None;
        let source = version.doc.transact();
        let mut txn = self.doc.transact_mut_with(LOCAL);
        let drawing = unfinished_strokes_missing(&txn, &self.elements, &source, &version.elements);
        let drawing: Vec<&str> = drawing.iter().map(String::as_str).collect();
        restore_fields(
            &mut txn,
            &self.elements,
            &source,
            &version.elements,
            &drawing,
        );
        restore_fields(&mut txn, &self.meta, &source, &version.meta, KEPT_META);
        drop(txn);
        let elements = &self.elements;
        let txn = self.doc.transact();
        self.strokes
            .retain(|id, _| elements.get(&txn, id).is_some());
        drop(txn);
        self.history.stop_capturing();
    }
}

/// The strokes someone is still drawing (SCHEMA.md: `t` "stroke" without
/// `d`) that the version lacks: a restore keeps them, since deleting one would
/// drop the rest of it as it arrives, lost to its author mid-line.
fn unfinished_strokes_missing<T: ReadTxn, S: ReadTxn>(
    txn: &T,
    elements: &MapRef,
    source: &S,
    wanted: &MapRef,
) -> Vec<String> {
    elements
        .iter(txn)
        .filter(|(id, element)| {
            let Out::YMap(element) = element else {
                return false;
            };
            let stroke =
                matches!(element.get(txn, "t"), Some(Out::Any(Any::String(t))) if &*t == "stroke");
            let ended = matches!(element.get(txn, "d"), Some(Out::Any(Any::Bool(true))));
            stroke && !ended && wanted.get(source, id).is_none()
        })
        .map(|(id, _)| id.to_owned())
        .collect()
}

/// Makes `target`'s entries equal to `wanted`'s (read in `source`), except
/// the `kept` keys. Maps in both are restored field by field, texts by a
/// minimal edit, arrays rewritten when an item differs.
fn restore_fields<S: ReadTxn>(
    txn: &mut TransactionMut,
    target: &MapRef,
    source: &S,
    wanted: &MapRef,
    kept: &[&str],
) {
    let stale: Vec<String> = target
        .keys(txn)
        .filter(|key| !kept.contains(key) && wanted.get(source, key).is_none())
        .map(str::to_owned)
        .collect();
    for key in stale {
        target.remove(txn, &key);
    }
    for (key, value) in wanted.iter(source) {
        if kept.contains(&key) {
            continue;
        }
        match (target.get(txn, key), value) {
            (Some(Out::YMap(current)), Out::YMap(wanted)) => {
                restore_fields(txn, &current, source, &wanted, &[]);
            }
            (Some(Out::YText(current)), Out::YText(wanted)) => {
                restore_text(txn, &current, &wanted.get_string(source));
            }
            (Some(Out::YArray(current)), Out::YArray(wanted)) => {
                restore_array(txn, &current, source, &wanted);
            }
            (current, value) => {
                let same = current.is_some_and(|c| c.to_json(txn) == value.to_json(source));
                if !same {
                    if let Some(copy) = prelim(source, &value) {
                        target.insert(txn, key, copy);
                    }
                }
            }
        }
    }
}

/// Replaces the text by a minimal edit (common prefix and suffix kept, in
/// UTF-16 code units as the document counts them), so a concurrent typist's
/// edit elsewhere in it merges.
///
/// A text that holds more than characters (an embed some peer put there;
/// SCHEMA.md's texts are plain) is rewritten whole: the string skips the
/// embed but the document's offsets count it, so an edit computed on the
/// string would land in the wrong place.
fn restore_text(txn: &mut TransactionMut, text: &TextRef, wanted: &str) {
    let old: Vec<u16> = text.get_string(txn).encode_utf16().collect();
    let len = text.len(txn);
    if len as usize != old.len() {
        text.remove_range(txn, 0, len);
        text.insert(txn, 0, wanted);
        return;
    }
    let new: Vec<u16> = wanted.encode_utf16().collect();
    if old == new {
        return;
    }
    let max = old.len().min(new.len());
    let mut start = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let mut end = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max - start)
        .take_while(|(a, b)| a == b)
        .count();
    // Never split a surrogate pair: back off to the pair's start.
    if start > 0 && is_high_surrogate(old[start - 1]) {
        start -= 1;
    }
    if end > 0 && is_low_surrogate(old[old.len() - end]) {
        end -= 1;
    }
    let removed = old.len() - start - end;
    if removed > 0 {
        text.remove_range(txn, start as u32, removed as u32);
    }
    let inserted = String::from_utf16_lossy(&new[start..new.len() - end]);
    if !inserted.is_empty() {
        text.insert(txn, start as u32, &inserted);
    }
}

/// A points array (or any array): rewritten whole when any item differs.
fn restore_array<S: ReadTxn>(
    txn: &mut TransactionMut,
    array: &ArrayRef,
    source: &S,
    wanted: &ArrayRef,
) {
    if array.to_json(txn) == wanted.to_json(source) {
        return;
    }
    let len = array.len(txn);
    if len > 0 {
        array.remove_range(txn, 0, len);
    }
    let items: Vec<In> = wanted
        .iter(source)
        .filter_map(|item| prelim(source, &item))
        .collect();
    for item in items {
        array.push_back(txn, item);
    }
}

/// A deep copy of a value of the version's document, to write into the board.
/// `None` for types a board never holds (XML, subdocuments).
fn prelim<S: ReadTxn>(source: &S, value: &Out) -> Option<In> {
    Some(match value {
        Out::Any(any) => In::Any(any.clone()),
        Out::YText(text) => TextPrelim::new(text.get_string(source)).into(),
        Out::YArray(array) => {
            ArrayPrelim::from_iter(array.iter(source).filter_map(|item| prelim(source, &item)))
                .into()
        }
        Out::YMap(map) => MapPrelim::from_iter(
            map.iter(source)
                .filter_map(|(key, item)| Some((key, prelim(source, &item)?))),
        )
        .into(),
        Out::UndefinedRef(_) => In::Any(Any::Undefined),
        _ => return None,
    })
}

fn is_high_surrogate(unit: u16) -> bool {
    (0xd800..=0xdbff).contains(&unit)
}

fn is_low_surrogate(unit: u16) -> bool {
    (0xdc00..=0xdfff).contains(&unit)
}
