//! What runs around the instances rather than for one of them: keepalived's
//! `startup_script` (before any instance leaves INIT; the instances wait for it) and
//! `shutdown_script` (once the VIPs are gone and the notify queues have run; the exit
//! waits for it), each killed at its `_timeout` (keepalived's default 10 s); on OpenWrt
//! also the hotplug events `ACTION=startup` and `ACTION=shutdown` right after them, which
//! OpenWrt's keepalived package has keepalived run as these very scripts. Each runs on a
//! queue of the child table: the loop never waits for one. And so where the daemon is in
//! its life (`Phase`), which decides what runs: no instance starts and no check runs
//! while the startup script does, tracking stops with the stop; and keepalived's
//! `vrrp_startup_delay`, from when the instances start.

use super::children::{Children, Job, QueueId};
use super::error::StartError;
use crate::config::model::{Command, Config};
use crate::os::process::{self, Cred, Exit, Prepared};
use crate::vrrp::timers::Instant;
use core::time::Duration;
use log::{info, warn};

/// OpenWrt's keepalived package gives its startup and shutdown events this long.
pub const HOTPLUG_TIMEOUT: Duration = Duration::from_secs(10);

/// A script with its time.
type Timed = Option<(Prepared, Duration)>;

/// The configuration's startup and shutdown scripts, resolved.
pub struct Scripts {
    startup: Timed,
    shutdown: Timed,
}

impl Scripts {
    /// Resolve both scripts as the start does; each problem goes to `problems`.
    pub fn prepare(
        config: &Config,
        default: Option<Cred>,
        problems: &mut Vec<StartError>,
    ) -> Scripts {
        let mut prep = |key: &str, s: &Option<(Command, Duration)>| {
            let (cmd, timeout) = s.as_ref()?;
            match process::prepare(cmd, default, config.script_security) {
                Ok(p) => Some((p, *timeout)),
                Err(e) => {
                    problems.push(StartError::command(key)(e));
                    None
                }
            }
        };
        Scripts {
            startup: prep("startup_script", &config.startup_script),
            shutdown: prep("shutdown_script", &config.shutdown_script),
        }
    }
}

/// Where the daemon is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The startup script and event run: every instance waits in INIT.
    Starting,
    Running,
    /// Shutting down: tracking no longer starts or restarts instances.
    Stopping,
}

pub struct Lifecycle {
    phase: Phase,
    /// `vrrp_startup_delay`, applied when the instances start.
    startup_delay: Duration,
    scripts: Scripts,
    /// OpenWrt's hotplug-call, when present.
    hotplug: Option<Prepared>,
    /// The queue running the start's or the stop's commands.
    queue: Option<QueueId>,
}

impl Lifecycle {
    pub fn new(scripts: Scripts, hotplug: Option<Prepared>, delay: Duration) -> Lifecycle {
        Lifecycle {
            phase: Phase::Running,
            startup_delay: delay,
            scripts,
            hotplug,
            queue: None,
        }
    }

    /// A reload brings the new configuration's shutdown script (keepalived's too; the
    /// startup script has run, and a new one would never run).
    pub fn reload(&mut self, scripts: Scripts) {
        self.scripts.shutdown = scripts.shutdown;
    }

    /// The start: the startup script, then the startup event. Returns whether anything
    /// runs (the instances wait until `startup_ends`).
    pub fn start(&mut self, now: Instant, children: &mut Children) -> bool {
        let script = self.scripts.startup.take();
        let runs = self.run("startup", script, now, children);
        if runs {
            self.phase = Phase::Starting;
        }
        runs
    }

    /// Whether the start is done and the stop not begun: instances follow tracking.
    pub fn is_running(&self) -> bool {
        self.phase == Phase::Running
    }

    /// Whether the startup script and event still run: no check runs yet.
    pub fn is_starting(&self) -> bool {
        self.phase == Phase::Starting
    }

    /// Whether what the start ran has ended now: once, then the instances start, as
    /// keepalived's do once its startup script is done.
    pub fn startup_ends(&mut self, children: &Children) -> bool {
        let ends = self.is_starting() && self.is_done(children);
        if ends {
            self.phase = Phase::Running;
        }
        ends
    }

    /// keepalived's `vrrp_startup_delay`, when the instances start `now`: none takes
    /// over before the time returned (None: no delay).
    pub fn startup_delay(&self, now: Instant) -> Option<Instant> {
        let delay = self.startup_delay;
        if delay.is_zero() {
            return None;
        }
        let ms = delay.as_millis() as u64;
        let frac = format!(".{:03}", ms % 1000);
        // keepalived's words (its %g).
        info!(
            "Delaying startup for {}{} seconds",
            ms / 1000,
            frac.trim_end_matches(['0', '.'])
        );
        Some(now + delay)
    }

    /// The stop begins: tracking no longer starts or restarts instances, and a start
    /// still running is cut short (`cancel`).
    pub fn stopping(&mut self, children: &mut Children) {
        self.phase = Phase::Stopping;
        self.cancel(children);
    }

    /// The stop, once the instances are gone: the shutdown script, then the shutdown
    /// event. Returns how long the stop may wait for them (None: nothing runs).
    pub fn stop(&mut self, now: Instant, children: &mut Children) -> Option<Duration> {
        let script = self.scripts.shutdown.take();
        // Both times, and a second for the reaping of what was killed at its time.
        let mut most = script.as_ref().map_or(Duration::ZERO, |s| s.1);
        if self.hotplug.is_some() {
            most += HOTPLUG_TIMEOUT;
        }
        let runs = self.run("shutdown", script, now, children);
        runs.then(|| most + Duration::from_secs(1))
    }

    /// Queue `script`, then the hotplug event `action`, on a queue of that name; whether
    /// anything runs.
    fn run(&mut self, action: &str, script: Timed, now: Instant, c: &mut Children) -> bool {
        let q = c.queue(action, HOTPLUG_TIMEOUT, report);
        self.queue = Some(q);
        if let Some((cmd, timeout)) = script {
            let env = Vec::new();
            c.push_within(q, Job { cmd, env }, Some(timeout), now);
        }
        if let Some(cmd) = self.hotplug.clone() {
            let env = vec![("ACTION", action.to_string())];
            c.push(q, Job { cmd, env }, now);
        }
        !c.is_idle(q)
    }

    /// Whether what `start` or `stop` queued has run.
    pub fn is_done(&self, children: &Children) -> bool {
        self.queue.is_none_or(|q| children.is_idle(q))
    }

    /// What runs is of no use any more (a start the daemon stops during, a stop that
    /// cannot wait any longer): killed.
    pub fn cancel(&mut self, children: &mut Children) {
        if let Some(q) = self.queue.take() {
            children.drop_queue(q);
        }
    }
}

/// A startup or shutdown script that failed (the `children::Report` of their queue).
fn report(who: &str, pid: i32, exit: Exit) {
    warn!("({who}) script (pid {pid}) ended with {exit}");
}
