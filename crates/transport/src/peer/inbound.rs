//! A link's readers: frames from the peer on their way to the room, within the
//! link's inbound budget.
//!
//! Every link's frames go to the room through one queue, which the room task
//! drains as fast as it can handle them. A peer that sends faster than that
//! must not grow the queue without bound, nor slow the other links down: each
//! frame takes its bytes (plus a fixed overhead) from its own link's budget
//! until the room is done with it, and a reader whose budget is spent waits.
//! A waiting reader stops reading its data channel, so webrtc stops reading
//! that peer's SCTP association and its receive window closes: the peer slows
//! down, and nobody else does.

use std::ops::Deref;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};
use webrtc::data_channel::{DataChannel, DataChannelEvent};

use super::{LinkEvent, LinkEvents, LinkId, BOARD_CHANNEL, CURSOR_CHANNEL};
use crate::limits::INBOUND_FRAME_OVERHEAD_BYTES;

/// A frame from the peer. It holds its share of the link's inbound budget
/// until dropped.
#[derive(Debug)]
pub struct InboundFrame {
    bytes: Vec<u8>,
    _budget: OwnedSemaphorePermit,
}

impl Deref for InboundFrame {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// The bytes one link may have waiting for the room.
#[derive(Clone)]
pub(super) struct InboundBudget {
    permits: Arc<Semaphore>,
    /// The whole budget, which also caps what one frame is charged.
    total: u32,
}

impl InboundBudget {
    pub(super) fn new(bytes: usize) -> Self {
        let total = bytes.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
        Self {
            permits: Arc::new(Semaphore::new(total)),
            total: total as u32,
        }
    }

    /// Charges `bytes` against the budget, waiting while it is spent (and
    /// saying so once per wait); `None` if the room is gone.
    async fn admit(
        &self,
        bytes: Vec<u8>,
        link: &LinkId,
        events: &LinkEvents,
    ) -> Option<InboundFrame> {
        let cost = u32::try_from(bytes.len().saturating_add(INBOUND_FRAME_OVERHEAD_BYTES))
            .unwrap_or(u32::MAX)
            .min(self.total);
        let permit = match self.permits.clone().try_acquire_many_owned(cost) {
            Ok(permit) => permit,
            Err(TryAcquireError::NoPermits) => {
                events.send((link.clone(), LinkEvent::InboundFull)).ok()?;
                self.permits.clone().acquire_many_owned(cost).await.ok()?
            }
            Err(TryAcquireError::Closed) => return None,
        };
        Some(InboundFrame {
            bytes,
            _budget: permit,
        })
    }
}

/// Reads the board channel until it closes. A text message is reported and
/// ends the reading: the room disconnects the peer for it.
pub(super) async fn read_board(
    link: LinkId,
    channel: Arc<dyn DataChannel>,
    events: LinkEvents,
    budget: InboundBudget,
) {
    while let Some(event) = channel.poll().await {
        let event = match event {
            DataChannelEvent::OnOpen => LinkEvent::Open,
            DataChannelEvent::OnMessage(message) if message.is_string => {
                let _ = events.send((link, LinkEvent::Text(BOARD_CHANNEL.0)));
                return;
            }
            DataChannelEvent::OnMessage(message) => {
                match budget.admit(message.data.to_vec(), &link, &events).await {
                    Some(frame) => LinkEvent::Board(frame),
                    None => return,
                }
            }
            DataChannelEvent::OnClose => break,
            _ => continue,
        };
        if events.send((link.clone(), event)).is_err() {
            return;
        }
    }
    let _ = events.send((link, LinkEvent::Closed("board channel closed".into())));
}

/// Reads the cursor channel until it closes, within the same budget as the
/// board channel.
pub(super) async fn read_cursor(
    link: LinkId,
    channel: Arc<dyn DataChannel>,
    events: LinkEvents,
    budget: InboundBudget,
) {
    while let Some(event) = channel.poll().await {
        let DataChannelEvent::OnMessage(message) = event else {
            continue;
        };
        if message.is_string {
            let _ = events.send((link, LinkEvent::Text(CURSOR_CHANNEL.0)));
            return;
        }
        let Some(frame) = budget.admit(message.data.to_vec(), &link, &events).await else {
            return;
        };
        if events
            .send((link.clone(), LinkEvent::Cursor(frame)))
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::mpsc;

    use super::*;

    #[tokio::test]
    async fn a_spent_budget_makes_the_reader_wait_until_frames_are_handled() {
        let (events, mut received) = mpsc::unbounded_channel();
        let peer = LinkId {
            peer: "p".into(),
            serial: 0,
        };
        let budget = InboundBudget::new(3 * (100 + INBOUND_FRAME_OVERHEAD_BYTES));
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(budget.admit(vec![0; 100], &peer, &events).await.unwrap());
        }
        assert!(received.try_recv().is_err());
        let waiting = tokio::spawn({
            let budget = budget.clone();
            let (peer, events) = (peer.clone(), events.clone());
            async move { budget.admit(vec![7; 100], &peer, &events).await }
        });
        // The reader says once that it waits, and waits...
        let (_, event) = received.recv().await.unwrap();
        assert!(matches!(event, LinkEvent::InboundFull));
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        // ...until the room is done with a frame.
        held.pop();
        let frame = waiting.await.unwrap().unwrap();
        assert_eq!(&frame[..], &[7; 100][..]);
    }

    #[tokio::test]
    async fn a_frame_larger_than_the_budget_is_charged_the_whole_budget() {
        let (events, _received) = mpsc::unbounded_channel();
        let budget = InboundBudget::new(1000);
        let frame = budget
            .admit(
                vec![0; 5000],
                &LinkId {
                    peer: "p".into(),
                    serial: 0,
                },
                &events,
            )
            .await
            .unwrap();
        assert_eq!(frame.len(), 5000);
        assert_eq!(budget.permits.available_permits(), 0);
        drop(frame);
        assert_eq!(budget.permits.available_permits(), 1000);
    }
}
