//! The configuration as a whole: both formats, the seed article's files, keepalived's
//! rules across keywords, includes.
mod includes;
mod router;
mod rules;
use super::model::{AddrOptions, InitialState, Instance, Vip};
use super::*;
use crate::vrrp::timers::Centis;
use crate::wire::Version;
use core::time::Duration;
use std::net::IpAddr;

/// The two keepalived.conf files of the seed article, byte for byte (the markdown
/// indentation removed; the odd characters in one comment are the article's own).
const SEED_MASTER: &str = include_str!("../testdata/seed-syslog1-master.conf");
const SEED_BACKUP: &str = include_str!("../testdata/seed-syslog2-backup.conf");

/// The seed article's MASTER node in the native format, with documentation addresses.
const KV_MASTER: &str = "\
# syslog1
instance = VI_1
state = MASTER
interface = enp0s1
virtual_router_id = 1
priority = 150            # higher priority becomes MASTER
advert_int = 1
unicast_src_ip = 192.0.2.11
unicast_peer = 192.0.2.12
auth_type = PASS
auth_pass = mysecret
virtual_ipaddress = 192.0.2.10/24 dev enp0s1
";

/// The helpers of the keyword-rule files (`router`, `rules`), whose messages name `k.conf`.
mod k {
    use super::super::{model::Config, parse};

    pub(super) fn ok(text: &str) -> Config {
        parse("k.conf", text).unwrap_or_else(|e| panic!("{e:#?}"))
    }

    pub(super) fn warnings(text: &str) -> Vec<String> {
        ok(text).warnings.iter().map(ToString::to_string).collect()
    }

    pub(super) fn errors(text: &str) -> Vec<String> {
        parse("k.conf", text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn ok(text: &str) -> Config {
    parse("test.conf", text).unwrap_or_else(|e| panic!("{e:#?}"))
}

fn errors(file: &str, text: &str) -> Vec<String> {
    parse(file, text)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The warnings of an accepted configuration.
fn warnings(file: &str, text: &str) -> Vec<String> {
    let c = parse(file, text).unwrap_or_else(|e| panic!("{e:#?}"));
    c.warnings.iter().map(ToString::to_string).collect()
}

fn seed_instance(
    net: &str,
    state: InitialState,
    priority: u8,
    src: u8,
    peer: u8,
    line: u32,
) -> Instance {
    Instance {
        initial_state: state,
        interface: "enp0s1".into(),
        vrid: 1,
        priority,
        advert_interval: Centis(100),
        unicast_src: Some(ip(&format!("{net}.{src}"))),
        unicast_peers: vec![ip(&format!("{net}.{peer}"))],
        auth_pass: Some(*b"mysecret"),
        vips: vec![Vip {
            addr: ip(&format!("{net}.10")),
            prefix_len: 24,
            dev: Some("enp0s1".into()),
            label: None,
        }],
        vip_options: vec![AddrOptions::default()],
        ..Instance::with_defaults("VI_1", line)
    }
}

/// keepalived.conf with `vrrp_instance V` on line 1 and the given extra lines inside.
fn ka(extra: &str) -> String {
    format!(
        "vrrp_instance V {{\ninterface eth0\nvirtual_router_id 1\n{extra}virtual_ipaddress {{\n192.0.2.10/24\n}}\n}}\n"
    )
}

#[test]
fn seed_article_configs_parse_verbatim() {
    let master = ok(SEED_MASTER);
    assert_eq!(master.router_id, None);
    assert_eq!(
        master.instances,
        [seed_instance(
            "10.0.0",
            InitialState::Master,
            150,
            11,
            12,
            7
        )]
    );
    let backup = ok(SEED_BACKUP);
    assert_eq!(
        backup.instances,
        [seed_instance(
            "10.0.0",
            InitialState::Backup,
            100,
            12,
            11,
            7
        )]
    );
    let i = &master.instances[0];
    assert_eq!(
        (i.version, i.preempt, i.preempt_delay),
        (Version::V2, true, Duration::ZERO)
    );
    assert_eq!(
        (i.garp_master_delay, i.garp_master_repeat),
        (Duration::from_secs(5), 5)
    );
}

#[test]
fn seed_article_configs_with_documentation_addresses() {
    let master = ok(&SEED_MASTER.replace("10.0.0.", "192.0.2."));
    let expected = seed_instance("192.0.2", InitialState::Master, 150, 11, 12, 7);
    assert_eq!(master.instances, [expected]);
    let backup = ok(&SEED_BACKUP.replace("10.0.0.", "192.0.2."));
    let expected = seed_instance("192.0.2", InitialState::Backup, 100, 12, 11, 7);
    assert_eq!(backup.instances, [expected]);
}

#[test]
fn key_value_form_of_the_seed_gives_an_equal_model() {
    let kv = ok(KV_MASTER);
    let ka = ok(&SEED_MASTER.replace("10.0.0.", "192.0.2."));
    let (mut a, b) = (kv.instances[0].clone(), ka.instances[0].clone());
    assert_eq!(a.line, 2);
    a.line = b.line;
    assert_eq!(a, b);
}

#[test]
fn every_key_means_the_same_in_both_formats() {
    let kv = "router_id = lb1\nvrrp_version = 3\ninstance = VI_9\nstate = BACKUP\ninterface = eth1\n\
              virtual_router_id = 42\npriority = 200\nadvert_int = 0.25\nnopreempt = no\n\
              preempt_delay = 1.5\nunicast_src_ip = 192.0.2.1\nunicast_peer = 192.0.2.2 192.0.2.3\n\
              virtual_ipaddress = 192.0.2.10/24 dev eth1 label eth1:v\nvirtual_ipaddress = 192.0.2.11\n\
              garp_master_delay = 0\ngarp_master_repeat = 2\n";
    let ka = "global_defs {\n router_id lb1\n vrrp_version 3\n}\nvrrp_instance VI_9 {\n state BACKUP\n\
              interface eth1\n virtual_router_id 42\n priority 200\n advert_int 0.25\n preempt\n\
              preempt_delay 1.5\n unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2\n  192.0.2.3\n }\n\
              virtual_ipaddress {\n  192.0.2.10/24 dev eth1 label eth1:v\n  192.0.2.11\n }\n\
              garp_master_delay 0\n garp_master_repeat 2\n}\n";
    let (kv, ka) = (ok(kv), ok(ka));
    assert_eq!(kv.router_id, ka.router_id);
    let (mut a, b) = (kv.instances[0].clone(), ka.instances[0].clone());
    a.line = b.line;
    assert_eq!(a, b);
    assert_eq!(
        (b.version, b.advert_interval, b.preempt),
        (Version::V3, Centis(25), true)
    );
    assert_eq!(b.preempt_delay, Duration::from_millis(1500));
    assert_eq!(
        (b.garp_master_delay, b.garp_master_repeat),
        (Duration::ZERO, 2)
    );
    assert_eq!((b.vips.len(), b.unicast_peers.len()), (2, 2));
}

#[test]
fn vip_options_brd_scope_are_kept_and_unsupported_ones_named_at_their_line() {
    let text = "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n\
                192.0.2.10/24 brd 192.0.2.255 dev eth0 scope global\n192.0.2.11/24 peer 192.0.2.1\n}\n}\n";
    assert_eq!(
        errors("keepalived.conf", text),
        [
            "keepalived.conf:6: virtual_ipaddress option 'peer' is not supported by tinyvrrpd (dev, label, brd, scope, no_track)"
        ]
    );
    let ok = ok(&text.replace("192.0.2.11/24 peer 192.0.2.1\n", ""));
    let o = &ok.instances[0].vip_options[0];
    assert_eq!(
        (o.broadcast, o.scope),
        (Some([192, 0, 2, 255].into()), Some(0))
    );
}

#[test]
fn ipv6_vips_lose_label_and_scope_with_keepalived_warning() {
    let text = "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n\
                2001:db8::10/64 dev eth0 label eth0:v scope link\n}\n}\n";
    assert_eq!(
        warnings("k.conf", text),
        [
            "k.conf:5: warning: Cannot specify label for IPv6 addresses (2001:db8::10/64) - ignoring label; Cannot specify scope for IPv6 addresses (2001:db8::10/64) - ignoring scope",
            "k.conf:5: warning: (V) the first IPv6 VIP address should be link local"
        ]
    );
    let c = ok(text);
    assert_eq!(
        (
            c.instances[0].vips[0].label.as_deref(),
            c.instances[0].vip_options[0].scope
        ),
        (None, None)
    );
}

#[test]
fn detect_tells_the_formats_apart() {
    assert_eq!(detect(KV_MASTER), Format::KeyValue);
    assert_eq!(detect("\n! c\n  # c\nrouter_id=x\n"), Format::KeyValue);
    assert_eq!(detect(SEED_MASTER), Format::Keepalived);
    assert_eq!(
        detect("global_defs {\n router_id a=b\n}"),
        Format::Keepalived
    );
    assert_eq!(detect(""), Format::Keepalived);
}

#[test]
fn crlf_line_endings_are_tolerated_in_both_formats() {
    let ka = ok(&SEED_MASTER.replace('\n', "\r\n"));
    assert_eq!(ka.instances, ok(SEED_MASTER).instances);
    let kv = ok(&KV_MASTER.replace('\n', "\r\n"));
    assert_eq!(kv.instances, ok(KV_MASTER).instances);
}

#[test]
fn two_instances_on_different_vrids() {
    let text = "global_defs {\n router_id lb1\n}\n\
        vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.10\n }\n}\n\
        vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 2\n priority 90\n virtual_ipaddress {\n 192.0.2.20\n }\n}\n";
    let c = ok(text);
    assert_eq!(c.router_id.as_deref(), Some("lb1"));
    let ids: Vec<_> = c
        .instances
        .iter()
        .map(|i| (i.name.as_str(), i.vrid, i.line))
        .collect();
    assert_eq!(ids, [("VI_1", 1, 4), ("VI_2", 2, 11)]);
}

#[test]
fn v2_rounds_a_fractional_advert_int_as_keepalived_does() {
    assert_eq!(
        warnings("keepalived.conf", &ka("advert_int 0.5\n")),
        [
            "keepalived.conf:4: warning: (V) VRRPv2 advertisement interval 0.500000s must be an integer. rounding"
        ]
    );
    assert_eq!(
        ok(&ka("advert_int 0.5\n")).instances[0].advert_interval,
        Centis(100)
    );
    assert_eq!(
        ok(&ka("advert_int 2.4\n")).instances[0].advert_interval,
        Centis(200)
    );
    assert_eq!(
        ok(&ka("advert_int 0.01\n")).instances[0].advert_interval,
        Centis(100)
    );
}

#[test]
fn v3_advert_int_above_40_95_is_set_to_40_95_and_rounded_to_centiseconds() {
    assert_eq!(
        warnings("keepalived.conf", &ka("version 3\nadvert_int 41\n")),
        [
            "keepalived.conf:5: warning: (V) VRRPv3 advertisement interval 41.00s is out of range. Must be less than 40.96s. Setting to 40.95s"
        ]
    );
    let c = ok(&ka("version 3\nadvert_int 40.95\n"));
    assert_eq!(c.instances[0].advert_interval, Centis(4095));
    assert!(c.warnings.is_empty());
    assert_eq!(
        warnings("keepalived.conf", &ka("version 3\nadvert_int 0.125\n")),
        [
            "keepalived.conf:5: warning: (V) VRRPv3 advertisement interval 0.125000s must be in units of 10ms - rounding"
        ]
    );
    assert_eq!(
        ok(&ka("version 3\nadvert_int 0.125\n")).instances[0].advert_interval,
        Centis(13)
    );
}

#[test]
fn v3_ignores_authentication_with_keepalived_warning() {
    let text = ka("version 3\nauthentication {\nauth_type PASS\nauth_pass x\n}\n");
    assert_eq!(
        warnings("keepalived.conf", &text),
        [
            "keepalived.conf:6: warning: (V) VRRP version 3 does not support authentication. Ignoring."
        ]
    );
    assert_eq!(ok(&text).instances[0].auth_pass, None);
    let kv = "vrrp_version = 3\ninstance = A\ninterface = eth0\nvirtual_router_id = 1\n\
              virtual_ipaddress = 192.0.2.10\nauth_pass = x\n";
    assert_eq!(
        warnings("tinyvrrpd.conf", kv),
        [
            "tinyvrrpd.conf:6: warning: (A) VRRP version 3 does not support authentication. Ignoring."
        ]
    );
}

#[test]
fn auth_type_without_auth_pass_and_the_reverse_mean_no_authentication() {
    let c = ok(&ka("authentication {\nauth_type PASS\n}\n"));
    assert_eq!(c.instances[0].auth_pass, None);
    assert_eq!(
        c.warnings[0].to_string(),
        "test.conf:5: warning: (V) Authentication specified but no password given. Ignoring"
    );
    let c = ok(&ka("authentication {\nauth_pass x\n}\n"));
    assert_eq!(c.instances[0].auth_pass, None);
    assert_eq!(
        c.warnings[0].to_string(),
        "test.conf:5: warning: (V) auth_pass without auth_type PASS: adverts carry no password (as in keepalived)"
    );
}

#[test]
fn long_auth_pass_is_truncated_to_8_and_ah_takes_it_as_its_key() {
    let text = ka("authentication {\nauth_type PASS\nauth_pass 0123456789abcdef\n}\n");
    assert_eq!(
        warnings("keepalived.conf", &text),
        ["keepalived.conf:6: warning: Truncating auth_pass to 8 characters"]
    );
    assert_eq!(ok(&text).instances[0].auth_pass, Some(*b"01234567"));
    assert!(!ok(&text).instances[0].auth_ah);
    let text = ka("authentication {\nauth_type AH\nauth_pass 123456789\n}\n");
    let i = &ok(&text).instances[0];
    assert_eq!((i.auth_pass, i.auth_ah), (Some(*b"12345678"), true));
    // keepalived: a node must hear an advert (its sequence number) before it takes over.
    let text =
        ka("state MASTER\npriority 150\nauthentication {\nauth_type AH\nauth_pass secret\n}\n");
    assert_eq!(
        warnings("keepalived.conf", &text),
        [
            "keepalived.conf:4: warning: (V) Initial state master is incompatible with AH authentication - clearing"
        ]
    );
    assert_eq!(ok(&text).instances[0].initial_state, InitialState::Backup);
    // ... except the address owner, and VRRPv3 has no authentication at all.
    let text =
        ka("state MASTER\npriority 255\nauthentication {\nauth_type AH\nauth_pass secret\n}\n");
    assert!(warnings("keepalived.conf", &text).is_empty());
    let text = ka("version 3\nauthentication {\nauth_type AH\nauth_pass secret\n}\n");
    let i = &ok(&text).instances[0];
    assert_eq!((i.auth_pass, i.auth_ah), (None, false));
    assert_eq!(
        errors(
            "keepalived.conf",
            &ka("authentication {\nauth_type ESP\nauth_pass x\n}\n")
        ),
        ["keepalived.conf:5: expected PASS or AH for auth_type, found \"ESP\""]
    );
}

#[test]
fn ipv6_instances_are_vrrpv3_and_one_family_each() {
    let six = "vrrp_instance V6 {\ninterface eth0\nvirtual_router_id 1\n\
               unicast_src_ip 2001:db8::11\nunicast_peer {\n2001:db8::12\n}\n\
               virtual_ipaddress {\n2001:db8::10/64\n}\n}\n";
    let i = &ok(six).instances[0];
    assert_eq!(i.version, Version::V3, "IPv6 defaults to VRRPv3");
    assert_eq!(i.vips[0].prefix_len, 64);
    // The global vrrp_version 2 does not make an IPv6 instance v2 ...
    let g = format!("global_defs {{\n vrrp_version 2\n}}\n{six}");
    assert_eq!(ok(&g).instances[0].version, Version::V3);
    // ... but saying so on the instance is an error.
    let v2 = six.replace("virtual_router_id 1\n", "virtual_router_id 1\nversion 2\n");
    assert_eq!(
        errors("keepalived.conf", &v2),
        ["keepalived.conf:4: instance V6 is IPv6, which needs VRRPv3: set version 3"]
    );
    // One instance, one family: keepalived skips the other family's addresses, saying so.
    let mixed = "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\n\
                 unicast_src_ip 192.0.2.1\nunicast_peer {\n2001:db8::2\n192.0.2.2\n}\n\
                 virtual_ipaddress {\n192.0.2.10/24\n2001:db8::10/64\n2001:db8::11\n}\n}\n";
    assert_eq!(
        warnings("keepalived.conf", mixed),
        [
            "keepalived.conf:6: warning: Configuration error: VRRP instance[V] and unicast peer address[2001:db8::2] MUST be of the same family !!! Skipping...",
            "keepalived.conf:11: warning: (V): address family must match VRRP instance [2001:db8::10/64] - ignoring",
            "keepalived.conf:12: warning: (V): address family must match VRRP instance [2001:db8::11] - ignoring",
        ]
    );
    let i = &ok(mixed).instances[0];
    assert_eq!(i.unicast_peers, [ip("192.0.2.2")]);
    assert_eq!(i.vips.len(), 1);
    assert_eq!(i.vip_options.len(), 1);
    let text = ka(
        "unicast_src_ip 2001:db8::1\nunicast_peer {\n2001:db8::2\n}\nvirtual_ipaddress {\n2001:db8::20/64\n}\n",
    );
    assert_eq!(
        warnings("keepalived.conf", &text),
        [
            "keepalived.conf:12: warning: (V): address family must match VRRP instance [192.0.2.10/24] - ignoring"
        ]
    );
}

#[test]
fn unicast_src_ip_without_peers_is_multicast_from_that_source_with_keepalived_warning() {
    let text = ka("unicast_src_ip 192.0.2.11\n");
    assert_eq!(
        warnings("keepalived.conf", &text),
        [
            "keepalived.conf:1: warning: (V) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration."
        ]
    );
    let i = &ok(&text).instances[0];
    assert!(!i.is_unicast());
    assert_eq!(i.unicast_src, Some(ip("192.0.2.11")));
    // With unicast_fault_no_peer the instance stays in FAULT instead.
    let c = ok(&ka("unicast_src_ip 192.0.2.11\nunicast_fault_no_peer\n"));
    assert!(c.warnings.is_empty() && c.instances[0].fault_no_peer);
}

#[test]
fn vip_prefix_longer_than_32_is_an_error() {
    let text = "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n192.0.2.10/33\n}\n}\n";
    assert_eq!(
        errors("keepalived.conf", text),
        ["keepalived.conf:5: expected a prefix length 0-32 in virtual_ipaddress, found \"/33\""]
    );
}

#[test]
fn vip_label_must_start_with_its_device() {
    let text = "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n\
                192.0.2.10/24 label eth0:1\n192.0.2.11/24 dev eth1 label eth1:a\n192.0.2.12 label vip\n}\n}\n";
    assert_eq!(
        errors("keepalived.conf", text),
        ["keepalived.conf:7: label \"vip\" must be eth0 or eth0:SUFFIX, at most 15 characters"]
    );
}

#[test]
fn priority_255_address_owner_is_allowed() {
    assert_eq!(ok(&ka("priority 255\n")).instances[0].priority, 255);
}

#[test]
fn instance_without_interface_vrid_or_vip_is_reported_at_its_line() {
    let text = "\n\nvrrp_instance EMPTY {\n}\n";
    assert_eq!(
        errors("keepalived.conf", text),
        [
            "keepalived.conf:3: warning: (EMPTY) No VIP specified; at least one is sensible",
            "keepalived.conf:3: instance EMPTY has no interface",
            "keepalived.conf:3: instance EMPTY has no virtual_router_id (1-255)",
        ]
    );
}

#[test]
fn duplicate_names_and_interface_vrid_pairs_are_errors() {
    let one = |name: &str, vrid: u8| {
        format!(
            "instance = {name}\ninterface = eth0\nvirtual_router_id = {vrid}\nvirtual_ipaddress = 192.0.2.{vrid}\n"
        )
    };
    let text = [one("A", 1), one("B", 1), one("A", 2)].concat();
    assert_eq!(
        errors("tinyvrrpd.conf", &text),
        [
            "tinyvrrpd.conf:7: virtual_router_id 1 on eth0 is already used by instance A (line 1)",
            "tinyvrrpd.conf:9: instance name A is already used on line 1",
        ]
    );
    // The same VRID on another interface is a different virtual router.
    let other_if = one("B", 1).replace("eth0", "eth1");
    assert_eq!(ok(&[one("A", 1), other_if].concat()).instances.len(), 2);
}

#[test]
fn all_errors_are_reported_at_once_in_line_order() {
    let text = "instance = A\ninterface = eth0\nvirtual_router_id = 300\npriority = high\n\
                advert_int = 0\nvirtual_ipaddress = 192.0.2.10\nbogus = 1\n";
    assert_eq!(
        errors("tinyvrrpd.conf", text),
        [
            "tinyvrrpd.conf:3: expected a number 1-255 for virtual_router_id, found \"300\"",
            "tinyvrrpd.conf:4: expected a number 1-255 for priority, found \"high\"",
            "tinyvrrpd.conf:5: expected seconds 0.01-255 for advert_int (at most 6 decimals), found \"0\"",
            "tinyvrrpd.conf:7: unknown keyword 'bogus'",
        ]
    );
}

#[test]
fn an_empty_file_configures_nothing_and_says_so() {
    assert_eq!(
        errors("keepalived.conf", "# nothing\n"),
        ["keepalived.conf:1: no VRRP instance is configured"]
    );
}

#[test]
fn arbitrary_input_never_panics() {
    // A tiny deterministic fuzz over the characters the tokenizers care about.
    const ALPHABET: &[u8] = b"{}\"#!\\ \t\r\n=/.:01239abvdelvrrp_instanceauth_typePASS";
    let mut seed: u32 = 0x2545_f491;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(seed % 80) {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            text.push(ALPHABET[(seed >> 16) as usize % ALPHABET.len()] as char);
        }
        let _ = parse("fuzz", &text);
        let _ = parse("fuzz", &format!("vrrp_instance V {{\n{text}\n}}"));
        let _ = parse("fuzz", &format!("instance = V\n{text}"));
    }
}

#[test]
fn byte_order_mark_is_skipped() {
    assert_eq!(
        ok(&format!("\u{feff}{KV_MASTER}")).instances,
        ok(KV_MASTER).instances
    );
}

/// The seed article's part 2: a track script on syslog-ng and notify scripts.
const KA_TRACK: &str = "global_defs {
  router_id syslog1
  script_user root
  enable_script_security
}
vrrp_script chk_syslog_ng {
  script \"/usr/bin/pgrep -x syslog-ng\"
  interval 2
  timeout 1
  weight -60
  fall 2
  rise 2
}
vrrp_instance VI_1 {
  state MASTER
  interface enp0s1
  virtual_router_id 1
  priority 150
  advert_int 1
  virtual_ipaddress {
192.0.2.10/24
  }
  track_interface {
enp0s2 weight -10
  }
  track_script {
chk_syslog_ng
  }
  notify_master \"/etc/keepalived/notify.sh MASTER\"
  notify_backup \"/etc/keepalived/notify.sh BACKUP\"
  notify_fault \"/etc/keepalived/notify.sh FAULT\"
  notify_stop /etc/keepalived/stop.sh nobody nogroup
  notify /etc/keepalived/any.sh
}
vrrp_instance VI_2 {
  interface enp0s1
  virtual_router_id 2
  virtual_ipaddress {
192.0.2.20/24
  }
}
vrrp_sync_group G1 {
  group {
VI_1
VI_2
  }
  sync_group_tracking_weight
}
";

const KV_TRACK: &str = "router_id = syslog1
script_user = root
enable_script_security = yes
vrrp_script = chk_syslog_ng
script = /usr/bin/pgrep -x syslog-ng
interval = 2
timeout = 1
weight = -60
fall = 2
rise = 2
instance = VI_1
state = MASTER
interface = enp0s1
virtual_router_id = 1
priority = 150
advert_int = 1
virtual_ipaddress = 192.0.2.10/24
track_interface = enp0s2 weight -10
track_script = chk_syslog_ng
notify_master = \"/etc/keepalived/notify.sh MASTER\"
notify_backup = \"/etc/keepalived/notify.sh BACKUP\"
notify_fault = \"/etc/keepalived/notify.sh FAULT\"
notify_stop = /etc/keepalived/stop.sh nobody nogroup
notify = /etc/keepalived/any.sh
instance = VI_2
interface = enp0s1
virtual_router_id = 2
virtual_ipaddress = 192.0.2.20/24
vrrp_sync_group = G1
group = VI_1 VI_2
sync_group_tracking_weight = yes
";

#[test]
fn tracking_notify_and_sync_groups_mean_the_same_in_both_formats() {
    let (ka, kv) = (ok(KA_TRACK), ok(KV_TRACK));
    let s = &ka.scripts[0];
    assert_eq!(s.command.argv, ["/usr/bin/pgrep", "-x", "syslog-ng"]);
    assert_eq!(
        (s.interval, s.timeout),
        (Duration::from_secs(2), Duration::from_secs(1))
    );
    assert_eq!((s.weight, s.rise, s.fall, s.init_fail), (-60, 2, 2, false));
    let i = &ka.instances[0];
    assert_eq!(i.track_scripts[0].name, "chk_syslog_ng");
    // The script's weight, copied into the entry as keepalived does.
    assert_eq!(i.track_scripts[0].weight, Some(-60));
    assert_eq!(i.track_interfaces[0].weight, Some(-10));
    let n = &i.notify;
    assert_eq!(
        n.master.as_ref().unwrap().argv,
        ["/etc/keepalived/notify.sh", "MASTER"]
    );
    assert_eq!(
        n.stop.as_ref().unwrap().user.as_ref().unwrap().user,
        "nobody"
    );
    assert_eq!(n.any.as_ref().unwrap().argv, ["/etc/keepalived/any.sh"]);
    assert_eq!(ka.sync_groups[0].members, ["VI_1", "VI_2"]);
    assert!(ka.script_security);
    assert_eq!(ka.script_user.as_ref().unwrap().user, "root");
    // Lines differ between the formats; everything else is equal.
    let strip = |mut c: Config| {
        for s in &mut c.scripts {
            s.line = 0;
        }
        for g in &mut c.sync_groups {
            g.line = 0;
        }
        for i in &mut c.instances {
            i.line = 0;
            for t in i.track_scripts.iter_mut().chain(&mut i.track_interfaces) {
                t.line = 0;
            }
        }
        c
    };
    assert_eq!(strip(ka), strip(kv));
}

#[test]
fn tracking_references_are_checked() {
    let text = "vrrp_script a {\n script /bin/true\n}\nvrrp_script a {\n script /bin/false\n}\n\
                vrrp_script b {\n interval 2\n}\n\
                vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\n\
                track_script {\n missing\n a\n a weight 3\n late\n}\n\
                virtual_ipaddress { 192.0.2.10 }\n}\nvrrp_script late {\n script /bin/true\n}\n";
    assert_eq!(
        errors("keepalived.conf", text),
        [
            "keepalived.conf:4: vrrp_script a is already defined on line 1",
            "keepalived.conf:7: vrrp_script b has no script",
            "keepalived.conf:14: (V) track_script missing: no vrrp_script missing is defined",
            "keepalived.conf:16: warning: (V) duplicate track_script a - ignoring",
            // keepalived looks scripts up as it reads: one defined later is not found.
            "keepalived.conf:17: warning: (V) track script late not found, ignoring...",
        ]
    );
}

#[test]
fn an_address_owner_ignores_weighted_tracking_as_keepalived_does() {
    let text = "vrrp_script chk {\n script /bin/true\n weight -20\n}\n\
                vrrp_script zero {\n script /bin/true\n}\n\
                vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nstate MASTER\n\
                track_script {\n chk\n zero\n}\ntrack_interface {\n eth1 weight -5\n eth2\n eth0\n}\n\
                virtual_ipaddress { 192.0.2.10 }\n}\n";
    // state MASTER without a priority is the address owner (255).
    assert_eq!(
        warnings("keepalived.conf", text),
        [
            "keepalived.conf:13: warning: (V) ignoring tracked script chk with weights due to address_owner",
            "keepalived.conf:17: warning: (V) ignoring eth1 tracked interface due to address owner",
            "keepalived.conf:19: warning: (V) Ignoring track_interface eth0 since own interface",
        ]
    );
    let i = &ok(text).instances[0];
    assert_eq!(i.priority, 255);
    let names = |t: &[super::model::Tracked]| t.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&i.track_scripts), ["zero"]);
    assert_eq!(names(&i.track_interfaces), ["eth2"]);
}

#[test]
fn sync_group_members_lose_weights_unless_sync_group_tracking_weight() {
    let text = |extra: &str| {
        format!(
            "vrrp_script chk {{\n script /bin/true\n weight -20\n}}\n\
             vrrp_instance A {{\ninterface eth0\nvirtual_router_id 1\n\
             track_script {{\n chk\n}}\ntrack_interface {{\n eth1 weight -5\n}}\n\
             virtual_ipaddress {{ 192.0.2.10 }}\n}}\n\
             vrrp_instance B {{\ninterface eth0\nvirtual_router_id 2\nvirtual_ipaddress {{ 192.0.2.11 }}\n}}\n\
             vrrp_sync_group G {{\n group {{\n A\n B\n }}\n{extra}}}\n"
        )
    };
    assert_eq!(
        warnings("k.conf", &text("")),
        [
            "k.conf:9: warning: (A) ignoring tracked script chk with weights due to SYNC group",
            "k.conf:12: warning: (A) ignoring eth1 tracked interface weight due to SYNC group",
        ]
    );
    let i = &ok(&text("")).instances[0];
    assert!(i.track_scripts.is_empty());
    assert_eq!(
        i.track_interfaces[0].weight,
        Some(0),
        "a weight-0 interface faults the instance"
    );
    let c = ok(&text(" sync_group_tracking_weight\n"));
    assert!(c.warnings.is_empty());
    assert_eq!(c.instances[0].track_scripts[0].weight, Some(-20));
}

#[test]
fn sync_groups_as_keepalived_resolves_them() {
    let text = "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress { 192.0.2.10 }\n}\n\
                vrrp_sync_group G {\n group {\n V\n W\n }\n}\nvrrp_sync_group H {\n group {\n V\n }\n}\n\
                vrrp_sync_group E {\n group {\n }\n}\n";
    assert_eq!(
        errors("k.conf", text),
        [
            "k.conf:6: warning: Sync group G has only 1 virtual router(s) - this probably isn't what you want",
            "k.conf:9: vrrp_sync_group G: no instance W is defined",
            "k.conf:12: warning: Sync group H, no matching virtual router found in group declaration - removing",
            "k.conf:14: warning: Virtual router V cannot exist in more than one sync group; ignoring H",
            "k.conf:17: warning: Warning - sync group E has empty group block",
        ]
    );
}

#[test]
fn key_value_sections_keep_their_keys_apart() {
    let text = "vrrp_script = chk\nscript = /bin/true\npriority = 5\ninstance = V\ninterval = 2\n\
                interface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = 192.0.2.10\n\
                router_id = x\ngroup = V\n";
    assert_eq!(
        errors("tinyvrrpd.conf", text),
        [
            "tinyvrrpd.conf:3: 'priority' belongs after an 'instance = NAME' line, not in vrrp_script chk",
            "tinyvrrpd.conf:5: 'interval' belongs after a 'vrrp_script = NAME' line, not in instance V",
            "tinyvrrpd.conf:9: 'router_id' belongs before the first section (instance, vrrp_script, vrrp_sync_group), not in instance V",
            "tinyvrrpd.conf:10: 'group' belongs after a 'vrrp_sync_group = NAME' line, not in instance V",
        ]
    );
}

#[test]
fn one_vrid_on_two_interfaces_gets_two_virtual_mac_names() {
    let inst = |name: &str, ifname: &str, vmac: &str| {
        format!(
            "vrrp_instance {name} {{\n interface {ifname}\n virtual_router_id 5\n {vmac}\n virtual_ipaddress {{\n 192.0.2.10\n }}\n}}\n"
        )
    };
    let text = [
        inst("VI_1", "eth0", "use_vmac"),
        inst("VI_2", "eth1", "use_vmac"),
        inst("VI_3", "eth2", "use_vmac"),
    ]
    .concat();
    let names: Vec<_> = ok(&text)
        .instances
        .into_iter()
        .map(|i| i.vmac.unwrap())
        .collect();
    assert_eq!(names, ["vrrp.5", "vrrp1.5", "vrrp2.5"]);
    // A name written out is the user's: another instance using it is an error.
    let text = [
        inst("VI_1", "eth0", "use_vmac"),
        inst("VI_2", "eth1", "use_vmac vrrp.5"),
    ]
    .concat();
    assert_eq!(
        errors("keepalived.conf", &text),
        ["keepalived.conf:12: use_vmac vrrp.5 is already used by instance VI_1 (line 1)"]
    );
}
