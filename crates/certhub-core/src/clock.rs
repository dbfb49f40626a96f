//! Injected time, so expiry, skew and windows are testable without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time in unix seconds.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the unix epoch.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    }
}

/// A clock that tests set and advance by hand.
#[derive(Debug)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    /// A clock standing at `t`.
    pub fn new(t: i64) -> Self {
        Self(AtomicI64::new(t))
    }
    /// Move the clock forward by `secs`.
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
    /// Set the clock to `t`.
    pub fn set(&self, t: i64) {
        self.0.store(t, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Formats unix seconds as the vendor's `YYYY-MM-DD hh:mm:ss` (UTC+8, as the vendor's console shows).
pub fn format_timestamp(t: i64) -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    match time::OffsetDateTime::from_unix_timestamp(t) {
        Ok(dt) => {
            let dt = dt.to_offset(offset);
            format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", dt.year(), dt.month() as u8, dt.day(), dt.hour(), dt.minute(), dt.second())
        }
        Err(_) => String::new(),
    }
}

/// Parses the vendor's `YYYY-MM-DD hh:mm:ss` (UTC+8) or `YYYY-MM-DD` into unix seconds.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, clock) = match s.split_once(' ') {
        Some((d, c)) => (d, c.trim()),
        None => (s, "00:00:00"),
    };
    let mut d = date.split('-');
    let year: i32 = d.next()?.parse().ok()?;
    let month: u8 = d.next()?.parse().ok()?;
    let day: u8 = d.next()?.parse().ok()?;
    if d.next().is_some() {
        return None;
    }
    let mut c = clock.split(':');
    let hour: u8 = c.next()?.parse().ok()?;
    let minute: u8 = c.next().unwrap_or("0").parse().ok()?;
    let second: u8 = c.next().unwrap_or("0").parse().ok()?;
    let month = time::Month::try_from(month).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let t = time::Time::from_hms(hour, minute, second).ok()?;
    let offset = time::UtcOffset::from_hms(8, 0, 0).ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_offset(offset).unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_in_utc8() {
        // 2019-02-25 16:44:25 UTC is 2019-02-26 00:44:25 in UTC+8.
        assert_eq!(format_timestamp(1551113065), "2019-02-26 00:44:25");
        assert_eq!(parse_timestamp("2019-02-26 00:44:25"), Some(1551113065));
        assert_eq!(parse_timestamp("2019-02-26"), Some(1551110400));
        assert_eq!(parse_timestamp("2019-13-26"), None);
        assert_eq!(parse_timestamp("garbage"), None);
        assert_eq!(parse_timestamp("2019-02-26 25:00:00"), None);
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = FixedClock::new(100);
        assert_eq!(c.now(), 100);
        c.advance(5);
        assert_eq!(c.now(), 105);
        c.set(7);
        assert_eq!(c.now(), 7);
    }
}
