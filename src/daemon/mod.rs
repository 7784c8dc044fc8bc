//! The daemon: one thread, one poll loop over components that each own one resource —
//! `links` (the VRRP sockets, each a `link`), `routers` (the virtual routers, each a
//! `router` with its machine, its `attach`ment to the host, its advert `intake`, its `ah`
//! state, its `hooks` and what it has `installed` in the kernel; their sync `groups`),
//! `tracking` (checks, tracked `ifaces`, `procs` and `files`), `children` (every child
//! process), `vmac` (virtual MAC interfaces), `routes::Statics` (the node's static
//! addresses, routes and rules, and the route news), `fifo` (the notify FIFOs), `status`
//! (the snapshot) and `control` (the status socket and dump files it goes out through),
//! `lifecycle` (the startup and shutdown scripts, and where the daemon is in its life),
//! `realtime` (SCHED_RR and its way out). The commands a configuration runs are checked
//! as one set (`commands`). Those that act on the host are held together in
//! `components`, which carries each change from one to the others; this file is the
//! loop: it waits on the descriptors (`Slot`) and the components' next deadline
//! (`Timer`), hands each ready descriptor to its owner, reads the ready links in
//! budgeted rounds (`receive`), and runs the start, reload and stop. The decisions are
//! the core's (`vrrp`), the bytes the codec's (`wire`), the syscalls `os`'s.

mod ah;
mod attach;
mod children;
mod commands;
mod components;
mod control;
mod error;
mod fifo;
mod files;
mod firewall;
mod groups;
mod hooks;
mod ifaces;
mod installed;
mod intake;
mod io;
mod json;
mod lifecycle;
mod link;
mod links;
mod monitor;
mod notify;
mod params;
mod poll;
mod procs;
mod realtime;
mod receive;
mod reload;
mod router;
mod routers;
mod routes;
mod source;
mod status;
mod tracking;
mod transition;
mod vips;
mod vmac;

pub use error::StartError;

use crate::config::model::Config;
use crate::os::clock;
use crate::os::conffiles::ConfigFiles;
use crate::os::signals::{Signal, Signals};
use crate::vrrp::timers::Instant;
use commands::Commands;
use components::Components;
use control::StatusSocket;
use core::time::Duration;
use log::{error, info};
use poll::{PollSet, Slot};
use realtime::Realtime;
use receive::ReadyLinks;
use std::path::PathBuf;

/// Resolve every command the configuration names as the start does (the `-t` check):
/// every problem, not only the first.
pub fn check_commands(config: &Config) -> Vec<StartError> {
    Commands::prepare(config).1
}

/// Longest a stop waits for a new Master before removing the VIPs anyway: covers the
/// Skew_Time of any Backup at advert intervals up to ~2 s without making a stop slow.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Signals read in one pass of the loop.
type Signals8 = heapless::Vec<Signal, 8>;

/// Where the daemon gets its configuration, writes its state dump (SIGUSR1) and its
/// counters (SIGUSR2), and answers status requests.
pub struct Paths {
    pub config: PathBuf,
    /// How a reload reads the file and what it includes: the start's config ID (`-i`,
    /// else the host name as it was at start) for `@ID` lines.
    pub files: ConfigFiles,
    pub dump: PathBuf,
    pub stats: PathBuf,
    pub control: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Stopped by SIGTERM/SIGINT after resigning and removing VIPs.
    Stopped,
}

pub struct Daemon {
    paths: Paths,
    signals: Signals,
    status: StatusSocket,
    /// Rebuilt when links change.
    poll: PollSet,
    /// The last pass left input unread: the next one sleeps first (`poll::plan`).
    saturated: bool,
    /// Links found readable in a pass, read once the other slots are served.
    ready: ReadyLinks,
    realtime: Realtime,
    /// Everything that acts on the host, and how a change reaches the rest.
    parts: Components,
}

impl Daemon {
    pub fn new(config: Config, paths: Paths) -> Result<Daemon, StartError> {
        // First: a stop request during start-up (nft, interfaces) waits in the signalfd
        // for the loop, instead of ending the daemon by the default action.
        let signals = Signals::open().map_err(StartError::setup("cannot set up signals"))?;
        let realtime = Realtime::enter(&config);
        // Every command is checked before anything is touched.
        let c = Commands::checked(&config)?;
        firewall::clean(c.nft.as_ref());
        let status = StatusSocket::bind(&paths.control);
        let mut d = Daemon {
            paths,
            signals,
            status,
            poll: PollSet::default(),
            saturated: false,
            ready: ReadyLinks::default(),
            realtime,
            parts: Components::start(config, c)?,
        };
        d.sync_poll();
        Ok(d)
    }

    /// Rebuild the poll set: the signals, the interface monitor, the status socket,
    /// then the components' descriptors (`Components::fds`), served in this order.
    fn sync_poll(&mut self) {
        let fixed = [
            (Slot::Signals, self.signals.raw_fd()),
            (Slot::Monitor, self.parts.monitor_fd()),
            (Slot::Status, self.status.raw_fd()),
        ];
        self.poll.set(fixed.into_iter().chain(self.parts.fds()));
    }

    /// Run until told to stop. Returns after every VIP is removed.
    pub fn run(&mut self) -> std::io::Result<Exit> {
        loop {
            let mut signals = Signals8::new();
            self.step(None, &mut signals)?;
            for sig in signals {
                match sig {
                    Signal::Terminate => {
                        self.shutdown();
                        return Ok(Exit::Stopped);
                    }
                    Signal::Reload => self.reload(),
                    Signal::Dump => control::dump(&self.paths.dump, &self.parts.snapshot().text()),
                    Signal::Stats => {
                        control::dump(&self.paths.stats, &self.parts.snapshot().stats())
                    }
                    Signal::CpuLimit => self.realtime.leave(),
                    // Handled inside `step`, which also runs during shutdown.
                    Signal::Child => {}
                }
            }
        }
    }

    /// One pass of the loop: wait for a descriptor or the next deadline (no longer than
    /// `cap`), serve what is ready, then the timers now due. Reading first matters after
    /// a stall (the process stopped or starved past a Master_Down_Interval): the Master's
    /// adverts queued meanwhile are taken before the overdue timer could take over from
    /// it. Signals other than SIGCHLD are handed back for the caller to act on.
    fn step(&mut self, cap: Option<Duration>, signals: &mut Signals8) -> std::io::Result<()> {
        let next = self.parts.next_deadline();
        let saturated = core::mem::take(&mut self.saturated);
        let (wait, scope) = poll::plan(clock::now(), next, cap, saturated);
        self.poll.wait(wait, scope)?;
        // A served slot may rebuild the poll set (a re-created interface): what follows
        // it then reads as not ready, and is served on the next pass.
        let mut k = 0;
        while let Some((slot, is_ready)) = self.poll.get(k) {
            if is_ready {
                match slot {
                    Slot::Signals => self.read_signals(signals)?,
                    Slot::Monitor => {
                        let (more, relinked) = self.parts.link_news();
                        self.saturated |= more;
                        if relinked {
                            self.sync_poll();
                        }
                    }
                    Slot::Status => self.saturated |= self.status.serve(|| self.parts.snapshot()),
                    Slot::Link(id) => self.ready.push(id),
                    Slot::Routes => self.saturated |= self.parts.route_news(),
                    Slot::Procs => self.saturated |= self.parts.process_events(),
                    Slot::Files => self.parts.file_events(),
                }
            }
            k += 1;
        }
        self.saturated |= self.parts.receive(&mut self.ready);
        self.parts.end_pass(clock::now());
        Ok(())
    }

    fn read_signals(&mut self, out: &mut Signals8) -> std::io::Result<()> {
        while let Some(sig) = self.signals.read()? {
            if sig == Signal::Child {
                self.parts.reap();
            } else {
                let _ = out.push(sig);
            }
        }
        Ok(())
    }

    /// SIGHUP (see `reload`); on any error the running configuration stays.
    fn reload(&mut self) {
        let Some(new) = reload::read(&self.paths.config, &self.paths.files) else {
            return;
        };
        self.parts.reload(new, &self.paths.config);
        self.sync_poll();
    }

    /// SIGTERM: every Master resigns (priority 0) and keeps serving its VIPs until the
    /// new Master is heard (make before break, see `Machine::shutdown`). A second stop
    /// request, an error, or SHUTDOWN_GRACE cuts the wait short; the VIPs go in any case.
    /// notify_stop scripts get the same grace to start in order. Then the shutdown script
    /// and event, each until it ends or its time is up (keepalived's exit waits for its
    /// shutdown script too); a start still running is cut short first.
    pub fn shutdown(&mut self) {
        let now = self.parts.resign();
        let handing_over = Components::handing_over;
        self.serve_until(now + SHUTDOWN_GRACE, handing_over, "removing VIPs now");
        if let Some(until) = self.parts.finish() {
            let running = Components::shutdown_running;
            self.serve_until(until, running, "not waiting for the shutdown script");
            self.parts.cancel_shutdown();
        }
        info!("stopped");
    }

    /// While stopping: run the loop while the components are `busy`, until `deadline`, a
    /// second stop request or an error (logged with `cut`: what happens then).
    fn serve_until(&mut self, deadline: Instant, busy: fn(&Components) -> bool, cut: &str) {
        while busy(&self.parts) {
            let left = deadline.saturating_since(clock::now());
            if left.is_zero() {
                break;
            }
            let mut signals = Signals8::new();
            match self.step(Some(left), &mut signals) {
                Ok(()) if signals.contains(&Signal::Terminate) => {
                    info!("second stop request: {cut}");
                    break;
                }
                Ok(()) => {}
                Err(e) => {
                    error!("while stopping: {e}; {cut}");
                    break;
                }
            }
        }
    }
}
