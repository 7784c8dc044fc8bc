//! keepalived keywords whose effect is on the wire or in the kernel, run in namespaces
//! (issue 13, phase 2): what the daemon does with each, not only what `-t` says of it.
mod common;

use common::*;
use std::time::Duration;

/// The seed's syslog1.conf with `edit` applied (each `from` must be there).
fn seed_with(name: &str, edit: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(config_path(name)).unwrap();
    for (from, to) in edit {
        assert!(text.contains(from), "{name} lacks {from:?}");
        text = text.replacen(from, to, 1);
    }
    text
}

/// Item 1: a reload logs the new file's warnings as warnings and applies it; a refused
/// one counts its errors only (its warnings are not errors).
#[test]
fn a_reload_logs_warnings_as_warnings_and_counts_only_errors() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let a = lab.write_config("a.conf", &seed_with("syslog1.conf", &[]));
    lab.start('a', &a);
    lab.wait_log('a', "Entering MASTER STATE", 1, Duration::from_secs(5));
    let warned = seed_with(
        "syslog1.conf",
        &[("  priority 150 ", "  smtp_alert\n  priority 140 ")],
    );
    std::fs::write(&a, &warned).unwrap();
    lab.signal('a', libc::SIGHUP);
    lab.wait_log('a', "reloaded", 1, Duration::from_secs(3));
    let log = lab.log('a');
    assert!(
        log.contains("a.conf:12: warning: 'smtp_alert' ignored"),
        "{log}"
    );
    assert!(lab.state_dump('a').contains("Priority: 140 (base 140)"));
    // One error (a priority out of range) beside the warning.
    let broken = warned.replacen("priority 140", "priority 300", 1);
    std::fs::write(&a, &broken).unwrap();
    lab.signal('a', libc::SIGHUP);
    lab.wait_log(
        'a',
        "keeping the running configuration",
        1,
        Duration::from_secs(3),
    );
    let log = lab.log('a');
    assert!(log.contains("reload: 1 error(s)"), "{log}");
    let warning_as_error = log
        .lines()
        .any(|l| l.contains("error: ") && l.contains("smtp_alert"));
    assert!(!warning_as_error, "{log}");
}

/// Item 2: a reload reads what the file includes, with the start's config ID (`-i`):
/// the included file's new priority is advertised; `@ID` lines are read as at start.
#[test]
fn a_reload_reads_included_files_with_the_starts_config_id() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    lab.args = vec!["-i".into(), "lab1".into()];
    let instance = |prio: u8| {
        seed_with(
            "syslog1.conf",
            &[(
                "  priority 150 ",
                &format!("@lab1 priority {prio}\n@^lab1 priority 10\n "),
            )],
        )
    };
    let inc = lab.write_config("vi.conf", &instance(150));
    let main = lab.write_config(
        "main.conf",
        "global_defs {\n  router_id lab\n}\ninclude vi.conf\n",
    );
    lab.start('a', &main);
    lab.wait_log('a', "Entering MASTER STATE", 1, Duration::from_secs(5));
    assert!(lab.state_dump('a').contains("Priority: 150 (base 150)"));
    std::fs::write(&inc, instance(120)).unwrap();
    lab.signal('a', libc::SIGHUP);
    lab.wait_log('a', "reloaded", 1, Duration::from_secs(3));
    let dump = lab.state_dump('a');
    assert!(
        dump.contains("Priority: 120 (base 120)"),
        "{dump}\n{}",
        lab.log('a')
    );
}

/// The `ip -o addr` line of `addr` in namespace `ns`, if it has it.
fn addr_line(ns: &str, addr: &str) -> Option<String> {
    let out = std::process::Command::new("ip")
        .args(["-n", ns, "-o", "addr", "show"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let word = format!(" {addr}/");
    text.lines().find(|l| l.contains(&word)).map(str::to_string)
}

/// Item 5: a VIP's `brd` and `scope` reach the kernel, and a reload that changes them
/// adds the VIP again with the new ones. (A /32: Linux 6.x refuses a scope other than
/// global on an address with a prefix route, "ipv4: Invalid scope value", as it would
/// keepalived's.)
#[test]
fn vip_broadcast_and_scope_reach_the_kernel_and_follow_a_reload() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let vip = |opts: &str| {
        seed_with(
            "syslog1.conf",
            &[(
                "192.0.2.10/24 dev enp0s1",
                &format!("192.0.2.10/32 dev enp0s1 {opts}"),
            )],
        )
    };
    let a = lab.write_config("a.conf", &vip("brd 192.0.2.255 scope link"));
    lab.start('a', &a);
    lab.wait_log('a', "Entering MASTER STATE", 1, Duration::from_secs(5));
    let ns = lab.ns('a');
    let has = |opts: &str| addr_line(&ns, VIP).is_some_and(|l| l.contains(opts));
    wait_until(
        Duration::from_secs(2),
        || has("brd 192.0.2.255 scope link"),
        || format!("{:?}\n{}", addr_line(&ns, VIP), lab.log('a')),
    );
    std::fs::write(&a, vip("brd 192.0.2.127 scope site")).unwrap();
    lab.signal('a', libc::SIGHUP);
    lab.wait_log('a', "reloaded", 1, Duration::from_secs(3));
    wait_until(
        Duration::from_secs(2),
        || has("brd 192.0.2.127 scope site"),
        || format!("{:?}\n{}", addr_line(&ns, VIP), lab.log('a')),
    );
}

/// Item 7: `virtual_ipaddress_excluded` (of either family) goes on and off with the
/// VIPs, on the Master only, and stays out of the advert.
#[test]
fn excluded_vips_follow_the_vips_but_stay_out_of_the_advert() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let evips = "  virtual_ipaddress_excluded {\n    192.0.2.20/24\n    2001:db8::20/64\n  }\n}";
    let with_evips = |name: &str| {
        let text = seed_with(name, &[]);
        let end = text.rfind('}').unwrap();
        format!("{}{evips}\n", &text[..end])
    };
    let a = lab.write_config("a.conf", &with_evips("syslog1.conf"));
    let b = lab.write_config("b.conf", &with_evips("syslog2.conf"));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    let all = [VIP, "192.0.2.20", "2001:db8::20"];
    let (na, nb) = (lab.ns('a'), lab.ns('b'));
    wait_until(
        Duration::from_secs(2),
        || all.iter().all(|v| has_addr(&na, v)),
        || lab.log('a'),
    );
    assert!(all.iter().all(|v| !has_addr(&nb, v)));
    let src = "192.0.2.11".parse().unwrap();
    let advert = first_advert(&nb, src, None, Duration::from_secs(3)).expect("an advert");
    // The VRRP header follows the 20-byte IP header; its address count is byte 3.
    assert_eq!((advert[23], &advert[28..32]), (1, &[192, 0, 2, 10][..]));
    lab.stop('a', libc::SIGTERM);
    wait_until(
        Duration::from_secs(3),
        || all.iter().all(|v| has_addr(&nb, v) && !has_addr(&na, v)),
        || lab.log('b'),
    );
}

/// The seed's file for `host` as multicast (no unicast_src_ip, peers or password).
fn multicast(name: &str, edit: &[(&str, &str)]) -> String {
    let text = seed_with(name, edit);
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        let t = line.trim_start();
        skipping |= t.starts_with("unicast_peer {") || t.starts_with("authentication {");
        if !skipping && !t.starts_with("unicast_src_ip") {
            out.push_str(line);
            out.push('\n');
        }
        skipping &= !t.starts_with('}');
    }
    out
}

fn ip(ns: &str, args: &str) {
    let st = std::process::Command::new("ip")
        .args(["-n", ns])
        .args(args.split_whitespace())
        .status()
        .unwrap();
    assert!(st.success(), "ip -n {ns} {args}");
}

/// Item 3: `mcast_src_ip` is the source of multicast adverts (here a secondary address
/// of the interface, not its primary one).
#[test]
fn mcast_src_ip_is_the_source_of_multicast_adverts() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    ip(&lab.ns('a'), "addr add 192.0.2.21/24 dev enp0s1");
    let a = multicast(
        "syslog1.conf",
        &[(
            "  advert_int 1 ",
            "  mcast_src_ip 192.0.2.21\n  advert_int 1 ",
        )],
    );
    let a = lab.write_config("a.conf", &a);
    lab.start('a', &a);
    let group = Some("224.0.0.18".parse().unwrap());
    let src = "192.0.2.21".parse().unwrap();
    let advert = first_advert(&lab.ns('b'), src, group, Duration::from_secs(4));
    assert!(
        advert.is_some_and(|d| d[16..20] == [224, 0, 0, 18]),
        "{}",
        lab.log('a')
    );
}

/// Item 10: `mcast_dst_ip` (and the global `vrrp_mcast_group4`): two nodes on 224.0.0.19
/// elect between themselves; a node on the RFC's 224.0.0.18 with the same VRID and a
/// higher priority neither hears them nor is heard.
#[test]
fn a_multicast_group_of_its_own_keeps_a_pair_apart_from_the_default_group() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let a = multicast(
        "syslog1.conf",
        &[(
            "  advert_int 1 ",
            "  mcast_dst_ip 224.0.0.19\n  advert_int 1 ",
        )],
    );
    let b = format!(
        "global_defs {{\n  vrrp_mcast_group4 224.0.0.19\n}}\n{}",
        multicast("syslog2.conf", &[])
    );
    let c = multicast(
        "syslog2.conf",
        &[
            ("priority 100", "priority 200"),
            ("192.0.2.10/24", "192.0.2.30/24"),
        ],
    );
    let (a, b, c) = (
        lab.write_config("a.conf", &a),
        lab.write_config("b.conf", &b),
        lab.write_config("c.conf", &c),
    );
    lab.start('c', &c);
    lab.start('a', &a);
    lab.start('b', &b);
    let group = Some("224.0.0.19".parse().unwrap());
    let from_a = first_advert(
        &lab.ns('b'),
        "192.0.2.11".parse().unwrap(),
        group,
        Duration::from_secs(5),
    );
    assert!(
        from_a.is_some_and(|d| d[16..20] == [224, 0, 0, 19]),
        "{}",
        lab.log('a')
    );
    lab.wait_sole_owner('a', Duration::from_secs(5));
    lab.wait_log('c', "Entering MASTER STATE", 1, Duration::from_secs(5));
    std::thread::sleep(Duration::from_secs(2));
    assert!(lab.has_vip('a') && !lab.has_vip('b'), "{}", lab.log('b'));
    assert!(!lab.log('b').contains("MASTER STATE"), "{}", lab.log('b'));
    assert_eq!(lab.log('a').matches("Entering MASTER STATE").count(), 1);
    assert!(!lab.log('c').contains("dropped"), "{}", lab.log('c'));
}

/// Item 12: `unicast_fault_no_peer` with no peer left: FAULT (notify_fault runs, the
/// status says why), never multicast.
#[test]
fn unicast_fault_no_peer_without_peers_stays_in_fault() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let marker = lab.dir.join("a.fault");
    let fault = format!(
        "  unicast_fault_no_peer\n  notify_fault \"/usr/bin/touch {}\"\n  unicast_peer {{",
        marker.display()
    );
    let a = seed_with(
        "syslog1.conf",
        &[
            ("  unicast_peer {", &fault),
            ("    192.0.2.12                  # IP of BACKUP node\n", ""),
        ],
    );
    let a = lab.write_config("a.conf", &a);
    lab.start('a', &a);
    wait_until(Duration::from_secs(3), || marker.exists(), || lab.log('a'));
    let dump = lab.state_dump('a');
    assert!(
        dump.contains("State: FAULT") && dump.contains("without any peers"),
        "{dump}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !lab.log('a').contains("MASTER STATE") && !lab.has_vip('a'),
        "{}",
        lab.log('a')
    );
}

/// Item 6, as keepalived tracks a Master's addresses and interfaces: a VIP deleted from
/// under it is added again (it leaves Master and takes over after its Skew_Time); a
/// VIP's own interface going down faults it. With `no_track` on the addresses and
/// `dont_track_primary`, neither the deletion nor any of those links going down does.
#[test]
fn vips_and_their_interfaces_are_tracked_unless_no_track_or_dont_track_primary() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let ns = lab.ns('a');
    // (A veth pair: this kernel may have no dummy interfaces.)
    ip(&ns, "link add dum0 type veth peer name dum1");
    ip(&ns, "link set dum1 up");
    ip(&ns, "link set dum0 up");
    let conf = |no_track: &str, dont: &str| {
        seed_with(
            "syslog1.conf",
            &[
                (
                    "192.0.2.10/24 dev enp0s1    # Shared virtual IP (VIP)",
                    &format!(
                        "192.0.2.10/24 dev enp0s1 {no_track}\n    198.51.100.10/24 dev dum0 {no_track}"
                    ),
                ),
                ("  advert_int 1 ", &format!("{dont}\n  advert_int 1 ")),
            ],
        )
    };
    let a = lab.write_config("a.conf", &conf("", ""));
    lab.start('a', &a);
    lab.wait_log('a', "Entering MASTER STATE", 1, Duration::from_secs(5));
    wait_until(Duration::from_secs(2), || lab.has_vip('a'), || lab.log('a'));
    std::thread::sleep(Duration::from_millis(300));
    ip(&ns, "addr del 192.0.2.10/24 dev enp0s1");
    lab.wait_log('a', "Entering MASTER STATE", 2, Duration::from_secs(2));
    wait_until(Duration::from_secs(1), || lab.has_vip('a'), || lab.log('a'));
    assert!(
        lab.log('a')
            .contains("Netlink reflector reports IP 192.0.2.10 removed from enp0s1")
    );
    ip(&ns, "link set dum0 down");
    lab.wait_log('a', "Entering FAULT STATE", 1, Duration::from_secs(2));
    ip(&ns, "link set dum0 up");
    lab.wait_log('a', "Entering MASTER STATE", 3, Duration::from_secs(3));

    std::fs::write(&a, conf("no_track", "  dont_track_primary")).unwrap();
    lab.signal('a', libc::SIGHUP);
    lab.wait_log('a', "reloaded", 1, Duration::from_secs(3));
    wait_until(Duration::from_secs(2), || lab.has_vip('a'), || lab.log('a'));
    std::thread::sleep(Duration::from_millis(300));
    ip(&ns, "addr del 192.0.2.10/24 dev enp0s1");
    ip(&ns, "link set dum0 down");
    ip(&ns, "link set enp0s1 down");
    std::thread::sleep(Duration::from_millis(1500));
    ip(&ns, "link set enp0s1 up");
    let log = lab.log('a');
    assert_eq!(log.matches("Entering MASTER STATE").count(), 3, "{log}");
    assert_eq!(log.matches("Entering FAULT STATE").count(), 1, "{log}");
    assert!(!lab.has_vip('a'), "{log}");
}

/// Item 15: `vrrp_startup_delay`: even the address owner sends nothing and takes no VIP
/// before the delay is over.
#[test]
fn vrrp_startup_delay_holds_even_the_owner_back() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let a = seed_with("syslog1.conf", &[("  priority 150 ", "  priority 255 ")]);
    let a = format!("global_defs {{\n  vrrp_startup_delay 1.5\n}}\n{a}");
    let a = lab.write_config("a.conf", &a);
    let start = std::time::Instant::now();
    lab.start('a', &a);
    std::thread::sleep(Duration::from_millis(1200));
    assert!(!lab.has_vip('a'), "{}", lab.log('a'));
    lab.wait_log('a', "Entering MASTER STATE", 1, Duration::from_secs(2));
    assert!(start.elapsed() >= Duration::from_millis(1500));
    assert!(
        lab.log('a').contains("Delaying startup for 1.5 seconds"),
        "{}",
        lab.log('a')
    );
}

/// Item 17: `interface_up_down_delays`: a link down shorter than its delay changes
/// nothing (keepalived's "Delay timer … cancelled"); a longer one faults once the delay
/// is over.
#[test]
fn interface_up_down_delays_debounce_link_changes() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let a = seed_with("syslog1.conf", &[]);
    let a = format!("interface_up_down_delays {{\n  enp0s1 1 0\n}}\n{a}");
    let a = lab.write_config("a.conf", &a);
    lab.start('a', &a);
    lab.wait_log('a', "Entering MASTER STATE", 1, Duration::from_secs(5));
    let ns = lab.ns('a');
    ip(&ns, "link set enp0s1 down");
    std::thread::sleep(Duration::from_millis(400));
    ip(&ns, "link set enp0s1 up");
    lab.wait_log(
        'a',
        "Delay timer for enp0s1 cancelled",
        1,
        Duration::from_secs(1),
    );
    let down = std::time::Instant::now();
    ip(&ns, "link set enp0s1 down");
    lab.wait_log('a', "Entering FAULT STATE", 1, Duration::from_secs(3));
    assert!(
        down.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        down.elapsed()
    );
    ip(&ns, "link set enp0s1 up");
    lab.wait_log('a', "Entering MASTER STATE", 2, Duration::from_secs(5));
    assert_eq!(lab.log('a').matches("Entering FAULT STATE").count(), 1);
}

/// The global GARP defaults (`vrrp_garp_master_repeat`, `_delay`, `vrrp_garp_interval`)
/// are what an instance that sets none sends: 2 gratuitous ARPs 100 ms apart on taking
/// over and 2 more a second later (the built-in defaults: 5 back to back, 5 more after
/// 5 s).
#[test]
fn the_global_garp_defaults_are_what_the_client_sees() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let globals = "global_defs {\n  vrrp_garp_master_repeat 2\n  vrrp_garp_master_delay 1\n  vrrp_garp_interval 0.1\n}\n";
    let a = lab.write_config(
        "a.conf",
        &format!("{globals}{}", seed_with("syslog1.conf", &[])),
    );
    let arps = gratuitous_arps(
        &lab.ns('c'),
        "192.0.2.10".parse().unwrap(),
        Duration::from_millis(3800),
    );
    lab.start('a', &a);
    let seen = arps.join().unwrap();
    assert_eq!(seen.len(), 4, "{seen:?}\n{}", lab.log('a'));
    let gap = |i: usize| seen[i + 1] - seen[i];
    assert!(
        gap(0) >= Duration::from_millis(80) && gap(0) < Duration::from_millis(300),
        "{seen:?}"
    );
    assert!(gap(1) >= Duration::from_millis(800), "{seen:?}");
    assert!(
        gap(2) >= Duration::from_millis(80) && gap(2) < Duration::from_millis(300),
        "{seen:?}"
    );
}

/// Item 19: one VRID, an IPv4 and an IPv6 virtual router with `use_vmac` each (vrrp.1 and
/// vrrp6.1): they elect independently — a is Master of one, b of the other.
#[test]
fn ipv4_and_ipv6_routers_of_one_vrid_elect_independently_with_use_vmac() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let conf = |p4: u8, p6: u8| {
        format!(
            "vrrp_instance VI_4 {{\n  interface enp0s1\n  virtual_router_id 1\n  priority {p4}\n  advert_int 1\n  use_vmac\n  virtual_ipaddress {{\n    192.0.2.10/24\n  }}\n}}\nvrrp_instance VI_6 {{\n  interface enp0s1\n  virtual_router_id 1\n  priority {p6}\n  advert_int 1\n  use_vmac\n  virtual_ipaddress {{\n    2001:db8::10/64\n  }}\n}}\n"
        )
    };
    let (a, b) = (
        lab.write_config("a.conf", &conf(150, 100)),
        lab.write_config("b.conf", &conf(100, 150)),
    );
    lab.start('a', &a);
    lab.start('b', &b);
    let on = |host: char, dev: &str, addr: &str| {
        let out = std::process::Command::new("ip")
            .args(["-n", &lab.ns(host), "-o", "addr", "show", "dev", dev])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains(&format!(" {addr}/"))
    };
    let settled = || {
        on('a', "vrrp.1", VIP)
            && on('b', "vrrp6.1", VIP6)
            && !has_addr(&lab.ns('b'), VIP)
            && !has_addr(&lab.ns('a'), VIP6)
    };
    let logs = || format!("{}\n{}", lab.log('a'), lab.log('b'));
    wait_until(Duration::from_secs(8), settled, logs);
    // (At start a Backup may take over before the other node's IPv6 link-local address
    // has passed DAD; once settled, nothing moves.)
    let masters = |host| lab.log(host).matches("Entering MASTER STATE").count();
    let before = (masters('a'), masters('b'));
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        settled() && before == (masters('a'), masters('b')),
        "{}",
        logs()
    );
}
