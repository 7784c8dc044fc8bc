//! Issue 18 item 1: one on-link host flooding the Master — lower-priority adverts for its
//! VRID (TTL 255, to 224.0.0.18), or junk — as fast as this machine sends them. The
//! Master must live on (no RLIMIT_RTTIME SIGKILL), stay Master, keep its advert rhythm and
//! log a bounded number of lines. Bounded in count and time; the generator runs in the
//! lab's client namespace (tests/common/flood.rs). tests/bench/flood.sh measures the same
//! at full length and reports the rate reached.
mod common;

use common::flood::{Sent, flood, frame, witness};
use common::scenario::multicast_v3;
use common::*;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tinyvrrpd::wire::{Version, packet};

const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// What a flood is made of: its frames, given the sender's MAC.
type Frames = fn([u8; 6]) -> Vec<Vec<u8>>;
const A: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 11);

/// The seed pair as VRRPv3 multicast at 1 s: a (150) Master, b (100) Backup, settled.
/// Their real-time limit is a tenth of the default (SIGXCPU after 50 ms without a
/// sleep), so a loop that keeps running through a flood shows in the log.
fn pair() -> Lab {
    let mut lab = Lab::new();
    let conf = |base| {
        let c = multicast_v3(base).replace("advert_int = 0.1", "advert_int = 1");
        format!("vrrp_rlimit_rttime = 100000\n{c}")
    };
    let a = lab.write_config("a.kv", &conf("syslog1.kv"));
    let b = lab.write_config("b.kv", &conf("syslog2.kv"));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    lab.wait_log('b', "Entering BACKUP STATE", 1, Duration::from_secs(2));
    lab
}

/// Lower-priority (50) VRRPv3 adverts for VRID 1, each from another on-link address
/// (192.0.2.150-249), to the group, TTL 255: valid in every respect.
pub fn lower_priority(mac: [u8; 6]) -> Vec<Vec<u8>> {
    (150..250u8)
        .map(|h| {
            let src = Ipv4Addr::new(192, 0, 2, h);
            let repr = packet::Repr {
                version: Version::V3,
                vrid: 1,
                priority: 50,
                interval_cs: 100,
                auth: packet::Auth::None,
                addrs: &[192, 0, 2, 10],
            };
            let mut buf = [0u8; 64];
            let n = repr
                .emit(&mut buf, IpAddr::V4(src), IpAddr::V4(GROUP))
                .unwrap();
            frame(mac, src, GROUP, 255, &buf[..n])
        })
        .collect()
}

/// Junk for VRID 1 at the group: bad checksums, other versions, truncated, TTL 1, other
/// VRIDs — each claiming priority 255, so that accepting one would move the VIP.
pub fn junk(mac: [u8; 6]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (k, src) in (150..250u8)
        .map(|h| Ipv4Addr::new(192, 0, 2, h))
        .enumerate()
    {
        let vrid = if k % 5 == 4 { 2 + k as u8 } else { 1 };
        let repr = packet::Repr {
            version: Version::V3,
            vrid,
            priority: 255,
            interval_cs: 100,
            auth: packet::Auth::None,
            addrs: &[192, 0, 2, 10],
        };
        let mut buf = [0u8; 64];
        let n = repr
            .emit(&mut buf, IpAddr::V4(src), IpAddr::V4(GROUP))
            .unwrap();
        let mut p = buf[..n].to_vec();
        let ttl = match k % 5 {
            0 => {
                p[6] ^= 0x5a; // checksum
                255
            }
            1 => {
                p[0] = 0x41; // version 4
                255
            }
            2 => {
                p.truncate(6);
                255
            }
            3 => 1,
            _ => 255,
        };
        out.push(frame(mac, src, GROUP, ttl, &p));
    }
    out
}

/// Flood a for `window` (at most `max` frames) and check what must hold; returns what the
/// generator sent.
pub fn flood_the_master(lab: &mut Lab, build: Frames, max: u64, window: Duration) -> Sent {
    let lines_before = lab.log('a').lines().count();
    // a's adverts as b's namespace sees them, the flood filtered out in the kernel.
    let stop = Arc::new(AtomicBool::new(false));
    let limit = window + Duration::from_secs(10);
    let seen = witness(&lab.ns('b'), A, stop.clone(), limit);
    std::thread::sleep(Duration::from_millis(1500));
    let t0 = Instant::now();
    let sent = flood(&lab.ns('c'), build, max, window).join().unwrap();
    let span = t0.elapsed();
    if let Some(st) = lab.exited('a') {
        panic!(
            "a died during the flood ({st}) after {:?}: {sent:?}\n{}",
            t0.elapsed(),
            lab.log('a')
        );
    }
    std::thread::sleep(Duration::from_millis(1100));
    stop.store(true, Ordering::Relaxed);
    let seen = seen.join().unwrap();
    let after = lab.state_dump('b');
    let a = lab.state_dump('a');
    let log_lines = lab.log('a').lines().count() - lines_before;
    // From a's last advert before the flood to its first one after it.
    let margin = Duration::from_millis(1100);
    let end = t0 + span + margin;
    let around: Vec<Instant> = seen
        .iter()
        .copied()
        .filter(|&t| t + margin >= t0 && t <= end)
        .collect();
    let gap = around.windows(2).map(|w| w[1] - w[0]).max();
    eprintln!(
        "{} frames in {:?} ({:.0}/s, {} failed sends); b's namespace saw {} adverts from a around the flood's {span:?}, longest gap {gap:?}; a logged {log_lines} lines",
        sent.frames,
        sent.elapsed,
        sent.rate(),
        sent.failed,
        around.len()
    );
    assert!(a.contains("State: MASTER"), "{a}");
    assert!(after.contains("State: BACKUP"), "{after}");
    // Every pass of the loop ended in a sleep: the real-time limit never came near.
    assert!(
        !lab.log('a').contains("too much CPU time"),
        "{}",
        lab.log('a')
    );
    let changes = |host| lab.log(host).matches("Entering").count();
    assert_eq!(changes('a'), 2, "{}", lab.log('a'));
    assert_eq!(changes('b'), 1, "{}", lab.log('b'));
    assert!(lab.has_vip('a') && !lab.has_vip('b'));
    // Adverts on time: one a second through the flood, none late by a tenth of the
    // interval (b takes over after 3.6 s without them).
    assert!(
        around.len() as f64 >= span.as_secs_f64().floor() + 1.0,
        "{} adverts from a around {span:?}",
        around.len()
    );
    assert!(
        gap.is_some_and(|g| g < Duration::from_millis(1100)),
        "a's adverts {gap:?} apart"
    );
    // Bounded log: the drop budget (32 lines, then one a second), a few more for the
    // real-time fallback.
    let budget = 32 + 2 * window.as_secs() as usize + 10;
    assert!(
        log_lines <= budget,
        "a logged {log_lines} lines (budget {budget}):\n{}",
        lab.log('a')
    );
    sent
}

/// The namespace tests' flood: 5 s, at most 2 million frames, and a flood it must be.
fn five_seconds_of(build: Frames) {
    if !can_run_lab() {
        return;
    }
    let mut lab = pair();
    let s = flood_the_master(&mut lab, build, 2_000_000, Duration::from_secs(5));
    assert!(s.frames > 50_000, "not much of a flood: {s:?}");
}

#[test]
fn a_flood_of_lower_priority_adverts_leaves_the_master_alive_and_on_time() {
    five_seconds_of(lower_priority);
}

#[test]
fn a_flood_of_junk_leaves_the_master_alive_and_on_time() {
    five_seconds_of(junk);
}

/// Issue 18 item 1: RLIMIT_RTTIME was set with its soft limit equal to the hard one, so
/// the kernel's first word was SIGKILL; SIGXCPU (the soft limit's) was not handled
/// either, and its default action ends the process. Now: SIGXCPU at half the limit, and
/// the daemon leaves real-time scheduling (which has no such limit), says so once and
/// goes on as Master.
#[test]
fn sigxcpu_moves_the_daemon_to_normal_scheduling_and_it_goes_on() {
    if !can_run_lab() {
        return;
    }
    let mut lab = pair();
    assert_eq!(lab.sched('a', 1), (10, libc::SCHED_RR as u32));
    let pid = std::fs::read_to_string(lab.pid_file('a')).unwrap();
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", pid.trim())).unwrap();
    let rttime: Vec<&str> = limits
        .lines()
        .find(|l| l.starts_with("Max realtime timeout"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(rttime[3..5], ["50000", "100000"], "{limits}");
    lab.signal('a', libc::SIGXCPU);
    lab.signal('a', libc::SIGXCPU);
    let line = "running SCHED_OTHER from now on";
    lab.wait_log('a', line, 1, Duration::from_secs(2));
    std::thread::sleep(Duration::from_millis(1500));
    assert!(lab.exited('a').is_none(), "{}", lab.log('a'));
    assert_eq!(lab.log('a').matches(line).count(), 1, "{}", lab.log('a'));
    assert_eq!(lab.sched('a', 1), (0, libc::SCHED_OTHER as u32));
    assert!(lab.has_vip('a') && !lab.has_vip('b'));
    assert_eq!(
        lab.log('b').matches("Entering").count(),
        1,
        "{}",
        lab.log('b')
    );
}

/// The figure behind the acceptance (tests/bench/flood.sh runs it, with the static
/// release build in TINYVRRPD_BIN): each flood for FLOOD_SECONDS (default 10, at most
/// 60), bounded at 400 000 frames a second, with what the generator actually reached.
/// The checks are those of the tests above; the rate is reported against the 300 000/s
/// target, not asserted (a 2-core machine shared with others may not get there).
#[test]
#[ignore]
fn flood_benchmark() {
    if !can_run_lab() {
        return;
    }
    let secs: u64 = std::env::var("FLOOD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s| (1..=60).contains(s))
        .unwrap_or(10);
    let kinds: [(&str, Frames); 2] = [("lower-priority adverts", lower_priority), ("junk", junk)];
    for (name, build) in kinds {
        let mut lab = pair();
        let s = flood_the_master(&mut lab, build, 400_000 * secs, Duration::from_secs(secs));
        let reached = if s.rate() >= 300_000.0 {
            "met"
        } else {
            "not reached on this machine"
        };
        println!(
            "flood of {name}: {} frames in {:.2} s = {:.0}/s from one host (target 300000/s: {reached}); the Master lived, stayed Master, advertised on time, logged within budget",
            s.frames,
            s.elapsed.as_secs_f64(),
            s.rate()
        );
    }
}
