//! `vrrp_track_process` at runtime: which processes match each tracked block, and each
//! block's quorum (`vrrp::process`). Processes are followed through the kernel's process
//! events (fork, exec, name change, exit), as keepalived follows them, after one scan of
//! /proc; where the kernel offers no events (no CONFIG_PROC_EVENTS, or any network
//! namespace but the first), /proc is scanned every SCAN_PERIOD instead. A scan reads
//! SCAN_BATCH processes per pass of the loop, so it never holds adverts back.

use crate::config::model::TrackProcess;
use crate::os::procwatch::{ProcEvent, ProcEvents, Scan, read_process};
use crate::vrrp::process::Quorum;
use crate::vrrp::timers::Instant;
use crate::vrrp::track::Health;
use core::time::Duration;
use log::{info, warn};
use std::os::fd::RawFd;

/// How often /proc is scanned where there are no process events (said in words below).
pub const SCAN_PERIOD: Duration = Duration::from_secs(1);
/// Processes read per pass of the loop during a scan.
const SCAN_BATCH: usize = 256;
/// Events read per pass (a fork storm waits in the socket; a lost event means a rescan).
const EVENT_BUDGET: usize = 256;

struct Block {
    cfg: TrackProcess,
    quorum: Quorum,
    /// The matching processes.
    pids: Vec<u32>,
}

/// A scan in progress: the matching processes found so far, per block, and when its
/// next batch is due (at once: the next pass of the loop).
struct Scanning {
    dir: Scan,
    found: Vec<Vec<u32>>,
    due: Instant,
}

#[derive(Default)]
pub struct Procs {
    blocks: Vec<Block>,
    events: Option<ProcEvents>,
    scan: Option<Scanning>,
    /// When the next scan starts (without events only).
    next_scan: Option<Instant>,
    /// Whether a block matches command lines (only then are they read).
    cmdline: bool,
}

impl Procs {
    /// Track these blocks from now on (start and reload): a block whose definition did
    /// not change keeps its processes and quorum; the others start Pending, and a scan
    /// finds them.
    pub fn set(&mut self, tracked: Vec<TrackProcess>, now: Instant) {
        let mut old = core::mem::take(&mut self.blocks);
        let mut fresh = false;
        for cfg in tracked {
            if let Some(k) = old.iter().position(|b| b.cfg == cfg) {
                self.blocks.push(old.swap_remove(k));
                continue;
            }
            fresh = true;
            let quorum = Quorum::new(
                cfg.quorum,
                cfg.quorum_max,
                cfg.fork_delay,
                cfg.terminate_delay,
            );
            self.blocks.push(Block {
                cfg,
                quorum,
                pids: Vec::new(),
            });
        }
        self.cmdline = self.blocks.iter().any(|b| b.cfg.full_command);
        if self.blocks.is_empty() {
            (self.events, self.scan, self.next_scan) = (None, None, None);
            return;
        }
        if self.events.is_none() && self.next_scan.is_none() {
            match ProcEvents::open() {
                Ok(ev) => self.events = Some(ev),
                Err(e) => info!(
                    "track_process: no process events from the kernel ({e}); scanning /proc every second"
                ),
            }
        }
        if fresh {
            self.start_scan(now);
        }
    }

    pub fn raw_fd(&self) -> Option<RawFd> {
        self.events.as_ref().map(ProcEvents::raw_fd)
    }

    /// The block's quorum (Pending before the first scan has counted it).
    pub fn health(&self, name: &str) -> Option<Health> {
        let b = self.blocks.iter().find(|b| b.cfg.name == name)?;
        Some(b.quorum.health())
    }

    /// How many matching processes the block counts.
    pub fn count(&self, name: &str) -> u32 {
        self.blocks
            .iter()
            .find(|b| b.cfg.name == name)
            .map_or(0, |b| b.quorum.count())
    }

    fn start_scan(&mut self, now: Instant) {
        match Scan::start() {
            Ok(dir) => {
                let found = vec![Vec::new(); self.blocks.len()];
                self.scan = Some(Scanning {
                    dir,
                    found,
                    due: now,
                });
            }
            Err(e) => warn!("track_process: cannot read /proc: {e}"),
        }
        if self.events.is_none() {
            self.next_scan = Some(now + SCAN_PERIOD);
        }
    }

    /// A scan's next batch is due at once; a quorum delay or the next scan later.
    pub fn next_deadline(&self) -> Option<Instant> {
        let busy = self.scan.as_ref().map(|s| s.due);
        let quorum = self.blocks.iter().filter_map(|b| b.quorum.poll_timeout());
        busy.into_iter().chain(quorum).chain(self.next_scan).min()
    }

    /// Serve what is due: a batch of the scan, ended quorum delays, the next scan.
    /// Returns whether a block's result changed.
    pub fn fire(&mut self, now: Instant) -> bool {
        let mut changed = false;
        if let Some(s) = &mut self.scan {
            s.due = now;
            let pids = s.dir.next_pids(SCAN_BATCH);
            for pid in &pids {
                let Some((comm, line)) = read_process(*pid, self.cmdline) else {
                    continue;
                };
                for (b, found) in self.blocks.iter().zip(&mut s.found) {
                    if b.cfg.matches(&comm, &line) {
                        found.push(*pid);
                    }
                }
            }
            if pids.len() < SCAN_BATCH {
                let found = core::mem::take(&mut s.found);
                self.scan = None;
                for (b, pids) in self.blocks.iter_mut().zip(found) {
                    b.pids = pids;
                    changed |= count(b, now);
                }
            }
        }
        for b in &mut self.blocks {
            if let Some(h) = b.quorum.handle_timeout(now) {
                report(b, h);
                changed = true;
            }
        }
        if self.next_scan.is_some_and(|t| t <= now) && self.scan.is_none() {
            self.start_scan(now);
        }
        changed
    }

    /// Process events, EVENT_BUDGET at most. Returns whether a block's result changed,
    /// and whether events were left unread.
    pub fn read_events(&mut self, now: Instant) -> (bool, bool) {
        let mut changed = false;
        for _ in 0..EVENT_BUDGET {
            let read = match &self.events {
                Some(ev) => ev.read(),
                None => return (changed, false),
            };
            let event = match read {
                Ok(Some(e)) => e,
                Ok(None) => return (changed, false),
                Err(e) => {
                    // Lost events (ENOBUFS): what we know may be wrong; count again.
                    warn!("track_process: {e}; scanning /proc again");
                    self.start_scan(now);
                    return (changed, false);
                }
            };
            let Some(event) = event else { continue };
            // A process that ran something else, or renamed itself: read once.
            let now_is = match event {
                ProcEvent::Changed(p) => read_process(p, self.cmdline),
                _ => None,
            };
            for b in &mut self.blocks {
                let had = b.pids.contains(&match event {
                    ProcEvent::Fork { parent, .. } => parent,
                    ProcEvent::Changed(p) | ProcEvent::Exit(p) => p,
                    ProcEvent::Listening => continue,
                });
                match event {
                    // keepalived: the child of a matching process matches until it runs
                    // something else (an exec event then says so).
                    ProcEvent::Fork { child, .. } if had => b.pids.push(child),
                    ProcEvent::Exit(p) if had => b.pids.retain(|&x| x != p),
                    ProcEvent::Changed(p) => {
                        let now_matches = now_is
                            .as_ref()
                            .is_some_and(|(comm, line)| b.cfg.matches(comm, line));
                        match (had, now_matches) {
                            (false, true) => b.pids.push(p),
                            (true, false) => b.pids.retain(|&x| x != p),
                            _ => continue,
                        }
                    }
                    _ => continue,
                }
                changed |= count(b, now);
            }
        }
        (changed, true)
    }
}

/// The block's new count to its quorum; whether its result changed (logged).
fn count(b: &mut Block, now: Instant) -> bool {
    match b.quorum.set_count(now, b.pids.len() as u32) {
        Some(h) => {
            report(b, h);
            true
        }
        None => false,
    }
}

/// keepalived's words for a quorum change.
fn report(b: &Block, h: Health) {
    let word = if h == Health::Good { "gained" } else { "lost" };
    info!(
        "Quorum {word} for tracked process {} ({} running)",
        b.cfg.name,
        b.quorum.count()
    );
}
