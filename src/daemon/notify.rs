//! Notify scripts (`notify_master` ... `notify`) and, on OpenWrt, hotplug events. One
//! queue per instance: its scripts run one at a time in transition order, so a
//! notify_backup can never overtake the notify_master before it; each is killed after
//! NOTIFY_TIMEOUT so a hung script cannot hold the queue forever.

use super::Daemon;
use super::jobs::{Job, JobQueue, Retired};
use crate::config::model::{Config, Instance};
use crate::os::process::{self, Cred, Exit, Prepared};
use crate::vrrp::machine::State;
use crate::vrrp::timers::Instant;
use core::time::Duration;
use log::warn;

pub(super) const NOTIFY_TIMEOUT: Duration = Duration::from_secs(30);
/// OpenWrt's hotplug dispatcher: runs /etc/hotplug.d/tinyvrrpd/* with our environment.
pub const HOTPLUG_CALL: &str = "/sbin/hotplug-call";

/// The prepared notify commands of one instance and its queue.
#[derive(Default)]
pub(super) struct Notifier {
    master: Option<Prepared>,
    backup: Option<Prepared>,
    fault: Option<Prepared>,
    stop: Option<Prepared>,
    any: Option<Prepared>,
    pub queue: JobQueue,
}

impl Notifier {
    /// Resolve an instance's notify commands (the start-up and reload check).
    pub fn prepare(
        inst: &Instance,
        default: Option<Cred>,
        security: bool,
    ) -> Result<Notifier, String> {
        let n = &inst.notify;
        let prep = |key: &str, c: &Option<crate::config::model::Command>| {
            c.as_ref()
                .map(|c| process::prepare(c, default, security))
                .transpose()
                .map_err(|e| format!("({}) {key}: {e}", inst.name))
        };
        Ok(Notifier {
            master: prep("notify_master", &n.master)?,
            backup: prep("notify_backup", &n.backup)?,
            fault: prep("notify_fault", &n.fault)?,
            stop: prep("notify_stop", &n.stop)?,
            any: prep("notify", &n.any)?,
            queue: JobQueue::default(),
        })
    }
}

/// keepalived's state words for notify arguments.
fn state_word(to: State) -> &'static str {
    match to {
        State::Initialize => "STOP",
        s => s.as_str(),
    }
}

/// Whether OpenWrt's hotplug-call exists here.
pub fn hotplug_command() -> Option<Prepared> {
    let cmd = crate::config::model::Command {
        text: format!("{HOTPLUG_CALL} tinyvrrpd"),
        argv: vec![HOTPLUG_CALL.into(), "tinyvrrpd".into()],
        user: None,
    };
    std::path::Path::new(HOTPLUG_CALL)
        .exists()
        .then(|| process::prepare(&cmd, None, false).ok())
        .flatten()
}

pub(super) fn prepare_all(config: &Config) -> Result<Vec<Notifier>, String> {
    let default = super::health::default_user(config)?;
    config
        .instances
        .iter()
        .map(|i| Notifier::prepare(i, default, config.script_security))
        .collect()
}

impl Daemon {
    /// Queue the scripts for router `i` entering `to`.
    pub(super) fn notify(&mut self, i: usize, to: State, now: Instant) {
        let word = state_word(to);
        let r = &mut self.routers[i];
        let prio = r.m.priority().to_string();
        let n = &mut r.notify;
        let specific = match to {
            State::Master => &n.master,
            State::Backup => &n.backup,
            State::Fault => &n.fault,
            State::Initialize => &n.stop,
        };
        let mut jobs: Vec<Job> = Vec::new();
        if let Some(c) = specific {
            jobs.push(Job {
                cmd: c.clone(),
                env: Vec::new(),
            });
        }
        if let Some(c) = &n.any {
            jobs.push(Job {
                cmd: c.with_args(&["INSTANCE", &r.cfg.name, word, &prio]),
                env: Vec::new(),
            });
        }
        if let Some(c) = &self.hotplug {
            jobs.push(Job {
                cmd: c.clone(),
                env: vec![
                    ("ACTION", format!("NOTIFY_{word}")),
                    ("TYPE", "INSTANCE".into()),
                    ("NAME", r.cfg.name.clone()),
                    ("INSTANCE", r.cfg.name.clone()),
                    ("STATE", word.into()),
                    ("PRIORITY", prio.clone()),
                ],
            });
        }
        for j in jobs {
            n.queue.push(j, now, NOTIFY_TIMEOUT, &r.cfg.name);
        }
    }

    pub(super) fn notify_ended(&mut self, i: usize, pid: i32, exit: Exit, now: Instant) {
        let r = &mut self.routers[i];
        if !exit.success() {
            warn!(
                "({}) notify script (pid {pid}) ended with {exit}",
                r.cfg.name
            );
        }
        r.notify.queue.ended(now, NOTIFY_TIMEOUT, &r.cfg.name);
    }
}

impl Daemon {
    /// Router `i` is removed by a reload: its notify and nft commands go on, in order,
    /// without it.
    pub(super) fn retire_queues(&mut self, i: usize) {
        let r = &mut self.routers[i];
        let queues = [
            (core::mem::take(&mut r.notify.queue), NOTIFY_TIMEOUT),
            (
                core::mem::take(&mut r.firewall),
                super::firewall::FIREWALL_TIMEOUT,
            ),
        ];
        for (queue, timeout) in queues {
            if !queue.is_idle() {
                self.retired.push(Retired {
                    who: r.cfg.name.clone(),
                    queue,
                    timeout,
                });
            }
        }
    }
}
