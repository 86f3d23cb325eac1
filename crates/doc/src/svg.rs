//! SVG export: a pure function from elements to a standalone SVG document, used
//! for previews and downloads. Every drawn element is a `<g>` carrying its id
//! and kind, so tools (and tests) can find elements in the output.
//!
//! Text and colours come from other users, so everything is escaped or validated:
//! the server serves this to browsers.

use std::fmt::Write;

use crate::board::Board;
use crate::element::{Element, Kind, DEFAULT_STROKE};
use crate::geometry::Rect;

/// Space around the drawing, in px.
const MARGIN: f64 = 16.0;
/// Inner padding of sticky notes, in px.
const STICKY_PADDING: f64 = 12.0;
/// The placeholder an image is drawn as (SCHEMA.md, "Images"): a light box
/// with a dashed outline. The SVG never references the image itself: served
/// as `board.svg` it may load nothing (its CSP is `default-src 'none'`, and an
/// SVG shown through `<img>` loads nothing either), and the image route needs
/// the room's token, which a relative link would not carry.
const IMAGE_PLACEHOLDER: &str =
    r##"fill="#f1f3f5" stroke="#adb5bd" stroke-width="1" stroke-dasharray="6 4""##;

impl Board {
    pub fn to_svg(&self) -> String {
        to_svg(&self.elements())
    }
}

/// Renders elements (bottom first) as an SVG document. Unknown kinds are skipped.
pub fn to_svg(elements: &[Element]) -> String {
    let drawn: Vec<&Element> = elements
        .iter()
        .filter(|e| !matches!(e.kind, Kind::Unknown(_)))
        .collect();
    let view = drawn
        .iter()
        .map(|e| e.bounds().expand(e.style.width.max(0.0) / 2.0))
        .reduce(|a, b| a.union(&b))
        .unwrap_or(Rect::from_corners(0.0, 0.0, 0.0, 0.0))
        .expand(MARGIN);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{} {} {} {}" width="{}" height="{}">"#,
        n(view.min_x),
        n(view.min_y),
        n(view.width()),
        n(view.height()),
        n(view.width()),
        n(view.height())
    );
    for e in drawn {
        write_element(&mut out, e);
    }
    out.push_str("</svg>\n");
    out
}

fn write_element(out: &mut String, e: &Element) {
    let stroke = colour(Some(&e.style.stroke)).unwrap_or(DEFAULT_STROKE);
    let fill = colour(e.style.fill.as_deref()).unwrap_or("none");
    let width = n(e.style.width.max(0.0));
    let _ = write!(
        out,
        r#"<g data-id="{}" data-kind="{}""#,
        escape(&e.id),
        e.kind.as_str()
    );
    if e.style.opacity < 1.0 {
        let _ = write!(out, r#" opacity="{}""#, n(e.style.opacity.max(0.0)));
    }
    // Strokes have their rotation applied to the points already.
    if e.frame.rotation != 0.0 && e.kind != Kind::Stroke {
        let (cx, cy) = e.local_box().centre();
        let _ = write!(
            out,
            r#" transform="rotate({} {} {})""#,
            n(e.frame.rotation.to_degrees()),
            n(cx),
            n(cy)
        );
    }
    out.push('>');
    let f = &e.frame;
    let b = e.local_box();
    let line_style = format!(
        r#"stroke="{stroke}" stroke-width="{width}" stroke-linecap="round" stroke-linejoin="round""#
    );
    match e.kind {
        Kind::Stroke => {
            let mut d = String::new();
            for (i, (x, y)) in e.board_points().enumerate() {
                let _ = write!(d, "{}{} {}", if i == 0 { "M" } else { " L" }, n(x), n(y));
            }
            if e.points.len() == 1 {
                // A dot: a zero-length segment with round caps.
                d.push_str(" l0 0");
            }
            let _ = write!(out, r#"<path d="{d}" fill="none" {line_style}/>"#);
        }
        Kind::Rect => {
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" {line_style}/>"#,
                n(b.min_x),
                n(b.min_y),
                n(b.width()),
                n(b.height())
            );
        }
        Kind::Ellipse => {
            let (cx, cy) = b.centre();
            let _ = write!(
                out,
                r#"<ellipse cx="{}" cy="{}" rx="{}" ry="{}" fill="{fill}" {line_style}/>"#,
                n(cx),
                n(cy),
                n(b.width() / 2.0),
                n(b.height() / 2.0)
            );
        }
        Kind::Line | Kind::Arrow => {
            let (x2, y2) = (f.x + f.w, f.y + f.h);
            let _ = write!(
                out,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {line_style}/>"#,
                n(f.x),
                n(f.y),
                n(x2),
                n(y2)
            );
            if e.kind == Kind::Arrow {
                let head = arrow_head(f.x, f.y, x2, y2, e.style.width);
                let _ = write!(out, r#"<path d="{head}" fill="none" {line_style}/>"#);
            }
        }
        Kind::Text => {
            write_text(out, e, b.min_x, b.min_y, stroke);
        }
        Kind::Sticky => {
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="{fill}"/>"#,
                n(b.min_x),
                n(b.min_y),
                n(b.width()),
                n(b.height())
            );
            write_text(
                out,
                e,
                b.min_x + STICKY_PADDING,
                b.min_y + STICKY_PADDING,
                stroke,
            );
        }
        Kind::Image => {
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" {IMAGE_PLACEHOLDER}/>"#,
                n(b.min_x),
                n(b.min_y),
                n(b.width()),
                n(b.height())
            );
        }
        Kind::Unknown(_) => {}
    }
    out.push_str("</g>");
}

/// One `<tspan>` per line, top-aligned at `(x, y)`.
fn write_text(out: &mut String, e: &Element, x: f64, y: f64, colour: &str) {
    let size = if e.font_size > 0.0 { e.font_size } else { 20.0 };
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-family="sans-serif" font-size="{}" fill="{colour}" dominant-baseline="hanging">"#,
        n(x),
        n(y),
        n(size)
    );
    for (i, line) in e.text.as_deref().unwrap_or("").split('\n').enumerate() {
        let dy = if i == 0 { 0.0 } else { size * 1.25 };
        let _ = write!(
            out,
            r#"<tspan x="{}" dy="{}">{}</tspan>"#,
            n(x),
            n(dy),
            escape(line)
        );
    }
    out.push_str("</text>");
}

/// Two barbs at `(x2, y2)`, sized to the line width.
fn arrow_head(x1: f64, y1: f64, x2: f64, y2: f64, width: f64) -> String {
    let angle = (y2 - y1).atan2(x2 - x1);
    let len = 10.0 + width * 2.0;
    let barb = |a: f64| (x2 - len * (angle + a).cos(), y2 - len * (angle + a).sin());
    let (ax, ay) = barb(0.5);
    let (bx, by) = barb(-0.5);
    format!(
        "M{} {} L{} {} L{} {}",
        n(ax),
        n(ay),
        n(x2),
        n(y2),
        n(bx),
        n(by)
    )
}

/// A CSS colour we are willing to write into an attribute: `#` and 3 to 8 hex digits.
fn colour(c: Option<&str>) -> Option<&str> {
    c.filter(|c| {
        let hex = c.strip_prefix('#').unwrap_or("");
        (3..=8).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab are not allowed in XML 1.0.
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with at most two decimals and no trailing zeros.
fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_owned();
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact() {
        assert_eq!(n(1.0), "1");
        assert_eq!(n(1.256), "1.26");
        assert_eq!(n(-0.001), "0");
        assert_eq!(n(f64::NAN), "0");
    }

    #[test]
    fn hostile_strings_are_neutralised() {
        assert_eq!(
            escape(r#"<script>"a"&'b'"#),
            "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;"
        );
        assert_eq!(colour(Some(r#"#fff" onload="x"#)), None);
        assert_eq!(colour(Some("#a5d8ff")), Some("#a5d8ff"));
        assert_eq!(colour(Some("red")), None);
    }
}
