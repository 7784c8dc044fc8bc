//! The monotonic clock the core's `Instant` is read from, and wall-clock time for logs.
use crate::vrrp::timers::Instant;

pub fn now() -> Instant {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    Instant::from_micros(ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000)
}

/// UTC wall-clock time of day as (hours, minutes, seconds, milliseconds), for console logs.
pub fn wall_time_of_day() -> (u32, u32, u32, u32) {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: as above, CLOCK_REALTIME.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    let day = ts.tv_sec.rem_euclid(86_400) as u32;
    (
        day / 3600,
        day / 60 % 60,
        day % 60,
        ts.tv_nsec as u32 / 1_000_000,
    )
}
