//! The notify FIFOs (`notify_fifo`, `vrrp_notify_fifo`): every instance and sync-group
//! transition as keepalived's line (`INSTANCE "VI_1" MASTER 150`), in order, on each FIFO.
//! A FIFO is created if missing and opened read-write and non-blocking (`os::fifo`): an
//! absent or stalled reader never blocks the loop; what the pipe does not take waits in
//! the FIFO's backlog and is written first when the reader catches up (tried every
//! RETRY), and only the oldest lines are lost when even the backlog is full. Each FIFO's
//! `_script` starts once, with the FIFO's name as its last argument, as keepalived runs
//! it; it ends when it sees the end of the FIFO at stop.

use super::children::Children;
use super::error::StartError;
use crate::config::model::Config;
use crate::os::fifo::{Backlog, Fifo};
use crate::os::process::{self, Cred, Prepared};
use crate::vrrp::timers::Instant;
use core::time::Duration;
use log::warn;

/// How often a backlog is offered to a reader that fell behind.
const RETRY: Duration = Duration::from_millis(100);

struct Open {
    path: String,
    fifo: Fifo,
    backlog: Backlog,
}

#[derive(Default)]
pub struct Fifos {
    open: Vec<Open>,
    /// When backlogs are offered again (None: all empty).
    retry: Option<Instant>,
}

/// A FIFO's script and owner, checked like every command at start (and by `-t`).
pub struct Script {
    cmd: Option<Prepared>,
    /// Who owns the FIFO when we make it: its user, else `script_user`'s (keepalived's).
    owner: Option<(u32, u32)>,
}

/// Resolve the FIFOs' scripts (program, user, security), as notify commands are, and
/// their owners; each problem goes to `problems`.
pub fn prepare_scripts(
    config: &Config,
    default: Option<Cred>,
    problems: &mut Vec<StartError>,
) -> Vec<Script> {
    let mut out = Vec::new();
    for f in &config.fifos {
        let mut keep = |e| problems.push(StartError::command(format!("notify FIFO {}", f.path))(e));
        let cmd = f.script.as_ref().and_then(|c| {
            match process::prepare(c, default, config.script_security) {
                Ok(p) => Some(p.with_args(&[&f.path])),
                Err(e) => {
                    keep(e);
                    None
                }
            }
        });
        let owner = match &f.owner {
            Some(u) => process::default_user(Some(u)).unwrap_or_else(|e| {
                keep(e);
                None
            }),
            None => default,
        };
        let owner = owner.map(|c| (c.uid, c.gid));
        out.push(Script { cmd, owner });
    }
    out
}

impl Fifos {
    /// Open the configuration's FIFOs (start and reload: one that stays keeps its
    /// backlog and reader; one gone is closed, and removed if we made it) and start the
    /// scripts of those opened now.
    pub fn set(&mut self, config: &Config, scripts: Vec<Script>, children: &mut Children) {
        let mut old = core::mem::take(&mut self.open);
        for (f, script) in config.fifos.iter().zip(scripts) {
            if let Some(k) = old.iter().position(|o| o.path == f.path) {
                self.open.push(old.swap_remove(k));
                continue;
            }
            match Fifo::open(&f.path, script.owner) {
                Ok(fifo) => {
                    if let Some(s) = script.cmd {
                        if let Err(e) = children.start(&s) {
                            warn!("cannot run notify FIFO script {}: {e}", s.text);
                        }
                    }
                    self.open.push(Open {
                        path: f.path.clone(),
                        fifo,
                        backlog: Backlog::default(),
                    });
                }
                Err(e) => warn!("Unable to open notify FIFO {}: {e}", f.path),
            }
        }
    }

    /// One line to every FIFO, after what waits before it.
    pub fn line(&mut self, line: String, now: Instant) {
        for o in &mut self.open {
            o.backlog.push(line.clone());
        }
        self.flush(now);
    }

    /// Offer every backlog to its pipe; retry later what is left.
    fn flush(&mut self, now: Instant) {
        let mut left = false;
        for o in &mut self.open {
            let fifo = &o.fifo;
            if let Err(e) = o.backlog.flush(&mut |b| fifo.write(b)) {
                warn!("notify FIFO {}: {e}", o.path);
            }
            let dropped = o.backlog.take_dropped();
            if dropped > 0 {
                warn!(
                    "notify FIFO {}: its reader fell behind, {dropped} oldest lines dropped",
                    o.path
                );
            }
            left |= !o.backlog.is_empty();
        }
        self.retry = left.then_some(now + RETRY);
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.retry
    }

    pub fn fire(&mut self, now: Instant) {
        self.flush(now);
    }

    /// Whether any FIFO is open (a transition then makes a line).
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }
}
