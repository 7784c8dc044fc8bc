//! Checks shared by the fuzz targets. Each one states a property the daemon relies on;
//! a failed assertion is a finding, exactly like a panic inside the code under test.

use std::collections::HashSet;
use std::net::IpAddr;
use tinyvrrpd::config::{Config, ConfigError};
use tinyvrrpd::wire::packet::{self, Auth, Repr};
use tinyvrrpd::wire::{Version, checksum};

/// Write the checksum `msg` needs to be valid between `src` and `dst`, choosing v2 or v3
/// rules from its version nibble, so the fuzzer reaches the checks after the checksum.
pub fn fix_checksum(msg: &mut [u8], src: IpAddr, dst: IpAddr) {
    if msg.len() < 8 {
        return;
    }
    msg[6] = 0;
    msg[7] = 0;
    let acc = if msg[0] >> 4 == 3 {
        checksum::pseudo_header(src, dst, packet::PROTOCOL, msg.len()).unwrap_or(0)
    } else {
        0
    };
    let c = checksum::finish(checksum::sum(acc, msg));
    msg[6..8].copy_from_slice(&c.to_be_bytes());
}

/// What `parse` accepted is a well-formed advert, `emit` writes it back, and parsing that
/// gives the same advert. The bytes are the input's but for what the receiver must
/// ignore: v3's reserved bits and a v2 auth data field when the auth type is 0.
pub fn check_round_trip(msg: &[u8], repr: &Repr<'_>, src: IpAddr, dst: IpAddr) {
    let alen = if src.is_ipv4() { 4 } else { 16 };
    assert_eq!(repr.addrs.len() % alen, 0);
    assert!(repr.addrs.len() / alen <= 255);
    assert_eq!(
        repr.addr_iter(!src.is_ipv4()).count(),
        repr.addrs.len() / alen
    );
    assert_ne!(repr.interval_cs, 0);
    match repr.version {
        Version::V2 => {
            assert!(src.is_ipv4(), "v2 accepted over IPv6");
            assert_eq!(repr.interval_cs % 100, 0);
            assert!(repr.interval_cs <= 25_500);
        }
        Version::V3 => {
            assert!(repr.interval_cs <= 0x0fff);
            assert_eq!(repr.auth, Auth::None);
        }
    }
    // Anything after the message is padding parse tolerated (at most 2 + 4k bytes).
    assert!(repr.buffer_len() <= msg.len());
    assert_eq!(
        (msg.len() - repr.buffer_len()) % 4,
        if msg.len() > repr.buffer_len() { 2 } else { 0 }
    );
    let msg = &msg[..repr.buffer_len()];

    let mut out = vec![0u8; repr.buffer_len()];
    let n = repr
        .emit(&mut out, src, dst)
        .unwrap_or_else(|e| panic!("emit refused a parsed advert: {e}"));
    assert_eq!(n, msg.len());
    let back = packet::parse(&out, src, dst)
        .unwrap_or_else(|e| panic!("emitted advert does not parse: {e}"));
    assert_eq!(back, *repr);

    let mut expect = msg.to_vec();
    if repr.version == Version::V3 {
        expect[4] &= 0x0f;
    }
    if repr.version == Version::V2 && repr.auth == Auth::None {
        let l = expect.len();
        expect[l - 8..].fill(0);
    }
    assert_eq!(out[..6], expect[..6]);
    assert_eq!(out[8..], expect[8..]);
    // A too-small buffer is an error, never a panic.
    if n > 0 {
        assert!(repr.emit(&mut out[..n - 1], src, dst).is_err());
    }
}

/// Line numbers in errors point into the text; `Display` works.
pub fn check_errors(text: &str, errors: &[ConfigError]) {
    assert!(!errors.is_empty(), "Err with no error");
    // Lines as both front-ends count them: 1 + the number of '\n' before the token.
    let last_line = 1 + text.matches('\n').count();
    for e in errors {
        assert!(
            (1..=last_line as u32).contains(&e.line),
            "error on line {} of a {last_line}-line text: {e}",
            e.line
        );
        let _ = e.to_string();
    }
}

/// What the validated model promises the daemon (README's keyword table).
pub fn check_config(c: &Config) {
    assert!(!c.instances.is_empty());
    assert!(c.warnings.iter().all(|w| !w.is_error()), "an error among the warnings");
    let mut names = HashSet::new();
    let mut ids = HashSet::new();
    for i in &c.instances {
        let name = &i.name;
        assert!(names.insert(name.as_str()), "{name}: name used twice");
        assert!(
            ids.insert((i.interface.as_str(), i.vrid)),
            "{name}: (interface, VRID) used twice"
        );
        assert!(
            !i.interface.is_empty() && i.interface.len() <= 15,
            "{name}: interface"
        );
        assert!(i.vrid >= 1, "{name}: vrid 0");
        assert!(i.priority >= 1, "{name}: priority 0");
        let cs = i.advert_interval.0;
        match i.version {
            Version::V2 => assert!(
                cs % 100 == 0 && (100..=25_500).contains(&cs),
                "{name}: v2 advert_int {cs} cs"
            ),
            Version::V3 => {
                assert!((1..=4095).contains(&cs), "{name}: v3 advert_int {cs} cs");
                assert!(i.auth_pass.is_none(), "{name}: v3 with auth");
            }
        }
        if let Some(p) = i.auth_pass {
            // 1-8 characters, then NUL padding only.
            let len = p.iter().position(|&b| b == 0).unwrap_or(8);
            assert!(
                len >= 1 && p[len..].iter().all(|&b| b == 0),
                "{name}: auth_pass {p:?}"
            );
        }
        assert!(i.preempt_delay.as_secs() <= 1000);
        assert!(i.garp_master_delay.as_secs() <= 1000);
        assert!(i.garp_master_repeat >= 1);
        // An address owner always preempts; strict mode has no auth and no peers.
        assert!(i.priority != 255 || i.preempt, "{name}: owner with nopreempt");
        assert!(!i.strict || (i.auth_pass.is_none() && !i.is_unicast()), "{name}: strict");
        let peers: HashSet<_> = i.unicast_peers.iter().collect();
        assert_eq!(peers.len(), i.unicast_peers.len(), "{name}: duplicate peer");
        // One family per instance, that of the first VIP; IPv6 is VRRPv3.
        let v6 = i.is_ipv6();
        for a in i.unicast_peers.iter().chain(&i.unicast_src) {
            assert_eq!(a.is_ipv6(), v6, "{name}: mixed families");
        }
        assert!(!v6 || i.version == Version::V3, "{name}: IPv6 over VRRPv2");
        // No VIPs only where keepalived runs without: VRRPv2, not strict.
        assert!(
            !i.vips.is_empty() || (i.version == Version::V2 && !i.strict),
            "{name}: no VIP"
        );
        assert_eq!(i.vips.len(), i.vip_options.len(), "{name}: vip_options");
        let max = if v6 { 128 } else { 32 };
        for v in &i.vips {
            assert!(
                v.addr.is_ipv6() == v6 && v.prefix_len <= max,
                "{name}: VIP {v:?}"
            );
            if let Some(l) = &v.label {
                let dev = v.dev.as_ref().unwrap_or(&i.interface);
                assert!(
                    l.len() <= 15 && l.starts_with(dev.as_str()),
                    "{name}: label {l}"
                );
            }
        }
        // The daemon writes the VIPs into every advert: the count is one byte.
        let addrs: Vec<IpAddr> = i.vips.iter().map(|v| v.addr).collect();
        let mut wire = vec![0u8; addrs.len() * 16];
        assert!(
            packet::write_addrs(&mut wire, &addrs).is_ok(),
            "{name}: {} VIPs validate but cannot be advertised",
            addrs.len()
        );
    }
}
