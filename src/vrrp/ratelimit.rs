//! Rate limiting of "dropped advert" log lines: once per (peer, reason) per window, so a
//! misconfigured peer is named in the log without flooding it (keepalived users' most
//! common split-brain cause is a mismatch nobody saw).
use super::timers::Instant;
use core::time::Duration;
use heapless::Vec;
use std::net::IpAddr;

pub const WINDOW: Duration = Duration::from_secs(60);
const SLOTS: usize = 32;

#[derive(Default)]
pub struct LogLimiter {
    /// (peer, reason, last logged, suppressed since)
    seen: Vec<(IpAddr, &'static str, Instant, u32), SLOTS>,
}

impl LogLimiter {
    /// Whether to log this drop now; if so, also how many identical drops were
    /// suppressed since the last line.
    pub fn admit(&mut self, now: Instant, peer: IpAddr, reason: &'static str) -> Option<u32> {
        if let Some(e) = self.seen.iter_mut().find(|e| e.0 == peer && e.1 == reason) {
            if now.saturating_since(e.2) >= WINDOW {
                let suppressed = e.3;
                e.2 = now;
                e.3 = 0;
                return Some(suppressed);
            }
            e.3 = e.3.saturating_add(1);
            return None;
        }
        if self.seen.is_full() {
            // Forget the entry logged longest ago; a flood of forged sources can only
            // make us log more often, never stop logging a real peer for long.
            let oldest = (0..self.seen.len())
                .min_by_key(|&i| self.seen[i].2)
                .unwrap_or(0);
            self.seen.swap_remove(oldest);
        }
        let _ = self.seen.push((peer, reason, now, 0));
        Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const P: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 12));
    const Q: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 13));
    fn s(secs: u64) -> Instant {
        Instant::from_micros(secs * 1_000_000)
    }

    #[test]
    fn logs_once_per_peer_and_reason_per_minute_and_counts_the_rest() {
        let mut l = LogLimiter::default();
        assert_eq!(l.admit(s(0), P, "auth"), Some(0));
        for i in 1..60 {
            assert_eq!(l.admit(s(i), P, "auth"), None);
        }
        assert_eq!(l.admit(s(60), P, "auth"), Some(59));
    }

    #[test]
    fn another_reason_or_peer_is_logged_independently() {
        let mut l = LogLimiter::default();
        assert_eq!(l.admit(s(0), P, "auth"), Some(0));
        assert_eq!(l.admit(s(1), P, "interval"), Some(0));
        assert_eq!(l.admit(s(2), Q, "auth"), Some(0));
        assert_eq!(l.admit(s(3), P, "auth"), None);
    }

    #[test]
    fn a_full_table_evicts_the_oldest_entry() {
        let mut l = LogLimiter::default();
        for i in 0..SLOTS as u8 {
            let peer = IpAddr::V4(Ipv4Addr::new(198, 51, 100, i));
            assert_eq!(l.admit(s(u64::from(i)), peer, "ttl"), Some(0));
        }
        assert_eq!(l.admit(s(40), P, "ttl"), Some(0));
        // 198.51.100.0 was evicted, so it is logged again at once.
        assert_eq!(
            l.admit(s(41), IpAddr::V4(Ipv4Addr::new(198, 51, 100, 0)), "ttl"),
            Some(0)
        );
    }
}
