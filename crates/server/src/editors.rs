//! Who edited a board since its last version: the names a keeper records as
//! it applies members' updates, stored with the next version
//! ([`crate::stores::VersionInfo`]) so the history can say who changed what
//! when.
//!
//! A member is credited when the keeper applies an update that came over
//! their link. In a mesh room a member may pass on someone else's edit the
//! keeper has not had yet (its own link to the author lagging), crediting the
//! wrong person for that edit; the star topology has no such case, and in a
//! mesh the author's own link usually delivers first. The credit is taken when
//! the keeper handles the member's event, just after the board applied the
//! update. The keeper handles waiting events before it compacts, so only an
//! edit applied in the instant between the board taking it and the room
//! reporting it may be credited to the next version instead.
//!
//! Memory is bounded: at most [`HISTORY_EDITORS`] names, and a cache of
//! members already credited of a few times that, past which a member is looked
//! up again rather than remembered.

use std::collections::HashSet;

use inkmesh_transport::PeerId;

use crate::limits::HISTORY_EDITORS;
use crate::stores::VersionInfo;

/// Members remembered as credited already, so a busy editor's every update
/// does not cost a lookup of their name.
const CREDITED_CACHE: usize = 4 * HISTORY_EDITORS;

/// The editors since the last version.
#[derive(Debug, Default, Clone)]
pub struct Editors {
    names: Vec<String>,
    more: bool,
    credited: HashSet<PeerId>,
}

impl Editors {
    /// Whether crediting `peer` could change anything: not when they are
    /// credited already, or when the list is full and known to overflow.
    pub fn wants(&self, peer: &str) -> bool {
        let full = self.more && self.names.len() >= HISTORY_EDITORS;
        !full && !self.credited.contains(peer)
    }

    /// Credits `peer`, named `name`, with an edit.
    pub fn credit(&mut self, peer: &str, name: &str) {
        if !self.names.iter().any(|n| n == name) {
            if self.names.len() < HISTORY_EDITORS {
                self.names.push(name.to_owned());
            } else {
                self.more = true;
            }
        }
        if self.credited.len() < CREDITED_CACHE {
            self.credited.insert(peer.to_owned());
        }
    }

    /// Takes the editors recorded so far for a version of `elements`
    /// elements, starting a new list.
    pub fn take(&mut self, elements: u64) -> VersionInfo {
        let taken = std::mem::take(self);
        VersionInfo {
            elements,
            editors: taken.names,
            more_editors: taken.more,
            images: Vec::new(),
        }
    }

    /// Puts back the editors of a version that could not be stored, ahead of
    /// those recorded since: the next version covers both.
    pub fn restore(&mut self, unstored: VersionInfo) {
        let since = std::mem::take(&mut self.names);
        self.more |= unstored.more_editors;
        for name in unstored.editors.into_iter().chain(since) {
            if self.names.contains(&name) {
                continue;
            }
            if self.names.len() < HISTORY_EDITORS {
                self.names.push(name);
            } else {
                self.more = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(n: usize) -> PeerId {
        PeerId::from(format!("p{n}"))
    }

    #[test]
    fn names_in_order_of_first_edit_once_each() {
        let mut editors = Editors::default();
        editors.credit(&peer(1), "Ada");
        editors.credit(&peer(2), "Bob");
        assert!(!editors.wants(&peer(1)));
        // Another member with the same name counts once.
        editors.credit(&peer(3), "Ada");
        let info = editors.take(7);
        assert_eq!(info.editors, vec!["Ada", "Bob"]);
        assert!(!info.more_editors);
        assert_eq!(info.elements, 7);
        assert!(editors.take(0).editors.is_empty(), "take starts afresh");
    }

    #[test]
    fn bounded_with_an_overflow_flag() {
        let mut editors = Editors::default();
        for n in 0..HISTORY_EDITORS * 10 {
            if editors.wants(&peer(n)) {
                editors.credit(&peer(n), &format!("member {n}"));
            }
        }
        assert!(editors.credited.len() <= CREDITED_CACHE);
        let info = editors.take(0);
        assert_eq!(info.editors.len(), HISTORY_EDITORS);
        assert!(info.more_editors);
    }

    #[test]
    fn an_unstored_version_s_editors_come_first() {
        let mut editors = Editors::default();
        editors.credit(&peer(1), "Ada");
        let unstored = editors.take(1);
        editors.credit(&peer(2), "Bob");
        editors.credit(&peer(1), "Ada");
        editors.restore(unstored);
        assert_eq!(editors.take(2).editors, vec!["Ada", "Bob"]);
    }
}
