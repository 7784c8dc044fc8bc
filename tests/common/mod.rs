//! Harness for integration tests: a lab of network namespaces (tests/lab.sh) and real
//! tinyvrrpd processes in them. Everything is torn down on drop, panics included;
//! processes are stopped by PID.
#![allow(dead_code)]

pub mod flood;
pub mod scenario;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_tinyvrrpd");

/// The tinyvrrpd nodes run unless a test says otherwise: TINYVRRPD_BIN if set (the
/// static build in tests/bench/flood.sh; another build to compare against), else cargo's.
pub fn default_bin() -> PathBuf {
    std::env::var_os("TINYVRRPD_BIN").map_or_else(|| PathBuf::from(BIN), PathBuf::from)
}

/// A tinyvrrpd binary a node runs: the one cargo built (the default), or a static router
/// build from cross/build.sh, run natively or through qemu-user (tests/routers.rs).
#[derive(Debug, Clone)]
pub struct TinyBin {
    pub path: PathBuf,
    /// qemu-user for a foreign architecture (`qemu-arm-static`), None to run natively.
    pub emulator: Option<&'static str>,
}

impl TinyBin {
    /// The cross build of `target` (cross/out/TARGET/tinyvrrpd), which must exist.
    pub fn cross(target: &str, emulator: Option<&'static str>) -> TinyBin {
        let path = manifest_dir()
            .join("cross/out")
            .join(target)
            .join("tinyvrrpd");
        assert!(
            path.exists(),
            "{} is missing: run cross/build.sh {target} first",
            path.display()
        );
        if let Some(q) = emulator {
            assert!(
                Command::new(q).arg("--version").output().is_ok(),
                "{q} is missing (apt-get install qemu-user-static)"
            );
        }
        TinyBin { path, emulator }
    }
}
pub const VIP: &str = "192.0.2.10";
/// The IPv6 tests' VIP (RFC 3849 documentation prefix).
pub const VIP6: &str = "2001:db8::10";

/// Labs alive at once in this test binary (`LabSlot`).
static LABS: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

/// One of the TINYVRRPD_LABS labs a test binary may run at once (default 1: its tests
/// measure failover times, and labs competing for a 2-core machine add noise; tests/run.sh
/// allows more for the binaries whose tests mostly wait on 1 s adverts).
struct LabSlot;

impl LabSlot {
    fn take() -> LabSlot {
        let most = std::env::var("TINYVRRPD_LABS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1usize)
            .max(1);
        let (count, freed) = &LABS;
        let mut n = count.lock().unwrap_or_else(|p| p.into_inner());
        while *n >= most {
            n = freed.wait(n).unwrap_or_else(|p| p.into_inner());
        }
        *n += 1;
        LabSlot
    }
}

impl Drop for LabSlot {
    fn drop(&mut self) {
        let (count, freed) = &LABS;
        *count.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        freed.notify_one();
    }
}
static NEXT: AtomicU32 = AtomicU32::new(0);

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn config_path(name: &str) -> PathBuf {
    manifest_dir().join("tests/configs").join(name)
}

/// The real keepalived for interop tests (tests/run.sh installs it). Missing outside CI:
/// skipped with a message; in CI a skip would hide that nothing ran.
pub fn can_run_keepalived() -> bool {
    if !can_run_lab() {
        return false;
    }
    if Command::new("keepalived").arg("--version").output().is_ok() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("interop tests need keepalived (apt-get install keepalived)");
    }
    eprintln!("skipping: keepalived is not installed");
    false
}

/// FRR's vrrpd for interop tests (tests/run.sh installs Debian's frr); as for keepalived.
pub fn can_run_frr() -> bool {
    if !can_run_lab() {
        return false;
    }
    if Path::new("/usr/lib/frr/vrrpd").exists() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("interop tests need FRR (apt-get install frr)");
    }
    eprintln!("skipping: FRR is not installed");
    false
}

/// FRR's per-instance path space (-N): its sockets and pid files under /var/run/frr/.
fn frr_space(ns: &str) -> String {
    ns.replace('-', "")
}

/// Prepare `ns` for FRR and start zebra there: the macvlan with the virtual MAC and the
/// VIP (vrrpd finds it by MAC and toggles its protodown), and a run directory FRR's
/// unprivileged user owns. Returns once zebra's API socket exists.
fn start_zebra(ns: &str, space: &str, dir: &Path, log: &fs::File, vip: &str) -> Child {
    let (macvlan, mac) = frr_macvlan(vip);
    let vip_plen = if vip.contains(':') {
        format!("{vip}/64")
    } else {
        format!("{vip}/24")
    };
    for args in [
        vec![
            "link", "add", macvlan, "link", "enp0s1", "type", "macvlan", "mode", "bridge",
        ],
        vec!["link", "set", macvlan, "address", mac],
        // nodad: the VIP moves between routers and is on the other one right now.
        vec!["addr", "add", &vip_plen, "dev", macvlan, "nodad"],
        // Protodown until vrrpd makes it Master, so it cannot count as an owner before
        // FRR has even started.
        vec!["link", "set", macvlan, "protodown", "on"],
        vec!["link", "set", macvlan, "up"],
    ] {
        let st = Command::new("ip")
            .args(["-n", ns])
            .args(&args)
            .status()
            .unwrap();
        assert!(st.success(), "ip -n {ns} {args:?}");
        if args[..2] == ["link", "add"] && vip.contains(':') {
            // FRR sends IPv6 adverts from the macvlan's link-local address: without DAD
            // it is usable the moment vrrpd lifts protodown (else the first Master
            // second or two cannot advertise at all: "Failed to find address to bind").
            let st = Command::new("ip")
                .args(["netns", "exec", ns, "sh", "-c"])
                .arg(format!(
                    "echo 0 > /proc/sys/net/ipv6/conf/{macvlan}/accept_dad"
                ))
                .status()
                .unwrap();
            assert!(st.success(), "accept_dad on {macvlan} in {ns}");
        }
    }
    let run = PathBuf::from(format!("/var/run/frr/{space}"));
    fs::create_dir_all(&run).unwrap();
    assert!(
        Command::new("chown")
            .args(["frr:frr"])
            .arg(&run)
            .status()
            .unwrap()
            .success()
    );
    let conf = dir.join(format!("{space}-zebra.conf"));
    fs::write(&conf, "frr defaults traditional\n").unwrap();
    let child = Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "/usr/lib/frr/zebra",
            "-N",
            space,
            "-P",
            "0",
            "--log",
            "stdout",
            "-f",
        ])
        .arg(&conf)
        .arg("-i")
        .arg(run.join("zebra.pid"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log.try_clone().unwrap())
        .spawn()
        .expect("spawn zebra");
    let start = Instant::now();
    while !run.join("zserv.api").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "zebra did not start in {ns}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

/// Root and `ip` are needed. Without them the test is skipped with a message, except in
/// CI (CI=true), where a skip would hide that nothing ran.
pub fn can_run_lab() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let ip = Command::new("ip").arg("-V").output().is_ok();
    if root && ip {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("namespace tests need root and iproute2 (root={root}, ip={ip})");
    }
    eprintln!("skipping: namespace tests need root and iproute2");
    false
}

pub struct Lab {
    pub name: String,
    pub dir: PathBuf,
    /// The address `owns`, `has_vip` and the client's ping look at (VIP unless a test
    /// runs IPv6 instances).
    pub vip: &'static str,
    _slot: LabSlot,
    nodes: Vec<Node>,
    /// Nodes that run another tinyvrrpd than `BIN` (see `use_binary`).
    bins: Vec<(char, TinyBin)>,
    /// Added to the environment of the daemons started from now on.
    pub env: Vec<(String, String)>,
    /// Added to tinyvrrpd's command line from now on (`-i ID`, say).
    pub args: Vec<String>,
}

/// Which VRRP daemon a node runs: ours, or the real keepalived for interop tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vrrpd {
    Tiny,
    Keepalived,
    /// FRR's vrrpd (with zebra), which serves the VIP from a macvlan carrying the virtual
    /// MAC and marks it protodown while not Master.
    Frr,
}

/// The macvlan FRR's vrrpd needs for VRID 1 over IPv4, and its virtual MAC.
pub const FRR_MACVLAN: &str = "vrrp4-2-1";
pub const VMAC_VRID1: &str = "00:00:5e:00:01:01";

/// FRR's macvlan name and virtual MAC for VRID 1 of the VIP's family.
pub fn frr_macvlan(vip: &str) -> (&'static str, &'static str) {
    if vip.contains(':') {
        ("vrrp6-2-1", "00:00:5e:00:02:01")
    } else {
        (FRR_MACVLAN, VMAC_VRID1)
    }
}

pub struct Node {
    pub host: char,
    pub daemon: Vrrpd,
    pub child: Option<Child>,
    /// FRR: zebra, which vrrpd needs; it runs for the node's whole life.
    pub zebra: Option<Child>,
    pub log: PathBuf,
    pub pid_file: PathBuf,
    pub config: PathBuf,
}

impl Lab {
    pub fn new() -> Lab {
        let slot = LabSlot::take();
        let name = format!(
            "tv{}-{}",
            std::process::id() % 100_000,
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let dir = std::env::temp_dir().join(format!("tinyvrrpd-{name}"));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        lab_sh("up", &name);
        Lab {
            name,
            dir,
            vip: VIP,
            _slot: slot,
            nodes: Vec::new(),
            bins: Vec::new(),
            env: Vec::new(),
            args: Vec::new(),
        }
    }

    /// From now on, tinyvrrpd on `host` is `bin` (a router build, maybe under qemu).
    pub fn use_binary(&mut self, host: char, bin: &TinyBin) {
        self.bins.retain(|(h, _)| *h != host);
        self.bins.push((host, bin.clone()));
    }

    pub fn ns(&self, host: char) -> String {
        format!("{}-{}", self.name, host)
    }

    /// Start (or restart) tinyvrrpd on `host` with `config`, in the foreground, logging
    /// to the console, with its own pid file.
    pub fn start(&mut self, host: char, config: &Path) {
        self.start_with(host, Vrrpd::Tiny, config);
    }

    /// Start (or restart) `daemon` on `host`, in the foreground, logging to a file.
    pub fn start_with(&mut self, host: char, daemon: Vrrpd, config: &Path) {
        let ns = self.ns(host);
        let dir = self.dir.clone();
        let idx = match self.nodes.iter().position(|n| n.host == host) {
            Some(i) => i,
            None => {
                self.nodes.push(Node {
                    host,
                    daemon,
                    child: None,
                    zebra: None,
                    log: dir.join(format!("{host}.log")),
                    pid_file: dir.join(format!("{host}.pid")),
                    config: config.to_path_buf(),
                });
                self.nodes.len() - 1
            }
        };
        let bin = self.bins.iter().find(|(h, _)| *h == host).map(|(_, b)| b);
        let node = &mut self.nodes[idx];
        assert!(node.child.is_none(), "{host} is already running");
        node.daemon = daemon;
        node.config = config.to_path_buf();
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&node.log)
            .unwrap();
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &ns]);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        match daemon {
            Vrrpd::Tiny => {
                // qemu-user runs the guest in its own process: the PID is still the
                // daemon's, and signals reach it.
                match bin {
                    Some(b) => cmd.args(b.emulator).arg(&b.path),
                    None => cmd.arg(default_bin()),
                };
                cmd.args(["-n", "-l", "-D", "-f"])
                    .arg(config)
                    .arg("-p")
                    .arg(&node.pid_file)
                    .args(&self.args);
            }
            Vrrpd::Keepalived => {
                // -P: VRRP only. The VRRP child's pid file is needed to crash it (below).
                cmd.args(["keepalived", "-n", "-l", "-D", "-P", "--no-syslog", "-f"])
                    .arg(config)
                    .arg("-p")
                    .arg(&node.pid_file)
                    .arg("-r")
                    .arg(dir.join(format!("{host}.vrrp.pid")));
            }
            Vrrpd::Frr => {
                let space = frr_space(&ns);
                if node.zebra.is_none() {
                    node.zebra = Some(start_zebra(&ns, &space, &dir, &log, self.vip));
                }
                cmd.args([
                    "/usr/lib/frr/vrrpd",
                    "-N",
                    &space,
                    "-P",
                    "0",
                    "--log",
                    "stdout",
                    "-f",
                ])
                .arg(config)
                .arg("-i")
                .arg(format!("/var/run/frr/{space}/vrrpd.pid"));
            }
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn VRRP daemon");
        node.child = Some(child);
    }

    fn node(&mut self, host: char) -> &mut Node {
        self.nodes
            .iter_mut()
            .find(|n| n.host == host)
            .expect("unknown node")
    }

    pub fn signal(&mut self, host: char, sig: libc::c_int) {
        let child = self.node(host).child.as_ref().expect("not running");
        // `ip netns exec` execs the daemon, so the child's PID is the daemon's.
        // SAFETY: kill(2) on a PID we spawned and have not reaped.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
    }

    /// Whether `host`'s daemon is still running (not exited, not killed).
    pub fn running(&mut self, host: char) -> bool {
        let child = self.node(host).child.as_mut().expect("not started");
        child.try_wait().unwrap().is_none()
    }

    /// Send `sig` and wait for the process to exit; returns its exit code.
    pub fn stop(&mut self, host: char, sig: libc::c_int) -> Option<i32> {
        let crash_keepalived = sig == libc::SIGKILL && self.node(host).daemon == Vrrpd::Keepalived;
        if crash_keepalived {
            // keepalived's parent restarts a dead VRRP child, and the child resigns
            // (priority 0) when its parent dies: freeze both, then kill both, so neither
            // can react — a real crash.
            let vrrp_pid: libc::pid_t =
                fs::read_to_string(self.dir.join(format!("{host}.vrrp.pid")))
                    .ok()
                    .and_then(|p| p.trim().parse().ok())
                    .expect("keepalived VRRP child pid");
            let parent = self.node(host).child.as_ref().unwrap().id() as libc::pid_t;
            for (pid, s) in [
                (parent, libc::SIGSTOP),
                (vrrp_pid, libc::SIGSTOP),
                (vrrp_pid, libc::SIGKILL),
            ] {
                // SAFETY: kill(2) on PIDs of processes this test started.
                unsafe { libc::kill(pid, s) };
            }
            self.signal(host, sig);
            let code = self.wait_exit(host);
            // The orphaned VRRP child may linger as a zombie (this sandbox's PID 1 does
            // not reap), which keepalived would take for a running daemon: clear its pid
            // file as an admin would after a crash.
            let _ = fs::remove_file(self.dir.join(format!("{host}.vrrp.pid")));
            return code;
        }
        self.signal(host, sig);
        self.wait_exit(host)
    }

    /// Whether `host`'s daemon is still running; its exit status if it is not.
    pub fn exited(&mut self, host: char) -> Option<std::process::ExitStatus> {
        let child = self.node(host).child.as_mut()?;
        child.try_wait().unwrap()
    }

    /// Wait for `host`'s daemon to exit (after a signal); returns its exit code.
    pub fn wait_exit(&mut self, host: char) -> Option<i32> {
        let mut child = self.node(host).child.take().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(st) = child.try_wait().unwrap() {
                return st.code();
            }
            assert!(Instant::now() < deadline, "{host} did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn log(&self, host: char) -> String {
        let mut s = String::new();
        if let Some(n) = self.nodes.iter().find(|n| n.host == host) {
            if let Ok(mut f) = fs::File::open(&n.log) {
                let _ = f.read_to_string(&mut s);
            }
        }
        s
    }

    pub fn has_vip(&self, host: char) -> bool {
        has_addr(&self.ns(host), self.vip)
    }

    /// Whether `host` serves the VIP: the address on enp0s1 (tinyvrrpd, keepalived), or
    /// FRR's macvlan up rather than protodown.
    pub fn owns(&self, host: char) -> bool {
        match self.nodes.iter().find(|n| n.host == host).map(|n| n.daemon) {
            Some(Vrrpd::Frr) => {
                let out = Command::new("ip")
                    .args([
                        "-n",
                        &self.ns(host),
                        "-o",
                        "link",
                        "show",
                        frr_macvlan(self.vip).0,
                    ])
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout).contains(" state UP ")
            }
            _ => self.has_vip(host),
        }
    }

    /// The MAC clients should reach the VIP at when `host` serves it.
    pub fn vip_mac(&self, host: char) -> String {
        match self.nodes.iter().find(|n| n.host == host).map(|n| n.daemon) {
            Some(Vrrpd::Frr) => frr_macvlan(self.vip).1.to_string(),
            _ => mac_of(&self.ns(host)),
        }
    }

    /// After `from` was told to stop: poll until `to` alone holds the VIP, asserting that
    /// at no moment nobody holds it (make before break); returns how long it took.
    pub fn wait_handover_without_gap(&self, from: char, to: char, limit: Duration) -> Duration {
        let start = Instant::now();
        loop {
            let (on_from, on_to) = (self.owns(from), self.owns(to));
            assert!(
                on_from || on_to,
                "nobody held the VIP {:?} after {from} was stopped",
                start.elapsed()
            );
            if on_to && !on_from {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < limit,
                "{to} did not take over within {limit:?}:\n{}",
                self.log(to)
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Poll until `host` alone holds the VIP (among a and b); returns how long it took.
    pub fn wait_sole_owner(&self, host: char, limit: Duration) -> Duration {
        let other = if host == 'a' { 'b' } else { 'a' };
        let start = Instant::now();
        loop {
            if self.owns(host) && !self.owns(other) {
                return start.elapsed();
            }
            if start.elapsed() > limit {
                panic!(
                    "{host} did not become the sole VIP owner within {limit:?}\n--- a.log\n{}\n--- b.log\n{}",
                    self.log('a'),
                    self.log('b')
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Poll until the log of `host` contains `needle` (count ≥ n).
    pub fn wait_log(&self, host: char, needle: &str, n: usize, limit: Duration) {
        let start = Instant::now();
        while self.log(host).matches(needle).count() < n {
            if start.elapsed() > limit {
                panic!(
                    "{host}'s log lacks {n}× {needle:?} after {limit:?}:\n{}",
                    self.log(host)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn write_config(&self, file: &str, text: &str) -> PathBuf {
        let p = self.dir.join(file);
        fs::write(&p, text).unwrap();
        p
    }

    pub fn pid_file(&self, host: char) -> PathBuf {
        self.dir.join(format!("{host}.pid"))
    }

    pub fn ping_vip_from_client(&self) -> bool {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.ns('c'),
                "ping",
                "-c",
                "1",
                "-W",
                "1",
                self.vip,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            for mut c in [n.child.take(), n.zebra.take()].into_iter().flatten() {
                let _ = c.kill();
                let _ = c.wait();
            }
            if n.daemon == Vrrpd::Frr {
                let _ = fs::remove_dir_all(format!(
                    "/var/run/frr/{}",
                    frr_space(&format!("{}-{}", self.name, n.host))
                ));
            }
        }
        lab_sh("down", &self.name);
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn lab_sh(cmd: &str, name: &str) {
    let st = Command::new("bash")
        .arg(manifest_dir().join("tests/lab.sh"))
        .args([cmd, name])
        .status()
        .expect("run tests/lab.sh");
    assert!(st.success(), "tests/lab.sh {cmd} {name} failed");
}

pub fn has_addr(ns: &str, addr: &str) -> bool {
    let out = Command::new("ip")
        .args(["-n", ns, "-o", "addr", "show"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .any(|w| w.split('/').next() == Some(addr))
}

/// Processes whose command line is `cmd` (NUL-separated in /proc): a script killed at
/// its timeout must not be among them.
pub fn processes(cmd: &str) -> usize {
    let want: Vec<u8> = cmd.replace(' ', "\0").into_bytes();
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| fs::read(e.ok()?.path().join("cmdline")).ok())
        .filter(|c| c.starts_with(&want))
        .count()
}

/// Run `tinyvrrpd ARGS` to completion (for -t, -v, -h); returns (exit code, stdout+stderr).
pub fn run_cli(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("run tinyvrrpd");
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), s)
}

/// MAC address of enp0s1 in `ns`.
pub fn mac_of(ns: &str) -> String {
    let out = Command::new("ip")
        .args(["-n", ns, "-o", "link", "show", "enp0s1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut words = text.split_whitespace();
    words
        .find(|w| *w == "link/ether")
        .and_then(|_| words.next())
        .unwrap_or_default()
        .to_string()
}

/// The link-layer address `ns` has cached for `addr`, if any.
pub fn neighbour_mac(ns: &str, addr: &str) -> Option<String> {
    let out = Command::new("ip")
        .args(["-n", ns, "neigh", "show", addr])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut words = text.split_whitespace();
    words
        .find(|w| *w == "lladdr")
        .and_then(|_| words.next())
        .map(str::to_string)
}

/// Send one raw IPv4 datagram (header included, as given) from inside namespace `ns`,
/// to `dst`. A helper thread enters the namespace, so nothing else changes namespace.
pub fn send_raw_from(ns: &str, dst: std::net::Ipv4Addr, datagram: Vec<u8>) {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        let f = fs::File::open(&path).expect("open netns");
        use std::os::fd::AsRawFd;
        // SAFETY: setns on this thread only, with a namespace fd we hold open; raw socket
        // and sendto with buffers valid for the lengths given.
        unsafe {
            assert_eq!(
                libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET),
                0,
                "setns {path}"
            );
            // IPPROTO_RAW: we write the IP header ourselves (TTL, source).
            let fd = libc::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_RAW);
            assert!(fd >= 0, "raw socket");
            let mut sin: libc::sockaddr_in = std::mem::zeroed();
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_addr.s_addr = u32::from(dst).to_be();
            let n = libc::sendto(
                fd,
                datagram.as_ptr().cast(),
                datagram.len(),
                0,
                (&sin as *const libc::sockaddr_in).cast(),
                std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
            );
            libc::close(fd);
            assert_eq!(n, datagram.len() as isize, "sendto");
        }
    })
    .join()
    .unwrap();
}

/// An IPv4 header for protocol 112 in front of `payload` (the kernel fills in the
/// header checksum and id).
pub fn ipv4_datagram(
    src: std::net::Ipv4Addr,
    dst: std::net::Ipv4Addr,
    ttl: u8,
    payload: &[u8],
) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut d = vec![0x45, 0xc0];
    d.extend_from_slice(&total.to_be_bytes());
    d.extend_from_slice(&[0, 0, 0, 0, ttl, 112, 0, 0]);
    d.extend_from_slice(&src.octets());
    d.extend_from_slice(&dst.octets());
    d.extend_from_slice(payload);
    d
}

/// Poll `done` every 20 ms until it holds; after `limit`, fail with `what()`. Returns how
/// long it took.
pub fn wait_until(
    limit: Duration,
    mut done: impl FnMut() -> bool,
    what: impl Fn() -> String,
) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{} (after {limit:?})", what());
        std::thread::sleep(Duration::from_millis(20));
    }
    start.elapsed()
}

/// Run `f` on a new thread inside namespace `ns` (raw sockets there, say); nothing else
/// changes namespace. Join the handle for its result.
pub fn in_netns<T: Send + 'static>(
    ns: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        use std::os::fd::AsRawFd;
        let ns = fs::File::open(&path).expect("open netns");
        // SAFETY: setns on this thread only, with a namespace fd we hold open.
        let rc = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns {path}");
        f()
    })
}

/// (rt_priority, policy) from the text of a /proc/PID/stat: fields 40 and 41 (the 38th
/// and 39th after the ")" that ends the command name).
pub fn sched_of(stat: &str) -> (u32, u32) {
    let f: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    (f[37].parse().unwrap(), f[38].parse().unwrap())
}

impl Lab {
    /// (rt_priority, policy) of `host`'s daemon in its `nth` run (1 = first start; its
    /// log collects every run): read once that run logged its first instance's
    /// `starting:` line, which comes after the policy is set (the pid file comes before).
    pub fn sched(&self, host: char, nth: usize) -> (u32, u32) {
        self.wait_log(host, ") starting: interface", nth, Duration::from_secs(5));
        let pid = fs::read_to_string(self.pid_file(host)).unwrap();
        sched_of(&fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap())
    }

    /// SIGUSR1 `host` and return the state dump it writes (a fresh one, not a previous).
    pub fn state_dump(&mut self, host: char) -> String {
        let dump = self.pid_file(host).with_extension("data");
        let _ = fs::remove_file(&dump);
        self.signal(host, libc::SIGUSR1);
        wait_until(
            Duration::from_secs(5),
            || dump.exists(),
            || format!("{host} wrote no state dump"),
        );
        fs::read_to_string(&dump).unwrap()
    }
}

/// The first VRRP datagram (IPv4 header included) from `src` that namespace `ns`
/// receives within `limit`, joining `group` on enp0s1 for multicast adverts.
pub fn first_advert(
    ns: &str,
    src: std::net::Ipv4Addr,
    group: Option<std::net::Ipv4Addr>,
    limit: Duration,
) -> Option<Vec<u8>> {
    in_netns(ns, move || {
        // SAFETY: socket(2) with constant arguments.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, 112) };
        assert!(fd >= 0, "raw socket");
        let timeout = libc::timeval {
            tv_sec: 0,
            tv_usec: 100_000,
        };
        let name = std::ffi::CString::new("enp0s1").unwrap();
        // SAFETY: each option value is a live local of the size given; the name is
        // NUL-terminated.
        unsafe {
            let t = (&timeout as *const libc::timeval).cast();
            let size = std::mem::size_of_val(&timeout) as u32;
            let rc = libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, t, size);
            assert_eq!(rc, 0);
            if let Some(g) = group {
                let mreq = libc::ip_mreqn {
                    imr_multiaddr: libc::in_addr {
                        s_addr: u32::from(g).to_be(),
                    },
                    imr_address: libc::in_addr { s_addr: 0 },
                    imr_ifindex: libc::if_nametoindex(name.as_ptr()) as i32,
                };
                let m = (&mreq as *const libc::ip_mreqn).cast();
                let size = std::mem::size_of_val(&mreq) as u32;
                let rc = libc::setsockopt(fd, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, m, size);
                assert_eq!(rc, 0, "join {g}");
            }
        }
        let mut buf = [0u8; 4200];
        let start = Instant::now();
        let mut found = None;
        while found.is_none() && start.elapsed() < limit {
            // SAFETY: buf is valid for writes of its length.
            let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n >= 20 && buf[12..16] == src.octets() {
                found = Some(buf[..n as usize].to_vec());
            }
        }
        // SAFETY: closing the socket we opened.
        unsafe { libc::close(fd) };
        found
    })
    .join()
    .unwrap()
}

/// When namespace `ns` saw gratuitous ARPs for `addr` (sender and target address both
/// `addr`) during `window`.
pub fn gratuitous_arps(
    ns: &str,
    addr: std::net::Ipv4Addr,
    window: Duration,
) -> std::thread::JoinHandle<Vec<Instant>> {
    in_netns(ns, move || {
        let proto = (libc::ETH_P_ARP as u16).to_be();
        // SAFETY: socket(2) with constant arguments.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, i32::from(proto)) };
        assert!(fd >= 0, "AF_PACKET socket");
        let timeout = libc::timeval {
            tv_sec: 0,
            tv_usec: 50_000,
        };
        // SAFETY: the option value is a live local of the size given.
        let rc = unsafe {
            let t = (&timeout as *const libc::timeval).cast();
            let size = std::mem::size_of_val(&timeout) as u32;
            libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, t, size)
        };
        assert_eq!(rc, 0);
        let (mut seen, mut buf) = (Vec::new(), [0u8; 128]);
        let start = Instant::now();
        while start.elapsed() < window {
            // SAFETY: buf is valid for writes of its length.
            let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
            // Ethernet header, then ARP: sender IP at 14+14, target IP at 14+24.
            if n >= 42 && buf[28..32] == addr.octets() && buf[38..42] == addr.octets() {
                seen.push(Instant::now());
            }
        }
        // SAFETY: closing the socket we opened.
        unsafe { libc::close(fd) };
        seen
    })
}
