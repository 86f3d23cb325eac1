//! The rate limit of one signaling connection: a token bucket that every frame
//! the client sends draws from (text, binary, ping and pong alike, so no kind
//! of frame is a free way to make the server work), and strikes for the frames
//! dropped over it. Setting up a WebRTC connection takes a burst of candidates,
//! so the burst is generous and the sustained rate is not.

use std::time::{Duration, Instant};

use inkmesh_transport::TokenBucket;

/// What to do with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the rate: handle it.
    Allow,
    /// Over the rate: drop it. `report` is set for the first drop in a
    /// window, which the client is told about (once, so that error replies
    /// never outnumber what the rate allows).
    Drop { report: bool },
    /// Over the rate for too long: close the connection.
    Disconnect,
}

/// The bucket, and the strikes counted over a window.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    bucket: TokenBucket,
    max_strikes: u32,
    window: Duration,
    strikes: u32,
    window_start: Instant,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: f64, max_strikes: u32, window: Duration, now: Instant) -> Self {
        Self {
            bucket: TokenBucket::new(rate, burst, now),
            max_strikes,
            window,
            strikes: 0,
            window_start: now,
        }
    }

    /// Judges one frame arriving at `now`.
    pub fn frame(&mut self, now: Instant) -> Verdict {
        if self.bucket.take(now) {
            return Verdict::Allow;
        }
        if now.saturating_duration_since(self.window_start) > self.window {
            self.strikes = 0;
            self.window_start = now;
        }
        self.strikes += 1;
        if self.strikes > self.max_strikes {
            Verdict::Disconnect
        } else {
            Verdict::Drop {
                report: self.strikes == 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_are_reported_once_then_disconnect() {
        let t0 = Instant::now();
        let window = Duration::from_secs(10);
        let mut limiter = RateLimiter::new(10.0, 5.0, 3, window, t0);
        let verdicts: Vec<Verdict> = (0..10).map(|_| limiter.frame(t0)).collect();
        assert_eq!(
            verdicts,
            [
                [Verdict::Allow; 5].as_slice(),
                &[Verdict::Drop { report: true }],
                &[Verdict::Drop { report: false }; 2],
                &[Verdict::Disconnect; 2],
            ]
            .concat()
        );
        // A new window forgives old strikes.
        let mut limiter = RateLimiter::new(10.0, 1.0, 3, window, t0);
        assert_eq!(limiter.frame(t0), Verdict::Allow);
        assert_eq!(limiter.frame(t0), Verdict::Drop { report: true });
        let later = t0 + window + Duration::from_millis(1);
        limiter.bucket = TokenBucket::new(0.0, 0.0, later);
        assert_eq!(limiter.frame(later), Verdict::Drop { report: true });
    }
}
