//! Every child process the daemon runs, in one table: pid → owner. Track scripts start
//! when their check is due; notify scripts and nft commands wait in ordered queues (one
//! per instance and purpose) and run one at a time, each spawned when the one before it
//! has been reaped, so a later command can never overtake an earlier one. Nothing here
//! waits: children are reaped on SIGCHLD, and a queued command that overruns its time is
//! killed with its process group.

use crate::os::process::{self, Exit, Prepared};
use crate::vrrp::timers::Instant;
use core::time::Duration;
use log::{debug, error, warn};
use std::collections::VecDeque;
use std::io;

/// Commands waiting behind a running one; beyond this the oldest are dropped (a flapping
/// instance must not queue work without bound).
const QUEUE_MAX: usize = 32;

/// A `vrrp_script` check, numbered by its owner (`health`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckId(pub u32);

/// An ordered command queue, numbered here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueId(u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Check(CheckId),
    Queue(QueueId),
    /// Runs as long as it likes (a notify FIFO's reader, `notify_fifo_script`).
    Service,
}

/// A command for a queue, with what it adds to the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub cmd: Prepared,
    pub env: Vec<(&'static str, String)>,
}

/// How a queue reports a command that failed: (who, pid, exit).
pub type Report = fn(&str, i32, Exit);

struct Queue {
    id: QueueId,
    /// The instance it belongs to, for log lines.
    who: String,
    /// Each command's time unless pushed with its own (`push_within`).
    timeout: Duration,
    report: Report,
    jobs: VecDeque<(Job, Duration)>,
    running: Option<i32>,
    /// Its owner is gone (a reload removed the instance): it runs what it has, then goes.
    retired: bool,
}

impl Queue {
    fn is_idle(&self) -> bool {
        self.running.is_none() && self.jobs.is_empty()
    }
}

struct Child {
    pid: i32,
    owner: Owner,
    /// When a queued command is killed for overrunning; None once killed, and for checks
    /// (their timeout is the check's own schedule).
    deadline: Option<Instant>,
}

/// `os::process::spawn`'s shape: command and added environment in, pid out.
type Spawn = fn(&Prepared, &[(&str, &str)]) -> io::Result<i32>;

/// The two syscalls, replaceable so the bookkeeping is tested without processes.
struct Ops {
    spawn: Spawn,
    kill: fn(i32),
}

pub struct Children {
    table: Vec<Child>,
    queues: Vec<Queue>,
    next_queue: u32,
    ops: Ops,
}

impl Default for Children {
    fn default() -> Self {
        Children::with_ops(Ops {
            spawn: process::spawn,
            kill: process::kill_group,
        })
    }
}

impl Children {
    fn with_ops(ops: Ops) -> Children {
        Children {
            table: Vec::new(),
            queues: Vec::new(),
            next_queue: 0,
            ops,
        }
    }

    /// Start a check's run now.
    pub fn spawn(&mut self, check: CheckId, cmd: &Prepared) -> io::Result<()> {
        let pid = (self.ops.spawn)(cmd, &[])?;
        self.table.push(Child {
            pid,
            owner: Owner::Check(check),
            deadline: None,
        });
        Ok(())
    }

    /// Start a command that runs as long as it likes (its end is logged).
    pub fn start(&mut self, cmd: &Prepared) -> io::Result<()> {
        let pid = (self.ops.spawn)(cmd, &[])?;
        debug!("started {} (pid {pid})", cmd.text);
        self.table.push(Child {
            pid,
            owner: Owner::Service,
            deadline: None,
        });
        Ok(())
    }

    /// Kill a check's run (its process group); its end is reported by `ended` as usual.
    pub fn kill(&mut self, check: CheckId) {
        if let Some(c) = self.table.iter().find(|c| c.owner == Owner::Check(check)) {
            (self.ops.kill)(c.pid);
        }
    }

    /// Kill a check's run and forget it: its end concerns nobody any more.
    pub fn cancel(&mut self, check: CheckId) {
        self.kill(check);
        self.table.retain(|c| c.owner != Owner::Check(check));
    }

    /// A new, empty queue for `who`; each command gets `timeout` to finish.
    pub fn queue(&mut self, who: &str, timeout: Duration, report: Report) -> QueueId {
        let id = QueueId(self.next_queue);
        self.next_queue = self.next_queue.wrapping_add(1);
        self.queues.push(Queue {
            id,
            who: who.to_string(),
            timeout,
            report,
            jobs: VecDeque::new(),
            running: None,
            retired: false,
        });
        id
    }

    /// Queue `job` and start it if nothing of that queue runs.
    pub fn push(&mut self, q: QueueId, job: Job, now: Instant) {
        self.push_within(q, job, None, now);
    }

    /// `push` with a time of its own for this command (None: the queue's).
    pub fn push_within(&mut self, q: QueueId, job: Job, timeout: Option<Duration>, now: Instant) {
        let Some(k) = self.queues.iter().position(|x| x.id == q) else {
            return;
        };
        let queue = &mut self.queues[k];
        if queue.jobs.len() >= QUEUE_MAX {
            queue.jobs.pop_front();
            warn!("({}) command queue full: dropped the oldest", queue.who);
        }
        queue
            .jobs
            .push_back((job, timeout.unwrap_or(queue.timeout)));
        self.start_next(k, now);
    }

    /// The queue's owner is gone: it keeps running its commands in order (a notify_stop,
    /// an nft removal) and goes when empty.
    pub fn retire(&mut self, q: QueueId) {
        if let Some(queue) = self.queues.iter_mut().find(|x| x.id == q) {
            queue.retired = true;
        }
        self.queues.retain(|x| !(x.retired && x.is_idle()));
    }

    fn start_next(&mut self, k: usize, now: Instant) {
        let q = &mut self.queues[k];
        while q.running.is_none() {
            let Some((job, timeout)) = q.jobs.pop_front() else {
                break;
            };
            match spawn(self.ops.spawn, &job) {
                Ok(pid) => {
                    debug!("({}) running {} (pid {pid})", q.who, job.cmd.text);
                    q.running = Some(pid);
                    self.table.push(Child {
                        pid,
                        owner: Owner::Queue(q.id),
                        deadline: Some(now + timeout),
                    });
                }
                Err(e) => error!("({}) cannot run {}: {e}", q.who, job.cmd.text),
            }
        }
        if q.retired && q.is_idle() {
            self.queues.swap_remove(k);
        }
    }

    /// A child was reaped. A queue starts its next command; a check's end is returned
    /// for its owner to judge. Unknown pids (cancelled, abandoned) are nobody's.
    pub fn ended(&mut self, pid: i32, exit: Exit, now: Instant) -> Option<CheckId> {
        let i = self.table.iter().position(|c| c.pid == pid)?;
        match self.table.swap_remove(i).owner {
            Owner::Check(id) => Some(id),
            Owner::Service => {
                warn!("notify FIFO script (pid {pid}) ended with {exit}");
                None
            }
            Owner::Queue(q) => {
                let k = self.queues.iter().position(|x| x.id == q)?;
                let queue = &mut self.queues[k];
                queue.running = None;
                if !exit.success() && !queue.retired {
                    (queue.report)(&queue.who, pid, exit);
                }
                self.start_next(k, now);
                None
            }
        }
    }

    /// Kill every queued command that overran its time (it is reaped later).
    pub fn expire(&mut self, now: Instant) {
        for c in &mut self.table {
            if c.deadline.is_some_and(|d| d <= now) {
                let who = match c.owner {
                    Owner::Queue(q) => self.queues.iter().find(|x| x.id == q),
                    Owner::Check(_) | Owner::Service => None,
                };
                let who = who.map_or("", |q| q.who.as_str());
                warn!(
                    "({who}) command (pid {}) overran its time: killing it",
                    c.pid
                );
                (self.ops.kill)(c.pid);
                c.deadline = None;
            }
        }
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.table.iter().filter_map(|c| c.deadline).min()
    }

    /// Whether every queue has run everything it was given.
    pub fn queues_idle(&self) -> bool {
        self.queues.iter().all(Queue::is_idle)
    }

    /// Whether queue `q` has run everything it was given (a queue that is gone has).
    pub fn is_idle(&self, q: QueueId) -> bool {
        self.queues.iter().all(|x| x.id != q || x.is_idle())
    }

    /// Queue `q` is of no use any more: its running command is killed (and nobody's once
    /// reaped), the rest never runs.
    pub fn drop_queue(&mut self, q: QueueId) {
        let Some(k) = self.queues.iter().position(|x| x.id == q) else {
            return;
        };
        if let Some(pid) = self.queues.swap_remove(k).running {
            (self.ops.kill)(pid);
            self.table.retain(|c| c.pid != pid);
        }
    }

    /// The daemon is exiting: start everything still queued in `q` now, out of order,
    /// rather than never (whatever runs is reaped by init).
    pub fn abandon(&mut self, q: QueueId) {
        let Some(k) = self.queues.iter().position(|x| x.id == q) else {
            return;
        };
        let queue = self.queues.swap_remove(k);
        if let Some(pid) = queue.running {
            self.table.retain(|c| c.pid != pid);
        }
        for (job, _) in queue.jobs {
            if let Err(e) = spawn(self.ops.spawn, &job) {
                error!("({}) cannot run {}: {e}", queue.who, job.cmd.text);
            }
        }
    }

    /// `abandon` every queue left (those of instances a reload removed).
    pub fn abandon_all(&mut self) {
        while let Some(q) = self.queues.first().map(|q| q.id) {
            self.abandon(q);
        }
    }
}

fn spawn(spawn: Spawn, job: &Job) -> io::Result<i32> {
    let env: Vec<(&str, &str)> = job.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn(&job.cmd, &env)
}

#[cfg(test)]
mod tests;
