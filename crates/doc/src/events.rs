//! Change events: which elements a transaction added, changed or removed, and
//! whether it was local or remote. Renderers redraw just those; the server
//! counts and persists them.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};

use yrs::types::{EntryChange, Event, PathSegment};
use yrs::{DeepObservable, Doc, MapRef, Origin};

use crate::board::Board;
use crate::origin::ChangeOrigin;

/// The element ids one transaction touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardChange {
    pub added: BTreeSet<String>,
    /// Changed in place (any field, text or points), not added or removed.
    pub changed: BTreeSet<String>,
    pub removed: BTreeSet<String>,
    pub origin: ChangeOrigin,
}

impl Board {
    /// Calls `f` after every transaction that touches elements, until the
    /// returned subscription is dropped.
    pub fn observe<F>(&self, f: F) -> Subscription
    where
        F: Fn(&BoardChange) + Send + Sync + 'static,
    {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let key = Origin::from(format!(
            "inkmesh:changes:{}",
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        self.elements.observe_deep(key.clone(), move |txn, events| {
            let mut change = BoardChange {
                added: BTreeSet::new(),
                changed: BTreeSet::new(),
                removed: BTreeSet::new(),
                origin: ChangeOrigin::of(txn),
            };
            for event in events.iter() {
                let path = event.path();
                match (path.front(), event) {
                    // The elements map itself: entries added, replaced or removed.
                    (None, Event::Map(map_event)) => {
                        for (id, entry) in map_event.keys(txn) {
                            let set = match entry {
                                EntryChange::Inserted(_) => &mut change.added,
                                EntryChange::Updated(..) => &mut change.changed,
                                EntryChange::Removed(_) => &mut change.removed,
                            };
                            set.insert(id.to_string());
                        }
                    }
                    // Something inside an element.
                    (Some(PathSegment::Key(id)), _) => {
                        change.changed.insert(id.to_string());
                    }
                    _ => {}
                }
            }
            change
                .changed
                .retain(|id| !change.added.contains(id) && !change.removed.contains(id));
            f(&change);
        });
        Subscription {
            _doc: self.doc.clone(),
            elements: self.elements.clone(),
            key,
        }
    }
}

/// Stops an [`Board::observe`] callback when dropped.
pub struct Subscription {
    /// Keeps the document, and so the branch `elements` points into, alive.
    _doc: Doc,
    elements: MapRef,
    key: Origin,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.elements.unobserve_deep(self.key.clone());
    }
}
