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
