//! The board channel's frames, and the y-protocols messages they carry.
//!
//! A frame starts with its type: [`WHOLE_FRAME`] (a whole y-protocols message
//! follows) or [`CHUNK_FRAME`] (a piece of one, see [`super::chunk`]). A
//! y-protocols message is what `yrs::sync::Message` encodes in v1 and what
//! `y-protocols/sync.js` and `awareness.js` read: a varuint message type, then
//! for sync a varuint sync type and a varbuf payload, for awareness a varbuf
//! awareness update.
//!
//! [`BoardMessage`] keeps payloads as bytes, not as decoded yrs values: a state
//! vector or awareness update decoded into yrs's hash maps and encoded again
//! would not give back the bytes that arrived, and the board and presence table
//! decode them anyway. The encoder is therefore lib0's primitives, checked
//! against `yrs::sync::Message` byte for byte in the tests.

use yrs::sync::protocol::{
    MSG_AWARENESS, MSG_SYNC, MSG_SYNC_STEP_1, MSG_SYNC_STEP_2, MSG_SYNC_UPDATE,
};

use super::lib0::{self, Reader};
use super::links::{self, MSG_LINKS};
use super::ProtocolError;
use crate::signaling::PeerId;

/// First byte of a frame that holds a whole message.
pub const WHOLE_FRAME: u8 = 0x00;
/// First byte of a frame that holds one chunk of a message.
pub const CHUNK_FRAME: u8 = 0x01;

/// One board-channel message: y-protocols' sync messages and awareness, and
/// Inkmesh's links report.
#[derive(Debug, Clone, PartialEq)]
pub enum BoardMessage {
    /// The sender's state vector (v1): "send me what I am missing".
    SyncStep1(Vec<u8>),
    /// The answer to a step 1: a v1 update with everything the asker lacked.
    SyncStep2(Vec<u8>),
    /// A v1 update made after the sync, sent as it happens.
    Update(Vec<u8>),
    /// A y-protocols awareness update (see [`super::presence`]).
    Awareness(Vec<u8>),
    /// A member's live direct links, to the keeper (see [`super::links`]).
    Links(Vec<PeerId>),
}

impl BoardMessage {
    pub fn encode(&self) -> Vec<u8> {
        let (kind, sync_kind, payload) = match self {
            BoardMessage::SyncStep1(sv) => (MSG_SYNC, Some(MSG_SYNC_STEP_1), sv),
            BoardMessage::SyncStep2(update) => (MSG_SYNC, Some(MSG_SYNC_STEP_2), update),
            BoardMessage::Update(update) => (MSG_SYNC, Some(MSG_SYNC_UPDATE), update),
            BoardMessage::Awareness(update) => (MSG_AWARENESS, None, update),
            BoardMessage::Links(ids) => {
                let mut out = vec![MSG_LINKS];
                links::encode_body(&mut out, ids);
                return out;
            }
        };
        let mut out = Vec::with_capacity(payload.len() + 12);
        lib0::write_varuint(&mut out, kind.into());
        if let Some(sync_kind) = sync_kind {
            lib0::write_varuint(&mut out, sync_kind.into());
        }
        lib0::write_varbuf(&mut out, payload);
        out
    }

    /// Reads exactly one message: trailing bytes are an error. A state vector is
    /// checked here, and an update's client count is checked against its
    /// length, because yrs reserves memory from those counts before it reads
    /// the entries they announce.
    pub fn decode(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let mut reader = Reader::new(bytes);
        let kind = reader.varuint().map_err(malformed)?;
        let message = if kind == u64::from(MSG_SYNC) {
            let sync_kind = reader.varuint().map_err(malformed)?;
            let payload = reader.varbuf().map_err(malformed)?;
            match u8::try_from(sync_kind) {
                Ok(MSG_SYNC_STEP_1) => {
                    check_state_vector(payload)?;
                    BoardMessage::SyncStep1(payload.to_vec())
                }
                Ok(MSG_SYNC_STEP_2) => {
                    check_update_header(payload)?;
                    BoardMessage::SyncStep2(payload.to_vec())
                }
                Ok(MSG_SYNC_UPDATE) => {
                    check_update_header(payload)?;
                    BoardMessage::Update(payload.to_vec())
                }
                _ => {
                    return Err(ProtocolError::Malformed(format!(
                        "unknown sync message type {sync_kind}"
                    )))
                }
            }
        } else if kind == u64::from(MSG_AWARENESS) {
            BoardMessage::Awareness(reader.varbuf().map_err(malformed)?.to_vec())
        } else if kind == u64::from(MSG_LINKS) {
            BoardMessage::Links(links::decode_body(&mut reader)?)
        } else {
            return Err(ProtocolError::UnsupportedMessage(kind));
        };
        reader.finish().map_err(malformed)?;
        Ok(message)
    }
}

fn malformed(reason: &str) -> ProtocolError {
    ProtocolError::Malformed(reason.to_owned())
}

/// A v1 state vector: varuint count, then count pairs of varuint client id and
/// varuint clock (below 2^32, as yrs stores clocks), and nothing after.
fn check_state_vector(bytes: &[u8]) -> Result<(), ProtocolError> {
    let mut reader = Reader::new(bytes);
    let count = reader.varuint().map_err(malformed)?;
    for _ in 0..count {
        reader.varuint().map_err(malformed)?;
        let clock = reader.varuint().map_err(malformed)?;
        if clock > u64::from(u32::MAX) {
            return Err(malformed("state vector clock above 2^32 - 1"));
        }
    }
    reader
        .finish()
        .map_err(|_| malformed("trailing bytes after the state vector"))
}

/// A v1 update opens with its number of clients, and each client's section
/// takes at least 3 bytes (block count, client id, first clock).
fn check_update_header(bytes: &[u8]) -> Result<(), ProtocolError> {
    let mut reader = Reader::new(bytes);
    let clients = reader.varuint().map_err(malformed)?;
    if clients > (reader.remaining() / 3) as u64 {
        return Err(malformed("update announces more clients than it has bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::hex;
    use proptest::prelude::*;
    use yrs::sync::{Message, SyncMessage};
    use yrs::updates::decoder::Decode;
    use yrs::updates::encoder::Encode;
    use yrs::{ClientID, StateVector};

    /// State vector {client 1234: clock 5}.
    const SV: [u8; 4] = [0x01, 0xd2, 0x09, 0x05];

    #[test]
    fn sync_step_1_matches_protocol_md() {
        let message = BoardMessage::SyncStep1(SV.to_vec());
        let bytes = message.encode();
        assert_eq!(hex(&bytes), "00 00 04 01 d2 09 05");
        assert_eq!(BoardMessage::decode(&bytes).unwrap(), message);
    }

    #[test]
    fn empty_update_step_2_matches_protocol_md() {
        let bytes = BoardMessage::SyncStep2(vec![0x00, 0x00]).encode();
        assert_eq!(hex(&bytes), "00 01 02 00 00");
        let bytes = BoardMessage::Update(vec![0x00, 0x00]).encode();
        assert_eq!(hex(&bytes), "00 02 02 00 00");
    }

    #[test]
    fn encoding_is_what_yrs_encodes() {
        let mut sv = StateVector::default();
        sv.set_max(ClientID::new(1234), 5);
        assert_eq!(
            BoardMessage::SyncStep1(SV.to_vec()).encode(),
            Message::Sync(SyncMessage::SyncStep1(sv.clone())).encode_v1()
        );
        let update = vec![0x00, 0x00];
        assert_eq!(
            BoardMessage::SyncStep2(update.clone()).encode(),
            Message::Sync(SyncMessage::SyncStep2(update.clone())).encode_v1()
        );
        assert_eq!(
            BoardMessage::Update(update.clone()).encode(),
            Message::Sync(SyncMessage::Update(update)).encode_v1()
        );
        let awareness = [0x01, 0xd2, 0x09, 0x01, 0x04, b'n', b'u', b'l', b'l'];
        let ours = BoardMessage::Awareness(awareness.to_vec()).encode();
        let yrs_update = yrs::sync::AwarenessUpdate::decode_v1(&awareness).unwrap();
        assert_eq!(ours, Message::Awareness(yrs_update.clone()).encode_v1());
        assert_eq!(
            Message::decode_v1(&ours).unwrap(),
            Message::Awareness(yrs_update)
        );
        assert_eq!(
            Message::decode_v1(&BoardMessage::SyncStep1(SV.to_vec()).encode()).unwrap(),
            Message::Sync(SyncMessage::SyncStep1(sv))
        );
    }

    #[test]
    fn other_message_types_are_unsupported() {
        for (bytes, kind) in [
            (Message::Auth(None).encode_v1(), 2),
            (Message::AwarenessQuery.encode_v1(), 3),
            (Message::Custom(5, vec![1, 2]).encode_v1(), 5),
            (Message::Custom(7, vec![1, 2]).encode_v1(), 7),
        ] {
            assert!(
                matches!(
                    BoardMessage::decode(&bytes),
                    Err(ProtocolError::UnsupportedMessage(k)) if k == kind
                ),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn malformed_messages_are_refused() {
        let bad: &[&[u8]] = &[
            &[],
            &[0x00],
            &[0x00, 0x03, 0x00],                   // unknown sync type
            &[0x00, 0x02, 0x05, 0x00],             // payload past the end
            &[0x00, 0x02, 0x02, 0x00, 0x00, 0x00], // trailing byte
            &[0x00, 0x00, 0x02, 0x01, 0x01],       // state vector missing a clock
            &[0x00, 0x00, 0x03, 0x00, 0x00, 0x00], // bytes after the state vector
            // a state vector of 2^32 entries in 5 bytes
            &[0x00, 0x00, 0x05, 0x80, 0x80, 0x80, 0x80, 0x10],
            // a client id of 2^53, over what JavaScript and yrs hold
            &[
                0x00, 0x00, 0x0a, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00,
            ],
            // an update announcing 2^21 clients in 4 bytes
            &[0x00, 0x02, 0x04, 0x80, 0x80, 0x80, 0x01],
            &[0x01],
            &[0x01, 0x01],
        ];
        for bytes in bad {
            assert!(
                matches!(
                    BoardMessage::decode(bytes),
                    Err(ProtocolError::Malformed(_))
                ),
                "{bytes:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn messages_round_trip(kind in 0..5u8, payload in proptest::collection::vec(any::<u8>(), 0..300)) {
            let message = match kind {
                0 => BoardMessage::Awareness(payload),
                4 => BoardMessage::Links(payload.chunks(7).map(|c| format!("p-{}", hex(c))).collect()),
                // Sync payloads must be a plausible state vector or update.
                1 => BoardMessage::SyncStep1([&[1u8][..], &[payload.len() as u8 & 0x7f, 1]].concat()),
                2 => BoardMessage::SyncStep2([&[0u8][..], &payload].concat()),
                _ => BoardMessage::Update([&[0u8][..], &payload].concat()),
            };
            prop_assert_eq!(BoardMessage::decode(&message.encode()).unwrap(), message);
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = BoardMessage::decode(&bytes);
        }
    }
}
