//! The poll set: every descriptor the loop waits on, with the slot it belongs to, so a
//! ready descriptor goes straight to its owner; the timers it wakes up for besides; and
//! how long the next wait may be.
//!
//! Every pass of the loop must end in a real sleep. Real-time scheduling comes with
//! RLIMIT_RTTIME (`os::sched`), which counts CPU time since the task last slept: a poll
//! that returns at once because a flood keeps a socket readable is not a sleep, and a
//! loop that only ever finds its sockets readable is stopped by the kernel (SIGKILL at the
//! hard limit: a Master killed with its VIPs still on the interface). So each source is
//! read a bounded amount per pass, and a pass that left input unread is followed by a
//! short sleep with only the signals in the poll set: the flood waits in the kernel's
//! socket buffer (it drops what does not fit, and counts it), the loop sleeps, timers
//! run at most `BREATHER` late.

use super::links::LinkId;
use crate::os;
use crate::vrrp::timers::Instant;
use core::time::Duration;
use std::io;
use std::os::fd::RawFd;

/// The sleep after a pass that left input unread.
pub const BREATHER: Duration = Duration::from_millis(1);
/// Shortest such sleep when a timer is due sooner: still a real sleep (an RT task's
/// timers have no slack), short enough for a due advert.
pub const MIN_SLEEP: Duration = Duration::from_micros(200);

/// What the loop wakes up for besides descriptors: one deadline per component, served
/// in this order when due.
#[derive(Debug, Clone, Copy)]
pub enum Timer {
    /// The machines' timers (adverts, Master_Down, GARP bursts, release).
    Routers,
    /// Checks due to start, runs due to be killed.
    Checks,
    /// Mute instances trying again (`vrrp::ready`).
    Retry,
    /// Queued commands over their time.
    Children,
    /// FIFO lines a slow reader left waiting.
    Fifo,
}
pub const TIMERS: [Timer; 5] = [
    Timer::Routers,
    Timer::Checks,
    Timer::Retry,
    Timer::Children,
    Timer::Fifo,
];

/// What the next wait listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everything,
    /// Only signals (the first slot): the other sources had more input than one pass
    /// reads, and the loop must sleep before it reads them again.
    Signals,
}

/// How long the next wait may last, and on what: until the next deadline (`next`, if
/// any) but no longer than `cap`; after a `saturated` pass, a sleep of `MIN_SLEEP` to
/// `BREATHER` on signals only, whatever is due.
pub fn plan(
    now: Instant,
    next: Option<Instant>,
    cap: Option<Duration>,
    saturated: bool,
) -> (Option<Duration>, Scope) {
    let wait = next.map(|t| t.saturating_since(now));
    let wait = match (wait, cap) {
        (Some(w), Some(c)) => Some(w.min(c)),
        (w, c) => w.or(c),
    };
    if saturated {
        let w = wait.map_or(BREATHER, |w| w.clamp(MIN_SLEEP, BREATHER));
        (Some(w), Scope::Signals)
    } else {
        (wait, Scope::Everything)
    }
}

/// What a descriptor in the poll set belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Slot {
    Signals,
    Monitor,
    Status,
    Link(LinkId),
    /// Route and rule news (`routes::Statics`).
    Routes,
    /// Process events (`procs`).
    Procs,
    /// Tracked files changed (`files`).
    Files,
}

/// Kept between wake-ups: no allocation per pass.
#[derive(Default)]
pub struct PollSet {
    fds: Vec<libc::pollfd>,
    slots: Vec<Slot>,
}

impl PollSet {
    /// Wait on these descriptors from now on (a negative one is skipped by poll but
    /// keeps its slot).
    pub fn set(&mut self, entries: impl Iterator<Item = (Slot, RawFd)>) {
        self.fds.clear();
        self.slots.clear();
        for (slot, fd) in entries {
            self.slots.push(slot);
            self.fds.push(os::pollfd(fd));
        }
    }

    /// Until a descriptor in `scope` is ready or `timeout` (None: no limit) has passed;
    /// the others read as not ready.
    pub fn wait(&mut self, timeout: Option<Duration>, scope: Scope) -> io::Result<()> {
        let n = match scope {
            Scope::Everything => self.fds.len(),
            Scope::Signals => 1.min(self.fds.len()),
        };
        for p in &mut self.fds[n..] {
            p.revents = 0;
        }
        os::poll(&mut self.fds[..n], timeout.map(|d| d.as_micros() as u64))
    }

    /// The `k`-th slot and whether its descriptor is ready; None past the end. A set
    /// that was replaced since `wait` reads as not ready.
    pub fn get(&self, k: usize) -> Option<(Slot, bool)> {
        Some((*self.slots.get(k)?, os::readable(self.fds.get(k)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Instant {
        Instant::from_micros(n * 1000)
    }

    #[test]
    fn a_pass_waits_for_the_next_deadline_or_the_cap() {
        let d = Duration::from_millis;
        assert_eq!(
            plan(ms(100), Some(ms(350)), None, false),
            (Some(d(250)), Scope::Everything)
        );
        assert_eq!(
            plan(ms(100), Some(ms(350)), Some(d(20)), false),
            (Some(d(20)), Scope::Everything)
        );
        assert_eq!(plan(ms(100), None, None, false), (None, Scope::Everything));
        // Overdue: no wait at all.
        assert_eq!(
            plan(ms(100), Some(ms(50)), None, false),
            (Some(Duration::ZERO), Scope::Everything)
        );
    }

    /// Issue 18 item 1: after a pass that left input unread, the next one sleeps — on
    /// signals only, so a readable socket cannot end the sleep — however soon a timer is
    /// due: RLIMIT_RTTIME is reset only by a sleep.
    #[test]
    fn after_a_saturated_pass_the_loop_sleeps_on_signals_only() {
        let d = Duration::from_millis;
        assert_eq!(
            plan(ms(100), Some(ms(350)), None, true),
            (Some(BREATHER), Scope::Signals)
        );
        assert_eq!(
            plan(ms(100), None, None, true),
            (Some(BREATHER), Scope::Signals)
        );
        for due in [ms(50), ms(100)] {
            assert_eq!(
                plan(ms(100), Some(due), None, true),
                (Some(MIN_SLEEP), Scope::Signals)
            );
        }
        let soon = Instant::from_micros(100_500);
        assert_eq!(
            plan(ms(100), Some(soon), Some(d(30)), true),
            (Some(Duration::from_micros(500)), Scope::Signals)
        );
    }
}
