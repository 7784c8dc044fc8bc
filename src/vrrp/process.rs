//! `vrrp_track_process`, sans-IO: how the number of matching processes becomes a result
//! — keepalived's quorum (`quorum` <= count <= `quorum_max`) with its `fork_delay` (quorum
//! gained must hold that long) and `terminate_delay` (quorum lost must stay lost that
//! long). The daemon counts the processes (process events, or a /proc scan) and reports
//! every new count; every timing rule here is tested in virtual time.

use super::timers::Instant;
use super::track::Health;
use core::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quorum {
    min: u32,
    max: u32,
    fork_delay: Duration,
    terminate_delay: Duration,
    count: u32,
    /// None until the first count (the scan at start).
    up: Option<bool>,
    /// A change that takes effect at a time unless the count changes back first.
    pending: Option<(Instant, bool)>,
}

impl Quorum {
    pub fn new(min: u32, max: u32, fork_delay: Duration, terminate_delay: Duration) -> Quorum {
        Quorum {
            min,
            max,
            fork_delay,
            terminate_delay,
            count: 0,
            up: None,
            pending: None,
        }
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    /// Good while quorum holds, Pending before the first count.
    pub fn health(&self) -> Health {
        match self.up {
            None => Health::Pending,
            Some(true) => Health::Good,
            Some(false) => Health::Failed,
        }
    }

    fn in_range(&self) -> bool {
        (self.min..=self.max).contains(&self.count)
    }

    /// `n` matching processes run now. The first count (the scan at start) decides at
    /// once; later ones go through the delays. Returns the new health when it changed.
    pub fn set_count(&mut self, now: Instant, n: u32) -> Option<Health> {
        self.count = n;
        let target = self.in_range();
        let Some(up) = self.up else {
            self.up = Some(target);
            return Some(self.health());
        };
        match self.pending {
            // Back where it was before the delay ran out: keepalived cancels the timer and
            // nothing changed.
            Some((_, to)) if to != target => self.pending = None,
            Some(_) => {}
            None if target == up => {}
            None => {
                let delay = if target {
                    self.fork_delay
                } else {
                    self.terminate_delay
                };
                if delay.is_zero() {
                    self.up = Some(target);
                    return Some(self.health());
                }
                self.pending = Some((now + delay, target));
            }
        }
        None
    }

    /// When a delayed change is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.map(|p| p.0)
    }

    /// The delay ran out: quorum is what the count says now. Returns the new health
    /// when it changed.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Health> {
        match self.pending {
            Some((at, _)) if at <= now => {
                self.pending = None;
                let up = self.in_range();
                (self.up != Some(up)).then(|| {
                    self.up = Some(up);
                    self.health()
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Instant {
        Instant::from_micros(n * 1000)
    }

    const NONE: Duration = Duration::ZERO;

    #[test]
    fn the_first_count_decides_at_once_then_quorum_changes_follow_each_count() {
        let mut q = Quorum::new(1, u32::MAX, NONE, NONE);
        assert_eq!(q.health(), Health::Pending);
        assert_eq!(q.set_count(ms(0), 1), Some(Health::Good));
        assert_eq!(q.set_count(ms(10), 2), None);
        assert_eq!(q.set_count(ms(20), 1), None);
        assert_eq!(q.set_count(ms(30), 0), Some(Health::Failed));
        assert_eq!(q.set_count(ms(40), 1), Some(Health::Good));
        assert_eq!(q.poll_timeout(), None);
        // Not running at start is a failure at once too.
        let mut q = Quorum::new(1, u32::MAX, Duration::from_secs(5), NONE);
        assert_eq!(q.set_count(ms(0), 0), Some(Health::Failed));
    }

    #[test]
    fn quorum_max_fails_when_too_many_run_and_zero_means_none_may_run() {
        let mut q = Quorum::new(2, 3, NONE, NONE);
        assert_eq!(q.set_count(ms(0), 2), Some(Health::Good));
        assert_eq!(q.set_count(ms(1), 4), Some(Health::Failed));
        assert_eq!(q.set_count(ms(2), 3), Some(Health::Good));
        let mut none = Quorum::new(0, 0, NONE, NONE);
        assert_eq!(none.set_count(ms(0), 0), Some(Health::Good));
        assert_eq!(none.set_count(ms(1), 1), Some(Health::Failed));
    }

    #[test]
    fn terminate_delay_rides_out_a_restart_and_fork_delay_a_short_lived_fork() {
        let d = Duration::from_millis(500);
        let mut q = Quorum::new(1, 1, d, d);
        q.set_count(ms(0), 1);
        // The daemon restarts within the delay: nothing moves.
        assert_eq!(q.set_count(ms(1000), 0), None);
        assert_eq!(q.poll_timeout(), Some(ms(1500)));
        assert_eq!(q.set_count(ms(1200), 1), None);
        assert_eq!(q.poll_timeout(), None);
        assert_eq!(q.handle_timeout(ms(1500)), None);
        assert_eq!(q.health(), Health::Good);
        // It stays down: the failure counts when the delay has passed, not before.
        assert_eq!(q.set_count(ms(2000), 0), None);
        assert_eq!(q.handle_timeout(ms(2499)), None);
        assert_eq!(q.handle_timeout(ms(2500)), Some(Health::Failed));
        // A fork beyond quorum_max (1) that exits within fork_delay changes nothing.
        let mut q = Quorum::new(1, 1, d, d);
        q.set_count(ms(0), 1);
        assert_eq!(q.set_count(ms(100), 2), None);
        assert_eq!(q.poll_timeout(), Some(ms(600)));
        assert_eq!(q.set_count(ms(150), 1), None);
        assert_eq!(q.poll_timeout(), None);
        // Back up after a loss: fork_delay applies to the gain.
        q.set_count(ms(1000), 0);
        assert_eq!(q.handle_timeout(ms(1500)), Some(Health::Failed));
        assert_eq!(q.set_count(ms(2000), 1), None);
        assert_eq!(q.handle_timeout(ms(2500)), Some(Health::Good));
    }

    #[test]
    fn a_timeout_judges_the_count_at_expiry() {
        let d = Duration::from_millis(500);
        let mut q = Quorum::new(2, u32::MAX, NONE, d);
        q.set_count(ms(0), 3);
        // 3 -> 1 (lost) -> 0 (still lost): one pending change, judged at 1000 + 500.
        assert_eq!(q.set_count(ms(1000), 1), None);
        assert_eq!(q.set_count(ms(1100), 0), None);
        assert_eq!(q.poll_timeout(), Some(ms(1500)));
        assert_eq!(q.handle_timeout(ms(1500)), Some(Health::Failed));
        assert_eq!(q.count(), 0);
    }
}
