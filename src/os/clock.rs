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

/// Wall-clock milliseconds since the Unix epoch (the status's transition times).
pub fn wall_ms() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: as above, CLOCK_REALTIME.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    ts.tv_sec.max(0) as u64 * 1000 + ts.tv_nsec as u64 / 1_000_000
}

/// UTC wall-clock time of day as (hours, minutes, seconds, milliseconds), for console logs.
pub fn wall_time_of_day() -> (u32, u32, u32, u32) {
    let ms = wall_ms();
    let day = (ms / 1000 % 86_400) as u32;
    (day / 3600, day / 60 % 60, day % 60, (ms % 1000) as u32)
}
