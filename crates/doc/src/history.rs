//! Per-user undo and redo.
//!
//! Only transactions with the [`LOCAL`] origin are tracked, so remote edits never
//! enter this user's stacks and undo never removes another user's work. yrs
//! groups tracked transactions by time; we group them by action instead, so that
//! a whole stroke or a whole drag is one step however slowly it was made.

use yrs::undo::Options;
use yrs::{Doc, MapRef, UndoManager};

use crate::origin::LOCAL;

/// Edits that continue one undo step while they repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Group {
    Stroke(String),
    Text(String),
    Move(Vec<String>),
}

pub(crate) struct History {
    undo: UndoManager,
    /// The group of the step being captured; `None` means the next edit starts a new step.
    current: Option<Group>,
}

impl History {
    pub(crate) fn new(doc: &Doc, elements: &MapRef, meta: &MapRef) -> Self {
        let options = Options {
            // Steps end only when `start` says so, never by time.
            capture_timeout_millis: u64::MAX,
            ..Options::default()
        };
        let mut undo = UndoManager::with_options(options);
        undo.expand_scope(doc, elements);
        undo.expand_scope(doc, meta);
        undo.include_origin(LOCAL);
        Self {
            undo,
            current: None,
        }
    }

    /// Called before every local edit: continues the current step if `group` is
    /// the same as the last edit's, else starts a new one.
    pub(crate) fn start(&mut self, group: Option<Group>) {
        if group.is_none() || group != self.current {
            self.undo.reset();
        }
        self.current = group;
    }

    pub(crate) fn stop_capturing(&mut self) {
        self.undo.reset();
        self.current = None;
    }

    pub(crate) fn undo(&mut self) -> bool {
        self.stop_capturing();
        self.undo.undo_blocking()
    }

    pub(crate) fn redo(&mut self) -> bool {
        self.stop_capturing();
        self.undo.redo_blocking()
    }

    pub(crate) fn can_undo(&self) -> bool {
        self.undo.can_undo()
    }

    pub(crate) fn can_redo(&self) -> bool {
        self.undo.can_redo()
    }
}
