//! The static router builds (cross/build.sh) as live VRRP nodes in the namespace lab,
//! beside the native build: x86_64 natively, armv7, mipsel and aarch64 under qemu-user
//! (raw sockets, rtnetlink, AF_PACKET, signals and scheduling all pass through it to the
//! real kernel). They need cross/out/TARGET/tinyvrrpd and qemu-user-static, so a plain
//! `cargo test` skips them; cross/ci.sh builds the binaries and runs them with
//! `cargo test --test routers -- --ignored`.
//!
//! aarch64 runs unicast only: qemu-user (7.2) translates a 64-bit guest's ip_mreqn as if
//! its interface index were a 64-bit long, so it drops the index and the kernel refuses
//! the multicast join (README, "CI").
mod common;

use common::scenario::*;
use common::*;
use std::time::Duration;

/// The seed pair (VRRPv2, unicast, PASS, advert_int 1) with `bin` as syslog1: the Master
/// that stops, crashes and preempts (hearing syslog2's adverts as it does). First, alone:
/// it runs SCHED_RR (the raw syscall's number is the architecture's; qemu passes it on
/// for the thread that runs the guest).
fn seed_pair(bin: &TinyBin) {
    if !can_run_lab() {
        return;
    }
    let (c1, c2) = (config_path("syslog1.conf"), config_path("syslog2.conf"));
    {
        let mut lab = Lab::new();
        eprintln!("{} {:?}", bin.path.display(), bin.emulator);
        lab.use_binary('a', bin);
        lab.start('a', &c1);
        let sched = lab.sched('a', 1);
        assert_eq!(sched, (10, libc::SCHED_RR as u32), "{}", lab.log('a'));
        assert_eq!(lab.stop('a', libc::SIGTERM), Some(0));
    }
    let mut lab = Lab::new();
    failover_in(&mut lab, router_build(bin, &c1), tiny(&c2), &V2_1S);
}

/// VRRPv3 multicast at advert_int 0.1 (224.0.0.18), `bin` as the Master (syslog1) or
/// as the Backup (syslog2) that takes over.
fn v3_multicast_pair(bin: &TinyBin, as_master: bool) {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    eprintln!("{} {:?}", bin.path.display(), bin.emulator);
    let c1 = lab.write_config("a.kv", &multicast_v3("syslog1.kv"));
    let c2 = lab.write_config("b.kv", &multicast_v3("syslog2.kv"));
    let (a, b) = if as_master {
        (router_build(bin, &c1), tiny(&c2))
    } else {
        (tiny(&c1), router_build(bin, &c2))
    };
    failover_in(&mut lab, a, b, &V3_100MS);
    let host = if as_master { 'a' } else { 'b' };
    assert!(
        lab.log(host).contains("VRRPv3, multicast"),
        "{}",
        lab.log(host)
    );
}

#[test]
#[ignore = "needs cross/build.sh x86_64: cross/ci.sh runs it"]
fn static_x86_64_build_runs_sched_rr_and_its_scripts_do_not() {
    if !can_run_lab() {
        return;
    }
    let bin = TinyBin::cross("x86_64", None);
    let mut lab = Lab::new();
    lab.use_binary('a', &bin);
    // A notify_master script records its own /proc/PID/stat.
    let out = lab.dir.join("script.stat");
    let script = lab.write_config(
        "stat.sh",
        &format!(
            "#!/bin/sh\ncat /proc/$$/stat > {0}.tmp && mv {0}.tmp {0}\n",
            out.display()
        ),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let seed = std::fs::read_to_string(config_path("syslog1.conf")).unwrap();
    let notify = format!(
        "  notify_master \"{}\"\n  virtual_ipaddress {{",
        script.display()
    );
    let conf = lab.write_config(
        "a.conf",
        &format!(
            "global_defs {{\n  enable_script_security\n  script_user root\n}}\n{}",
            seed.replace("  virtual_ipaddress {", &notify)
        ),
    );
    lab.start('a', &conf);
    assert_eq!(
        lab.sched('a', 1),
        (10, libc::SCHED_RR as u32),
        "{}",
        lab.log('a')
    );
    wait_until(
        Duration::from_secs(5),
        || out.exists(),
        || format!("notify_master did not run:\n{}", lab.log('a')),
    );
    let stat = std::fs::read_to_string(&out).unwrap();
    assert_eq!(sched_of(&stat), (0, libc::SCHED_OTHER as u32), "{stat}");
    assert_eq!(lab.stop('a', libc::SIGTERM), Some(0));
    assert!(
        !lab.log('a').contains("cannot run real-time"),
        "{}",
        lab.log('a')
    );
}

#[test]
#[ignore = "needs cross/out binaries and qemu-user-static: cross/ci.sh runs it"]
fn armv7_under_qemu_is_the_seed_pairs_master() {
    seed_pair(&TinyBin::cross("armv7", Some("qemu-arm-static")));
}

#[test]
#[ignore = "needs cross/out binaries and qemu-user-static: cross/ci.sh runs it"]
fn armv7_under_qemu_is_a_v3_multicast_master() {
    v3_multicast_pair(&TinyBin::cross("armv7", Some("qemu-arm-static")), true);
}

#[test]
#[ignore = "needs cross/out binaries and qemu-user-static: cross/ci.sh runs it"]
fn armv7_under_qemu_is_a_v3_multicast_backup() {
    v3_multicast_pair(&TinyBin::cross("armv7", Some("qemu-arm-static")), false);
}

#[test]
#[ignore = "needs cross/out binaries and qemu-user-static: cross/ci.sh runs it"]
fn mipsel_under_qemu_is_the_seed_pairs_master() {
    seed_pair(&TinyBin::cross("mipsel", Some("qemu-mipsel-static")));
}

#[test]
#[ignore = "needs cross/out binaries and qemu-user-static: cross/ci.sh runs it"]
fn mipsel_under_qemu_is_a_v3_multicast_master() {
    v3_multicast_pair(&TinyBin::cross("mipsel", Some("qemu-mipsel-static")), true);
}

#[test]
#[ignore = "needs cross/out binaries and qemu-user-static: cross/ci.sh runs it"]
fn aarch64_under_qemu_is_the_seed_pairs_master() {
    seed_pair(&TinyBin::cross("aarch64", Some("qemu-aarch64-static")));
}
