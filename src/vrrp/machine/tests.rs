use super::*;
use std::net::Ipv4Addr;

const N1: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
const N2: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 12));
const N3: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 13));
const PASS: [u8; 8] = *b"mysecret";

fn t(ms: u64) -> Instant {
    Instant::from_micros(ms * 1000)
}
fn us(us: u64) -> Instant {
    Instant::from_micros(us)
}

/// keepalived's defaults for one IPv4 instance (VRID 1, v2, 1 s adverts, PASS) at
/// `priority`; the other core tests start from it too.
pub(crate) fn params(priority: u8) -> Params {
    Params {
        vrid: 1,
        priority,
        version: Version::V2,
        advert_interval: Centis(100),
        preempt: true,
        preempt_delay: Duration::ZERO,
        initial_state: InitialState::Backup,
        auth: Some(PASS),
        unicast_peers: vec![],
        garp_master_delay: Duration::from_secs(5),
        garp_master_repeat: 5,
        garp_master_refresh: Duration::ZERO,
        garp_master_refresh_repeat: 1,
        garp_interval: Duration::ZERO,
        garp_follow_up: false,
        hold_vips_on_stop: true,
        lower_prio: LowerPrio::default(),
        higher_prio_send_advert: false,
        skip_check_adv_addr: false,
    }
}

fn v3(priority: u8, interval_cs: u16) -> Params {
    Params {
        version: Version::V3,
        advert_interval: Centis(interval_cs),
        auth: None,
        ..params(priority)
    }
}

fn advert(src: IpAddr, priority: u8) -> Advert {
    Advert {
        src,
        version: Version::V2,
        vrid: 1,
        priority,
        interval: Centis(100),
        auth: Some(PASS),
        mismatch: None,
    }
}

fn drain(m: &mut Machine) -> Vec<Action> {
    std::iter::from_fn(|| m.poll_action()).collect()
}

fn started(p: Params, at: Instant) -> Machine {
    let mut m = Machine::new(p, N1);
    m.start(at);
    drain(&mut m);
    m
}

/// Drive a Backup to Master by letting its down timer run out.
fn master(p: Params) -> Machine {
    let mut m = started(p, t(0));
    let due = m.poll_timeout().unwrap();
    m.handle_timeout(due);
    assert_eq!(m.state(), State::Master);
    drain(&mut m);
    m
}

#[test]
fn address_owner_becomes_master_at_startup() {
    let mut m = Machine::new(params(255), N1);
    m.start(t(0));
    assert_eq!(m.state(), State::Master);
    let acts = drain(&mut m);
    assert_eq!(
        acts,
        vec![
            Action::Transition {
                from: State::Initialize,
                to: State::Master,
                why: Reason::Startup
            },
            Action::AddVips,
            Action::SendAdvert { priority: 255 },
            Action::SendGarp { count: 5 },
        ]
    );
}

#[test]
fn non_owner_starts_as_backup_with_master_down_interval() {
    let mut m = Machine::new(params(100), N1);
    m.start(t(0));
    assert_eq!(m.state(), State::Backup);
    assert_eq!(
        drain(&mut m),
        vec![Action::Transition {
            from: State::Initialize,
            to: State::Backup,
            why: Reason::Startup
        }]
    );
    // 3 * 1 s + (256 - 100) / 256 s
    assert_eq!(m.poll_timeout(), Some(us(3_609_375)));
}

#[test]
fn backup_becomes_master_when_master_down_timer_fires() {
    let mut m = started(params(100), t(0));
    m.handle_timeout(us(3_609_374));
    assert_eq!(
        m.state(),
        State::Backup,
        "one microsecond early must not take over"
    );
    m.handle_timeout(us(3_609_375));
    assert_eq!(m.state(), State::Master);
    assert_eq!(
        drain(&mut m),
        vec![
            Action::Transition {
                from: State::Backup,
                to: State::Master,
                why: Reason::MasterDown
            },
            Action::AddVips,
            Action::SendAdvert { priority: 100 },
            Action::SendGarp { count: 5 },
        ]
    );
}

#[test]
fn master_advertises_every_advert_interval() {
    let mut m = master(v3(100, 10));
    let start = m.poll_timeout().unwrap();
    let mut sent = 0;
    let mut now = start;
    for _ in 0..20 {
        now = m.poll_timeout().unwrap();
        m.handle_timeout(now);
        sent += drain(&mut m)
            .iter()
            .filter(|a| matches!(a, Action::SendAdvert { priority: 100 }))
            .count();
    }
    assert_eq!(sent, 20);
    // 19 intervals of 100 ms between the first and the last advert.
    assert_eq!(now - start, Duration::from_millis(1900));
}

#[test]
fn master_advert_rhythm_does_not_drift_after_a_late_wakeup() {
    let mut m = master(v3(100, 100));
    let due = m.poll_timeout().unwrap();
    m.handle_timeout(due + Duration::from_millis(30));
    assert_eq!(m.poll_timeout(), Some(due + Duration::from_secs(1)));
    // Woken so late that the next deadline has passed too: never arm a timer in the past.
    let due = m.poll_timeout().unwrap();
    let late = due + Duration::from_millis(2500);
    m.handle_timeout(late);
    assert!(m.poll_timeout().unwrap() > late);
}

#[test]
fn second_garp_burst_follows_after_garp_master_delay() {
    let mut m = started(params(100), t(0));
    let became = m.poll_timeout().unwrap();
    m.handle_timeout(became);
    drain(&mut m);
    let mut garps = vec![];
    let mut now = became;
    while now < became + Duration::from_secs(12) {
        now = m.poll_timeout().unwrap();
        m.handle_timeout(now);
        if drain(&mut m).contains(&Action::SendGarp { count: 5 }) {
            garps.push(now - became);
        }
    }
    assert_eq!(garps, vec![Duration::from_secs(5)]);
}

#[test]
fn garp_master_delay_zero_sends_no_second_burst() {
    let mut m = master(Params {
        garp_master_delay: Duration::ZERO,
        ..params(100)
    });
    for _ in 0..10 {
        let now = m.poll_timeout().unwrap();
        m.handle_timeout(now);
        assert!(
            !drain(&mut m)
                .iter()
                .any(|a| matches!(a, Action::SendGarp { .. }))
        );
    }
}

#[test]
fn backup_receiving_priority_zero_takes_over_after_skew_time() {
    let mut m = started(params(100), t(0));
    m.handle_advert(t(1000), &advert(N2, 150)).unwrap();
    m.handle_advert(t(1500), &advert(N2, 0)).unwrap();
    assert_eq!(
        m.poll_timeout(),
        Some(t(1500) + Duration::from_micros(609_375))
    );
    m.handle_timeout(m.poll_timeout().unwrap());
    assert_eq!(m.state(), State::Master);
}

#[test]
fn a_master_stepping_down_resigns_and_is_master_again_after_its_skew_unless_beaten() {
    // keepalived's answer to a tracked route deleted under a Master.
    let mut m = master(params(100));
    let now = t(10_000);
    m.step_down(now);
    let acts = drain(&mut m);
    assert!(acts.contains(&Action::SendAdvert { priority: 0 }));
    assert!(acts.contains(&Action::RemoveVips));
    assert_eq!(m.state(), State::Backup);
    assert_eq!(m.reason(), Reason::EntryDeleted);
    // (256 - 100) / 256 s.
    let back = now + Duration::from_micros(609_375);
    assert_eq!(m.poll_timeout(), Some(back));
    m.handle_timeout(back);
    assert_eq!(m.state(), State::Master);
    assert!(drain(&mut m).contains(&Action::AddVips));
    // A better router answering first keeps it Backup.
    m.step_down(t(20_000));
    drain(&mut m);
    m.handle_advert(t(20_100), &advert(N2, 150)).unwrap();
    m.handle_timeout(t(20_000) + Duration::from_micros(609_375));
    assert_eq!(m.state(), State::Backup);
    // Not a Master: nothing happens.
    m.step_down(t(21_000));
    assert!(drain(&mut m).is_empty());
}

#[test]
fn master_shutdown_resigns_and_keeps_the_vips_until_the_new_master_is_heard() {
    let mut m = master(params(150));
    m.shutdown(t(10_000));
    assert_eq!(
        drain(&mut m),
        vec![
            Action::SendAdvert { priority: 0 },
            Action::Transition {
                from: State::Master,
                to: State::Initialize,
                why: Reason::Shutdown
            },
        ]
    );
    assert!(m.holds_vips());
    // The backup's own resignation echo or another priority 0 is not a new master.
    m.handle_advert(t(10_100), &advert(N2, 0)).unwrap();
    assert!(m.holds_vips());
    m.handle_advert(t(10_609), &advert(N2, 100)).unwrap();
    assert_eq!(drain(&mut m), vec![Action::RemoveVips]);
    assert!(!m.holds_vips());
    assert_eq!(m.poll_timeout(), None);
}

#[test]
fn master_shutdown_releases_the_vips_after_the_longest_skew_when_nobody_takes_over() {
    let mut m = master(params(150));
    m.shutdown(t(10_000));
    drain(&mut m);
    // Skew_Time of priority 1 (255/256 s at v2) + a quarter interval.
    let due = t(10_000) + Duration::from_micros(996_093 + 250_000);
    assert_eq!(m.poll_timeout(), Some(due));
    m.handle_timeout(t(10_000) + Duration::from_micros(996_093 + 249_999));
    assert!(m.holds_vips());
    m.handle_timeout(due);
    assert_eq!(drain(&mut m), vec![Action::RemoveVips]);
    assert!(!m.holds_vips());
}

#[test]
fn a_second_shutdown_while_releasing_keeps_the_pending_release() {
    let mut m = master(params(150));
    m.shutdown(t(10_000));
    drain(&mut m);
    let due = m.poll_timeout();
    m.shutdown(t(10_100));
    assert!(m.holds_vips());
    assert_eq!(m.poll_timeout(), due, "the release timer must survive");
    m.handle_timeout(due.unwrap());
    assert!(drain(&mut m).contains(&Action::RemoveVips));
}

#[test]
fn release_now_gives_up_the_vips_at_once_and_only_once() {
    let mut m = master(params(150));
    m.shutdown(t(10_000));
    drain(&mut m);
    m.release_now();
    m.release_now();
    assert_eq!(drain(&mut m), vec![Action::RemoveVips]);
    assert_eq!(m.poll_timeout(), None);
}

#[test]
fn restarting_while_releasing_removes_the_vips_before_the_election() {
    let mut m = master(params(150));
    m.shutdown(t(10_000));
    drain(&mut m);
    m.start(t(10_100));
    let acts = drain(&mut m);
    assert_eq!(acts[0], Action::RemoveVips, "{acts:?}");
    assert_eq!(m.state(), State::Backup);
    assert!(!m.holds_vips());
}

#[test]
fn backup_shutdown_sends_nothing_and_disarms_timers() {
    let mut m = started(params(100), t(0));
    m.shutdown(t(1));
    assert_eq!(
        drain(&mut m),
        vec![Action::Transition {
            from: State::Backup,
            to: State::Initialize,
            why: Reason::Shutdown
        }]
    );
    assert_eq!(m.poll_timeout(), None);
}

#[test]
fn v3_backup_adopts_the_masters_advert_interval() {
    let mut m = started(v3(100, 100), t(0));
    let mut adv = advert(N2, 150);
    adv.version = Version::V3;
    adv.auth = None;
    adv.interval = Centis(10);
    m.handle_advert(t(500), &adv).unwrap();
    assert_eq!(m.master_adver_interval(), Duration::from_millis(100));
    // 3 * 100 ms + 156/256 * 100 ms
    assert_eq!(
        m.poll_timeout(),
        Some(t(500) + Duration::from_micros(360_937))
    );
}

/// RFC 5798 §6.4.1 sets Master_Adver_Interval to our own Advertisement_Interval when a
/// router starts; one adopted from a Master (§6.4.2) describes that Master only. Once we
/// are Master ourselves, a later move to Backup (a sync group's) must wait for a Master
/// on our own interval, not on a long-gone Master's.
#[test]
fn an_interval_adopted_from_an_old_master_ends_when_the_backup_becomes_master() {
    let mut m = started(v3(100, 10), t(0));
    let mut slow = advert(N2, 150);
    slow.version = Version::V3;
    slow.auth = None;
    slow.interval = Centis(400);
    m.handle_advert(t(100), &slow).unwrap();
    assert_eq!(m.master_adver_interval(), Duration::from_secs(4));
    // That Master vanished: we take over, advertising every 0.1 s.
    let due = m.poll_timeout().unwrap();
    m.handle_timeout(due);
    drain(&mut m);
    assert_eq!(m.state(), State::Master);
    assert_eq!(m.master_adver_interval(), Duration::from_millis(100));
    // A sync group partner yields and pulls us along: 3 × 0.1 s + skew, not 3 × 4 s.
    let later = due + Duration::from_secs(1);
    m.sync_to(later, State::Backup);
    assert_eq!(m.state(), State::Backup);
    assert_eq!(
        m.poll_timeout(),
        Some(later + Duration::from_micros(360_937))
    );
}

#[test]
fn v2_discards_an_advert_with_a_different_interval() {
    let mut m = started(params(100), t(0));
    let mut adv = advert(N2, 150);
    adv.interval = Centis(200);
    assert_eq!(
        m.handle_advert(t(100), &adv),
        Err(Discard::Interval { got: Centis(200) })
    );
    assert_eq!(
        m.poll_timeout(),
        Some(us(3_609_375)),
        "a discarded advert must not reset the timer"
    );
    assert_eq!(
        m.counters().discarded[Discard::Interval { got: Centis(0) }.index()],
        1
    );
    assert_eq!(m.counters().discarded.iter().sum::<u64>(), 1);
}

#[test]
fn discards_an_advert_for_another_vrid() {
    let mut m = started(params(100), t(0));
    let mut adv = advert(N2, 150);
    adv.vrid = 2;
    assert_eq!(m.handle_advert(t(1), &adv), Err(Discard::Vrid { got: 2 }));
}

#[test]
fn discards_an_advert_of_another_version() {
    let mut m = started(params(100), t(0));
    let mut adv = advert(N2, 150);
    adv.version = Version::V3;
    assert_eq!(
        m.handle_advert(t(1), &adv),
        Err(Discard::Version { got: Version::V3 })
    );
}

#[test]
fn v2_discards_a_wrong_or_missing_password() {
    let mut m = started(params(100), t(0));
    let mut adv = advert(N2, 150);
    adv.auth = Some(*b"wrong\0\0\0");
    assert_eq!(m.handle_advert(t(1), &adv), Err(Discard::Auth));
    adv.auth = None;
    assert_eq!(m.handle_advert(t(2), &adv), Err(Discard::Auth));
    let mut open = started(
        Params {
            auth: None,
            ..params(100)
        },
        t(0),
    );
    assert_eq!(
        open.handle_advert(t(3), &advert(N2, 150)),
        Err(Discard::Auth)
    );
}

#[test]
fn unicast_mode_listens_to_configured_peers_only() {
    let mut m = started(
        Params {
            unicast_peers: vec![N2],
            ..params(100)
        },
        t(0),
    );
    assert_eq!(
        m.handle_advert(t(1), &advert(N3, 200)),
        Err(Discard::NotPeer)
    );
    assert_eq!(m.handle_advert(t(2), &advert(N2, 150)), Ok(()));
}

#[test]
fn discards_its_own_advert() {
    let mut m = started(params(100), t(0));
    assert_eq!(
        m.handle_advert(t(1), &advert(N1, 100)),
        Err(Discard::OwnAdvert)
    );
}

#[test]
fn backup_preempts_lower_priority_master_after_skew_time() {
    let mut m = started(params(150), t(0));
    // A lower-priority master's advert: we take over after our Skew_Time
    // ((256 - 150) / 256 s for v2), not after Master_Down_Interval.
    m.handle_advert(t(1000), &advert(N2, 100)).unwrap();
    let due = t(1000) + Duration::from_micros(414_062);
    assert_eq!(m.poll_timeout(), Some(due));
    // Further lower adverts do not push the takeover back.
    m.handle_advert(t(1200), &advert(N2, 100)).unwrap();
    assert_eq!(m.poll_timeout(), Some(due));
    m.handle_timeout(due);
    assert_eq!(m.state(), State::Master);
}

/// Issue 18 (the flood of lower-priority adverts): the fast takeover is for a Master that
/// has just said it is worse. Lower-priority adverts from another router, while the
/// Master this Backup follows advertises a higher priority, are discarded (RFC 5798
/// §6.4.2); taken as a reason to take over, a flood of them moved the VIP off a healthy
/// Master every second.
#[test]
fn backup_following_a_master_discards_lower_priority_adverts_from_others() {
    let mut m = started(params(100), t(0));
    m.handle_advert(t(1000), &advert(N2, 150)).unwrap();
    let due = m.poll_timeout();
    for i in 0..500 {
        m.handle_advert(t(1000 + i * 2), &advert(N3, 50)).unwrap();
    }
    assert_eq!(m.poll_timeout(), due);
    for s in 2..20 {
        m.handle_advert(t(s * 1000), &advert(N3, 50)).unwrap();
        m.handle_advert(t(s * 1000 + 1), &advert(N2, 150)).unwrap();
        m.handle_timeout(t(s * 1000 + 999));
        assert_eq!(m.state(), State::Backup, "at {s} s");
    }
    // Once its Master is gone, Master_Down_Interval passes and it takes over as usual.
    m.handle_timeout(t(19_001) + Duration::from_micros(3_609_375));
    assert_eq!(m.state(), State::Master);
}

#[test]
fn master_whose_priority_drops_hands_over_to_the_better_backup() {
    // The seed article's part 2: the Master's check fails, weight -60 takes it from 150
    // to 90; the Backup (100) takes over one Skew_Time after the next advert.
    let mut a = master(params(150));
    a.set_priority(t(6000), 90);
    assert_eq!(drain(&mut a), [Action::SendAdvert { priority: 90 }]);
    let mut b = Machine::new(params(100), N2);
    b.start(t(5000));
    drain(&mut b);
    b.handle_advert(t(6000), &advert(N1, 90)).unwrap();
    let due = t(6000) + Duration::from_micros(609_375);
    assert_eq!(b.poll_timeout(), Some(due));
    b.handle_timeout(due);
    assert_eq!(b.state(), State::Master);
    a.handle_advert(due, &advert(N2, 100)).unwrap();
    assert_eq!(a.state(), State::Backup);
    // Priority restored: the Backup at 150 preempts the Master at 100 the same way.
    a.set_priority(t(9000), 150);
    a.handle_advert(t(9100), &advert(N2, 100)).unwrap();
    assert_eq!(
        a.poll_timeout(),
        Some(t(9100) + Duration::from_micros(414_062))
    );
}

#[test]
fn backup_accepts_higher_or_equal_priority_master() {
    let mut m = started(params(100), t(0));
    m.handle_advert(t(3000), &advert(N2, 100)).unwrap();
    assert_eq!(
        m.poll_timeout(),
        Some(t(3000) + Duration::from_micros(3_609_375))
    );
    assert_eq!(m.master_seen(), Some((N2, 100)));
}

#[test]
fn nopreempt_backup_accepts_lower_priority_master() {
    let mut m = started(
        Params {
            preempt: false,
            ..params(150)
        },
        t(0),
    );
    for s in 1..=10 {
        m.handle_advert(t(s * 1000), &advert(N2, 100)).unwrap();
        m.handle_timeout(t(s * 1000));
    }
    assert_eq!(m.state(), State::Backup);
    assert_eq!(m.master_seen(), Some((N2, 100)));
}

#[test]
fn preempt_delay_holds_preemption_until_the_delay_has_passed() {
    let p = Params {
        preempt_delay: Duration::from_secs(10),
        ..params(150)
    };
    let mut m = started(p, t(0));
    let mut now = t(0);
    let mut became = None;
    for s in 1..=20u64 {
        now = t(s * 1000);
        m.handle_timeout(now);
        if m.state() == State::Master {
            became = Some(now);
            break;
        }
        m.handle_advert(now, &advert(N2, 100)).unwrap();
    }
    // First lower-priority advert at 1 s starts the 10 s delay; adverts until 11 s are
    // accepted; from then they are discarded and the down timer (3.41 s) runs out.
    let became = became.expect("never preempted");
    assert!(
        became > t(11_000) && became <= t(15_000),
        "preempted at {became:?} (now {now:?})"
    );
}

#[test]
fn preempt_delay_restarts_when_a_higher_priority_master_appears() {
    let p = Params {
        preempt_delay: Duration::from_secs(10),
        ..params(150)
    };
    let mut m = started(p, t(0));
    m.handle_advert(t(1000), &advert(N2, 100)).unwrap();
    m.handle_advert(t(2000), &advert(N3, 200)).unwrap();
    // The delay restarts from the next lower-priority advert.
    m.handle_advert(t(3000), &advert(N2, 100)).unwrap();
    m.handle_advert(t(12_500), &advert(N2, 100)).unwrap();
    assert_eq!(
        m.poll_timeout(),
        Some(t(12_500) + Duration::from_micros(3_414_062))
    );
}

#[test]
fn master_yields_to_a_higher_priority_master() {
    let mut m = master(params(100));
    m.handle_advert(t(20_000), &advert(N2, 150)).unwrap();
    assert_eq!(m.state(), State::Backup);
    assert_eq!(
        drain(&mut m),
        vec![
            Action::RemoveVips,
            Action::Transition {
                from: State::Master,
                to: State::Backup,
                why: Reason::HigherPriorityMaster
            },
        ]
    );
    assert_eq!(
        m.poll_timeout(),
        Some(t(20_000) + Duration::from_micros(3_609_375))
    );
}

#[test]
fn equal_priority_tie_breaks_on_the_higher_primary_address() {
    // We are .11: a master at .12 with the same priority wins.
    let mut m = master(params(100));
    m.handle_advert(t(20_000), &advert(N2, 100)).unwrap();
    assert_eq!(m.state(), State::Backup);
    // We are .12: a master at .11 with the same priority loses.
    let mut m = Machine::new(params(100), N2);
    m.start(t(0));
    m.handle_timeout(m.poll_timeout().unwrap());
    drain(&mut m);
    m.handle_advert(t(20_000), &advert(N1, 100)).unwrap();
    assert_eq!(m.state(), State::Master);
}

#[test]
fn the_address_owner_never_yields_to_another_owner_and_reports_the_conflict() {
    // We are .11, the owner; a second owner at .12 would win a tie on the address.
    let mut m = Machine::new(params(255), N1);
    m.start(t(0));
    drain(&mut m);
    assert_eq!(m.state(), State::Master);
    let next_advert = m.poll_timeout();
    m.handle_advert(t(500), &advert(N2, 255)).unwrap();
    assert_eq!(m.state(), State::Master);
    assert_eq!(drain(&mut m), vec![Action::OwnerConflict { src: N2 }]);
    // Nothing else changes: the adverts keep their rhythm, nobody is "seen" as Master.
    assert_eq!(m.poll_timeout(), next_advert);
    assert_eq!(m.master_seen(), None);
}

#[test]
fn master_answers_a_lower_priority_master_with_an_advert_and_gratuitous_arp() {
    let mut m = master(params(150));
    // Past the second burst of taking over, so the only GARPs are the answer's.
    let mut now = m.poll_timeout().unwrap();
    while now < t(20_000) {
        m.handle_timeout(now);
        drain(&mut m);
        now = m.poll_timeout().unwrap();
    }
    m.handle_advert(t(20_000), &advert(N2, 100)).unwrap();
    assert_eq!(m.state(), State::Master);
    assert_eq!(
        drain(&mut m),
        vec![
            Action::LowerPriorityMaster {
                src: N2,
                priority: 100
            },
            Action::SendAdvert { priority: 150 },
            Action::SendGarp { count: 5 }
        ]
    );
    // The other Master's GARPs pointed clients at it: a repeat one interval later (its
    // GARPs may have overtaken ours) and a second burst after garp_master_delay.
    let mut garps = vec![];
    while now < t(32_000) {
        now = m.poll_timeout().unwrap();
        m.handle_timeout(now);
        if drain(&mut m).contains(&Action::SendGarp { count: 5 }) {
            garps.push(now - t(20_000));
        }
    }
    assert_eq!(garps, vec![Duration::from_secs(1), Duration::from_secs(5)]);
}

#[test]
fn master_reasserts_when_another_router_resigns() {
    let mut m = master(Params {
        garp_master_delay: Duration::ZERO,
        ..params(150)
    });
    m.handle_advert(t(20_000), &advert(N2, 0)).unwrap();
    assert_eq!(drain(&mut m), vec![Action::SendAdvert { priority: 150 }]);
    assert_eq!(m.poll_timeout(), Some(t(21_000)));
}

#[test]
fn initial_state_master_takes_over_after_one_interval_without_a_master() {
    let p = Params {
        initial_state: InitialState::Master,
        ..params(150)
    };
    let m = started(p, t(0));
    assert_eq!(m.state(), State::Backup);
    // 1 s + (1/256) s
    assert_eq!(m.poll_timeout(), Some(us(1_003_906)));
}

#[test]
fn initial_state_master_still_yields_to_a_higher_priority_master() {
    let p = Params {
        initial_state: InitialState::Master,
        ..params(100)
    };
    let mut m = started(p, t(0));
    m.handle_advert(t(500), &advert(N2, 150)).unwrap();
    m.handle_timeout(us(1_003_906));
    assert_eq!(m.state(), State::Backup);
}

#[test]
fn fault_removes_vips_and_clearing_it_restarts_the_election() {
    let mut m = master(params(150));
    m.set_fault(t(20_000), true);
    assert_eq!(m.state(), State::Fault);
    assert_eq!(
        drain(&mut m),
        vec![
            Action::SendAdvert { priority: 0 },
            Action::RemoveVips,
            Action::Transition {
                from: State::Master,
                to: State::Fault,
                why: Reason::Fault
            },
        ]
    );
    assert_eq!(m.poll_timeout(), None, "a faulted instance sends nothing");
    assert_eq!(m.handle_advert(t(20_500), &advert(N2, 100)), Ok(()));
    assert_eq!(m.state(), State::Fault);
    m.set_fault(t(21_000), false);
    assert_eq!(m.state(), State::Backup);
    assert_eq!(m.reason(), Reason::FaultCleared);
    assert_eq!(
        m.poll_timeout(),
        Some(t(21_000) + Duration::from_micros(3_414_062))
    );
}

#[test]
fn reload_with_unchanged_params_changes_nothing() {
    let mut m = master(params(150));
    let due = m.poll_timeout();
    m.update_params(t(5000), params(150));
    assert_eq!(m.state(), State::Master);
    assert_eq!(drain(&mut m), vec![]);
    assert_eq!(m.poll_timeout(), due);
}

#[test]
fn reload_with_new_priority_keeps_master_and_advertises_it_at_once() {
    let mut m = master(params(150));
    m.update_params(t(5000), params(120));
    assert_eq!(m.state(), State::Master);
    assert_eq!(drain(&mut m), vec![Action::SendAdvert { priority: 120 }]);
    assert_eq!(m.priority(), 120);
}

/// A reload of advert_int on both nodes: the Backup's Master_Down_Interval follows its
/// new interval at once (VRRPv2 never adopts the Master's: both must be configured the
/// same). Shortened, failover is not delayed by the old interval; lengthened, the
/// Backup does not take over before the Master's first advert at the new rhythm.
#[test]
fn a_v2_backup_waits_on_its_reloaded_interval_at_once() {
    let every = |s: u16| Params {
        advert_interval: Centis(s * 100),
        ..params(100)
    };
    let heard = |m: &mut Machine, s: u16, at: Instant| {
        let mut adv = advert(N2, 150);
        adv.interval = Centis(s * 100);
        m.handle_advert(at, &adv).unwrap();
    };
    // 5 s → 1 s: 3 × 1 s + 156/256 s from the reload, not 15.6 s from the last advert.
    let mut m = started(every(5), t(0));
    heard(&mut m, 5, t(1000));
    m.update_params(t(2000), every(1));
    assert_eq!(
        m.poll_timeout(),
        Some(t(2000) + Duration::from_micros(3_609_375))
    );
    // 1 s → 5 s: the old 3.6 s would take over before the Master's next advert.
    let mut m = started(every(1), t(0));
    heard(&mut m, 1, t(1000));
    m.update_params(t(1500), every(5));
    assert_eq!(
        m.poll_timeout(),
        Some(t(1500) + Duration::from_micros(15_609_375))
    );
    // A reload that leaves the interval alone leaves the timer alone.
    let due = m.poll_timeout();
    m.update_params(
        t(1600),
        Params {
            preempt_delay: Duration::from_secs(1),
            ..every(5)
        },
    );
    assert_eq!(m.poll_timeout(), due);
}

/// Two or more machines wired back to back over a lossless, zero-latency virtual link.
struct Net {
    nodes: Vec<Node>,
    now: Instant,
}

struct Node {
    m: Machine,
    up: bool,
    has_vip: bool,
}

impl Net {
    fn new(specs: &[(IpAddr, Params)]) -> Net {
        let nodes = specs
            .iter()
            .map(|(addr, p)| Node {
                m: Machine::new(p.clone(), *addr),
                up: false,
                has_vip: false,
            })
            .collect();
        Net { nodes, now: t(0) }
    }

    fn start(&mut self, i: usize) {
        self.nodes[i].up = true;
        self.nodes[i].m.start(self.now);
        self.flush(i);
    }

    /// Graceful stop: the node keeps listening, as the daemon does until its resigned
    /// VIPs are released.
    fn stop(&mut self, i: usize) {
        self.nodes[i].m.shutdown(self.now);
        self.flush(i);
    }

    /// Crash: no priority-0 advert, and (like a SIGKILLed process) nobody removes the
    /// VIP for it, so it no longer counts as an owner we can observe.
    fn kill(&mut self, i: usize) {
        self.nodes[i].up = false;
        self.nodes[i].has_vip = false;
        self.nodes[i].m = Machine::new(
            self.nodes[i].m.params().clone(),
            self.nodes[i].m.local_addr(),
        );
    }

    fn flush(&mut self, i: usize) {
        while let Some(a) = self.nodes[i].m.poll_action() {
            match a {
                Action::AddVips => self.nodes[i].has_vip = true,
                Action::RemoveVips => self.nodes[i].has_vip = false,
                Action::SendAdvert { priority } => {
                    let p = self.nodes[i].m.params();
                    let adv = Advert {
                        src: self.nodes[i].m.local_addr(),
                        version: p.version,
                        vrid: p.vrid,
                        priority,
                        interval: p.advert_interval,
                        auth: p.auth,
                        mismatch: None,
                    };
                    for j in 0..self.nodes.len() {
                        if j != i && self.nodes[j].up {
                            let now = self.now;
                            let _ = self.nodes[j].m.handle_advert(now, &adv);
                            self.flush(j);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Advance virtual time to `until`, firing timers in order.
    fn run_until(&mut self, until: Instant) {
        loop {
            let next = (0..self.nodes.len())
                .filter(|&i| self.nodes[i].up)
                .filter_map(|i| self.nodes[i].m.poll_timeout().map(|t| (t, i)))
                .min();
            match next {
                Some((at, i)) if at <= until => {
                    assert!(at >= self.now, "timer armed in the past");
                    self.now = at;
                    self.nodes[i].m.handle_timeout(at);
                    self.flush(i);
                }
                _ => break,
            }
        }
        self.now = until;
    }

    fn masters(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].up && self.nodes[i].m.state() == State::Master)
            .collect()
    }

    fn vip_owners(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].has_vip)
            .collect()
    }

    /// Run until node `i` owns the VIP; return how long that took.
    fn time_until_owner(&mut self, i: usize, limit: Duration) -> Duration {
        let from = self.now;
        while self.now < from + limit {
            let step = self.now + Duration::from_millis(1);
            self.run_until(step);
            if self.vip_owners() == vec![i] {
                return self.now - from;
            }
        }
        panic!("node {i} did not take the VIP within {limit:?}");
    }
}

/// The seed article's pair on the virtual link, both started and run for `settle`:
/// syslog1 (priority 150, `state MASTER`) and syslog2 (100, BACKUP), unicast peers.
/// With `nopreempt` both start as BACKUP, which keepalived requires for nopreempt.
fn seed_pair(version: Version, interval_cs: u16, nopreempt: bool, settle: Instant) -> Net {
    let mk = |prio, state, peer| Params {
        version,
        advert_interval: Centis(interval_cs),
        auth: if version == Version::V2 {
            Some(PASS)
        } else {
            None
        },
        initial_state: if nopreempt {
            InitialState::Backup
        } else {
            state
        },
        unicast_peers: vec![peer],
        preempt: !nopreempt,
        ..params(prio)
    };
    let mut net = Net::new(&[
        (N1, mk(150, InitialState::Master, N2)),
        (N2, mk(100, InitialState::Backup, N1)),
    ]);
    net.start(0);
    net.start(1);
    net.run_until(settle);
    net
}

#[test]
fn seed_pair_elects_syslog1_and_fails_over_on_graceful_stop_within_skew_time() {
    let mut net = seed_pair(Version::V2, 100, false, t(10_000));
    assert_eq!(net.masters(), vec![0]);
    assert_eq!(net.vip_owners(), vec![0]);
    net.stop(0);
    let took = net.time_until_owner(1, Duration::from_secs(5));
    // Skew_Time of priority 100 at v2: 609 ms.
    assert!(
        took <= Duration::from_millis(610),
        "graceful failover took {took:?}"
    );
}

#[test]
fn seed_pair_fails_over_on_crash_within_master_down_interval() {
    let mut net = seed_pair(
        Version::V2,
        100,
        false,
        t(10_000) + Duration::from_micros(1),
    );
    net.kill(0);
    let took = net.time_until_owner(1, Duration::from_secs(10));
    assert!(
        took <= Duration::from_micros(3_609_375 + 1000),
        "crash failover took {took:?}"
    );
}

#[test]
fn seed_pair_restarted_master_preempts_within_about_one_interval() {
    let mut net = seed_pair(Version::V2, 100, false, t(10_000));
    net.stop(0);
    net.run_until(t(20_000));
    assert_eq!(net.masters(), vec![1]);
    net.start(0);
    let took = net.time_until_owner(0, Duration::from_secs(10));
    assert!(
        took <= Duration::from_millis(1010),
        "preemption took {took:?}"
    );
    assert_eq!(net.masters(), vec![0]);
}

#[test]
fn seed_pair_with_nopreempt_keeps_the_backup_as_master() {
    let mut net = seed_pair(Version::V2, 100, true, t(0));
    // Only syslog2 runs at first, so it becomes master.
    net.stop(0);
    net.run_until(t(10_000));
    assert_eq!(net.masters(), vec![1]);
    net.start(0);
    net.run_until(t(60_000));
    assert_eq!(net.masters(), vec![1]);
    assert_eq!(net.vip_owners(), vec![1]);
}

#[test]
fn v3_pair_at_100ms_converges_and_fails_over_fast() {
    let mut net = seed_pair(Version::V3, 10, false, t(2000));
    assert_eq!(net.masters(), vec![0]);
    net.kill(0);
    let took = net.time_until_owner(1, Duration::from_secs(2));
    assert!(
        took <= Duration::from_millis(362),
        "v3 crash failover took {took:?}"
    );
}

#[test]
fn three_nodes_never_keep_two_masters() {
    let mk = |prio| Params {
        auth: None,
        ..params(prio)
    };
    let mut net = Net::new(&[(N1, mk(100)), (N2, mk(100)), (N3, mk(200))]);
    for i in 0..3 {
        net.start(i);
    }
    for step in 1..=60u64 {
        net.run_until(t(step * 500));
        assert!(
            net.masters().len() <= 1 || step < 10,
            "two masters at {step}"
        );
    }
    assert_eq!(net.masters(), vec![2]);
    net.stop(2);
    net.run_until(t(40_000));
    // Two equal-priority backups share the same down timer; with zero latency the first
    // to fire wins and the other accepts its equal-priority advert.
    assert_eq!(net.masters().len(), 1);
    assert_eq!(net.vip_owners(), net.masters());
}

/// Random event sequences (xorshift, fixed seeds): after every event the machine's
/// invariants hold. VIPs are added only when not held and removed only when held, and
/// `holds_vips` agrees with that history; transitions chain and end in `state()`; an
/// advert carries the current priority (after a reload too), 0 only when resigning; each
/// state arms exactly its timers; no timer is ever due before the event that armed it.
/// Events: adverts, timeouts, stop, start, fault on/off, reload, release_now.
#[test]
fn random_event_sequences_keep_the_invariants() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rnd = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let peers = [N2, N3, N1];
    for run in 0..200 {
        let version = if run % 2 == 0 {
            Version::V2
        } else {
            Version::V3
        };
        let p = Params {
            version,
            auth: if version == Version::V2 {
                Some(PASS)
            } else {
                None
            },
            priority: [1, 100, 150, 254, 255][rnd(5) as usize],
            preempt: rnd(2) == 0,
            preempt_delay: Duration::from_millis(rnd(3) * 1500),
            initial_state: if rnd(2) == 0 {
                InitialState::Master
            } else {
                InitialState::Backup
            },
            advert_interval: Centis([1, 10, 100][rnd(3) as usize] as u16),
            ..params(100)
        };
        let mut p = p;
        let mut m = Machine::new(p.clone(), N1);
        let mut now = t(1000);
        let mut held = false;
        let mut state = State::Initialize;
        m.start(now);
        for step in 0..300 {
            let at = format!("run {run} step {step}");
            let mut drain_checked = |m: &mut Machine, priority: u8, resigning: bool| {
                while let Some(a) = m.poll_action() {
                    match a {
                        Action::AddVips => {
                            assert!(!held, "{at}: VIPs added twice");
                            held = true;
                        }
                        Action::RemoveVips => {
                            assert!(held, "{at}: VIPs removed while not held");
                            held = false;
                        }
                        Action::Transition { from, to, .. } => {
                            assert_eq!(from, state, "{at}: transition from another state");
                            state = to;
                        }
                        Action::SendAdvert { priority: 0 } => {
                            assert!(resigning, "{at}: priority 0 without a stop")
                        }
                        Action::SendAdvert { priority: sent } => {
                            assert_eq!(sent, priority, "{at}: advert with a stale priority")
                        }
                        _ => {}
                    }
                }
            };
            now = now + Duration::from_micros(rnd(2_000_000));
            // As the daemon's loop: timers due by now fire before any input is handled.
            if m.poll_timeout().is_some_and(|due| due <= now) {
                m.handle_timeout(now);
            }
            drain_checked(&mut m, p.priority, false);
            let mut resigning = false;
            match rnd(12) {
                0..=3 => {
                    let adv = Advert {
                        src: peers[rnd(3) as usize],
                        version: if rnd(20) == 0 { Version::V3 } else { p.version },
                        vrid: if rnd(20) == 0 { 2 } else { 1 },
                        priority: [0, 1, 100, 150, 200, 255][rnd(6) as usize],
                        interval: if rnd(10) == 0 {
                            Centis(300)
                        } else {
                            p.advert_interval
                        },
                        auth: p.auth,
                        mismatch: None,
                    };
                    let _ = m.handle_advert(now, &adv);
                }
                4..=6 => {
                    if let Some(due) = m.poll_timeout() {
                        now = now.max(due);
                    }
                    m.handle_timeout(now);
                }
                7 => {
                    m.shutdown(now);
                    resigning = true;
                }
                8 => m.start(now),
                9 => {
                    let fault = rnd(2) == 0;
                    m.set_fault(now, fault);
                    resigning = fault;
                }
                10 => {
                    // SIGHUP with changed settings: same VRID and version (the daemon
                    // restarts an instance whose identity changed).
                    p = Params {
                        priority: [1, 100, 150, 254, 255][rnd(5) as usize],
                        preempt: rnd(2) == 0,
                        preempt_delay: Duration::from_millis(rnd(3) * 1500),
                        advert_interval: Centis([1, 10, 100][rnd(3) as usize] as u16),
                        garp_master_delay: Duration::from_secs(rnd(2) * 5),
                        ..p
                    };
                    m.update_params(now, p.clone());
                }
                _ => m.release_now(),
            }
            drain_checked(&mut m, p.priority, resigning);
            assert_eq!(m.state(), state, "{at}: transitions do not end in state()");
            assert_eq!(
                m.holds_vips(),
                held,
                "run {run} step {step}: holds_vips disagrees ({:?})",
                m.state()
            );
            let armed = |tm: Timer| m.timers[tm as usize].is_some();
            match m.state() {
                State::Master => assert!(
                    armed(Timer::Adver) && !armed(Timer::MasterDown),
                    "run {run} step {step}"
                ),
                State::Backup => assert!(
                    armed(Timer::MasterDown) && !armed(Timer::Adver),
                    "run {run} step {step}"
                ),
                State::Initialize => assert_eq!(
                    m.poll_timeout().is_some(),
                    m.releasing,
                    "run {run} step {step}"
                ),
                State::Fault => assert_eq!(m.poll_timeout(), None, "run {run} step {step}"),
            }
            if let Some(due) = m.poll_timeout() {
                // A timer may be due at `now` at the earliest (skew 0 for priority 255).
                assert!(due >= now, "run {run} step {step}: timer in the past");
            }
        }
    }
}

#[test]
fn with_a_virtual_mac_a_stop_removes_the_vips_at_once() {
    let mut m = master(Params {
        hold_vips_on_stop: false,
        ..params(150)
    });
    m.shutdown(t(10_000));
    assert_eq!(
        drain(&mut m),
        [
            Action::SendAdvert { priority: 0 },
            Action::RemoveVips,
            Action::Transition {
                from: State::Master,
                to: State::Initialize,
                why: Reason::Shutdown
            }
        ]
    );
    assert!(!m.holds_vips());
    assert_eq!(m.poll_timeout(), None);
}

/// Every GARP action a Master emits in `span` after taking over, with its offset.
fn garps_over(p: Params, span: Duration) -> Vec<(Duration, u8)> {
    let mut m = started(p, t(0));
    let became = m.poll_timeout().unwrap();
    m.handle_timeout(became);
    let mut out = vec![];
    let mut now = became;
    loop {
        for a in drain(&mut m) {
            if let Action::SendGarp { count } = a {
                out.push((now - became, count));
            }
        }
        now = m.poll_timeout().unwrap();
        if now > became + span {
            return out;
        }
        m.handle_timeout(now);
    }
}

#[test]
fn garp_master_refresh_re_announces_periodically_with_its_own_repeat() {
    let p = Params {
        garp_master_delay: Duration::ZERO,
        garp_master_refresh: Duration::from_secs(10),
        garp_master_refresh_repeat: 2,
        ..params(100)
    };
    let s = Duration::from_secs;
    assert_eq!(
        garps_over(p, s(31)),
        [(s(0), 5), (s(10), 2), (s(20), 2), (s(30), 2)]
    );
}

#[test]
fn garp_interval_spaces_a_burst_one_garp_at_a_time() {
    let p = Params {
        garp_master_repeat: 3,
        garp_interval: Duration::from_millis(100),
        ..params(100)
    };
    let ms = Duration::from_millis;
    assert_eq!(
        garps_over(p, ms(5300)),
        [
            (ms(0), 1),
            (ms(100), 1),
            (ms(200), 1),
            (ms(5000), 1),
            (ms(5100), 1),
            (ms(5200), 1)
        ]
    );
}

#[test]
fn a_virtual_mac_repeats_the_burst_one_interval_after_taking_over() {
    let p = Params {
        garp_follow_up: true,
        ..params(100)
    };
    let s = Duration::from_secs;
    assert_eq!(garps_over(p, s(6)), [(s(0), 5), (s(1), 5), (s(5), 5)]);
}

#[test]
fn leaving_master_stops_every_announcement() {
    let mut m = master(Params {
        garp_master_refresh: Duration::from_secs(2),
        garp_interval: Duration::from_millis(100),
        garp_follow_up: true,
        ..params(100)
    });
    m.handle_advert(t(3700), &advert(N2, 200)).unwrap();
    assert_eq!(m.state(), State::Backup);
    drain(&mut m);
    // Only the down timer is left; it ends in Master again (and new announcements).
    let now = m.poll_timeout().unwrap();
    assert_eq!(now, t(3700) + Duration::from_micros(3_609_375));
    m.handle_timeout(us(now.as_micros() - 1));
    assert!(drain(&mut m).is_empty());
}

/// A Master settled past the bursts of taking over (20 s in), so that every GARP from
/// then on is an answer to a lower priority.
fn settled_master(p: Params) -> (Machine, Instant) {
    let mut m = master(p);
    let mut now = m.poll_timeout().unwrap();
    while now < t(20_000) {
        m.handle_timeout(now);
        drain(&mut m);
        now = m.poll_timeout().unwrap();
    }
    (m, t(20_000))
}

/// Issue 18 item 10: one on-link host sending lower-priority adverts as fast as it can
/// got each answered in full (an advert, a GARP burst, a log line): 205 088 log lines in
/// 6 s in one run. Answers are now held to one a second; the regular adverts keep their
/// rhythm.
#[test]
fn a_flood_of_lower_priority_adverts_is_answered_at_most_once_a_second() {
    let (mut m, start) = settled_master(params(150));
    let (mut answers, mut logged, mut bursts, mut regular) = (0, 0, 0, 0);
    // 10 s at 10 000 adverts a second, from forged sources 192.0.2.20-219.
    for i in 0..100_000u32 {
        let now = start + Duration::from_micros(u64::from(i) * 100);
        while m.poll_timeout().is_some_and(|d| d <= now) {
            m.handle_timeout(now);
            for a in drain(&mut m) {
                match a {
                    Action::SendAdvert { .. } => regular += 1,
                    Action::SendGarp { .. } => bursts += 1,
                    _ => {}
                }
            }
        }
        let src = IpAddr::V4(Ipv4Addr::from(0xc000_0214 + i % 200));
        m.handle_advert(now, &advert(src, 100)).unwrap();
        for a in drain(&mut m) {
            match a {
                Action::SendAdvert { priority: 150 } => answers += 1,
                Action::LowerPriorityMaster { .. } => logged += 1,
                Action::SendGarp { .. } => bursts += 1,
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(m.state(), State::Master);
    assert_eq!((answers, logged), (10, 10));
    // Each answer's burst, its repeat one interval later, none of the delayed ones
    // outliving a newer answer but the last.
    assert!(bursts <= 2 * answers + 1, "{bursts} GARP bursts");
    assert_eq!(regular, 10, "one advert a second, as without the flood");
}

#[test]
fn lower_prio_no_advert_answers_with_gratuitous_arp_only() {
    let (mut m, now) = settled_master(Params {
        lower_prio: LowerPrio {
            no_advert: true,
            ..LowerPrio::default()
        },
        ..params(150)
    });
    m.handle_advert(now, &advert(N2, 100)).unwrap();
    assert_eq!(
        drain(&mut m),
        vec![
            Action::LowerPriorityMaster {
                src: N2,
                priority: 100
            },
            Action::SendGarp { count: 5 }
        ]
    );
}

/// keepalived's garp_lower_prio_repeat and garp_lower_prio_delay, not the garp_master_*
/// values, shape the answer; repeat 0 sends no GARP at all.
#[test]
fn garp_lower_prio_repeat_and_delay_shape_the_answer() {
    let lp = LowerPrio {
        no_advert: false,
        garp_repeat: 2,
        garp_delay: Duration::from_secs(3),
    };
    let (mut m, now) = settled_master(Params {
        lower_prio: lp,
        ..params(150)
    });
    m.handle_advert(now, &advert(N2, 100)).unwrap();
    let first = drain(&mut m);
    assert_eq!(first.last(), Some(&Action::SendGarp { count: 2 }));
    let mut garps = vec![];
    let mut at = now;
    while at < now + Duration::from_secs(10) {
        at = m.poll_timeout().unwrap();
        m.handle_timeout(at);
        for a in drain(&mut m) {
            if let Action::SendGarp { count } = a {
                garps.push((at - now, count));
            }
        }
    }
    let s = Duration::from_secs;
    assert_eq!(garps, vec![(s(1), 2), (s(3), 2)]);

    let (mut m, now) = settled_master(Params {
        lower_prio: LowerPrio {
            garp_repeat: 0,
            ..lp
        },
        ..params(150)
    });
    m.handle_advert(now, &advert(N2, 100)).unwrap();
    let acts = drain(&mut m);
    assert!(
        acts.iter().all(|a| !matches!(a, Action::SendGarp { .. })),
        "{acts:?}"
    );
    let mut at = now;
    while at < now + Duration::from_secs(10) {
        at = m.poll_timeout().unwrap();
        m.handle_timeout(at);
        let acts = drain(&mut m);
        assert!(
            acts.iter().all(|a| !matches!(a, Action::SendGarp { .. })),
            "{acts:?}"
        );
    }
}

/// keepalived's higher_prio_send_advert: one advert before yielding.
#[test]
fn higher_prio_send_advert_sends_one_advert_before_yielding() {
    let (mut m, now) = settled_master(Params {
        higher_prio_send_advert: true,
        ..params(150)
    });
    m.handle_advert(now, &advert(N2, 200)).unwrap();
    let acts = drain(&mut m);
    assert_eq!(acts[0], Action::SendAdvert { priority: 150 });
    assert_eq!(m.state(), State::Backup);
    let (mut m, now) = settled_master(params(150));
    m.handle_advert(now, &advert(N2, 200)).unwrap();
    let acts = drain(&mut m);
    assert!(
        !acts.contains(&Action::SendAdvert { priority: 150 }),
        "{acts:?}"
    );
}

/// keepalived: a VIP deleted from under a Master (not `no_track`) makes it leave Master
/// and take over again after its Skew_Time, the VIPs added afresh.
#[test]
fn a_master_whose_vip_was_deleted_takes_over_again_after_skew_time() {
    let mut m = master(params(150));
    m.vip_lost(t(10_000));
    assert_eq!(
        drain(&mut m),
        [
            Action::RemoveVips,
            Action::Transition {
                from: State::Master,
                to: State::Backup,
                why: Reason::VipLost
            }
        ]
    );
    // Skew_Time for priority 150, VRRPv2: (256 - 150) / 256 s = 414.0625 ms.
    assert_eq!(m.poll_timeout(), Some(us(10_414_062)));
    m.handle_timeout(us(10_414_062));
    let a = drain(&mut m);
    assert_eq!(m.state(), State::Master);
    assert!(a.contains(&Action::AddVips), "{a:?}");
    // A Master heard meanwhile keeps it Backup.
    let mut m = master(params(150));
    m.vip_lost(t(10_000));
    drain(&mut m);
    m.handle_advert(t(10_100), &advert(N2, 200)).unwrap();
    m.handle_timeout(us(10_414_062));
    assert_eq!(m.state(), State::Backup);
    // Not Master: nothing to lose.
    let mut b = started(params(100), t(0));
    b.vip_lost(t(100));
    assert!(drain(&mut b).is_empty());
}

/// Issue 13 item 9, keepalived's address-list check: a Backup discards a Master whose
/// adverts list other VIPs (and takes over: two Masters, as with keepalived); with
/// `skip_check_adv_addr` it checks only a new Master's first advert. A Master always
/// checks.
#[test]
fn adverts_listing_other_vips_are_discarded_unless_from_the_master_followed() {
    let mismatch = Mismatch::Count {
        expected: 2,
        received: 1,
    };
    let other = Advert {
        mismatch: Some(mismatch),
        ..advert(N2, 200)
    };
    let mut b = started(params(100), t(0));
    assert_eq!(
        b.handle_advert(t(100), &other),
        Err(Discard::AddrList(mismatch))
    );
    assert_eq!(
        b.counters().discarded[Discard::AddrList(mismatch).index()],
        1
    );
    let due = b.poll_timeout().unwrap();
    b.handle_timeout(due);
    assert_eq!(b.state(), State::Master);
    assert_eq!(
        Discard::AddrList(mismatch).to_string(),
        "received an unexpected ip number count 1, expected 2!"
    );
    // skip_check_adv_addr: the Master followed is not checked again…
    let skip = Params {
        skip_check_adv_addr: true,
        ..params(100)
    };
    let mut b = started(skip.clone(), t(0));
    b.handle_advert(t(100), &advert(N2, 200)).unwrap();
    b.handle_advert(t(1100), &other).unwrap();
    // … a new one is.
    let third = Advert { src: N3, ..other };
    assert!(b.handle_advert(t(1200), &third).is_err());
    // A Master checks every advert.
    let mut m = master(skip);
    assert!(m.handle_advert(t(20_000), &other).is_err());
    assert_eq!(m.state(), State::Master);
}

/// Issue 13 item 15, keepalived's `vrrp_startup_delay`: a Backup until the delay is
/// over, its Master_Down_Timer running from then — also for the address owner, and
/// whatever it hears meanwhile.
#[test]
fn a_delayed_start_takes_over_no_earlier_than_the_delay_plus_the_timer() {
    let mut m = Machine::new(params(100), N1);
    m.delay_start(t(5000));
    m.start(t(0));
    assert_eq!(m.state(), State::Backup);
    // Master_Down_Interval for 100, VRRPv2: 3 s + 609.375 ms.
    assert_eq!(m.poll_timeout(), Some(us(8_609_375)));
    // A priority-0 advert during the delay: Skew_Time from the end of the delay.
    drain(&mut m);
    m.handle_advert(t(1000), &advert(N2, 0)).unwrap();
    assert_eq!(m.poll_timeout(), Some(us(5_609_375)));
    m.handle_timeout(us(5_609_375));
    assert_eq!(m.state(), State::Master);
    // The owner too: 1 µs after the delay.
    let mut o = Machine::new(params(255), N1);
    o.delay_start(t(2000));
    o.start(t(0));
    assert_eq!(o.state(), State::Backup);
    assert!(
        !drain(&mut o)
            .iter()
            .any(|a| matches!(a, Action::SendAdvert { .. }))
    );
    assert_eq!(o.poll_timeout(), Some(us(2_000_001)));
    // After the delay, timers run from now again.
    let mut m = Machine::new(params(100), N1);
    m.delay_start(t(1000));
    m.start(t(3000));
    assert_eq!(m.poll_timeout(), Some(us(6_609_375)));
}

/// Tracking's verdicts as the daemon applies them: Pending keeps the instance in
/// Initialize, a priority starts it (and is its effective priority), FAULT holds it and
/// a priority again brings it back.
#[test]
fn a_verdict_starts_faults_and_reprioritises_the_instance() {
    let mut m = Machine::new(params(100), N1);
    assert_eq!(m.apply_verdict(t(0), Verdict::Pending), None);
    assert_eq!(m.state(), State::Initialize);
    assert_eq!(m.apply_verdict(t(0), Verdict::Priority(100)), None);
    assert_eq!(m.state(), State::Backup);
    assert_eq!(m.apply_verdict(t(10), Verdict::Priority(90)), Some(100));
    assert_eq!((m.priority(), m.state()), (90, State::Backup));
    assert_eq!(m.apply_verdict(t(20), Verdict::Fault), None);
    assert_eq!(m.state(), State::Fault);
    assert_eq!(m.apply_verdict(t(30), Verdict::Priority(90)), None);
    assert_eq!(m.state(), State::Backup);
}
