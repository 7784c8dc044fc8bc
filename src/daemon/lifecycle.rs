//! What runs around the instances rather than for one of them: keepalived's
//! `startup_script` (before any instance leaves INIT; the instances wait for it) and
//! `shutdown_script` (once the VIPs are gone and the notify queues have run; the exit
//! waits for it), each killed at its `_timeout` (keepalived's default 10 s); on OpenWrt
//! also the hotplug events `ACTION=startup` and `ACTION=shutdown` right after them, which
//! OpenWrt's keepalived package has keepalived run as these very scripts. Each runs on a
//! queue of the child table: the loop never waits for one.

use super::children::{Children, Job, QueueId};
use super::error::StartError;
use crate::config::model::{Command, Config};
use crate::os::process::{self, Cred, Exit, Prepared};
use crate::vrrp::timers::Instant;
use core::time::Duration;
use log::warn;

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

pub struct Lifecycle {
    scripts: Scripts,
    /// OpenWrt's hotplug-call, when present.
    hotplug: Option<Prepared>,
    /// The queue running the start's or the stop's commands.
    queue: Option<QueueId>,
}

impl Lifecycle {
    pub fn new(scripts: Scripts, hotplug: Option<Prepared>) -> Lifecycle {
        Lifecycle {
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
    /// runs (the instances wait until `is_done`).
    pub fn start(&mut self, now: Instant, children: &mut Children) -> bool {
        let script = self.scripts.startup.take();
        self.run("startup", script, now, children)
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
