//! Notify scripts (`notify_master` ... `notify`) and, on OpenWrt, hotplug events: what
//! runs when an instance — or a sync group as a whole — changes state. They run on the
//! instance's (group's) notify queue (see `children`), one at a time in transition order,
//! so a notify_backup can never overtake the notify_master before it; each is killed
//! after NOTIFY_TIMEOUT so a hung script cannot hold the queue forever.

use super::children::Job;
use super::error::StartError;
use crate::config::model::{Command, Config, Notify};
use crate::os::process::{self, Cred, Exit, Prepared};
use crate::vrrp::machine::State;
use crate::vrrp::notify::{Subject, state_word};
use core::time::Duration;
use log::warn;

pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(30);
/// OpenWrt's hotplug dispatcher: runs /etc/hotplug.d/tinyvrrpd/* with our environment.
pub const HOTPLUG_CALL: &str = "/sbin/hotplug-call";

/// The prepared notify commands of one instance.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notifier {
    master: Option<Prepared>,
    backup: Option<Prepared>,
    fault: Option<Prepared>,
    stop: Option<Prepared>,
    any: Option<Prepared>,
}

impl Notifier {
    /// Resolve the notify commands of instance or group `who` (the start-up and reload
    /// check); each problem goes to `problems`.
    pub fn prepare(
        who: &str,
        n: &Notify,
        default: Option<Cred>,
        security: bool,
        problems: &mut Vec<StartError>,
    ) -> Notifier {
        let mut prep = |key: &str, c: &Option<Command>| {
            let e = match process::prepare(c.as_ref()?, default, security) {
                Ok(p) => return Some(p),
                Err(e) => e,
            };
            problems.push(StartError::command(format!("({who}) {key}"))(e));
            None
        };
        Notifier {
            master: prep("notify_master", &n.master),
            backup: prep("notify_backup", &n.backup),
            fault: prep("notify_fault", &n.fault),
            stop: prep("notify_stop", &n.stop),
            any: prep("notify", &n.any),
        }
    }

    /// What runs, in order, when instance (or group) `name` enters `to` with `priority`:
    /// the state's own script, `notify` with keepalived's arguments (`INSTANCE NAME STATE
    /// PRIORITY`, a group's `GROUP NAME STATE 0`), and the hotplug event as OpenWrt's
    /// keepalived has it.
    pub fn jobs(
        &self,
        subject: Subject,
        name: &str,
        to: State,
        priority: u8,
        hotplug: Option<&Prepared>,
        mut run: impl FnMut(Job),
    ) {
        let word = state_word(to);
        let group = subject == Subject::Group;
        let prio = if group { 0 } else { priority }.to_string();
        let specific = match to {
            State::Master => &self.master,
            State::Backup => &self.backup,
            State::Fault => &self.fault,
            State::Initialize => &self.stop,
        };
        if let Some(c) = specific {
            run(Job {
                cmd: c.clone(),
                env: Vec::new(),
            });
        }
        if let Some(c) = &self.any {
            run(Job {
                cmd: c.with_args(&[subject.word(), name, word, &prio]),
                env: Vec::new(),
            });
        }
        if let Some(c) = hotplug {
            let mut env = vec![
                ("ACTION", format!("NOTIFY_{word}")),
                ("TYPE", subject.word().into()),
                ("NAME", name.into()),
                (subject.word(), name.into()),
                ("STATE", word.into()),
            ];
            if !group {
                env.push(("PRIORITY", prio));
            }
            run(Job {
                cmd: c.clone(),
                env,
            });
        }
    }
}

/// What an instance that stops (from state `from`) notifies as: STOP when the daemon
/// stops; FAULT when a reload removed it, as keepalived reports a deleted instance (without
/// `notify_deleted`, which tinyvrrpd does not have) — and nothing if it was in FAULT
/// already, which keepalived has reported then.
pub fn stop_as(from: State, removed: bool) -> Option<State> {
    match (removed, from) {
        (false, _) => Some(State::Initialize),
        (true, State::Fault) => None,
        (true, _) => Some(State::Fault),
    }
}

/// A notify script that failed (the `children::Report` of notify queues).
pub fn report(who: &str, pid: i32, exit: Exit) {
    warn!("({who}) notify script (pid {pid}) ended with {exit}");
}

/// Whether OpenWrt's hotplug-call exists here.
pub fn hotplug_command() -> Option<Prepared> {
    let cmd = Command {
        text: format!("{HOTPLUG_CALL} tinyvrrpd"),
        argv: vec![HOTPLUG_CALL.into(), "tinyvrrpd".into()],
        user: None,
    };
    std::path::Path::new(HOTPLUG_CALL)
        .exists()
        .then(|| process::prepare(&cmd, None, false).ok())
        .flatten()
}

/// Every instance's notify commands, then every sync group's, in configuration order.
pub fn prepare_all(
    config: &Config,
    default: Option<Cred>,
    problems: &mut Vec<StartError>,
) -> (Vec<Notifier>, Vec<Notifier>) {
    let security = config.script_security;
    let mut each = |name: &str, n| Notifier::prepare(name, n, default, security, problems);
    let inst = config
        .instances
        .iter()
        .map(|i| each(&i.name, &i.notify))
        .collect();
    let groups = config
        .sync_groups
        .iter()
        .map(|g| each(&g.name, &g.notify))
        .collect();
    (inst, groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    fn cmd(argv: &[&str]) -> Prepared {
        Prepared {
            text: argv.join(" "),
            prog: CString::new(argv[0]).unwrap(),
            argv: argv.iter().map(|a| CString::new(*a).unwrap()).collect(),
            cred: None,
        }
    }

    fn run(n: &Notifier, name: &str, to: State, prio: u8, hotplug: Option<&Prepared>) -> Vec<Job> {
        let mut out = Vec::new();
        n.jobs(Subject::Instance, name, to, prio, hotplug, |j| out.push(j));
        out
    }

    fn argv(j: &Job) -> Vec<&str> {
        j.cmd.argv.iter().map(|a| a.to_str().unwrap()).collect()
    }

    #[test]
    fn a_transition_runs_its_state_script_then_notify_with_keepalived_arguments() {
        let n = Notifier {
            master: Some(cmd(&["/etc/keepalived/notify.sh", "MASTER"])),
            any: Some(cmd(&["/etc/keepalived/notify-any.sh"])),
            ..Notifier::default()
        };
        let jobs = run(&n, "VI_1", State::Master, 150, None);
        assert_eq!(jobs.len(), 2);
        assert_eq!(argv(&jobs[0]), ["/etc/keepalived/notify.sh", "MASTER"]);
        assert_eq!(
            argv(&jobs[1]),
            [
                "/etc/keepalived/notify-any.sh",
                "INSTANCE",
                "VI_1",
                "MASTER",
                "150"
            ]
        );
        // No script for BACKUP: only `notify` runs.
        let jobs = run(&n, "VI_1", State::Backup, 100, None);
        assert_eq!(argv(&jobs[0])[1..], ["INSTANCE", "VI_1", "BACKUP", "100"]);
    }

    #[test]
    fn a_group_transition_runs_once_with_keepalived_s_group_arguments_and_hotplug_type() {
        let n = Notifier {
            master: Some(cmd(&["/etc/g.sh", "MASTER"])),
            any: Some(cmd(&["/etc/g-any.sh"])),
            ..Notifier::default()
        };
        let hotplug = cmd(&[HOTPLUG_CALL, "tinyvrrpd"]);
        let mut jobs = Vec::new();
        n.jobs(
            Subject::Group,
            "G1",
            State::Master,
            150,
            Some(&hotplug),
            |j| jobs.push(j),
        );
        assert_eq!(argv(&jobs[0]), ["/etc/g.sh", "MASTER"]);
        assert_eq!(
            argv(&jobs[1]),
            ["/etc/g-any.sh", "GROUP", "G1", "MASTER", "0"]
        );
        let env: Vec<(&str, &str)> = jobs[2].env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            env,
            [
                ("ACTION", "NOTIFY_MASTER"),
                ("TYPE", "GROUP"),
                ("NAME", "G1"),
                ("GROUP", "G1"),
                ("STATE", "MASTER"),
            ]
        );
    }

    #[test]
    fn a_removed_instance_notifies_fault_unless_it_was_in_fault_and_a_stop_is_stop() {
        for from in [
            State::Initialize,
            State::Backup,
            State::Master,
            State::Fault,
        ] {
            assert_eq!(stop_as(from, false), Some(State::Initialize));
        }
        assert_eq!(stop_as(State::Master, true), Some(State::Fault));
        assert_eq!(stop_as(State::Backup, true), Some(State::Fault));
        assert_eq!(stop_as(State::Fault, true), None);
        // As FAULT: notify_fault, `notify ... FAULT`, hotplug NOTIFY_FAULT.
        let n = Notifier {
            fault: Some(cmd(&["/bin/fault.sh"])),
            stop: Some(cmd(&["/bin/stop.sh"])),
            any: Some(cmd(&["/bin/any.sh"])),
            ..Notifier::default()
        };
        let hotplug = cmd(&[HOTPLUG_CALL, "tinyvrrpd"]);
        let jobs = run(&n, "VI_2", State::Fault, 150, Some(&hotplug));
        assert_eq!(argv(&jobs[0]), ["/bin/fault.sh"]);
        assert_eq!(
            argv(&jobs[1]),
            ["/bin/any.sh", "INSTANCE", "VI_2", "FAULT", "150"]
        );
        assert_eq!(jobs[2].env[0], ("ACTION", "NOTIFY_FAULT".to_string()));
        assert_eq!(jobs[2].env[4], ("STATE", "FAULT".to_string()));
    }

    #[test]
    fn stopping_is_stop_for_notify_and_hotplug_gets_openwrts_environment() {
        let n = Notifier {
            stop: Some(cmd(&["/bin/stop.sh"])),
            ..Notifier::default()
        };
        let hotplug = cmd(&[HOTPLUG_CALL, "tinyvrrpd"]);
        let jobs = run(&n, "VI_1", State::Initialize, 150, Some(&hotplug));
        assert_eq!(argv(&jobs[0]), ["/bin/stop.sh"]);
        assert_eq!(argv(&jobs[1]), [HOTPLUG_CALL, "tinyvrrpd"]);
        let env: Vec<(&str, &str)> = jobs[1].env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            env,
            [
                ("ACTION", "NOTIFY_STOP"),
                ("TYPE", "INSTANCE"),
                ("NAME", "VI_1"),
                ("INSTANCE", "VI_1"),
                ("STATE", "STOP"),
                ("PRIORITY", "150"),
            ]
        );
    }
}
