//! A board view's bytes as the caches keep them: as encoded, and
//! brotli-compressed at most once, for every request that accepts it.
//!
//! The compression layer compresses each answer anew: a 10,000-stroke
//! snapshot (3.9 MB) takes ~48 ms of a core at brotli's fastest quality, and
//! its last byte waits for the compressor. Every joiner of a board asks for
//! the same bytes until it changes (a class starting, a meeting opening), so
//! the view caches ([`crate::live_views`], [`crate::cold`]) keep the
//! compressed copy next to the encoded one, and only the first request after
//! a change pays for it.

use std::io::Write;
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::http::{header, HeaderMap};

/// Brotli's fastest quality, the compression layer's: the first request
/// after a change waits for the whole body to be compressed before its first
/// byte goes, so a slower quality would hold it back for ~2.5× as long
/// (quality 4: 1.90 MB in 120 ms against 2.02 MB in 48 ms for the board
/// above).
const BROTLI_QUALITY: u32 = 0;

/// Brotli's window, 4 MiB (its default, and the compression layer's).
const BROTLI_WINDOW_BITS: u32 = 22;

/// The compressor's own buffer.
const BROTLI_BUFFER_BYTES: usize = 64 * 1024;

/// A view's bytes and, once asked for, their brotli copy. Cloning shares both.
#[derive(Clone, Debug)]
pub struct ViewBody {
    bytes: Bytes,
    /// `None` inside once compressing did not make it smaller.
    brotli: Arc<OnceLock<Option<Bytes>>>,
}

impl ViewBody {
    pub fn new(bytes: Bytes) -> Self {
        Self {
            bytes,
            brotli: Arc::default(),
        }
    }

    /// The view as encoded.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// What a cache counts for it: the view and room for its compressed copy,
    /// which is only kept when smaller, so that a copy made after the view
    /// was counted never takes the cache past its bound.
    pub fn kept_bytes(&self) -> usize {
        2 * self.bytes.len()
    }

    /// The brotli copy if it has been made: `Some(None)` when it was not
    /// smaller than the view.
    pub fn brotli_made(&self) -> Option<Option<Bytes>> {
        self.brotli.get().cloned()
    }

    /// The brotli copy, made on the first call; `None` when it is not
    /// smaller than the view. Blocks (tens of milliseconds for a big board,
    /// and concurrent callers wait for the one compressing): call it off the
    /// async runtime.
    pub fn brotli(&self) -> Option<Bytes> {
        self.brotli
            .get_or_init(|| {
                let compressed = compress(&self.bytes);
                (compressed.len() < self.bytes.len()).then(|| Bytes::from(compressed))
            })
            .clone()
    }
}

fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut writer = brotli::CompressorWriter::new(
        Vec::with_capacity(bytes.len() / 2),
        BROTLI_BUFFER_BYTES,
        BROTLI_QUALITY,
        BROTLI_WINDOW_BITS,
    );
    // Writing into a Vec cannot fail.
    writer.write_all(bytes).expect("brotli writes into a Vec");
    writer.into_inner()
}

/// Whether the request's `Accept-Encoding` takes `br`: listed by name with a
/// quality above zero, or, when it is not named, as `*` (RFC 9110, 12.5.3: a
/// named coding overrides `*`, so `*, br;q=0` refuses it).
pub fn accepts_brotli(headers: &HeaderMap) -> bool {
    let (mut named, mut any) = (None, None);
    let items = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for item in items {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let slot = if coding.eq_ignore_ascii_case("br") {
            &mut named
        } else if coding == "*" {
            &mut any
        } else {
            continue;
        };
        let accepted = parts.all(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return true;
            };
            !name.trim().eq_ignore_ascii_case("q")
                || value.trim().parse::<f32>().is_ok_and(|q| q > 0.0)
        });
        *slot = Some(slot.unwrap_or(false) || accepted);
    }
    named.or(any).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use std::io::Read;

    fn decompress(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(bytes, 4096)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn accepting(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
        }
        headers
    }

    #[test]
    fn the_copy_decompresses_to_the_view_and_is_made_once() {
        let view: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 97).to_le_bytes())
            .collect();
        let body = ViewBody::new(Bytes::from(view.clone()));
        assert_eq!(body.brotli_made(), None, "not made before it is asked for");

        let first = body.brotli().expect("repetitive bytes compress");
        assert!(first.len() < view.len() / 4, "{} bytes", first.len());
        assert_eq!(decompress(&first), view);

        let shared = body.clone();
        let again = shared.brotli().unwrap();
        assert_eq!(
            again.as_ptr(),
            first.as_ptr(),
            "a clone shares the copy made once"
        );
        assert_eq!(shared.brotli_made(), Some(Some(first)));
    }

    #[test]
    fn a_view_that_does_not_shrink_has_no_copy() {
        // Bytes from a xorshift generator: nothing for brotli to find.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let body = ViewBody::new(Bytes::from(noise));
        assert_eq!(body.brotli(), None);
        assert_eq!(body.brotli_made(), Some(None));
    }

    #[test]
    fn accept_encoding_is_read_as_rfc_9110_says() {
        assert!(accepts_brotli(&accepting(&["gzip, deflate, br, zstd"])));
        assert!(accepts_brotli(&accepting(&["gzip", "BR;q=0.5"])));
        assert!(accepts_brotli(&accepting(&["*"])));
        assert!(accepts_brotli(&accepting(&["br ; q=1.0"])));
        assert!(!accepts_brotli(&HeaderMap::new()));
        assert!(!accepts_brotli(&accepting(&["gzip, deflate"])));
        assert!(!accepts_brotli(&accepting(&["br;q=0"])));
        assert!(!accepts_brotli(&accepting(&["br;q=0.000, gzip"])));
        assert!(!accepts_brotli(&accepting(&["brotli, xbr"])));
        assert!(!accepts_brotli(&accepting(&["br;q=nonsense"])));
        assert!(!accepts_brotli(&accepting(&["*, br;q=0"])));
        assert!(!accepts_brotli(&accepting(&["br;q=0", "*;q=1"])));
        assert!(accepts_brotli(&accepting(&["*;q=0, br"])));
    }
}
