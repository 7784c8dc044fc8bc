//! tinyvrrpd beside the real keepalived (Debian's package; tests/run.sh installs it), in
//! both roles, on the wire through the kernel. The SAME keepalived.conf file is given to
//! both daemons: the strongest form of "drop-in".
//!
//! FRR's vrrpd (Debian's frr 8.4, with zebra) runs VRRPv3 multicast beside us in both roles;
//! it serves the VIP from a macvlan with the virtual MAC, as FRR requires.
//!
//! VRRPv3 over IPv6 (ff02::12, link-local sources) against keepalived in both roles.
mod common;

use common::scenario::*;
use common::*;
use std::time::Duration;

#[derive(Clone, Copy)]
enum Variant {
    /// The seed article: v2, unicast peers, auth_type PASS.
    V2UnicastPass,
    /// v2 to 224.0.0.18, no authentication.
    V2Multicast,
    /// v3 to 224.0.0.18, advert_int 0.1.
    V3Multicast100ms,
    /// v3 to 224.0.0.18, advert_int 1 (FRR's default).
    V3Multicast1s,
    /// v3 to ff02::12 with an IPv6 VIP, advert_int 1.
    V3Ipv6,
    /// v2 to 224.0.0.18 with `use_vmac`: the VIP on a macvlan with 00:00:5e:00:01:01.
    V2MulticastVmac,
    /// The seed with `auth_type AH`: IPsec AH, HMAC-MD5-96 (keepalived clears `state
    /// MASTER` then: both start as Backup).
    V2UnicastAh,
    /// v2 to 224.0.0.18 with `auth_type AH`.
    V2MulticastAh,
}

/// The seed's keepalived.conf for `host` (1 or 2), rewritten for the variant.
fn config(lab: &Lab, host: u8, v: Variant) -> std::path::PathBuf {
    let seed = std::fs::read_to_string(config_path(&format!("syslog{host}.conf"))).unwrap();
    let text = match v {
        Variant::V2UnicastPass => seed,
        Variant::V2UnicastAh => ah(&seed),
        Variant::V2MulticastAh => {
            let m = multicast(&seed);
            ah(&m.replacen(
                "advert_int 1",
                "advert_int 1\n  authentication {\n    auth_type AH\n    auth_pass mysecret\n  }",
                1,
            ))
        }
        Variant::V2Multicast => multicast(&seed),
        Variant::V3Multicast100ms => {
            let m = multicast(&seed);
            assert!(m.contains("advert_int 1"));
            m.replacen("advert_int 1", "version 3\n  advert_int 0.1", 1)
        }
        Variant::V3Multicast1s => {
            multicast(&seed).replacen("advert_int 1", "version 3\n  advert_int 1", 1)
        }
        Variant::V2MulticastVmac => multicast(&seed)
            .replacen("advert_int 1", "advert_int 1\n  use_vmac", 1)
            .replacen("192.0.2.10/24 dev enp0s1", "192.0.2.10/24", 1),
        Variant::V3Ipv6 => multicast(&seed)
            .replacen("advert_int 1", "version 3\n  advert_int 1", 1)
            .replacen(
                "192.0.2.10/24 dev enp0s1",
                &format!("{VIP6}/64 dev enp0s1"),
                1,
            ),
    };
    lab.write_config(&format!("syslog{host}.conf"), &text)
}

/// `auth_type AH` instead of PASS.
fn ah(conf: &str) -> String {
    assert!(conf.contains("auth_type PASS") || conf.contains("auth_type AH"));
    conf.replacen("auth_type PASS", "auth_type AH", 1)
}

/// Drop unicast_src_ip, the unicast_peer block and the authentication block.
fn multicast(conf: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in conf.lines() {
        let t = line.trim_start();
        if t.starts_with("unicast_peer {") || t.starts_with("authentication {") {
            skipping = true;
        }
        if !skipping && !t.starts_with("unicast_src_ip") {
            out.push_str(line);
            out.push('\n');
        }
        if skipping && t.starts_with('}') {
            skipping = false;
        }
    }
    assert!(!out.contains("unicast") && !out.contains("auth"), "{out}");
    out
}

fn interop(v: Variant, keepalived_is_master: bool) {
    if !can_run_keepalived() {
        return;
    }
    let mut lab = Lab::new();
    if matches!(v, Variant::V3Ipv6) {
        lab.vip = VIP6;
    }
    let (c1, c2) = (config(&lab, 1, v), config(&lab, 2, v));
    let (a, b) = if keepalived_is_master {
        (keepalived(&c1), tiny(&c2))
    } else {
        (tiny(&c1), keepalived(&c2))
    };
    let limits = match v {
        Variant::V3Multicast100ms => &V3_100MS,
        _ => &V2_1S,
    };
    failover_in(&mut lab, a, b, limits);
}

#[test]
fn v2_unicast_pass_keepalived_master_tinyvrrpd_backup() {
    interop(Variant::V2UnicastPass, true);
}

#[test]
fn v2_unicast_pass_tinyvrrpd_master_keepalived_backup() {
    interop(Variant::V2UnicastPass, false);
}

// IPsec AH (`auth_type AH`): one role each way, unicast and multicast; the ICV, SPI
// and sequence numbers are checked by both daemons (a mismatch is a complaint).
#[test]
fn v2_unicast_ah_keepalived_master_tinyvrrpd_backup() {
    interop(Variant::V2UnicastAh, true);
}

#[test]
fn v2_multicast_ah_tinyvrrpd_master_keepalived_backup() {
    interop(Variant::V2MulticastAh, false);
}

#[test]
fn v2_multicast_keepalived_master_tinyvrrpd_backup() {
    interop(Variant::V2Multicast, true);
}

#[test]
fn v2_multicast_tinyvrrpd_master_keepalived_backup() {
    interop(Variant::V2Multicast, false);
}

#[test]
fn v3_multicast_100ms_keepalived_master_tinyvrrpd_backup() {
    interop(Variant::V3Multicast100ms, true);
}

#[test]
fn v3_multicast_100ms_tinyvrrpd_master_keepalived_backup() {
    interop(Variant::V3Multicast100ms, false);
}

#[test]
fn v2_vmac_keepalived_master_tinyvrrpd_backup() {
    interop(Variant::V2MulticastVmac, true);
}

#[test]
fn v2_vmac_tinyvrrpd_master_keepalived_backup() {
    interop(Variant::V2MulticastVmac, false);
}

#[test]
fn v3_ipv6_keepalived_master_tinyvrrpd_backup() {
    interop(Variant::V3Ipv6, true);
}

#[test]
fn v3_ipv6_tinyvrrpd_master_keepalived_backup() {
    interop(Variant::V3Ipv6, false);
}

/// FRR's vrrpd.conf for the seed's node `host` (1: priority 150, 2: priority 100).
fn frr_config(lab: &Lab, host: u8) -> std::path::PathBuf {
    let priority = if host == 1 { 150 } else { 100 };
    let vip = if lab.vip.contains(':') {
        format!("ipv6 {}", lab.vip)
    } else {
        format!("ip {}", lab.vip)
    };
    let text = format!(
        "interface enp0s1\n vrrp 1 version 3\n vrrp 1 priority {priority}\n vrrp 1 advertisement-interval 1000\n vrrp 1 {vip}\n!\n"
    );
    lab.write_config(&format!("frr{host}.conf"), &text)
}

fn frr_interop(frr_is_master: bool, ipv6: bool) {
    if !can_run_frr() {
        return;
    }
    let mut lab = Lab::new();
    let variant = if ipv6 {
        lab.vip = VIP6;
        Variant::V3Ipv6
    } else {
        Variant::V3Multicast1s
    };
    let (f1, f2) = (frr_config(&lab, 1), frr_config(&lab, 2));
    let (c1, c2) = (config(&lab, 1, variant), config(&lab, 2, variant));
    let (a, b) = if frr_is_master {
        (frr(&f1), tiny(&c2))
    } else {
        (tiny(&c1), frr(&f2))
    };
    failover_in(&mut lab, a, b, &V2_1S);
}

#[test]
fn v3_multicast_frr_master_tinyvrrpd_backup() {
    frr_interop(true, false);
}

#[test]
fn v3_multicast_tinyvrrpd_master_frr_backup() {
    frr_interop(false, false);
}

#[test]
fn v3_ipv6_frr_master_tinyvrrpd_backup() {
    frr_interop(true, true);
}

#[test]
fn v3_ipv6_tinyvrrpd_master_frr_backup() {
    frr_interop(false, true);
}

// ---- Issue 13: keepalived's own files, the same behaviour ---------------------------------

/// The seed's keepalived.conf for `host` (1 or 2) with `edit` applied (each `from` must
/// be there), written to the lab as NAME.
fn seed_edit(lab: &Lab, host: u8, name: &str, edit: &[(&str, &str)]) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(config_path(&format!("syslog{host}.conf"))).unwrap();
    for (from, to) in edit {
        assert!(text.contains(from), "syslog{host}.conf lacks {from:?}");
        text = text.replacen(from, to, 1);
    }
    lab.write_config(name, &text)
}

/// Whether `host` ran its notify_master last (its marker file, which notify_backup and
/// notify_stop remove).
fn marked(lab: &Lab, host: char) -> bool {
    lab.dir.join(format!("{host}.master")).exists()
}

/// Item 4: instances without VIPs (a cloud floating IP moved by notify scripts) elect
/// and fail over beside keepalived, with 0-address adverts, and their notify scripts
/// follow who is Master.
#[test]
fn no_vip_instances_elect_and_notify_beside_keepalived() {
    if !can_run_keepalived() {
        return;
    }
    let mut lab = Lab::new();
    let dir = lab.dir.display().to_string();
    let conf = |host: u8, node: char| {
        let notify = format!(
            "  no_virtual_ipaddress\n  notify_master \"/usr/bin/touch {dir}/{node}.master\"\n  notify_backup \"/bin/rm -f {dir}/{node}.master\"\n  notify_stop \"/bin/rm -f {dir}/{node}.master\"\n  virtual_ipaddress {{"
        );
        let vip = if host == 1 {
            "    192.0.2.10/24 dev enp0s1    # Shared virtual IP (VIP)\n"
        } else {
            "    192.0.2.10/24 dev enp0s1\n"
        };
        let file = format!("{node}.conf");
        let path = seed_edit(
            &lab,
            host,
            &file,
            &[("  virtual_ipaddress {", &notify), (vip, "")],
        );
        let text = std::fs::read_to_string(&path).unwrap();
        lab.write_config(
            &file,
            &format!("global_defs {{\n  script_user root\n}}\n{text}"),
        )
    };
    let (a, b) = (conf(1, 'a'), conf(2, 'b'));
    lab.start_with('a', Vrrpd::Tiny, &a);
    lab.start_with('b', Vrrpd::Keepalived, &b);
    let settled = |lab: &Lab, master: char, backup: char| {
        wait_until(
            Duration::from_secs(6),
            || marked(lab, master) && !marked(lab, backup),
            || {
                format!(
                    "{master} not the only Master:\n{}\n{}",
                    lab.log('a'),
                    lab.log('b')
                )
            },
        )
    };
    settled(&lab, 'a', 'b');
    assert!(!lab.has_vip('a') && !lab.has_vip('b'));
    lab.signal('a', libc::SIGTERM);
    settled(&lab, 'b', 'a');
    assert_eq!(lab.wait_exit('a'), Some(0));
    lab.start_with('a', Vrrpd::Tiny, &a);
    settled(&lab, 'a', 'b');
    for (host, daemon) in [('a', Vrrpd::Tiny), ('b', Vrrpd::Keepalived)] {
        assert_no_complaints(&lab, host, daemon);
    }
}

/// Item 8, `vrrp_strict` beside keepalived with the same files (multicast: strict mode
/// refuses unicast peers): both ignore the authentication block (adverts carry none, so
/// they hear each other), the Master drops traffic to the VIP (accept mode off) while
/// answering ARP, and the election is the usual one.
#[test]
fn vrrp_strict_ignores_authentication_and_drops_vip_traffic_beside_keepalived() {
    if !can_run_keepalived() {
        return;
    }
    let mut lab = Lab::new();
    let strict = |host: u8| {
        let text = multicast(
            &std::fs::read_to_string(config_path(&format!("syslog{host}.conf"))).unwrap(),
        );
        let auth = "  authentication {\n    auth_type PASS\n    auth_pass mysecret\n  }\n  virtual_ipaddress {";
        let text = text.replacen("  virtual_ipaddress {", auth, 1);
        lab.write_config(
            &format!("strict{host}.conf"),
            &format!("global_defs {{\n  vrrp_strict\n}}\n{text}"),
        )
    };
    let (a, b) = (strict(1), strict(2));
    lab.start_with('b', Vrrpd::Keepalived, &b);
    lab.start_with('a', Vrrpd::Tiny, &a);
    let group = Some("224.0.0.18".parse().unwrap());
    let advert = first_advert(
        &lab.ns('b'),
        "192.0.2.11".parse().unwrap(),
        group,
        Duration::from_secs(8),
    );
    // VRRPv2 after the 20-byte IP header: auth type is its byte 4.
    assert_eq!(advert.map(|d| d[24]), Some(0), "{}", lab.log('a'));
    lab.wait_sole_owner('a', Duration::from_secs(8));
    assert!(
        lab.log('a')
            .contains("Strict mode does not support authentication. Ignoring.")
    );
    assert!(
        !lab.ping_vip_from_client(),
        "a strict Master answered a ping to the VIP"
    );
    assert_eq!(neighbour_mac(&lab.ns('c'), VIP), Some(mac_of(&lab.ns('a'))));
    lab.signal('a', libc::SIGTERM);
    lab.wait_sole_owner('b', Duration::from_secs(3));
    assert_eq!(lab.wait_exit('a'), Some(0));
    for (host, daemon) in [('a', Vrrpd::Tiny), ('b', Vrrpd::Keepalived)] {
        assert_no_complaints(&lab, host, daemon);
    }
}

/// Text replacements: (from, to).
type Edits<'a> = &'a [(&'a str, &'a str)];

/// Corpus file NAME (tests/keepalived-corpus/) moved into the lab for nodes a and b: the
/// `common` edits (interface names and addresses become the lab's) and each node's own
/// (each `from` must be there), written as a.conf and b.conf.
fn corpus_pair(
    lab: &Lab,
    name: &str,
    common: Edits<'_>,
    (a, b): (Edits<'_>, Edits<'_>),
) -> (std::path::PathBuf, std::path::PathBuf) {
    let path = manifest_dir().join(format!("tests/keepalived-corpus/{name}.conf"));
    let text = std::fs::read_to_string(path).unwrap();
    let node = |file: &str, own: Edits<'_>| {
        let mut text = text.clone();
        for (from, to) in common.iter().chain(own) {
            assert!(text.contains(from), "{name} lacks {from:?}");
            text = text.replace(from, to);
        }
        lab.write_config(file, &text)
    };
    (node("a.conf", a), node("b.conf", b))
}

/// A node that is Master alone (`first`, started first) and the node started after it
/// (`second`): who ends up the only Master within `limit`, what the client sees, and
/// that neither daemon complains about the other's packets.
fn second_node(
    lab: &mut Lab,
    first: (char, Vrrpd, &std::path::Path),
    second: (char, Vrrpd, &std::path::Path),
    master: char,
    limit: Duration,
) {
    lab.start_with(first.0, first.1, first.2);
    lab.wait_sole_owner(first.0, Duration::from_secs(6));
    lab.start_with(second.0, second.1, second.2);
    lab.wait_sole_owner(master, limit);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        lab.owns(master) && !lab.owns(if master == 'a' { 'b' } else { 'a' }),
        "{}\n{}",
        lab.log('a'),
        lab.log('b')
    );
    assert!(lab.ping_vip_from_client(), "client cannot reach the VIP");
    for (host, daemon) in [(first.0, first.1), (second.0, second.1)] {
        assert_no_complaints(lab, host, daemon);
    }
}

/// kolla's rendered file: `state MASTER` with `nopreempt` (keepalived: "nopreempt will not
/// work with initial state MASTER - clearing") and a 40-character `auth_pass` (truncated
/// to 8 by both). The MASTER node, started after the BACKUP one (its nopreempt kept) has
/// taken over, preempts — run once with tinyvrrpd as the MASTER node and keepalived as
/// the BACKUP, once the other way round: the same file, the same behaviour.
fn kolla_master_nopreempt(tiny_is_master_node: bool) {
    if !can_run_keepalived() {
        return;
    }
    let mut lab = Lab::new();
    let common = [
        ("eth1", "enp0s1"),
        ("198.51.100.115 dev", "192.0.2.10/24 dev"),
    ];
    let (a, b) = corpus_pair(
        &lab,
        "kolla-rendered-master-nopreempt",
        &common,
        (
            &[("priority 1\n", "priority 150\n")],
            &[
                ("state MASTER", "state BACKUP"),
                ("priority 1\n", "priority 100\n"),
            ],
        ),
    );
    let (ta, tb) = match tiny_is_master_node {
        true => (Vrrpd::Tiny, Vrrpd::Keepalived),
        false => (Vrrpd::Keepalived, Vrrpd::Tiny),
    };
    // keepalived 2.2.7's MASTER waits its whole Master_Down_Interval (3.4 s) first.
    second_node(
        &mut lab,
        ('b', tb, &b),
        ('a', ta, &a),
        'a',
        V2_1S.preempt_keepalived,
    );
    let truncated = "Truncating auth_pass to 8 characters";
    assert!(lab.log('a').contains(truncated) || lab.log('b').contains(truncated));
}

#[test]
fn corpus_master_nopreempt_long_pass_tinyvrrpd_preempts_beside_keepalived() {
    kolla_master_nopreempt(true);
}

#[test]
fn corpus_master_nopreempt_long_pass_keepalived_preempts_beside_tinyvrrpd() {
    kolla_master_nopreempt(false);
}

/// NextCloud's file: a 24-character `auth_pass`; the other node's differs after the
/// eighth character. Both daemons truncate to 8, so they agree: one Master, no
/// authentication complaint.
#[test]
fn corpus_long_auth_pass_is_truncated_alike_beside_keepalived() {
    if !can_run_keepalived() {
        return;
    }
    let mut lab = Lab::new();
    let common = [("eth0", "enp0s1"), ("192.0.2.30", "192.0.2.10/24")];
    let b_own = [
        ("state MASTER", "state BACKUP"),
        ("priority 150", "priority 100"),
        ("change_me_keepalived_pw", "change_mXYZ"),
    ];
    let (a, b) = corpus_pair(&lab, "nextcloud-long-pass", &common, (&[], &b_own));
    second_node(
        &mut lab,
        ('b', Vrrpd::Keepalived, &b),
        ('a', Vrrpd::Tiny, &a),
        'a',
        V2_1S.preempt,
    );
}

/// The kubeadm-style HA file: `priority 255` (the address owner) with a weighted check.
/// keepalived ignores the weight ("ignoring tracked script … with weights due to
/// address_owner", and the check is not tracked at all): with a check that fails, the
/// owner stays Master at 255 beside a node of priority 200, which it would lose to at
/// 255 − 60.
#[test]
fn corpus_owner_ignores_a_weighted_check_beside_keepalived() {
    if !can_run_keepalived() {
        return;
    }
    let mut lab = Lab::new();
    let common = [
        ("default_interface eth0", "default_interface enp0s1"),
        ("interface eth0", "interface enp0s1"),
        ("192.0.2.150/24", "192.0.2.10/24"),
        ("\"/bin/sh -c 'test -d /proc'\"", "/bin/false"),
        ("weight -10", "weight -60"),
        ("interval 2", "interval 1"),
        ("fall 3", "fall 1"),
        ("        192.0.2.13\n        192.0.2.14\n", ""),
    ];
    let b_own = [
        ("state MASTER", "state BACKUP"),
        ("priority 255", "priority 200"),
        ("unicast_src_ip 192.0.2.11", "unicast_src_ip 192.0.2.1X"),
        ("        192.0.2.12\n", "        192.0.2.11\n"),
        ("192.0.2.1X", "192.0.2.12"),
    ];
    let (a, b) = corpus_pair(&lab, "k8s-halb-owner-weighted", &common, (&[], &b_own));
    second_node(
        &mut lab,
        ('b', Vrrpd::Keepalived, &b),
        ('a', Vrrpd::Tiny, &a),
        'a',
        V2_1S.preempt,
    );
    assert!(
        lab.log('a')
            .contains("ignoring tracked script check_apiserver with weights due to address_owner")
    );
}

/// The three-node secrets cluster: `unicast_src_ip` and peers written with `/24`
/// (keepalived drops the prefix). They elect, and a graceful stop hands over.
#[test]
fn corpus_prefix_length_peers_elect_and_fail_over_beside_keepalived() {
    if !can_run_keepalived() {
        return;
    }
    let mut lab = Lab::new();
    let common = [
        ("interface eth0", "interface enp0s1"),
        ("192.0.2.90/24", "192.0.2.10/24"),
        ("192.0.2.153/24", "192.0.2.13/24"),
    ];
    let a_own = [
        ("192.0.2.152/24", "192.0.2.11/24"),
        ("192.0.2.151/24", "192.0.2.12/24"),
        ("priority 90", "priority 150"),
    ];
    let b_own = [
        ("192.0.2.152/24", "192.0.2.12/24"),
        ("192.0.2.151/24", "192.0.2.11/24"),
    ];
    let name = "cluster-prefix-peers-no-space-brace";
    let (a, b) = corpus_pair(&lab, name, &common, (&a_own, &b_own));
    second_node(
        &mut lab,
        ('b', Vrrpd::Keepalived, &b),
        ('a', Vrrpd::Tiny, &a),
        'a',
        V2_1S.crash,
    );
    lab.signal('a', libc::SIGTERM);
    lab.wait_sole_owner('b', V2_1S.graceful);
    assert_eq!(lab.wait_exit('a'), Some(0));
    assert!(lab.ping_vip_from_client());
}
