//! A queue of commands run one at a time, in order, without blocking the loop: each is
//! spawned when the one before it has been reaped, and killed if it overruns its time.
//! Notify scripts and no_accept's firewall changes each get one per instance, so a
//! later command can never overtake an earlier one.

use crate::os::process::{self, Prepared};
use crate::vrrp::timers::Instant;
use core::time::Duration;
use log::{debug, error, warn};
use std::collections::VecDeque;

/// Commands waiting behind a running one; beyond this the oldest are dropped (a flapping
/// instance must not queue work without bound).
const QUEUE_MAX: usize = 32;

pub(super) struct Job {
    pub cmd: Prepared,
    pub env: Vec<(&'static str, String)>,
}

#[derive(Default)]
pub(super) struct JobQueue {
    jobs: VecDeque<Job>,
    running: Option<(i32, Instant)>,
}

impl JobQueue {
    /// Queue `job` and start it if nothing runs. `who` names the instance in logs.
    pub fn push(&mut self, job: Job, now: Instant, timeout: Duration, who: &str) {
        if self.jobs.len() >= QUEUE_MAX {
            self.jobs.pop_front();
            warn!("({who}) command queue full: dropped the oldest");
        }
        self.jobs.push_back(job);
        self.start_next(now, timeout, who);
    }

    fn start_next(&mut self, now: Instant, timeout: Duration, who: &str) {
        while self.running.is_none() {
            let Some(job) = self.jobs.pop_front() else {
                return;
            };
            match spawn(&job) {
                Ok(pid) => {
                    debug!("({who}) running {} (pid {pid})", job.cmd.text);
                    self.running = Some((pid, now + timeout));
                }
                Err(e) => error!("({who}) cannot run {}: {e}", job.cmd.text),
            }
        }
    }

    pub fn owns(&self, pid: i32) -> bool {
        self.running.is_some_and(|(p, _)| p == pid)
    }

    /// The running command (`owns(pid)`) ended: start the next.
    pub fn ended(&mut self, now: Instant, timeout: Duration, who: &str) {
        self.running = None;
        self.start_next(now, timeout, who);
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.running.map(|(_, d)| d)
    }

    pub fn is_idle(&self) -> bool {
        self.running.is_none() && self.jobs.is_empty()
    }

    /// Kill the running command if it overran its time (it is reaped later).
    pub fn expire(&mut self, now: Instant, who: &str) {
        if let Some((pid, deadline)) = self.running {
            if deadline <= now {
                warn!("({who}) command (pid {pid}) overran its time: killing it");
                process::kill_group(pid);
                self.running = Some((pid, Instant::from_micros(u64::MAX)));
            }
        }
    }

    /// Keep the commands of `old` (a reload must not lose them).
    pub fn take_from(&mut self, old: &mut JobQueue) {
        self.jobs = core::mem::take(&mut old.jobs);
        self.running = old.running.take();
    }

    /// The daemon is exiting: start everything still queued now, out of order, rather
    /// than never (whatever runs is reaped by init).
    pub fn abandon(&mut self, who: &str) {
        self.running = None;
        while let Some(job) = self.jobs.pop_front() {
            if let Err(e) = spawn(&job) {
                error!("({who}) cannot run {}: {e}", job.cmd.text);
            }
        }
    }
}

/// The queue of an instance removed by a reload: it keeps running its commands in order
/// (a notify_stop, an nft removal) until empty.
pub(super) struct Retired {
    pub who: String,
    pub queue: JobQueue,
    pub timeout: Duration,
}

fn spawn(job: &Job) -> std::io::Result<i32> {
    let env: Vec<(&str, &str)> = job.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    process::spawn(&job.cmd, &env)
}
