//! Messages larger than a frame, split into chunks and put back together.
//!
//! A browser's data channel refuses to send more than its negotiated maximum
//! message size, and a whole board (one sync step 2) easily exceeds it. So a
//! message that does not fit in one frame goes out as chunk frames:
//!
//! ```text
//! 0x01 | message id: u32 LE | chunk index: u16 LE | chunk count: u16 LE | payload
//! ```
//!
//! The chunks of one message arrive in order (the board channel is reliable and
//! ordered) but other frames may come between them. What a peer can make us
//! hold is bounded: a message's declared chunk count, its actual bytes, how
//! many messages are half-assembled at once and their bytes all together, and
//! how long one may wait for its next chunk.

use std::time::{Duration, Instant};

use super::frame::{CHUNK_FRAME, WHOLE_FRAME};
use super::{Limits, ProtocolError};

/// Type byte, message id, chunk index and chunk count.
pub const CHUNK_HEADER_BYTES: usize = 9;

/// The payload a chunk frame of `max_frame_bytes` carries.
///
/// # Panics
///
/// If no payload byte fits after the header: a configuration error.
fn max_payload(max_frame_bytes: usize) -> usize {
    assert!(
        max_frame_bytes > CHUNK_HEADER_BYTES,
        "max_frame_bytes must leave room for a chunk header and payload"
    );
    max_frame_bytes - CHUNK_HEADER_BYTES
}

/// Turns messages into frames of at most `max_frame_bytes`.
#[derive(Debug)]
pub struct Chunker {
    next_id: u32,
    max_frame_bytes: usize,
    payload: usize,
}

impl Chunker {
    /// # Panics
    ///
    /// If `max_frame_bytes` is 9 or less (no room for a chunk's payload).
    pub fn new(max_frame_bytes: usize) -> Self {
        Self {
            next_id: 0,
            max_frame_bytes,
            payload: max_payload(max_frame_bytes),
        }
    }

    /// One whole frame if the message fits after the type byte, else chunk
    /// frames, every one full but the last. A message needing more than 65,535
    /// chunks cannot be described by the header: an error.
    pub fn frames(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, ProtocolError> {
        if message.len() < self.max_frame_bytes {
            let mut frame = Vec::with_capacity(message.len() + 1);
            frame.push(WHOLE_FRAME);
            frame.extend_from_slice(message);
            return Ok(vec![frame]);
        }
        let payload = self.payload;
        let count = u16::try_from(message.len().div_ceil(payload)).map_err(|_| {
            ProtocolError::MessageTooLarge {
                len: message.len(),
                limit: usize::from(u16::MAX) * payload,
            }
        })?;
        let id = self.next_id;
        self.next_id = id.wrapping_add(1);
        let frames = message
            .chunks(payload)
            .zip(0..count)
            .map(|(piece, index)| chunk_frame(id, index, count, piece))
            .collect();
        Ok(frames)
    }
}

/// One chunk frame, as the layout above has it. [`Chunker`] makes only valid
/// ones; tools and tests that misbehave on purpose make any.
pub fn chunk_frame(id: u32, index: u16, count: u16, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(CHUNK_HEADER_BYTES + payload.len());
    frame.push(CHUNK_FRAME);
    frame.extend_from_slice(&id.to_le_bytes());
    frame.extend_from_slice(&index.to_le_bytes());
    frame.extend_from_slice(&count.to_le_bytes());
    frame.extend_from_slice(payload);
    frame
}

/// Turns one peer's frames back into messages.
#[derive(Debug)]
pub struct Reassembler {
    max_message_bytes: usize,
    /// The most chunks a message within `max_message_bytes` needs when every
    /// chunk but the last is full, as senders make them.
    max_chunks: usize,
    max_partial_messages: usize,
    max_partial_bytes: usize,
    timeout: Duration,
    partials: Vec<Partial>,
    /// The bytes of every partial message together.
    held: usize,
}

/// A message whose first chunks have arrived.
#[derive(Debug)]
struct Partial {
    id: u32,
    count: u16,
    next_index: u16,
    data: Vec<u8>,
    last_chunk_at: Instant,
}

impl Reassembler {
    /// # Panics
    ///
    /// If `limits.max_frame_bytes` is 9 or less (no room for a chunk's payload).
    pub fn new(limits: &Limits) -> Self {
        let payload = max_payload(limits.max_frame_bytes);
        Self {
            max_message_bytes: limits.max_message_bytes,
            max_chunks: limits.max_message_bytes.div_ceil(payload),
            max_partial_messages: limits.max_partial_messages,
            max_partial_bytes: limits.max_partial_bytes,
            timeout: limits.reassembly_timeout,
            partials: Vec::new(),
            held: 0,
        }
    }

    /// A frame in; a whole message out when one completes. Errors for every
    /// bound violated, including a stalled partial message (as
    /// [`Reassembler::check_timeouts`]).
    pub fn push(&mut self, frame: &[u8], now: Instant) -> Result<Option<Vec<u8>>, ProtocolError> {
        self.check_timeouts(now)?;
        match frame.first() {
            None => Err(ProtocolError::EmptyFrame),
            Some(&WHOLE_FRAME) => {
                let message = &frame[1..];
                self.check_size(message.len())?;
                Ok(Some(message.to_vec()))
            }
            Some(&CHUNK_FRAME) => self.push_chunk(frame, now),
            Some(&other) => Err(ProtocolError::UnknownFrameType(other)),
        }
    }

    fn push_chunk(&mut self, frame: &[u8], now: Instant) -> Result<Option<Vec<u8>>, ProtocolError> {
        let [_, i0, i1, i2, i3, x0, x1, c0, c1, payload @ ..] = frame else {
            return Err(ProtocolError::TruncatedChunk(frame.len()));
        };
        let id = u32::from_le_bytes([*i0, *i1, *i2, *i3]);
        let index = u16::from_le_bytes([*x0, *x1]);
        let count = u16::from_le_bytes([*c0, *c1]);
        if count < 2 {
            return Err(ProtocolError::BadChunkCount(count));
        }
        if index >= count {
            return Err(ProtocolError::ChunkOutOfRange { index, count });
        }
        if payload.is_empty() {
            return Err(ProtocolError::EmptyChunk);
        }
        let Some(position) = self.partials.iter().position(|p| p.id == id) else {
            self.start(id, index, count, payload, now)?;
            return Ok(None);
        };
        let partial = &mut self.partials[position];
        if count != partial.count {
            return Err(ProtocolError::ChunkCountChanged {
                id,
                was: partial.count,
                now: count,
            });
        }
        if index != partial.next_index {
            return Err(ProtocolError::UnexpectedChunk {
                id,
                index,
                expected: partial.next_index,
            });
        }
        let len = partial.data.len() + payload.len();
        if len > self.max_message_bytes {
            return Err(ProtocolError::MessageTooLarge {
                len,
                limit: self.max_message_bytes,
            });
        }
        check_held(self.held + payload.len(), self.max_partial_bytes)?;
        partial.data.extend_from_slice(payload);
        partial.next_index += 1;
        partial.last_chunk_at = now;
        self.held += payload.len();
        if partial.next_index < count {
            return Ok(None);
        }
        let message = self.partials.swap_remove(position).data;
        self.held -= message.len();
        Ok(Some(message))
    }

    /// The first chunk of a message. Nothing is reserved from the declared
    /// count: the buffer grows with the bytes that actually arrive.
    fn start(
        &mut self,
        id: u32,
        index: u16,
        count: u16,
        payload: &[u8],
        now: Instant,
    ) -> Result<(), ProtocolError> {
        if index != 0 {
            return Err(ProtocolError::UnexpectedChunk {
                id,
                index,
                expected: 0,
            });
        }
        if usize::from(count) > self.max_chunks {
            return Err(ProtocolError::TooManyChunks {
                count,
                limit: self.max_chunks,
            });
        }
        if self.partials.len() >= self.max_partial_messages {
            return Err(ProtocolError::TooManyPartialMessages {
                limit: self.max_partial_messages,
            });
        }
        self.check_size(payload.len())?;
        check_held(self.held + payload.len(), self.max_partial_bytes)?;
        self.partials.push(Partial {
            id,
            count,
            next_index: 1,
            data: payload.to_vec(),
            last_chunk_at: now,
        });
        self.held += payload.len();
        Ok(())
    }

    fn check_size(&self, len: usize) -> Result<(), ProtocolError> {
        if len > self.max_message_bytes {
            return Err(ProtocolError::MessageTooLarge {
                len,
                limit: self.max_message_bytes,
            });
        }
        Ok(())
    }

    /// Partial messages that waited longer than the timeout for their next
    /// chunk: an error (the peer stalled mid-message). They are dropped, so
    /// their memory goes even before the peer does.
    ///
    /// The clock restarts at every chunk rather than at the first: a large
    /// board on a slow link may take longer than the timeout to arrive whole,
    /// while a sender that has stopped is caught all the same.
    pub fn check_timeouts(&mut self, now: Instant) -> Result<(), ProtocolError> {
        let timeout = self.timeout;
        let before = self.partials.len();
        self.partials
            .retain(|p| now.saturating_duration_since(p.last_chunk_at) <= timeout);
        self.held = self.partials.iter().map(|p| p.data.len()).sum();
        if self.partials.len() < before {
            return Err(ProtocolError::ReassemblyTimeout(timeout));
        }
        Ok(())
    }

    /// Messages being reassembled right now.
    pub fn partial_messages(&self) -> usize {
        self.partials.len()
    }

    /// Bytes held in partial messages right now.
    pub fn partial_bytes(&self) -> usize {
        self.held
    }
}

/// Partial messages may hold `len` bytes together.
fn check_held(len: usize, limit: usize) -> Result<(), ProtocolError> {
    if len > limit {
        return Err(ProtocolError::PartialBytesExceeded { len, limit });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::hex;
    use proptest::prelude::*;

    const FRAME: usize = 64;
    const PAYLOAD: usize = FRAME - CHUNK_HEADER_BYTES;

    fn limits() -> Limits {
        Limits {
            max_frame_bytes: FRAME,
            max_message_bytes: 1000,
            viewer_max_message_bytes: 100,
            max_partial_messages: 2,
            max_partial_bytes: 1500,
            reassembly_timeout: Duration::from_secs(10),
        }
    }

    fn message(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + len) as u8).collect()
    }

    /// Pushes frames in order and collects the messages that complete.
    fn reassemble(
        reassembler: &mut Reassembler,
        frames: &[Vec<u8>],
    ) -> Result<Vec<Vec<u8>>, ProtocolError> {
        let now = Instant::now();
        let mut out = Vec::new();
        for frame in frames {
            out.extend(reassembler.push(frame, now)?);
        }
        Ok(out)
    }

    #[test]
    fn sizes_around_the_boundaries_round_trip() {
        let sizes = [
            0,
            1,
            PAYLOAD,
            FRAME - 2,
            FRAME - 1,
            FRAME,
            2 * PAYLOAD,
            2 * PAYLOAD + 1,
            1000,
        ];
        for len in sizes {
            let mut chunker = Chunker::new(FRAME);
            let frames = chunker.frames(&message(len)).unwrap();
            let expected_frames = if len < FRAME {
                1
            } else {
                len.div_ceil(PAYLOAD)
            };
            assert_eq!(frames.len(), expected_frames, "{len}");
            assert!(frames.iter().all(|f| f.len() <= FRAME), "{len}");
            let mut reassembler = Reassembler::new(&limits());
            assert_eq!(
                reassemble(&mut reassembler, &frames).unwrap(),
                vec![message(len)],
                "{len}"
            );
            assert_eq!(reassembler.partial_messages(), 0);
        }
    }

    #[test]
    fn chunk_frames_match_protocol_md() {
        // 20 bytes do not fit a 20-byte frame with its type byte: 11 + 9.
        let mut chunker = Chunker::new(20);
        let frames = chunker.frames(&(0..20).collect::<Vec<u8>>()).unwrap();
        let frames_hex: Vec<String> = frames.iter().map(|f| hex(f)).collect();
        assert_eq!(
            frames_hex,
            [
                "01 00 00 00 00 00 00 02 00 00 01 02 03 04 05 06 07 08 09 0a",
                "01 00 00 00 00 01 00 02 00 0b 0c 0d 0e 0f 10 11 12 13",
            ]
        );
        let mut reassembler = Reassembler::new(&Limits {
            max_frame_bytes: 20,
            ..Limits::default()
        });
        assert_eq!(
            reassemble(&mut reassembler, &frames).unwrap(),
            [(0..20).collect::<Vec<u8>>()]
        );
        // The next message gets the next id; 19 bytes fit whole.
        assert_eq!(chunker.frames(&[0; 30]).unwrap()[0][1..5], [1, 0, 0, 0]);
        assert_eq!(
            chunker.frames(&[0; 19]).unwrap(),
            [[&[0x00][..], &[0; 19]].concat()]
        );
    }

    #[test]
    fn a_message_needing_more_than_65535_chunks_is_refused() {
        // One payload byte per chunk.
        let mut chunker = Chunker::new(CHUNK_HEADER_BYTES + 1);
        assert_eq!(chunker.frames(&[0; 65_535]).unwrap().len(), 65_535);
        assert!(matches!(
            chunker.frames(&[0; 65_536]),
            Err(ProtocolError::MessageTooLarge {
                len: 65_536,
                limit: 65_535
            })
        ));
    }

    #[test]
    #[should_panic(expected = "room for a chunk header")]
    fn frames_without_room_for_a_payload_are_a_configuration_error() {
        Chunker::new(CHUNK_HEADER_BYTES);
    }

    #[test]
    fn message_ids_wrap() {
        let mut chunker = Chunker::new(FRAME);
        chunker.next_id = u32::MAX;
        assert_eq!(chunker.frames(&message(100)).unwrap()[0][1..5], [0xff; 4]);
        assert_eq!(chunker.frames(&message(100)).unwrap()[0][1..5], [0; 4]);
    }

    #[test]
    fn interleaved_messages_reassemble() {
        let mut chunker = Chunker::new(FRAME);
        let a = chunker.frames(&message(150)).unwrap();
        let b = chunker.frames(&message(120)).unwrap();
        let whole = chunker.frames(&message(5)).unwrap();
        assert_eq!((a.len(), b.len()), (3, 3));
        let order = [
            &a[0], &b[0], &whole[0], &a[1], &b[1], &b[2], &whole[0], &a[2],
        ];
        let frames: Vec<Vec<u8>> = order.into_iter().cloned().collect();
        let mut reassembler = Reassembler::new(&limits());
        assert_eq!(
            reassemble(&mut reassembler, &frames).unwrap(),
            [message(5), message(120), message(5), message(150)]
        );
    }

    #[test]
    fn frame_errors() {
        let mut r = Reassembler::new(&limits());
        let now = Instant::now();
        assert!(matches!(r.push(&[], now), Err(ProtocolError::EmptyFrame)));
        assert!(matches!(
            r.push(&[0x02, 1], now),
            Err(ProtocolError::UnknownFrameType(2))
        ));
        assert!(matches!(
            r.push(&[0x01, 0, 0, 0, 0, 0, 0, 2], now),
            Err(ProtocolError::TruncatedChunk(8))
        ));
        assert!(matches!(
            r.push(&chunk_frame(0, 0, 2, &[]), now),
            Err(ProtocolError::EmptyChunk)
        ));
    }

    #[test]
    fn count_below_two_and_index_out_of_range_are_refused() {
        let mut r = Reassembler::new(&limits());
        let now = Instant::now();
        for count in [0, 1] {
            assert!(matches!(
                r.push(&chunk_frame(0, 0, count, b"x"), now),
                Err(ProtocolError::BadChunkCount(c)) if c == count
            ));
        }
        assert!(matches!(
            r.push(&chunk_frame(0, 3, 3, b"x"), now),
            Err(ProtocolError::ChunkOutOfRange { index: 3, count: 3 })
        ));
    }

    #[test]
    fn an_unknown_id_mid_message_is_refused() {
        let mut r = Reassembler::new(&limits());
        assert!(matches!(
            r.push(&chunk_frame(9, 1, 3, b"x"), Instant::now()),
            Err(ProtocolError::UnexpectedChunk {
                id: 9,
                index: 1,
                expected: 0
            })
        ));
    }

    #[test]
    fn a_completed_id_takes_no_more_chunks() {
        let mut r = Reassembler::new(&limits());
        let now = Instant::now();
        r.push(&chunk_frame(4, 0, 2, b"a"), now).unwrap();
        assert_eq!(
            r.push(&chunk_frame(4, 1, 2, b"b"), now).unwrap(),
            Some(b"ab".to_vec())
        );
        assert!(matches!(
            r.push(&chunk_frame(4, 1, 2, b"b"), now),
            Err(ProtocolError::UnexpectedChunk { expected: 0, .. })
        ));
    }

    #[test]
    fn skipped_and_repeated_indexes_are_refused() {
        for bad_index in [0, 2] {
            let mut r = Reassembler::new(&limits());
            let now = Instant::now();
            r.push(&chunk_frame(1, 0, 3, b"x"), now).unwrap();
            assert!(matches!(
                r.push(&chunk_frame(1, bad_index, 3, b"x"), now),
                Err(ProtocolError::UnexpectedChunk { id: 1, index, expected: 1 }) if index == bad_index
            ));
        }
    }

    #[test]
    fn a_changed_count_is_refused() {
        let mut r = Reassembler::new(&limits());
        let now = Instant::now();
        r.push(&chunk_frame(1, 0, 3, b"x"), now).unwrap();
        assert!(matches!(
            r.push(&chunk_frame(1, 1, 4, b"x"), now),
            Err(ProtocolError::ChunkCountChanged {
                id: 1,
                was: 3,
                now: 4
            })
        ));
    }

    #[test]
    fn too_many_declared_chunks_are_refused() {
        // 1000 bytes fill ceil(1000 / 55) = 19 chunks.
        let mut r = Reassembler::new(&limits());
        let now = Instant::now();
        r.push(&chunk_frame(1, 0, 19, b"x"), now).unwrap();
        assert!(matches!(
            r.push(&chunk_frame(2, 0, 20, b"x"), now),
            Err(ProtocolError::TooManyChunks {
                count: 20,
                limit: 19
            })
        ));
    }

    #[test]
    fn a_message_over_the_limit_is_refused() {
        let mut r = Reassembler::new(&limits());
        // Exactly the limit passes, chunked or whole.
        let frames = Chunker::new(FRAME).frames(&message(1000)).unwrap();
        assert_eq!(reassemble(&mut r, &frames).unwrap(), [message(1000)]);
        let whole = [&[WHOLE_FRAME][..], &message(1000)].concat();
        assert_eq!(
            reassemble(&mut r, std::slice::from_ref(&whole))
                .unwrap()
                .len(),
            1
        );

        assert!(matches!(
            r.push(&[&whole[..], &[0]].concat(), Instant::now()),
            Err(ProtocolError::MessageTooLarge {
                len: 1001,
                limit: 1000
            })
        ));
        // Over-full chunks from a peer: the bytes that arrive are counted.
        let big = [0u8; 600];
        r.push(&chunk_frame(1, 0, 2, &big), Instant::now()).unwrap();
        assert!(matches!(
            r.push(&chunk_frame(1, 1, 2, &big), Instant::now()),
            Err(ProtocolError::MessageTooLarge {
                len: 1200,
                limit: 1000
            })
        ));
        assert!(matches!(
            r.push(&chunk_frame(2, 0, 2, &[0; 1001]), Instant::now()),
            Err(ProtocolError::MessageTooLarge { len: 1001, .. })
        ));
    }

    #[test]
    fn too_many_partial_messages_are_refused() {
        let mut r = Reassembler::new(&limits());
        let now = Instant::now();
        r.push(&chunk_frame(1, 0, 2, b"x"), now).unwrap();
        r.push(&chunk_frame(2, 0, 2, b"x"), now).unwrap();
        assert_eq!(r.partial_messages(), 2);
        assert!(matches!(
            r.push(&chunk_frame(3, 0, 2, b"x"), now),
            Err(ProtocolError::TooManyPartialMessages { limit: 2 })
        ));
        // Finishing one makes room.
        r.push(&chunk_frame(1, 1, 2, b"y"), now).unwrap();
        r.push(&chunk_frame(3, 0, 2, b"x"), now).unwrap();
    }

    #[test]
    fn partial_messages_together_stay_within_the_byte_limit() {
        // Two partial messages of 700 and 800 bytes hold 1500, the limit; one
        // more byte in either is refused, though each is below M = 1000.
        let mut r = Reassembler::new(&limits());
        let now = Instant::now();
        r.push(&chunk_frame(1, 0, 3, &[0; 700]), now).unwrap();
        r.push(&chunk_frame(2, 0, 3, &[0; 400]), now).unwrap();
        r.push(&chunk_frame(2, 1, 3, &[0; 400]), now).unwrap();
        assert_eq!(r.partial_bytes(), 1500);
        assert!(matches!(
            r.push(&chunk_frame(1, 1, 3, &[0; 1]), now),
            Err(ProtocolError::PartialBytesExceeded {
                len: 1501,
                limit: 1500
            })
        ));
        // A completed message frees its bytes.
        let mut r = Reassembler::new(&limits());
        r.push(&chunk_frame(1, 0, 2, &[0; 700]), now).unwrap();
        r.push(&chunk_frame(1, 1, 2, &[0; 300]), now).unwrap();
        assert_eq!(r.partial_bytes(), 0);
        r.push(&chunk_frame(2, 0, 2, &[0; 700]), now).unwrap();
        r.push(&chunk_frame(3, 0, 2, &[0; 800]), now).unwrap();
        assert!(matches!(
            r.push(&chunk_frame(4, 0, 2, &[0; 1]), now),
            Err(ProtocolError::TooManyPartialMessages { limit: 2 })
        ));
        // So does one that times out.
        let later = now + limits().reassembly_timeout + Duration::from_millis(1);
        assert!(r.check_timeouts(later).is_err());
        assert_eq!(r.partial_bytes(), 0);
    }

    #[test]
    fn a_stalled_message_times_out() {
        let mut r = Reassembler::new(&limits());
        let start = Instant::now();
        let timeout = limits().reassembly_timeout;
        r.push(&chunk_frame(1, 0, 3, b"a"), start).unwrap();
        // Each chunk restarts the clock.
        r.push(&chunk_frame(1, 1, 3, b"b"), start + timeout)
            .unwrap();
        r.check_timeouts(start + 2 * timeout).unwrap();
        assert!(matches!(
            r.check_timeouts(start + 2 * timeout + Duration::from_millis(1)),
            Err(ProtocolError::ReassemblyTimeout(_))
        ));
        assert_eq!(r.partial_messages(), 0);

        // A frame arriving after the deadline reports it too.
        let mut r = Reassembler::new(&limits());
        r.push(&chunk_frame(1, 0, 3, b"a"), start).unwrap();
        assert!(matches!(
            r.push(&[WHOLE_FRAME], start + 2 * timeout),
            Err(ProtocolError::ReassemblyTimeout(_))
        ));
    }

    #[test]
    fn default_limits_take_a_full_size_message() {
        let limits = Limits::default();
        let r = Reassembler::new(&limits);
        assert_eq!(r.max_chunks, 4099);
        let len = limits.max_message_bytes;
        assert_eq!(
            len.div_ceil(limits.max_frame_bytes - CHUNK_HEADER_BYTES),
            4099
        );
    }

    proptest! {
        #[test]
        fn random_messages_round_trip(lens in proptest::collection::vec(0..1000usize, 1..6)) {
            let mut chunker = Chunker::new(FRAME);
            let mut reassembler = Reassembler::new(&limits());
            for len in lens {
                let frames = chunker.frames(&message(len)).unwrap();
                prop_assert_eq!(reassemble(&mut reassembler, &frames).unwrap(), vec![message(len)]);
            }
        }

        #[test]
        fn random_frames_never_panic(
            frames in proptest::collection::vec(
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 0..80),
                    (0..3u32, 0..4u16, 0..4u16, proptest::collection::vec(any::<u8>(), 0..80))
                        .prop_map(|(id, index, count, payload)| chunk_frame(id, index, count, &payload)),
                ],
                0..20,
            ),
            step_ms in 0..20_000u64,
        ) {
            let mut reassembler = Reassembler::new(&limits());
            let start = Instant::now();
            for (i, frame) in frames.iter().enumerate() {
                let now = start + Duration::from_millis(step_ms * i as u64);
                if let Ok(Some(message)) = reassembler.push(frame, now) {
                    prop_assert!(message.len() <= limits().max_message_bytes);
                }
                prop_assert!(reassembler.partial_messages() <= limits().max_partial_messages);
                prop_assert!(reassembler.partial_bytes() <= limits().max_partial_bytes);
            }
        }
    }
}
