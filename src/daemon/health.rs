//! Tracking at runtime: the `vrrp_script` processes, the state of tracked interfaces,
//! and turning both into each instance's fault or effective priority (the rules are
//! `vrrp::track`'s; sync groups fault together).

use super::{Daemon, Router};
use crate::config::model::{Config, TrackScript};
use crate::os::netlink::{LinkEvent, LinkNews};
use crate::os::process::{self, Cred, Exit, Prepared};
use crate::os::{clock, iface};
use crate::vrrp::group;
use crate::vrrp::machine::State;
use crate::vrrp::timers::Instant;
use crate::vrrp::track::{Check, CheckAction, Health, Tracker, Verdict, verdict};
use log::{error, info, warn};

/// One `vrrp_script` at runtime.
pub(super) struct CheckRun {
    pub cfg: TrackScript,
    pub cmd: Prepared,
    pub check: Check,
    pub pid: Option<i32>,
}

/// A tracked interface (an instance's own or a `track_interface`).
pub(super) struct IfState {
    pub name: String,
    pub up: bool,
}

/// Resolve every tracked `vrrp_script` (program, user, security) — the start-up and
/// `-t` check. Untracked scripts are not run, as in keepalived.
pub fn prepare_scripts(config: &Config) -> Result<Vec<(TrackScript, Prepared)>, String> {
    let default = default_user(config)?;
    let mut out = Vec::new();
    for s in &config.scripts {
        if !config
            .instances
            .iter()
            .any(|i| i.track_scripts.iter().any(|t| t.name == s.name))
        {
            continue;
        }
        let p = process::prepare(&s.command, default, config.script_security)
            .map_err(|e| format!("vrrp_script {} (line {}): {e}", s.name, s.line))?;
        out.push((s.clone(), p));
    }
    Ok(out)
}

pub(super) fn default_user(config: &Config) -> Result<Option<Cred>, String> {
    process::default_user(config.script_user.as_ref()).map_err(|e| format!("script_user: {e}"))
}

impl Daemon {
    /// Replace the running checks with `scripts`, keeping the state (and a run in
    /// progress) of every check whose definition did not change.
    pub(super) fn set_checks(&mut self, scripts: Vec<(TrackScript, Prepared)>, now: Instant) {
        let mut old = core::mem::take(&mut self.checks);
        for (cfg, cmd) in scripts {
            if let Some(k) = old.iter().position(|c| c.cfg == cfg && c.cmd == cmd) {
                self.checks.push(old.swap_remove(k));
                continue;
            }
            let check = Check::new(
                now,
                cfg.interval,
                cfg.timeout,
                cfg.rise,
                cfg.fall,
                cfg.init_fail,
            );
            self.checks.push(CheckRun {
                cfg,
                cmd,
                check,
                pid: None,
            });
        }
        for c in old {
            if let Some(pid) = c.pid {
                process::kill_group(pid);
            }
        }
    }

    /// Interfaces whose state matters: every instance's own and its `track_interface`s.
    pub(super) fn set_tracked_ifaces(&mut self) {
        let mut names: Vec<String> = Vec::new();
        for r in &self.routers {
            let own = core::iter::once(&r.cfg.interface);
            for n in own.chain(r.cfg.track_interfaces.iter().map(|t| &t.name)) {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        let old = core::mem::take(&mut self.ifaces);
        for name in names {
            let up = match old.iter().find(|i| i.name == name) {
                Some(i) => i.up,
                None => iface::is_up(&name).unwrap_or(false),
            };
            self.ifaces.push(IfState { name, up });
        }
    }

    fn iface_up(&self, name: &str) -> bool {
        self.ifaces.iter().any(|i| i.name == name && i.up)
    }

    /// The instance's own verdict: its trackers and its interface.
    fn own_verdict(&self, r: &Router) -> Verdict {
        if r.src.is_none() {
            // No address to advertise from yet (IPv6 link-local in DAD): wait.
            return Verdict::Pending;
        }
        let own_if = Tracker {
            weight: 0,
            reverse: false,
            health: health_of(self.iface_up(&r.cfg.interface)),
        };
        let ifs = r.cfg.track_interfaces.iter().map(|t| Tracker {
            weight: t.weight.unwrap_or(0),
            reverse: t.reverse,
            health: health_of(self.iface_up(&t.name)),
        });
        let scripts = r.cfg.track_scripts.iter().filter_map(|t| {
            let c = self.checks.iter().find(|c| c.cfg.name == t.name)?;
            Some(Tracker {
                weight: t.weight.unwrap_or(c.cfg.weight),
                reverse: t.reverse,
                health: c.check.health(),
            })
        });
        verdict(
            r.cfg.priority,
            core::iter::once(own_if).chain(ifs).chain(scripts),
        )
    }

    /// Recompute every instance's verdict and apply the changes: FAULT in, FAULT out,
    /// effective priority, and the first start once no weight-0 check is pending. A
    /// sync group is as faulty (or pending) as its worst member.
    pub(super) fn refresh_health(&mut self, now: Instant) {
        if self.stopping {
            return;
        }
        let own: Vec<Verdict> = self.routers.iter().map(|r| self.own_verdict(r)).collect();
        for i in 0..self.routers.len() {
            let mut v = own[i];
            if let Some(g) = self.group_of(i) {
                v = group::verdict(v, self.members(g).into_iter().map(|j| own[j]));
                if v == Verdict::Fault && own[i] != Verdict::Fault && self.routers[i].verdict != v {
                    info!(
                        "({}) sync group {}: another member is in FAULT",
                        self.routers[i].cfg.name, self.groups[g].name
                    );
                }
            }
            self.apply_verdict(i, v, now);
        }
    }

    fn apply_verdict(&mut self, i: usize, v: Verdict, now: Instant) {
        let r = &mut self.routers[i];
        r.verdict = v;
        match v {
            Verdict::Pending => {}
            Verdict::Fault => r.m.set_fault(now, true),
            Verdict::Priority(p) => {
                if r.m.priority() != p {
                    info!(
                        "({}) Changing effective priority from {} to {p}",
                        r.cfg.name,
                        r.m.priority()
                    );
                    r.m.set_priority(now, p);
                }
                match r.m.state() {
                    State::Initialize => r.m.start(now),
                    State::Fault => r.m.set_fault(now, false),
                    State::Backup | State::Master => {}
                }
            }
        }
        self.drain(i, now);
    }

    /// A SIGCHLD: reap every ended child and hand it to its check or notifier.
    pub(super) fn reap_children(&mut self) {
        while let Some((pid, exit)) = process::reap() {
            let now = clock::now();
            if let Some(k) = self.checks.iter().position(|c| c.pid == Some(pid)) {
                self.check_ended(k, exit, now);
            } else if let Some(i) = self.routers.iter().position(|r| r.notify.queue.owns(pid)) {
                self.notify_ended(i, pid, exit, now);
            } else if let Some(i) = self.routers.iter().position(|r| r.firewall.owns(pid)) {
                self.firewall_ended(i, exit, now);
            } else if let Some(d) = self.retired.iter_mut().find(|d| d.queue.owns(pid)) {
                d.queue.ended(now, d.timeout, &d.who);
            }
        }
    }

    fn check_ended(&mut self, k: usize, exit: Exit, now: Instant) {
        let c = &mut self.checks[k];
        c.pid = None;
        let killed = c.check.was_killed();
        match c.check.finished(now, exit.success()) {
            Some(Health::Good) => info!("VRRP_Script({}) succeeded", c.cfg.name),
            Some(Health::Failed) if killed => warn!(
                "VRRP_Script({}) timed out after {:?}: failed",
                c.cfg.name, c.cfg.timeout
            ),
            Some(Health::Failed) => warn!("VRRP_Script({}) failed ({exit})", c.cfg.name),
            Some(Health::Pending) | None => return,
        }
        self.refresh_health(now);
    }

    /// Start due checks and kill overdue ones.
    pub(super) fn run_checks(&mut self, now: Instant) {
        let mut changed = false;
        for k in 0..self.checks.len() {
            if self.checks[k].check.poll_timeout() > now {
                continue;
            }
            match self.checks[k].check.handle_timeout(now) {
                Some(CheckAction::Start) => {
                    let c = &mut self.checks[k];
                    match process::spawn(&c.cmd, &[]) {
                        Ok(pid) => c.pid = Some(pid),
                        Err(e) => {
                            error!(
                                "VRRP_Script({}): cannot start {}: {e}",
                                c.cfg.name, c.cmd.text
                            );
                            // A check that cannot run is a failing check.
                            changed |= c.check.finished(now, false).is_some();
                        }
                    }
                }
                Some(CheckAction::Kill) => {
                    if let Some(pid) = self.checks[k].pid {
                        process::kill_group(pid);
                    }
                }
                None => {}
            }
        }
        if changed {
            self.refresh_health(now);
        }
    }

    pub(super) fn next_check_due(&self) -> Option<Instant> {
        self.checks.iter().map(|c| c.check.poll_timeout()).min()
    }

    /// Link events from rtnetlink: update tracked interfaces, re-open a link whose
    /// interface was re-created, and re-evaluate.
    pub(super) fn link_news(&mut self) {
        let mut buf = [0u8; 8192];
        let mut changed = false;
        for _ in 0..64 {
            let news = match self.link_mon.read(&mut buf) {
                Ok(n) => n,
                Err(e) => {
                    warn!("link monitor: {e}");
                    break;
                }
            };
            match news {
                LinkNews::Nothing => break,
                LinkNews::Lost => {
                    warn!("link monitor lost events; re-reading interface states");
                    for s in &mut self.ifaces {
                        let up = iface::is_up(&s.name).unwrap_or(false);
                        changed |= up != s.up;
                        s.up = up;
                    }
                }
                LinkNews::Events(evs) => {
                    for ev in evs {
                        changed |= self.link_event(&ev);
                    }
                }
            }
        }
        if changed {
            self.refresh_health(clock::now());
        }
    }

    fn link_event(&mut self, ev: &LinkEvent) -> bool {
        // Both families' links of a re-created interface.
        let mut reopened = false;
        for l in 0..self.links.len() {
            let link = &self.links[l];
            if ev.up && link.name == ev.name && link.iface.index != ev.index {
                self.reopen_link(l);
                reopened = true;
            }
        }
        if reopened {
            self.sync_links();
        }
        let Some(s) = self.ifaces.iter_mut().find(|s| s.name == ev.name) else {
            return false;
        };
        if s.up == ev.up {
            return false;
        }
        s.up = ev.up;
        info!(
            "Netlink reports {} {}",
            ev.name,
            if ev.up { "up" } else { "down" }
        );
        true
    }
}

impl Daemon {
    /// Whether an IPv6 instance still waits for its link-local address.
    pub(super) fn waiting_for_source(&self) -> bool {
        self.routers.iter().any(|r| r.src.is_none())
    }

    /// Look again for the link-local addresses IPv6 instances wait for (DAD takes about a
    /// second after an interface comes up); start those that have one now.
    pub(super) fn resolve_sources(&mut self, now: Instant) {
        let mut found = false;
        for r in self.routers.iter_mut().filter(|r| r.src.is_none()) {
            if let iface::LinkLocal::Ready(a) = iface::link_local_v6(&r.cfg.interface) {
                info!("({}) advertising from {a}", r.cfg.name);
                r.src = Some(std::net::IpAddr::V6(a));
                r.m.set_local_addr(std::net::IpAddr::V6(a));
                found = true;
            }
        }
        if found {
            self.refresh_health(now);
        }
    }
}

fn health_of(up: bool) -> Health {
    if up { Health::Good } else { Health::Failed }
}
