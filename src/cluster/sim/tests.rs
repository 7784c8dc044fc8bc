use super::*;
use crate::cluster::tests::{node, seed};

const KV1: &str = include_str!("../../../tests/configs/syslog1.kv");
const KV2: &str = include_str!("../../../tests/configs/syslog2.kv");

fn at(ms: u64) -> Instant {
    Instant::from_micros(ms * 1000)
}

fn texts(sim: &Sim, node: usize) -> Vec<String> {
    sim.lines
        .iter()
        .filter(|l| l.node == node)
        .map(|l| l.text.clone())
        .collect()
}

/// The timeline's log lines are the daemon's: the same format strings, written twice
/// (the daemon logs through `log`, the simulator collects). If the daemon's wording
/// changes, this names the line to change here.
#[test]
fn log_lines_use_the_daemons_wording() {
    let daemon = [
        include_str!("../../daemon/router.rs"),
        include_str!("../../daemon/intake.rs"),
        include_str!("../../daemon/ah.rs"),
        include_str!("../../daemon/hooks.rs"),
        include_str!("../../daemon/routers.rs"),
        include_str!("../../daemon/groups.rs"),
        include_str!("../../daemon/tracking.rs"),
        include_str!("../../daemon/ifaces.rs"),
        include_str!("../../daemon/mod.rs"),
    ]
    .concat();
    for wording in [
        r#""({name}) Entering {to} STATE""#,
        r#""({name}) stopped, was {from}""#,
        r#""({}) starting: interface {}, VRID {}, priority {}, VRRPv{}, {mode}""#,
        r#""({}) Changing effective priority from {} to {p}""#,
        r#""({name}) Received advert from {src} with lower priority {priority}, ours {own}, forcing new election""#,
        r#""({}) dropped advert from {}: {d}{more}""#,
        r#"" ({suppressed} more since last report)""#,
        r#""({}) dropped advert from {}: {} (ours is {})""#,
        r#""({name}) following sync group {group} to {follow}""#,
        r#""({name}) sync group {group}: another member is in FAULT""#,
        r#""VRRP_Script({}) succeeded""#,
        r#""VRRP_Script({}) failed ({exit})""#,
        r#""Netlink reports {name} {}""#,
        r#"info!("stopped")"#,
    ] {
        assert!(
            daemon.contains(wording),
            "the daemon no longer logs {wording}"
        );
    }
}

#[test]
fn the_seed_pair_logs_what_the_daemons_log() {
    let c = Cluster::new(seed());
    let mut sim = Sim::new(&c, Segment::default());
    sim.start(0);
    sim.start(1);
    sim.run_until(at(10_000));
    sim.stop(0);
    sim.run_until(at(20_000));
    assert_eq!(
        texts(&sim, 0),
        [
            "(VI_1) starting: interface enp0s1, VRID 1, priority 150, VRRPv2, unicast",
            "(VI_1) Entering BACKUP STATE",
            "(VI_1) Entering MASTER STATE",
            "(VI_1) stopped, was MASTER",
            "stopped",
        ]
    );
    assert_eq!(
        texts(&sim, 1),
        [
            "(VI_1) starting: interface enp0s1, VRID 1, priority 100, VRRPv2, unicast",
            "(VI_1) Entering BACKUP STATE",
            "(VI_1) Entering MASTER STATE",
        ]
    );
    assert!(!sim.is_up(0) && sim.is_up(1));
}

#[test]
fn a_stop_with_nobody_to_take_over_releases_after_the_longest_skew() {
    let c = Cluster::new(seed());
    let mut sim = Sim::new(&c, Segment::default());
    sim.start(0);
    sim.run_until(at(5_000));
    sim.stop(0);
    // Skew_Time of priority 1 at v2 (255/256 s) + a quarter interval.
    sim.run_until(at(5_000) + Duration::from_micros(996_093 + 250_000 - 1));
    assert!(sim.is_up(0));
    sim.run_until(at(7_000));
    assert!(!sim.is_up(0));
    let last = sim.changes.last().unwrap();
    assert_eq!((last.role, last.holds), (Role::Down, false));
    assert_eq!(
        last.at,
        at(5_000) + Duration::from_micros(996_093 + 250_000)
    );
}

#[test]
fn a_peer_list_that_misses_the_master_is_logged_once_and_makes_two_masters() {
    let b = KV2.replace("unicast_peer = 192.0.2.11", "unicast_peer = 192.0.2.13");
    let c = Cluster::new(vec![node("a", KV1), node("b", &b)]);
    let mut sim = Sim::new(&c, Segment::default());
    sim.start(0);
    sim.start(1);
    sim.run_until(at(30_000));
    // b never sends to a (its peer is .13), but a's adverts reach b, which drops them:
    // logged once a minute, by the daemon's rate limit.
    let drops: Vec<String> = texts(&sim, 1)
        .into_iter()
        .filter(|t| t.contains("dropped"))
        .collect();
    assert_eq!(
        drops,
        ["(VI_1) dropped advert from 192.0.2.11: sender is not a configured unicast_peer"]
    );
    let masters = sim
        .changes
        .iter()
        .filter(|ch| ch.role == Role::Master)
        .count();
    assert_eq!(masters, 2);
}

#[test]
fn a_crashed_node_says_nothing_and_serves_nothing() {
    let c = Cluster::new(seed());
    let mut sim = Sim::new(&c, Segment::default());
    sim.start(0);
    sim.start(1);
    sim.run_until(at(5_000));
    let before = sim.lines.len();
    sim.crash(0);
    sim.run_until(at(10_000));
    assert!(sim.lines[before..].iter().all(|l| l.node == 1));
    let a: Vec<&Change> = sim
        .changes
        .iter()
        .filter(|ch| ch.member.node == 0)
        .collect();
    assert_eq!(
        (a.last().unwrap().role, a.last().unwrap().holds),
        (Role::Down, false)
    );
    // syslog1's last advert left at 4.004 s: syslog2 takes over at 7.613 s and
    // advertises then, at 8.613 and at 9.613.
    assert_eq!(sim.sent(1), 3);
}

#[test]
fn multicast_adverts_reach_only_nodes_that_joined_the_group() {
    // a multicast, b unicast to a: b hears nothing, a hears b.
    let a = KV1.replace(
        "unicast_src_ip = 192.0.2.11\nunicast_peer = 192.0.2.12\n",
        "",
    );
    let c = Cluster::new(vec![node("a", &a), node("b", KV2)]);
    let (sim, masters) = masters_in_20_s(&c);
    // a (150) is Master first and stays; b never hears it and takes over too.
    assert_eq!(masters, [0, 1]);
    assert!(
        texts(&sim, 0)
            .iter()
            .any(|t| t.contains("Received advert from 192.0.2.12 with lower priority 100"))
    );
}

/// Issue 13 item 10: a node on another multicast group (`mcast_dst_ip`) hears nothing,
/// as the daemon now joins and sends to that group.
#[test]
fn multicast_adverts_reach_only_nodes_on_the_same_group() {
    let strip = |kv: &str| {
        let mut t = kv.to_string();
        for l in kv.lines().filter(|l| l.starts_with("unicast_")) {
            t = t.replace(&format!("{l}\n"), "");
        }
        t
    };
    let b = strip(KV2).replace(
        "advert_int = 1\n",
        "advert_int = 1\nmcast_dst_ip = 224.0.0.19\n",
    );
    let c = Cluster::new(vec![node("a", &strip(KV1)), node("b", &b)]);
    assert_eq!(masters_in_20_s(&c).1, [0, 1]);
}

/// Both nodes started together and run 20 s: the nodes that became Master, in order.
fn masters_in_20_s(c: &Cluster) -> (Sim<'_>, Vec<usize>) {
    let mut sim = Sim::new(c, Segment::default());
    sim.start(0);
    sim.start(1);
    sim.run_until(at(20_000));
    let masters = sim
        .changes
        .iter()
        .filter(|ch| ch.role == Role::Master)
        .map(|ch| ch.member.node)
        .collect();
    (sim, masters)
}

#[test]
fn segment_options_are_decimals_within_their_range() {
    let opt = |s: &str| Some(s.to_string());
    let seg = Segment::from_options(opt("2.5"), opt("0.1"), opt("42")).unwrap();
    assert_eq!(seg.latency, Duration::from_micros(2500));
    assert_eq!((seg.loss_ppm, seg.seed), (1000, 42));
    assert_eq!(
        Segment::from_options(None, None, None),
        Ok(Segment::default())
    );
    for (lat, loss) in [
        ("-1", "0"),
        ("1e3", "0"),
        ("0.0001", "0"),
        ("0", "101"),
        ("0", "x"),
        ("10001", "0"),
    ] {
        assert!(
            Segment::from_options(opt(lat), opt(loss), None).is_err(),
            "{lat} {loss}"
        );
    }
}
