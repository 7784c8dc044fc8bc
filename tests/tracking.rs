//! The seed article's part 2 through the real kernel: a track script on a stand-in
//! service moves the VIP, link loss faults the instance, notify scripts record every
//! transition once, a hanging check is killed without delaying adverts, sync groups move
//! together, and `tinyvrrpd status` reports it all.
mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A stand-in for syslog-ng: a process whose pid file the check reads.
struct Service {
    child: Child,
}

impl Service {
    fn start(pid_file: &Path) -> Service {
        let child = Command::new("sleep")
            .arg("600")
            .stdin(Stdio::null())
            .spawn()
            .expect("start stand-in service");
        std::fs::write(pid_file, child.id().to_string()).unwrap();
        Service { child }
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A notify script that appends its arguments to `log`.
fn recorder(lab: &Lab, name: &str, log: &Path) -> PathBuf {
    let p = lab.write_config(
        name,
        &format!("#!/bin/sh\necho \"$*\" >> {}\n", log.display()),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// The part-2 keepalived.conf for `host` (a: 150, b: 100), seed addresses swapped for
/// documentation ones. `check` is the vrrp_script's command, `extra` more instance lines.
fn part2_conf(host: char, check: &str, notify: &Path, extra: &str) -> String {
    let (me, peer, prio, state) = match host {
        'a' => (11, 12, 150, "MASTER"),
        _ => (12, 11, 100, "BACKUP"),
    };
    let n = notify.display();
    format!(
        "global_defs {{
  router_id syslog{host}
  enable_script_security
  script_user root
}}
vrrp_script chk_syslog_ng {{
  script \"{check}\"
  interval 1
  weight -60
  fall 2
  rise 2
}}
vrrp_instance VI_1 {{
  state {state}
  interface enp0s1
  virtual_router_id 1
  priority {prio}
  advert_int 1
  unicast_src_ip 192.0.2.{me}
  unicast_peer {{
    192.0.2.{peer}
  }}
  authentication {{
    auth_type PASS
    auth_pass mysecret
  }}
  virtual_ipaddress {{
    192.0.2.10/24 dev enp0s1
  }}
  track_script {{
    chk_syslog_ng
  }}
  notify_master \"{n} {host} MASTER\"
  notify_backup \"{n} {host} BACKUP\"
  notify_fault \"{n} {host} FAULT\"
  notify_stop \"{n} {host} STOP\"
  notify \"{n} {host}\"
{extra}}}
"
    )
}

fn check_for(pid_file: &Path) -> String {
    format!("/bin/sh -c 'kill -0 $(cat {})'", pid_file.display())
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn status(lab: &Lab, host: char, json: bool) -> String {
    let pid = lab.pid_file(host);
    let mut args = vec!["status", "-p", pid.to_str().unwrap()];
    if json {
        args.push("--json");
    }
    let (code, out) = run_cli(&args);
    assert_eq!(code, 0, "status failed: {out}");
    out
}

#[test]
fn track_script_moves_the_vip_and_notify_scripts_run_once_per_transition() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let (pa, pb) = (lab.dir.join("svc-a.pid"), lab.dir.join("svc-b.pid"));
    let svc_a = Service::start(&pa);
    let _svc_b = Service::start(&pb);
    let log = lab.dir.join("notify.log");
    let rec = recorder(&lab, "notify.sh", &log);
    let a = lab.write_config("a.conf", &part2_conf('a', &check_for(&pa), &rec, ""));
    let b = lab.write_config("b.conf", &part2_conf('b', &check_for(&pb), &rec, ""));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    lab.wait_log('b', "Entering BACKUP STATE", 1, Duration::from_secs(5));

    // The service dies on the master: fall (2) × interval (1 s), then one advert.
    let killed = Instant::now();
    svc_a.kill();
    lab.wait_sole_owner('b', Duration::from_secs(6));
    let took = killed.elapsed();
    println!("failover after the service died: {took:?}");
    assert!(
        took <= Duration::from_millis(3500),
        "took {took:?}, more than fall × interval + one advert (3 s) + 0.5 s"
    );
    let la = lab.log('a');
    assert!(la.contains("VRRP_Script(chk_syslog_ng) failed"), "{la}");
    assert!(
        la.contains("(VI_1) Changing effective priority from 150 to 90"),
        "{la}"
    );

    // The service is back: rise (2) successes, priority 150 again, the VIP returns.
    let _svc_a = Service::start(&pa);
    lab.wait_log(
        'a',
        "VRRP_Script(chk_syslog_ng) succeeded",
        2,
        Duration::from_secs(5),
    );
    lab.wait_sole_owner('a', Duration::from_secs(4));

    let s = status(&lab, 'a', false);
    assert!(
        s.contains("State: MASTER") && s.contains("Priority: 150 (base 150)"),
        "{s}"
    );
    assert!(
        s.contains("Track script: chk_syslog_ng weight -60: good"),
        "{s}"
    );
    let s = status(&lab, 'b', false);
    assert!(
        s.contains("State: BACKUP") && s.contains("transitions=3"),
        "{s}"
    );

    lab.stop('a', libc::SIGTERM);
    lab.wait_sole_owner('b', Duration::from_secs(3));
    wait_until(
        Duration::from_secs(3),
        || lines(&log).iter().filter(|l| l.contains("STOP")).count() == 2,
        || format!("notify_stop did not run: {:?}", lines(&log)),
    );
    // Each transition once, in order, with keepalived's arguments for `notify`.
    let of = |host: &str| -> Vec<String> {
        lines(&log)
            .into_iter()
            .filter(|l| l.starts_with(host))
            .collect()
    };
    assert_eq!(
        of("a "),
        [
            "a BACKUP",
            "a INSTANCE VI_1 BACKUP 150",
            "a MASTER",
            "a INSTANCE VI_1 MASTER 150",
            "a BACKUP",
            "a INSTANCE VI_1 BACKUP 90",
            "a MASTER",
            "a INSTANCE VI_1 MASTER 150",
            "a STOP",
            "a INSTANCE VI_1 STOP 150",
        ]
    );
    assert_eq!(
        of("b "),
        [
            "b BACKUP",
            "b INSTANCE VI_1 BACKUP 100",
            "b MASTER",
            "b INSTANCE VI_1 MASTER 100",
            "b BACKUP",
            "b INSTANCE VI_1 BACKUP 100",
            "b MASTER",
            "b INSTANCE VI_1 MASTER 100",
        ]
    );
}

#[test]
fn link_down_faults_the_master_and_link_up_brings_it_back() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let log = lab.dir.join("notify.log");
    let rec = recorder(&lab, "notify.sh", &log);
    let a = lab.write_config("a.conf", &part2_conf('a', "/bin/true", &rec, ""));
    let b = lab.write_config("b.conf", &part2_conf('b', "/bin/true", &rec, ""));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    let link = |state: &str| {
        let ok = Command::new("ip")
            .args(["-n", &lab.ns('a'), "link", "set", "enp0s1", state])
            .status()
            .unwrap()
            .success();
        assert!(ok, "ip link set enp0s1 {state}");
    };
    link("down");
    lab.wait_log(
        'a',
        "(VI_1) Entering FAULT STATE",
        1,
        Duration::from_secs(3),
    );
    lab.wait_sole_owner('b', Duration::from_secs(6));
    assert!(status(&lab, 'a', false).contains("State: FAULT"));
    link("up");
    lab.wait_log('a', "Netlink reports enp0s1 up", 1, Duration::from_secs(3));
    lab.wait_sole_owner('a', Duration::from_secs(6));
    let la = lab.log('a');
    assert!(la.contains("Netlink reports enp0s1 down"), "{la}");
    assert_eq!(la.matches("Entering FAULT STATE").count(), 1, "{la}");
    assert_eq!(
        lines(&log)
            .iter()
            .filter(|l| l.starts_with("a ") && !l.contains("INSTANCE"))
            .collect::<Vec<_>>(),
        ["a BACKUP", "a MASTER", "a FAULT", "a BACKUP", "a MASTER"]
    );
}

#[test]
fn a_hanging_check_is_killed_at_its_timeout_and_adverts_stay_on_time() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let log = lab.dir.join("notify.log");
    let rec = recorder(&lab, "notify.sh", &log);
    // A unique argument so leftovers can be found in /proc.
    let hang = "/bin/sleep 30.4217";
    // weight +10: added while the check succeeds, so a hanging (failing) check leaves a
    // at its base 150 — still Master, and it must keep advertising on time.
    let a = part2_conf('a', hang, &rec, "")
        .replace("interval 1\n", "interval 1\n  timeout 0.5\n")
        .replace("weight -60", "weight 10");
    let a = lab.write_config("a.conf", &a);
    let b = lab.write_config("b.conf", &part2_conf('b', "/bin/true", &rec, ""));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    lab.wait_log(
        'a',
        "VRRP_Script(chk_syslog_ng) timed out",
        1,
        Duration::from_secs(4),
    );
    // a keeps running (and killing) the hanging check every second while it advertises.
    let before = counter(&status(&lab, 'b', true), "adverts_rx");
    let window = Duration::from_secs(5);
    std::thread::sleep(window);
    let after = counter(&status(&lab, 'b', true), "adverts_rx");
    assert!(
        after - before >= 4,
        "b received {} adverts from a in {window:?}",
        after - before
    );
    let la = lab.log('a');
    assert!(
        la.matches("timed out").count() == 1,
        "logged once per change: {la}"
    );
    let s = status(&lab, 'a', false);
    assert!(
        s.contains("State: MASTER") && s.contains("Priority: 150 (base 150)"),
        "{s}"
    );
    assert!(
        s.contains("Track script: chk_syslog_ng weight 10: failed"),
        "{s}"
    );
    let lb = lab.log('b');
    assert!(!lb.contains("Entering MASTER STATE"), "{lb}");
    // At most the run in progress exists; none survive the daemon.
    assert!(processes(hang) <= 1);
    lab.stop('a', libc::SIGTERM);
    wait_until(
        Duration::from_secs(2),
        || processes(hang) == 0,
        || "a killed check outlived the daemon".into(),
    );
}

/// Seconds since the epoch, now.
fn wall_now() -> f64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    t.unwrap().as_secs_f64()
}

/// The number after `key` in `json` (a time: seconds with three decimals).
fn lab_time(json: &str, key: &str) -> f64 {
    let at = json
        .find(key)
        .unwrap_or_else(|| panic!("no {key} in {json}"))
        + key.len();
    let n: String = json[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    assert_eq!(n.split('.').nth(1).map(str::len), Some(3), "{n}: {json}");
    n.parse().unwrap()
}

/// A counter of the first instance in `status --json` output.
fn counter(json: &str, name: &str) -> u64 {
    let key = format!("\"{name}\":");
    let at = json
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {json}"))
        + key.len();
    json[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn a_sync_group_faults_and_moves_together() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let log = lab.dir.join("notify.log");
    let rec = recorder(&lab, "notify.sh", &log);
    let flag = lab.dir.join("healthy-a");
    std::fs::write(&flag, "").unwrap();
    // VI_1 tracks the check with weight 0 (fault); VI_2 tracks nothing but shares the group.
    let second = |host: char, prio: u32| {
        format!(
            "vrrp_instance VI_2 {{
  interface enp0s1
  virtual_router_id 2
  priority {prio}
  advert_int 1
  virtual_ipaddress {{
    198.51.100.10/24
  }}
}}
vrrp_sync_group G1 {{
  group {{
    VI_1
    VI_2
  }}
}}
# {host}
"
        )
    };
    let check_a = format!("/usr/bin/test -e {}", flag.display());
    let conf = |host: char, check: &str, prio: u32| {
        part2_conf(host, check, &rec, "").replace("weight -60", "weight 0") + &second(host, prio)
    };
    let a = lab.write_config("a.conf", &conf('a', &check_a, 150));
    let b = lab.write_config("b.conf", &conf('b', "/bin/true", 100));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    let vip2 = |h: char| has_addr(&lab.ns(h), "198.51.100.10");
    wait_until(
        Duration::from_secs(5),
        || vip2('a') && !vip2('b'),
        || "VI_2 not on a".into(),
    );
    std::fs::remove_file(&flag).unwrap();
    // VI_1's check fails → VI_1 FAULT → the group faults VI_2 too; both VIPs move to b.
    lab.wait_sole_owner('b', Duration::from_secs(6));
    wait_until(
        Duration::from_secs(6),
        || vip2('b') && !vip2('a'),
        || format!("VI_2 did not follow: {}", lab.log('a')),
    );
    let s = status(&lab, 'a', false);
    assert_eq!(s.matches("State: FAULT").count(), 2, "{s}");
    assert!(s.contains("Sync group: G1"), "{s}");
    // The group as a whole, and what moved it: VI_1's check.
    assert!(s.contains("\nSync group G1: FAULT\n"), "{s}");
    assert!(
        s.contains("  State: FAULT\n  Last transition: MASTER -> FAULT (fault), "),
        "{s}"
    );
    let j = status(&lab, 'a', true);
    assert!(
        j.contains("\"sync_groups\":[{\"name\":\"G1\",\"state\":\"FAULT\",\"members\":[\"VI_1\",\"VI_2\"],\"last_transition\":{\"time\":"),
        "{j}"
    );
    assert!(
        j.contains(",\"from\":\"MASTER\",\"to\":\"FAULT\",\"reason\":\"fault\"}}]"),
        "{j}"
    );
    std::fs::write(&flag, "").unwrap();
    lab.wait_sole_owner('a', Duration::from_secs(8));
    wait_until(
        Duration::from_secs(6),
        || vip2('a') && !vip2('b'),
        || format!("VI_2 did not come back: {}", lab.log('a')),
    );
}

#[test]
fn status_json_describes_every_instance() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let log = lab.dir.join("notify.log");
    let rec = recorder(&lab, "notify.sh", &log);
    let a = lab.write_config("a.conf", &part2_conf('a', "/bin/true", &rec, ""));
    let started = wall_now();
    lab.start('a', &a);
    wait_until(
        Duration::from_secs(5),
        || lab.owns('a'),
        || "a never became Master".into(),
    );
    let j = status(&lab, 'a', true);
    // The last transition: a Backup at start, Master once nobody was heard; its time is
    // the wall clock's, within this test.
    let t = lab_time(&j, "\"last_transition\":{\"time\":");
    assert!(
        t > started && t < wall_now() + 1.0,
        "{t} not in this test: {j}"
    );
    for needle in [
        ",\"from\":\"BACKUP\",\"to\":\"MASTER\",\"reason\":\"master_down\"}",
        "\"sync_groups\":[]",
        "{\"router_id\":\"sysloga\",\"instances\":[{\"name\":\"VI_1\",\"state\":\"MASTER\"",
        "\"priority\":{\"base\":150,\"effective\":150}",
        "\"vips\":[{\"address\":\"192.0.2.10\",\"prefix\":24,\"dev\":\"enp0s1\"}]",
        "{\"type\":\"script\",\"name\":\"chk_syslog_ng\",\"weight\":-60,\"reverse\":false,\"result\":\"good\"}",
        "{\"type\":\"interface\",\"name\":\"enp0s1\",\"weight\":0,\"reverse\":false,\"result\":\"good\"}",
        "\"discarded\":{\"vrid\":0",
    ] {
        assert!(j.contains(needle), "{needle} not in {j}");
    }
    // Well-formed, when a JSON parser is at hand.
    if let Ok(mut py) = Command::new("python3")
        .args(["-c", "import json,sys; json.load(sys.stdin)"])
        .stdin(Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        py.stdin.take().unwrap().write_all(j.as_bytes()).unwrap();
        assert!(py.wait().unwrap().success(), "invalid JSON: {j}");
    }
    // SIGUSR1 writes the text form to the dump file.
    lab.signal('a', libc::SIGUSR1);
    let dump = lab.pid_file('a').with_extension("data");
    wait_until(
        Duration::from_secs(3),
        || dump.exists(),
        || "no dump".into(),
    );
    let text = std::fs::read_to_string(&dump).unwrap();
    assert!(
        text.contains("Track script: chk_syslog_ng weight -60: good"),
        "{text}"
    );
    assert!(
        text.contains("  State: MASTER\n  Last transition: BACKUP -> MASTER (master_down), "),
        "{text}"
    );
    let ago = text.split("(master_down), ").nth(1).unwrap();
    let ago: f64 = ago.split(" s ago\n").next().unwrap().parse().unwrap();
    assert!((0.0..60.0).contains(&ago), "{text}");
    // Nobody there: a clear error, exit 1.
    let (code, out) = run_cli(&["status", "-p", "/nonexistent/x.pid"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no answer on /nonexistent/x.sock"), "{out}");
}

#[test]
fn a_weighted_track_interface_lowers_the_priority_instead_of_faulting() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let ns = lab.ns('a');
    let ip = |args: &[&str]| {
        let ok = Command::new("ip")
            .args(["-n", &ns])
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "ip {args:?}");
    };
    // An uplink stand-in that exists only in a's namespace (a veth pair: this kernel
    // may lack the dummy driver).
    ip(&[
        "link", "add", "uplink0", "type", "veth", "peer", "name", "uplink0p",
    ]);
    ip(&["link", "set", "uplink0p", "up"]);
    ip(&["link", "set", "uplink0", "up"]);
    let log = lab.dir.join("notify.log");
    let rec = recorder(&lab, "notify.sh", &log);
    let extra = "  track_interface {\n    uplink0 weight -60\n  }\n";
    let a = lab.write_config("a.conf", &part2_conf('a', "/bin/true", &rec, extra));
    let b = lab.write_config("b.conf", &part2_conf('b', "/bin/true", &rec, ""));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    ip(&["link", "set", "uplink0", "down"]);
    lab.wait_sole_owner('b', Duration::from_secs(4));
    let s = status(&lab, 'a', false);
    assert!(
        s.contains("State: BACKUP") && s.contains("Priority: 90 (base 150)"),
        "{s}"
    );
    assert!(
        s.contains("Track interface: uplink0 weight -60: failed"),
        "{s}"
    );
    assert!(!lab.log('a').contains("FAULT"), "{}", lab.log('a'));
    ip(&["link", "set", "uplink0", "up"]);
    lab.wait_sole_owner('a', Duration::from_secs(4));
}

/// An interface deleted and created again (a USB NIC re-plugged, a PPP link redialled)
/// gets a new index: the daemon re-opens its socket and the node works again, no restart.
#[test]
fn a_re_created_interface_is_picked_up_again() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let log = lab.dir.join("notify.log");
    let rec = recorder(&lab, "notify.sh", &log);
    let a = lab.write_config("a.conf", &part2_conf('a', "/bin/true", &rec, ""));
    let b = lab.write_config("b.conf", &part2_conf('b', "/bin/true", &rec, ""));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(5));
    let (ns_a, lan) = (lab.ns('a'), format!("{}-lan", lab.name));
    let run = |args: &[&str]| {
        assert!(
            Command::new("ip").args(args).status().unwrap().success(),
            "ip {args:?}"
        );
    };
    // Deleting one end of the veth deletes both: a loses its interface, b takes over.
    run(&["-n", &ns_a, "link", "del", "enp0s1"]);
    lab.wait_sole_owner('b', Duration::from_secs(6));
    run(&[
        "-n", &lan, "link", "add", "port-a", "type", "veth", "peer", "name", "enp0s1", "netns",
        &ns_a,
    ]);
    run(&["-n", &lan, "link", "set", "port-a", "master", "br0", "up"]);
    run(&["-n", &ns_a, "addr", "add", "192.0.2.11/24", "dev", "enp0s1"]);
    run(&["-n", &ns_a, "link", "set", "enp0s1", "up"]);
    lab.wait_log('a', "enp0s1 was re-created", 1, Duration::from_secs(3));
    // Back to normal: a preempts again, which needs its adverts to flow on the new socket.
    lab.wait_sole_owner('a', Duration::from_secs(8));
}

/// A script gets stdin/stdout/stderr and nothing else: not a descriptor the daemon was
/// started with (a service manager's, a shell's redirection), nor the variables that
/// make the loader or a shell run foreign code (keepalived clears IFS, LD_PRELOAD and
/// LD_LIBRARY_PATH); the rest of the environment it keeps.
#[test]
fn scripts_inherit_no_stray_descriptor_nor_loader_variables() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let out = lab.dir.join("child.txt");
    let script = lab.write_config(
        "notify.sh",
        &format!(
            "#!/bin/sh\n{{ tr '\\0' '\\n' < /proc/$$/environ; echo \"fd77=$(readlink /proc/$$/fd/77)\"; }} > {}.tmp\nmv {0}.tmp {0}\n",
            out.display()
        ),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let seed = std::fs::read_to_string(config_path("syslog1.conf")).unwrap();
    let conf = seed.replacen(
        "  advert_int 1",
        &format!("  advert_int 1\n  notify_master {}", script.display()),
        1,
    );
    let conf = lab.write_config("a.conf", &conf);
    for (k, v) in [
        ("LD_PRELOAD", "/nonexistent/preload.so"),
        ("LD_LIBRARY_PATH", "/nonexistent"),
        ("LD_AUDIT", "/nonexistent/audit.so"),
        ("IFS", "x"),
        ("BASH_ENV", "/nonexistent/bashrc"),
        ("TINYVRRPD_TEST_KEPT", "kept"),
    ] {
        lab.env.push((k.into(), v.into()));
    }
    // An inherited descriptor without close-on-exec, as a careless starter leaves one.
    let marker = std::fs::File::create(lab.dir.join("inherited")).unwrap();
    use std::os::fd::AsRawFd;
    // SAFETY: dup2 onto a descriptor number this test owns until the close below.
    assert_eq!(unsafe { libc::dup2(marker.as_raw_fd(), 77) }, 77);
    lab.start('a', &conf);
    // SAFETY: closes the duplicate made above, in this process only.
    unsafe { libc::close(77) };
    lab.wait_sole_owner('a', Duration::from_secs(5));
    wait_until(
        Duration::from_secs(5),
        || out.exists(),
        || format!("notify_master did not run:\n{}", lab.log('a')),
    );
    let seen = std::fs::read_to_string(&out).unwrap();
    assert!(seen.contains("TINYVRRPD_TEST_KEPT=kept"), "{seen}");
    assert!(
        seen.contains("fd77=\n"),
        "fd 77 leaked into the script:\n{seen}"
    );
    for var in [
        "LD_PRELOAD=",
        "LD_LIBRARY_PATH=",
        "LD_AUDIT=",
        "IFS=",
        "BASH_ENV=",
    ] {
        assert!(
            !seen.lines().any(|l| l.starts_with(var)),
            "{var} reached the script:\n{seen}"
        );
    }
}

/// A VRRPv3 pair at 200 ms adverts (a: 150, b: 100), unicast: `top` before the instances,
/// `extra` in VI_1, and with `group` a second instance VI_2 (VRID 2) and sync group G1
/// of both, with `group` in it.
fn fast_conf(host: char, top: &str, extra: &str, group: Option<&str>) -> String {
    let (me, peer, prio, state) = match host {
        'a' => (11, 12, 150, "MASTER"),
        _ => (12, 11, 100, "BACKUP"),
    };
    let inst = |name: &str, vrid: u8, vip: &str, extra: &str| {
        format!(
            "vrrp_instance {name} {{
  state {state}
  interface enp0s1
  virtual_router_id {vrid}
  priority {prio}
  version 3
  advert_int 0.2
  unicast_src_ip 192.0.2.{me}
  unicast_peer {{
    192.0.2.{peer}
  }}
  virtual_ipaddress {{
    {vip} dev enp0s1
  }}
{extra}
}}
"
        )
    };
    let mut s = format!("{top}\n{}", inst("VI_1", 1, "192.0.2.10/24", extra));
    if let Some(g) = group {
        s += &inst("VI_2", 2, "198.51.100.10/24", "");
        s += &format!("vrrp_sync_group G1 {{\n  group {{\n    VI_1\n    VI_2\n  }}\n{g}\n}}\n");
    }
    s
}

/// A process only this lab runs: a copy of sleep named `name` (its comm).
fn lone_process(lab: &Lab, name: &str) -> Service {
    let path = lab.dir.join(name);
    if !path.exists() {
        std::fs::copy("/bin/sleep", &path).unwrap();
    }
    let child = Command::new(&path)
        .arg("600")
        .stdin(Stdio::null())
        .spawn()
        .expect("start tracked process");
    Service { child }
}

#[test]
fn killing_a_tracked_process_or_writing_a_tracked_file_moves_the_vip() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    // /proc/PID/comm keeps 15 bytes.
    let name: String = format!("tvp{}", lab.name).chars().take(15).collect();
    let file = lab.dir.join("level");
    let top = format!(
        "vrrp_track_process svc {{
  process {name}
  weight -60
}}
track_file level {{
  file {}
  weight -1
  init_file 0
}}",
        file.display()
    );
    let extra = "  track_process {\n    svc\n  }\n  track_file {\n    level\n  }";
    let a = lab.write_config("a.conf", &fast_conf('a', &top, extra, None));
    let b = lab.write_config("b.conf", &fast_conf('b', "", "", None));
    let svc = lone_process(&lab, &name);
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(3));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "0\n", "init_file");

    // Without process events (any namespace but the first) /proc is scanned every
    // second: the VIP moves within a scan and b's Skew_Time (0.12 s).
    svc.kill();
    let took = lab.wait_sole_owner('b', Duration::from_millis(2500));
    eprintln!("tracked process killed: VIP moved in {took:?}");
    lab.wait_log(
        'a',
        "Quorum lost for tracked process svc",
        1,
        Duration::from_secs(1),
    );
    let s = status(&lab, 'a', false);
    assert!(s.contains("Priority: 90 (base 150)"), "{s}");
    assert!(
        s.contains("Track process: svc weight -60: failed (value 0)"),
        "{s}"
    );
    let svc = lone_process(&lab, &name);
    let took = lab.wait_sole_owner('a', Duration::from_millis(2500));
    eprintln!("tracked process back: VIP back in {took:?}");

    // A number in the tracked file, times its weight -1: 150 - 60 < 100. inotify tells
    // at once.
    std::fs::write(&file, "60\n").unwrap();
    let took = lab.wait_sole_owner('b', Duration::from_secs(1));
    eprintln!("tracked file 60: VIP moved in {took:?}");
    let s = status(&lab, 'a', false);
    assert!(s.contains("Priority: 90 (base 150)"), "{s}");
    assert!(
        s.contains("Track file: level weight -1: good (value 60)"),
        "{s}"
    );
    std::fs::write(&file, "0\n").unwrap();
    lab.wait_sole_owner('a', Duration::from_secs(1));
    lab.wait_log(
        'a',
        "Track file level value changed from 60 to 0",
        1,
        Duration::from_secs(1),
    );
    assert_eq!(lab.stop('a', libc::SIGTERM), Some(0));
    drop(svc);
}

/// Whether `line` is `SUBJECT "NAME" STATE ...` of a FIFO line.
fn fifo_line_is(line: &str, subject: &str, state: &str) -> bool {
    line.starts_with(subject) && line.split(' ').nth(2) == Some(state)
}

/// The FIFO lines of `subject` ("INSTANCE \"VI_1\"", "GROUP \"G1\""): their states.
fn states_of<'a>(lines: &'a [String], subject: &str) -> Vec<&'a str> {
    lines
        .iter()
        .filter(|l| l.starts_with(subject))
        .filter_map(|l| l.split(' ').nth(2))
        .collect()
}

#[test]
fn a_fifo_reader_sees_every_transition_in_order_and_group_scripts_run_once_per_group_transition() {
    if !can_run_lab() {
        return;
    }
    let mut lab = Lab::new();
    let (fifo, stalled) = (lab.dir.join("fifo"), lab.dir.join("stalled"));
    let out = lab.dir.join("fifo.out");
    let reader = lab.write_config(
        "reader.sh",
        &format!("#!/bin/sh\nexec cat \"$1\" >> {}\n", out.display()),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&reader, std::fs::Permissions::from_mode(0o755)).unwrap();
    let glog = lab.dir.join("group.log");
    let rec = recorder(&lab, "group.sh", &glog);
    let top = format!(
        "global_defs {{
  notify_fifo {}
  notify_fifo_script {}
  vrrp_notify_fifo {}
}}",
        fifo.display(),
        reader.display(),
        stalled.display()
    );
    let group = format!("  notify {}", rec.display());
    let a = lab.write_config("a.conf", &fast_conf('a', "", "", Some("")));
    let b = lab.write_config("b.conf", &fast_conf('b', &top, "", Some(&group)));
    lab.start('a', &a);
    lab.start('b', &b);
    lab.wait_sole_owner('a', Duration::from_secs(3));
    wait_until(
        Duration::from_secs(2),
        || stalled.exists(),
        || "no FIFO".into(),
    );

    // A reader of the second FIFO that stalls, with its pipe full.
    use std::io::{Read, Write};
    use std::os::unix::fs::OpenOptionsExt;
    let nonblock = libc::O_NONBLOCK;
    let mut rd = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nonblock)
        .open(&stalled)
        .unwrap();
    let mut wr = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(nonblock)
        .open(&stalled)
        .unwrap();
    let junk = [b'#'; 4096];
    let mut filled = 0;
    while let Ok(n) = wr.write(&junk) {
        filled += n;
        assert!(filled < 1 << 24, "the pipe never fills");
    }
    drop(wr);

    // b becomes Master (a stops) and keeps advertising on time with that pipe full.
    lab.signal('a', libc::SIGTERM);
    lab.wait_sole_owner('b', Duration::from_secs(2));
    assert_eq!(lab.wait_exit('a'), Some(0));
    std::thread::sleep(Duration::from_millis(300));
    let sent = || counter(&status(&lab, 'b', true), "adverts_tx");
    let before = sent();
    std::thread::sleep(Duration::from_secs(1));
    let adverts = sent() - before;
    assert!(
        (4..=6).contains(&adverts),
        "{adverts} adverts in 1 s at 200 ms"
    );
    lab.start('a', &a);
    lab.wait_sole_owner('a', Duration::from_secs(2));
    wait_until(
        Duration::from_secs(2),
        || has_addr(&lab.ns('a'), "198.51.100.10") && !has_addr(&lab.ns('b'), "198.51.100.10"),
        || "VI_2 did not follow VI_1".into(),
    );
    std::thread::sleep(Duration::from_millis(300));

    // The stalled reader catches up: what waited comes, then the rest, to the end (the
    // FIFO's writers gone: ours, and the daemon's at its stop).
    let mut all = Vec::new();
    let mut buf = [0u8; 65536];
    let mut stopped = false;
    let start = Instant::now();
    loop {
        match rd.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let lines = all.iter().filter(|&&c| c == b'\n').count();
                if lines >= 9 && !stopped {
                    assert_eq!(lab.stop('b', libc::SIGTERM), Some(0));
                    stopped = true;
                }
                assert!(
                    start.elapsed() < Duration::from_secs(5),
                    "{}",
                    String::from_utf8_lossy(&all).replace('#', "")
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(stopped);
    let text = String::from_utf8_lossy(&all);
    let late: Vec<String> = text.replace('#', "").lines().map(str::to_string).collect();
    wait_until(
        Duration::from_secs(2),
        || lines(&out).len() >= 12,
        || format!("the FIFO reader saw {:?}", lines(&out)),
    );
    let seen = lines(&out);
    assert_eq!(late, seen, "the stalled FIFO lost or reordered lines");

    // Every transition, in order: per instance and for the group.
    let cycle = ["BACKUP", "MASTER", "BACKUP", "STOP"];
    assert_eq!(states_of(&seen, "INSTANCE \"VI_1\""), cycle, "{seen:?}");
    assert_eq!(states_of(&seen, "INSTANCE \"VI_2\""), cycle, "{seen:?}");
    assert_eq!(states_of(&seen, "GROUP \"G1\""), cycle, "{seen:?}");
    assert!(
        seen.contains(&"INSTANCE \"VI_1\" MASTER 100".to_string()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&"GROUP \"G1\" MASTER 0".to_string()),
        "{seen:?}"
    );
    // The group is MASTER once both members are, STOP once both have stopped.
    for state in ["MASTER", "STOP"] {
        let at = |subject: &str| {
            seen.iter()
                .position(|l| fifo_line_is(l, subject, state))
                .unwrap()
        };
        let g = at("GROUP");
        assert!(
            g > at("INSTANCE \"VI_1\"") && g > at("INSTANCE \"VI_2\""),
            "{seen:?}"
        );
    }
    // The group's notify script: once per group transition, keepalived's arguments.
    assert_eq!(
        lines(&glog),
        [
            "GROUP G1 BACKUP 0",
            "GROUP G1 MASTER 0",
            "GROUP G1 BACKUP 0",
            "GROUP G1 STOP 0"
        ]
    );
}
