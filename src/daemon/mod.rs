//! The daemon: one thread, one poll loop over components that each own one resource —
//! `links` (the VRRP sockets, each a `link`), `routers` (the virtual routers, each a
//! `router` with its machine, its `attach`ment to the host, its `ah` state, its `hooks`
//! and its `routes`; their sync `groups`), `tracking` (checks, tracked `ifaces`, `procs`
//! and `files`), `children` (every child process), `vmac` (virtual MAC interfaces),
//! `routes::Statics` (the node's static addresses, routes and rules, and the route news),
//! `fifo` (the notify FIFOs), `status` (the snapshot) and `control` (the status socket
//! and dump files it goes out through), `lifecycle` (the startup and shutdown scripts,
//! which the instances wait for at the start and the exit waits for at the stop). The
//! commands a configuration runs are checked as one set (`commands`). The loop asks each
//! component for its next deadline (`Timer`) and hands each ready descriptor to its owner
//! (`Slot`); the decisions are the core's (`vrrp`), the bytes the codec's (`wire`), the
//! syscalls `os`'s.

mod ah;
mod attach;
mod children;
mod commands;
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

use crate::config::model::{AddrOptions, Config, Route, Rule, TrackScript, Vip};
use crate::os::conffiles::ConfigFiles;
use crate::os::netlink::AddrEntry;
use crate::os::process::{self, Prepared};
use crate::os::signals::{Signal, Signals};
use crate::os::{self, clock};
use crate::vrrp::timers::Instant;
use commands::Commands;
use control::StatusSocket;
use core::time::Duration;
use io::Io;
use lifecycle::Lifecycle;
use links::{LinkId, Rx};
use log::{debug, error, info, warn};
use monitor::{Monitor, News};
use notify::Notifier;
use poll::{PollSet, Slot};
use routers::Routers;
use routes::Statics;
use status::Snapshot;
use std::path::PathBuf;
use tracking::{Tracking, Watched};

/// Resolve every command the configuration names as the start does (the `-t` check):
/// every problem, not only the first.
pub fn check_commands(config: &Config) -> Vec<StartError> {
    Commands::prepare(config).1
}

/// Datagrams read from one link in one round of a pass; rounds go on over the links still
/// readable until RX_BUDGET datagrams were read in the pass. The budget exceeds what a
/// VRRP socket's receive buffer holds (≈ 700 datagrams at SO_RCVBUF 256 KiB), so one pass
/// reads everything queued before the timers run (`step`), and no flood on one link
/// starves another.
const RX_ROUND: usize = 64;
const RX_BUDGET: usize = 1024;
/// Longest a stop waits for a new Master before removing the VIPs anyway: covers the
/// Skew_Time of any Backup at advert intervals up to ~2 s without making a stop slow.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Reads of route news in one pass (each up to 8 KiB of notices).
const ROUTE_READS: usize = 8;

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

/// Where the daemon is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The startup script and event run: every instance waits in INIT.
    Starting,
    Running,
    /// Shutting down: tracking no longer starts or restarts instances.
    Stopping,
}

/// What the loop wakes up for besides descriptors: one deadline per component, served
/// in this order when due.
#[derive(Debug, Clone, Copy)]
enum Timer {
    /// The machines' timers (adverts, Master_Down, GARP bursts, release).
    Routers,
    /// Checks due to start, runs due to be killed.
    Checks,
    /// Mute instances trying again (`vrrp::ready`).
    Retry,
    /// Queued commands over their time.
    Children,
    /// FIFO lines a slow reader left waiting.
    Fifo,
}
const TIMERS: [Timer; 5] = [
    Timer::Routers,
    Timer::Checks,
    Timer::Retry,
    Timer::Children,
    Timer::Fifo,
];

pub struct Daemon {
    paths: Paths,
    /// keepalived's `router_id`: this node's name in the dump (the host name if unset).
    router_id: String,
    routers: Routers,
    tracking: Tracking,
    statics: Statics,
    io: Io,
    signals: Signals,
    monitor: Monitor,
    status: StatusSocket,
    /// Rebuilt when links change.
    poll: PollSet,
    /// The startup and shutdown scripts and events.
    lifecycle: Lifecycle,
    phase: Phase,
    /// The last pass left input unread: the next one sleeps first (`poll::plan`).
    saturated: bool,
    /// Links found readable in a pass (kept: no allocation per pass).
    ready: Vec<LinkId>,
    /// `vrrp_startup_delay`, applied when the instances start (`delay_start`).
    startup_delay: Duration,
    /// Still SCHED_RR (SIGXCPU ends it).
    realtime: bool,
    /// The start is done: `configure` is a reload's from now on.
    started: bool,
}

impl Daemon {
    pub fn new(mut config: Config, paths: Paths) -> Result<Daemon, StartError> {
        // First: a stop request during start-up (nft, interfaces) waits in the signalfd
        // for the loop, instead of ending the daemon by the default action.
        let signals = Signals::open().map_err(StartError::setup("cannot set up signals"))?;
        let realtime = realtime(&config);
        // Every command is checked before anything is touched.
        let c = Commands::checked(&config)?;
        firewall::clean(c.nft.as_ref());
        let status = StatusSocket::bind(&paths.control);
        let hotplug = notify::hotplug_command();
        let mut d = Daemon {
            router_id: String::new(),
            paths,
            routers: Routers::default(),
            tracking: Tracking::default(),
            statics: Statics::default(),
            lifecycle: Lifecycle::new(c.lifecycle, hotplug.clone()),
            io: Io::open(hotplug, c.nft)?,
            signals,
            monitor: Monitor::open()?,
            status,
            poll: PollSet::default(),
            phase: Phase::Running,
            saturated: false,
            ready: Vec::new(),
            startup_delay: Duration::ZERO,
            realtime,
            started: false,
        };
        let watched = Watched::of(&config);
        let instances = core::mem::take(&mut config.instances);
        d.routers.start(instances, c.notifiers, &mut d.io)?;
        d.sync_links();
        // Before the stale-VIP clean-up, which must never take the source address.
        d.refresh_sources();
        d.routers.start_up(&mut d.io);
        let (addrs, routes, rules) = statics(&mut config);
        d.statics.start(addrs, routes, rules, &d.io.netlink);
        let now = clock::now();
        for r in d.routers.iter() {
            firewall::warn_no_accept(r.cfg());
        }
        tracking::warn_if_unguarded(&config, &c.scripts);
        d.io.fifos.set(&config, c.fifo_scripts, &mut d.io.children);
        d.startup_delay = config.startup_delay;
        if d.lifecycle.start(now, &mut d.io.children) {
            d.phase = Phase::Starting;
        } else {
            d.delay_start(now);
        }
        d.configure(config, c.scripts, c.groups, watched, now);
        Ok(d)
    }

    /// What start and every reload (`reload`) end with, once the routers are in place:
    /// the configuration's sync groups, checks, tracked interfaces, processes and files,
    /// and name take effect, and tracking starts or adjusts the instances.
    fn configure(
        &mut self,
        config: Config,
        scripts: Vec<(TrackScript, Prepared)>,
        groups: Vec<Notifier>,
        watched: Watched,
        now: Instant,
    ) {
        self.tracking.set_watched(watched, now, self.started);
        self.started = true;
        self.routers
            .set_groups(config.sync_groups, groups, now, &mut self.io);
        self.tracking
            .set_checks(scripts, now, &mut self.io.children);
        let names = self.routers.interfaces();
        self.tracking.set_interfaces(&names, &config.link_delays);
        let tracks = self.statics.tracks() || self.routers.tracks_routes();
        self.statics.monitor(tracks);
        self.sync_links();
        self.refresh_sources();
        self.router_id = config.router_id.unwrap_or_else(os::hostname);
        self.run_checks(now);
        self.refresh_health(now);
    }

    /// Close the links no instance holds, set group memberships, rebuild the poll set.
    fn sync_links(&mut self) {
        self.io.links.sync(&self.routers.link_uses());
        let fixed = [
            (Slot::Signals, self.signals.raw_fd()),
            (Slot::Monitor, self.monitor.raw_fd()),
            (Slot::Status, self.status.raw_fd()),
        ];
        let watched = [
            (Slot::Routes, self.statics.raw_fd()),
            (Slot::Procs, self.tracking.procs.raw_fd()),
            (Slot::Files, self.tracking.files.raw_fd()),
        ];
        let watched = watched.into_iter().filter_map(|(s, fd)| Some((s, fd?)));
        let links = self.io.links.fds().map(|(id, fd)| (Slot::Link(id), fd));
        self.poll.set(fixed.into_iter().chain(watched).chain(links));
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
                    Signal::Dump => control::dump(&self.paths.dump, &self.snapshot().text()),
                    Signal::Stats => control::dump(&self.paths.stats, &self.snapshot().stats()),
                    Signal::CpuLimit => self.leave_realtime(),
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
        let next = TIMERS.iter().filter_map(|&t| self.deadline(t)).min();
        let saturated = core::mem::take(&mut self.saturated);
        let (wait, scope) = poll::plan(clock::now(), next, cap, saturated);
        self.poll.wait(wait, scope)?;
        // A served slot may rebuild the poll set (a re-created interface): what follows
        // it then reads as not ready, and is served on the next pass.
        let mut ready = core::mem::take(&mut self.ready);
        ready.clear();
        let mut k = 0;
        while let Some((slot, is_ready)) = self.poll.get(k) {
            if is_ready {
                match slot {
                    Slot::Signals => self.read_signals(signals)?,
                    Slot::Monitor => self.saturated |= self.link_news(),
                    Slot::Status => self.saturated |= self.status.serve(|| self.snapshot()),
                    Slot::Link(id) => ready.push(id),
                    Slot::Routes => self.saturated |= self.route_news(),
                    Slot::Procs => {
                        let now = clock::now();
                        let (changed, more) = self.tracking.procs.read_events(now);
                        self.saturated |= more;
                        if changed {
                            self.refresh_health(now);
                        }
                    }
                    Slot::Files => {
                        if self.tracking.files.read_events() {
                            self.refresh_health(clock::now());
                        }
                    }
                }
            }
            k += 1;
        }
        self.saturated |= self.receive(&mut ready);
        self.ready = ready;
        let now = clock::now();
        for t in TIMERS {
            if self.deadline(t).is_some_and(|d| d <= now) {
                self.fire(t, now);
            }
        }
        if self.routers.take_went_mute() {
            self.refresh_health(now);
        }
        if self.phase == Phase::Starting && self.lifecycle.is_done(&self.io.children) {
            // The instances start now, as keepalived's once its startup script is done.
            self.phase = Phase::Running;
            self.delay_start(now);
            self.run_checks(now);
            self.refresh_health(now);
        }
        self.routers.tell_groups(now, &mut self.io);
        Ok(())
    }

    /// keepalived's `vrrp_startup_delay`, from when the instances start (after the
    /// startup script): none takes over before it is over.
    fn delay_start(&mut self, now: Instant) {
        let delay = self.startup_delay;
        if delay.is_zero() {
            return;
        }
        let ms = delay.as_millis() as u64;
        let frac = format!(".{:03}", ms % 1000);
        // keepalived's words (its %g).
        info!(
            "Delaying startup for {}{} seconds",
            ms / 1000,
            frac.trim_end_matches(['0', '.'])
        );
        self.routers.delay_start(now + delay);
    }

    fn deadline(&self, t: Timer) -> Option<Instant> {
        match t {
            Timer::Routers => self.routers.next_deadline(),
            Timer::Checks if self.phase == Phase::Running => self.tracking.next_deadline(),
            Timer::Retry if self.phase == Phase::Running => self.routers.next_retry(),
            Timer::Checks | Timer::Retry => None,
            Timer::Children => self.io.children.next_deadline(),
            Timer::Fifo => self.io.fifos.next_deadline(),
        }
    }

    fn fire(&mut self, t: Timer, now: Instant) {
        match t {
            Timer::Routers => self.routers.handle_timeouts(now, &mut self.io),
            Timer::Checks => self.run_checks(now),
            Timer::Retry => {
                // (No interface changed: only those whose time came.)
                if self.routers.unmute(now, Some("")) {
                    self.refresh_health(now);
                }
            }
            Timer::Children => self.io.children.expire(now),
            Timer::Fifo => self.io.fifos.fire(now),
        }
    }

    fn read_signals(&mut self, out: &mut Signals8) -> std::io::Result<()> {
        while let Some(sig) = self.signals.read()? {
            if sig == Signal::Child {
                self.reap();
            } else {
                let _ = out.push(sig);
            }
        }
        Ok(())
    }

    /// SIGCHLD: every ended child goes back to its owner in the table.
    fn reap(&mut self) {
        while let Some((pid, exit)) = process::reap() {
            let now = clock::now();
            let Some(check) = self.io.children.ended(pid, exit, now) else {
                continue;
            };
            if self.tracking.check_ended(check, exit, now) {
                self.refresh_health(now);
            }
        }
    }

    /// Read the `ready` links in rounds of RX_ROUND each, until they are drained or
    /// RX_BUDGET datagrams were read. Returns whether input was left unread.
    fn receive(&mut self, ready: &mut Vec<LinkId>) -> bool {
        let mut budget = RX_BUDGET;
        while !ready.is_empty() {
            let mut k = 0;
            while k < ready.len() {
                let (id, want) = (ready[k], RX_ROUND.min(budget));
                let n = self.receive_from(id, want);
                budget -= n;
                if n < want {
                    ready.swap_remove(k); // drained
                } else {
                    k += 1;
                }
                if budget == 0 {
                    return !ready.is_empty();
                }
            }
        }
        false
    }

    /// Up to `max` datagrams from link `id`; how many were read.
    fn receive_from(&mut self, id: LinkId, max: usize) -> usize {
        for n in 0..max {
            let Some(rx) = self.io.links.recv(id) else {
                return n;
            };
            let now = clock::now();
            match rx {
                Rx::Advert { mut adv, ttl } => {
                    let theirs = self.io.links.received_addrs();
                    adv.mismatch = self.routers.addr_mismatch(id, &adv, theirs);
                    self.routers.receive(id, adv, ttl, now, &mut self.io)
                }
                Rx::Sealed { src, vrid } => {
                    self.routers
                        .receive_sealed(id, src, vrid, now, &mut self.io)
                }
                Rx::Dropped { src, error } => {
                    if self.io.limiter.admit(now, src, error.kind()).is_some() {
                        let link = self.io.links.name(id);
                        warn!("{link}: dropped VRRP packet from {src}: {error}");
                    }
                }
            }
        }
        max
    }

    /// Interface news: open the links of an interface that appeared or was created
    /// again, update tracked interfaces and virtual MACs, pick sources again when
    /// addresses changed, and re-evaluate. Returns whether more news is waiting.
    fn link_news(&mut self) -> bool {
        let (mut changed, mut links, mut addresses) = (false, false, false);
        let mut link_up = false;
        let now = clock::now();
        let (news, more) = self.monitor.read();
        for news in news {
            match news {
                News::Lost => {
                    changed |= self.routers.unmute(now, None);
                    changed |= self.tracking.relearn(now);
                    links |= self.io.links.relearn();
                    addresses = true;
                }
                News::Link(ev) => {
                    // What made an instance mute may be what changed. (Not on address
                    // news: a mute Master's own VIPs going would make it try again at
                    // once, forever; its source changing does, `set_source`.)
                    changed |= self.routers.unmute(now, Some(&ev.name));
                    let index = (!ev.gone).then_some(ev.index);
                    links |= self.io.links.interface_changed(&ev.name, index);
                    changed |= self.tracking.link_changed(&ev.name, ev.up, now);
                    link_up |= ev.up && !ev.gone;
                }
                News::Addresses => addresses = true,
            }
        }
        if links {
            self.routers.attach(&mut self.io);
            self.sync_links();
        }
        let mut table = None;
        if links || addresses {
            table = self.refresh_sources();
            changed = true;
        }
        if link_up || addresses {
            // A gateway may be reachable now: what the kernel refused goes again.
            self.statics.retry(link_up, &self.io.netlink);
            self.routers.retry_routes(link_up, &self.io);
        }
        if changed {
            self.refresh_health(clock::now());
        }
        // After the verdicts: an instance its interface's loss faulted lost nothing.
        if let Some(table) = table.filter(|_| self.phase == Phase::Running) {
            self.routers.check_vips(&table, clock::now(), &mut self.io);
        }
        more
    }

    /// Route and rule news: a tracked entry of ours deleted is set again (static) or
    /// makes its Master step down (virtual). Returns whether more news is waiting.
    fn route_news(&mut self) -> bool {
        for _ in 0..ROUTE_READS {
            let Some(notices) = self.statics.read() else {
                return false;
            };
            let now = clock::now();
            for n in &notices {
                self.statics.notice(n, &self.io.netlink);
                self.routers.route_notice(n, now, &mut self.io);
            }
        }
        true
    }

    /// Every router's source from the host's addresses as they are now; the addresses.
    fn refresh_sources(&mut self) -> Option<Vec<AddrEntry>> {
        match self.io.netlink.addresses() {
            Ok(table) => {
                self.routers.set_sources(&table, &self.io.links);
                Some(table)
            }
            Err(e) => {
                warn!("cannot read the interfaces' addresses: {e}");
                None
            }
        }
    }

    /// Start due checks and kill overdue runs (none before the start is done).
    fn run_checks(&mut self, now: Instant) {
        if self.phase == Phase::Starting {
            return;
        }
        if self.tracking.run_due(now, &mut self.io.children) {
            self.refresh_health(now);
        }
    }

    /// Every instance's verdict, applied (FAULT, effective priority, first start) —
    /// once the start is done, until the stop.
    fn refresh_health(&mut self, now: Instant) {
        if self.phase == Phase::Running {
            let (routers, tracking) = (&mut self.routers, &self.tracking);
            routers.apply_tracking(tracking, now, &mut self.io);
        }
    }

    /// SIGXCPU: the loop ran half its RLIMIT_RTTIME without sleeping. It must not run
    /// on to the hard limit, where the kernel kills it with its VIPs on the interface:
    /// normal scheduling has no such limit. Once, for the rest of the run.
    fn leave_realtime(&mut self) {
        if !core::mem::take(&mut self.realtime) {
            return;
        }
        match crate::os::sched::normal() {
            // keepalived's words, then what we do about it.
            Ok(()) => warn!(
                "VRRP process has used too much CPU time, vrrp_rlimit_rttime may need to be increased; running SCHED_OTHER from now on"
            ),
            Err(e) => error!(
                "VRRP process has used too much CPU time, and cannot leave real-time scheduling: {e}"
            ),
        }
    }

    fn snapshot(&self) -> Snapshot<'_> {
        Snapshot::take(
            &self.router_id,
            &self.routers,
            &self.tracking,
            &self.io.links,
            clock::now(),
        )
    }

    /// SIGHUP (see `reload`); on any error the running configuration stays.
    fn reload(&mut self) {
        let Some(mut new) = reload::read(&self.paths.config, &self.paths.files) else {
            return;
        };
        let now = clock::now();
        let watched = Watched::of(&new.config);
        let instances = core::mem::take(&mut new.config.instances);
        let (io, c) = (&mut self.io, new.commands);
        // A reload that makes an instance no_accept brings nft along; one that drops
        // the last keeps it, for the chains still to remove.
        if c.nft.is_some() {
            io.nft = c.nft;
        }
        match reload::apply(&mut self.routers, instances, c.notifiers, now, io) {
            Some(done) => {
                self.lifecycle.reload(c.lifecycle);
                let (addrs, routes, rules) = statics(&mut new.config);
                self.statics.reload(addrs, routes, rules, &self.io.netlink);
                let io = &mut self.io;
                io.fifos.set(&new.config, c.fifo_scripts, &mut io.children);
                let states = new.config.fifo_states_on_reload;
                self.configure(new.config, c.scripts, c.groups, watched, now);
                if states {
                    self.routers.fifo_states(now, &mut self.io);
                }
                info!("reloaded {}: {done}", self.paths.config.display());
            }
            None => self.sync_links(),
        }
        self.routers.tell_groups(now, &mut self.io);
    }

    /// SIGTERM: every Master resigns (priority 0) and keeps serving its VIPs until the
    /// new Master is heard (make before break, see `Machine::shutdown`). A second stop
    /// request, an error, or SHUTDOWN_GRACE cuts the wait short; the VIPs go in any case.
    /// notify_stop scripts get the same grace to start in order. Then the shutdown script
    /// and event, each until it ends or its time is up (keepalived's exit waits for its
    /// shutdown script too); a start still running is cut short first.
    pub fn shutdown(&mut self) {
        self.phase = Phase::Stopping;
        self.lifecycle.cancel(&mut self.io.children);
        self.tracking.stop(&mut self.io.children);
        let now = clock::now();
        self.routers.resign(now, &mut self.io);
        self.serve_until(
            now + SHUTDOWN_GRACE,
            Self::handing_over,
            "removing VIPs now",
        );
        self.routers.finish(clock::now(), &mut self.io);
        self.statics.stop(&self.io.netlink);
        self.io.children.abandon_all();
        let now = clock::now();
        if let Some(most) = self.lifecycle.stop(now, &mut self.io.children) {
            let running = |d: &Self| !d.lifecycle.is_done(&d.io.children);
            self.serve_until(now + most, running, "not waiting for the shutdown script");
            self.lifecycle.cancel(&mut self.io.children);
        }
        info!("stopped");
    }

    /// While stopping: run the loop while `busy`, until `deadline`, a second stop request
    /// or an error (logged with `cut`: what happens then).
    fn serve_until(&mut self, deadline: Instant, busy: fn(&Self) -> bool, cut: &str) {
        while busy(self) {
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

    /// While stopping: a router still serves VIPs for the new Master, or queued commands
    /// (notify, nft — a removed instance's too) have not all run.
    fn handing_over(&self) -> bool {
        self.routers.holds_vips() || !self.io.children.queues_idle()
    }
}

/// The configuration's static addresses, routes and rules, taken out of it.
fn statics(c: &mut Config) -> (Vec<(Vip, AddrOptions)>, Vec<Route>, Vec<Rule>) {
    (
        core::mem::take(&mut c.static_addresses),
        core::mem::take(&mut c.static_routes),
        core::mem::take(&mut c.static_rules),
    )
}

/// SCHED_RR for the loop (see `os::sched`); without the privilege a warning, no failure.
/// Returns whether it runs real-time.
fn realtime(config: &Config) -> bool {
    if config.rt_priority == 0 {
        return false;
    }
    let prio = i32::from(config.rt_priority);
    match crate::os::sched::realtime(prio, config.rlimit_rttime_us) {
        Ok(()) => {
            debug!("running SCHED_RR at priority {prio}");
            true
        }
        Err(e) => {
            warn!(
                "cannot run real-time (SCHED_RR {prio}): {e}; give CAP_SYS_NICE, or adverts may leave late on a busy machine"
            );
            false
        }
    }
}
