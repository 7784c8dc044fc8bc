use super::*;
use crate::cluster::tests::{SEED1, SEED2, node};

const KV1: &str = include_str!("../../../tests/configs/syslog1.kv");
const KV2: &str = include_str!("../../../tests/configs/syslog2.kv");

/// `text` with `from` replaced (which must be there).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in {text}");
    text.replacen(from, to, 1)
}

/// The findings for node a (`a.conf`) and node b (`b.conf`), as `-t` prints them.
fn findings(a: &str, b: &str) -> Vec<String> {
    let c = Cluster::new(vec![node("a", a), node("b", b)]);
    run(&c)
        .iter()
        .map(|f| {
            let s = f.sites[0];
            format!(
                "{}: {}: {}",
                c.at(s.node, s.line),
                f.severity.as_str(),
                f.message
            )
        })
        .collect()
}

/// The one finding that contains `needle`; it must name `here` and `there`.
fn one(list: &[String], needle: &str, here: &str, there: &str) -> String {
    let hits: Vec<&String> = list.iter().filter(|f| f.contains(needle)).collect();
    assert_eq!(hits.len(), 1, "{needle:?} in {list:#?}");
    let f = hits[0].clone();
    assert!(f.starts_with(&format!("{here}: ")), "{f}");
    assert!(f[here.len()..].contains(there), "{f}");
    f
}

#[test]
fn the_seed_pair_agrees_on_everything_in_both_formats() {
    assert_eq!(findings(SEED1, SEED2), Vec::<String>::new());
    assert_eq!(findings(KV1, KV2), Vec::<String>::new());
}

#[test]
fn a_different_vrid_for_the_same_addresses_is_named_on_both_sides() {
    let b = edit(SEED2, "virtual_router_id 1 ", "virtual_router_id 2 ");
    let f = findings(SEED1, &b);
    let e = one(&f, "virtual_router_id 1 here, 2", "a.conf:11", "b.conf:11");
    assert!(
        e.contains("error:") && e.contains("both become Master"),
        "{e}"
    );
    assert_eq!(f.len(), 1, "{f:#?}");
}

#[test]
fn versions_must_match() {
    let b = edit(
        KV2,
        "auth_type = PASS\nauth_pass = mysecret\n",
        "version = 3\n",
    );
    let e = one(
        &findings(KV1, &b),
        "VRRPv3 here, v2",
        "b.conf:10",
        "a.conf:2",
    );
    assert!(e.contains("VRRP version 2 does not match ours"), "{e}");
}

#[test]
fn passwords_and_authentication_must_match() {
    let b = edit(SEED2, "auth_pass mysecret", "auth_pass othersec");
    let e = one(
        &findings(SEED1, &b),
        "auth_pass differs",
        "b.conf:20",
        "a.conf:22",
    );
    assert!(
        e.contains("authentication mismatch") && e.starts_with("b.conf:20: error:"),
        "{e}"
    );
    let b = edit(KV2, "auth_type = PASS\nauth_pass = mysecret\n", "");
    one(
        &findings(KV1, &b),
        "no authentication here, auth_type PASS",
        "b.conf:2",
        "a.conf:11",
    );
}

#[test]
fn v2_intervals_must_match_and_v3_ones_follow_the_master() {
    let b = edit(KV2, "advert_int = 1", "advert_int = 2");
    let e = one(
        &findings(KV1, &b),
        "advert_int 2 here, 1",
        "b.conf:7",
        "a.conf:7",
    );
    assert!(
        e.contains("error:") && e.contains("advert interval 1.00s does not match ours"),
        "{e}"
    );
    let v3 = |t: &str, i: &str| {
        let t = edit(
            t,
            "auth_type = PASS\nauth_pass = mysecret\n",
            "version = 3\n",
        );
        edit(&t, "advert_int = 1", &format!("advert_int = {i}"))
    };
    let e = one(
        &findings(&v3(KV1, "1"), &v3(KV2, "0.5")),
        "advert_int 0.5 here, 1",
        "b.conf:7",
        "a.conf:7",
    );
    assert!(
        e.contains("note:") && e.contains("adopt the Master's interval"),
        "{e}"
    );
}

#[test]
fn vip_sets_and_prefixes_must_match() {
    let b = edit(KV2, "192.0.2.10/24", "192.0.2.20/24");
    let e = one(
        &findings(KV1, &b),
        "the VIPs differ",
        "b.conf:12",
        "a.conf:12",
    );
    assert!(
        e.contains("192.0.2.20 only here, 192.0.2.10 only at a.conf:12"),
        "{e}"
    );
    // keepalived's address-list check (issue 13 item 9): both become Master.
    assert!(
        e.contains("error:")
            && e.contains("not present in MASTER advert: 192.0.2.20")
            && e.contains("both become Master"),
        "{e}"
    );
    let b = edit(SEED2, "192.0.2.10/24", "192.0.2.10/25");
    one(
        &findings(SEED1, &b),
        "VIP 192.0.2.10/25 here, /24",
        "b.conf:23",
        "a.conf:25",
    );
}

#[test]
fn unicast_peers_must_name_the_other_nodes_source() {
    let b = edit(SEED2, "    192.0.2.11 ", "    192.0.2.13 ");
    let f = findings(SEED1, &b);
    let e = one(&f, "does not name a's source", "b.conf:15", "a.conf:16");
    assert!(e.contains("sender is not a configured unicast_peer"), "{e}");
    one(
        &f,
        "unicast_peer 192.0.2.13 is none of the nodes",
        "b.conf:16",
        "(a)",
    );
    // The same source on both: each takes the other's adverts for its own.
    let b = edit(
        KV2,
        "unicast_src_ip = 192.0.2.12",
        "unicast_src_ip = 192.0.2.11",
    );
    let e = one(
        &findings(KV1, &b),
        "unicast_src_ip 192.0.2.11 here",
        "a.conf:8",
        "b.conf:8",
    );
    assert!(e.contains("our own advert looped back"), "{e}");
}

#[test]
fn a_source_the_files_do_not_give_is_inferred_or_said_to_be_unknown() {
    // b sets no unicast_src_ip: a's only peer is taken for it.
    let b = edit(KV2, "unicast_src_ip = 192.0.2.12\n", "");
    assert_eq!(findings(KV1, &b), Vec::<String>::new());
    // Two peers on a, no source on b: which one is b's is not known.
    let a = edit(
        KV1,
        "unicast_peer = 192.0.2.12",
        "unicast_peer = 192.0.2.12 192.0.2.13",
    );
    let f = findings(&a, &b);
    let e = one(
        &f,
        "cannot tell whether unicast_peer names b",
        "a.conf:9",
        "b.conf:2",
    );
    assert!(e.starts_with("a.conf:9: note:"), "{e}");
}

#[test]
fn multicast_on_one_side_and_unicast_on_the_other() {
    let b = edit(
        KV2,
        "unicast_src_ip = 192.0.2.12\nunicast_peer = 192.0.2.11\n",
        "",
    );
    let e = one(
        &findings(KV1, &b),
        "multicast here, unicast",
        "b.conf:2",
        "a.conf:9",
    );
    assert!(e.contains("a never hears b's multicast adverts"), "{e}");
}

#[test]
fn equal_priorities_are_decided_by_address_and_two_owners_fight() {
    let b = edit(KV2, "priority = 100", "priority = 150");
    let e = one(
        &findings(KV1, &b),
        "priority 150 here and at",
        "b.conf:6",
        "a.conf:6",
    );
    assert!(e.contains("the higher address wins: b (192.0.2.12)"), "{e}");
    let a = edit(KV1, "priority = 150", "priority = 255");
    let b = edit(KV2, "priority = 100", "priority = 255");
    let e = one(
        &findings(&a, &b),
        "priority 255 here and at",
        "a.conf:6",
        "b.conf:6",
    );
    assert!(e.contains("error:"), "{e}");
}

#[test]
fn state_master_on_both_nodes_or_on_the_lower_one() {
    let b = edit(SEED2, "state BACKUP", "state MASTER");
    let e = one(
        &findings(SEED1, &b),
        "state MASTER here and at",
        "a.conf:9",
        "b.conf:9",
    );
    assert!(e.contains("a moment with two Masters"), "{e}");
    let a = edit(KV1, "state = MASTER", "state = BACKUP");
    let b = edit(KV2, "state = BACKUP", "state = MASTER");
    one(
        &findings(&a, &b),
        "state MASTER here, but a has the higher",
        "b.conf:3",
        "a.conf:6",
    );
}

#[test]
fn nopreempt_and_preempt_delay_act_only_on_the_node_that_would_preempt() {
    let b = format!("{KV2}nopreempt = yes\n");
    let f = findings(KV1, &b);
    one(&f, "nopreempt here has no effect", "b.conf:13", "a.conf:6");
    // (With nopreempt, keepalived resets preempt_delay with a warning: apart.)
    let b = format!("{KV2}preempt_delay = 5\n");
    let f = findings(KV1, &b);
    one(
        &f,
        "preempt_delay here has no effect",
        "b.conf:13",
        "a.conf:6",
    );
    // (keepalived clears nopreempt under `state MASTER`, with a warning.)
    let a = format!(
        "{}nopreempt = yes\n",
        edit(KV1, "state = MASTER", "state = BACKUP")
    );
    let e = one(
        &findings(&a, KV2),
        "nopreempt on a, the highest",
        "a.conf:13",
        "b.conf:6",
    );
    assert!(
        e.contains("the VIPs stay on the node that took them"),
        "{e}"
    );
}

const SCRIPT: &str = "vrrp_script = chk\nscript = /bin/true\ninterval = 1\nweight = -20\n";

#[test]
fn a_weight_too_small_to_move_the_vips_is_named_with_the_other_priority() {
    // The example: 150 − 20 = 130 still beats 100.
    let a = format!("{SCRIPT}{KV1}track_script = chk\n");
    let e = one(
        &findings(&a, KV2),
        "track_script chk weight -20 can never move",
        "a.conf:17",
        "b.conf:6",
    );
    assert!(
        e.contains("a runs at 150 − 20 = 130, still above b's 100"),
        "{e}"
    );
    // −60 is enough: nothing to say.
    let a = edit(&a, "weight = -20", "weight = -60");
    assert_eq!(findings(&a, KV2), Vec::<String>::new());
}

#[test]
fn a_weight_that_moves_the_vips_in_normal_operation_is_named() {
    let b = format!(
        "{}{KV2}track_script = chk\n",
        edit(SCRIPT, "weight = -20", "weight = 60")
    );
    let e = one(
        &findings(KV1, &b),
        "with every check and interface good, b runs at priority 160",
        "b.conf:17",
        "a.conf:6",
    );
    assert!(e.contains("beats a's 150"), "{e}");
}

#[test]
fn sync_group_members_must_pair_with_one_group_on_every_node() {
    let second = "instance = VI_2\ninterface = enp0s1\nvirtual_router_id = 2\nvirtual_ipaddress = 192.0.2.20/24\n";
    let a = format!("{KV1}{second}vrrp_sync_group = G\ngroup = VI_1 VI_2\n");
    let b = format!("{KV2}{second}");
    let e = one(&findings(&a, &b), "sync group G", "a.conf:17", "b.conf:2");
    assert!(
        e.contains("VI_1's partner VI_1 on b is in no sync group (b.conf:2)"),
        "{e}"
    );
    let b = format!("{KV2}{second}vrrp_sync_group = H\ngroup = VI_1 VI_2\n");
    assert!(!findings(&a, &b).iter().any(|f| f.contains("sync group")));
}

#[test]
fn use_vmac_and_accept_mode_on_one_side_only() {
    let b = format!("{KV2}use_vmac = yes\nno_accept = yes\n");
    let f = findings(KV1, &b);
    let e = one(&f, "use_vmac here, not at", "b.conf:13", "a.conf:2");
    assert!(e.contains("warning:"), "{e}");
    one(&f, "no_accept here, accept at", "b.conf:14", "a.conf:2");
}

#[test]
fn an_instance_nobody_backs_up_is_named() {
    let b = edit(KV2, "192.0.2.10/24", "198.51.100.10/24");
    let b = edit(
        &b,
        "unicast_src_ip = 192.0.2.12\nunicast_peer = 192.0.2.11\n",
        "",
    );
    let b = edit(&b, "interface = enp0s1", "interface = eth9");
    let a = edit(
        KV1,
        "unicast_src_ip = 192.0.2.11\nunicast_peer = 192.0.2.12\n",
        "",
    );
    let f = findings(&a, &b);
    one(
        &f,
        "nothing takes over its VIPs when a fails",
        "a.conf:5",
        "no other node has VRID 1",
    );
    one(
        &f,
        "nothing takes over its VIPs when b fails",
        "b.conf:5",
        "no other node has VRID 1",
    );
}

#[test]
fn seconds_are_written_as_in_a_config() {
    assert_eq!(secs(Centis(100)), "1");
    assert_eq!(secs(Centis(5)), "0.05");
    assert_eq!(secs_f(3_609_375), "3.609375");
}

/// The seed's key=value pair in multicast: no peers, no authentication.
fn multicast(kv: &str) -> String {
    kv.lines()
        .filter(|l| !l.starts_with("unicast_") && !l.starts_with("auth_"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn a_peer_ttl_range_must_admit_what_the_other_node_sends() {
    let a = edit(
        KV1,
        "unicast_peer = 192.0.2.12",
        "unicast_peer = 192.0.2.12 min_ttl 250 max_ttl 255",
    );
    let b = format!("{KV2}unicast_ttl = 64\n");
    let e = one(
        &findings(&a, &b),
        "accepts TTL 250-255 here, but b sends TTL 64",
        "a.conf:9",
        "b.conf:13",
    );
    assert!(e.contains("keepalived drops every advert from it"), "{e}");
    let b = format!("{KV2}unicast_ttl = 251\n");
    assert_eq!(findings(&a, &b), Vec::<String>::new());
}

#[test]
fn multicast_groups_sources_and_strict_mode_must_agree() {
    let (a, b) = (multicast(KV1), multicast(KV2));
    assert_eq!(findings(&a, &b), Vec::<String>::new());
    let e = one(
        &findings(&a, &format!("{b}mcast_dst_ip = 224.0.0.19\n")),
        "adverts go to 224.0.0.19 here, to the RFC's group",
        "b.conf:9",
        "a.conf:2",
    );
    assert!(e.contains("error:"), "{e}");
    // mcast_src_ip is where multicast adverts leave from: the same on both is an error.
    let f = findings(
        &format!("{a}mcast_src_ip = 192.0.2.11\n"),
        &format!("{b}mcast_src_ip = 192.0.2.11\n"),
    );
    one(
        &f,
        "mcast_src_ip 192.0.2.11 here and at",
        "a.conf:9",
        "b.conf:9",
    );
    let f = findings(&a, &format!("{b}strict_mode = yes\n"));
    one(
        &f,
        "strict mode (strict_mode or vrrp_strict) here but not at",
        "b.conf:9",
        "a.conf:2",
    );
    // Strict mode turned accept mode off on b: said too.
    one(&f, "no_accept here, accept at", "b.conf:2", "a.conf:2");
}
