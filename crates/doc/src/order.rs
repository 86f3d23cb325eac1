//! Z-order operations (`docs/SCHEMA.md`, "Z-order"). Each one rewrites only the
//! `z` keys of the elements it moves, so concurrent reorders of different
//! elements never conflict, and of the same element resolve to the last writer.

use yrs::{Map, Out, Transact};

use crate::board::Board;
use crate::element::{field, str_field};
use crate::error::Error;
use crate::origin::LOCAL;
use crate::zkey::{key_between, validate_key};

impl Board {
    /// Moves elements above all others, keeping their relative order.
    pub fn bring_to_front<S: AsRef<str>>(&mut self, ids: &[S]) -> Result<(), Error> {
        self.history.start(None);
        let moving = self.in_z_order(ids)?;
        let mut top = self.key_above_top()?;
        let mut keys = Vec::with_capacity(moving.len());
        for (i, _) in moving.iter().enumerate() {
            if i > 0 {
                top = key_between(Some(&top), None)?;
            }
            keys.push(top.clone());
        }
        self.write_keys(moving.into_iter().zip(keys))?;
        self.top_z = Some(top);
        Ok(())
    }

    /// Moves elements below all others, keeping their relative order.
    pub fn send_to_back<S: AsRef<str>>(&mut self, ids: &[S]) -> Result<(), Error> {
        self.history.start(None);
        let moving = self.in_z_order(ids)?;
        let mut bottom = self
            .z_order()
            .into_iter()
            .map(|(z, _)| z)
            .find(|z| validate_key(z).is_ok());
        let mut keys = Vec::with_capacity(moving.len());
        for _ in &moving {
            let key = key_between(None, bottom.as_deref())?;
            keys.push(key.clone());
            bottom = Some(key);
        }
        keys.reverse();
        self.write_keys(moving.into_iter().zip(keys))
    }

    /// Moves an element one place up: just above the element directly above it.
    pub fn bring_forward(&mut self, id: &str) -> Result<(), Error> {
        self.history.start(None);
        let order = self.anchors(id);
        let pos = position(&order, id)?;
        let Some((lo, _)) = order.get(pos + 1) else {
            return Ok(()); // already on top
        };
        // The next key strictly above `lo`: equal keys (a tie) leave no room.
        let hi = order[pos + 2..].iter().map(|(z, _)| z).find(|z| *z > lo);
        let key = key_between(Some(lo), hi.map(String::as_str))?;
        self.write_keys([(id.to_owned(), key)])
    }

    /// Moves an element one place down: just below the element directly below it.
    pub fn send_backward(&mut self, id: &str) -> Result<(), Error> {
        self.history.start(None);
        let order = self.anchors(id);
        let pos = position(&order, id)?;
        if pos == 0 {
            return Ok(()); // already at the bottom
        }
        let hi = &order[pos - 1].0;
        let lo = order[..pos - 1]
            .iter()
            .rev()
            .map(|(z, _)| z)
            .find(|z| *z < hi);
        let key = key_between(lo.map(String::as_str), Some(hi))?;
        self.write_keys([(id.to_owned(), key)])
    }

    /// The z order of the elements new keys can be made next to: those with
    /// well-formed keys, plus `moving` itself whatever its key.
    fn anchors(&self, moving: &str) -> Vec<(String, String)> {
        self.z_order()
            .into_iter()
            .filter(|(z, id)| id == moving || validate_key(z).is_ok())
            .collect()
    }

    /// `(z, id)` of every element, bottom first.
    pub(crate) fn z_order(&self) -> Vec<(String, String)> {
        let txn = self.doc.transact();
        let mut order: Vec<(String, String)> = self
            .elements
            .iter(&txn)
            .filter_map(|(id, value)| match value {
                Out::YMap(map) => Some((
                    str_field(&txn, &map, field::Z).unwrap_or_default(),
                    id.to_owned(),
                )),
                _ => None,
            })
            .collect();
        order.sort();
        order
    }

    /// A key above every element: from the cached upper bound, or by a scan.
    /// Malformed keys (from a misbehaving peer) are passed over, so they cannot
    /// stop anyone from drawing.
    pub(crate) fn key_above_top(&mut self) -> Result<String, Error> {
        if self.top_z.is_none() {
            self.top_z = self
                .z_order()
                .into_iter()
                .rev()
                .map(|(z, _)| z)
                .find(|z| validate_key(z).is_ok());
        }
        Ok(key_between(self.top_z.as_deref(), None)?)
    }

    /// The given ids sorted bottom first; an error if one does not exist.
    fn in_z_order<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<String>, Error> {
        let txn = self.doc.transact();
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            let map = self.element_map(&txn, id.as_ref())?;
            let z = str_field(&txn, &map, field::Z).unwrap_or_default();
            found.push((z, id.as_ref().to_owned()));
        }
        found.sort();
        found.dedup();
        Ok(found.into_iter().map(|(_, id)| id).collect())
    }

    fn write_keys(&self, keys: impl IntoIterator<Item = (String, String)>) -> Result<(), Error> {
        let mut txn = self.doc.transact_mut_with(LOCAL);
        for (id, key) in keys {
            let map = self.element_map(&txn, &id)?;
            map.insert(&mut txn, field::Z, key);
        }
        Ok(())
    }
}

fn position(order: &[(String, String)], id: &str) -> Result<usize, Error> {
    order
        .iter()
        .position(|(_, i)| i == id)
        .ok_or_else(|| Error::NoSuchElement(id.to_owned()))
}
