//! keepalived's rules across keywords, each as keepalived applies it (vrrp.c,
//! vrrp_complete_instance), and the keywords new to this model.
use super::super::model::InitialState;
use super::k::{errors, ok, warnings};
use crate::vrrp::timers::Centis;
use crate::wire::Version;
use core::time::Duration;
use std::net::IpAddr;

/// `vrrp_instance V` on line `globals`+1 with `extra` lines inside, after `globals`.
fn conf(globals: &str, extra: &str) -> String {
    format!(
        "{globals}vrrp_instance V {{\ninterface eth0\nvirtual_router_id 1\n{extra}virtual_ipaddress {{\n192.0.2.10/24\n}}\n}}\n"
    )
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn state_master_with_nopreempt_preempts_with_keepalived_warning() {
    let text = conf(
        "",
        "state MASTER\npriority 150\nnopreempt\npreempt_delay 10\n",
    );
    assert_eq!(
        warnings(&text),
        [
            "k.conf:6: warning: (V) Warning - nopreempt will not work with initial state MASTER - clearing",
            "k.conf:7: warning: (V) Warning - preempt delay will not work with initial state MASTER - clearing",
        ]
    );
    let i = &ok(&text).instances[0];
    assert!(i.preempt);
    assert_eq!(i.preempt_delay, Duration::ZERO);
    // BACKUP + nopreempt + preempt_delay: the delay has no meaning without preemption.
    let text = conf("", "state BACKUP\nnopreempt\npreempt_delay 10\n");
    assert_eq!(
        warnings(&text),
        ["k.conf:6: warning: (V) preempt_delay is incompatible with nopreempt mode - resetting"]
    );
    assert!(!ok(&text).instances[0].preempt);
}

#[test]
fn priority_follows_the_state_when_unset_and_the_owner_always_preempts() {
    assert_eq!(ok(&conf("", "state MASTER\n")).instances[0].priority, 255);
    assert_eq!(ok(&conf("", "state BACKUP\n")).instances[0].priority, 100);
    let text = conf("", "priority 255\nnopreempt\n");
    assert_eq!(
        warnings(&text),
        ["k.conf:5: warning: (V) nopreempt is incompatible with priority 255. resetting nopreempt"]
    );
    // keepalived reads state case-sensitively: "master" would quietly be a BACKUP there.
    assert_eq!(
        errors(&conf("", "state master\n")),
        ["k.conf:4: expected MASTER or BACKUP (upper case) for state, found \"master\""]
    );
    assert_eq!(
        warnings(&conf("", "state MASTER\npriority 200\nstate BACKUP\n")),
        ["k.conf:6: warning: (V) state previously set as MASTER - ignoring BACKUP"]
    );
}

#[test]
fn prefix_lengths_on_peer_and_source_addresses_are_dropped_with_a_warning() {
    let text = conf(
        "",
        "unicast_src_ip 192.0.2.11/24\nunicast_peer {\n192.0.2.12/24\n192.0.2.13 min_ttl 250 max_ttl 255\n}\n",
    );
    assert_eq!(
        warnings(&text),
        [
            "k.conf:4: warning: unicast_src_ip 192.0.2.11: prefix length ignored (an address, not a subnet)",
            "k.conf:6: warning: unicast_peer 192.0.2.12: prefix length ignored (an address, not a subnet)",
        ]
    );
    let i = &ok(&text).instances[0];
    assert_eq!(i.unicast_src, Some(ip("192.0.2.11")));
    assert_eq!(i.unicast_peers, [ip("192.0.2.12"), ip("192.0.2.13")]);
    assert_eq!(
        (i.peer_ttl[0].addr, i.peer_ttl[0].min, i.peer_ttl[0].max),
        (ip("192.0.2.13"), 250, 255)
    );
}

#[test]
fn mcast_src_ip_is_the_source_of_multicast_adverts() {
    let i = &ok(&conf("", "mcast_src_ip 192.0.2.11\n")).instances[0];
    assert_eq!(i.unicast_src, Some(ip("192.0.2.11")));
    assert!(!i.is_unicast());
    assert!(
        ok(&conf("", "mcast_src_ip 192.0.2.11\n"))
            .warnings
            .is_empty()
    );
    let text = conf("", "mcast_src_ip 2001:db8::1\n");
    assert_eq!(
        warnings(&text),
        [
            "k.conf:4: warning: Configuration error: VRRP instance[V] and src address[2001:db8::1] MUST be of the same family !!! Skipping..."
        ]
    );
    assert_eq!(ok(&text).instances[0].unicast_src, None);
}

#[test]
fn instances_without_vips_are_vrrpv2_only_or_say_no_virtual_ipaddress() {
    let none = "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nunicast_src_ip 192.0.2.11\nunicast_peer {\n192.0.2.12\n}\n}\n";
    assert_eq!(
        warnings(none),
        ["k.conf:1: warning: (V) No VIP specified; at least one is sensible"]
    );
    let v3 = none.replace("virtual_router_id 1\n", "virtual_router_id 1\nversion 3\n");
    assert_eq!(
        errors(&v3),
        ["k.conf:1: (V) No VIP specified; at least one is required"]
    );
    // keepalived 2.2.8's keyword: no warning, and VRRPv3 too.
    let quiet = v3.replace("version 3\n", "version 3\nno_virtual_ipaddress\n");
    let c = ok(&quiet);
    assert!(c.warnings.is_empty() && c.instances[0].vips.is_empty());
    // The family comes from the addresses there are.
    let six = none
        .replace("192.0.2.11", "2001:db8::11")
        .replace("192.0.2.12", "2001:db8::12");
    let six = six.replace(
        "virtual_router_id 1\n",
        "virtual_router_id 1\nno_virtual_ipaddress\n",
    );
    let i = &ok(&six).instances[0];
    assert!(i.is_ipv6() && i.version == Version::V3);
}

#[test]
fn global_garp_defaults_apply_to_instances_that_do_not_set_them() {
    let g = "global_defs {\n vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 3\n vrrp_garp_master_refresh 60\n \
             vrrp_garp_master_refresh_repeat 2\n vrrp_garp_interval 0.001\n vrrp_gna_interval 0.002\n \
             vrrp_garp_lower_prio_repeat 1\n}\n";
    let i = &ok(&conf(g, "garp_master_repeat 7\n")).instances[0];
    assert_eq!(i.garp_master_delay, Duration::from_secs(2));
    assert_eq!(i.garp_master_repeat, 7, "the instance's own setting wins");
    assert_eq!(i.garp_master_refresh, Duration::from_secs(60));
    assert_eq!(i.garp_master_refresh_repeat, 2);
    assert_eq!(i.garp_interval, Duration::from_millis(1));
    assert_eq!(i.gna_interval, Duration::from_millis(2));
    assert_eq!(i.garp_lower_prio_repeat, 1);
    // Lower-priority answers default to the Master's bursts.
    assert_eq!(i.garp_lower_prio_delay, Duration::from_secs(2));
    // vrrp_min_garp: one GARP, no second burst, unless set.
    let i = &ok(&conf("global_defs {\n vrrp_min_garp\n}\n", "")).instances[0];
    assert_eq!(
        (i.garp_master_repeat, i.garp_master_delay),
        (1, Duration::ZERO)
    );
    assert_eq!(
        warnings(&conf("global_defs {\n vrrp_garp_master_repeat 0\n}\n", "")),
        ["k.conf:2: warning: vrrp_garp_master_repeat must be greater than 0, setting to 1"]
    );
}

#[test]
fn vrrp_strict_applies_what_keepalived_enforces_with_it() {
    let g = "global_defs {\n vrrp_strict\n}\n";
    let text = conf(
        g,
        "state MASTER\npriority 150\nauthentication {\nauth_type PASS\nauth_pass secret\n}\npreempt_delay 5\n\
         garp_lower_prio_repeat 2\nlower_prio_no_advert false\n",
    );
    assert_eq!(
        warnings(&text),
        [
            "k.conf:7: warning: (V) State MASTER must match being address owner",
            "k.conf:10: warning: (V) Strict mode does not support authentication. Ignoring.",
            "k.conf:13: warning: (V) preempt_delay is incompatible with strict mode - resetting",
            "k.conf:14: warning: (V) Strict mode requires no repeat garps. resetting",
            "k.conf:15: warning: (V) Strict mode requires no lower priority advert. resetting",
        ]
    );
    let i = &ok(&text).instances[0];
    assert!(
        i.strict && !i.accept,
        "strict means no_accept for a non-owner"
    );
    assert_eq!(i.initial_state, InitialState::Backup);
    assert_eq!((i.auth_pass, i.preempt_delay), (None, Duration::ZERO));
    assert_eq!(
        (i.garp_lower_prio_repeat, i.lower_prio_no_advert),
        (0, true)
    );
    // The owner keeps accept mode; unicast peers and no VIPs are refused.
    assert!(ok(&conf(g, "priority 255\n")).instances[0].accept);
    assert_eq!(
        errors(&conf(g, "unicast_peer {\n192.0.2.12\n}\n")),
        ["k.conf:8: (V) Unicast peers are not supported in strict mode"]
    );
    // strict_mode on one instance; accept with VRRPv2 is reset.
    assert_eq!(
        warnings(&conf("", "strict_mode\naccept\n")),
        [
            "k.conf:5: warning: (V) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"
        ]
    );
}

#[test]
fn max_auto_priority_sets_the_real_time_priority_unless_vrrp_rt_priority_does() {
    let rt = |g: &str| ok(&conf(&format!("global_defs {{\n{g}}}\n"), "")).rt_priority;
    assert_eq!(rt("max_auto_priority 40\n"), 40);
    assert_eq!(rt("max_auto_priority\n"), 99);
    assert_eq!(
        rt("max_auto_priority -1\n"),
        super::super::model::DEFAULT_RT_PRIORITY
    );
    assert_eq!(rt("max_auto_priority 40\nvrrp_rt_priority 20\n"), 20);
}

#[test]
fn startup_and_shutdown_scripts_startup_delay_and_dynamic_interfaces() {
    let g = "global_defs {\n startup_script \"/bin/busybox env -i ACTION=startup /sbin/hotplug-call keepalived\"\n \
             startup_script_timeout 10\n shutdown_script /bin/true\n vrrp_startup_delay 5.5\n dynamic_interfaces\n}\n";
    let c = ok(&conf(g, ""));
    let (cmd, t) = c.startup_script.as_ref().unwrap();
    assert_eq!(cmd.argv[0], "/bin/busybox");
    assert_eq!(t, &Duration::from_secs(10));
    assert_eq!(
        c.shutdown_script.as_ref().unwrap().1,
        Duration::from_secs(10),
        "keepalived's default"
    );
    assert_eq!(c.startup_delay, Duration::from_millis(5500));
    assert!(c.dynamic_interfaces);
}

/// keepalived caps the delays of an instance's own interface below two advert
/// intervals, with its words (typo included).
#[test]
fn debounce_delays_of_the_instances_interface_stay_under_two_advert_intervals() {
    let text = format!(
        "interface_up_down_delays {{\n  eth0 3 1\n  eth1 9 9\n}}\n{}",
        conf("", "advert_int 1\n")
    );
    assert_eq!(
        warnings(&text),
        [
            "k.conf:2: warning: V: interface eth0 debounce timer(s) not less that 2 * advert_int - resetting"
        ]
    );
    let d = &ok(&text).link_delays;
    // 2 s - 1 s / 256
    assert_eq!(
        (d[0].down, d[0].up),
        (Duration::from_micros(1_996_094), Duration::from_secs(1))
    );
    assert_eq!(d[1].down, Duration::from_secs(9));
}

#[test]
fn interface_up_down_delays_and_empty_static_blocks_as_openwrt_writes_them() {
    let text = format!(
        "static_ipaddress {{\n}}\n\nstatic_routes {{\n}}\n\ninterface_up_down_delays {{\n\teth1 2.5 1\n\teth2 3\n}}\n\n{}",
        conf("", "")
    );
    let c = ok(&text);
    assert!(c.warnings.is_empty());
    let d = &c.link_delays;
    assert_eq!(
        (d[0].interface.as_str(), d[0].down, d[0].up),
        ("eth1", Duration::from_millis(2500), Duration::from_secs(1))
    );
    assert_eq!(
        (d[1].down, d[1].up),
        (Duration::from_secs(3), Duration::ZERO)
    );
}

#[test]
fn static_addresses_routes_and_rules_with_keepalived_s_warnings() {
    let text = format!(
        "static_ipaddress {{\n 198.51.100.1/24 dev eth1 scope link\n}}\nstatic_routes {{\n 0.0.0.0/0 via 192.0.2.1\n 198.51.100.0/24 dev eth1 table 100\n}}\nstatic_rules {{\n from 198.51.100.0/24 table 100\n from 2001:db8::/32 table 100 preference 9\n}}\n{}",
        conf("", "")
    );
    let c = ok(&text);
    assert_eq!(c.static_addresses.len(), 1);
    assert_eq!(c.static_addresses[0].0.dev.as_deref(), Some("eth1"));
    assert_eq!(c.static_addresses[0].1.scope, Some(253));
    assert_eq!(c.static_routes.len(), 2);
    assert!(!c.static_routes[0].track && c.static_routes[1].track);
    assert_eq!(
        (c.static_rules[0].priority, c.static_rules[1].priority),
        (16384, 9)
    );
    let w: Vec<String> = c.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        w,
        [
            "k.conf:5: warning: Warning - cannot track route default with no interface specified, not tracking",
            "k.conf:9: warning: Rule has no preference specified - setting to 16384. This is probably not what you want.",
        ]
    );
    assert_eq!(
        errors(&format!(
            "static_ipaddress {{\n 198.51.100.1/24\n}}\n{}",
            conf("", "")
        )),
        [
            "k.conf:2: static_ipaddress 198.51.100.1/24: expected dev IF (keepalived would use default_interface, eth0)"
        ]
    );
}

#[test]
fn virtual_routes_and_rules_follow_the_instance_and_number_rules_per_family() {
    let c = ok(&conf(
        "",
        "virtual_routes {\n 0.0.0.0/0 via 192.0.2.1 dev eth0\n blackhole 198.51.100.0/24\n}\nvirtual_rules {\n from 192.0.2.10 table 100\n from 198.51.100.0/24 table 100\n to 2001:db8::/32 table 7\n}\n",
    ));
    let i = &c.instances[0];
    assert_eq!(i.virtual_routes.len(), 2);
    assert_eq!(i.virtual_routes[0].text, "0.0.0.0/0 via 192.0.2.1 dev eth0");
    assert_eq!(i.virtual_routes[1].kind, 6);
    let prefs: Vec<u32> = i.virtual_rules.iter().map(|r| r.priority).collect();
    assert_eq!(prefs, [16384, 16383, 16384]);
    // The same in key=value form.
    let kv = "instance = V\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = 192.0.2.10/24\nvirtual_routes = 0.0.0.0/0 via 192.0.2.1 dev eth0\nvirtual_rules = from 192.0.2.10 table 100 preference 5\n";
    let c = crate::config::kv::parse("t", kv).unwrap();
    assert_eq!(c.instances[0].virtual_routes, i.virtual_routes[..1]);
    assert_eq!(c.instances[0].virtual_rules[0].priority, 5);
}

#[test]
fn multicast_groups_global_and_per_instance() {
    let g = "global_defs {\n vrrp_mcast_group4 224.0.0.19\n vrrp_mcast_group6 ff02::13\n}\n";
    assert_eq!(
        ok(&conf(g, "")).instances[0].mcast_group,
        Some(ip("224.0.0.19"))
    );
    assert_eq!(
        ok(&conf(g, "mcast_dst_ip 224.0.0.20\n")).instances[0].mcast_group,
        Some(ip("224.0.0.20"))
    );
    assert_eq!(ok(&conf("", "")).instances[0].mcast_group, None);
    assert_eq!(
        warnings(&conf("global_defs {\n vrrp_mcast_group6 ff05::12\n}\n", "")),
        ["k.conf:2: warning: vrrp_mcast_group6 [ff05::12] should be link-local multicast."]
    );
    assert_eq!(
        errors(&conf(
            "global_defs {\n vrrp_mcast_group4 192.0.2.1\n}\n",
            ""
        )),
        ["k.conf:2: expected an IPv4 multicast address for vrrp_mcast_group4, found \"192.0.2.1\""]
    );
    assert_eq!(
        warnings(&conf(
            "",
            "mcast_dst_ip 224.0.0.20\nunicast_peer {\n192.0.2.12\n}\n"
        )),
        ["k.conf:4: warning: (V) multicast destination specified with unicast - ignoring"]
    );
}

#[test]
fn skip_check_adv_addr_dont_track_primary_check_unicast_src_unicast_ttl() {
    let i = &ok(&conf(
        "global_defs {\n vrrp_skip_check_adv_addr\n vrrp_check_unicast_src\n}\n",
        "dont_track_primary\nunicast_ttl 64\ncheck_unicast_src\nunicast_peer {\n192.0.2.12\n}\n",
    ))
    .instances[0];
    assert!(i.skip_check_adv_addr && i.dont_track_primary);
    assert_eq!(i.unicast_ttl, Some(64));
    assert!(!ok(&conf("", "")).instances[0].skip_check_adv_addr);
    assert!(
        !ok(&conf(
            "global_defs {\n vrrp_skip_check_adv_addr\n}\n",
            "skip_check_adv_addr no\n"
        ))
        .instances[0]
            .skip_check_adv_addr
    );
}

#[test]
fn excluded_vips_and_the_advert_limit() {
    let text = conf(
        "",
        "virtual_ipaddress_excluded {\n192.0.2.100 dev eth1\n2001:db8::100/64\n}\n",
    );
    let i = &ok(&text).instances[0];
    assert_eq!(i.vips_excluded.len(), 2);
    assert_eq!(i.vips_excluded[0].0.dev.as_deref(), Some("eth1"));
    let many: String = (0..300)
        .map(|n| format!("198.51.{}.{}\n", n / 256, n % 256))
        .collect();
    let text = format!(
        "vrrp_instance V {{\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {{\n{many}}}\n}}\n"
    );
    assert_eq!(
        warnings(&text),
        [
            "k.conf:260: warning: (V) Number of VIPs (300) exceeds maximum/space available in packet (max 255 addresses) - excess moved to eVIPs"
        ]
    );
    let i = &ok(&text).instances[0];
    assert_eq!(
        (i.vips.len(), i.vips_excluded.len(), i.vip_options.len()),
        (255, 45, 255)
    );
}

#[test]
fn weights_of_254_are_set_to_253_and_duplicates_are_ignored_as_keepalived_does() {
    let text = "vrrp_script chk {\n script /bin/true\n}\n".to_string()
        + &conf(
            "",
            "track_script {\nchk weight -254\n}\ntrack_interface {\neth1 weight 254\neth1\n}\nnotify_master /bin/true\nnotify_master /bin/false\n",
        );
    assert_eq!(
        warnings(&text),
        [
            "k.conf:8: warning: (V) weight for chk cannot be +/-254. Setting to +/-253",
            "k.conf:11: warning: (V) weight for eth1 cannot be +/-254. Setting to +/-253",
            "k.conf:12: warning: (V) duplicate track_interface eth1 - ignoring",
            "k.conf:15: warning: (V) notify_master script already specified - ignoring /bin/false",
        ]
    );
    let i = &ok(&text).instances[0];
    assert_eq!(
        (i.track_scripts[0].weight, i.track_interfaces[0].weight),
        (Some(-253), Some(253))
    );
    assert_eq!(i.notify.master.as_ref().unwrap().argv, ["/bin/true"]);
}

#[test]
fn vmac_prefix_names_the_default_virtual_mac_interface() {
    let i = &ok(&conf("global_defs {\n vmac_prefix vr\n}\n", "use_vmac\n")).instances[0];
    assert_eq!(i.vmac.as_deref(), Some("vr.1"));
    assert_eq!(
        warnings(&conf("", "vmac_xmit_base\n")),
        ["k.conf:4: warning: (V) vmac_xmit_base is only valid with a vmac"]
    );
}

#[test]
fn advert_interval_defaults_and_key_value_equivalence() {
    assert_eq!(ok(&conf("", "")).instances[0].advert_interval, Centis(100));
    let kv = "vrrp_strict = yes\nvrrp_garp_master_delay = 1\ninstance = V\ninterface = eth0\nvirtual_router_id = 1\n\
              mcast_src_ip = 192.0.2.11\nvirtual_ipaddress = 192.0.2.10/24\n";
    let ka = conf(
        "global_defs {\n vrrp_strict\n vrrp_garp_master_delay 1\n}\n",
        "mcast_src_ip 192.0.2.11\n",
    );
    let (mut a, b) = (ok(kv).instances[0].clone(), ok(&ka).instances[0].clone());
    a.line = b.line;
    assert_eq!(a, b);
}

#[test]
fn one_vrid_may_serve_ipv4_and_ipv6_and_default_vmac_names_do_not_collide() {
    let inst = |name: &str, ifname: &str, vip: &str, extra: &str| {
        format!(
            "vrrp_instance {name} {{\ninterface {ifname}\nvirtual_router_id 42\n{extra}virtual_ipaddress {{\n{vip}\n}}\n}}\n"
        )
    };
    // IPv4 and IPv6 routers with one VRID on one link are two virtual routers.
    let text = [
        inst("V4", "eth0", "192.0.2.1/24", "use_vmac\n"),
        inst("V6", "eth0", "2001:db8::1/64", "use_vmac\n"),
        inst("W4", "eth1", "192.0.2.2/24", "use_vmac\n"),
        inst("X4", "eth2", "192.0.2.3/24", "use_vmac\n"),
    ]
    .concat();
    let c = ok(&text);
    let names: Vec<_> = c.instances.iter().map(|i| i.vmac.as_deref()).collect();
    // keepalived's create_vmac_name: IPv6 tries vrrp6.N first, IPv4 vrrp1.N, vrrp2.N…
    assert_eq!(
        names,
        [
            Some("vrrp.42"),
            Some("vrrp6.42"),
            Some("vrrp1.42"),
            Some("vrrp2.42")
        ]
    );
    // The same family twice on one link is still one router configured twice.
    let text = [
        inst("A", "eth0", "192.0.2.1/24", ""),
        inst("B", "eth0", "192.0.2.2/24", ""),
    ]
    .concat();
    assert_eq!(
        errors(&text),
        ["k.conf:10: virtual_router_id 42 on eth0 is already used by instance A (line 1)"]
    );
    // A VMAC name chosen twice is an error: one macvlan cannot carry two virtual MACs.
    let text = [
        inst("A", "eth0", "192.0.2.1/24", "use_vmac vip0\n"),
        inst("B", "eth1", "192.0.2.2/24", "use_vmac vip0\n"),
    ]
    .concat();
    assert_eq!(
        errors(&text),
        ["k.conf:12: use_vmac vip0 is already used by instance A (line 1)"]
    );
}

#[test]
fn a_script_with_an_error_is_reported_once_not_again_where_it_is_tracked() {
    let text =
        "vrrp_script chk {\ninterval 2\n}\n".to_string() + &conf("", "track_script {\nchk\n}\n");
    assert_eq!(errors(&text), ["k.conf:1: vrrp_script chk has no script"]);
}

/// RFC 5798 §5.2.9, in keepalived's words (issue 18, suspected): an IPv6 multicast
/// instance whose first VIP is not its link-local address.
#[test]
fn the_first_ipv6_vip_should_be_link_local() {
    let v6 = |extra: &str, first: &str| {
        format!(
            "vrrp_instance V {{\ninterface eth0\nvirtual_router_id 1\n{extra}virtual_ipaddress {{\n{first}\n2001:db8::10/64\n}}\n}}\n"
        )
    };
    assert_eq!(
        warnings(&v6("", "2001:db8::11/64")),
        ["k.conf:5: warning: (V) the first IPv6 VIP address should be link local"]
    );
    assert_eq!(warnings(&v6("", "fe80::1/64")), [] as [&str; 0]);
    let unicast = "unicast_peer {\n2001:db8::12\n}\n";
    assert_eq!(warnings(&v6(unicast, "2001:db8::11/64")), [] as [&str; 0]);
    assert!(warnings(&v6("strict_mode\n", "2001:db8::11/64")).contains(
        &"k.conf:6: warning: (V) the first IPv6 VIP address must be link local".to_string()
    ));
    // IPv4 instances have no such rule.
    assert_eq!(warnings(&conf("", "")), [] as [&str; 0]);
}
