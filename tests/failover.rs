//! The seed article's two-node failover through the real kernel: two tinyvrrpd processes
//! in network namespaces (tests/lab.sh), the VIP observed with `ip addr`.
//!
//! Timing margins are generous (a noisy 2-core CI machine); each still separates the
//! rule under test from its absence: a graceful stop must hand over within Skew_Time
//! (609 ms) + 0.9 s, far below the 3.6 s a missed priority-0 advert would take.
mod common;

use common::*;
use std::time::Duration;

const SIGTERM: i32 = libc::SIGTERM;
const SIGKILL: i32 = libc::SIGKILL;

/// Skew_Time of the priority-100 backup at VRRPv2 plus margin.
const GRACEFUL_LIMIT: Duration = Duration::from_millis(609 + 900);
/// Master_Down_Interval of the priority-100 backup (3.609 s) plus margin.
const CRASH_LIMIT: Duration = Duration::from_millis(3609 + 1500);
/// `state MASTER` waits one advert interval (1 s) before preempting, plus margin.
const PREEMPT_LIMIT: Duration = Duration::from_millis(1004 + 2000);

/// The whole article, part 1: start both, stop the master, start it again, crash it,
/// start it again, stop everything.
fn seed_failover(a_conf: &str, b_conf: &str) {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    lab.start('a', &config_path(a_conf));
    lab.start('b', &config_path(b_conf));

    // Exactly one master: syslog1 (priority 150, state MASTER).
    lab.wait_sole_owner('a', Duration::from_secs(5));
    lab.wait_log(
        'a',
        "(VI_1) Entering MASTER STATE",
        1,
        Duration::from_secs(2),
    );
    lab.wait_log(
        'b',
        "(VI_1) Entering BACKUP STATE",
        1,
        Duration::from_secs(2),
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        lab.has_vip('a') && !lab.has_vip('b'),
        "not exactly one master after settling"
    );
    assert!(
        !lab.log('b').contains("Entering MASTER STATE"),
        "backup was master:\n{}",
        lab.log('b')
    );
    assert!(
        lab.ping_vip_from_client(),
        "client cannot reach the VIP on the master"
    );

    // Graceful stop: priority-0 advert, the backup takes over after its Skew_Time.
    let t0 = std::time::Instant::now();
    assert_eq!(lab.stop('a', SIGTERM), Some(0), "SIGTERM must exit 0");
    let took = lab.wait_sole_owner('b', GRACEFUL_LIMIT);
    eprintln!(
        "graceful failover: {:?} (signal to VIP on backup: {:?})",
        took,
        t0.elapsed()
    );
    assert!(!lab.has_vip('a'), "VIP left behind after SIGTERM");
    assert!(
        lab.ping_vip_from_client(),
        "client cannot reach the VIP on the new master"
    );

    // Restart: syslog1 preempts and the VIP returns.
    lab.start('a', &config_path(a_conf));
    let took = lab.wait_sole_owner('a', PREEMPT_LIMIT);
    eprintln!("preemption after restart: {took:?}");
    lab.wait_log(
        'b',
        "(VI_1) Entering BACKUP STATE",
        2,
        Duration::from_secs(2),
    );

    // Crash: no priority-0 advert; the backup waits Master_Down_Interval.
    lab.stop('a', SIGKILL);
    let start = std::time::Instant::now();
    while !lab.has_vip('b') {
        assert!(
            start.elapsed() < CRASH_LIMIT,
            "backup did not take over within {CRASH_LIMIT:?}:\n{}",
            lab.log('b')
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    eprintln!("crash failover: {:?}", start.elapsed());

    // The crashed master left its VIP behind (nobody could remove it); starting again
    // removes it before anything else, then preempts.
    lab.start('a', &config_path(a_conf));
    lab.wait_log(
        'a',
        "removed stale VIP 192.0.2.10/24",
        1,
        Duration::from_secs(3),
    );
    lab.wait_sole_owner('a', PREEMPT_LIMIT);

    // Stop everything: no VIP anywhere.
    assert_eq!(lab.stop('b', SIGTERM), Some(0));
    assert_eq!(lab.stop('a', SIGTERM), Some(0));
    assert!(
        !lab.has_vip('a') && !lab.has_vip('b'),
        "VIP left behind after stopping both"
    );
}

#[test]
fn seed_keepalived_conf_elects_syslog1_fails_over_and_preempts() {
    seed_failover("syslog1.conf", "syslog2.conf");
}

#[test]
fn seed_key_value_conf_elects_syslog1_fails_over_and_preempts() {
    seed_failover("syslog1.kv", "syslog2.kv");
}

fn kv_with(base: &str, replace: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(config_path(base)).unwrap();
    for (from, to) in replace {
        assert!(text.contains(from), "{base} lacks {from:?}");
        text = text.replace(from, to);
    }
    text
}

#[test]
fn nopreempt_keeps_the_backup_as_master_when_the_higher_priority_node_returns() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let a = lab.write_config(
        "a.kv",
        &kv_with(
            "syslog1.kv",
            &[("state = MASTER", "state = BACKUP\nnopreempt = yes")],
        ),
    );
    let b = lab.write_config(
        "b.kv",
        &kv_with(
            "syslog2.kv",
            &[("state = BACKUP", "state = BACKUP\nnopreempt = yes")],
        ),
    );
    lab.start('b', &b);
    lab.wait_sole_owner('b', Duration::from_secs(6));
    lab.start('a', &a);
    lab.wait_log(
        'a',
        "(VI_1) Entering BACKUP STATE",
        1,
        Duration::from_secs(2),
    );
    // Longer than a's Master_Down_Interval (3.41 s): it would have preempted by now.
    std::thread::sleep(Duration::from_secs(6));
    assert!(
        lab.has_vip('b') && !lab.has_vip('a'),
        "nopreempt node took the VIP:\n{}",
        lab.log('a')
    );
    assert!(!lab.log('a').contains("Entering MASTER STATE"));
}

#[test]
fn auth_mismatch_is_logged_by_both_nodes_naming_the_peer() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let b = lab.write_config(
        "b.kv",
        &kv_with(
            "syslog2.kv",
            &[("auth_pass = mysecret", "auth_pass = othersec")],
        ),
    );
    lab.start('a', &config_path("syslog1.kv"));
    lab.start('b', &b);
    // a is master at once and b rejects its adverts; b then also becomes master (nothing
    // it accepts arrives) and a rejects b's adverts.
    let limit = Duration::from_secs(8);
    lab.wait_log(
        'b',
        "(VI_1) dropped advert from 192.0.2.11: authentication mismatch",
        1,
        limit,
    );
    lab.wait_log(
        'a',
        "(VI_1) dropped advert from 192.0.2.12: authentication mismatch",
        1,
        limit,
    );
    // Rate-limited: one line per peer and reason per minute, not one per advert.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        lab.log('b').matches("authentication mismatch").count(),
        1,
        "{}",
        lab.log('b')
    );
}

#[test]
fn sighup_reload_keeps_the_vip_and_rejects_a_broken_config() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let a = lab.write_config("a.kv", &kv_with("syslog1.kv", &[]));
    lab.start('a', &a);
    lab.start('b', &config_path("syslog2.kv"));
    lab.wait_sole_owner('a', Duration::from_secs(5));

    // Unchanged config: the VIP must not blink.
    lab.signal('a', libc::SIGHUP);
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        assert!(
            lab.has_vip('a'),
            "VIP flapped during reload:\n{}",
            lab.log('a')
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    lab.wait_log('a', "reloaded", 1, Duration::from_secs(2));
    assert_eq!(lab.log('a').matches("Entering MASTER STATE").count(), 1);

    // Broken config: logged with file:line, the old one keeps running.
    std::fs::write(&a, "instance = VI_1\npriority = 300\n").unwrap();
    lab.signal('a', libc::SIGHUP);
    lab.wait_log(
        'a',
        "keeping the running configuration",
        1,
        Duration::from_secs(2),
    );
    assert!(
        lab.log('a').contains("a.kv:2:"),
        "error lacks file:line:\n{}",
        lab.log('a')
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(lab.has_vip('a') && !lab.has_vip('b'));

    // A lower priority takes effect at once: a advertises 50, b (100) preempts.
    std::fs::write(
        &a,
        kv_with("syslog1.kv", &[("priority = 150", "priority = 50")]),
    )
    .unwrap();
    lab.signal('a', libc::SIGHUP);
    lab.wait_sole_owner('b', Duration::from_secs(6));
    assert_eq!(lab.stop('a', SIGTERM), Some(0));
}

#[test]
fn sigusr1_writes_the_state_dump() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    lab.start('a', &config_path("syslog1.conf"));
    lab.start('b', &config_path("syslog2.conf"));
    lab.wait_sole_owner('a', Duration::from_secs(5));
    lab.wait_log('b', "Entering BACKUP STATE", 1, Duration::from_secs(2));
    std::thread::sleep(Duration::from_millis(1500));
    for host in ['a', 'b'] {
        lab.signal(host, libc::SIGUSR1);
    }
    let dump = |h: char| lab.pid_file(h).with_extension("data");
    let start = std::time::Instant::now();
    while !(dump('a').exists() && dump('b').exists()) {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "no state dump written"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let a = std::fs::read_to_string(dump('a')).unwrap();
    let b = std::fs::read_to_string(dump('b')).unwrap();
    assert!(
        a.contains("VRRP Instance: VI_1") && a.contains("State: MASTER"),
        "{a}"
    );
    assert!(a.contains("VIP: 192.0.2.10/24 dev enp0s1"), "{a}");
    assert!(
        b.contains("State: BACKUP") && b.contains("Master seen: 192.0.2.11 priority 150"),
        "{b}"
    );
}
