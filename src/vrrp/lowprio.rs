//! A Master hearing a lower priority. RFC 5798 §6.4.3 discards such an advert; keepalived
//! answers it — an advert of its own, so the other Master steps down at once, and
//! gratuitous ARPs (NAs), since the other Master's pointed clients at its MAC — and so do
//! we, with keepalived's knobs. Unlike keepalived, not every one: an on-link host sending
//! lower-priority adverts by the hundred thousand would turn each into an advert and a
//! burst of broadcast frames (and a log line). A genuine other Master advertises once per
//! interval and steps down on our first answer, or on our next regular advert; one answer
//! per `ANSWER_HOLDOFF` loses it nothing.

use super::timers::Instant;
use core::time::Duration;

/// At most one answer this often (or once per advert interval, if longer).
pub const ANSWER_HOLDOFF: Duration = Duration::from_secs(1);

/// keepalived's `lower_prio_no_advert`, `garp_lower_prio_repeat`, `garp_lower_prio_delay`
/// (and their `vrrp_` globals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowerPrio {
    /// Answer with gratuitous ARPs only, no advert.
    pub no_advert: bool,
    /// GARPs (NAs) per VIP in each answering burst; 0: none.
    pub garp_repeat: u8,
    /// A second burst this long after the answer; zero: none.
    pub garp_delay: Duration,
}

impl Default for LowerPrio {
    /// keepalived's: the global garp_master_repeat and garp_master_delay defaults.
    fn default() -> Self {
        LowerPrio {
            no_advert: false,
            garp_repeat: 5,
            garp_delay: Duration::from_secs(5),
        }
    }
}

/// When the Master last answered a lower priority.
#[derive(Debug, Clone, Copy, Default)]
pub struct Answers {
    last: Option<Instant>,
}

impl Answers {
    /// A lower-priority advert heard at `now` by a Master advertising every `interval`:
    /// whether to answer it.
    pub fn admit(&mut self, now: Instant, interval: Duration) -> bool {
        let holdoff = ANSWER_HOLDOFF.max(interval);
        if self
            .last
            .is_some_and(|at| now.saturating_since(at) < holdoff)
        {
            return false;
        }
        self.last = Some(now);
        true
    }

    /// The next re-announcement after `after` that the last answer asks for: one advert
    /// interval after it (the other Master's own GARPs may have overtaken ours; by then
    /// it has stepped down), and `garp_delay` after it.
    pub fn next_garp(&self, after: Instant, interval: Duration, lp: &LowerPrio) -> Option<Instant> {
        let at = self.last?;
        if lp.garp_repeat == 0 {
            return None;
        }
        let delayed = (!lp.garp_delay.is_zero()).then(|| at + lp.garp_delay);
        [Some(at + interval), delayed]
            .into_iter()
            .flatten()
            .filter(|&t| t > after)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Instant {
        Instant::from_micros(n * 1000)
    }

    #[test]
    fn one_answer_per_second_or_per_interval_if_longer() {
        let mut a = Answers::default();
        let second = Duration::from_secs(1);
        assert!(a.admit(ms(0), Duration::from_millis(10)));
        assert!(!a.admit(ms(999), Duration::from_millis(10)));
        assert!(a.admit(ms(1000), Duration::from_millis(10)));
        assert!(!a.admit(ms(2999), 2 * second));
        assert!(a.admit(ms(3000), 2 * second));
    }

    #[test]
    fn the_answer_is_repeated_after_an_interval_and_after_garp_lower_prio_delay() {
        let mut a = Answers::default();
        let lp = LowerPrio::default();
        let second = Duration::from_secs(1);
        assert_eq!(a.next_garp(ms(0), second, &lp), None);
        a.admit(ms(100), second);
        assert_eq!(a.next_garp(ms(100), second, &lp), Some(ms(1100)));
        assert_eq!(a.next_garp(ms(1100), second, &lp), Some(ms(5100)));
        assert_eq!(a.next_garp(ms(5100), second, &lp), None);
        let no_delay = LowerPrio {
            garp_delay: Duration::ZERO,
            ..lp
        };
        assert_eq!(a.next_garp(ms(1100), second, &no_delay), None);
        let no_garp = LowerPrio {
            garp_repeat: 0,
            ..lp
        };
        assert_eq!(a.next_garp(ms(100), second, &no_garp), None);
    }
}
