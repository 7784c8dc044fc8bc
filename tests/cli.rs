//! The command line without root: -t on valid and broken configs, -v, -h, bad flags.
mod common;

use common::*;

#[test]
fn config_test_accepts_both_seed_configs_in_both_formats() {
    for f in ["syslog1.conf", "syslog2.conf", "syslog1.kv", "syslog2.kv"] {
        let path = config_path(f);
        let (code, out) = run_cli(&["-t", "-f", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{f}: {out}");
        assert!(out.contains("configuration OK (1 instance)"), "{f}: {out}");
    }
}

#[test]
fn config_test_rejects_a_broken_config_with_file_and_line() {
    let dir = std::env::temp_dir().join(format!("tinyvrrpd-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("broken.conf");
    std::fs::write(
        &bad,
        "vrrp_instance VI_1 {\n  interface enp0s1\n  virtual_router_id 300\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n}\n",
    )
    .unwrap();
    let (code, out) = run_cli(&["--config-test", "--use-file", bad.to_str().unwrap()]);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("broken.conf:3:"), "{out}");
    assert!(out.contains("virtual_router_id"), "{out}");

    let ipvs = dir.join("ipvs.conf");
    let seed = std::fs::read_to_string(config_path("syslog1.conf")).unwrap();
    std::fs::write(
        &ipvs,
        format!("{seed}\nvirtual_server 192.0.2.10 514 {{\n  delay_loop 6\n}}\n"),
    )
    .unwrap();
    let (code, out) = run_cli(&["-t", "-f", ipvs.to_str().unwrap()]);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("not supported by tinyvrrpd"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_test_reports_a_missing_file() {
    let (code, out) = run_cli(&["-t", "-f", "/nonexistent/tinyvrrpd.conf"]);
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("cannot read /nonexistent/tinyvrrpd.conf"),
        "{out}"
    );
}

#[test]
fn version_help_and_bad_flags() {
    let (code, out) = run_cli(&["-v"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("tinyvrrpd "), "{out}");
    let (code, out) = run_cli(&["--help"]);
    assert_eq!(code, 0);
    for flag in [
        "--use-file",
        "--config-test",
        "--dont-fork",
        "--log-console",
        "--log-detail",
        "--pid",
        "--json",
        "--latency",
        "--loss",
        "--seed",
        "tinyvrrpd status",
        "--version",
        "--help",
    ] {
        assert!(out.contains(flag), "help lacks {flag}: {out}");
    }
    let (code, out) = run_cli(&["--bogus"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("Unrecognized option"), "{out}");
}

#[test]
fn config_test_checks_scripts_as_the_start_would() {
    let dir = std::env::temp_dir().join(format!("tinyvrrpd-cli-scripts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = std::fs::read_to_string(config_path("syslog1.conf")).unwrap();
    let with = |global: &str, script: &str| {
        let text = format!(
            "global_defs {{\n{global}}}\nvrrp_script chk {{\n  script \"{script}\"\n}}\n{}",
            seed.replacen(
                "  virtual_ipaddress {",
                "  track_script {\n    chk\n  }\n  virtual_ipaddress {",
                1
            )
        );
        let f = dir.join("scripts.conf");
        std::fs::write(&f, text).unwrap();
        run_cli(&["-t", "-f", f.to_str().unwrap()])
    };
    let (code, out) = with("", "/bin/true");
    assert_eq!(code, 0, "{out}");
    let (code, out) = with("", "/nonexistent/check.sh");
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("vrrp_script chk (line 3): /nonexistent/check.sh: No such file"),
        "{out}"
    );
    let (code, out) = with("", "no-such-checker --x");
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("program no-such-checker not found in PATH"),
        "{out}"
    );
    // A script anyone may edit must not run as root when security is on.
    let unsafe_script = dir.join("check.sh");
    std::fs::write(&unsafe_script, "#!/bin/sh\nexit 0\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&unsafe_script, std::fs::Permissions::from_mode(0o777)).unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        let (code, out) = with(
            "  enable_script_security\n  script_user root\n",
            unsafe_script.to_str().unwrap(),
        );
        assert_eq!(code, 4, "{out}");
        assert!(out.contains("would run as root but"), "{out}");
        assert!(out.contains("writable by everyone"), "{out}");
        let (code, out) = with("  script_user root\n", unsafe_script.to_str().unwrap());
        assert_eq!(code, 0, "without enable_script_security it runs: {out}");
    }
    let (code, out) = with("  script_user no-such-user-z\n", "/bin/true");
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("script_user: user no-such-user-z does not exist"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn status_needs_a_running_daemon_and_json_needs_status() {
    let (code, out) = run_cli(&["status", "-p", "/nonexistent/t.pid"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no answer on /nonexistent/t.sock"), "{out}");
    let (code, out) = run_cli(&["--json"]);
    assert_eq!(code, 2, "{out}");
    let (code, out) = run_cli(&["status", "extra"]);
    assert_eq!(code, 2, "{out}");
}

#[test]
fn config_id_selects_the_at_id_lines_as_keepalived_i_does() {
    let dir = std::env::temp_dir().join(format!("tinyvrrpd-cli-id-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("id.conf");
    // Line 4 is read only with the ID high, line 5 only without it; each is an error.
    std::fs::write(
        &f,
        "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n@high priority 300\n\
         @^high virtual_router_id 0\n virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n",
    )
    .unwrap();
    let f = f.to_str().unwrap();
    let (code, out) = run_cli(&["-t", "-i", "high", "-f", f]);
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("id.conf:4:") && !out.contains("id.conf:5:"),
        "{out}"
    );
    let (code, out) = run_cli(&["-t", "--config-id", "low", "-f", f]);
    assert_eq!(code, 4, "{out}");
    assert!(
        !out.contains("id.conf:4:") && out.contains("id.conf:5:"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `-t` over several files: the cluster check (the `cluster` feature, on by default).
fn cluster(files: &[&std::path::Path], extra: &[&str]) -> (i32, String) {
    let mut args = vec!["-t"];
    for f in files {
        args.extend(["-f", f.to_str().unwrap()]);
    }
    args.extend(extra);
    run_cli(&args)
}

#[test]
fn cluster_check_of_the_seed_pair_reports_nothing_and_prints_the_timeline() {
    let (a, b) = (config_path("syslog1.conf"), config_path("syslog2.conf"));
    let (code, out) = cluster(&[&a, &b], &[]);
    assert_eq!(code, 0, "{out}");
    for expected in [
        "Cross-checks: nothing to report",
        "1. start-up: every node starts at 0.000 s",
        "   -> VI_1: syslog1 holds the VIPs after 1.004 s",
        "2. graceful stop of syslog1 (SIGTERM) at 7.000 s",
        "syslog2    (VI_1) Entering MASTER STATE",
        "   -> VI_1: syslog2 takes the VIPs after 0.609 s; no gap for clients",
        "3. crash of syslog1 (no priority-0 advert)",
        "   -> VI_1: syslog2 takes the VIPs after 2.609–3.609 s; clients without the VIPs for 2.609–3.609 s",
        "enp0s1 goes down on syslog1",
    ] {
        assert!(out.contains(expected), "{expected:?} not in:\n{out}");
    }
    // The two formats of one node agree, in any mix.
    let (code, out) = cluster(&[&config_path("syslog1.kv"), &b], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Cross-checks: nothing to report"), "{out}");
}

#[test]
fn cluster_check_names_both_files_of_a_mismatch_and_fails() {
    let dir = std::env::temp_dir().join(format!("tinyvrrpd-cli-cluster-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = std::fs::read_to_string(config_path("syslog2.conf")).unwrap();
    let b = dir.join("syslog2.conf");
    std::fs::write(&b, seed.replace("auth_pass mysecret", "auth_pass othersec")).unwrap();
    let a = config_path("syslog1.conf");
    let (code, out) = cluster(&[&a, &b], &[]);
    assert_eq!(code, 4, "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("auth_pass differs"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.starts_with(&format!("{}:20: error:", b.display())),
        "{line}"
    );
    assert!(line.contains(&format!("{}:22", a.display())), "{line}");
    assert!(
        out.contains("two Masters"),
        "the timeline shows the split: {out}"
    );
    // A file that does not parse: its errors, and no cluster check.
    std::fs::write(&b, "instance = VI_1\npriority = 300\n").unwrap();
    let (code, out) = cluster(&[&a, &b], &[]);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("syslog2.conf:2: "), "{out}");
    assert!(out.contains("cluster not checked"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cluster_check_in_json_with_a_simulated_latency() {
    let (a, b) = (config_path("syslog1.conf"), config_path("syslog2.conf"));
    let (code, out) = cluster(&[&a, &b], &["--json", "--latency", "2", "--seed", "9"]);
    let (_, lossy) = cluster(&[&a, &b], &["--loss", "12.5"]);
    assert!(
        lossy.contains("latency 0 ms, loss 12.5 %, seed 1"),
        "{lossy}"
    );
    assert_eq!(code, 0, "{out}");
    for expected in [
        r#""findings":[],"errors":0,"warnings":0"#,
        r#""latency_ms":2,"loss_percent":0,"seed":9"#,
        r#""skew_time_ms":609.375,"master_down_interval_ms":3609.375"#,
        // Graceful: priority 0 and the new Master's advert each take 2 ms.
        r#""kind":"stop","steps":[{"event":"graceful stop of syslog1 (SIGTERM)","node":"syslog1","at_ms":7000,"routers":[{"name":"VI_1","vrids":[1],"before":["syslog1"],"after":["syslog2"],"handover_ms":613.375"#,
        // Crash: Master_Down_Interval after syslog1's last advert arrived (2 ms after it
        // left); if the crash comes just before the next one, an interval less.
        r#""handover_ms":3609.375,"handover_min_ms":2611.376,"gap_ms":3609.375,"gap_min_ms":2611.376"#,
        r#"{"at_ms":7611.375,"node":"syslog2","line":"(VI_1) Entering MASTER STATE"}"#,
    ] {
        assert!(out.contains(expected), "{expected} not in:\n{out}");
    }
}

#[test]
fn cluster_options_go_with_a_cluster_check_only() {
    let (a, b) = (config_path("syslog1.conf"), config_path("syslog2.conf"));
    let (code, out) = run_cli(&["-f", a.to_str().unwrap(), "-f", b.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("several -f only with -t"), "{out}");
    let (code, out) = run_cli(&["-t", "-f", a.to_str().unwrap(), "--latency", "1"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--latency goes with"), "{out}");
    let (code, out) = cluster(&[&a, &b], &["--loss", "150"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("--loss 150: expected a percentage 0-100"),
        "{out}"
    );
}

#[test]
fn cluster_check_of_the_split_brain_pair_names_every_mistake() {
    let dir = manifest_dir().join("tests/configs/split-brain");
    let (a, b) = (dir.join("syslog1.conf"), dir.join("syslog2.conf"));
    let (code, out) = cluster(&[&a, &b], &[]);
    assert_eq!(code, 4, "{out}");
    let (a, b) = (a.display(), b.display());
    for (here, severity, there) in [
        (format!("{b}:10"), "error", format!("{a}:17")),
        (format!("{b}:11"), "warning", format!("{b}:9")),
        (format!("{a}:12"), "warning", format!("{b}:4")),
        (format!("{a}:29"), "warning", format!("{b}:7")),
    ] {
        let prefix = format!("{here}: {severity}: ");
        let line = out.lines().find(|l| l.starts_with(&prefix));
        let line = line.unwrap_or_else(|| panic!("no {prefix:?} in:\n{out}"));
        assert!(line.contains(&there), "{line}");
    }
    assert!(out.contains("Cross-checks: 1 error, 3 warnings"), "{out}");
    assert!(
        out.contains(
            "-> VI_1: syslog1 and syslog2 hold the VIPs after 1.004 s; two Masters from 1.004 s on"
        ),
        "{out}"
    );
}

#[test]
fn cluster_check_of_one_file_shared_with_id_lines() {
    let dir = std::env::temp_dir().join(format!("tinyvrrpd-cli-shared-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shared = dir.join("keepalived.conf");
    std::fs::write(
        &shared,
        "vrrp_instance VI_1 {\n  interface enp0s1\n  virtual_router_id 1\n\
@lb1  priority 150\n@lb2  priority 100\n@lb1  unicast_src_ip 192.0.2.11\n@lb2  unicast_src_ip 192.0.2.12\n\
  unicast_peer {\n@lb1    192.0.2.12\n@lb2    192.0.2.13\n  }\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n}\n",
    )
    .unwrap();
    let at = |id: &str| format!("{}@{id}", shared.display());
    let (code, out) = run_cli(&["-t", "-f", &at("lb1"), "-f", &at("lb2")]);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("Cluster of 2 nodes: lb1 ("), "{out}");
    // lb2's peer line is its own @lb2 line; lb1's source, its own @lb1 line.
    let f = shared.display();
    let line = out
        .lines()
        .find(|l| l.contains("does not name lb1's source"));
    let line = line.unwrap_or_else(|| panic!("{out}"));
    assert!(line.starts_with(&format!("{f}:8: error:")), "{line}");
    assert!(line.contains(&format!("({f}:6)")), "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_test_names_every_missing_program_startup_and_shutdown_scripts_included() {
    let dir = std::env::temp_dir().join(format!("tinyvrrpd-cli-all-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = std::fs::read_to_string(config_path("syslog1.conf")).unwrap();
    let text = format!(
        "global_defs {{\n  startup_script /nonexistent/up.sh\n  shutdown_script /nonexistent/down.sh\n}}\nvrrp_script chk {{\n  script /nonexistent/check.sh\n}}\n{}",
        seed.replacen(
            "  virtual_ipaddress {",
            "  track_script {\n    chk\n  }\n  notify_master /nonexistent/master.sh\n  notify /nonexistent/any.sh\n  virtual_ipaddress {",
            1
        )
    );
    let f = dir.join("missing.conf");
    std::fs::write(&f, text).unwrap();
    let (code, out) = run_cli(&["-t", "-f", f.to_str().unwrap()]);
    assert_eq!(code, 4, "{out}");
    for what in [
        "vrrp_script chk (line 5): /nonexistent/check.sh: No such file",
        "(VI_1) notify_master: /nonexistent/master.sh: No such file",
        "(VI_1) notify: /nonexistent/any.sh: No such file",
        "startup_script: /nonexistent/up.sh: No such file",
        "shutdown_script: /nonexistent/down.sh: No such file",
    ] {
        assert!(out.contains(what), "{what} not in: {out}");
    }
    assert!(!out.contains("configuration OK"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
