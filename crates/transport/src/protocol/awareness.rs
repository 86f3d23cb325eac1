//! The y-protocols awareness update, as `y-protocols/awareness.js` encodes it:
//! a varuint entry count, then per entry a varuint client id, a varuint clock
//! and a varstring JSON state (`null`: the client left).
//!
//! Not `yrs::sync::AwarenessUpdate`: it collects entries into a hash map keyed
//! by a `ClientID`, which debug-asserts on ids over 53 bits and loses the order
//! and repeats that awareness.js applies one by one. The tests check that yrs
//! and this module read each other's bytes.

use super::lib0::{self, Reader};
use super::ProtocolError;
use crate::limits::{MAX_CLIENTS_PER_UPDATE, MAX_PRESENCE_JSON_BYTES};

/// One client's entry, its JSON not yet parsed.
#[derive(Debug, PartialEq)]
pub(crate) struct AwarenessEntry<'a> {
    pub(crate) client: u64,
    pub(crate) clock: u64,
    pub(crate) json: &'a str,
}

/// Reads a whole update, refusing more than [`MAX_CLIENTS_PER_UPDATE`] entries
/// (checked before anything is allocated for them) and states over
/// [`MAX_PRESENCE_JSON_BYTES`].
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<AwarenessEntry<'_>>, ProtocolError> {
    let mut reader = Reader::new(bytes);
    let count = reader.varuint().map_err(bad)?;
    if count > MAX_CLIENTS_PER_UPDATE as u64 {
        return Err(ProtocolError::TooManyClientsInUpdate {
            count,
            limit: MAX_CLIENTS_PER_UPDATE,
        });
    }
    let mut entries = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let client = reader.varuint().map_err(bad)?;
        let clock = reader.varuint().map_err(bad)?;
        let json = reader.varbuf().map_err(bad)?;
        if json.len() > MAX_PRESENCE_JSON_BYTES {
            return Err(ProtocolError::PresenceTooLarge {
                len: json.len(),
                limit: MAX_PRESENCE_JSON_BYTES,
            });
        }
        let json = std::str::from_utf8(json).map_err(|_| bad("state is not UTF-8"))?;
        entries.push(AwarenessEntry {
            client,
            clock,
            json,
        });
    }
    reader.finish().map_err(bad)?;
    Ok(entries)
}

/// An update with one entry: how a replica announces its own state.
pub(crate) fn encode(client: u64, clock: u64, json: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() + 16);
    lib0::write_varuint(&mut out, 1);
    lib0::write_varuint(&mut out, client);
    lib0::write_varuint(&mut out, clock);
    lib0::write_varbuf(&mut out, json.as_bytes());
    out
}

/// An update with these entries, in order: what the keeper relays.
pub(crate) fn encode_many<'a>(
    entries: impl ExactSizeIterator<Item = (u64, u64, &'a str)>,
) -> Vec<u8> {
    let mut out = Vec::new();
    lib0::write_varuint(&mut out, entries.len() as u64);
    for (client, clock, json) in entries {
        lib0::write_varuint(&mut out, client);
        lib0::write_varuint(&mut out, clock);
        lib0::write_varbuf(&mut out, json.as_bytes());
    }
    out
}

fn bad(reason: &str) -> ProtocolError {
    ProtocolError::BadPresence(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
    use yrs::updates::decoder::Decode;
    use yrs::updates::encoder::Encode;
    use yrs::ClientID;

    #[test]
    fn leaving_matches_protocol_md() {
        let bytes = encode(1234, 2, "null");
        assert_eq!(
            bytes,
            [0x01, 0xd2, 0x09, 0x02, 0x04, b'n', b'u', b'l', b'l']
        );
        assert_eq!(
            decode(&bytes).unwrap(),
            [AwarenessEntry {
                client: 1234,
                clock: 2,
                json: "null"
            }]
        );
    }

    #[test]
    fn yrs_reads_ours_and_we_read_yrs() {
        let ours = encode(7, 3, r##"{"name":"A","colour":"#000000"}"##);
        let theirs = AwarenessUpdate::decode_v1(&ours).unwrap();
        let entry = &theirs.clients[&ClientID::new(7)];
        assert_eq!(
            (entry.clock, &*entry.json),
            (3, r##"{"name":"A","colour":"#000000"}"##)
        );

        let update = AwarenessUpdate {
            clients: HashMap::from([(
                ClientID::new(99),
                AwarenessUpdateEntry {
                    clock: 12,
                    json: "null".into(),
                },
            )]),
        };
        assert_eq!(
            decode(&update.encode_v1()).unwrap(),
            [AwarenessEntry {
                client: 99,
                clock: 12,
                json: "null"
            }]
        );
    }

    #[test]
    fn bounds_are_enforced() {
        // 1025 entries announced: refused before reading any.
        assert!(matches!(
            decode(&[0x81, 0x08]),
            Err(ProtocolError::TooManyClientsInUpdate { count: 1025, .. })
        ));
        let json = format!("\"{}\"", "x".repeat(MAX_PRESENCE_JSON_BYTES));
        assert!(matches!(
            decode(&encode(1, 1, &json)),
            Err(ProtocolError::PresenceTooLarge { .. })
        ));
        let mut trailing = encode(1, 1, "null");
        trailing.push(0);
        assert!(decode(&trailing).is_err());
        assert!(decode(&[0x01, 0x01, 0x01, 0x01, 0xff]).is_err());
        assert!(decode(&[]).is_err());
    }
}
