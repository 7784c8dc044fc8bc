//! Health tracking at runtime: the `vrrp_script` checks (their runs are `children`), the
//! state of tracked interfaces, tracked processes (`procs`) and files (`files`), and what
//! they amount to for an instance — with its sync group's own trackers — FAULT or an
//! effective priority, by `vrrp::track`'s rules. The status shows the same trackers the
//! verdict is computed from.

use super::children::{CheckId, Children};
use super::error::StartError;
use super::files::Files;
use super::ifaces::Interfaces;
use super::procs::Procs;
use crate::config::model::{
    Config, Instance, LinkDelay, SyncGroup, TrackFile, TrackProcess, TrackScript, Tracked,
};
use crate::config::params;
use crate::os::process::{self, Cred, Exit, Prepared};
use crate::vrrp::timers::Instant;
use crate::vrrp::track::{
    Check, CheckAction, Health, Tracker, Verdict, file_effect, verdict_with_files,
};
use log::{error, info, warn};

/// One `vrrp_script` at runtime.
struct CheckRun {
    id: CheckId,
    cfg: TrackScript,
    cmd: Prepared,
    check: Check,
}

/// The `vrrp_track_process` and `track_file` blocks an instance or a sync group tracks
/// (only those are watched, as keepalived watches them).
pub struct Watched {
    procs: Vec<TrackProcess>,
    files: Vec<TrackFile>,
}

impl Watched {
    /// Taken before the instances leave the configuration (they are built into routers).
    pub fn of(config: &Config) -> Watched {
        let procs = config.processes.iter().filter(|p| {
            is_tracked(
                config,
                &p.name,
                |i| &i.track_processes,
                |g| &g.track_processes,
            )
        });
        let files = config.files.iter();
        let files =
            files.filter(|f| is_tracked(config, &f.name, |i| &i.track_files, |g| &g.track_files));
        Watched {
            procs: procs.cloned().collect(),
            files: files.cloned().collect(),
        }
    }
}

/// One tracked object as it bears on one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackView<'a> {
    /// "interface", "script", "process" or "file".
    pub kind: &'static str,
    pub name: &'a str,
    pub tracker: Tracker,
    /// A file's number (its effect is value × weight); a process block's count.
    pub value: Option<i64>,
}

#[derive(Default)]
pub struct Tracking {
    checks: Vec<CheckRun>,
    ifaces: Interfaces,
    next_id: u32,
    pub procs: Procs,
    pub files: Files,
}

/// Whether an instance or a sync group of `config` tracks `name` in the lists `inst` and
/// `group` pick (only tracked blocks are watched, as keepalived watches them).
fn is_tracked(
    config: &Config,
    name: &str,
    inst: fn(&Instance) -> &Vec<Tracked>,
    group: fn(&SyncGroup) -> &Vec<Tracked>,
) -> bool {
    let i = config.instances.iter().flat_map(inst);
    let g = config.sync_groups.iter().flat_map(group);
    i.chain(g).any(|t| t.name == name)
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

    /// Follow these interfaces (see `Interfaces::set`).
    pub fn set_interfaces(&mut self, names: &[&str], delays: &[LinkDelay]) {
        self.ifaces.set(names, delays);
    }

    /// Watch these process and file blocks from now on (start and reload;
    /// `init_file` is written at start only).
    pub fn set_watched(&mut self, w: Watched, now: Instant, reload: bool) {
        self.procs.set(w.procs, now);
        self.files.set(w.files, reload);
    }

    /// What `inst` tracks, as it bears on it: its interfaces (`params::
    /// tracked_interfaces`), `track_script`s, `track_process`es and `track_file`s, then
    /// those of its sync group (every member applies them; an entry the instance has
    /// itself is not counted twice).
    pub fn views<'a>(
        &'a self,
        inst: &'a Instance,
        group: Option<&'a SyncGroup>,
    ) -> Vec<TrackView<'a>> {
        let iface = |(name, weight, reverse)| self.view("interface", name, weight, reverse);
        let mut v: Vec<TrackView<'a>> = params::tracked_interfaces(inst)
            .into_iter()
            .map(iface)
            .collect();
        let own: [(&'static str, &'a [Tracked]); 3] = [
            ("script", &inst.track_scripts),
            ("process", &inst.track_processes),
            ("file", &inst.track_files),
        ];
        let shared = group.map(|g| -> [(&'static str, &'a [Tracked]); 4] {
            [
                ("interface", &g.track_interfaces),
                ("script", &g.track_scripts),
                ("process", &g.track_processes),
                ("file", &g.track_files),
            ]
        });
        let own = own.into_iter().map(|l| (false, l));
        let shared = shared.into_iter().flatten().map(|l| (true, l));
        for (from_group, (kind, list)) in own.chain(shared) {
            for t in list {
                if from_group && v.iter().any(|x| x.kind == kind && x.name == t.name) {
                    continue;
                }
                let weight = match kind {
                    "interface" => params::interface_weight(t),
                    _ => t.weight.unwrap_or(0),
                };
                // A script that is not run (its definition failed) bears on nothing.
                if kind == "script" && !self.checks.iter().any(|c| c.cfg.name == t.name) {
                    continue;
                }
                v.push(self.view(kind, &t.name, weight, t.reverse));
            }
        }
        v
    }

    /// One tracked object's state, with the weight it carries for an instance.
    fn view<'a>(
        &self,
        kind: &'static str,
        name: &'a str,
        weight: i16,
        reverse: bool,
    ) -> TrackView<'a> {
        let (health, value) = match kind {
            "interface" => (self.ifaces.health(name), None),
            "script" => {
                let c = self.checks.iter().find(|c| c.cfg.name == name);
                (c.map_or(Health::Pending, |c| c.check.health()), None)
            }
            "process" => (
                self.procs.health(name).unwrap_or(Health::Pending),
                Some(i64::from(self.procs.count(name))),
            ),
            _ => {
                let value = self.files.value(name).unwrap_or(0);
                let health = match file_effect(value, weight, reverse) {
                    Some(_) => Health::Good,
                    None => Health::Failed,
                };
                (health, Some(value))
            }
        };
        TrackView {
            kind,
            name,
            tracker: Tracker {
                weight,
                reverse,
                health,
            },
            value,
        }
    }

    /// The instance's own verdict from its trackers (and its sync group's).
    pub fn verdict(&self, inst: &Instance, group: Option<&SyncGroup>) -> Verdict {
        let views = self.views(inst, group);
        let files = views
            .iter()
            .filter(|t| t.kind == "file")
            .map(|t| file_effect(t.value.unwrap_or(0), t.tracker.weight, t.tracker.reverse));
        let others = views.iter().filter(|t| t.kind != "file").map(|t| t.tracker);
        verdict_with_files(inst.priority, others, files)
    }

    /// When a check is due to start, a run is due to be killed, a delayed link change
    /// is due, or tracked processes are due (a scan, a quorum delay).
    pub fn next_deadline(&self) -> Option<Instant> {
        let checks = self.checks.iter().map(|c| c.check.poll_timeout());
        checks
            .chain(self.ifaces.next_deadline())
            .chain(self.procs.next_deadline())
            .min()
    }

    /// Start due checks, kill overdue runs, apply delayed link changes now due, serve
    /// tracked processes. Returns whether a result changed (a check that cannot start is
    /// a failing check).
    pub fn run_due(&mut self, now: Instant, children: &mut Children) -> bool {
        let mut changed =
            self.procs.next_deadline().is_some_and(|t| t <= now) && self.procs.fire(now);
        changed |= self.ifaces.fire(now);
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

    /// Netlink says interface `name` is `up` or not at `now` (see `Interfaces::changed`).
    pub fn link_changed(&mut self, name: &str, up: bool, now: Instant) -> bool {
        self.ifaces.changed(name, up, now)
    }

    /// Netlink lost events: read every tracked interface's state again.
    pub fn relearn(&mut self, now: Instant) -> bool {
        self.ifaces.relearn(now)
    }

    /// Shutting down: runs in progress are killed and their results forgotten.
    pub fn stop(&mut self, children: &mut Children) {
        for c in &self.checks {
            children.cancel(c.id);
        }
    }
}

/// Resolve every tracked `vrrp_script` (program, user, security) — the start-up, reload
/// and `-t` check; each problem goes to `problems`. Scripts no instance or sync group
/// tracks are not run, as in keepalived.
pub fn prepare_scripts(
    config: &Config,
    default: Option<Cred>,
    problems: &mut Vec<StartError>,
) -> Vec<(TrackScript, Prepared)> {
    let tracked =
        |s: &TrackScript| is_tracked(config, &s.name, |i| &i.track_scripts, |g| &g.track_scripts);
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
