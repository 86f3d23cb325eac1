//! A link's writers: the board queue, which counts what passes through it, and
//! the cursor writer, which never queues.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::sync::{mpsc, watch, Notify};
use webrtc::data_channel::DataChannel;

use crate::limits::CURSOR_BUSY_BYTES;
use crate::protocol::cursor::CursorFrame;

/// What has passed through a link's board queue, as two counters that only
/// grow: bytes handed to the writer, and bytes the writer handed to the
/// channel. Their difference is what is queued; a position in the stream (the
/// end of a given frame) has left once `sent` reaches it.
#[derive(Debug, Default)]
pub(super) struct BoardCounters {
    enqueued: AtomicU64,
    sent: AtomicU64,
    drained: Notify,
}

impl BoardCounters {
    pub(super) fn enqueue(&self, len: usize) {
        self.enqueued.fetch_add(len as u64, Ordering::AcqRel);
    }

    /// A frame that never reached the writer.
    pub(super) fn withdraw(&self, len: usize) {
        self.enqueued.fetch_sub(len as u64, Ordering::AcqRel);
    }

    pub(super) fn enqueued(&self) -> u64 {
        self.enqueued.load(Ordering::Acquire)
    }

    pub(super) fn sent(&self) -> u64 {
        self.sent.load(Ordering::Acquire)
    }

    pub(super) fn queued(&self) -> usize {
        // `sent` first: read the other way round, a frame sent in between
        // would make the difference negative.
        let sent = self.sent();
        usize::try_from(self.enqueued().saturating_sub(sent)).unwrap_or(usize::MAX)
    }

    pub(super) fn drained(&self) -> &Notify {
        &self.drained
    }
}

/// Sends board frames in order, waiting for the channel's send buffer.
pub(super) async fn write_board(
    channel: Arc<dyn DataChannel>,
    mut frames: mpsc::UnboundedReceiver<Vec<u8>>,
    counters: Arc<BoardCounters>,
) {
    while let Some(frame) = frames.recv().await {
        let len = frame.len();
        let sent = channel.send(BytesMut::from(&frame[..])).await;
        counters.sent.fetch_add(len as u64, Ordering::AcqRel);
        counters.drained.notify_waiters();
        if sent.is_err() {
            break;
        }
    }
    frames.close();
    counters.drained.notify_waiters();
}

/// Sends the latest cursor frame whenever the channel can take it. While the
/// channel is busy ([`CURSOR_BUSY_BYTES`] unacknowledged), newer frames
/// replace older ones instead of queueing behind them.
pub(super) async fn write_cursor(
    channel: Arc<dyn DataChannel>,
    mut latest: watch::Receiver<Option<CursorFrame>>,
) {
    while latest.changed().await.is_ok() {
        loop {
            match channel.outstanding_bytes().await {
                Ok(n) if n <= CURSOR_BUSY_BYTES => {}
                Ok(_) => {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                }
                Err(_) => return,
            }
            let Some(frame) = *latest.borrow_and_update() else {
                break;
            };
            if channel
                .send(BytesMut::from(&frame.encode()[..]))
                .await
                .is_err()
            {
                return;
            }
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_mark_positions_in_the_stream() {
        let counters = BoardCounters::default();
        counters.enqueue(100);
        counters.enqueue(50);
        let end_of_second = counters.enqueued();
        assert_eq!((counters.queued(), end_of_second), (150, 150));
        counters.sent.fetch_add(100, Ordering::AcqRel);
        assert!(counters.sent() < end_of_second);
        counters.enqueue(10);
        counters.withdraw(10);
        counters.sent.fetch_add(50, Ordering::AcqRel);
        assert!(counters.sent() >= end_of_second);
        assert_eq!(counters.queued(), 0);
    }
}
