//! Uploaded images: which types the server stores, and the proof that a body
//! is one.
//!
//! A body is stored only once it decodes completely (every frame of an
//! animation) as the type it was declared: the magic bytes alone would let a
//! truncated or malformed file through, which every client would then fail
//! to draw. SVG is refused: it is a document that can carry script and
//! external references, and sanitising it well is a project of its own.

use std::io::Cursor;

use image::codecs::gif::GifDecoder;
use image::codecs::jpeg::JpegDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, DynamicImage, ImageDecoder, ImageFormat, Limits};
use sha2::{Digest, Sha256};

use crate::limits::{IMAGE_DECODE_MAX_ALLOC, IMAGE_MAX_PIXELS};

/// The MIME types stored, with their formats.
const TYPES: [(&str, ImageFormat); 4] = [
    ("image/png", ImageFormat::Png),
    ("image/jpeg", ImageFormat::Jpeg),
    ("image/gif", ImageFormat::Gif),
    ("image/webp", ImageFormat::WebP),
];

/// One of the stored types, by its MIME type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageType {
    pub mime: &'static str,
    format: ImageFormat,
}

impl ImageType {
    /// The type a `Content-Type` names (parameters ignored, any case), if it
    /// is one the server stores.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let essence = content_type.split(';').next()?.trim();
        TYPES
            .iter()
            .find(|(mime, _)| mime.eq_ignore_ascii_case(essence))
            .map(|&(mime, format)| Self { mime, format })
    }
}

/// Why a body is not an image of its declared type.
#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    #[error("The file is not a {0} image (its first bytes say otherwise).")]
    NotThatType(&'static str),
    #[error(
        "The image has {pixels} pixels (frames of an animation counted together); \
         the most this server stores is {IMAGE_MAX_PIXELS}."
    )]
    TooManyPixels { pixels: u64 },
    #[error("The image does not decode: {0}. It may be truncated or damaged.")]
    Malformed(String),
}

impl From<image::ImageError> for Invalid {
    fn from(error: image::ImageError) -> Self {
        Invalid::Malformed(error.to_string())
    }
}

/// Whether `hash` is a SHA-256 as the board names images: 64 lowercase hex
/// characters.
pub fn is_sha256_hex(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks that `bytes` are an image of `kind` that decodes completely within
/// [`IMAGE_MAX_PIXELS`] and [`IMAGE_DECODE_MAX_ALLOC`]. CPU-bound: call it
/// off the async runtime.
pub fn check(bytes: &[u8], kind: ImageType) -> Result<(), Invalid> {
    if image::guess_format(bytes).ok() != Some(kind.format) {
        return Err(Invalid::NotThatType(kind.mime));
    }
    let reader = Cursor::new(bytes);
    match kind.format {
        ImageFormat::Png => {
            let mut decoder = PngDecoder::new(reader)?;
            if decoder.is_apng()? {
                let canvas = within_pixels(decoder.dimensions())?;
                decoder.set_limits(limits())?;
                frames(canvas, decoder.apng()?)
            } else {
                still(decoder)
            }
        }
        ImageFormat::Gif => {
            let mut decoder = GifDecoder::new(reader)?;
            let canvas = within_pixels(decoder.dimensions())?;
            decoder.set_limits(limits())?;
            frames(canvas, decoder)
        }
        ImageFormat::WebP => {
            let mut decoder = WebPDecoder::new(reader)?;
            if decoder.has_animation() {
                let canvas = within_pixels(decoder.dimensions())?;
                decoder.set_limits(limits())?;
                frames(canvas, decoder)
            } else {
                still(decoder)
            }
        }
        _ => still(JpegDecoder::new(reader)?),
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(IMAGE_DECODE_MAX_ALLOC);
    limits
}

/// The pixels of a `width × height` canvas, refused over [`IMAGE_MAX_PIXELS`].
fn within_pixels((width, height): (u32, u32)) -> Result<u64, Invalid> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > IMAGE_MAX_PIXELS {
        return Err(Invalid::TooManyPixels { pixels });
    }
    Ok(pixels)
}

/// Decodes a still image whole.
fn still(mut decoder: impl ImageDecoder) -> Result<(), Invalid> {
    within_pixels(decoder.dimensions())?;
    let mut limits = limits();
    limits.reserve(decoder.total_bytes())?;
    decoder.set_limits(limits)?;
    DynamicImage::from_decoder(decoder)?;
    Ok(())
}

/// Decodes every frame of an animation (a GIF is one even with one frame)
/// whose frames are each `canvas` pixels, counting them all together against
/// [`IMAGE_MAX_PIXELS`]: a small file of many frames cannot cost unbounded time.
fn frames<'a>(canvas: u64, decoder: impl AnimationDecoder<'a>) -> Result<(), Invalid> {
    let mut decoded = 0u64;
    for frame in decoder.into_frames() {
        frame?;
        decoded += canvas;
        if decoded > IMAGE_MAX_PIXELS {
            return Err(Invalid::TooManyPixels { pixels: decoded });
        }
    }
    if decoded == 0 {
        return Err(Invalid::Malformed("it has no frames".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, RgbaImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(
                RgbaImage::new(width, height).as_raw(),
                width,
                height,
                image::ExtendedColorType::Rgba8,
            )
            .unwrap();
        out
    }

    fn kind(mime: &str) -> ImageType {
        ImageType::from_content_type(mime).unwrap()
    }

    #[test]
    fn the_four_types_are_known_and_svg_is_not() {
        for mime in ["image/png", "image/jpeg", "image/gif", "image/webp"] {
            assert_eq!(kind(mime).mime, mime);
        }
        assert_eq!(kind("IMAGE/PNG; q=1").mime, "image/png");
        assert!(ImageType::from_content_type("image/svg+xml").is_none());
        assert!(ImageType::from_content_type("text/html").is_none());
    }

    #[test]
    fn a_whole_png_passes_and_a_truncated_one_does_not() {
        let whole = png(40, 30);
        check(&whole, kind("image/png")).unwrap();
        let cut = &whole[..whole.len() - 20];
        assert!(matches!(
            check(cut, kind("image/png")),
            Err(Invalid::Malformed(_))
        ));
    }

    /// A GIF of `frames` frames of 20 × 20 pixels, each a different colour.
    fn gif(frames: u8) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = image::codecs::gif::GifEncoder::new_with_speed(&mut out, 30);
            for n in 0..frames {
                let pixels = RgbaImage::from_pixel(20, 20, image::Rgba([n * 60, 0, 0, 255]));
                encoder.encode_frame(image::Frame::new(pixels)).unwrap();
            }
        }
        out
    }

    #[test]
    fn every_frame_of_an_animation_is_decoded() {
        let whole = gif(3);
        check(&whole, kind("image/gif")).unwrap();
        // Cut inside the last frame: the first frames decode, the file does not.
        let cut = &whole[..whole.len() - 8];
        assert!(matches!(
            check(cut, kind("image/gif")),
            Err(Invalid::Malformed(_))
        ));
    }

    #[test]
    fn a_png_declared_as_jpeg_is_refused() {
        assert!(matches!(
            check(&png(4, 4), kind("image/jpeg")),
            Err(Invalid::NotThatType("image/jpeg"))
        ));
    }

    #[test]
    fn a_canvas_over_the_pixel_limit_is_refused_before_decoding() {
        // A 1 × 1 PNG whose header claims 10,000 × 10,000 (CRC fixed up): its
        // size refuses it, whatever its data holds.
        let mut claimed = png(1, 1);
        claimed[16..20].copy_from_slice(&10_000u32.to_be_bytes());
        claimed[20..24].copy_from_slice(&10_000u32.to_be_bytes());
        let crc = crc32fast::hash(&claimed[12..29]);
        claimed[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(
            check(&claimed, kind("image/png")),
            Err(Invalid::TooManyPixels {
                pixels: 100_000_000
            })
        ));
    }

    #[test]
    fn hashes_are_lowercase_hex() {
        let hash = sha256_hex(b"abc");
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_sha256_hex(&hash));
        assert!(!is_sha256_hex(&hash.to_uppercase()));
        assert!(!is_sha256_hex(&hash[1..]));
    }
}
