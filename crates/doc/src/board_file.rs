//! Board files (`.inkmesh`): a snapshot envelope and, when the board shows
//! images, an image section with each image's file (`docs/SCHEMA.md`, "Board
//! files"), so a board opened on another server shows its pictures. A board
//! without images has no section: its file is the envelope alone, as before
//! images existed.
//!
//! The section is read by hand rather than by bincode: every length is
//! checked against the limits before anything is taken, and each image is
//! checked against its hash.

use sha2::{Digest, Sha256};

use crate::error::SnapshotError;
use crate::limits::{
    FILE_IMAGES_MAX_TOTAL_BYTES, FILE_IMAGE_MAX_BYTES, FILE_IMAGE_MAX_TYPE_BYTES, FILE_MAX_IMAGES,
    MAX_SNAPSHOT_BYTES,
};
use crate::snapshot::{Snapshot, HEADER_BYTES};

/// The first four bytes of an image section.
pub const IMAGE_SECTION_MAGIC: [u8; 4] = *b"IMGS";

/// The image types a board file may carry (the types the server stores).
pub const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// One image's file inside a board file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileImage {
    /// SHA-256 of `bytes`: the image element's `im`, as bytes.
    pub sha256: [u8; 32],
    /// One of [`IMAGE_TYPES`].
    pub mime: String,
    pub bytes: Vec<u8>,
}

impl FileImage {
    /// The hash as the image element writes it: 64 lowercase hex characters.
    pub fn hash_hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A decoded board file: the board's snapshot and the images it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardFile {
    pub snapshot: Snapshot,
    /// In ascending hash order, each once.
    pub images: Vec<FileImage>,
}

impl BoardFile {
    /// The file's bytes; no image section when there are no images. Images
    /// are written in hash order, each once.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.snapshot.encode();
        if self.images.is_empty() {
            return out;
        }
        let mut images: Vec<&FileImage> = self.images.iter().collect();
        images.sort_by_key(|a| a.sha256);
        images.dedup_by(|a, b| a.sha256 == b.sha256);
        out.extend_from_slice(&IMAGE_SECTION_MAGIC);
        out.extend_from_slice(&(images.len() as u64).to_le_bytes());
        for image in images {
            out.extend_from_slice(&image.sha256);
            out.extend_from_slice(&(image.mime.len() as u64).to_le_bytes());
            out.extend_from_slice(image.mime.as_bytes());
            out.extend_from_slice(&(image.bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(&image.bytes);
        }
        out
    }

    /// Reads a board file with or without an image section, checking every
    /// image against its hash and the limits (`docs/SCHEMA.md` lists what is
    /// refused).
    pub fn decode(bytes: &[u8]) -> Result<Self, SnapshotError> {
        let end = envelope_end(bytes);
        let snapshot = Snapshot::decode(&bytes[..end], MAX_SNAPSHOT_BYTES)?;
        let section = &bytes[end..];
        if section.is_empty() {
            return Ok(BoardFile {
                snapshot,
                images: Vec::new(),
            });
        }
        let magic_seen = section.len().min(IMAGE_SECTION_MAGIC.len());
        if section[..magic_seen] != IMAGE_SECTION_MAGIC[..magic_seen] {
            return Err(SnapshotError::TrailingBytes(section.len()));
        }
        let mut reader = Reader {
            bytes: section,
            at: 0,
        };
        reader.take(IMAGE_SECTION_MAGIC.len(), "magic")?;
        let count = reader.u64("image count")?;
        if count > FILE_MAX_IMAGES as u64 {
            return Err(images_error(format!(
                "{count} images, over the limit of {FILE_MAX_IMAGES}"
            )));
        }
        let mut images: Vec<FileImage> = Vec::new();
        let mut total = 0u64;
        for index in 0..count {
            let hash: [u8; 32] = reader
                .take(32, "image hash")?
                .try_into()
                .expect("took 32 bytes");
            let type_len = reader.u64("type length")?;
            if type_len > FILE_IMAGE_MAX_TYPE_BYTES {
                return Err(images_error(format!("image {index}: malformed type")));
            }
            let mime = std::str::from_utf8(reader.take(type_len as usize, "type")?)
                .ok()
                .filter(|t| IMAGE_TYPES.contains(t))
                .ok_or_else(|| images_error(format!("image {index}: not PNG, JPEG, GIF or WebP")))?
                .to_owned();
            let len = reader.u64("image length")?;
            if len > FILE_IMAGE_MAX_BYTES as u64 {
                return Err(images_error(format!(
                    "image {index} is {len} bytes, over the limit of {FILE_IMAGE_MAX_BYTES}"
                )));
            }
            total += len;
            if total > FILE_IMAGES_MAX_TOTAL_BYTES as u64 {
                return Err(images_error(format!(
                    "images over {FILE_IMAGES_MAX_TOTAL_BYTES} bytes together"
                )));
            }
            let data = reader.take(len as usize, "image bytes")?;
            if images.last().is_some_and(|prev| prev.sha256 >= hash) {
                return Err(images_error(format!(
                    "image {index} is out of order or repeated"
                )));
            }
            if Sha256::digest(data).as_slice() != hash {
                return Err(images_error(format!(
                    "image {index} does not match its hash"
                )));
            }
            images.push(FileImage {
                sha256: hash,
                mime,
                bytes: data.to_vec(),
            });
        }
        if reader.at != section.len() {
            return Err(SnapshotError::TrailingBytes(section.len() - reader.at));
        }
        Ok(BoardFile { snapshot, images })
    }
}

/// Where the envelope ends by its header's length field; the whole input when
/// that cannot be read or points past the end (the envelope reader then says why).
fn envelope_end(bytes: &[u8]) -> usize {
    let Some(field) = bytes.get(HEADER_BYTES - 8..HEADER_BYTES) else {
        return bytes.len();
    };
    let len = u64::from_le_bytes(field.try_into().expect("8 bytes"));
    match (HEADER_BYTES as u64).checked_add(len) {
        Some(end) if end < bytes.len() as u64 => end as usize,
        _ => bytes.len(),
    }
}

fn images_error(message: String) -> SnapshotError {
    SnapshotError::Images(message)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], SnapshotError> {
        let rest = &self.bytes[self.at..];
        if rest.len() < n {
            return Err(images_error(format!("truncated inside the {what}")));
        }
        self.at += n;
        Ok(&rest[..n])
    }

    fn u64(&mut self, what: &str) -> Result<u64, SnapshotError> {
        let b = self.take(8, what)?;
        Ok(u64::from_le_bytes(b.try_into().expect("took 8 bytes")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::Encoding;

    /// SCHEMA.md's example image: a 1×1 PNG of one red pixel.
    const PNG: &str = "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489\
        0000000d4944415478da63786068f81f0005790242044516420000000049454e44ae426082";
    const PNG_HASH: &str = "090f7b46049c9e2c7724b836ab074b3df169688bf420b08e410678a7b6835ec2";

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn image(bytes: Vec<u8>) -> FileImage {
        FileImage {
            sha256: Sha256::digest(&bytes).into(),
            mime: "image/png".into(),
            bytes,
        }
    }

    fn example() -> BoardFile {
        BoardFile {
            snapshot: Snapshot::new(Encoding::V1, 1_700_000_000_000, vec![0, 0]),
            images: vec![image(unhex(PNG))],
        }
    }

    #[test]
    fn image_section_matches_schema_example() {
        let bytes = example().encode();
        let section = &bytes[HEADER_BYTES + 2..];
        let expected = unhex(&format!(
            "494d4753 0100000000000000 {PNG_HASH} 0900000000000000 696d6167652f706e67 4600000000000000 {PNG}"
        ));
        assert_eq!(section, expected.as_slice());
        assert_eq!(example().images[0].hash_hex(), PNG_HASH);
        assert_eq!(BoardFile::decode(&bytes).unwrap(), example());
    }

    #[test]
    fn a_board_without_images_is_the_envelope_alone() {
        let file = BoardFile {
            snapshot: Snapshot::new(Encoding::V1, 5, vec![0, 0]),
            images: vec![],
        };
        assert_eq!(file.encode(), file.snapshot.encode());
        assert_eq!(BoardFile::decode(&file.encode()).unwrap(), file);
    }

    #[test]
    fn malformed_sections_are_refused() {
        let good = example().encode();
        let section = HEADER_BYTES + 2;
        let images = |bytes: &[u8]| match BoardFile::decode(bytes) {
            Err(SnapshotError::Images(message)) => message,
            other => panic!("not refused as a bad image section: {other:?}"),
        };

        let mut damaged = good.clone();
        *damaged.last_mut().unwrap() ^= 0xff;
        assert!(images(&damaged).contains("does not match its hash"));

        let mut svg = good.clone();
        svg[section + 12 + 40..section + 12 + 49].copy_from_slice(b"image/svg");
        assert!(images(&svg).contains("not PNG"));

        let mut huge = good.clone();
        let at = section + 12 + 49;
        huge[at..at + 8].copy_from_slice(&(FILE_IMAGE_MAX_BYTES as u64 + 1).to_le_bytes());
        assert!(images(&huge).contains("over the limit"));

        let mut many = good.clone();
        many[section + 4..section + 12].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(images(&many).contains("over the limit"));

        for cut in section + 4..good.len() {
            assert!(
                images(&good[..cut]).contains("truncated"),
                "accepted {cut} bytes"
            );
        }

        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(
            BoardFile::decode(&trailing),
            Err(SnapshotError::TrailingBytes(1))
        );
        let mut not_a_section = example().snapshot.encode();
        not_a_section.extend_from_slice(b"XYZW");
        assert_eq!(
            BoardFile::decode(&not_a_section),
            Err(SnapshotError::TrailingBytes(4))
        );

        // Two entries of the same size swapped, and one repeated.
        let (a, b) = (image(vec![1]), image(vec![2]));
        let (first, second) = if a.sha256 < b.sha256 { (a, b) } else { (b, a) };
        let two = BoardFile {
            snapshot: example().snapshot,
            images: vec![first.clone(), second.clone()],
        }
        .encode();
        let entry = 32 + 8 + 9 + 8 + 1;
        let start = section + 12;
        let mut swapped = two.clone();
        swapped[start..start + entry].copy_from_slice(&two[start + entry..start + 2 * entry]);
        swapped[start + entry..start + 2 * entry].copy_from_slice(&two[start..start + entry]);
        assert!(images(&swapped).contains("out of order or repeated"));
        let mut repeated = two.clone();
        repeated[start + entry..start + 2 * entry].copy_from_slice(&two[start..start + entry]);
        assert!(images(&repeated).contains("out of order or repeated"));
    }
}
