//! Routes and rules through the real kernel: `virtual_routes` / `virtual_rules` follow
//! the VIP on failover and preemption and are never on both nodes; `static_routes` /
//! `static_rules` stay through every transition and go at stop; a crashed run's routes
//! are cleaned up at the next start; a route the kernel refuses is retried when its link
//! comes up; a reload changes only what changed.
mod common;

use common::*;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const SIGTERM: i32 = libc::SIGTERM;
const SIGKILL: i32 = libc::SIGKILL;

/// A VRRPv3 pair at 200 ms adverts (a: 150, b: 100), unicast, with `extra` in the
/// instance and `top` before it.
fn conf(host: char, top: &str, extra: &str) -> String {
    let (me, peer, prio, state) = match host {
        'a' => (11, 12, 150, "MASTER"),
        _ => (12, 11, 100, "BACKUP"),
    };
    format!(
        "{top}
vrrp_instance VI_1 {{
  state {state}
  interface enp0s1
  virtual_router_id 1
  priority {prio}
  version 3
  advert_int 0.2
  unicast_src_ip 192.0.2.{me}
  unicast_peer {{
    192.0.2.{peer}
  }}
  virtual_ipaddress {{
    192.0.2.10/24 dev enp0s1
  }}
{extra}
}}
"
    )
}

/// `ip ARGS` in `host`'s namespace: its output.
fn ip(lab: &Lab, host: char, args: &str) -> String {
    let out = Command::new("ip")
        .args(["-n", &lab.ns(host)])
        .args(args.split_whitespace())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn has_default(lab: &Lab, host: char) -> bool {
    ip(lab, host, "-4 route show default").contains("via 192.0.2.100")
}

fn has_rule(lab: &Lab, host: char) -> bool {
    ip(lab, host, "-4 rule show").contains("from 192.0.2.10 lookup 100")
}

fn has_static(lab: &Lab, host: char) -> bool {
    ip(lab, host, "-4 route show 198.51.100.0/25").contains("via 192.0.2.100")
        && ip(lab, host, "-4 rule show").contains("to 198.51.100.0/25 lookup main")
}

/// Samples, over and over, whether the default route and the rule are on a, b, then a
/// again: one present on a at both ends and on b in between was on both at once (a
/// only ever has it once per run here). Returns the samples taken and the violations.
fn sandwich(lab: &Lab, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<(u32, Vec<String>)> {
    let (na, nb) = (lab.ns('a'), lab.ns('b'));
    std::thread::spawn(move || {
        let both = |ns: &str| {
            let out = Command::new("sh")
                .args([
                    "-c",
                    &format!("ip -n {ns} -4 route show default; ip -n {ns} -4 rule show"),
                ])
                .output()
                .unwrap();
            let s = String::from_utf8_lossy(&out.stdout).into_owned();
            (
                s.contains("via 192.0.2.100"),
                s.contains("from 192.0.2.10 lookup 100"),
            )
        };
        let (mut n, mut bad) = (0, Vec::new());
        while !stop.load(Ordering::SeqCst) {
            let (a1, b, a2) = (both(&na), both(&nb), both(&na));
            if a1.0 && b.0 && a2.0 {
                bad.push(format!("default route on both (sample {n})"));
            }
            if a1.1 && b.1 && a2.1 {
                bad.push(format!("rule on both (sample {n})"));
            }
            n += 1;
        }
        (n, bad)
    })
}

#[test]
fn routes_and_rules_follow_the_vip_statics_stay_and_a_crash_leaves_nothing_behind() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let top = "static_routes {
  198.51.100.0/25 via 192.0.2.100 dev enp0s1
}
static_rules {
  to 198.51.100.0/25 lookup main priority 50
}";
    let extra = "  virtual_routes {
    default via 192.0.2.100 dev enp0s1
  }
  virtual_rules {
    from 192.0.2.10 table 100 priority 100
  }";
    let (ca, cb) = (
        lab.write_config("a.conf", &conf('a', top, extra)),
        lab.write_config("b.conf", &conf('b', top, extra)),
    );
    lab.start('a', &ca);
    lab.start('b', &cb);
    lab.wait_sole_owner('a', Duration::from_secs(3));
    wait_until(
        Duration::from_secs(2),
        || has_default(&lab, 'a') && has_rule(&lab, 'a'),
        || format!("no route or rule on the Master:\n{}", lab.log('a')),
    );
    assert!(!has_default(&lab, 'b') && !has_rule(&lab, 'b'));
    assert!(has_static(&lab, 'a') && has_static(&lab, 'b'));

    // keepalived's tracking: the Master's route deleted makes it step down, and, the
    // better router, take over again with everything set anew; a static route deleted
    // is set again.
    ip(&lab, 'a', "route del default");
    lab.wait_log(
        'a',
        "a tracked route or rule was deleted: leaving MASTER",
        1,
        Duration::from_secs(1),
    );
    wait_until(
        Duration::from_secs(2),
        || has_default(&lab, 'a') && !has_default(&lab, 'b') && lab.owns('a'),
        || format!("a did not come back:\n{}", lab.log('a')),
    );
    ip(&lab, 'b', "route del 198.51.100.0/25");
    wait_until(
        Duration::from_secs(1),
        || has_static(&lab, 'b'),
        || format!("the static route was not set again:\n{}", lab.log('b')),
    );

    // Failover (a stops) and preemption (a comes back), watched all along.
    let stop = Arc::new(AtomicBool::new(false));
    let watch = sandwich(&lab, stop.clone());
    lab.signal('a', SIGTERM);
    wait_until(
        Duration::from_secs(3),
        || has_default(&lab, 'b') && has_rule(&lab, 'b'),
        || format!("b did not take the route over:\n{}", lab.log('b')),
    );
    assert_eq!(lab.wait_exit('a'), Some(0));
    assert!(!has_default(&lab, 'a') && !has_rule(&lab, 'a'));
    assert!(!has_static(&lab, 'a'), "a static route survived the stop");
    assert!(
        has_static(&lab, 'b'),
        "b's static route went with the failover"
    );
    lab.start('a', &ca);
    wait_until(
        Duration::from_secs(3),
        || has_default(&lab, 'a') && !has_default(&lab, 'b') && !has_rule(&lab, 'b'),
        || format!("the route did not come back to a:\n{}", lab.log('a')),
    );
    stop.store(true, Ordering::SeqCst);
    let (samples, bad) = watch.join().unwrap();
    assert!(
        bad.is_empty(),
        "{bad:?}\n{}\n{}",
        lab.log('a'),
        lab.log('b')
    );
    assert!(samples > 10, "only {samples} samples");
    assert!(has_static(&lab, 'a') && has_static(&lab, 'b'));

    // A crash leaves a's virtual route and rule behind (b takes over meanwhile); the
    // next start removes them before anything else, and keeps the static ones.
    lab.stop('a', SIGKILL);
    wait_until(
        Duration::from_secs(3),
        || has_default(&lab, 'b'),
        || "b did not take over from the crashed a".into(),
    );
    assert!(has_default(&lab, 'a') && has_static(&lab, 'a'));
    lab.start('a', &ca);
    lab.wait_log(
        'a',
        "removed stale route default via 192.0.2.100 dev enp0s1",
        1,
        Duration::from_secs(3),
    );
    lab.wait_log('a', "removed stale rule", 1, Duration::from_secs(1));
    lab.wait_sole_owner('a', Duration::from_secs(3));
    wait_until(
        Duration::from_secs(2),
        || has_default(&lab, 'a') && !has_default(&lab, 'b'),
        || "the route did not come back to a after the crash".into(),
    );
    assert!(has_static(&lab, 'a'));

    // Stop both: nothing left anywhere.
    assert_eq!(lab.stop('b', SIGTERM), Some(0));
    assert_eq!(lab.stop('a', SIGTERM), Some(0));
    for h in ['a', 'b'] {
        assert!(!has_default(&lab, h) && !has_rule(&lab, h) && !has_static(&lab, h));
        assert!(!lab.log(h).contains("cannot "), "{}", lab.log(h));
    }
}

/// `ip monitor route rule` in `host`'s namespace, printing to a pipe.
fn monitor(lab: &Lab, host: char) -> Child {
    Command::new("ip")
        .args(["-n", &lab.ns(host), "monitor", "route", "rule"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_refused_route_is_retried_when_its_link_comes_up_and_a_reload_changes_only_what_changed() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    // A device that is down (a veth pair, both ends down): the kernel refuses routes
    // through it.
    let ns = lab.ns('a');
    let ok = Command::new("ip")
        .args([
            "-n", &ns, "link", "add", "dummy0", "type", "veth", "peer", "name", "dummy1",
        ])
        .status()
        .unwrap();
    assert!(ok.success());
    let top = "static_routes {
  198.51.100.128/25 dev dummy0
}";
    let routes = |second: &str| {
        format!(
            "  virtual_routes {{
    default via 192.0.2.100 dev enp0s1
    {second} via 192.0.2.100 dev enp0s1
  }}"
        )
    };
    let ca = lab.write_config("a.conf", &conf('a', top, &routes("198.51.100.0/26")));
    lab.start('a', &ca);
    lab.wait_log(
        'a',
        "cannot add route 198.51.100.128/25 dev dummy0: ",
        1,
        Duration::from_secs(3),
    );
    assert!(lab.running('a'));
    let dummy_route =
        |lab: &Lab| ip(lab, 'a', "-4 route show 198.51.100.128/25").contains("dummy0");
    assert!(!dummy_route(&lab));
    for dev in ["dummy1", "dummy0"] {
        let ok = Command::new("ip")
            .args(["-n", &ns, "link", "set", dev, "up"])
            .status()
            .unwrap();
        assert!(ok.success());
    }
    wait_until(
        Duration::from_secs(2),
        || dummy_route(&lab),
        || format!("not retried when dummy0 came up:\n{}", lab.log('a')),
    );
    // Alone, a is Master after its Master_Down_Interval.
    wait_until(
        Duration::from_secs(3),
        || has_default(&lab, 'a') && !ip(&lab, 'a', "-4 route show 198.51.100.0/26").is_empty(),
        || format!("no virtual routes on the Master:\n{}", lab.log('a')),
    );

    // Reload: 198.51.100.0/26 gives way to .64/26; nothing else is touched.
    let mut mon = monitor(&lab, 'a');
    std::thread::sleep(Duration::from_millis(200));
    lab.write_config("a.conf", &conf('a', top, &routes("198.51.100.64/26")));
    lab.signal('a', libc::SIGHUP);
    lab.wait_log('a', "reloaded", 1, Duration::from_secs(3));
    wait_until(
        Duration::from_secs(2),
        || ip(&lab, 'a', "-4 route show 198.51.100.0/26").is_empty(),
        || "the old route is still there".into(),
    );
    std::thread::sleep(Duration::from_millis(300));
    let _ = mon.kill();
    let out = mon.wait_with_output().unwrap();
    let news = String::from_utf8_lossy(&out.stdout);
    let changed: Vec<&str> = news.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        changed
            .iter()
            .any(|l| l.starts_with("Deleted 198.51.100.0/26")),
        "{changed:?}"
    );
    assert!(
        changed.iter().any(|l| l.starts_with("198.51.100.64/26")),
        "{changed:?}"
    );
    assert_eq!(changed.len(), 2, "a reload touched more: {changed:?}");
    assert!(has_default(&lab, 'a') && dummy_route(&lab));

    assert_eq!(lab.stop('a', SIGTERM), Some(0));
    assert!(!has_default(&lab, 'a') && !dummy_route(&lab));
    assert!(ip(&lab, 'a', "-4 route show 198.51.100.64/26").is_empty());
}
