//! Fault scenarios (issue 8, part 3) through the real kernel, in the lab's namespaces: a
//! crashed master restarted, a reload storm under client traffic, a partition and its
//! heal, a flood of junk IP protocol 112 traffic and link flaps.
//!
//! Each test asserts behaviour — who holds the VIP (sampled in both namespaces), what
//! was logged, what the state dump counted — not speed, with one exception the issue
//! states: a healed partition resolves within one advert interval (+ 500 ms here).
//! Every loop is bounded in count and time; helper processes are stopped by PID.
mod common;

use common::scenario::V2_1S;
use common::*;
use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tinyvrrpd::wire::{Version, packet};

const MASTER: &str = "(VI_1) Entering MASTER STATE";
const BACKUP: &str = "(VI_1) Entering BACKUP STATE";

/// The seed's two nodes (a: priority 150, b: 100; VRRPv2 unicast, PASS, 1 s), settled:
/// a alone holds the VIP and b is Backup.
fn seed_lab() -> Lab {
    let mut lab = Lab::new();
    lab.start('a', &config_path("syslog1.kv"));
    lab.start('b', &config_path("syslog2.kv"));
    settle(&lab);
    lab
}

fn settle(lab: &Lab) {
    lab.wait_sole_owner('a', V2_1S.preempt + Duration::from_secs(2));
    lab.wait_log('b', BACKUP, 1, Duration::from_secs(2));
}

fn count(lab: &Lab, host: char, line: &str) -> usize {
    lab.log(host).matches(line).count()
}

fn logs(lab: &Lab) -> String {
    format!("--- a.log\n{}\n--- b.log\n{}", lab.log('a'), lab.log('b'))
}

// ---------------------------------------------------------------------------------------
// Who holds the VIP, sampled.

#[derive(Clone, Copy, Debug)]
struct Sample {
    /// Since the sampler started (taken just before looking).
    at: Duration,
    a: bool,
    b: bool,
}

/// Samples whether a and b hold the VIP — both namespaces looked at concurrently, one
/// `ip` each — on a thread, a sample per ≥ 5 ms, for at most `max`.
struct Owners {
    t0: Instant,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<Sample>>>,
}

impl Owners {
    fn watch(lab: &Lab, max: Duration) -> Owners {
        let (na, nb) = (lab.ns('a'), lab.ns('b'));
        let stop = Arc::new(AtomicBool::new(false));
        let t0 = Instant::now();
        let halt = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !halt.load(Ordering::Relaxed) && t0.elapsed() < max {
                let at = t0.elapsed();
                let (a, b) = std::thread::scope(|s| {
                    let a = s.spawn(|| has_addr(&na, VIP));
                    let b = has_addr(&nb, VIP);
                    (a.join().unwrap(), b)
                });
                samples.push(Sample { at, a, b });
                std::thread::sleep(Duration::from_millis(5));
            }
            samples
        });
        Owners {
            t0,
            stop,
            thread: Some(thread),
        }
    }

    fn now(&self) -> Duration {
        self.t0.elapsed()
    }

    fn finish(mut self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for Owners {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Each stretch of samples in which both nodes held the VIP: (first seen, how long —
/// until the first sample without the duplicate, so an upper bound).
fn duplicates(samples: &[Sample]) -> Vec<(Duration, Duration)> {
    let mut out = Vec::new();
    let mut start = None;
    for s in samples {
        match (s.a && s.b, start) {
            (true, None) => start = Some(s.at),
            (false, Some(t)) => {
                out.push((t, s.at - t));
                start = None;
            }
            _ => {}
        }
    }
    if let (Some(t), Some(last)) = (start, samples.last()) {
        out.push((t, last.at - t));
    }
    out
}

fn assert_sole_owner_a(samples: &[Sample], what: &str) {
    assert!(
        samples.len() >= 5,
        "too few samples ({}) {what}",
        samples.len()
    );
    if let Some(s) = samples.iter().find(|s| !s.a || s.b) {
        panic!("not a alone {what}: {s:?}");
    }
}

// ---------------------------------------------------------------------------------------
// 1. SIGKILL the master and restart it.

/// The stale copy a crashed master leaves must go when it restarts, not when it next
/// becomes Master. Without the clean-up at start, the duplicate would last the whole
/// Backup wait (one advert interval, 1 s) and more; with it, the start-up time only.
const STALE_DUPLICATE_LIMIT: Duration = Duration::from_millis(750);

#[test]
fn crashed_master_restarted_after_takeover_removes_its_stale_vip_then_preempts() {
    if !can_run_lab() {
        return;
    }
    let mut lab = seed_lab();
    let owners = Owners::watch(&lab, Duration::from_secs(40));
    lab.stop('a', libc::SIGKILL);
    assert!(
        lab.has_vip('a'),
        "a SIGKILLed daemon cannot remove its VIP; the test relies on the stale copy"
    );
    wait_until(
        V2_1S.crash,
        || lab.has_vip('b'),
        || {
            format!(
                "b did not take over from the crashed master\n{}",
                logs(&lab)
            )
        },
    );
    // Both interfaces now carry the VIP: the dead master's stale copy, which only its
    // restart can remove, and the new master's.
    let restart = owners.now();
    lab.start('a', &config_path("syslog1.kv"));
    lab.wait_log(
        'a',
        "removed stale VIP 192.0.2.10/24",
        1,
        Duration::from_secs(3),
    );
    lab.wait_sole_owner('a', V2_1S.preempt + Duration::from_secs(1));
    std::thread::sleep(Duration::from_secs(2));
    let samples = owners.finish();

    let after: Vec<Sample> = samples
        .iter()
        .filter(|s| s.at >= restart)
        .copied()
        .collect();
    // The stale copy went while b was still the master: a Backup first, not an owner.
    assert!(
        after.iter().any(|s| s.b && !s.a),
        "a never let go of the VIP between restart and preemption\n{}",
        logs(&lab)
    );
    let dups = duplicates(&after);
    eprintln!("after restart, both held the VIP: {dups:?} (at, for at most)");
    assert!(
        dups.len() <= 2,
        "duplicate VIP {} times after restart: {dups:?}",
        dups.len()
    );
    for (at, len) in &dups {
        assert!(
            *len <= STALE_DUPLICATE_LIMIT,
            "both held the VIP for {len:?} from {at:?} (restart at {restart:?})\n{}",
            logs(&lab)
        );
    }
    // Settled: exactly one owner, the restarted node, for the last 1.5 s.
    let end = samples.last().unwrap().at;
    let tail: Vec<Sample> = after
        .iter()
        .filter(|s| s.at + Duration::from_millis(1500) >= end)
        .copied()
        .collect();
    assert_sole_owner_a(&tail, "after preemption");
    assert_eq!(count(&lab, 'a', MASTER), 2, "{}", logs(&lab));
    assert_eq!(count(&lab, 'a', BACKUP), 2, "{}", logs(&lab));
    assert_eq!(count(&lab, 'b', MASTER), 1, "{}", logs(&lab));
    assert_eq!(count(&lab, 'b', BACKUP), 2, "{}", logs(&lab));
}

/// Restarted at once (a supervisor's respawn), before the Backup's Master_Down_Interval:
/// the stale VIP goes at start, the Backup never takes over, and at no moment do two
/// nodes hold the VIP.
#[test]
fn crashed_master_restarted_at_once_never_duplicates_the_vip() {
    if !can_run_lab() {
        return;
    }
    let mut lab = seed_lab();
    let owners = Owners::watch(&lab, Duration::from_secs(30));
    lab.stop('a', libc::SIGKILL);
    assert!(lab.has_vip('a'), "the crash should leave a stale VIP");
    lab.start('a', &config_path("syslog1.kv"));
    lab.wait_log(
        'a',
        "removed stale VIP 192.0.2.10/24",
        1,
        Duration::from_secs(3),
    );
    lab.wait_sole_owner('a', V2_1S.preempt + Duration::from_secs(1));
    // Past b's Master_Down_Interval (3.6 s) counted from the crash.
    std::thread::sleep(Duration::from_secs(3));
    let samples = owners.finish();
    // A sample takes ~10 ms on an idle machine, several times that on a loaded one.
    assert!(samples.len() >= 20, "only {} samples", samples.len());
    assert!(
        samples.iter().all(|s| !s.b),
        "b held the VIP\n{}",
        logs(&lab)
    );
    assert_eq!(count(&lab, 'b', MASTER), 0, "{}", logs(&lab));
    assert_eq!(count(&lab, 'a', MASTER), 2, "{}", logs(&lab));
    assert!(lab.has_vip('a') && !lab.has_vip('b'));
}

// ---------------------------------------------------------------------------------------
// Helper processes in the lab's namespaces, stopped by PID.

/// A process this test started (`ip netns exec` execs it, so the PID is its own);
/// killed and reaped on drop.
struct Bg(Child);

impl Bg {
    fn spawn_in(ns: &str, args: &[&str], out: &Path) -> Bg {
        let f = fs::File::create(out).unwrap();
        let child = Command::new("ip")
            .args(["netns", "exec", ns])
            .args(args)
            .stdin(Stdio::null())
            .stdout(f.try_clone().unwrap())
            .stderr(f)
            .spawn()
            .expect("spawn helper");
        Bg(child)
    }

    /// Send `sig` and wait (at most 5 s) for the exit.
    fn stop(&mut self, sig: libc::c_int) -> ExitStatus {
        // SAFETY: kill(2) on a PID we spawned and have not reaped.
        unsafe { libc::kill(self.0.id() as libc::pid_t, sig) };
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(st) = self.0.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < deadline, "helper did not exit on {sig}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Bg {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// 2. SIGHUP storm while a client pings the VIP.

/// `ping`'s count of requests and replies, and the sequence numbers answered.
fn ping_result(text: &str) -> (u64, u64, Vec<u64>) {
    let num_before = |marker: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.contains(marker))?;
        let head = &line[..line.find(marker)?];
        head.split_whitespace().last()?.parse().ok()
    };
    let sent = num_before(" packets transmitted").expect("ping summary");
    let received = num_before(" received").expect("ping summary");
    let mut seqs: Vec<u64> = text
        .lines()
        .filter_map(|l| l.split("icmp_seq=").nth(1))
        .filter_map(|r| r.split_whitespace().next()?.parse().ok())
        .collect();
    seqs.sort_unstable();
    (sent, received, seqs)
}

#[test]
fn hundred_reloads_under_a_10ms_ping_lose_no_ping_and_never_move_the_vip() {
    if !can_run_lab() {
        return;
    }
    let mut lab = seed_lab();
    let (monitor_out, ping_out) = (lab.dir.join("a-monitor.txt"), lab.dir.join("ping.txt"));
    // Witness of any address removal in a's namespace (RTM_DELADDR prints "Deleted").
    let mut monitor = Bg::spawn_in(&lab.ns('a'), &["ip", "monitor", "address"], &monitor_out);
    // Bounded: at most 6000 requests or 90 s; stopped with SIGINT long before.
    let mut ping = Bg::spawn_in(
        &lab.ns('c'),
        &["ping", "-n", "-i", "0.01", "-c", "6000", "-w", "90", VIP],
        &ping_out,
    );
    wait_until(
        Duration::from_secs(5),
        || read(&ping_out).contains("icmp_seq="),
        || format!("the client's ping got no reply:\n{}", read(&ping_out)),
    );
    let owners = Owners::watch(&lab, Duration::from_secs(60));
    let storm = Instant::now();
    for i in 1..=100 {
        lab.signal('a', libc::SIGHUP);
        // Each signal is its own reload (two pending SIGHUPs would merge into one).
        lab.wait_log('a', "reloaded", i, Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(50));
    }
    let storm = storm.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    let samples = owners.finish();
    ping.stop(libc::SIGINT);
    let text = read(&ping_out);
    let (sent, received, seqs) = ping_result(&text);
    eprintln!(
        "100 reloads in {storm:?}; ping: {sent} sent, {received} received; {} samples",
        samples.len()
    );

    // The ping ran at its rate throughout (it cannot go faster than every 10 ms).
    assert!(
        sent as f64 >= storm.as_secs_f64() * 25.0,
        "ping sent only {sent} in {storm:?}"
    );
    // No loss: every request answered, but perhaps the one in flight when ping was
    // interrupted; the replies are 1..=n with no gap.
    assert!(
        received + 1 >= sent,
        "lost pings: {sent} sent, {received} received"
    );
    assert_eq!(seqs.len() as u64, received, "duplicate replies?\n{text}");
    assert!(
        seqs.iter().enumerate().all(|(i, s)| *s == i as u64 + 1),
        "gaps in the replies: {seqs:?}"
    );
    // No flap: the VIP never left a, b never had it, nobody changed state.
    assert_sole_owner_a(&samples, "during the reloads");
    assert!(
        !read(&monitor_out).contains("Deleted"),
        "an address was removed during the reloads:\n{}",
        read(&monitor_out)
    );
    assert_eq!(count(&lab, 'a', "Entering"), 2, "{}", logs(&lab)); // BACKUP, MASTER
    assert_eq!(count(&lab, 'b', "Entering"), 1, "{}", logs(&lab)); // BACKUP
    assert_eq!(count(&lab, 'a', "reloaded"), 100);

    // The witness was live: a stop removes the VIP and the monitor sees it.
    assert_eq!(lab.stop('a', libc::SIGTERM), Some(0));
    wait_until(
        Duration::from_secs(5),
        || read(&monitor_out).contains("Deleted"),
        || format!("ip monitor saw no removal:\n{}", read(&monitor_out)),
    );
    monitor.stop(libc::SIGTERM);
    assert!(read(&monitor_out).contains(&format!("inet {VIP}/24")));
}

// ---------------------------------------------------------------------------------------
// 3. Partition, then heal.

/// Isolate a bridge port of the LAN, or undo it. Isolated ports cannot reach each
/// other, only the others: with a's and b's isolated, a and b are cut apart while both
/// still reach the client.
fn isolate(lab: &Lab, port: &str, on: bool) {
    let lan = format!("{}-lan", lab.name);
    let st = Command::new("bridge")
        .args(["-n", &lan, "link", "set", "dev", port, "isolated"])
        .arg(if on { "on" } else { "off" })
        .status()
        .expect("run bridge");
    assert!(st.success(), "bridge isolated {port} {on}");
}

#[test]
fn partition_makes_two_masters_and_the_heal_leaves_the_higher_priority_one_within_an_interval() {
    if !can_run_lab() {
        return;
    }
    let lab = seed_lab();
    let owners = Owners::watch(&lab, Duration::from_secs(40));
    isolate(&lab, "port-a", true);
    isolate(&lab, "port-b", true);
    // b hears nothing: Master_Down_Interval later it is Master too — split brain.
    lab.wait_log('b', MASTER, 1, V2_1S.crash);
    wait_until(
        Duration::from_secs(2),
        || lab.has_vip('a') && lab.has_vip('b'),
        || format!("no split brain\n{}", logs(&lab)),
    );
    // It lasts while the partition does (a never hears b, nor b a). For 2-3 s: the
    // heal falls anywhere in the advert rhythm, a different place each run.
    let phase = Duration::from_millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_millis()
            .into(),
    );
    std::thread::sleep(Duration::from_secs(2) + phase);
    assert!(lab.has_vip('a') && lab.has_vip('b'), "{}", logs(&lab));

    let heal = Instant::now();
    isolate(&lab, "port-a", false);
    let mut resolved = None;
    while heal.elapsed() < Duration::from_secs(5) {
        if lab.has_vip('a') && !lab.has_vip('b') {
            resolved = Some(heal.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    isolate(&lab, "port-b", false);
    let took = resolved.unwrap_or_else(|| panic!("split brain outlived the heal\n{}", logs(&lab)));
    eprintln!("split brain resolved {took:?} after the heal (partition 2 s + {phase:?})");
    // One advert interval (1 s) + 500 ms.
    assert!(
        took <= Duration::from_millis(1500),
        "split brain resolved only {took:?} after the heal\n{}",
        logs(&lab)
    );
    std::thread::sleep(Duration::from_secs(2));
    let samples = owners.finish();
    assert!(samples.iter().all(|s| s.a), "a let go of the VIP");
    assert!(lab.has_vip('a') && !lab.has_vip('b'), "{}", logs(&lab));
    assert_eq!(count(&lab, 'a', MASTER), 1, "{}", logs(&lab));
    assert_eq!(count(&lab, 'b', MASTER), 1, "{}", logs(&lab));
    assert_eq!(count(&lab, 'b', BACKUP), 2, "{}", logs(&lab));
}

// ---------------------------------------------------------------------------------------
// 4. Junk flood.

const A: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 11);
const B: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 12);

/// xorshift64*: reproducible junk from a printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The master the junk is aimed at: each kind differs from an advert it would accept in
/// the one way its name says, and all claim priority 255, so accepting any one would
/// make the master step down.
#[derive(Clone, Copy)]
struct Target {
    version: Version,
    auth: packet::Auth,
    /// Unicast mode: b is the only peer.
    unicast: bool,
}

/// A junk kind and the dump counter it must land in (`Dropped on enp0s1: K=` for the
/// interface, `Discarded: K=` for the instance); None for random bytes (anything).
type Kind = (&'static str, Option<&'static str>);

fn kinds(t: Target) -> Vec<Kind> {
    let mut k = vec![
        ("random bytes", None),
        ("bad VRRP version", Some("link version")),
        ("VRID nobody serves", Some("link vrid")),
        ("truncated", Some("link length")),
        ("bad checksum", Some("link checksum")),
    ];
    // A unicast peer may be routed: any TTL is heard from it, as keepalived hears it.
    if !t.unicast {
        k.push(("TTL below 255", Some("link ttl")));
    }
    match t.version {
        Version::V2 => {
            if t.unicast {
                k.push(("sender not a peer", Some("instance not_peer")));
            }
            k.push(("wrong password", Some("instance auth")));
            k.push(("wrong interval", Some("instance interval")));
        }
        Version::V3 => k.push(("VRRPv2 to a v3 router", Some("instance version"))),
    }
    k
}

fn advert(
    version: Version,
    vrid: u8,
    interval_cs: u16,
    auth: packet::Auth,
    src: Ipv4Addr,
) -> Vec<u8> {
    let repr = packet::Repr {
        version,
        vrid,
        priority: 255,
        interval_cs,
        auth,
        addrs: &[192, 0, 2, 10],
    };
    let mut buf = [0u8; 64];
    let n = repr.emit(&mut buf, IpAddr::V4(src), IpAddr::V4(A)).unwrap();
    buf[..n].to_vec()
}

/// Junk datagram number `i` (the kinds in turn), addressed to a.
fn junk(t: Target, kinds: &[Kind], i: u64, rng: &mut Rng) -> Vec<u8> {
    // Somebody on the LAN who is no lab host: 192.0.2.128-254.
    let stranger = Ipv4Addr::new(192, 0, 2, 128 + rng.below(127) as u8);
    let interval = match t.version {
        Version::V2 => 100,
        Version::V3 => 10,
    };
    let good = advert(t.version, 1, interval, t.auth, B);
    let (src, ttl, payload) = match kinds[(i % kinds.len() as u64) as usize].0 {
        "random bytes" => {
            let len = rng.below(64) as usize;
            (stranger, 255, (0..len).map(|_| rng.next() as u8).collect())
        }
        "bad VRRP version" => {
            let mut p = good;
            let v = [0u8, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15][rng.below(14) as usize];
            p[0] = (v << 4) | 1;
            (B, 255, p)
        }
        "VRID nobody serves" => {
            let vrid = 2 + rng.below(254) as u8;
            (B, 255, advert(t.version, vrid, interval, t.auth, B))
        }
        "truncated" => {
            let mut p = good;
            p.truncate(rng.below(p.len() as u64) as usize);
            (B, 255, p)
        }
        "TTL below 255" => (B, 1 + rng.below(254) as u8, good),
        "bad checksum" => {
            let mut p = good;
            p[6 + rng.below(2) as usize] ^= 1 + rng.below(255) as u8;
            (B, 255, p)
        }
        "sender not a peer" => (
            stranger,
            255,
            advert(t.version, 1, interval, t.auth, stranger),
        ),
        "wrong password" => {
            let wrong = packet::Auth::Pass(*b"guessed!");
            (B, 255, advert(t.version, 1, interval, wrong, B))
        }
        "wrong interval" => (B, 255, advert(t.version, 1, 2 * interval, t.auth, B)),
        "VRRPv2 to a v3 router" => {
            let pass = packet::Auth::Pass(*b"mysecret");
            (stranger, 255, advert(Version::V2, 1, 100, pass, stranger))
        }
        other => unreachable!("{other}"),
    };
    ipv4_datagram(src, A, ttl, &payload)
}

struct Flooded {
    sent: u64,
    failed: u64,
    elapsed: Duration,
}

/// From the client's namespace, send `rate` junk datagrams per second to a — at most
/// `max` of them, for at most `limit` — through one raw socket (IP header included).
fn flood(
    lab: &Lab,
    t: Target,
    seed: u64,
    rate: u64,
    max: u64,
    limit: Duration,
) -> JoinHandle<Flooded> {
    let kinds = kinds(t);
    in_netns(&lab.ns('c'), move || {
        let mut rng = Rng(seed | 1);
        // SAFETY: socket(2) with constant arguments.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_RAW) };
        assert!(fd >= 0, "raw socket");
        // SAFETY: all-zero is a valid sockaddr_in.
        let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        sin.sin_family = libc::AF_INET as libc::sa_family_t;
        sin.sin_addr.s_addr = u32::from(A).to_be();
        let (mut sent, mut failed) = (0, 0);
        let start = Instant::now();
        for i in 0..max {
            if i % 50 == 0 {
                let elapsed = start.elapsed();
                if elapsed >= limit {
                    break;
                }
                let due = Duration::from_secs_f64(i as f64 / rate as f64);
                if due > elapsed {
                    std::thread::sleep(due - elapsed);
                }
            }
            let d = junk(t, &kinds, i, &mut rng);
            // SAFETY: the buffer and address are valid for the lengths given.
            let n = unsafe {
                libc::sendto(
                    fd,
                    d.as_ptr().cast(),
                    d.len(),
                    0,
                    (&sin as *const libc::sockaddr_in).cast(),
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            };
            if n == d.len() as isize {
                sent += 1;
            } else {
                failed += 1;
            }
        }
        // SAFETY: closing the socket we opened.
        unsafe { libc::close(fd) };
        Flooded {
            sent,
            failed,
            elapsed: start.elapsed(),
        }
    })
}

/// `name=N` on the line of the dump starting with `prefix` (after trimming).
fn counter(dump: &str, prefix: &str, name: &str) -> u64 {
    dump.lines()
        .map(str::trim)
        .filter(|l| l.starts_with(prefix))
        .flat_map(|l| l.split_whitespace())
        .find_map(|w| w.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
        .unwrap_or(0)
}

/// Datagrams the kernel dropped at `ns`'s protocol-112 raw sockets (receive buffer
/// full): the `drops` column of /proc/net/raw there.
fn raw_socket_drops(ns: &str) -> u64 {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, "cat", "/proc/net/raw"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let vrrp: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|a| a.ends_with(":0070"))
        })
        .collect();
    assert!(!vrrp.is_empty(), "no protocol-112 socket in {ns}:\n{text}");
    vrrp.iter()
        .map(|l| l.split_whitespace().last().unwrap().parse::<u64>().unwrap())
        .sum()
}

/// What the dump counted as dropped or discarded junk, by counter ("link K" or "instance K").
fn junk_counted(dump: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for l in dump.lines().map(str::trim) {
        if let Some(rest) = l.strip_prefix("Dropped on enp0s1: ") {
            if let Some((k, n)) = rest.split_once('=') {
                out.push((format!("link {k}"), n.parse().unwrap()));
            }
        } else if let Some(rest) = l.strip_prefix("Discarded:") {
            for w in rest.split_whitespace() {
                if let Some((k, n)) = w.split_once('=') {
                    if k != "own" {
                        out.push((format!("instance {k}"), n.parse().unwrap()));
                    }
                }
            }
        }
    }
    out
}

/// The flood at the master (a), with b as witness: no failover, adverts on time (b
/// received about one per interval over the window, at most one missing), every kind
/// of junk counted.
fn flood_changes_nothing(lab: &mut Lab, t: Target, interval: Duration, window: Duration) {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let before = lab.state_dump('b');
    let lines_before = lab.log('a').lines().count();
    let t0 = Instant::now();
    let f = flood(lab, t, seed, 5000, 5000 * window.as_secs() + 5000, window)
        .join()
        .unwrap();
    let after = lab.state_dump('b');
    let span = t0.elapsed();
    let a = lab.state_dump('a');
    let log_lines = lab.log('a').lines().count() - lines_before;
    let rx =
        counter(&after, "Counters:", "adverts_rx") - counter(&before, "Counters:", "adverts_rx");
    let expect = span.as_secs_f64() / interval.as_secs_f64();
    let counted = junk_counted(&a);
    let overflow = raw_socket_drops(&lab.ns('a'));
    let total: u64 = counted.iter().map(|c| c.1).sum();
    eprintln!(
        "seed {seed:#x}: {} junk datagrams sent ({} failed) in {:?}; a counted {total}: {counted:?}, its socket overflowed {overflow}; \
         b received {rx} adverts in {span:?} (≈{expect:.1} expected); a logged {log_lines} lines",
        f.sent, f.failed, f.elapsed
    );
    assert!(
        f.sent >= 2000 * window.as_secs(),
        "the flood reached only {} datagrams in {:?}",
        f.sent,
        f.elapsed
    );
    // No false failover, no state change anywhere.
    assert!(a.contains("State: MASTER"), "{a}");
    assert!(after.contains("State: BACKUP"), "{after}");
    assert_eq!(count(lab, 'a', "Entering"), 2, "{}", logs(lab));
    assert_eq!(count(lab, 'b', "Entering"), 1, "{}", logs(lab));
    assert!(lab.has_vip('a') && !lab.has_vip('b'));
    // Adverts on time: one per interval through the flood, at most one missing.
    assert!(
        rx as f64 >= expect.floor() - 1.0 && rx as f64 <= expect.ceil() + 1.0,
        "b received {rx} adverts in {span:?}, expected ≈{expect:.1}"
    );
    // Counted by reason: each kind where it belongs, nothing counted twice; what was
    // not counted overflowed a's socket buffer (the kernel counts that) or, up to a
    // tenth, was lost on the way.
    for (kind, c) in kinds(t) {
        if let Some(c) = c {
            assert!(
                counted.iter().any(|(k, n)| k == c && *n > 0),
                "{kind} not counted as {c}:\n{a}"
            );
        }
    }
    assert!(total <= f.sent, "counted {total} of {} sent:\n{a}", f.sent);
    assert!(
        (total + overflow) * 10 >= f.sent * 9,
        "counted only {total} of {} sent, {overflow} overflowed:\n{a}",
        f.sent
    );
    // Logged within the global budget (32 lines, then one a second), not per datagram.
    let budget = 32 + 2 * window.as_secs() as usize + 10;
    assert!(
        log_lines <= budget,
        "a logged {log_lines} lines during the flood (budget {budget}):\n{}",
        lab.log('a')
    );
}

#[test]
fn junk_flood_at_the_master_causes_no_failover_and_is_counted_v2_1s() {
    if !can_run_lab() {
        return;
    }
    let mut lab = seed_lab();
    let t = Target {
        version: Version::V2,
        auth: packet::Auth::Pass(*b"mysecret"),
        unicast: true,
    };
    flood_changes_nothing(&mut lab, t, Duration::from_secs(1), Duration::from_secs(10));
}

/// The seed's nodes as VRRPv3 multicast at `interval` seconds.
fn v3_multicast(base: &str, interval: &str) -> String {
    let text = fs::read_to_string(config_path(base)).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            !l.starts_with("unicast_") && !l.starts_with("auth_") && !l.starts_with("advert_int")
        })
        .collect();
    format!(
        "vrrp_version = 3\n{}\nadvert_int = {interval}\n",
        kept.join("\n")
    )
}

#[test]
fn junk_flood_at_the_master_causes_no_failover_and_is_counted_v3_100ms() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    // Master_Down_Interval 361 ms.
    let a = lab.write_config("a.kv", &v3_multicast("syslog1.kv", "0.1"));
    let b = lab.write_config("b.kv", &v3_multicast("syslog2.kv", "0.1"));
    lab.start('a', &a);
    lab.start('b', &b);
    settle(&lab);
    let t = Target {
        version: Version::V3,
        auth: packet::Auth::None,
        unicast: false,
    };
    flood_changes_nothing(
        &mut lab,
        t,
        Duration::from_millis(100),
        Duration::from_secs(5),
    );
}

// ---------------------------------------------------------------------------------------
// 4b. A Backup stalled longer than Master_Down_Interval.

/// Issue 18 (suspected): a Backup frozen (SIGSTOP: a swapped-out or starved process) for
/// longer than its Master_Down_Interval wakes with the Master's adverts queued in its
/// socket and its Master_Down_Timer overdue. It must read the adverts before it looks at
/// its timers, or it takes over from a Master that never stopped.
#[test]
fn a_backup_stalled_past_master_down_reads_the_queued_adverts_before_its_timers() {
    if !can_run_lab() {
        return;
    }
    let mut lab = seed_lab();
    for _ in 0..2 {
        lab.signal('b', libc::SIGSTOP);
        // Master_Down_Interval is 3.6 s; a advertises every second meanwhile.
        std::thread::sleep(Duration::from_millis(5000));
        lab.signal('b', libc::SIGCONT);
        std::thread::sleep(Duration::from_millis(1500));
    }
    assert_eq!(count(&lab, 'b', MASTER), 0, "{}", logs(&lab));
    assert!(lab.has_vip('a') && !lab.has_vip('b'));
}

// ---------------------------------------------------------------------------------------
// 5. Link flaps on the master.

fn set_link(lab: &Lab, host: char, state: &str) {
    let ok = Command::new("ip")
        .args(["-n", &lab.ns(host), "link", "set", "enp0s1", state])
        .status()
        .unwrap()
        .success();
    assert!(ok, "ip link set enp0s1 {state} in {host}");
}

/// 100 times: a's link goes down — a enters FAULT, drops the VIP, b takes over — and
/// comes back up — a is Backup again, then preempts. Checked after every flap, and at
/// the end that a is Master for good (never stuck in FAULT). VRRPv3 multicast at 50 ms
/// (Master_Down_Interval ≈ 180 ms) keeps 100 flaps to well under a minute.
#[test]
fn hundred_link_flaps_on_the_master_fault_it_and_bring_it_back_each_time() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let a = lab.write_config("a.kv", &v3_multicast("syslog1.kv", "0.05"));
    let b = lab.write_config("b.kv", &v3_multicast("syslog2.kv", "0.05"));
    lab.start('a', &a);
    lab.start('b', &b);
    settle(&lab);
    let limit = Duration::from_secs(5);
    let started = Instant::now();
    for i in 1..=100 {
        set_link(&lab, 'a', "down");
        lab.wait_log('a', "(VI_1) Entering FAULT STATE", i, limit);
        lab.wait_sole_owner('b', limit);
        set_link(&lab, 'a', "up");
        lab.wait_log('a', BACKUP, i + 1, limit);
        lab.wait_sole_owner('a', limit);
    }
    eprintln!("100 flaps in {:?}", started.elapsed());
    let owners = Owners::watch(&lab, Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    let samples = owners.finish();
    assert_sole_owner_a(&samples, "after the flaps");
    let dump = lab.state_dump('a');
    assert!(dump.contains("State: MASTER"), "{dump}");
    assert_eq!(count(&lab, 'a', "Entering FAULT STATE"), 100);
    assert_eq!(count(&lab, 'a', MASTER), 101);
    assert_eq!(count(&lab, 'a', BACKUP), 101);
    assert!(count(&lab, 'b', MASTER) >= 100, "{}", lab.log('b'));
}
