//! keepalived's sync groups (`vrrp_sync_group`): instances whose VIPs must move together
//! (both sides of a router, say). Pure: which member follows another member's transition,
//! and how the members' tracking verdicts combine. The daemon applies both; the tests
//! drive real machines in virtual time.

use super::machine::State;
use super::track::Verdict;

/// What a member in state `member` does when another member of its group went from
/// `from` to `to`: a Backup follows a member into Master, and a Master follows a member
/// that yielded to a better Master back to Backup. Other states stay as they are (a
/// member in FAULT or still starting follows nobody). A transition made by following
/// (`Reason::SyncGroup`) is not followed again, so one change moves the group once.
pub fn follow(from: State, to: State, member: State) -> Option<State> {
    match (from, to, member) {
        (_, State::Master, State::Backup) => Some(State::Master),
        (State::Master, State::Backup, State::Master) => Some(State::Backup),
        _ => None,
    }
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
    use crate::vrrp::machine::{Action, Advert, InitialState, Machine, Params, Reason};
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
            priority,
            version: Version::V3,
            advert_interval: Centis(100),
            preempt: true,
            preempt_delay: Duration::ZERO,
            initial_state: InitialState::Backup,
            auth: None,
            unicast_peers: vec![],
            garp_master_delay: Duration::ZERO,
            garp_master_repeat: 1,
            garp_master_refresh: Duration::ZERO,
            garp_master_refresh_repeat: 1,
            garp_interval: Duration::ZERO,
            garp_follow_up: false,
            hold_vips_on_stop: true,
            lower_prio: Default::default(),
            higher_prio_send_advert: false,
        };
        Machine::new(p, US)
    }

    /// The daemon's loop for one group: drain `leader`, and let every other member
    /// follow each transition that was not itself a following. Returns who entered what.
    fn run(group: &mut [Machine], leader: usize, now: Instant) -> Vec<(usize, State)> {
        let mut entered = Vec::new();
        let moves: Vec<(State, State, Reason)> = std::iter::from_fn(|| group[leader].poll_action())
            .filter_map(|a| match a {
                Action::Transition { from, to, why } => Some((from, to, why)),
                _ => None,
            })
            .collect();
        for (from, to, why) in moves {
            entered.push((leader, to));
            if why == Reason::SyncGroup {
                continue;
            }
            for j in (0..group.len()).filter(|&j| j != leader) {
                if let Some(s) = follow(from, to, group[j].state()) {
                    group[j].sync_to(now, s);
                    for a in std::iter::from_fn(|| group[j].poll_action()) {
                        if let Action::Transition { to, why, .. } = a {
                            assert_eq!(why, Reason::SyncGroup);
                            entered.push((j, to));
                        }
                    }
                }
            }
        }
        entered
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
        }
    }

    #[test]
    fn a_backup_member_follows_another_member_into_master_at_the_same_instant() {
        // VI_1 (150) and VI_2 (100): VI_1's Master_Down_Interval ends first.
        let mut g = [machine(1, 150), machine(2, 100)];
        for m in &mut g {
            m.start(ms(0));
            flush(m);
        }
        let due = g[0].poll_timeout().unwrap();
        assert!(due < g[1].poll_timeout().unwrap());
        g[0].handle_timeout(due);
        assert_eq!(
            run(&mut g, 0, due),
            [(0, State::Master), (1, State::Master)]
        );
        assert_eq!(g[1].state(), State::Master);
        // VI_2 no longer waits for its own Master_Down_Interval: it advertises instead.
        assert_eq!(g[1].poll_timeout(), Some(due + Duration::from_secs(1)));
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
            run(&mut g, 0, ms(5000)),
            [(0, State::Backup), (1, State::Backup)]
        );
        // VI_2 now waits for a Master as any Backup does.
        assert!(g[1].poll_timeout().unwrap() > ms(5000 + 3000));
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
}
