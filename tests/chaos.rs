//! Fault scenarios (issue 8, part 3) through the real kernel, in the lab's namespaces: a
//! crashed master restarted, a reload storm under client traffic and a partition and its
//! heal.
//!
//! Each test asserts behaviour — who holds the VIP (sampled in both namespaces), what
//! was logged, what the state dump counted — not speed, with one exception the issue
//! states: a healed partition resolves within one advert interval (+ 500 ms here).
//! Every loop is bounded in count and time; helper processes are stopped by PID.
mod common;

use common::scenario::V2_1S;
use common::*;
use std::fs;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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
