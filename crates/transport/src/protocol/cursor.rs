//! Cursor frames, on the unreliable `cursor` channel.
//!
//! Each frame is the whole truth about a pointer at one moment, so a lost frame
//! is never resent (the next one replaces it) and a late one is dropped. The
//! layout is fixed at 14 bytes, little endian, so JavaScript writes the same
//! bytes with a `DataView`:
//!
//! ```text
//! offset 0  seq: u32 | 4  x: f32 | 8  y: f32 | 12  buttons: u8 | 13  tool: u8
//! ```
//!
//! It is bincode 2 with fixed-width integers, which is exactly that layout.

use bincode::config::{Configuration, Fixint, LittleEndian, NoLimit};

use super::ProtocolError;

const CONFIG: Configuration<LittleEndian, Fixint, NoLimit> = bincode::config::standard()
    .with_fixed_int_encoding()
    .with_little_endian();

/// What the sender's pointer is doing. `x` and `y` are board coordinates in px
/// (the receiver maps them to its own viewport).
#[derive(Debug, Clone, Copy, PartialEq, bincode::Encode, bincode::Decode)]
pub struct CursorFrame {
    /// Increases by one per frame, wrapping; see [`CursorFilter`].
    pub seq: u32,
    pub x: f32,
    pub y: f32,
    /// Pressed buttons as DOM `PointerEvent.buttons`: 1 primary, 2 secondary,
    /// 4 middle, 8 back, 16 forward, 32 pen eraser.
    pub buttons: u8,
    /// The sender's tool, one of [`tool`].
    pub tool: u8,
}

/// The tool codes of [`CursorFrame::tool`]. A receiver shows an unknown code
/// (from a newer client) as [`tool::SELECT`].
pub mod tool {
    pub const SELECT: u8 = 0;
    pub const PEN: u8 = 1;
    pub const RECT: u8 = 2;
    pub const ELLIPSE: u8 = 3;
    pub const LINE: u8 = 4;
    pub const ARROW: u8 = 5;
    pub const TEXT: u8 = 6;
    pub const STICKY: u8 = 7;
    pub const ERASER: u8 = 8;
    pub const PAN: u8 = 9;
    /// The laser pointer: with the primary button pressed, the sender's laser
    /// is on at the frame's position, and receivers draw a fading trail; any
    /// other frame says it is off. Never part of the board.
    pub const LASER: u8 = 10;
}

impl CursorFrame {
    pub const BYTES: usize = 14;

    pub fn encode(&self) -> [u8; Self::BYTES] {
        let mut bytes = [0; Self::BYTES];
        let written = bincode::encode_into_slice(self, &mut bytes, CONFIG)
            .expect("a cursor frame is 14 bytes with this configuration");
        debug_assert_eq!(written, Self::BYTES);
        bytes
    }

    /// Refuses any length but 14 and a position that is not a finite number
    /// (NaN would poison the receiver's interpolation).
    pub fn decode(bytes: &[u8]) -> Result<Self, ProtocolError> {
        if bytes.len() != Self::BYTES {
            return Err(ProtocolError::BadCursorFrame(format!(
                "{} bytes, expected {}",
                bytes.len(),
                Self::BYTES
            )));
        }
        let (frame, _): (Self, usize) = bincode::decode_from_slice(bytes, CONFIG)
            .map_err(|e| ProtocolError::BadCursorFrame(e.to_string()))?;
        if !(frame.x.is_finite() && frame.y.is_finite()) {
            return Err(ProtocolError::BadCursorFrame(
                "position is not finite".to_owned(),
            ));
        }
        Ok(frame)
    }
}

/// Drops stale frames: accepts a frame only if its seq is newer than the last
/// accepted, in serial-number arithmetic, so wrap-around works: `seq` is newer
/// than `last` iff `seq.wrapping_sub(last) as i32 > 0`. The first frame is
/// always accepted.
#[derive(Debug, Default)]
pub struct CursorFilter {
    last: Option<u32>,
}

impl CursorFilter {
    pub fn accept(&mut self, frame: &CursorFrame) -> bool {
        let newer = match self.last {
            None => true,
            Some(last) => (frame.seq.wrapping_sub(last) as i32) > 0,
        };
        if newer {
            self.last = Some(frame.seq);
        }
        newer
    }
}

/// Sender side: numbers frames, starting at 0.
#[derive(Debug, Default)]
pub struct CursorSequencer {
    next_seq: u32,
}

impl CursorSequencer {
    /// The next frame. `x` and `y` must be finite: receivers refuse the frame
    /// otherwise.
    pub fn next(&mut self, x: f32, y: f32, buttons: u8, tool: u8) -> CursorFrame {
        let seq = self.next_seq;
        self.next_seq = seq.wrapping_add(1);
        CursorFrame {
            seq,
            x,
            y,
            buttons,
            tool,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::hex;
    use proptest::prelude::*;

    fn at(seq: u32) -> CursorFrame {
        CursorFrame {
            seq,
            x: 0.0,
            y: 0.0,
            buttons: 0,
            tool: tool::SELECT,
        }
    }

    #[test]
    fn layout_matches_protocol_md() {
        let frame = CursorFrame {
            seq: 258,
            x: 100.5,
            y: -20.25,
            buttons: 1,
            tool: tool::PEN,
        };
        let bytes = frame.encode();
        assert_eq!(hex(&bytes), "02 01 00 00 00 00 c9 42 00 00 a2 c1 01 01");
        assert_eq!(
            bytes,
            [
                0x02, 0x01, 0x00, 0x00, // seq 258
                0x00, 0x00, 0xc9, 0x42, // x 100.5
                0x00, 0x00, 0xa2, 0xc1, // y -20.25
                0x01, // buttons: primary
                0x01, // tool: pen
            ]
        );
        assert_eq!(CursorFrame::decode(&bytes).unwrap(), frame);
    }

    #[test]
    fn wrong_lengths_are_refused() {
        let bytes = at(1).encode();
        for len in [0, 13, 15] {
            let mut wrong = bytes.to_vec();
            wrong.resize(len, 0);
            assert!(matches!(
                CursorFrame::decode(&wrong),
                Err(ProtocolError::BadCursorFrame(_))
            ));
        }
    }

    #[test]
    fn non_finite_positions_are_refused() {
        for (x, y) in [
            (f32::NAN, 0.0),
            (0.0, f32::INFINITY),
            (f32::NEG_INFINITY, 1.0),
        ] {
            let bytes = CursorFrame { x, y, ..at(1) }.encode();
            assert!(CursorFrame::decode(&bytes).is_err());
        }
    }

    #[test]
    fn stale_frames_are_dropped() {
        let mut filter = CursorFilter::default();
        assert!(filter.accept(&at(5)));
        assert!(!filter.accept(&at(5)));
        assert!(!filter.accept(&at(3)));
        assert!(filter.accept(&at(8)));
        assert!(!filter.accept(&at(6)));
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut filter = CursorFilter::default();
        assert!(filter.accept(&at(u32::MAX - 1)));
        assert!(filter.accept(&at(u32::MAX)));
        assert!(filter.accept(&at(0)));
        assert!(filter.accept(&at(1)));
        assert!(!filter.accept(&at(u32::MAX)));
        // Half the sequence space away is "older".
        assert!(!filter.accept(&at(1u32.wrapping_add(1 << 31))));
    }

    #[test]
    fn the_sequencer_counts_and_wraps() {
        let mut sequencer = CursorSequencer::default();
        let frames: Vec<u32> = (0..3).map(|_| sequencer.next(1.0, 2.0, 0, 0).seq).collect();
        assert_eq!(frames, [0, 1, 2]);
        sequencer.next_seq = u32::MAX;
        let mut filter = CursorFilter::default();
        for _ in 0..3 {
            assert!(filter.accept(&sequencer.next(1.0, 2.0, 0, 0)));
        }
    }

    proptest! {
        #[test]
        fn frames_round_trip(seq: u32, x in -1e9f32..1e9, y in -1e9f32..1e9, buttons: u8, tool: u8) {
            let frame = CursorFrame { seq, x, y, buttons, tool };
            prop_assert_eq!(CursorFrame::decode(&frame.encode()).unwrap(), frame);
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            if let Ok(frame) = CursorFrame::decode(&bytes) {
                prop_assert_eq!(&frame.encode()[..], &bytes[..]);
            }
        }
    }
}
