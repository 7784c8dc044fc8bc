//! keepalived's sync groups (`vrrp_sync_group`): instances whose VIPs must move together
//! (both sides of a router, say). Pure: when members may take over, which member follows
//! another member's transition, and how the members' tracking verdicts combine. The
//! daemon applies them; the tests drive real machines in virtual time.

use super::machine::State;
use super::track::Verdict;

/// keepalived's rule for entering MASTER: a member whose Master_Down_Timer expired
/// (`Machine::wants_master`) takes over only when every other member is Master or wants to
/// be too. One member hearing a Master holds the whole group in BACKUP: a group that
/// cannot move entirely prefers BACKUP, since taking part of it over would pull the rest
/// along, have those yield to the Master they hear, and pull the first back — a flap
/// every Master_Down_Interval, with gratuitous ARPs stealing a healthy Master's VIPs.
pub fn may_become_master(others: impl IntoIterator<Item = bool>) -> bool {
    others.into_iter().all(|wants| wants)
}

/// What a member in state `member` does when another member of its group went from
/// `from` to `to`: a Master follows a member that yielded to a better Master back to
/// Backup (the group can no longer be Master as a whole). Nobody follows into Master:
/// members enter it together through `may_become_master`. A transition made by
/// following (`Reason::SyncGroup`) is not followed again, so one change moves the group
/// once.
pub fn follow(from: State, to: State, member: State) -> Option<State> {
    match (from, to, member) {
        (State::Master, State::Backup, State::Master) => Some(State::Backup),
        _ => None,
    }
}

/// A sync group's state after one of its members entered `to` (keepalived's
/// sgroup->state): a member's MASTER, BACKUP or FAULT is the group's — the members enter
/// MASTER together (`may_become_master`), follow one that yields, share a FAULT. A stop
/// leaves it. None when it does not change.
pub fn after(group: State, to: State) -> Option<State> {
    (to != State::Initialize && to != group).then_some(to)
}

/// The state of a group formed from running instances (start, reload), as keepalived
/// sets it up: FAULT if a member is, else BACKUP if one is, else MASTER if all are, else
/// INIT.
pub fn initial(members: impl IntoIterator<Item = State>) -> State {
    let mut s = None;
    for m in members {
        s = Some(match (s, m) {
            (_, State::Fault) | (Some(State::Fault), _) => State::Fault,
            (_, State::Backup) | (Some(State::Backup), _) => State::Backup,
            (_, State::Initialize) | (Some(State::Initialize), _) => State::Initialize,
            (_, State::Master) => State::Master,
        });
    }
    s.unwrap_or(State::Initialize)
}

/// A member's verdict within its group: the group is as faulty, or as pending, as its
/// worst member, so a FAULT in one member faults all of them and their VIPs move to the
/// other node together. `members` are the verdicts of every member (this one's included
/// or not: the result is the same).
pub fn verdict(own: Verdict, members: impl IntoIterator<Item = Verdict>) -> Verdict {
    members.into_iter().fold(own, |worst, m| match (worst, m) {
        (_, Verdict::Fault) | (Verdict::Fault, _) => Verdict::Fault,
        (_, Verdict::Pending) | (Verdict::Pending, _) => Verdict::Pending,
        (w, Verdict::Priority(_)) => w,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::machine::{Action, Advert, Machine, Params, Reason};
    use crate::vrrp::timers::{Centis, Instant};
    use crate::wire::Version;
    use core::time::Duration;
    use std::net::{IpAddr, Ipv4Addr};

    const US: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
    const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 12));

    fn ms(n: u64) -> Instant {
        Instant::from_micros(n * 1000)
    }

    fn machine(vrid: u8, priority: u8) -> Machine {
        let p = Params {
            vrid,
            version: Version::V3,
            auth: None,
            garp_master_delay: Duration::ZERO,
            garp_master_repeat: 1,
            ..crate::vrrp::machine::tests::params(priority)
        };
        Machine::new(p, US)
    }

    /// The daemon's handling of one group (`daemon::routers`): a member's own transition
    /// is followed by the others (`follow`), then every Backup that wants to be Master
    /// takes over if the group lets it (`may_become_master`). Returns who entered what.
    fn settle(group: &mut [Machine], now: Instant) -> Vec<(usize, State)> {
        let mut entered = Vec::new();
        for i in 0..group.len() {
            drain(group, i, now, &mut entered);
        }
        for i in 0..group.len() {
            let others = (0..group.len()).filter(|&j| j != i);
            let ready = may_become_master(others.map(|j| group[j].wants_master()));
            if group[i].state() == State::Backup && group[i].wants_master() && ready {
                group[i].release_hold(now);
                drain(group, i, now, &mut entered);
            }
        }
        entered
    }

    fn drain(group: &mut [Machine], i: usize, now: Instant, entered: &mut Vec<(usize, State)>) {
        let moves: Vec<(State, State, Reason)> = std::iter::from_fn(|| group[i].poll_action())
            .filter_map(|a| match a {
                Action::Transition { from, to, why } => Some((from, to, why)),
                _ => None,
            })
            .collect();
        for (from, to, why) in moves {
            entered.push((i, to));
            if why == Reason::SyncGroup {
                continue;
            }
            for j in (0..group.len()).filter(|&j| j != i) {
                if let Some(s) = follow(from, to, group[j].state()) {
                    group[j].sync_to(now, s);
                    drain(group, j, now, entered);
                }
            }
        }
    }

    /// A group of machines started together at 0, as the daemon sets them up.
    fn grouped(priorities: &[u8]) -> Vec<Machine> {
        let mut g: Vec<Machine> = (1..).zip(priorities).map(|(v, &p)| machine(v, p)).collect();
        for m in &mut g {
            m.set_grouped(true);
            m.start(ms(0));
            flush(m);
        }
        g
    }

    /// Run the group until `until`, with `heard(now)` giving the adverts each member
    /// receives from other nodes at `now` (checked every 10 ms). Returns who entered what.
    fn run_until(
        g: &mut [Machine],
        until: Instant,
        heard: impl Fn(Instant) -> Vec<(usize, Advert)>,
    ) -> Vec<(Instant, usize, State)> {
        let mut log = Vec::new();
        let mut now = ms(0);
        while now <= until {
            for (i, adv) in heard(now) {
                g[i].handle_advert(now, &adv).unwrap();
            }
            for m in g.iter_mut() {
                if m.poll_timeout().is_some_and(|t| t <= now) {
                    m.handle_timeout(now);
                }
            }
            log.extend(settle(g, now).into_iter().map(|(i, s)| (now, i, s)));
            now = now + Duration::from_millis(10);
        }
        log
    }

    /// Actions nobody here needs to see.
    fn flush(m: &mut Machine) {
        while m.poll_action().is_some() {}
    }

    fn advert(vrid: u8, priority: u8) -> Advert {
        Advert {
            src: PEER,
            version: Version::V3,
            vrid,
            priority,
            interval: Centis(100),
            auth: None,
            mismatch: None,
        }
    }

    #[test]
    fn the_group_enters_master_together_when_its_last_member_has_heard_no_master() {
        // VI_1 (150) and VI_2 (100): VI_1's Master_Down_Interval ends first; it waits
        // for VI_2's, then both take over at that instant.
        let mut g = grouped(&[150, 100]);
        let first = g[0].poll_timeout().unwrap();
        let last = g[1].poll_timeout().unwrap();
        assert!(first < last);
        g[0].handle_timeout(first);
        assert_eq!(settle(&mut g, first), []);
        assert_eq!(g[0].state(), State::Backup);
        assert!(g[0].wants_master() && !g[1].wants_master());
        g[1].handle_timeout(last);
        assert_eq!(
            settle(&mut g, last),
            [(0, State::Master), (1, State::Master)]
        );
        // Both advertise now, every interval.
        assert_eq!(g[1].poll_timeout(), Some(last + Duration::from_secs(1)));
        assert_eq!(g[0].poll_timeout(), Some(last + Duration::from_secs(1)));
    }

    /// The issue-18 case: the other node runs VI_1 (priority 200) but not VI_2. VI_2
    /// hears nobody and wants to take over; VI_1 hears its Master. keepalived's rule
    /// keeps the group in BACKUP — taking VI_2 over would pull VI_1 to MASTER, VI_1 would
    /// yield to its Master and pull VI_2 back: a flap every Master_Down_Interval.
    #[test]
    fn a_member_that_hears_its_master_holds_the_group_in_backup_without_flapping() {
        let mut g = grouped(&[100, 100]);
        let remote = |now: Instant| {
            let every_second = now.as_micros() % 1_000_000 == 0;
            if every_second {
                vec![(0, advert(1, 200))]
            } else {
                vec![]
            }
        };
        let log = run_until(&mut g, ms(30_000), remote);
        assert_eq!(
            log,
            [],
            "nobody may enter MASTER while VI_1 hears its Master"
        );
        assert!(g[1].wants_master() && !g[0].wants_master());
        assert!(g.iter().all(|m| m.state() == State::Backup));
    }

    #[test]
    fn a_held_group_takes_over_together_once_the_master_it_heard_resigns() {
        let mut g = grouped(&[100, 100]);
        // VI_1's Master sends adverts until 10 s, then resigns (priority 0).
        let remote = |now: Instant| match now.as_micros() {
            10_000_000 => vec![(0, advert(1, 0))],
            t if t < 10_000_000 && t % 1_000_000 == 0 => vec![(0, advert(1, 200))],
            _ => vec![],
        };
        let log = run_until(&mut g, ms(12_000), remote);
        // VI_1 takes over after its Skew_Time (156/256 of 1 s), and VI_2 with it.
        let skew = ms(10_000) + Duration::from_micros(609_375);
        let at = skew.as_micros().div_ceil(10_000) * 10_000;
        let at = Instant::from_micros(at);
        assert_eq!(log, [(at, 0, State::Master), (at, 1, State::Master)]);
    }

    #[test]
    fn a_master_member_follows_another_member_that_yields_to_a_better_master() {
        let mut g = [machine(1, 150), machine(2, 150)];
        for m in &mut g {
            m.start(ms(0));
            flush(m);
            let due = m.poll_timeout().unwrap();
            m.handle_timeout(due);
            flush(m);
        }
        assert!(g.iter().all(|m| m.state() == State::Master));
        // A better Master appears for VI_1 only: both members go Backup.
        g[0].handle_advert(ms(5000), &advert(1, 200)).unwrap();
        assert_eq!(
            settle(&mut g, ms(5000)),
            [(0, State::Backup), (1, State::Backup)]
        );
        // VI_2 now waits for a Master as any Backup does.
        assert!(g[1].poll_timeout().unwrap() > ms(5000 + 3000));
    }

    #[test]
    fn nobody_follows_into_master_and_a_group_needs_every_member() {
        // Entering MASTER is the group's decision, not a member's to impose.
        assert_eq!(follow(State::Backup, State::Master, State::Backup), None);
        assert!(may_become_master([true, true]));
        assert!(!may_become_master([true, false, true]));
        // Alone in its group (the others gone by a reload), a member may.
        assert!(may_become_master([]));
    }

    #[test]
    fn members_in_fault_or_still_starting_follow_nobody() {
        for member in [State::Fault, State::Initialize] {
            assert_eq!(follow(State::Backup, State::Master, member), None);
            assert_eq!(follow(State::Master, State::Backup, member), None);
        }
        // Leaving FAULT or starting up moves nobody else either.
        assert_eq!(follow(State::Fault, State::Backup, State::Master), None);
        assert_eq!(
            follow(State::Initialize, State::Backup, State::Master),
            None
        );
        // A Master entering FAULT does not pull the others down: the verdict does that.
        assert_eq!(follow(State::Master, State::Fault, State::Master), None);
    }

    #[test]
    fn one_member_in_fault_faults_the_group_and_pending_holds_it() {
        let p = Verdict::Priority;
        assert_eq!(verdict(p(150), [p(150), p(100)]), p(150));
        assert_eq!(verdict(p(150), [p(150), Verdict::Fault]), Verdict::Fault);
        assert_eq!(
            verdict(p(150), [Verdict::Pending, p(100)]),
            Verdict::Pending
        );
        // A fault wins over pending, whichever comes first.
        assert_eq!(
            verdict(Verdict::Pending, [p(1), Verdict::Fault]),
            Verdict::Fault
        );
        assert_eq!(verdict(Verdict::Fault, [Verdict::Pending]), Verdict::Fault);
        // Alone, a member keeps its own verdict, effective priority included.
        assert_eq!(verdict(p(90), []), p(90));
    }

    #[test]
    fn a_group_is_in_the_state_its_members_last_entered_and_a_new_one_in_theirs() {
        use State::*;
        assert_eq!(after(Initialize, Backup), Some(Backup));
        assert_eq!(after(Backup, Master), Some(Master));
        // The others following into the same state change nothing.
        assert_eq!(after(Master, Master), None);
        assert_eq!(after(Master, Backup), Some(Backup));
        assert_eq!(after(Backup, Fault), Some(Fault));
        assert_eq!(after(Fault, Backup), Some(Backup));
        // Members stopping leave the group as it was.
        assert_eq!(after(Master, Initialize), None);

        assert_eq!(initial([Master, Master]), Master);
        assert_eq!(initial([Master, Backup]), Backup);
        assert_eq!(initial([Backup, Fault, Master]), Fault);
        assert_eq!(initial([Initialize, Master]), Initialize);
        assert_eq!(initial([Initialize, Backup]), Backup);
        assert_eq!(initial([]), Initialize);
    }
}
