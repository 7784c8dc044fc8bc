//! Whether an instance can take part in the election at all, whatever its checks say:
//! a node that cannot hear the others takes over beside the Master (two Masters), and a
//! Master the others cannot hear is taken over from while it keeps the VIPs. Either
//! waits in FAULT (keepalived's state for an instance that cannot run) until what it
//! lacks is back — never a silent Master. And the rule that finds a Master that has
//! become mute: its adverts have all failed for a Master_Down_Interval.

use super::timers::Instant;
use super::track::Verdict;
use core::time::Duration;

/// What an instance lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocker {
    /// Its interface (or that of a VIP's `dev`, or of its virtual MAC) does not exist:
    /// not yet, at boot, or not any more.
    NoInterface,
    /// Its VRRP socket cannot be set up: it could neither hear nor be heard.
    NoSocket,
    /// It cannot join the VRRP multicast group: deaf to the other routers' adverts.
    Deaf,
    /// No address to send adverts from (the interface's IPv4 address, or
    /// `unicast_src_ip`, is gone).
    NoSource,
    /// Its adverts all failed for a Master_Down_Interval (`SendWatch`).
    Mute,
    /// keepalived's `unicast_fault_no_peer`: a unicast instance left with no peer
    /// stays in FAULT rather than falling back to multicast.
    NoPeer,
    /// Its IPv6 link-local address is still in duplicate address detection: it waits
    /// in Initialize (a second or so at boot), not in FAULT.
    Tentative,
}

/// What an instance's own verdict becomes when it lacks something.
pub fn verdict(blocker: Option<Blocker>, tracking: Verdict) -> Verdict {
    match blocker {
        None => tracking,
        Some(Blocker::Tentative) => Verdict::Pending,
        Some(_) => Verdict::Fault,
    }
}

/// After this long in FAULT for being mute, the instance tries again (as Backup: if
/// another Master is heard it stays Backup; alone, it holds the VIPs again — nobody else
/// has them — until its adverts fail for another Master_Down_Interval).
pub const MUTE_RETRY: Duration = Duration::from_secs(30);

/// Failed adverts of one instance.
#[derive(Debug, Clone, Copy, Default)]
pub struct SendWatch {
    /// Since when every advert failed (None: the last one went out).
    failing_since: Option<Instant>,
    /// Mute since then: FAULT until the retry, or until the link or its addresses
    /// change (`clear`).
    mute_since: Option<Instant>,
}

impl SendWatch {
    /// An advert at `now` went out to at least one destination (`ok`) or to none.
    /// Returns true when this makes the instance mute: every advert failed for
    /// `master_down` (by then every Backup has taken over from it).
    pub fn sent(&mut self, now: Instant, ok: bool, master_down: Duration) -> bool {
        if ok {
            self.failing_since = None;
            return false;
        }
        let since = *self.failing_since.get_or_insert(now);
        if self.mute_since.is_none() && now.saturating_since(since) >= master_down {
            self.mute_since = Some(now);
            return true;
        }
        false
    }

    pub fn is_mute(&self) -> bool {
        self.mute_since.is_some()
    }

    /// When a mute instance tries again.
    pub fn retry_at(&self) -> Option<Instant> {
        self.mute_since.map(|t| t + MUTE_RETRY)
    }

    /// Try again: the retry time has come, or what could have made the sends fail
    /// changed (the interface, its addresses, a reload).
    pub fn clear(&mut self) {
        *self = SendWatch::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Instant {
        Instant::from_micros(n * 1000)
    }

    #[test]
    fn anything_lacking_but_dad_is_fault() {
        let p = Verdict::Priority(100);
        assert_eq!(verdict(None, p), p);
        assert_eq!(verdict(None, Verdict::Fault), Verdict::Fault);
        assert_eq!(verdict(Some(Blocker::Tentative), p), Verdict::Pending);
        for b in [
            Blocker::NoInterface,
            Blocker::NoSocket,
            Blocker::Deaf,
            Blocker::NoSource,
            Blocker::Mute,
        ] {
            assert_eq!(verdict(Some(b), p), Verdict::Fault, "{b:?}");
        }
    }

    /// Issue 18 item 4: a Master whose adverts all fail (its source address gone, say)
    /// must not stay Master silently: after a Master_Down_Interval of failures every
    /// Backup has taken over, and it goes to FAULT.
    #[test]
    fn a_master_whose_adverts_fail_for_master_down_interval_is_mute() {
        let mdi = Duration::from_millis(3609);
        let mut w = SendWatch::default();
        assert!(!w.sent(ms(0), true, mdi));
        assert!(!w.sent(ms(1000), false, mdi));
        assert!(!w.sent(ms(2000), false, mdi));
        assert!(!w.sent(ms(4000), false, mdi));
        assert!(w.sent(ms(5000), false, mdi));
        assert!(w.is_mute());
        // Said once.
        assert!(!w.sent(ms(6000), false, mdi));
        assert_eq!(w.retry_at(), Some(ms(5000) + MUTE_RETRY));
        w.clear();
        assert!(!w.is_mute() && w.retry_at().is_none());
    }

    #[test]
    fn one_advert_that_goes_out_starts_the_count_again() {
        let mdi = Duration::from_millis(361);
        let mut w = SendWatch::default();
        for k in 0..3 {
            assert!(!w.sent(ms(k * 100), false, mdi));
        }
        assert!(!w.sent(ms(300), true, mdi));
        assert!(!w.sent(ms(400), false, mdi));
        assert!(!w.sent(ms(700), false, mdi));
        assert!(w.sent(ms(800), false, mdi));
    }
}
