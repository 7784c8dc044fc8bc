//! Failover scenarios shared by the integration tests: the seed article's sequence of
//! stops, crashes and restarts, run with either daemon on either node.
//!
//! Timing margins are generous (a noisy 2-core CI machine); each still separates the
//! rule under test from its absence: a graceful stop must hand over within Skew_Time
//! (609 ms) + 0.9 s, far below the 3.6 s a missed priority-0 advert would take.
use super::*;
use std::path::Path;
use std::time::Duration;

const SIGTERM: i32 = libc::SIGTERM;
const SIGKILL: i32 = libc::SIGKILL;

/// How long each handover may take: the RFC figure for the priority-100 backup plus a
/// margin for a loaded machine.
pub struct Limits {
    /// Skew_Time (+ margin): the backup heard priority 0.
    pub graceful: Duration,
    /// Master_Down_Interval (+ margin): the master vanished.
    pub crash: Duration,
    /// tinyvrrpd's `state MASTER` waits one advert interval before preempting (+ margin).
    pub preempt: Duration,
    /// keepalived 2.2 (Debian's) and FRR preempt after the priority-150 node's own
    /// Master_Down_Interval (+ margin); keepalived's one-interval start came later.
    pub preempt_keepalived: Duration,
}

impl Limits {
    fn preempt(&self, daemon: Vrrpd) -> Duration {
        match daemon {
            Vrrpd::Tiny => self.preempt,
            Vrrpd::Keepalived | Vrrpd::Frr => self.preempt_keepalived,
        }
    }
}

/// VRRPv2, advert_int 1: Skew_Time 609 ms, Master_Down_Interval 3.609 s.
pub const V2_1S: Limits = Limits {
    graceful: Duration::from_millis(609 + 900),
    crash: Duration::from_millis(3609 + 1500),
    preempt: Duration::from_millis(1004 + 2000),
    preempt_keepalived: Duration::from_millis(3414 + 2000),
};

/// VRRPv3, advert_int 0.1: Skew_Time 61 ms, Master_Down_Interval 361 ms.
pub const V3_100MS: Limits = Limits {
    graceful: Duration::from_millis(61 + 900),
    crash: Duration::from_millis(361 + 1500),
    preempt: Duration::from_millis(101 + 2000),
    preempt_keepalived: Duration::from_millis(341 + 2000),
};

/// The whole article, part 1: start both, stop the master, start it again, crash it,
/// start it again, stop everything.
/// One node of a scenario: which daemon, with which configuration.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub daemon: Vrrpd,
    pub config: &'a Path,
    /// tinyvrrpd only: a router build to run instead of cargo's (maybe under qemu).
    pub bin: Option<&'a TinyBin>,
}

pub fn tiny(config: &Path) -> Side<'_> {
    Side {
        daemon: Vrrpd::Tiny,
        config,
        bin: None,
    }
}

/// tinyvrrpd as built by cross/build.sh (tests/routers.rs).
pub fn router_build<'a>(bin: &'a TinyBin, config: &'a Path) -> Side<'a> {
    Side {
        daemon: Vrrpd::Tiny,
        config,
        bin: Some(bin),
    }
}

pub fn keepalived(config: &Path) -> Side<'_> {
    Side {
        daemon: Vrrpd::Keepalived,
        config,
        bin: None,
    }
}

pub fn frr(config: &Path) -> Side<'_> {
    Side {
        daemon: Vrrpd::Frr,
        config,
        bin: None,
    }
}

/// The seed's key=value file `base` turned into VRRPv3 multicast at advert_int 0.1 (no
/// unicast peers, no authentication).
pub fn multicast_v3(base: &str) -> String {
    let text = std::fs::read_to_string(config_path(base)).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("unicast_") && !l.starts_with("auth_"))
        .collect();
    format!(
        "vrrp_version = 3\n{}\nadvert_int = 0.1\n",
        kept.join("\n").replace("advert_int = 1\n", "")
    )
}

/// a (priority 150) and b (priority 100): start both, stop the master, start it again,
/// crash it, start it again, stop everything — checking the VIP, the client's view and
/// that neither side complains about the other's packets.
pub fn failover_in(lab: &mut Lab, a: Side, b: Side, limits: &Limits) {
    for (host, side) in [('a', a), ('b', b)] {
        if let Some(bin) = side.bin {
            lab.use_binary(host, bin);
        }
    }
    lab.start_with('a', a.daemon, a.config);
    if a.bin.is_some_and(|b| b.emulator.is_some()) {
        // qemu needs a moment to start: at 100 ms adverts the Backup's
        // Master_Down_Interval (361 ms) is not much more. The election starts once a
        // listens, as it would between two routers booted together.
        lab.wait_log('a', entered(a.daemon, "BACKUP"), 1, Duration::from_secs(5));
    }
    if a.daemon != Vrrpd::Tiny {
        // keepalived 2.2.7 with `state MASTER` waits a full Master_Down_Interval of its
        // own before its first advert — at 100 ms adverts only ≈ 20 ms less than the
        // Backup's, less than keepalived's own start-up on a loaded machine; FRR over
        // IPv6 needs zebra and its macvlan's DAD first (≈ 5 s). Let the other daemon
        // become Master first; the election between running nodes is tested below.
        wait_until(
            limits.preempt(a.daemon) + Duration::from_secs(2),
            || lab.owns('a'),
            || format!("{:?} never became Master:\n{}", a.daemon, lab.log('a')),
        );
    }
    lab.start_with('b', b.daemon, b.config);

    // Exactly one master: syslog1 (priority 150, state MASTER).
    lab.wait_sole_owner('a', limits.preempt(a.daemon) + Duration::from_secs(2));
    lab.wait_log('a', entered(a.daemon, "MASTER"), 1, Duration::from_secs(2));
    lab.wait_log('b', entered(b.daemon, "BACKUP"), 1, Duration::from_secs(2));
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        lab.owns('a') && !lab.owns('b'),
        "not exactly one master after settling:\n--- a\n{}\n--- b\n{}",
        lab.log('a'),
        lab.log('b')
    );
    assert!(
        !lab.log('b').contains(entered(b.daemon, "MASTER")),
        "backup was master:\n{}",
        lab.log('b')
    );
    assert!(
        lab.ping_vip_from_client(),
        "client cannot reach the VIP on the master"
    );

    // Graceful stop: priority-0 advert, the backup takes over after its Skew_Time.
    // Measured from the signal: keepalived resigns at once but exits ~1 s later.
    lab.signal('a', SIGTERM);
    // tinyvrrpd with a virtual MAC releases at once, as keepalived does: two nodes
    // answering from one MAC would confuse the switch.
    let make_before_break = a.daemon == Vrrpd::Tiny && !lab.log('a').contains("virtual MAC ");
    let took = if make_before_break {
        // Make before break: a keeps the VIP until b has taken it; at no moment does
        // nobody hold it (keepalived drops it at once, leaving a gap of Skew_Time).
        lab.wait_handover_without_gap('a', 'b', limits.graceful)
    } else {
        lab.wait_sole_owner('b', limits.graceful)
    };
    eprintln!("graceful failover: {took:?}");
    assert_eq!(lab.wait_exit('a'), Some(0), "SIGTERM must exit 0");
    assert!(!lab.owns('a'), "VIP left behind after SIGTERM");
    assert!(
        lab.ping_vip_from_client(),
        "client cannot reach the VIP on the new master"
    );

    // Restart: syslog1 preempts and the VIP returns.
    lab.start_with('a', a.daemon, a.config);
    let took = lab.wait_sole_owner('a', limits.preempt(a.daemon));
    eprintln!("preemption after restart: {took:?}");
    lab.wait_log('b', entered(b.daemon, "BACKUP"), 2, Duration::from_secs(2));

    // Crash: no priority-0 advert; the backup waits Master_Down_Interval.
    lab.stop('a', SIGKILL);
    let start = std::time::Instant::now();
    while !lab.owns('b') {
        assert!(
            start.elapsed() < limits.crash,
            "backup did not take over within {:?}:\n{}",
            limits.crash,
            lab.log('b')
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    eprintln!("crash failover: {:?}", start.elapsed());

    // The crashed master left its VIP behind (nobody could remove it); starting again
    // removes it before anything else, then preempts.
    lab.start_with('a', a.daemon, a.config);
    if a.daemon == Vrrpd::Tiny {
        // With a virtual MAC the stale VIP goes with the stale macvlan.
        let stale = if make_before_break {
            format!("removed stale VIP {}/", lab.vip)
        } else {
            "removed stale virtual MAC interface".to_string()
        };
        lab.wait_log('a', &stale, 1, Duration::from_secs(3));
    }
    lab.wait_sole_owner('a', limits.preempt(a.daemon));

    // Stop everything: no VIP anywhere.
    assert_eq!(lab.stop('b', SIGTERM), Some(0));
    assert_eq!(lab.stop('a', SIGTERM), Some(0));
    assert!(
        !lab.owns('a') && !lab.owns('b'),
        "VIP left behind after stopping both"
    );
    for (host, side) in [('a', a), ('b', b)] {
        assert_no_complaints(lab, host, side.daemon);
    }
}

/// The line each daemon logs on entering `state` (MASTER or BACKUP).
pub fn entered(daemon: Vrrpd, state: &str) -> &'static str {
    match (daemon, state) {
        (Vrrpd::Frr, "MASTER") => "Backup -> Master",
        (Vrrpd::Frr, _) => "-> Backup",
        (_, "MASTER") => "(VI_1) Entering MASTER STATE",
        _ => "(VI_1) Entering BACKUP STATE",
    }
}

/// Lines each daemon logs when it rejects a peer's packet (keepalived 2.2's wording for
/// TTL, version, auth, interval, type, length and checksum; ours all say "dropped").
pub fn complaints(daemon: Vrrpd) -> &'static [&'static str] {
    match daemon {
        Vrrpd::Tiny => &["dropped"],
        Vrrpd::Keepalived => &[
            "invalid TTL",
            "wrong VRRP version",
            "Invalid auth type",
            " auth from ",
            "invalid passwd",
            "interval mismatch",
            "Invalid packet type",
            "ip_tot_len mismatch",
            "Invalid VRRPv3 checksum",
            "Checksum ERROR",
            "vrrp packet from",
            "IPSEC",
            "AH header",
        ],
        // FRR's vrrpd: any complaint about a packet or its checksum.
        Vrrpd::Frr => &["nvalid", "hecksum", "mismatch", "malformed"],
    }
}

pub fn assert_no_complaints(lab: &Lab, host: char, daemon: Vrrpd) {
    let log = lab.log(host);
    for c in complaints(daemon) {
        assert!(
            !log.contains(c),
            "{host} ({daemon:?}) complained ({c:?}):\n{log}"
        );
    }
}
