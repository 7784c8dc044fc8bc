use super::*;
use crate::cluster::tests::{node, seed};

const KV1: &str = include_str!("../../../tests/configs/syslog1.kv");
const KV2: &str = include_str!("../../../tests/configs/syslog2.kv");

fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// RFC 3768 at the seed's settings: Skew_Time and Master_Down_Interval of the
/// priority-100 Backup, and `state MASTER`'s wait (one interval + the smallest skew).
const SKEW_100: u64 = 609_375;
const MDI_100: u64 = 3_609_375;
const STATE_MASTER_WAIT: u64 = 1_003_906;

fn pair(a: &str, b: &str) -> Cluster {
    Cluster::new(vec![node("a", a), node("b", b)])
}

fn played<'a>(all: &'a [Played], kind: &str) -> &'a Played {
    all.iter()
        .find(|p| p.plan.kind == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn the_seed_pair_starts_with_syslog1_and_plays_stop_crash_and_link_down() {
    let c = Cluster::new(seed());
    let all = play_all(&c, Segment::default());
    let kinds: Vec<&str> = all.iter().map(|p| p.plan.kind).collect();
    assert_eq!(kinds, ["startup", "stop", "crash", "link"]);
    let start = &all[0].steps[0].outcomes[0];
    assert_eq!(
        (start.before.as_slice(), start.after.as_slice()),
        (&[][..], &[0][..])
    );
    assert_eq!(start.handover, Some(us(STATE_MASTER_WAIT)));
    assert!(start.two_masters.is_empty() && start.gap.is_zero());
}

#[test]
fn seed_pair_graceful_stop_hands_over_in_skew_time_without_a_gap() {
    let c = Cluster::new(seed());
    let stop = played(&play_all(&c, Segment::default()), "stop").steps[0].outcomes[0].clone();
    assert_eq!((stop.before, stop.after), (vec![0], vec![1]));
    assert_eq!(stop.handover, Some(us(SKEW_100)));
    // Make before break: syslog1 served the VIPs until syslog2 had them.
    assert!(stop.gap.is_zero());
    assert_eq!(stop.no_master, us(SKEW_100));
    assert!(stop.two_masters.is_empty());
}

#[test]
fn seed_pair_crash_hands_over_within_master_down_interval() {
    let c = Cluster::new(seed());
    let all = play_all(&c, Segment::default());
    let crash = played(&all, "crash");
    let o = &crash.steps[0].outcomes[0];
    // Right after syslog1's last advert: the whole Master_Down_Interval, all of it a
    // gap for clients. Right before the next one: an interval less.
    assert_eq!(o.handover, Some(us(MDI_100)));
    assert_eq!(o.gap, us(MDI_100));
    let early = &crash.shortest.as_ref().unwrap()[0];
    assert_eq!(early.handover, Some(us(MDI_100 - 1_000_000 + 1)));
    assert_eq!(early.gap, us(MDI_100 - 1_000_000 + 1));
    // Its return preempts after `state MASTER`'s wait: two Masters for the instant
    // syslog1's first advert takes to reach syslog2.
    let back = &crash.steps[1].outcomes[0];
    assert_eq!(
        (back.after.as_slice(), back.handover),
        (&[0][..], Some(us(STATE_MASTER_WAIT)))
    );
    assert_eq!(back.two_masters.len(), 1);
    assert_eq!(back.two_masters[0].0, back.two_masters[0].1);
    // Only syslog2 speaks while syslog1 is down.
    let before_return = crash.steps[1].at;
    assert!(
        crash
            .lines
            .iter()
            .filter(|l| l.at < before_return)
            .all(|l| l.node == 1)
    );
}

#[test]
fn latency_delays_the_handover_and_makes_the_overlap_visible() {
    let c = Cluster::new(seed());
    let seg = Segment {
        latency: Duration::from_millis(2),
        ..Segment::default()
    };
    let all = play_all(&c, seg);
    // Priority 0 arrives 2 ms late, the new Master's advert releases syslog1 2 ms later.
    let stop = &played(&all, "stop").steps[0].outcomes[0];
    assert_eq!(stop.handover, Some(us(SKEW_100 + 4_000)));
    // The crash comes once syslog1's advert has arrived: still Master_Down_Interval.
    assert_eq!(
        played(&all, "crash").steps[0].outcomes[0].handover,
        Some(us(MDI_100))
    );
    let back = &played(&all, "crash").steps[1].outcomes[0];
    let (a, b) = back.two_masters[0];
    assert_eq!(b - a, Duration::from_millis(2));
}

#[test]
fn link_down_on_the_master_is_a_silent_master() {
    let c = Cluster::new(seed());
    let all = play_all(&c, Segment::default());
    let link = played(&all, "link");
    assert!(matches!(&link.steps[0].event, Some(Event::LinkDown(0, i)) if i == "enp0s1"));
    let o = &link.steps[0].outcomes[0];
    // FAULT's priority-0 advert cannot leave a dead link: the Backup waits it out.
    assert_eq!(o.handover, Some(us(MDI_100)));
    let texts: Vec<&str> = link.lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts[..3],
        [
            "Netlink reports enp0s1 down",
            "(VI_1) Entering FAULT STATE",
            "(VI_1) Entering MASTER STATE"
        ]
    );
}

/// The seed article's part 2: a check on the service, weight −60, fall 2, rise 2.
const PART2: &str = "vrrp_script = chk_syslog_ng\nscript = /usr/bin/pgrep -x syslog-ng\ninterval = 1\nweight = -60\nfall = 2\nrise = 2\n";

#[test]
fn a_failing_check_moves_the_vips_after_fall_runs_and_one_skew_time() {
    let a = format!("{PART2}{KV1}track_script = chk_syslog_ng\n");
    let c = pair(&a, KV2);
    let all = play_all(&c, Segment::default());
    let kinds: Vec<&str> = all.iter().map(|p| p.plan.kind).collect();
    assert_eq!(kinds, ["startup", "stop", "crash", "script", "link"]);
    let script = played(&all, "script");
    let o = &script.steps[0].outcomes[0];
    // Failing right after a good run: two more runs (fall 2), then 90 is advertised and
    // the Backup (100) preempts after its Skew_Time.
    assert_eq!(o.handover, Some(us(2_000_000 + SKEW_100)));
    assert!(o.gap.is_zero(), "the VIPs move make-before-break: {o:?}");
    let lines: Vec<(usize, &str)> = script
        .lines
        .iter()
        .map(|l| (l.node, l.text.as_str()))
        .collect();
    for expected in [
        (0, "VRRP_Script(chk_syslog_ng) failed (exit status 1)"),
        (0, "(VI_1) Changing effective priority from 150 to 90"),
        (1, "(VI_1) Entering MASTER STATE"),
        (0, "(VI_1) Entering BACKUP STATE"),
        (0, "VRRP_Script(chk_syslog_ng) succeeded"),
        (0, "(VI_1) Changing effective priority from 90 to 150"),
    ] {
        assert!(lines.contains(&expected), "{expected:?} not in {lines:#?}");
    }
    // Back after rise 2 good runs, then syslog2's next advert and syslog1's Skew_Time.
    let back = &script.steps[1].outcomes[0];
    assert_eq!(back.after, [0]);
    let h = back.handover.unwrap();
    assert!(h > us(1_000_000) && h <= us(3_000_000 + 414_063), "{h:?}");
}

#[test]
fn nopreempt_keeps_the_vips_where_they_went() {
    let a = format!(
        "{}nopreempt = yes\n",
        KV1.replace("state = MASTER", "state = BACKUP")
    );
    let c = pair(&a, KV2);
    let all = play_all(&c, Segment::default());
    let back = &played(&all, "crash").steps[1].outcomes[0];
    assert_eq!(
        (back.before.as_slice(), back.after.as_slice()),
        (&[1][..], &[1][..])
    );
    assert_eq!(back.handover, None);
}

#[test]
fn state_master_on_both_nodes_makes_two_masters_for_as_long_as_an_advert_travels() {
    let b = KV2.replace("state = BACKUP", "state = MASTER");
    let c = pair(KV1, &b);
    let start = &play_all(&c, Segment::default())[0].steps[0].outcomes[0];
    assert_eq!(
        start.two_masters,
        [(
            Instant::from_micros(STATE_MASTER_WAIT),
            Instant::from_micros(STATE_MASTER_WAIT)
        )]
    );
    let seg = Segment {
        latency: Duration::from_millis(5),
        ..Segment::default()
    };
    let start = &play_all(&c, seg)[0].steps[0].outcomes[0];
    let (a, b) = start.two_masters[0];
    assert_eq!(b - a, Duration::from_millis(5));
    assert_eq!(start.after, [0]);
}

#[test]
fn a_sync_group_moves_together_when_one_member_faults() {
    let second = |prio: u32| {
        format!(
            "instance = VI_2\ninterface = enp0s1\nvirtual_router_id = 2\npriority = {prio}\nvirtual_ipaddress = 192.0.2.20/24\nvrrp_sync_group = G\ngroup = VI_1 VI_2\n"
        )
    };
    let check = "vrrp_script = chk\nscript = /bin/true\ninterval = 1\n";
    let a = format!("{check}{KV1}track_script = chk\n{}", second(150));
    let b = format!("{KV2}{}", second(100));
    let c = pair(&a, &b);
    let all = play_all(&c, Segment::default());
    let script = played(&all, "script");
    let (v1, v2) = (&script.steps[0].outcomes[0], &script.steps[0].outcomes[1]);
    assert_eq!(
        (v1.after.as_slice(), v2.after.as_slice()),
        (&[1][..], &[1][..])
    );
    assert_eq!(v1.handover, v2.handover);
    let texts: Vec<&str> = script.lines.iter().map(|l| l.text.as_str()).collect();
    assert!(
        texts.contains(&"(VI_2) sync group G: another member is in FAULT"),
        "{texts:#?}"
    );
    assert!(
        texts.contains(&"(VI_2) following sync group G to MASTER"),
        "{texts:#?}"
    );
}

#[test]
fn one_vip_under_two_vrids_is_one_service_with_two_masters() {
    let b = KV2.replace("virtual_router_id = 1", "virtual_router_id = 2");
    let c = pair(KV1, &b);
    assert_eq!(c.pairing.services, [vec![0, 1]]);
    let start = &play_all(&c, Segment::default())[0].steps[0].outcomes[0];
    assert_eq!(start.after, [0, 1]);
    let (from, to) = start.two_masters[0];
    assert_eq!((from, to), (Instant::from_micros(MDI_100), start.end));
}

#[test]
fn losses_follow_the_seed() {
    let c = Cluster::new(seed());
    let seg = |seed| Segment {
        loss_ppm: 300_000,
        seed,
        ..Segment::default()
    };
    let lines = |s| -> Vec<(u64, usize, String)> {
        play_all(&c, seg(s))
            .into_iter()
            .flat_map(|p| p.lines)
            .map(|l| (l.at.as_micros(), l.node, l.text))
            .collect()
    };
    assert_eq!(lines(7), lines(7));
    assert_ne!(lines(7), lines(8));
    // Everything lost: the Backup never hears the Master.
    let all = play_all(
        &c,
        Segment {
            loss_ppm: 1_000_000,
            ..Segment::default()
        },
    );
    assert_eq!(all[0].steps[0].outcomes[0].after, [0, 1]);
}

#[test]
fn a_step_lasts_until_the_slowest_node_has_settled() {
    assert_eq!(step_length(&Cluster::new(seed())), Duration::from_secs(7));
    let a = format!("{PART2}{KV1}track_script = chk_syslog_ng\n");
    // 4 intervals + skew of priority 1 + (rise 2 + 1) checks + 2 s.
    assert_eq!(step_length(&pair(&a, KV2)), Duration::from_secs(10));
}
