//! keepalived's `interface_up_down_delays { IF DOWN UP }`: a link change of IF counts only
//! once it has lasted DOWN (or UP) — a flap shorter than that changes nothing. As
//! keepalived's `update_interface_flags`: a change back before the delay is over cancels
//! the pending one; the first time an interface comes up is never delayed (nothing to
//! debounce at boot).

use super::timers::Instant;
use core::time::Duration;

/// What a link event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The link state that counts is now `up`.
    Now(bool),
    /// It becomes `up` at `at` unless it changes back first.
    Delayed { up: bool, at: Instant },
    /// It changed back before its delay was over: nothing changes.
    Cancelled,
    /// Nothing new.
    Same,
}

/// One interface's link state as tracking sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Debounce {
    /// The state that counts.
    up: bool,
    /// A change waiting for its delay.
    pending: Option<(bool, Instant)>,
    /// It has been up once (keepalived's `seen_up`).
    seen_up: bool,
}

impl Debounce {
    pub fn new(up: bool) -> Debounce {
        Debounce {
            up,
            pending: None,
            seen_up: up,
        }
    }

    /// The state that counts.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// The kernel says the link is `up` at `now`; `(down, up)` are its delays.
    pub fn event(
        &mut self,
        now: Instant,
        up: bool,
        (down, up_delay): (Duration, Duration),
    ) -> Change {
        if let Some((want, _)) = self.pending {
            if want == up {
                return Change::Same;
            }
            // Back to what counts before the delay was over.
            self.pending = None;
            return Change::Cancelled;
        }
        if up == self.up {
            return Change::Same;
        }
        let delay = if up { up_delay } else { down };
        if self.seen_up && !delay.is_zero() {
            let at = now + delay;
            self.pending = Some((up, at));
            return Change::Delayed { up, at };
        }
        self.commit(up);
        Change::Now(up)
    }

    fn commit(&mut self, up: bool) {
        self.up = up;
        self.seen_up |= up;
        self.pending = None;
    }

    /// When a pending change is due.
    pub fn deadline(&self) -> Option<Instant> {
        self.pending.map(|p| p.1)
    }

    /// A pending change due at `now` takes effect: the new state.
    pub fn fire(&mut self, now: Instant) -> Option<bool> {
        let (up, at) = self.pending?;
        if at > now {
            return None;
        }
        self.commit(up);
        Some(up)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> Instant {
        Instant::from_micros(ms * 1000)
    }
    const DELAYS: (Duration, Duration) = (Duration::from_secs(2), Duration::from_secs(1));

    #[test]
    fn a_flap_shorter_than_the_delay_changes_nothing() {
        let mut d = Debounce::new(true);
        assert_eq!(
            d.event(t(0), false, DELAYS),
            Change::Delayed {
                up: false,
                at: t(2000)
            }
        );
        assert!(d.is_up());
        assert_eq!(d.event(t(500), false, DELAYS), Change::Same);
        assert_eq!(d.event(t(1500), true, DELAYS), Change::Cancelled);
        assert_eq!((d.is_up(), d.deadline()), (true, None));
        assert_eq!(d.fire(t(5000)), None);
    }

    #[test]
    fn a_longer_one_counts_once_its_delay_is_over_and_so_does_coming_back() {
        let mut d = Debounce::new(true);
        d.event(t(0), false, DELAYS);
        assert_eq!(d.deadline(), Some(t(2000)));
        assert_eq!(d.fire(t(1999)), None);
        assert_eq!(d.fire(t(2000)), Some(false));
        assert!(!d.is_up());
        assert_eq!(
            d.event(t(3000), true, DELAYS),
            Change::Delayed {
                up: true,
                at: t(4000)
            }
        );
        assert_eq!(d.fire(t(4000)), Some(true));
        assert!(d.is_up());
    }

    #[test]
    fn without_a_delay_or_before_it_was_ever_up_a_change_counts_at_once() {
        let mut d = Debounce::new(true);
        assert_eq!(d.event(t(0), false, Default::default()), Change::Now(false));
        // Down at start: its first coming up is not delayed, later ones are.
        let mut d = Debounce::new(false);
        assert_eq!(d.event(t(0), true, DELAYS), Change::Now(true));
        assert!(matches!(
            d.event(t(10), false, DELAYS),
            Change::Delayed { .. }
        ));
    }
}
