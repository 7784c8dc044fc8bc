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
