//! Image elements (`t: "image"`, `docs/SCHEMA.md`, "Images"): a box showing
//! an image file stored by the server under the SHA-256 of its bytes. The
//! board holds the hash and what a reader needs before it has the bytes (type,
//! natural size, file size), never the bytes.

use std::collections::BTreeSet;

use yrs::{Map, Out, ReadTxn, Transact};

use crate::board::Board;
use crate::element::{field, num_field, str_field, Kind};

/// The image an element shows, as stored in its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRef {
    /// `im`: lowercase hex SHA-256 of the file's bytes, as written. One that
    /// is not 64 lowercase hex characters names nothing: the element is kept
    /// and drawn as a placeholder, never fetched ([`ImageRef::hash`]).
    pub sha256: String,
    /// `mt`: the file's MIME type.
    pub mime: String,
    /// `iw`, `ih`: the image's natural size in pixels.
    pub width: f64,
    pub height: f64,
    /// `ib`: the file's size in bytes.
    pub bytes: f64,
}

impl ImageRef {
    /// The hash if it is one a reader may fetch: 64 lowercase hex characters.
    pub fn hash(&self) -> Option<&str> {
        is_image_hash(&self.sha256).then_some(self.sha256.as_str())
    }
}

/// Whether `hash` is a SHA-256 as image elements name files: 64 lowercase
/// hex characters.
pub fn is_image_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Reads an image element's image fields; missing ones take empty defaults.
pub(crate) fn read_image_ref<T: ReadTxn>(txn: &T, map: &yrs::MapRef) -> ImageRef {
    let num = |key| num_field(txn, map, key).unwrap_or(0.0);
    ImageRef {
        sha256: str_field(txn, map, field::IMAGE).unwrap_or_default(),
        mime: str_field(txn, map, field::IMAGE_TYPE).unwrap_or_default(),
        width: num(field::IMAGE_WIDTH),
        height: num(field::IMAGE_HEIGHT),
        bytes: num(field::IMAGE_BYTES),
    }
}

impl Board {
    /// The valid hashes ([`is_image_hash`]) of every image element on the
    /// board: the files it needs, which the server keeps while a kept version
    /// references them.
    pub fn image_refs(&self) -> BTreeSet<String> {
        let txn = self.doc.transact();
        self.elements
            .iter(&txn)
            .filter_map(|(_, value)| match value {
                Out::YMap(map) => Some(map),
                _ => None,
            })
            .filter(|map| {
                Kind::parse(&str_field(&txn, map, field::KIND).unwrap_or_default()) == Kind::Image
            })
            .filter_map(|map| str_field(&txn, &map, field::IMAGE))
            .filter(|hash| is_image_hash(hash))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{to_svg, BoardOptions, NewElement};

    fn image(sha256: &str) -> ImageRef {
        ImageRef {
            sha256: sha256.to_owned(),
            mime: "image/png".into(),
            width: 640.0,
            height: 480.0,
            bytes: 12_345.0,
        }
    }

    #[test]
    fn an_image_element_keeps_its_fields_through_a_snapshot() {
        let mut board = Board::new("u-a");
        let hash = "ab".repeat(32);
        let id = board
            .add(NewElement::image(10.0, 20.0, 320.0, 240.0, image(&hash)))
            .unwrap();
        let copy = Board::from_snapshot(&board.snapshot(), BoardOptions::new("u-b")).unwrap();
        let element = copy.element(&id).unwrap();
        assert_eq!(element.kind, Kind::Image);
        assert_eq!(element.image, Some(image(&hash)));
        assert!(element.unknown.is_empty(), "{:?}", element.unknown);
        assert_eq!(
            (element.bounds().width(), element.bounds().height()),
            (320.0, 240.0)
        );
    }

    #[test]
    fn image_refs_are_the_valid_hashes_once_each() {
        let mut board = Board::new("u-a");
        let (a, b) = ("0a".repeat(32), "1b".repeat(32));
        for hash in [
            &a,
            &a,
            &b,
            &"AB".repeat(32),
            &"ab".repeat(31),
            &String::new(),
        ] {
            board
                .add(NewElement::image(0.0, 0.0, 10.0, 10.0, image(hash)))
                .unwrap();
        }
        board.add(NewElement::rect(0.0, 0.0, 5.0, 5.0)).unwrap();
        assert_eq!(board.image_refs(), BTreeSet::from([a, b]));
        // An invalid hash is kept, and names nothing.
        let invalid = board
            .elements()
            .into_iter()
            .filter(|e| e.kind == Kind::Image)
            .filter(|e| e.image.as_ref().unwrap().hash().is_none())
            .count();
        assert_eq!(invalid, 3);
    }

    #[test]
    fn the_svg_draws_a_placeholder_and_references_nothing() {
        let mut board = Board::new("u-a");
        board
            .add(NewElement::image(
                10.0,
                20.0,
                30.0,
                40.0,
                image(&"cd".repeat(32)),
            ))
            .unwrap();
        let svg = to_svg(&board.elements());
        assert!(
            svg.contains(r#"data-kind="image"><rect x="10" y="20" width="30" height="40" "#),
            "{svg}"
        );
        assert!(!svg.contains("<image") && !svg.contains("href"), "{svg}");
    }
}
