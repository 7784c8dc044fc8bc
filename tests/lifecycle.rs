//! keepalived's `startup_script` and `shutdown_script` through the real kernel: the
//! startup script ends before the first advert (the daemon answers `status` meanwhile,
//! every instance in INIT), the shutdown script starts after the priority-0 advert with
//! the VIPs gone, and a script that hangs is killed at its timeout without holding the
//! start or the exit longer.
mod common;

use common::flood::adverts;
use common::*;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

const A: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 11);

/// One multicast Master (no peer to hand over to) with `globals` in global_defs.
fn conf(globals: &str) -> String {
    format!(
        "global_defs {{
  router_id lifecycle
{globals}}}
vrrp_instance VI_1 {{
  state MASTER
  interface enp0s1
  virtual_router_id 1
  priority 150
  advert_int 1
  virtual_ipaddress {{
    {VIP}/24
  }}
}}
"
    )
}

/// An executable shell script in the lab's directory.
fn script(lab: &Lab, name: &str, body: &str) -> String {
    let p = lab.write_config(name, &format!("#!/bin/sh\n{body}\n"));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p.display().to_string()
}

/// The wall-clock time a script wrote with `date +%s.%N` on its first line.
fn written_at(path: &Path) -> SystemTime {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let secs: f64 = text.lines().next().unwrap().trim().parse().unwrap();
    SystemTime::UNIX_EPOCH + Duration::from_secs_f64(secs)
}

fn status(lab: &Lab) -> (i32, String) {
    run_cli(&["status", "-p", lab.pid_file('a').to_str().unwrap()])
}

#[test]
fn the_startup_script_ends_before_the_first_advert_and_the_shutdown_script_follows_the_last() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let (started, stopped) = (lab.dir.join("started"), lab.dir.join("stopped"));
    // The startup script takes a while; the shutdown script records the addresses left.
    let up = script(
        &lab,
        "up.sh",
        &format!("sleep 1.5\ndate +%s.%N > {}", started.display()),
    );
    let down = script(
        &lab,
        "down.sh",
        &format!(
            "date +%s.%N > {0}\nip -o addr show dev enp0s1 >> {0}",
            stopped.display()
        ),
    );
    let a = lab.write_config(
        "a.conf",
        &conf(&format!(
            "  startup_script {up}\n  shutdown_script {down}\n"
        )),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let seen = adverts(&lab.ns('b'), A, stop.clone(), Duration::from_secs(20));
    lab.start('a', &a);
    // The loop runs while the script does: status answers, the instance waits in INIT.
    wait_until(
        Duration::from_secs(1),
        || status(&lab).0 == 0,
        || format!("no status during the startup script:\n{}", lab.log('a')),
    );
    let (_, s) = status(&lab);
    assert!(
        !started.exists(),
        "the startup script was quicker than this test"
    );
    assert!(s.contains("  State: INIT\n"), "{s}");
    wait_until(
        Duration::from_secs(6),
        || lab.has_vip('a'),
        || format!("a never became Master:\n{}", lab.log('a')),
    );
    assert_eq!(lab.stop('a', libc::SIGTERM), Some(0), "{}", lab.log('a'));
    stop.store(true, Ordering::Relaxed);
    let seen = seen.join().unwrap();
    let first = seen.iter().find(|s| s.priority > 0).expect("no advert");
    let zero = seen
        .iter()
        .find(|s| s.priority == 0)
        .expect("no priority-0 advert");
    let (up_at, down_at) = (written_at(&started), written_at(&stopped));
    assert!(
        up_at < first.wall,
        "first advert {:?} before the startup script ended {up_at:?}",
        first.wall
    );
    assert!(
        zero.wall < down_at,
        "shutdown script {down_at:?} before the priority-0 advert {:?}",
        zero.wall
    );
    let left = std::fs::read_to_string(&stopped).unwrap();
    assert!(!left.contains(VIP), "the VIP was still there: {left}");
    assert!(left.contains("192.0.2.11/24"), "{left}");
}

#[test]
fn hanging_startup_and_shutdown_scripts_are_killed_at_their_timeouts() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    // Unique arguments, so leftovers can be found in /proc.
    let (up, down) = ("/bin/sleep 30.4361", "/bin/sleep 30.4362");
    let a = lab.write_config(
        "a.conf",
        &conf(&format!(
            "  startup_script \"{up}\"\n  startup_script_timeout 1\n  shutdown_script \"{down}\"\n  shutdown_script_timeout 1\n"
        )),
    );
    let t0 = Instant::now();
    lab.start('a', &a);
    // Killed after 1 s; then one advert interval (+ skew) as Backup before taking over.
    let took = t0.elapsed()
        + wait_until(
            Duration::from_secs(5),
            || lab.has_vip('a'),
            || format!("a never became Master:\n{}", lab.log('a')),
        );
    let log = lab.log('a');
    assert!(
        log.contains("(startup) command (pid ") && log.contains(") overran its time: killing it"),
        "{log}"
    );
    assert!(
        took >= Duration::from_secs(2),
        "Master after {took:?}: {log}"
    );
    assert_eq!(processes(up), 0, "the startup script outlived its timeout");
    let t1 = Instant::now();
    assert_eq!(lab.stop('a', libc::SIGTERM), Some(0));
    let stopping = t1.elapsed();
    assert!(!lab.has_vip('a'));
    assert_eq!(
        processes(down),
        0,
        "the shutdown script outlived the daemon"
    );
    let log = lab.log('a');
    assert_eq!(
        log.matches(") overran its time: killing it").count(),
        2,
        "{log}"
    );
    assert!(log.contains("(shutdown) command (pid "), "{log}");
    // The hand-over without a Backup (≈ 1.25 s), then the script's second.
    assert!(
        stopping >= Duration::from_secs(2) && stopping < Duration::from_secs(4),
        "stopped in {stopping:?}: {log}"
    );
}
