//! Token buckets per (key, action), as the vendor limits each API per sub-account.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// One bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Rate limiter keyed by credential and action.
#[derive(Debug)]
pub struct RateLimiter {
    multiplier: f64,
    buckets: Mutex<HashMap<(String, &'static str), Bucket>>,
}

/// Buckets kept before idle ones are swept.
const SWEEP_AT: usize = 100_000;

impl RateLimiter {
    /// A limiter scaling every vendor limit by `multiplier` (0 disables limiting).
    pub fn new(multiplier: f64) -> Self {
        Self { multiplier, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `(key, action)` at `per_second`; false when the bucket is empty.
    pub fn allow(&self, key: &str, action: &'static str, per_second: u32) -> bool {
        if self.multiplier <= 0.0 {
            return true;
        }
        let rate = f64::from(per_second) * self.multiplier;
        let now = Instant::now();
        let Ok(mut map) = self.buckets.lock() else { return true };
        if map.len() > SWEEP_AT {
            map.retain(|_, b| now.duration_since(b.last).as_secs() < 10);
        }
        let b = map.entry((key.to_string(), action)).or_insert(Bucket { tokens: rate, last: now });
        let elapsed = now.duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(rate);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refuse_per_key_and_action() {
        let l = RateLimiter::new(1.0);
        let allowed = (0..15).filter(|_| l.allow("k1", "A", 10)).count();
        assert_eq!(allowed, 10);
        assert!(l.allow("k2", "A", 10), "another key has its own bucket");
        assert!(l.allow("k1", "B", 10), "another action has its own bucket");
        let off = RateLimiter::new(0.0);
        assert!((0..1000).all(|_| off.allow("k", "A", 1)));
    }
}
