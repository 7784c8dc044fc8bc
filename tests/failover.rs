//! The seed article's two-node failover through the real kernel: two tinyvrrpd processes
//! in network namespaces (tests/lab.sh), the VIP observed with `ip addr`. The scenario
//! and its timing limits live in tests/common/scenario.rs.
mod common;

use common::scenario::*;
use common::*;
use std::time::Duration;

const SIGTERM: i32 = libc::SIGTERM;

#[test]
fn seed_keepalived_conf_elects_syslog1_fails_over_and_preempts() {
    if can_run_lab() {
        let (a, b) = (config_path("syslog1.conf"), config_path("syslog2.conf"));
        failover_in(&mut Lab::new(), tiny(&a), tiny(&b), &V2_1S);
    }
}

#[test]
fn seed_key_value_conf_elects_syslog1_fails_over_and_preempts() {
    if can_run_lab() {
        let (a, b) = (config_path("syslog1.kv"), config_path("syslog2.kv"));
        failover_in(&mut Lab::new(), tiny(&a), tiny(&b), &V2_1S);
    }
}

/// Multicast (224.0.0.18, source = the interface's primary address) at VRRPv3's fast
/// rate: the same story at a tenth of a second per advert.
#[test]
fn v3_multicast_at_100ms_elects_fails_over_and_preempts() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let a = lab.write_config("a.kv", &multicast_v3("syslog1.kv"));
    let b = lab.write_config("b.kv", &multicast_v3("syslog2.kv"));
    failover_in(&mut lab, tiny(&a), tiny(&b), &V3_100MS);
    assert!(
        lab.log('b').contains("VRRPv3, multicast"),
        "{}",
        lab.log('b')
    );
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
    wait_until(
        Duration::from_secs(3),
        || dump('a').exists() && dump('b').exists(),
        || "no state dump written".to_string(),
    );
    let a = std::fs::read_to_string(dump('a')).unwrap();
    let b = std::fs::read_to_string(dump('b')).unwrap();
    assert!(
        a.contains("VRRP Instance: VI_1") && a.contains("State: MASTER"),
        "{a}"
    );
    assert!(a.contains("VIP: 192.0.2.10/24 dev enp0s1"), "{a}");
    // No router_id in the seed: keepalived's default, the host name.
    assert!(a.starts_with("Router ID: "), "{a}");
    assert!(
        b.contains("State: BACKUP") && b.contains("Master seen: 192.0.2.11 priority 150"),
        "{b}"
    );
}

/// keepalived users send SIGUSR2 for the counters: written beside the pid file (as
/// keepalived writes /tmp/keepalived.stats). No other signal whose default action ends a
/// process may end the daemon without its priority-0 advert and VIP removal: each is
/// ignored, and SIGQUIT stops it gracefully like SIGTERM.
#[test]
fn sigusr2_writes_the_stats_and_no_signal_ends_the_daemon_ungracefully() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    // A stop as soon as the pid is written, while the daemon still sets up (nft, the
    // interfaces), is a graceful one too: exit 0, pid file removed.
    lab.start('a', &config_path("syslog1.conf"));
    let pid = lab.pid_file('a');
    wait_until(
        Duration::from_secs(3),
        || std::fs::read_to_string(&pid).is_ok_and(|p| p.ends_with('\n')),
        || "no pid written".into(),
    );
    assert_eq!(lab.stop('a', SIGTERM), Some(0), "{}", lab.log('a'));
    assert!(!pid.exists());
    lab.start('a', &config_path("syslog1.conf"));
    lab.wait_sole_owner('a', Duration::from_secs(5));
    let stats = lab.pid_file('a').with_extension("stats");
    lab.signal('a', libc::SIGUSR2);
    wait_until(
        Duration::from_secs(3),
        || stats.exists(),
        || format!("no stats file:\n{}", lab.log('a')),
    );
    let text = std::fs::read_to_string(&stats).unwrap();
    for line in [
        "VRRP Instance: VI_1",
        "  Advertisements:",
        "  Became master: 1",
    ] {
        assert!(text.contains(line), "{line:?} missing:\n{text}");
    }
    let mut others = vec![
        libc::SIGALRM,
        libc::SIGVTALRM,
        libc::SIGPROF,
        libc::SIGIO,
        libc::SIGPWR,
        libc::SIGPIPE,
        libc::SIGXFSZ,
        libc::SIGTRAP,
        libc::SIGSYS,
        libc::SIGBUS,
        libc::SIGSEGV,
        libc::SIGABRT,
        libc::SIGUSR2,
    ];
    others.extend(libc::SIGRTMIN()..=libc::SIGRTMAX());
    for sig in others {
        lab.signal('a', sig);
        std::thread::sleep(Duration::from_millis(20));
        assert!(
            lab.running('a'),
            "signal {sig} ended the daemon:\n{}",
            lab.log('a')
        );
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert!(lab.owns('a'), "no longer Master:\n{}", lab.log('a'));
    assert_eq!(lab.stop('a', libc::SIGQUIT), Some(0), "{}", lab.log('a'));
    assert!(!lab.owns('a'), "VIP left behind after SIGQUIT");
    assert!(lab.log('a').contains("(VI_1) stopped, was MASTER"));
}

/// The pid file, the SIGUSR1/SIGUSR2 files (written through `.tmp`) and the status
/// socket may sit in a directory others can write (keepalived's are in /tmp): a symlink
/// planted there must never make the daemon, running as root, write through it.
#[test]
fn the_pid_state_and_socket_files_never_follow_a_symlink() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let victim = lab.dir.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let pid = lab.pid_file('a');
    let plant = |name: &std::path::Path| {
        let _ = std::fs::remove_file(name);
        std::os::unix::fs::symlink(&victim, name).unwrap();
    };
    plant(&pid);
    lab.start('a', &config_path("syslog1.conf"));
    assert_eq!(lab.wait_exit('a'), Some(1), "{}", lab.log('a'));
    assert!(lab.log('a').contains("pid file"), "{}", lab.log('a'));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    std::fs::remove_file(&pid).unwrap();
    plant(&pid.with_extension("sock"));
    lab.start('a', &config_path("syslog1.conf"));
    lab.wait_sole_owner('a', Duration::from_secs(5));
    for (sig, ext) in [(libc::SIGUSR1, "data"), (libc::SIGUSR2, "stats")] {
        plant(&pid.with_extension("tmp"));
        lab.signal('a', sig);
        let out = pid.with_extension(ext);
        wait_until(
            Duration::from_secs(3),
            || std::fs::symlink_metadata(&out).is_ok_and(|m| m.is_file()),
            || format!("no .{ext} file:\n{}", lab.log('a')),
        );
        assert!(
            std::fs::read_to_string(&out)
                .unwrap()
                .contains("VRRP Instance: VI_1")
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    }
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let sock = std::fs::symlink_metadata(pid.with_extension("sock")).unwrap();
    assert!(sock.file_type().is_socket());
    assert_eq!(sock.permissions().mode() & 0o777, 0o600);
    let pid_mode = std::fs::symlink_metadata(&pid)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(pid_mode & 0o777, 0o644);
    assert_eq!(lab.stop('a', SIGTERM), Some(0));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
}

/// b differs from the seed in one setting; b must name a and the reason.
fn mismatch_is_logged(change: (&str, &str), line: &str) {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let b = lab.write_config("b.kv", &kv_with("syslog2.kv", &[change]));
    lab.start('a', &config_path("syslog1.kv"));
    lab.start('b', &b);
    lab.wait_log('b', line, 1, Duration::from_secs(5));
}

#[test]
fn v2_interval_mismatch_is_logged_naming_the_peer() {
    mismatch_is_logged(
        ("advert_int = 1", "advert_int = 2"),
        "(VI_1) dropped advert from 192.0.2.11: advert interval 1.00s does not match ours",
    );
}

#[test]
fn vrid_mismatch_from_a_unicast_peer_is_logged_naming_the_peer() {
    mismatch_is_logged(
        ("virtual_router_id = 1", "virtual_router_id = 2"),
        "(VI_1) dropped advert from 192.0.2.11: VRID 1 does not match ours (ours is 2)",
    );
}

#[test]
fn version_mismatch_is_logged_naming_the_peer() {
    mismatch_is_logged(
        ("auth_type = PASS\nauth_pass = mysecret", "version = 3"),
        "(VI_1) dropped advert from 192.0.2.11: VRRP version 2 does not match ours",
    );
}

/// Without -n: fork to the background, write the pid file, refuse a second daemon on the
/// same pid file, remove the pid file and the VIP on SIGTERM.
#[test]
fn daemon_mode_writes_a_locked_pid_file_and_cleans_up_on_sigterm() {
    if !can_run_lab() {
        return;
    }
    let lab = Lab::new();
    let pid_file = lab.dir.join("bg.pid");
    std::fs::copy(config_path("syslog1.conf"), lab.dir.join("bg.conf")).unwrap();
    // Relative paths: they must still work after the daemon changed to /.
    let run = || {
        std::process::Command::new("ip")
            .args([
                "netns",
                "exec",
                &lab.ns('a'),
                BIN,
                "-f",
                "bg.conf",
                "-p",
                "bg.pid",
            ])
            .current_dir(&lab.dir)
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{first:?}");
    wait_until(
        Duration::from_secs(5),
        || lab.has_vip('a'),
        || "background daemon never took the VIP".to_string(),
    );
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let second = run();
    assert_eq!(second.status.code(), Some(1), "{second:?}");
    let msg = String::from_utf8_lossy(&second.stderr);
    assert!(
        msg.contains(&format!("another tinyvrrpd is running (pid {pid}")),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(&pid_file).unwrap().trim(),
        pid.to_string()
    );
    // SAFETY: kill(2) on the daemon's PID, read from its own pid file.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    wait_until(
        Duration::from_secs(5),
        || !(pid_file.exists() || lab.has_vip('a')),
        || "pid file or VIP left after SIGTERM".to_string(),
    );
}

/// Packets "from" syslog1 that fail the wire checks (forged from the client namespace):
/// syslog2 names the sender and the reason, and they change nothing.
/// Multicast adverts must arrive with TTL 255 (RFC 5798 §7.1: not routed); the check is
/// the multicast instances' (unicast peers may be routed: see the next test).
#[test]
fn ttl_and_checksum_failures_are_logged_naming_the_sender() {
    if !can_run_lab() {
        return;
    }
    use std::net::{IpAddr, Ipv4Addr};
    use tinyvrrpd::wire::{Version, packet};
    let mut lab = Lab::new();
    // At 1 s (the seed's rhythm) the valid packet at the end lands well before a's next
    // advert, so b's Skew_Time (609 ms) runs out first.
    let v3_1s = |base| multicast_v3(base).replace("advert_int = 0.1", "advert_int = 1");
    let a_conf = lab.write_config("a.kv", &v3_1s("syslog1.kv"));
    let b_conf = lab.write_config("b.kv", &v3_1s("syslog2.kv"));
    lab.start('a', &a_conf);
    lab.start('b', &b_conf);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    lab.wait_log('b', "Entering BACKUP STATE", 1, Duration::from_secs(2));
    let (a, b) = (Ipv4Addr::new(192, 0, 2, 11), Ipv4Addr::new(192, 0, 2, 12));
    // A priority-0 advert (to b's own address, which a multicast instance hears too):
    // accepted, it would make b take over within 0.6 s.
    let repr = packet::Repr {
        version: Version::V3,
        vrid: 1,
        priority: 0,
        interval_cs: 100,
        auth: packet::Auth::None,
        addrs: &[192, 0, 2, 10],
    };
    let mut msg = [0u8; 64];
    let n = repr.emit(&mut msg, IpAddr::V4(a), IpAddr::V4(b)).unwrap();
    let msg = &msg[..n];
    send_raw_from(&lab.ns('c'), b, ipv4_datagram(a, b, 64, msg));
    let mut bad_sum = msg.to_vec();
    bad_sum[6] ^= 0xff;
    send_raw_from(&lab.ns('c'), b, ipv4_datagram(a, b, 255, &bad_sum));
    lab.wait_log(
        'b',
        "enp0s1: dropped VRRP packet from 192.0.2.11: TTL 64, must be 255",
        1,
        Duration::from_secs(3),
    );
    lab.wait_log(
        'b',
        "enp0s1: dropped VRRP packet from 192.0.2.11: checksum mismatch",
        1,
        Duration::from_secs(3),
    );
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        lab.has_vip('a') && !lab.has_vip('b'),
        "a dropped packet changed the state"
    );
    // The same packet, valid, does take effect: the checks above were the reason.
    send_raw_from(&lab.ns('c'), b, ipv4_datagram(a, b, 255, msg));
    lab.wait_log(
        'b',
        "(VI_1) Entering MASTER STATE",
        1,
        Duration::from_secs(3),
    );
}

/// keepalived checks TTL 255 only on multicast: unicast peers may sit behind routers
/// (issue 18, suspected: a routed peer's adverts were all dropped, two Masters).
#[test]
fn a_routed_unicast_peer_is_heard_whatever_its_ttl() {
    if !can_run_lab() {
        return;
    }
    use std::net::{IpAddr, Ipv4Addr};
    use tinyvrrpd::wire::{Version, packet};
    let mut lab = Lab::new();
    lab.start('a', &config_path("syslog1.kv"));
    lab.wait_log('a', "Entering MASTER STATE", 1, Duration::from_secs(5));
    let (a, peer) = (Ipv4Addr::new(192, 0, 2, 11), Ipv4Addr::new(192, 0, 2, 12));
    // a's unicast peer, three routers away (TTL 252), with a higher priority.
    let repr = packet::Repr {
        version: Version::V2,
        vrid: 1,
        priority: 200,
        interval_cs: 100,
        auth: packet::Auth::Pass(*b"mysecret"),
        addrs: &[192, 0, 2, 10],
    };
    let mut msg = [0u8; 64];
    let n = repr
        .emit(&mut msg, IpAddr::V4(peer), IpAddr::V4(a))
        .unwrap();
    send_raw_from(&lab.ns('c'), a, ipv4_datagram(peer, a, 252, &msg[..n]));
    lab.wait_log('a', "Entering BACKUP STATE", 2, Duration::from_secs(3));
    assert!(!lab.log('a').contains("TTL 252"), "{}", lab.log('a'));
}

/// keepalived's unicast_ttl (the TTL a unicast advert leaves with) and a peer's
/// min_ttl/max_ttl (the range its adverts must arrive in): a routed pair told so.
#[test]
fn unicast_ttl_and_a_peers_ttl_range_work_together() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let seed = |name| std::fs::read_to_string(config_path(name)).unwrap();
    let a = seed("syslog1.conf").replace("  advert_int 1 ", "  unicast_ttl 64\n  advert_int 1 ");
    assert!(a.contains("unicast_ttl 64"));
    let a = lab.write_config("a.conf", &a);
    let b_range = |min: u8| {
        let range = format!("192.0.2.11 min_ttl {min} max_ttl 64");
        seed("syslog2.conf").replace("192.0.2.11                  # IP of MASTER node", &range)
    };
    let b = lab.write_config("b.conf", &b_range(60));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    std::thread::sleep(Duration::from_secs(4));
    assert!(lab.has_vip('a') && !lab.has_vip('b'), "{}", lab.log('b'));
    assert!(!lab.log('b').contains("MASTER STATE"), "{}", lab.log('b'));
    // A range a's TTL 64 is outside of: b no longer hears a (keepalived's words).
    std::fs::write(&b, b_range(65)).unwrap();
    lab.signal('b', libc::SIGHUP);
    lab.wait_log(
        'b',
        "(VI_1) TTL/HL 64 from 192.0.2.11 not in range [65, 64]",
        1,
        Duration::from_secs(3),
    );
    lab.wait_log(
        'b',
        "(VI_1) Entering MASTER STATE",
        1,
        Duration::from_secs(5),
    );
}

/// An instance removed by a reload resigns and takes its VIP with it; the daemon goes on.
/// Its notify scripts report FAULT, as keepalived's do for a deleted instance (without
/// `notify_deleted`), not STOP.
#[test]
fn reload_removing_an_instance_removes_its_vip() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let seed = std::fs::read_to_string(config_path("syslog1.kv")).unwrap();
    let log = lab.dir.join("notify.log");
    let rec = lab.write_config(
        "rec.sh",
        &format!("#!/bin/sh\necho \"$*\" >> {}\n", log.display()),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&rec, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = rec.display();
    let second = format!(
        "instance = VI_2\ninterface = enp0s1\nvirtual_router_id = 2\npriority = 150\nvirtual_ipaddress = 198.51.100.10/24\nnotify_fault = \"{r} fault\"\nnotify_stop = \"{r} stop\"\nnotify = {r}\n"
    );
    let a = lab.write_config("a.kv", &format!("{seed}{second}"));
    lab.start('a', &a);
    let ns = lab.ns('a');
    let has = |addr: &str| has_addr(&ns, addr);
    wait_until(
        Duration::from_secs(6),
        || has("192.0.2.10") && has("198.51.100.10"),
        || format!("both VIPs never came up:\n{}", lab.log('a')),
    );
    std::fs::write(&a, &seed).unwrap();
    lab.signal('a', libc::SIGHUP);
    lab.wait_log(
        'a',
        "(VI_2) removed from configuration",
        1,
        Duration::from_secs(2),
    );
    wait_until(
        Duration::from_secs(2),
        || !(has("198.51.100.10")),
        || "VI_2's VIP left behind after reload".to_string(),
    );
    assert!(has("192.0.2.10"), "VI_1 lost its VIP in the reload");
    let notified = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_until(
        Duration::from_secs(2),
        || notified().lines().count() >= 4,
        || format!("VI_2's notify scripts: {}", notified()),
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        notified(),
        "INSTANCE VI_2 BACKUP 150\nINSTANCE VI_2 MASTER 150\nfault\nINSTANCE VI_2 FAULT 150\n"
    );
    assert_eq!(lab.stop('a', libc::SIGTERM), Some(0));
    assert!(!has("192.0.2.10"));
}

/// Forged packets at the Master, each claiming priority 255 so that accepting any one
/// would make it step down: none changes the state, each is counted by its reason.
#[test]
fn hostile_packets_change_nothing_and_are_counted_by_reason() {
    if !can_run_lab() {
        return;
    }
    use std::net::{IpAddr, Ipv4Addr};
    use tinyvrrpd::wire::{Version, packet};
    let mut lab = Lab::new();
    lab.start('a', &config_path("syslog1.kv"));
    wait_until(
        Duration::from_secs(5),
        || lab.has_vip('a'),
        || "a never became master".to_string(),
    );
    let (a, peer, stranger) = (
        Ipv4Addr::new(192, 0, 2, 11),
        Ipv4Addr::new(192, 0, 2, 12),
        Ipv4Addr::new(192, 0, 2, 99),
    );
    let emit = |src: Ipv4Addr, version: Version, vrid: u8, interval_cs: u16, auth: packet::Auth| {
        let r = packet::Repr {
            version,
            vrid,
            priority: 255,
            interval_cs,
            auth,
            addrs: &[192, 0, 2, 10],
        };
        let mut b = [0u8; 64];
        let n = r.emit(&mut b, IpAddr::V4(src), IpAddr::V4(a)).unwrap();
        b[..n].to_vec()
    };
    let pass = packet::Auth::Pass(*b"mysecret");
    let good = emit(peer, Version::V2, 1, 100, pass);
    let mut bad_version = good.clone();
    bad_version[0] = 0x41;
    let mut oversized = good.clone();
    oversized.extend_from_slice(&[0; 100]);
    let mut bad_sum = good.clone();
    bad_sum[7] ^= 0x55;
    let sends: Vec<(Ipv4Addr, u8, Vec<u8>)> = vec![
        (stranger, 255, emit(stranger, Version::V2, 1, 100, pass)), // not a unicast peer
        (peer, 255, bad_sum),                                       // checksum
        (peer, 255, bad_version),                                   // VRRP version 4
        (peer, 255, emit(peer, Version::V2, 7, 100, pass)),         // VRID nobody serves
        (
            peer,
            255,
            emit(peer, Version::V2, 1, 100, packet::Auth::Pass(*b"guessed!")),
        ), // auth
        (peer, 255, emit(peer, Version::V2, 1, 200, pass)),         // v2 interval
        (
            peer,
            255,
            emit(peer, Version::V3, 1, 100, packet::Auth::None),
        ), // v3 to a v2 router
        (peer, 255, good[..10].to_vec()),                           // truncated
        (peer, 255, oversized),                                     // trailing bytes
    ];
    for (src, ttl, payload) in sends {
        send_raw_from(&lab.ns('c'), a, ipv4_datagram(src, a, ttl, &payload));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        lab.has_vip('a'),
        "a lost the VIP to a forged packet:\n{}",
        lab.log('a')
    );
    assert_eq!(
        lab.log('a').matches("Entering BACKUP STATE").count(),
        1,
        "{}",
        lab.log('a')
    );
    lab.signal('a', libc::SIGUSR1);
    let dump = lab.pid_file('a').with_extension("data");
    wait_until(
        Duration::from_secs(3),
        || dump.exists(),
        || "no state dump".to_string(),
    );
    let d = std::fs::read_to_string(&dump).unwrap();
    assert!(d.contains("State: MASTER"), "{d}");
    assert!(
        d.contains("Discarded: vrid=0 version=1 not_peer=1 auth=1 interval=1 own=0"),
        "{d}"
    );
    // (A TTL other than 255 from a unicast peer is heard: it may be routed. Multicast's
    // TTL drops: ttl_and_checksum_failures_are_logged_naming_the_sender.)
    for line in ["checksum=1", "version=1", "vrid=1", "length=2"] {
        assert!(
            d.contains(&format!("Dropped on enp0s1: {line}\n")),
            "lacks {line}:\n{d}"
        );
    }
}

/// Fifty virtual routers on one interface (one socket, demultiplexed by VRID): all start
/// on the priority-150 node and all move on a graceful stop.
#[test]
fn fifty_instances_on_one_interface_fail_over_together() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let conf = |priority: u8, state: &str| {
        let mut s = String::from("vrrp_version = 3\n");
        for vrid in 1..=50 {
            s.push_str(&format!(
                "instance = VI_{vrid}\nstate = {state}\ninterface = enp0s1\nvirtual_router_id = {vrid}\n\
                 priority = {priority}\nadvert_int = 0.5\nvirtual_ipaddress = 198.51.100.{vrid}/24\n"
            ));
        }
        s
    };
    let a = lab.write_config("a.kv", &conf(150, "MASTER"));
    let b = lab.write_config("b.kv", &conf(100, "BACKUP"));
    lab.start('a', &a);
    lab.start('b', &b);
    let (na, nb) = (lab.ns('a'), lab.ns('b'));
    let count = |ns: &str| {
        (1..=50)
            .filter(|v| has_addr(ns, &format!("198.51.100.{v}")))
            .count()
    };
    wait_until(
        Duration::from_secs(6),
        || count(&na) == 50,
        || format!("a holds {} of 50:\n{}", count(&na), lab.log('a')),
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!((count(&na), count(&nb)), (50, 0), "{}", lab.log('b'));
    lab.signal('a', libc::SIGTERM);
    wait_until(
        Duration::from_secs(3),
        || count(&nb) == 50,
        || format!("b holds {} of 50:\n{}", count(&nb), lab.log('b')),
    );
    assert_eq!(lab.wait_exit('a'), Some(0));
    assert_eq!(count(&na), 0, "VIPs left on a");
    assert_eq!(lab.log('b').matches("Entering MASTER STATE").count(), 50);
}

/// The seed's two nodes as IPv6 instances (VRRPv3 multicast to ff02::12 from the
/// link-local address, once DAD is done): election, graceful stop, preemption, crash.
fn ipv6_conf(lab: &Lab, host: char, advert: &str) -> std::path::PathBuf {
    let (prio, state) = if host == 'a' {
        (150, "MASTER")
    } else {
        (100, "BACKUP")
    };
    lab.write_config(
        &format!("{host}6.conf"),
        &format!(
            "vrrp_instance VI_1 {{\n  state {state}\n  interface enp0s1\n  virtual_router_id 1\n  priority {prio}\n  advert_int {advert}\n  virtual_ipaddress {{\n    {VIP6}/64\n  }}\n}}\n"
        ),
    )
}

#[test]
fn ipv6_vrrpv3_elects_fails_over_and_preempts() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    lab.vip = VIP6;
    let (a, b) = (ipv6_conf(&lab, 'a', "1"), ipv6_conf(&lab, 'b', "1"));
    failover_in(&mut lab, tiny(&a), tiny(&b), &V2_1S);
    let la = lab.log('a');
    assert!(la.contains("VRRPv3, multicast"), "{la}");
    assert!(la.contains("advertising from fe80::"), "{la}");
    // RFC 5798 §5.2.9, in keepalived's words (issue 18, suspected).
    let warn = "(VI_1) the first IPv6 VIP address should be link local";
    assert!(la.contains(warn), "{la}");
}

#[test]
fn ipv6_unicast_peers_elect_and_fail_over() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    lab.vip = VIP6;
    let unicast = |host: char, me: u8, peer: u8| {
        let base = std::fs::read_to_string(ipv6_conf(&lab, host, "1")).unwrap();
        let text = base.replacen(
            "  virtual_ipaddress",
            &format!(
                "  unicast_src_ip 2001:db8::{me}\n  unicast_peer {{\n    2001:db8::{peer}\n  }}\n  virtual_ipaddress"
            ),
            1,
        );
        lab.write_config(&format!("{host}6u.conf"), &text)
    };
    let (a, b) = (unicast('a', 11, 12), unicast('b', 12, 11));
    failover_in(&mut lab, tiny(&a), tiny(&b), &V2_1S);
    assert!(lab.log('b').contains("VRRPv3, unicast"), "{}", lab.log('b'));
}

#[test]
fn ipv6_client_neighbour_entry_follows_the_vip() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    lab.vip = VIP6;
    let (a, b) = (ipv6_conf(&lab, 'a', "1"), ipv6_conf(&lab, 'b', "1"));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(6));
    assert!(lab.ping_vip_from_client());
    let c = lab.ns('c');
    assert_eq!(neighbour_mac(&c, VIP6), Some(mac_of(&lab.ns('a'))));
    lab.stop('a', SIGTERM);
    lab.wait_sole_owner('b', Duration::from_secs(3));
    // The unsolicited NA (override flag) moved the client's entry without a probe.
    wait_until(
        Duration::from_secs(2),
        || neighbour_mac(&c, VIP6) == Some(mac_of(&lab.ns('b'))),
        || format!("neighbour entry: {:?}", neighbour_mac(&c, VIP6)),
    );
    assert!(lab.ping_vip_from_client());
}

/// `use_vmac`: the VIP lives on a macvlan with the virtual MAC 00:00:5e:00:01:01, so the
/// client's neighbour entry is the same whichever node is Master — zero ARP churn.
#[test]
fn use_vmac_keeps_the_clients_neighbour_entry_across_failover() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let conf = |host: &str, extra: &str| {
        let seed = std::fs::read_to_string(config_path(&format!("{host}.conf"))).unwrap();
        let text = seed
            .replacen("  advert_int 1", &format!("  advert_int 1\n{extra}"), 1)
            .replace("192.0.2.10/24 dev enp0s1", "192.0.2.10/24");
        lab.write_config(&format!("{host}.conf"), &text)
    };
    let a = conf("syslog1", "  use_vmac\n");
    let b = conf("syslog2", "  use_vmac vrrp.one\n");
    let sysctl = |ns: &str, key: &str| {
        let out = std::process::Command::new("ip")
            .args(["netns", "exec", ns, "cat"])
            .arg(format!("/proc/sys/net/ipv4/conf/enp0s1/{key}"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let before = sysctl(&lab.ns('a'), "arp_announce");
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(6));
    assert!(has_addr(&lab.ns('a'), "192.0.2.10"));
    assert!(
        lab.log('a')
            .contains("virtual MAC 00:00:5e:00:01:01 on vrrp.1")
    );
    assert!(
        lab.log('b')
            .contains("virtual MAC 00:00:5e:00:01:01 on vrrp.one")
    );
    assert_eq!(sysctl(&lab.ns('a'), "arp_ignore"), "1");
    if !lab.ping_vip_from_client() {
        let show = |args: &[&str]| {
            let o = std::process::Command::new("ip")
                .args(args)
                .output()
                .unwrap();
            String::from_utf8_lossy(&o.stdout).into_owned()
        };
        panic!(
            "no ping:\na: {}\nb: {}\nc: {}\n{}\n{}",
            show(&["-n", &lab.ns('a'), "-o", "addr"]),
            show(&["-n", &lab.ns('b'), "-o", "link"]),
            show(&["-n", &lab.ns('c'), "neigh"]),
            lab.log('a'),
            lab.log('b')
        );
    }
    let c = lab.ns('c');
    assert_eq!(neighbour_mac(&c, VIP).as_deref(), Some(VMAC_VRID1));
    lab.stop('a', SIGTERM);
    lab.wait_sole_owner('b', Duration::from_secs(3));
    assert!(lab.ping_vip_from_client());
    assert_eq!(neighbour_mac(&c, VIP).as_deref(), Some(VMAC_VRID1));
    // Stopped: no macvlan left, the base interface's sysctls as they were.
    let links = std::process::Command::new("ip")
        .args(["-n", &lab.ns('a'), "-o", "link"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&links.stdout).contains("vrrp.1"));
    assert_eq!(sysctl(&lab.ns('a'), "arp_announce"), before);
    // Restarted, a preempts; the client still talks to the same MAC.
    lab.start('a', &a);
    lab.wait_sole_owner('a', Duration::from_secs(4));
    // b answered for the VIP from the shared MAC until it heard a; a's repeat one advert
    // interval later points the switch back at a.
    wait_until(
        Duration::from_millis(1500),
        || lab.ping_vip_from_client(),
        || "client cannot reach the VIP after preemption".into(),
    );
    assert_eq!(neighbour_mac(&c, VIP).as_deref(), Some(VMAC_VRID1));
}

fn ip(ns: &str, args: &str) -> String {
    let out = std::process::Command::new("ip")
        .args(["-n", ns])
        .args(args.split_whitespace())
        .output()
        .unwrap();
    assert!(out.status.success(), "ip -n {ns} {args}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `use_vmac NAME` replaces an interface of that name only if it is what a crashed run
/// leaves (a private macvlan with the virtual MAC): a real interface a typo or a default
/// name hits is refused, with its addresses untouched.
#[test]
fn use_vmac_never_deletes_an_interface_that_is_not_a_virtual_mac() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let ns = lab.ns('a');
    let seed = std::fs::read_to_string(config_path("syslog1.conf")).unwrap();
    let conf = lab.write_config(
        "a.conf",
        &seed
            .replacen("  advert_int 1", "  advert_int 1\n  use_vmac", 1)
            .replace("192.0.2.10/24 dev enp0s1", "192.0.2.10/24"),
    );
    // Someone's real interface happens to be called vrrp.1.
    ip(&ns, "link add vrrp.1 type veth peer name vrrp1p");
    ip(&ns, "addr add 198.51.100.1/24 dev vrrp.1");
    lab.start('a', &conf);
    assert_eq!(lab.wait_exit('a'), Some(1), "{}", lab.log('a'));
    assert!(
        lab.log('a')
            .contains("use_vmac vrrp.1: interface vrrp.1 already exists and is not a private macvlan with the virtual MAC 00:00:5e:00:01:01"),
        "{}",
        lab.log('a')
    );
    assert!(has_addr(&ns, "198.51.100.1"), "the daemon deleted vrrp.1");
    // A macvlan with another VRID's MAC is not this instance's either.
    ip(&ns, "link del vrrp.1");
    ip(&ns, "link add vrrp.1 link enp0s1 type macvlan mode private");
    ip(&ns, "link set vrrp.1 address 00:00:5e:00:01:02");
    lab.start('a', &conf);
    assert_eq!(lab.wait_exit('a'), Some(1), "{}", lab.log('a'));
    assert!(ip(&ns, "-d link show vrrp.1").contains("00:00:5e:00:01:02"));
    // What a crashed run leaves is replaced.
    ip(&ns, "link set vrrp.1 address 00:00:5e:00:01:01");
    lab.start('a', &conf);
    lab.wait_log(
        'a',
        "removed stale virtual MAC interface vrrp.1",
        1,
        Duration::from_secs(3),
    );
    lab.wait_sole_owner('a', Duration::from_secs(5));
    assert_eq!(lab.stop('a', SIGTERM), Some(0));
}

/// Two routers with one VRID on two interfaces (keepalived's default names:
/// vrrp.5, vrrp1.5): each keeps its own macvlan and VIP; a reload moving one to the
/// other interface takes its macvlan name along.
#[test]
fn one_vrid_on_two_interfaces_gets_two_virtual_macs() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let ns = lab.ns('a');
    ip(&ns, "link add enp0s2 type veth peer name enp0s2p");
    ip(&ns, "addr add 198.51.100.11/24 dev enp0s2");
    ip(&ns, "link set enp0s2p up");
    ip(&ns, "link set enp0s2 up");
    let inst = |name: &str, ifname: &str, vip: &str| {
        format!(
            "vrrp_instance {name} {{\n  interface {ifname}\n  virtual_router_id 5\n  priority 150\n  advert_int 1\n  use_vmac\n  virtual_ipaddress {{\n    {vip}\n  }}\n}}\n"
        )
    };
    let both = [
        inst("VI_1", "enp0s1", "192.0.2.10/24"),
        inst("VI_2", "enp0s2", "198.51.100.10/24"),
    ]
    .concat();
    let conf = lab.write_config("a.conf", &both);
    lab.start('a', &conf);
    lab.wait_log('a', "Entering MASTER STATE", 2, Duration::from_secs(8));
    let addrs = || ip(&ns, "-o addr show");
    let on = |dev: &str, vip: &str| {
        addrs()
            .lines()
            .any(|l| l.contains(&format!(" {dev} ")) && l.contains(&format!(" {vip}/")))
    };
    std::thread::sleep(Duration::from_millis(500));
    assert!(on("vrrp.5", "192.0.2.10"), "{}\n{}", addrs(), lab.log('a'));
    assert!(
        on("vrrp1.5", "198.51.100.10"),
        "{}\n{}",
        addrs(),
        lab.log('a')
    );
    // VI_2 goes, VI_1 moves to enp0s2: vrrp.5 is re-created there.
    std::fs::write(&conf, inst("VI_1", "enp0s2", "198.51.100.10/24")).unwrap();
    lab.signal('a', libc::SIGHUP);
    lab.wait_log('a', "reloaded", 1, Duration::from_secs(3));
    lab.wait_log('a', "Entering MASTER STATE", 3, Duration::from_secs(8));
    assert!(ip(&ns, "-o link show vrrp.5").contains("vrrp.5@enp0s2"));
    wait_until(
        Duration::from_secs(2),
        || on("vrrp.5", "198.51.100.10"),
        || format!("{}\n{}", addrs(), lab.log('a')),
    );
    assert!(!ip(&ns, "-o link").contains("vrrp1.5"));
    assert!(!lab.log('a').contains("error"), "{}", lab.log('a'));
    assert_eq!(lab.stop('a', SIGTERM), Some(0));
    assert!(
        !ip(&ns, "-o link").contains("vrrp"),
        "{}",
        ip(&ns, "-o link")
    );
}

/// RFC 5798 Accept_Mode. `no_accept`: the Master (not the address owner) answers ARP for
/// the VIP but drops traffic to it, and says so at start; the Backup taking over with
/// `accept` (keepalived's default) answers; a stopped node leaves no drop rule behind.
#[test]
fn no_accept_drops_traffic_to_the_vip_and_accept_answers() {
    if !can_run_lab() || !have_nft() {
        return;
    }
    let mut lab = Lab::new();
    let with = |host: &str, extra: &str| {
        let seed = std::fs::read_to_string(config_path(&format!("{host}.conf"))).unwrap();
        let text = seed.replacen("  advert_int 1", &format!("  advert_int 1\n{extra}"), 1);
        lab.write_config(&format!("{host}.conf"), &text)
    };
    let a = with("syslog1", "  no_accept\n");
    let b = with("syslog2", "  accept\n");
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(6));
    assert!(
        lab.log('a')
            .contains("no_accept: while Master, this node drops")
    );
    wait_until(
        Duration::from_secs(3),
        || ruleset(&lab.ns('a')).contains("ip daddr 192.0.2.10 drop"),
        || format!("no drop rule: {}", ruleset(&lab.ns('a'))),
    );
    assert!(
        !lab.ping_vip_from_client(),
        "no_accept Master answered a ping"
    );
    // ARP still works: the client knows the Master's MAC for the VIP.
    assert_eq!(neighbour_mac(&lab.ns('c'), VIP), Some(mac_of(&lab.ns('a'))));
    lab.stop('a', SIGTERM);
    lab.wait_sole_owner('b', Duration::from_secs(3));
    assert!(lab.ping_vip_from_client(), "accept Master must answer");
    assert!(
        !ruleset(&lab.ns('a')).contains("drop"),
        "a stopped node left its drop rule: {}",
        ruleset(&lab.ns('a'))
    );
}

/// Whether nft is installed (no_accept needs it); skipped with a message otherwise,
/// except in CI.
fn have_nft() -> bool {
    if std::process::Command::new("nft")
        .arg("--version")
        .output()
        .is_ok()
    {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "no_accept needs nft (apt-get install nftables)"
    );
    eprintln!("skipping: nft is not installed");
    false
}

fn ruleset(ns: &str) -> String {
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", ns, "nft", "list", "ruleset"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The drop rule follows the configuration through reloads (accept → no_accept, VIPs
/// added, no_accept → accept), and the start removes every chain a previous run left —
/// also one of an instance that is no longer no_accept, or no longer there.
#[test]
fn no_accept_follows_every_reload_and_the_start_removes_old_rules() {
    if !can_run_lab() || !have_nft() {
        return;
    }
    let mut lab = Lab::new();
    let ns = lab.ns('a');
    // What a crashed run with another configuration left behind.
    let stale = "add table inet tinyvrrpd ; add chain inet tinyvrrpd vi_eth9_9_4 { type filter hook input priority -150 ; policy accept ; } ; add rule inet tinyvrrpd vi_eth9_9_4 ip daddr 192.0.2.99 drop";
    let st = std::process::Command::new("ip")
        .args(["netns", "exec", &ns, "nft", stale])
        .status()
        .unwrap();
    assert!(st.success());
    let seed = std::fs::read_to_string(config_path("syslog1.conf")).unwrap();
    let a = lab.write_config("a.conf", &seed);
    lab.start('a', &a);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    assert!(
        !ruleset(&ns).contains("192.0.2.99"),
        "the start left an old chain: {}",
        ruleset(&ns)
    );
    let mut reloads = 0;
    let mut reload = |lab: &mut Lab, text: &str| {
        std::fs::write(&a, text).unwrap();
        lab.signal('a', libc::SIGHUP);
        reloads += 1;
        lab.wait_log('a', "reloaded", reloads, Duration::from_secs(3));
    };
    let no_accept = seed.replacen("  advert_int 1", "  advert_int 1\n  no_accept", 1);
    reload(&mut lab, &no_accept);
    wait_until(
        Duration::from_secs(3),
        || ruleset(&ns).contains("ip daddr 192.0.2.10 drop"),
        || format!("no drop rule after the reload: {}", ruleset(&ns)),
    );
    assert!(
        !lab.ping_vip_from_client(),
        "no_accept Master answered a ping"
    );
    let more = no_accept.replace(
        "    192.0.2.10/24 dev enp0s1",
        "    192.0.2.10/24 dev enp0s1\n    192.0.2.20/24 dev enp0s1",
    );
    reload(&mut lab, &more);
    wait_until(
        Duration::from_secs(3),
        || ruleset(&ns).contains("ip daddr { 192.0.2.10, 192.0.2.20 } drop"),
        || format!("the new VIP is not dropped: {}", ruleset(&ns)),
    );
    reload(&mut lab, &seed);
    wait_until(
        Duration::from_secs(3),
        || !ruleset(&ns).contains("drop"),
        || format!("accept left the drop rule: {}", ruleset(&ns)),
    );
    assert!(lab.ping_vip_from_client(), "accept Master must answer");
    assert_eq!(lab.log('a').matches("Entering MASTER STATE").count(), 1);
}

/// IPv6 no_accept: a client's neighbour unreachability detection sends unicast Neighbor
/// Solicitations to the VIP; they must pass the drop (keepalived's rules accept ND), or
/// the client's entry for its router fails.
#[test]
fn ipv6_no_accept_still_answers_neighbour_solicitations_to_the_vip() {
    if !can_run_lab() || !have_nft() {
        return;
    }
    let mut lab = Lab::new();
    lab.vip = VIP6;
    let text = std::fs::read_to_string(ipv6_conf(&lab, 'a', "1")).unwrap();
    let text = text.replacen("  advert_int 1", "  advert_int 1\n  no_accept", 1);
    assert!(text.contains("no_accept"), "{text}");
    let a = lab.write_config("a6.conf", &text);
    lab.start('a', &a);
    lab.wait_sole_owner('a', Duration::from_secs(8));
    let (ns, c) = (lab.ns('a'), lab.ns('c'));
    wait_until(
        Duration::from_secs(3),
        || ruleset(&ns).contains("ip6 daddr 2001:db8::10 drop"),
        || format!("no drop rule: {}", ruleset(&ns)),
    );
    // The client probes its stale entry soon: unicast NS to the VIP.
    let sh = |cmd: &str| {
        std::process::Command::new("ip")
            .args(["netns", "exec", &c, "sh", "-c", cmd])
            .output()
            .unwrap()
    };
    sh(
        "sysctl -qw net.ipv6.neigh.enp0s1.delay_first_probe_time=1 net.ipv6.neigh.enp0s1.retrans_time_ms=300",
    );
    let mac = mac_of(&ns);
    sh(&format!(
        "ip neigh replace {VIP6} lladdr {mac} dev enp0s1 nud stale && ping -6 -c 1 -W 1 {VIP6}"
    ));
    let state = || {
        let out = sh(&format!("ip neigh show {VIP6} dev enp0s1"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // DELAY (1 s), then PROBE: three unicast NS 0.3 s apart; without an answer FAILED.
    wait_until(
        Duration::from_secs(5),
        || state().contains("REACHABLE"),
        || format!("the client's entry for the VIP: {}", state()),
    );
}

/// The poll loop runs SCHED_RR (priority 10 by default, `vrrp_rt_priority` to change, 0 for
/// normal scheduling): at short advert intervals on a busy machine ordinary scheduling
/// lets adverts leave late enough to cause false failovers (tests/bench/stability.sh).
#[test]
fn the_daemon_runs_real_time_and_vrrp_rt_priority_changes_it() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    lab.start('a', &config_path("syslog1.conf"));
    assert_eq!(lab.sched('a', 1), (10, libc::SCHED_RR as u32));
    lab.stop('a', SIGTERM);
    let seed = std::fs::read_to_string(config_path("syslog1.conf")).unwrap();
    let c = lab.write_config(
        "rt0.conf",
        &format!("global_defs {{\n vrrp_rt_priority 0\n}}\n{seed}"),
    );
    lab.start('a', &c);
    assert_eq!(lab.sched('a', 2), (0, libc::SCHED_OTHER as u32));
}
