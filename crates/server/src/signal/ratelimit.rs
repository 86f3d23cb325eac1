//! A token bucket per signaling connection: `rate` messages a second on
//! average, up to `burst` at once. Setting up a WebRTC connection takes a burst
//! of candidates, so the burst is generous and the sustained rate is not.

use std::time::Instant;

#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(rate: f64, burst: f64, now: Instant) -> Self {
        Self {
            tokens: burst,
            rate,
            burst,
            last: now,
        }
    }

    /// Takes one token if there is one.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_rate() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(100.0, 200.0, t0);
        assert_eq!((0..300).filter(|_| bucket.take(t0)).count(), 200);
        let t1 = t0 + Duration::from_millis(100);
        assert_eq!((0..300).filter(|_| bucket.take(t1)).count(), 10);
        let t2 = t1 + Duration::from_secs(60);
        assert_eq!((0..300).filter(|_| bucket.take(t2)).count(), 200);
    }
}
