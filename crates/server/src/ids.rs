//! Random ids for members and guests, from the operating system's secure
//! generator: an id must say nothing about the others and be unguessable,
//! since signals are addressed by id and a guest's id is its user id.

use inkmesh_transport::PeerId;

/// Characters of an id's random part (lowercase, so ids read well in logs and
/// survive case-insensitive places).
const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Random characters in an id: 36^12, about 62 bits.
const RANDOM_CHARS: usize = 12;

/// Bytes at or above this would make `byte % 36` favour some characters
/// (256 = 7 × 36 + 4); they are drawn again.
const UNBIASED_BELOW: u8 = (256 - 256 % ALPHABET.len()) as u8;

/// A fresh id: `prefix` and 12 random characters of `0-9a-z`.
pub fn new_peer_id(prefix: &str) -> PeerId {
    let mut id = String::with_capacity(prefix.len() + RANDOM_CHARS);
    id.push_str(prefix);
    let mut bytes = [0u8; 2 * RANDOM_CHARS];
    while id.len() < prefix.len() + RANDOM_CHARS {
        getrandom::fill(&mut bytes).expect("the OS random number generator");
        for byte in bytes.iter().filter(|b| **b < UNBIASED_BELOW) {
            if id.len() == prefix.len() + RANDOM_CHARS {
                break;
            }
            id.push(ALPHABET[usize::from(*byte) % ALPHABET.len()] as char);
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_have_the_format_and_do_not_repeat() {
        let ids: HashSet<String> = (0..1000).map(|_| new_peer_id("p-")).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let tail = id.strip_prefix("p-").expect("the prefix");
            assert_eq!(tail.len(), RANDOM_CHARS);
            assert!(tail.bytes().all(|b| ALPHABET.contains(&b)), "{id}");
        }
        // Every character is used: nothing is stuck.
        let used: HashSet<char> = ids.iter().flat_map(|id| id[2..].chars()).collect();
        assert_eq!(used.len(), ALPHABET.len());
    }
}
