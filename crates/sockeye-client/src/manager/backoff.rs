//! Reconnection delays: exponential growth with random jitter, capped.

use std::time::Duration;

/// The delay before each reconnection attempt: `delay * 2^attempt`, moved up or down by up to
/// `randomization` of itself, never above `max`.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    jitter: f64,
    attempts: u32,
}

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration, jitter: f64) -> Backoff {
        Backoff {
            min,
            max,
            jitter: jitter.clamp(0.0, 1.0),
            attempts: 0,
        }
    }

    /// Attempts made since the last reset.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The next delay; counts an attempt. `random` is uniform in `[0, 1)`.
    pub(crate) fn next_delay(&mut self, random: f64) -> Duration {
        let base = self.min.as_millis() as f64 * 2f64.powi(self.attempts.min(62) as i32);
        self.attempts = self.attempts.saturating_add(1);
        let deviation = random * self.jitter * base;
        // The low bit of a second draw from the same number picks the direction, so one
        // random value gives both amount and sign.
        let ms = if ((random * 10.0) as u64) & 1 == 0 {
            base - deviation
        } else {
            base + deviation
        };
        Duration::from_millis(ms.max(0.0).round() as u64).min(self.max)
    }

    pub(crate) fn reset(&mut self) {
        self.attempts = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_within_the_jitter_and_caps() {
        let mut b = Backoff::new(
            Duration::from_millis(1000),
            Duration::from_millis(5000),
            0.5,
        );
        assert_eq!(b.next_delay(0.0), Duration::from_millis(1000));
        assert_eq!(b.next_delay(0.0), Duration::from_millis(2000));
        // 4000 +- 0.5 * 0.15 * 4000 (0.15 * 10 = 1: odd, upwards)
        assert_eq!(b.next_delay(0.15), Duration::from_millis(4300));
        assert_eq!(b.next_delay(0.0), Duration::from_millis(5000));
        assert_eq!(b.attempts(), 4);
        b.reset();
        let d = b.next_delay(0.99);
        assert!(d >= Duration::from_millis(500) && d <= Duration::from_millis(1500));
    }
}
