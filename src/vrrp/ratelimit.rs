//! Rate limiting of "dropped advert" log lines: once per (peer, reason) per window, so a
//! misconfigured peer is named in the log without flooding it (keepalived users' most
//! common split-brain cause is a mismatch nobody saw). A global budget caps all lines
//! together: forged sources are all "new" peers, and would otherwise be logged packet by
//! packet.
use super::timers::Instant;
use core::time::Duration;
use heapless::Vec;
use std::net::IpAddr;

pub const WINDOW: Duration = Duration::from_secs(60);
const SLOTS: usize = 32;
/// All peers and reasons together: a burst of this many lines (a full table's worth),
/// then one more per REFILL. Everything is still counted in the state dump.
const BURST: u32 = SLOTS as u32;
const REFILL: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct LogLimiter {
    /// (peer, reason, last logged, suppressed since)
    seen: Vec<(IpAddr, &'static str, Instant, u32), SLOTS>,
    /// Lines the global budget still allows, as of `topped_up` (None: untouched, full).
    budget: u32,
    topped_up: Option<Instant>,
}

impl LogLimiter {
    /// Whether to log this drop now; if so, also how many identical drops were
    /// suppressed since the last line.
    pub fn admit(&mut self, now: Instant, peer: IpAddr, reason: &'static str) -> Option<u32> {
        if let Some(i) = self.seen.iter().position(|e| e.0 == peer && e.1 == reason) {
            let due = now.saturating_since(self.seen[i].2) >= WINDOW;
            if due && self.spend(now) {
                let e = &mut self.seen[i];
                let suppressed = e.3;
                e.2 = now;
                e.3 = 0;
                return Some(suppressed);
            }
            let e = &mut self.seen[i];
            e.3 = e.3.saturating_add(1);
            return None;
        }
        if !self.spend(now) {
            return None;
        }
        if self.seen.is_full() {
            // Forget the entry logged longest ago: a flood of forged sources may evict a
            // real peer's entry, so it is logged again — within the global budget.
            let oldest = (0..self.seen.len())
                .min_by_key(|&i| self.seen[i].2)
                .unwrap_or(0);
            self.seen.swap_remove(oldest);
        }
        let _ = self.seen.push((peer, reason, now, 0));
        Some(0)
    }

    /// Take one line from the global budget, topping it up first: one line per REFILL
    /// since the last top-up, at most BURST.
    fn spend(&mut self, now: Instant) -> bool {
        match self.topped_up {
            None => {
                self.budget = BURST;
                self.topped_up = Some(now);
            }
            Some(t) => {
                let refills = (now.saturating_since(t).as_micros() / REFILL.as_micros())
                    .min(u128::from(BURST)) as u32;
                if refills > 0 {
                    self.budget = (self.budget + refills).min(BURST);
                    // A full budget gains nothing from the time it sat full.
                    self.topped_up = Some(if self.budget == BURST {
                        now
                    } else {
                        t + REFILL * refills
                    });
                }
            }
        }
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        true
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

    /// A flood of forged sources (each one new, so each evicts an entry — perhaps a real
    /// peer's) is logged for a burst of BURST lines, then at one line per second, not
    /// packet by packet; the real peer's repeats included.
    #[test]
    fn forged_sources_cannot_log_more_than_the_global_budget() {
        let mut l = LogLimiter::default();
        assert_eq!(l.admit(s(0), P, "auth"), Some(0));
        let mut logged = 1;
        // 10 s at 5000 forged packets a second, each from a new source.
        for i in 0..50_000u32 {
            let now = Instant::from_micros(u64::from(i) * 200);
            let o = i.to_be_bytes();
            let forged = IpAddr::V4(Ipv4Addr::new(198, 51, o[2], o[3]));
            if l.admit(now, forged, "ttl").is_some() {
                logged += 1;
            }
            if l.admit(now, P, "auth").is_some() {
                logged += 1;
            }
        }
        assert!(
            (BURST..=BURST + 10).contains(&logged),
            "{logged} lines in 10 s"
        );
        // The budget refills: after a quiet spell a new complaint is logged at once.
        assert_eq!(l.admit(s(70), Q, "version"), Some(0));
    }
}
