//! Health tracking at runtime: the `vrrp_script` checks (their runs are `children`), the
//! state of tracked interfaces, and what both amount to for an instance — FAULT or an
//! effective priority, by `vrrp::track`'s rules. The status shows the same trackers the
//! verdict is computed from.

use super::children::{CheckId, Children};
use super::error::StartError;
use crate::config::model::{Config, Instance, LinkDelay, TrackScript};
use crate::config::params;
use crate::os::iface;
use crate::os::process::{self, Cred, Exit, Prepared};
use crate::vrrp::debounce::{Change, Debounce};
use crate::vrrp::timers::Instant;
use crate::vrrp::track::{Check, CheckAction, Health, Tracker, Verdict, verdict};
use core::time::Duration;
use log::{error, info, warn};

/// One `vrrp_script` at runtime.
struct CheckRun {
    id: CheckId,
    cfg: TrackScript,
    cmd: Prepared,
    check: Check,
}

/// A tracked interface (an instance's own, a `track_interface`, a VIP's).
struct IfState {
    name: String,
    /// Its link state as it counts (`interface_up_down_delays`).
    link: Debounce,
    /// Its (down, up) delays.
    delays: (Duration, Duration),
}

impl IfState {
    /// The kernel says it is `up` at `now`. Returns whether the state that counts
    /// changed.
    fn changed(&mut self, up: bool, now: Instant) -> bool {
        let name = &self.name;
        match self.link.event(now, up, self.delays) {
            Change::Now(up) => {
                log_link(name, up);
                true
            }
            Change::Delayed { up, .. } => {
                let (word, d) = match up {
                    true => ("up", self.delays.1),
                    false => ("down", self.delays.0),
                };
                let ms = d.as_millis() as u64;
                info!("{name}: link {word}, counted after {ms} ms (interface_up_down_delays)");
                false
            }
            // keepalived's words.
            Change::Cancelled => {
                info!("Delay timer for {name} cancelled");
                false
            }
            Change::Same => false,
        }
    }
}

fn log_link(name: &str, up: bool) {
    info!("Netlink reports {name} {}", if up { "up" } else { "down" });
}

/// One tracked object as it bears on one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackView<'a> {
    /// "interface" or "script".
    pub kind: &'static str,
    pub name: &'a str,
    pub tracker: Tracker,
}

#[derive(Default)]
pub struct Tracking {
    checks: Vec<CheckRun>,
    ifaces: Vec<IfState>,
    next_id: u32,
}

impl Tracking {
    /// Replace the checks with `scripts`, keeping the state (and a run in progress) of
    /// every check whose definition did not change; runs of dropped checks are killed.
    pub fn set_checks(
        &mut self,
        scripts: Vec<(TrackScript, Prepared)>,
        now: Instant,
        children: &mut Children,
    ) {
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
            let id = CheckId(self.next_id);
            self.next_id = self.next_id.wrapping_add(1);
            self.checks.push(CheckRun {
                id,
                cfg,
                cmd,
                check,
            });
        }
        for c in old {
            children.cancel(c.id);
        }
    }

    /// Follow these interfaces (`params::tracked_interfaces` of every instance), with
    /// their `interface_up_down_delays`; the state of those already followed is kept,
    /// the others are read now.
    pub fn set_interfaces(&mut self, names: &[&str], delays: &[LinkDelay]) {
        let old = core::mem::take(&mut self.ifaces);
        for &name in names {
            if self.ifaces.iter().any(|i| i.name == name) {
                continue;
            }
            let link = match old.iter().find(|i| i.name == name) {
                Some(i) => i.link,
                None => Debounce::new(iface::is_up(name).unwrap_or(false)),
            };
            let delays = delays
                .iter()
                .find(|d| d.interface == name)
                .map_or(Default::default(), |d| (d.down, d.up));
            let name = name.to_string();
            self.ifaces.push(IfState { name, link, delays });
        }
    }

    fn iface_health(&self, name: &str) -> Health {
        if self.ifaces.iter().any(|i| i.name == name && i.link.is_up()) {
            Health::Good
        } else {
            Health::Failed
        }
    }

    /// What `inst` tracks, as it bears on it: its interfaces (`params::
    /// tracked_interfaces`), its `track_script`s (a script's weight unless the instance
    /// overrides it).
    pub fn views<'a>(&'a self, inst: &'a Instance) -> Vec<TrackView<'a>> {
        let iface = |(name, weight, reverse): params::TrackedIf<'a>| TrackView {
            kind: "interface",
            name,
            tracker: Tracker {
                weight,
                reverse,
                health: self.iface_health(name),
            },
        };
        let mut v: Vec<TrackView<'a>> = params::tracked_interfaces(inst)
            .into_iter()
            .map(iface)
            .collect();
        for t in &inst.track_scripts {
            if let Some(c) = self.checks.iter().find(|c| c.cfg.name == t.name) {
                v.push(TrackView {
                    kind: "script",
                    name: &t.name,
                    tracker: Tracker {
                        weight: params::script_weight(t, &c.cfg),
                        reverse: t.reverse,
                        health: c.check.health(),
                    },
                });
            }
        }
        v
    }

    /// The instance's own verdict from its trackers.
    pub fn verdict(&self, inst: &Instance) -> Verdict {
        verdict(inst.priority, self.views(inst).iter().map(|v| v.tracker))
    }

    /// When a check is due to start, a run is due to be killed, or a delayed link change
    /// is due.
    pub fn next_deadline(&self) -> Option<Instant> {
        let checks = self.checks.iter().map(|c| c.check.poll_timeout());
        checks
            .chain(self.ifaces.iter().filter_map(|i| i.link.deadline()))
            .min()
    }

    /// Start due checks, kill overdue runs, apply delayed link changes now due. Returns
    /// whether a result changed (a check that cannot start is a failing check).
    pub fn run_due(&mut self, now: Instant, children: &mut Children) -> bool {
        let mut changed = false;
        for s in &mut self.ifaces {
            if let Some(up) = s.link.fire(now) {
                log_link(&s.name, up);
                changed = true;
            }
        }
        for c in &mut self.checks {
            if c.check.poll_timeout() > now {
                continue;
            }
            match c.check.handle_timeout(now) {
                Some(CheckAction::Start) => {
                    if let Err(e) = children.spawn(c.id, &c.cmd) {
                        error!(
                            "VRRP_Script({}): cannot start {}: {e}",
                            c.cfg.name, c.cmd.text
                        );
                        changed |= c.check.finished(now, false).is_some();
                    }
                }
                Some(CheckAction::Kill) => children.kill(c.id),
                None => {}
            }
        }
        changed
    }

    /// A check's run ended. Returns whether its result changed.
    pub fn check_ended(&mut self, id: CheckId, exit: Exit, now: Instant) -> bool {
        let Some(c) = self.checks.iter_mut().find(|c| c.id == id) else {
            return false;
        };
        let killed = c.check.was_killed();
        match c.check.finished(now, exit.success()) {
            Some(Health::Good) => info!("VRRP_Script({}) succeeded", c.cfg.name),
            Some(Health::Failed) if killed => warn!(
                "VRRP_Script({}) timed out after {} ms: failed",
                c.cfg.name,
                c.cfg.timeout.as_millis() as u64
            ),
            Some(Health::Failed) => warn!("VRRP_Script({}) failed ({exit})", c.cfg.name),
            Some(Health::Pending) | None => return false,
        }
        true
    }

    /// Netlink says interface `name` is `up` or not at `now`. Returns whether a tracked
    /// state changed (a change its `interface_up_down_delays` holds back counts later,
    /// `run_due`).
    pub fn link_changed(&mut self, name: &str, up: bool, now: Instant) -> bool {
        let Some(s) = self.ifaces.iter_mut().find(|s| s.name == name) else {
            return false;
        };
        s.changed(up, now)
    }

    /// Netlink lost events: read every tracked interface's state again.
    pub fn relearn(&mut self, now: Instant) -> bool {
        let mut changed = false;
        for s in &mut self.ifaces {
            let up = iface::is_up(&s.name).unwrap_or(false);
            changed |= s.changed(up, now);
        }
        changed
    }

    /// Shutting down: runs in progress are killed and their results forgotten.
    pub fn stop(&mut self, children: &mut Children) {
        for c in &self.checks {
            children.cancel(c.id);
        }
    }
}

/// Resolve every tracked `vrrp_script` (program, user, security) — the start-up, reload
/// and `-t` check; each problem goes to `problems`. Untracked scripts are not run, as in
/// keepalived.
pub fn prepare_scripts(
    config: &Config,
    default: Option<Cred>,
    problems: &mut Vec<StartError>,
) -> Vec<(TrackScript, Prepared)> {
    let tracked = |s: &TrackScript| {
        let mut users = config.instances.iter().flat_map(|i| &i.track_scripts);
        users.any(|t| t.name == s.name)
    };
    let mut out = Vec::new();
    for s in config.scripts.iter().filter(|s| tracked(s)) {
        match process::prepare(&s.command, default, config.script_security) {
            Ok(p) => out.push((s.clone(), p)),
            Err(e) => problems.push(StartError::command(format!(
                "vrrp_script {} (line {})",
                s.name, s.line
            ))(e)),
        }
    }
    out
}

/// Scripts running as root that a non-root user may have written deserve a word.
pub fn warn_if_unguarded(config: &Config, scripts: &[(TrackScript, Prepared)]) {
    if scripts.iter().any(|(_, p)| p.cred.is_none())
        && !config.script_security
        && nix::unistd::geteuid().is_root()
    {
        warn!(
            "scripts run as root without enable_script_security: a script a non-root user can change runs as root"
        );
    }
}

/// Who runs scripts that name no user.
pub fn default_user(config: &Config) -> Result<Option<Cred>, StartError> {
    process::default_user(config.script_user.as_ref()).map_err(StartError::command("script_user"))
}
