//! Axis-aligned rectangles for bounds, hit areas and SVG view boxes.

/// An axis-aligned rectangle, `min <= max` on both axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
}

impl Rect {
    /// The rectangle spanned by two corners, in any order.
    pub fn from_corners(x1: f64, y1: f64, x2: f64, y2: f64) -> Self {
        Self {
            min_x: x1.min(x2),
            min_y: y1.min(y2),
            max_x: x1.max(x2),
            max_y: y1.max(y2),
        }
    }

    pub fn point(x: f64, y: f64) -> Self {
        Self::from_corners(x, y, x, y)
    }

    pub fn width(&self) -> f64 {
        self.max_x - self.min_x
    }

    pub fn height(&self) -> f64 {
        self.max_y - self.min_y
    }

    pub fn centre(&self) -> (f64, f64) {
        (
            (self.min_x + self.max_x) / 2.0,
            (self.min_y + self.max_y) / 2.0,
        )
    }

    pub fn union(&self, other: &Rect) -> Rect {
        Rect {
            min_x: self.min_x.min(other.min_x),
            min_y: self.min_y.min(other.min_y),
            max_x: self.max_x.max(other.max_x),
            max_y: self.max_y.max(other.max_y),
        }
    }

    pub fn expand(&self, by: f64) -> Rect {
        Rect {
            min_x: self.min_x - by,
            min_y: self.min_y - by,
            max_x: self.max_x + by,
            max_y: self.max_y + by,
        }
    }

    /// The axis-aligned box of this rectangle rotated by `radians` about its centre.
    pub fn rotated(&self, radians: f64) -> Rect {
        if radians == 0.0 {
            return *self;
        }
        let (cx, cy) = self.centre();
        let (sin, cos) = radians.sin_cos();
        let (hw, hh) = (self.width() / 2.0, self.height() / 2.0);
        let ex = (hw * cos).abs() + (hh * sin).abs();
        let ey = (hw * sin).abs() + (hh * cos).abs();
        Rect::from_corners(cx - ex, cy - ey, cx + ex, cy + ey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn quarter_turn_swaps_width_and_height() {
        let r = Rect::from_corners(0.0, 0.0, 40.0, 10.0).rotated(std::f64::consts::FRAC_PI_2);
        assert!(close(r.width(), 10.0) && close(r.height(), 40.0));
        assert!(close(r.centre().0, 20.0) && close(r.centre().1, 5.0));
    }

    #[test]
    fn union_and_corners_normalise() {
        let r = Rect::from_corners(5.0, 5.0, -5.0, 1.0).union(&Rect::point(10.0, -2.0));
        assert_eq!(r, Rect::from_corners(-5.0, -2.0, 10.0, 5.0));
    }
}
