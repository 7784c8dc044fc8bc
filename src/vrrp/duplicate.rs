//! One advert read on two interfaces. With a virtual MAC an instance reads adverts on its
//! base interface and on its macvlan (the kernel hands frames from a peer that shares our
//! virtual MAC to the macvlan), and a multicast advert from a peer's real MAC reaches
//! both. Taken twice it would count twice and, for a Master hearing a lower priority,
//! be answered twice; the copy on the other interface is recognised by its sender,
//! priority and arrival within a short window.

use super::timers::Instant;
use core::time::Duration;
use std::net::IpAddr;

/// Both copies of one advert arrive within this of each other; a peer advertises at
/// most every 10 ms (VRRPv3's 1 cs), so a real next advert never falls inside it twice.
pub const DUPLICATE_WINDOW: Duration = Duration::from_millis(20);

/// The last advert taken in, and on which interface (`L`: the caller's link handle).
#[derive(Debug, Clone, Copy)]
pub struct DuplicateFilter<L> {
    last: Option<(IpAddr, u8, Instant, L)>,
}

impl<L> Default for DuplicateFilter<L> {
    fn default() -> Self {
        DuplicateFilter { last: None }
    }
}

impl<L: Copy + PartialEq> DuplicateFilter<L> {
    /// An advert from `src` with `priority`, read on `via` at `now`: None if it is the
    /// copy of the one taken in last on the other interface, else what `take` (the
    /// receive checks and the machine) made of it. Only an advert `take` accepted is
    /// remembered: a forged copy that fails the checks must not hide the genuine one.
    pub fn admit<E>(
        &mut self,
        src: IpAddr,
        priority: u8,
        via: L,
        now: Instant,
        take: impl FnOnce() -> Result<(), E>,
    ) -> Option<Result<(), E>> {
        let copy = self.last.is_some_and(|(s, p, at, l)| {
            s == src && p == priority && l != via && now - at < DUPLICATE_WINDOW
        });
        if copy {
            return None;
        }
        let taken = take();
        if taken.is_ok() {
            self.last = Some((src, priority, now, via));
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 12));
    const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 13));
    const BASE: u8 = 0;
    const VMAC: u8 = 1;

    fn ms(n: u64) -> Instant {
        Instant::from_micros(n * 1000)
    }

    impl DuplicateFilter<u8> {
        /// An advert the checks accept: whether it was dropped as a copy.
        fn is_copy(&mut self, src: IpAddr, priority: u8, via: u8, now: Instant) -> bool {
            self.admit(src, priority, via, now, || Ok::<(), ()>(()))
                .is_none()
        }
    }

    #[test]
    fn the_copy_on_the_other_interface_within_the_window_is_taken_once() {
        let mut f = DuplicateFilter::default();
        assert!(!f.is_copy(PEER, 100, BASE, ms(1000)));
        assert!(f.is_copy(PEER, 100, VMAC, ms(1000)));
        // The next advert, one interval later, is new on either interface.
        assert!(!f.is_copy(PEER, 100, VMAC, ms(2000)));
        assert!(f.is_copy(PEER, 100, BASE, Instant::from_micros(2_019_999)));
    }

    #[test]
    fn a_copy_just_outside_the_window_is_a_new_advert() {
        let mut f = DuplicateFilter::default();
        assert!(!f.is_copy(PEER, 100, BASE, ms(0)));
        assert!(!f.is_copy(PEER, 100, VMAC, ms(20)));
    }

    #[test]
    fn adverts_on_one_interface_are_never_copies() {
        // VRRPv3 at 1 cs: two adverts 10 ms apart on the same interface are both real.
        let mut f = DuplicateFilter::default();
        assert!(!f.is_copy(PEER, 100, BASE, ms(0)));
        assert!(!f.is_copy(PEER, 100, BASE, ms(10)));
    }

    #[test]
    fn another_sender_or_priority_is_not_a_copy() {
        let mut f = DuplicateFilter::default();
        assert!(!f.is_copy(PEER, 100, BASE, ms(0)));
        assert!(!f.is_copy(OTHER, 100, VMAC, ms(1)));
        assert!(!f.is_copy(OTHER, 0, BASE, ms(2)));
    }

    /// Issue 18 (suspected, confirmed): a forged advert with the Master's address and
    /// priority but a wrong password, read on the virtual MAC interface just before the
    /// genuine one arrives on the base, was recorded and hid the genuine advert.
    #[test]
    fn a_copy_that_fails_the_checks_does_not_hide_the_genuine_advert() {
        let mut f = DuplicateFilter::default();
        let forged = f.admit(PEER, 100, VMAC, ms(1000), || Err("auth"));
        assert_eq!(forged, Some(Err("auth")));
        let mut taken = false;
        let genuine = f.admit(PEER, 100, BASE, ms(1001), || {
            taken = true;
            Ok::<(), &str>(())
        });
        assert_eq!(genuine, Some(Ok(())));
        assert!(taken);
        // Its own copy on the other interface is still recognised.
        assert!(f.is_copy(PEER, 100, VMAC, ms(1002)));
    }
}
