//! A token bucket: the rate limits of a signaling connection (the server's
//! `signal/ratelimit.rs`) and of a link's sync step 1s (`protocol/session.rs`).

use std::time::Instant;

/// Takes per second on average (`rate`), up to `burst` at once; full at
/// first. Continuous: it refills by fractions of a token.
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
    use std::time::Duration;

    use super::*;

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
