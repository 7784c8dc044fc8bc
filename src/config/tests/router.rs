//! The router features' keywords: process and file tracking, sync-group notify and
//! tracking, the notify FIFOs — keepalived's defaults, warnings and adjustments.
use super::super::model::ParamMatch;
use super::k::{errors, ok, warnings};
use core::time::Duration;

/// `vrrp_instance NAME` with `extra` lines inside, after the `vrid` and `priority` lines.
fn inst(name: &str, vrid: u8, priority: u8, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n priority {priority}\n{extra} virtual_ipaddress {{\n  192.0.2.{vrid}/24\n }}\n}}\n"
    )
}

#[test]
fn track_process_takes_keepalived_s_defaults_and_rules() {
    let c = ok(&format!(
        "vrrp_track_process bird {{\n process bird\n}}\n{}",
        inst("V", 1, 100, " track_process {\n  bird weight -20\n }\n")
    ));
    let p = &c.processes[0];
    assert_eq!((p.process.as_str(), p.full_command), ("bird", false));
    assert_eq!((p.weight, p.quorum, p.quorum_max), (0, 1, u32::MAX));
    assert_eq!(
        (p.fork_delay, p.terminate_delay),
        (Duration::ZERO, Duration::ZERO)
    );
    let t = &c.instances[0].track_processes[0];
    assert_eq!((t.name.as_str(), t.weight), ("bird", Some(-20)));

    // Parameters mean the command line, matched exactly unless param_match says.
    let c = ok(&format!(
        "vrrp_track_process haproxy {{\n process /usr/sbin/haproxy -f \"/etc/my cfg\"\n param_match partial\n weight 10 reverse\n quorum 2\n quorum_max 4\n delay 0.5\n terminate_delay 2\n}}\n{}",
        inst("V", 1, 100, " track_process {\n  haproxy\n }\n")
    ));
    let p = &c.processes[0];
    assert_eq!(p.params, ["-f", "/etc/my cfg"]);
    assert_eq!((p.param_match, p.full_command), (ParamMatch::Partial, true));
    assert_eq!(
        (p.weight, p.reverse, p.quorum, p.quorum_max),
        (10, true, 2, 4)
    );
    assert_eq!(p.fork_delay, Duration::from_millis(500));
    assert_eq!(p.terminate_delay, Duration::from_secs(2));
    // The entry takes the block's weight.
    let t = &c.instances[0].track_processes[0];
    assert_eq!((t.weight, t.reverse), (Some(10), true));

    // quorum_max 0: failure as soon as one runs.
    let c = ok(&format!(
        "vrrp_track_process p {{\n process x\n quorum_max 0\n}}\n{}",
        inst("V", 1, 100, " track_process {\n  p\n }\n")
    ));
    assert_eq!((c.processes[0].quorum, c.processes[0].quorum_max), (0, 0));
}

#[test]
fn track_process_warnings_and_errors() {
    let w = warnings(&format!(
        "vrrp_track_process p {{\n process a-name-longer-than-comm\n quorum 3\n quorum_max 2\n process other\n}}\n{}",
        inst("V", 1, 100, " track_process {\n  p\n }\n")
    ));
    assert_eq!(
        w,
        [
            "k.conf:1: warning: track process 'p': a-name-longer-than-comm is longer than a process name can be (15 characters): it can only match with full_command",
            "k.conf:1: warning: quorum_max is less than quorum - ignoring",
            "k.conf:5: warning: Process already set for track process p - ignoring other",
        ]
    );
    assert_eq!(
        errors(&format!(
            "vrrp_track_process p {{\n quorum 2\n}}\n{}",
            inst("V", 1, 100, " track_process {\n  p\n  q\n }\n")
        )),
        [
            "k.conf:1: track process 'p' process name not specified",
            "k.conf:10: (V) track_process q: no vrrp_track_process q is defined",
        ]
    );
    // keepalived reads in order: a block further down is not found (its words).
    let w = warnings(&format!(
        "{}vrrp_track_process p {{\n process x\n}}\n",
        inst("V", 1, 100, " track_process {\n  p\n }\n")
    ));
    assert_eq!(
        w,
        ["k.conf:6: warning: (V) track process p not found, ignoring..."]
    );
    assert_eq!(
        errors("vrrp_track_process p {\n process x\n param_match some\n}\n"),
        [
            "k.conf:3: Invalid param_match type some (initial or partial, or none or exact)",
            "k.conf:1: no VRRP instance is configured",
        ]
        .into_iter()
        .filter(|e| !e.contains("no VRRP"))
        .collect::<Vec<_>>()
    );
}

#[test]
fn track_file_weights_init_file_and_the_deprecated_name() {
    let c = ok(&format!(
        "track_file f {{\n file /run/prio\n init_file 5 overwrite\n}}\nvrrp_track_file g {{\n file \"/run/other\"\n weight -2 reverse\n}}\n{}",
        inst(
            "V",
            1,
            100,
            " track_file {\n  f\n  g weight 254 reverse\n }\n"
        )
    ));
    assert_eq!(c.files[0].path, "/run/prio");
    assert_eq!((c.files[0].weight, c.files[0].init), (1, Some((5, true))));
    assert_eq!((c.files[1].weight, c.files[1].reverse), (-2, true));
    let t = &c.instances[0].track_files;
    // A file's weight may be ±254 (it multiplies the file's number).
    assert_eq!(
        (t[0].weight, t[1].weight, t[1].reverse),
        (Some(1), Some(254), true)
    );
    assert_eq!(
        c.warnings[0].to_string(),
        "k.conf:5: warning: \"vrrp_track_file\" is deprecated, please use \"track_file\""
    );
    assert_eq!(
        errors(&format!(
            "track_file f {{\n weight 2\n}}\ntrack_file g {{\n file run/prio\n init_file x\n}}\n{}",
            inst("V", 1, 100, "")
        )),
        [
            "k.conf:1: No file set for track_file f",
            "k.conf:5: track_file g: expected an absolute path for file, found \"run/prio\"",
            "k.conf:6: Unknown track file init option x",
        ]
    );
}

#[test]
fn sync_group_members_and_owners_lose_file_weights_as_keepalived_says() {
    let files = "track_file f {\n file /run/f\n}\ntrack_file g {\n file /run/g\n weight 3\n}\n";
    let members = " track_file {\n  f\n  g\n }\n";
    let group = "vrrp_sync_group G {\n group {\n  A\n  B\n }\n}\n";
    let c = ok(&format!(
        "{files}{group}{}{}",
        inst("A", 1, 100, members),
        inst("B", 2, 100, "")
    ));
    assert_eq!(c.instances[0].track_files.len(), 1);
    assert_eq!(c.instances[0].track_files[0].weight, Some(0));
    let w: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        w,
        [
            "k.conf:19: warning: (A) ignoring weight from tracked file f due to SYNC group. specify weight 0",
            "k.conf:20: warning: (A) ignoring tracked file g with weight 3 due to SYNC group",
        ]
    );
    // The address owner likewise.
    let w = warnings(&format!("{files}{}", inst("A", 1, 255, members)));
    assert_eq!(
        w,
        [
            "k.conf:13: warning: (A) ignoring weight from tracked file f due to address_owner. specify weight 0",
            "k.conf:14: warning: (A) ignoring tracked file g with weight 3 due to address_owner",
        ]
    );
}

#[test]
fn sync_groups_notify_and_track_for_every_member() {
    let c = ok(&format!(
        "vrrp_script chk {{\n script /bin/true\n weight -30\n}}\nvrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n notify_master \"/etc/g.sh MASTER\"\n notify /etc/g-any.sh\n notify_master /x\n track_interface {{\n  eth1 weight -10\n }}\n track_script {{\n  chk\n }}\n}}\n{}{}",
        inst("A", 1, 100, ""),
        inst("B", 2, 100, "")
    ));
    let g = &c.sync_groups[0];
    assert_eq!(
        g.notify.master.as_ref().unwrap().argv,
        ["/etc/g.sh", "MASTER"]
    );
    assert_eq!(g.notify.any.as_ref().unwrap().argv, ["/etc/g-any.sh"]);
    // Group trackers keep their weights (sync_group_tracking_weight is about the
    // members' own).
    assert_eq!(g.track_interfaces[0].weight, Some(-10));
    assert_eq!(g.track_scripts[0].weight, Some(-30));
    assert_eq!(
        c.warnings[0].to_string(),
        "k.conf:12: warning: (G) notify_master script already specified - ignoring /x"
    );
    // A member that owns the addresses: the group's weights are cleared.
    let w = warnings(&format!(
        "vrrp_script chk {{\n script /bin/true\n weight -30\n}}\nvrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n track_script {{\n  chk\n }}\n}}\n{}{}",
        inst("A", 1, 255, ""),
        inst("B", 2, 100, "")
    ));
    assert_eq!(
        w,
        [
            "k.conf:11: warning: (G) Cannot have weighted track script 'chk' with member having priority 255 - clearing weight"
        ]
    );
    assert_eq!(
        errors(&format!(
            "vrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n track_file {{\n  nope\n }}\n}}\n{}{}",
            inst("A", 1, 100, ""),
            inst("B", 2, 100, "")
        )),
        ["k.conf:7: (G) track_file nope: no track_file nope is defined"]
    );
}

#[test]
fn notify_fifos_as_keepalived_takes_them() {
    let c = ok(&format!(
        "global_defs {{\n notify_fifo /run/ka.fifo root\n notify_fifo_script \"/usr/local/bin/reader -v\"\n vrrp_notify_fifo /run/vrrp.fifo\n fifo_write_vrrp_states_on_reload\n}}\n{}",
        inst("V", 1, 100, "")
    ));
    assert_eq!(c.fifos.len(), 2);
    assert_eq!(c.fifos[0].path, "/run/ka.fifo");
    assert_eq!(c.fifos[0].owner.as_ref().unwrap().user, "root");
    assert_eq!(
        c.fifos[0].script.as_ref().unwrap().argv,
        ["/usr/local/bin/reader", "-v"]
    );
    assert_eq!(
        (c.fifos[1].path.as_str(), c.fifos[1].script.is_none()),
        ("/run/vrrp.fifo", true)
    );
    assert!(c.fifo_states_on_reload);
    let w = warnings(&format!(
        "global_defs {{\n notify_fifo /run/a\n vrrp_notify_fifo /run/a\n vrrp_notify_fifo_script /bin/cat\n notify_fifo /run/b\n}}\n{}",
        inst("V", 1, 100, "")
    ));
    assert_eq!(
        w,
        [
            "k.conf:3: warning: notify FIFO /run/a has been specified for global and vrrp FIFO - ignoring vrrp FIFO",
            "k.conf:5: warning: notify_fifo already specified - ignoring /run/b",
        ]
    );
    let w = warnings(&format!(
        "global_defs {{\n vrrp_notify_fifo_script /bin/cat\n}}\n{}",
        inst("V", 1, 100, "")
    ));
    assert_eq!(
        w,
        [
            "k.conf:2: warning: vrrp_notify_fifo_script without vrrp_notify_fifo: it is not run (keepalived runs it only with its FIFO)"
        ]
    );
}

#[test]
fn key_value_form_of_the_new_blocks() {
    let kv = "notify_fifo = /run/ka.fifo\nvrrp_track_process = bird\nprocess = bird\nweight = -20\nvrrp_track_file = prio\nfile = /run/prio\ninstance = V\ninterface = eth0\nvirtual_router_id = 1\nvirtual_ipaddress = 192.0.2.10/24\ntrack_process = bird\ntrack_file = prio weight 2\nvrrp_sync_group = G\ngroup = V\nsync_group_tracking_weight = yes\nnotify = /etc/g.sh\ntrack_process = bird\n";
    let c = crate::config::kv::parse("t", kv).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(c.processes[0].weight, -20);
    assert_eq!(c.files[0].path, "/run/prio");
    assert_eq!(c.instances[0].track_files[0].weight, Some(2));
    assert_eq!(c.fifos[0].path, "/run/ka.fifo");
    assert!(c.sync_groups[0].notify.any.is_some());
    assert_eq!(c.sync_groups[0].track_processes[0].weight, Some(-20));
}

#[test]
fn processes_match_by_name_or_command_line_as_keepalived_matches_them() {
    let block = |body: &str| {
        let c = ok(&format!(
            "vrrp_track_process p {{\n{body}\n}}\n{}",
            inst("V", 1, 100, " track_process {\n  p\n }\n")
        ));
        c.processes[0].clone()
    };
    // By name: /proc/PID/comm, exactly (pgrep -x).
    let p = block(" process sshd");
    assert!(p.matches(b"sshd", b"/usr/sbin/sshd\0-D\0"));
    assert!(!p.matches(b"sshd-session", b""));
    assert!(!p.matches(b"ssh", b""));
    // full_command: the program as started, whatever its parameters.
    let p = block(" process /usr/sbin/haproxy\n full_command");
    assert!(p.matches(b"haproxy", b"/usr/sbin/haproxy\0-f\0/etc/h.cfg\0"));
    assert!(!p.matches(b"haproxy", b"haproxy\0-f\0"));
    // Parameters given: exactly these.
    let p = block(" process /usr/sbin/haproxy -f /etc/h.cfg");
    assert!(p.matches(b"", b"/usr/sbin/haproxy\0-f\0/etc/h.cfg\0"));
    assert!(!p.matches(b"", b"/usr/sbin/haproxy\0-f\0/etc/h.cfg\0-D\0"));
    assert!(!p.matches(b"", b"/usr/sbin/haproxy\0-f\0/etc/h.cf\0"));
    // partial: these first; initial: the last may be the start of the process's.
    let p = block(" process /usr/sbin/haproxy -f\n param_match partial");
    assert!(p.matches(b"", b"/usr/sbin/haproxy\0-f\0/etc/h.cfg\0"));
    assert!(!p.matches(b"", b"/usr/sbin/haproxy\0-D\0"));
    let p = block(" process /usr/sbin/haproxy -f /etc/h\n param_match initial");
    assert!(p.matches(b"", b"/usr/sbin/haproxy\0-f\0/etc/h.cfg\0"));
    assert!(!p.matches(b"", b"/usr/sbin/haproxy\0-f\0/etc/x.cfg\0"));
    // param_match alone: no parameters at all.
    let p = block(" process /bin/sleep\n param_match");
    assert!(p.matches(b"", b"/bin/sleep\0"));
    assert!(!p.matches(b"", b"/bin/sleep\x001000\0"));
}
