//! Time for the sans-IO core: a monotonic instant passed in by the caller, and the
//! RFC timer formulas. Every duration is kept in microseconds so that the RFC's
//! centisecond (v3) and second (v2) quantities never lose their fractions
//! (a v3 Skew_Time of 0.39 cs must not truncate to 0).

use crate::wire::Version;
use core::ops::{Add, Sub};
use core::time::Duration;

/// A point on the caller's monotonic clock, in microseconds since an arbitrary epoch.
/// The core never reads a clock: the daemon passes `now`, tests pass virtual time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    pub const fn from_micros(us: u64) -> Self {
        Instant(us)
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.as_micros() as u64))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_since(earlier)
    }
}

/// An advertisement interval in centiseconds, the unit VRRPv3 carries on the wire
/// (12 bits, 1..=4095). VRRPv2 carries whole seconds; it is stored here as seconds × 100
/// so both versions share one type and one conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Centis(pub u16);

impl Centis {
    pub const fn as_duration(self) -> Duration {
        Duration::from_millis(self.0 as u64 * 10)
    }
}

/// RFC 5798 §6.1 Skew_Time. v3: ((256 - Priority) * Master_Adver_Interval) / 256.
/// v2 (RFC 3768 §6.1): (256 - Priority) / 256 seconds, independent of the interval —
/// keepalived computes it the same way, so mixed clusters agree on who takes over first.
pub fn skew_time(version: Version, priority: u8, master_adver_interval: Duration) -> Duration {
    let weight = 256 - u64::from(priority);
    let base_us = match version {
        Version::V2 => 1_000_000,
        Version::V3 => master_adver_interval.as_micros() as u64,
    };
    Duration::from_micros(weight * base_us / 256)
}

/// RFC 5798 §6.1 Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time.
pub fn master_down_interval(
    version: Version,
    priority: u8,
    master_adver_interval: Duration,
) -> Duration {
    3 * master_adver_interval + skew_time(version, priority, master_adver_interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_skew_time_keeps_sub_centisecond_fractions() {
        // 1 cs interval, priority 254: 2/256 cs = 78 µs, not 0.
        let skew = skew_time(Version::V3, 254, Centis(1).as_duration());
        assert_eq!(skew, Duration::from_micros(78));
    }

    #[test]
    fn v3_skew_time_scales_with_the_interval() {
        let one_s = Centis(100).as_duration();
        assert_eq!(
            skew_time(Version::V3, 100, one_s),
            Duration::from_micros(609_375)
        );
        let tenth = Centis(10).as_duration();
        assert_eq!(
            skew_time(Version::V3, 100, tenth),
            Duration::from_micros(60_937)
        );
    }

    #[test]
    fn v2_skew_time_is_a_fraction_of_one_second_whatever_the_interval() {
        let three_s = Centis(300).as_duration();
        assert_eq!(
            skew_time(Version::V2, 100, three_s),
            Duration::from_micros(609_375)
        );
        assert_eq!(
            skew_time(Version::V2, 150, three_s),
            Duration::from_micros(414_062)
        );
    }

    #[test]
    fn master_down_interval_is_three_intervals_plus_skew() {
        let one_s = Centis(100).as_duration();
        assert_eq!(
            master_down_interval(Version::V2, 100, one_s),
            Duration::from_micros(3_609_375)
        );
        assert_eq!(
            master_down_interval(Version::V3, 255, Centis(10).as_duration()),
            Duration::from_micros(300_390)
        );
    }

    #[test]
    fn instant_arithmetic_saturates_instead_of_panicking() {
        let a = Instant::from_micros(10);
        let b = Instant::from_micros(20);
        assert_eq!(a - b, Duration::ZERO);
        assert_eq!(b - a, Duration::from_micros(10));
        assert_eq!(
            Instant::from_micros(u64::MAX) + Duration::from_secs(1),
            Instant::from_micros(u64::MAX)
        );
    }
}
