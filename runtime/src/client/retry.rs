//! When to try again: exponential backoff with jitter (backon), bounded in attempts
//! and total time, with the server's `Retry-After` taking precedence.

use backon::{BackoffBuilder, ExponentialBuilder};
use std::time::Duration;

/// The longest single wait (backoff or `Retry-After`), whatever the policy says.
const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// Retry bounds for one event (or one token request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The first backoff; each next one doubles, with jitter.
    pub initial_backoff: Duration,
    /// No single backoff waits longer than this.
    pub max_backoff: Duration,
    /// Give up when the next wait would end later than this after the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        // No wait beyond `max_elapsed` is ever used; clamping keeps backon's
        // jitter arithmetic (f32 seconds) far from Duration's limits.
        let ceiling = self.max_elapsed.min(MAX_BACKOFF);
        ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff.min(ceiling))
            .with_max_delay(self.max_backoff.min(ceiling))
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_jitter()
            .build()
    }
}

/// `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = at.duration_since(now);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// The state of one retried operation: decides whether and how long to wait.
#[derive(Debug)]
pub(crate) struct Retrier<B> {
    backoff: B,
    started: std::time::Instant,
    max_elapsed: Duration,
}

impl Retrier<()> {
    pub(crate) fn new(policy: &RetryPolicy) -> Retrier<impl Iterator<Item = Duration>> {
        Retrier {
            backoff: policy.backoff(),
            started: std::time::Instant::now(),
            max_elapsed: policy.max_elapsed,
        }
    }
}

impl<B: Iterator<Item = Duration>> Retrier<B> {
    /// The wait before the next attempt, or `None` when the attempts or the time
    /// are used up. `retry_after` (the server's word) replaces the backoff.
    pub(crate) fn next_wait(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        let backoff = self.backoff.next()?;
        let wait = retry_after.unwrap_or(backoff);
        // Saturating: a `Retry-After` of 2^64 - 1 seconds must not overflow;
        // and no wait is longer than a day, whatever the policy allows.
        if wait > MAX_BACKOFF || self.started.elapsed().saturating_add(wait) > self.max_elapsed {
            return None;
        }
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("timestamp");
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn attempts_are_bounded() {
        let policy = RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(1),
            ..RetryPolicy::default()
        };
        let mut r = Retrier::new(&policy);
        assert!(r.next_wait(None).is_some());
        assert!(r.next_wait(None).is_some());
        assert_eq!(r.next_wait(None), None);
    }

    #[test]
    fn time_is_bounded() {
        let policy = RetryPolicy {
            max_elapsed: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        let mut r = Retrier::new(&policy);
        assert_eq!(r.next_wait(Some(Duration::from_secs(30))), None);
    }

    #[test]
    fn absurd_policies_neither_panic_nor_wait_beyond_max_elapsed() {
        let policy = RetryPolicy {
            max_attempts: u32::MAX,
            initial_backoff: Duration::MAX,
            max_backoff: Duration::MAX,
            max_elapsed: Duration::MAX,
        };
        let waits: Vec<Duration> = policy.backoff().take(200).collect();
        assert!(waits.iter().all(|w| *w <= 2 * MAX_BACKOFF), "{waits:?}");
        let mut r = Retrier::new(&policy);
        assert!(r.next_wait(Some(Duration::MAX)).is_none());
    }

    #[test]
    fn a_huge_retry_after_gives_up_without_overflow() {
        let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("timestamp");
        let huge = parse_retry_after("18446744073709551615", now);
        assert_eq!(huge, Some(Duration::from_secs(u64::MAX)));
        let policy = RetryPolicy::default();
        let mut r = Retrier::new(&policy);
        assert_eq!(r.next_wait(huge), None);
        assert_eq!(r.next_wait(Some(Duration::MAX)), None);
        assert_eq!(parse_retry_after("99999999999999999999999", now), None);
    }
}
