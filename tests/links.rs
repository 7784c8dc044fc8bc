//! Interfaces and addresses that come, go and change under a running daemon, and socket
//! set-up that fails (issue 18: boot order and item 4; issue 19 item 2). On a router,
//! VLANs, bridges, PPPoE and WireGuard interfaces appear after services start; DHCP
//! renumbers; a kernel can refuse a multicast membership. Whatever happens, an instance
//! that cannot hear or be heard waits in FAULT, says why, and comes back by itself —
//! never a silent Master.
mod common;

use common::scenario::multicast_v3;
use common::*;
use std::process::Command;
use std::time::Duration;

const MASTER: &str = "(VI_1) Entering MASTER STATE";
const FAULT: &str = "(VI_1) Entering FAULT STATE";

/// `ip ARGS` in `host`'s namespace; it must succeed.
fn ip(lab: &Lab, host: char, args: &str) {
    let ok = Command::new("ip")
        .args(["-n", &lab.ns(host)])
        .args(args.split_whitespace())
        .status()
        .unwrap()
        .success();
    assert!(ok, "ip -n {} {args}", lab.ns(host));
}

/// `sysctl -w KEY=VALUE` in `host`'s namespace.
fn sysctl(lab: &Lab, host: char, setting: &str) {
    let ok = Command::new("ip")
        .args(["netns", "exec", &lab.ns(host), "sysctl", "-qw", setting])
        .status()
        .unwrap()
        .success();
    assert!(ok, "sysctl {setting} in {}", lab.ns(host));
}

/// The late interface of the boot-order test: a macvlan on the LAN with `addr`, up.
fn late0(lab: &Lab, host: char, addr: &str) {
    ip(
        lab,
        host,
        "link add link enp0s1 name late0 type macvlan mode bridge",
    );
    ip(lab, host, &format!("addr add {addr} dev late0"));
    ip(lab, host, "link set late0 up");
}

fn status(lab: &Lab, host: char) -> String {
    let pid = lab.pid_file(host);
    let (code, out) = run_cli(&["status", "-p", pid.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    out
}

/// The seed pair as VRRPv3 multicast at `interval` seconds, with `extra` lines.
fn v3(lab: &Lab, host: char, interval: &str, extra: &str) -> std::path::PathBuf {
    let base = if host == 'a' {
        "syslog1.kv"
    } else {
        "syslog2.kv"
    };
    let text = multicast_v3(base).replace("advert_int = 0.1", &format!("advert_int = {interval}"));
    lab.write_config(&format!("{host}.kv"), &format!("{text}{extra}"))
}

/// Issue 19 item 2: a multicast join that fails left the node deaf to every advert; it
/// became Master beside the real one and stayed there. Now it waits in FAULT, says why,
/// and joins when the link changes. (The kernel refuses the membership here because the
/// namespace allows none: net.ipv4.igmp_max_memberships = 0, ENOBUFS.)
#[test]
fn a_failed_multicast_join_is_fault_not_master_and_is_retried_when_the_link_changes() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let (a, b) = (v3(&lab, 'a', "0.1", ""), v3(&lab, 'b', "0.1", ""));
    lab.start('b', &b);
    lab.wait_log('b', MASTER, 1, Duration::from_secs(3));
    sysctl(&lab, 'a', "net.ipv4.igmp_max_memberships=0");
    lab.start('a', &a);
    lab.wait_log('a', "cannot join 224.0.0.18", 1, Duration::from_secs(3));
    lab.wait_log('a', FAULT, 1, Duration::from_secs(3));
    // Deaf, it would have taken over within one interval (state MASTER): it must not.
    std::thread::sleep(Duration::from_secs(2));
    assert!(!lab.log('a').contains(MASTER), "{}", lab.log('a'));
    assert!(lab.has_vip('b') && !lab.has_vip('a'));
    let s = status(&lab, 'a');
    assert!(s.contains("  State: FAULT\n"), "{s}");
    assert!(
        s.contains("  Cannot run: cannot join 224.0.0.18 on enp0s1: IP_ADD_MEMBERSHIP: "),
        "{s}"
    );
    // The kernel allows it again; the link's next change brings the join, a preempts.
    sysctl(&lab, 'a', "net.ipv4.igmp_max_memberships=20");
    ip(&lab, 'a', "link set enp0s1 down");
    ip(&lab, 'a', "link set enp0s1 up");
    lab.wait_sole_owner('a', Duration::from_secs(5));
    assert!(!status(&lab, 'a').contains("Cannot run"));
}

/// Boot order: an interface that does not exist at start (created 5 s later: a macvlan
/// on the LAN here, standing for a VLAN, bridge or PPPoE interface on a router) is
/// no error: its instance waits in FAULT, logged once and shown in the status, and
/// starts when the interface appears — no restart. Deleted while running, it goes to
/// FAULT; back, the instance comes back.
#[test]
fn an_interface_created_after_start_is_used_and_followed_without_a_restart() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    lab.vip = "198.51.100.10";
    let conf = |host: char, prio: u8| {
        let text = format!(
            "vrrp_version = 3\ninstance = VI_1\ninterface = late0\nvirtual_router_id = 42\npriority = {prio}\nadvert_int = 0.1\nvirtual_ipaddress = 198.51.100.10/24\n"
        );
        lab.write_config(&format!("{host}.kv"), &text)
    };
    let (a, b) = (conf('a', 150), conf('b', 100));
    lab.start('a', &a);
    lab.start('b', &b);
    let waiting = "(VI_1) interface late0 does not exist: waiting in FAULT";
    lab.wait_log('a', waiting, 1, Duration::from_secs(3));
    lab.wait_log('a', FAULT, 1, Duration::from_secs(3));
    let s = status(&lab, 'a');
    assert!(
        s.contains("  State: FAULT\n  Cannot run: interface late0 does not exist\n"),
        "{s}"
    );
    std::thread::sleep(Duration::from_secs(5));
    late0(&lab, 'a', "198.51.100.11/24");
    late0(&lab, 'b', "198.51.100.12/24");
    lab.wait_sole_owner('a', Duration::from_secs(5));
    assert_eq!(lab.log('a').matches(waiting).count(), 1, "{}", lab.log('a'));
    assert!(!status(&lab, 'a').contains("Cannot run"));
    // Deleted while running: FAULT, b takes over; back: a takes over again.
    ip(&lab, 'a', "link del late0");
    lab.wait_log('a', FAULT, 2, Duration::from_secs(3));
    lab.wait_sole_owner('b', Duration::from_secs(3));
    late0(&lab, 'a', "198.51.100.11/24");
    lab.wait_sole_owner('a', Duration::from_secs(5));
}

/// Boot order with `use_vmac`: the macvlan needs its base interface (a veth created
/// later here), so it is made when the base appears; the kernel deletes it with its base,
/// and it is made again when the base returns.
#[test]
fn use_vmac_on_an_interface_created_later_is_made_when_it_appears() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    lab.vip = "198.51.100.10";
    let text = "vrrp_version = 3\ninstance = VI_1\ninterface = late1\nvirtual_router_id = 43\npriority = 150\nadvert_int = 0.1\nuse_vmac = vrrp.43\nvirtual_ipaddress = 198.51.100.10/24\n";
    let a = lab.write_config("a.kv", text);
    lab.start('a', &a);
    lab.wait_log('a', FAULT, 1, Duration::from_secs(3));
    let up = |lab: &Lab| {
        ip(lab, 'a', "link add late1 type veth peer name late1p");
        ip(lab, 'a', "addr add 198.51.100.11/24 dev late1");
        ip(lab, 'a', "link set late1p up");
        ip(lab, 'a', "link set late1 up");
    };
    up(&lab);
    let ns = lab.ns('a');
    let vmac = || {
        let show = ["-n", &ns, "link", "show", "vrrp.43"];
        Command::new("ip")
            .args(show)
            .output()
            .unwrap()
            .status
            .success()
    };
    wait_until(
        Duration::from_secs(5),
        || lab.has_vip('a') && vmac(),
        || format!("no VIP on vrrp.43:\n{}", lab.log('a')),
    );
    ip(&lab, 'a', "link del late1");
    lab.wait_log('a', FAULT, 2, Duration::from_secs(3));
    up(&lab);
    wait_until(
        Duration::from_secs(5),
        || lab.has_vip('a') && vmac(),
        || format!("vrrp.43 not made again:\n{}", lab.log('a')),
    );
    assert_eq!(lab.stop('a', libc::SIGTERM), Some(0));
    assert!(!vmac(), "vrrp.43 left behind");
}

/// Issue 18 item 4, multicast: the source was read once at start; after `ip addr flush`
/// and a new address every advert failed, the daemon still Master in its own eyes and
/// the Backup Master too. Now the source follows the addresses.
#[test]
fn a_renumbered_master_advertises_from_its_new_address() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let (a, b) = (v3(&lab, 'a', "0.1", ""), v3(&lab, 'b', "0.1", ""));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    ip(&lab, 'a', "addr flush dev enp0s1");
    ip(&lab, 'a', "addr add 192.0.2.21/24 dev enp0s1");
    lab.wait_log(
        'a',
        "(VI_1) advertising from 192.0.2.21",
        1,
        Duration::from_secs(3),
    );
    lab.wait_sole_owner('a', Duration::from_secs(5));
    std::thread::sleep(Duration::from_secs(1));
    let s = status(&lab, 'b');
    assert!(
        s.contains("  Master seen: 192.0.2.21 priority 150\n"),
        "{s}"
    );
    assert!(lab.has_vip('a') && !lab.has_vip('b'));
}

/// Issue 18 item 4, unicast: `unicast_src_ip` removed from the interface leaves nothing
/// to send from. The Master says so and waits in FAULT (its VIPs go), the Backup takes
/// over alone; the address back, it is back.
#[test]
fn a_master_whose_unicast_src_ip_is_removed_waits_in_fault() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    lab.start('a', &config_path("syslog1.kv"));
    lab.start('b', &config_path("syslog2.kv"));
    lab.wait_sole_owner('a', Duration::from_secs(5));
    ip(&lab, 'a', "addr del 192.0.2.11/24 dev enp0s1");
    let why = "(VI_1) 192.0.2.11 (unicast_src_ip) is not an address of this host: waiting in FAULT";
    lab.wait_log('a', why, 1, Duration::from_secs(3));
    lab.wait_log('a', FAULT, 1, Duration::from_secs(3));
    lab.wait_sole_owner('b', Duration::from_secs(6));
    ip(&lab, 'a', "addr add 192.0.2.11/24 dev enp0s1");
    lab.wait_sole_owner('a', Duration::from_secs(6));
}

/// Issue 18 item 4 (and the send row of issue 19's table): a Master whose adverts all
/// fail for another reason (here the host's own firewall drops them: EPERM) is mute —
/// the Backup takes over — and must not stay Master silently: after a
/// Master_Down_Interval of failures it goes to FAULT. A change of its interface or of
/// its source address (or 30 s) makes it try again.
#[test]
fn a_master_that_cannot_send_goes_to_fault() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let (a, b) = (v3(&lab, 'a', "0.1", ""), v3(&lab, 'b', "0.1", ""));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    let nft = |script: &str| {
        let ok = Command::new("ip")
            .args(["netns", "exec", &lab.ns('a'), "nft", script])
            .status()
            .unwrap()
            .success();
        assert!(ok, "nft {script}");
    };
    nft("add table inet tvtest");
    nft("add chain inet tvtest out { type filter hook output priority 0 ; }");
    nft("add rule inet tvtest out meta l4proto 112 drop");
    lab.wait_log('a', "no advert could be sent", 1, Duration::from_secs(3));
    lab.wait_log('a', FAULT, 1, Duration::from_secs(3));
    lab.wait_sole_owner('b', Duration::from_secs(3));
    nft("delete table inet tvtest");
    // Alone after its VIP went, it does not try again on news of its own addresses;
    // the link's next change makes it.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(lab.log('a').matches(FAULT).count(), 1, "{}", lab.log('a'));
    ip(&lab, 'a', "link set enp0s1 down");
    ip(&lab, 'a', "link set enp0s1 up");
    lab.wait_sole_owner('a', Duration::from_secs(5));
}
