//! The daemon's components that act on the host — the virtual routers, tracking, the
//! node's static entries, the interface monitor and what the routers act through
//! (`Io`), with where the daemon is in its life (`lifecycle`) — and how a change that
//! reaches one reaches the others: interface and route news, a check that ended, a
//! timer; sources picked again, links opened, verdicts applied. Start, reload and stop
//! are carried out here, step by step; the loop (`Daemon`) owns the descriptors it
//! waits on and decides only when each of these runs.

use super::commands::Commands;
use super::error::StartError;
use super::firewall;
use super::io::Io;
use super::lifecycle::Lifecycle;
use super::monitor::{Monitor, News};
use super::notify::{self, Notifier};
use super::poll::{Slot, TIMERS, Timer};
use super::receive::ReadyLinks;
use super::reload::{self, Checked};
use super::routers::Routers;
use super::routes::Statics;
use super::status::Snapshot;
use super::tracking::{self, Tracking, Watched};
use crate::config::model::{Config, TrackScript};
use crate::os::netlink::AddrEntry;
use crate::os::process::{self, Prepared};
use crate::os::{self, clock};
use crate::vrrp::timers::Instant;
use log::{info, warn};
use std::os::fd::RawFd;
use std::path::Path;

/// Reads of route news in one pass (each up to 8 KiB of notices).
const ROUTE_READS: usize = 8;

pub struct Components {
    /// keepalived's `router_id`: this node's name in the dump (the host name if unset).
    router_id: String,
    routers: Routers,
    tracking: Tracking,
    statics: Statics,
    io: Io,
    monitor: Monitor,
    /// The startup and shutdown scripts and events; where the daemon is in its life.
    lifecycle: Lifecycle,
    /// The start is done: `configure` is a reload's from now on.
    started: bool,
}

impl Components {
    /// Open what the routers act through and the interface monitor, then build and
    /// start everything the configuration asks for (`c`: its commands, checked).
    pub fn start(mut config: Config, c: Commands) -> Result<Components, StartError> {
        let hotplug = notify::hotplug_command();
        let mut d = Components {
            router_id: String::new(),
            routers: Routers::default(),
            tracking: Tracking::default(),
            statics: Statics::default(),
            lifecycle: Lifecycle::new(c.lifecycle, hotplug.clone(), config.startup_delay),
            io: Io::open(hotplug, c.nft)?,
            monitor: Monitor::open()?,
            started: false,
        };
        let watched = Watched::of(&config);
        let instances = core::mem::take(&mut config.instances);
        d.routers.start(instances, c.notifiers, &mut d.io)?;
        d.sync_links();
        // Before the stale-VIP clean-up, which must never take the source address.
        d.refresh_sources();
        d.routers.iter().for_each(|r| r.start_up(&d.io));
        d.statics.start(&mut config, &d.io.netlink);
        let now = clock::now();
        d.routers
            .iter()
            .for_each(|r| firewall::warn_no_accept(r.cfg()));
        tracking::warn_if_unguarded(&config, &c.scripts);
        d.io.fifos.set(&config, c.fifo_scripts, &mut d.io.children);
        if !d.lifecycle.start(now, &mut d.io.children) {
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

    /// Close the links no router holds, set group memberships (`Links::sync`).
    fn sync_links(&mut self) {
        self.io.links.sync(&self.routers.link_uses());
    }

    /// The interface monitor's (served before the status socket).
    pub fn monitor_fd(&self) -> RawFd {
        self.monitor.raw_fd()
    }

    /// The other descriptors the loop waits on for these components: route news,
    /// process events, tracked files, and every link with a socket.
    pub fn fds(&self) -> impl Iterator<Item = (Slot, RawFd)> + '_ {
        let watched = [
            (Slot::Routes, self.statics.raw_fd()),
            (Slot::Procs, self.tracking.procs.raw_fd()),
            (Slot::Files, self.tracking.files.raw_fd()),
        ];
        let watched = watched.into_iter().filter_map(|(s, fd)| Some((s, fd?)));
        let links = self.io.links.fds().map(|(id, fd)| (Slot::Link(id), fd));
        watched.chain(links)
    }

    /// Read the links found readable. Returns whether input was left unread.
    pub fn receive(&mut self, ready: &mut ReadyLinks) -> bool {
        ready.read(&mut self.routers, &mut self.io)
    }

    /// Tracked processes' events. Returns whether more are waiting.
    pub fn process_events(&mut self) -> bool {
        let now = clock::now();
        let (changed, more) = self.tracking.procs.read_events(now);
        if changed {
            self.refresh_health(now);
        }
        more
    }

    /// Tracked files' events.
    pub fn file_events(&mut self) {
        if self.tracking.files.read_events() {
            self.refresh_health(clock::now());
        }
    }

    /// The instances start: keepalived's `vrrp_startup_delay` (`Lifecycle::startup_delay`).
    fn delay_start(&mut self, now: Instant) {
        if let Some(until) = self.lifecycle.startup_delay(now) {
            self.routers.delay_start(until);
        }
    }

    /// When the loop must wake up next for a timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        TIMERS.iter().filter_map(|&t| self.deadline(t)).min()
    }

    /// What a pass of the loop ends with: the timers now due, then a verdict for routers
    /// that went mute, the instances' start once the startup script is done, and the sync
    /// groups told of their changes.
    pub fn end_pass(&mut self, now: Instant) {
        for t in TIMERS {
            if self.deadline(t).is_some_and(|d| d <= now) {
                self.fire(t, now);
            }
        }
        if self.routers.take_went_mute() {
            self.refresh_health(now);
        }
        if self.lifecycle.startup_ends(&self.io.children) {
            self.delay_start(now);
            self.run_checks(now);
            self.refresh_health(now);
        }
        self.routers.tell_groups(now, &mut self.io);
    }

    fn deadline(&self, t: Timer) -> Option<Instant> {
        match t {
            Timer::Routers => self.routers.next_deadline(),
            Timer::Checks if self.lifecycle.is_running() => self.tracking.next_deadline(),
            Timer::Retry if self.lifecycle.is_running() => self.routers.next_retry(),
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

    /// SIGCHLD: every ended child goes back to its owner in the table.
    pub fn reap(&mut self) {
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

    /// Interface news: links opened, tracked interfaces and virtual MACs updated, sources
    /// picked again, verdicts. Returns whether more news is waiting, and whether the
    /// links changed (the caller rebuilds the poll set).
    pub fn link_news(&mut self) -> (bool, bool) {
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
        if let Some(table) = table.filter(|_| self.lifecycle.is_running()) {
            self.routers.check_vips(&table, clock::now(), &mut self.io);
        }
        (more, links)
    }

    /// Route and rule news: a tracked entry of ours deleted is set again (static) or
    /// makes its Master step down (virtual). Returns whether more news is waiting.
    pub fn route_news(&mut self) -> bool {
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
        if self.lifecycle.is_starting() {
            return;
        }
        if self.tracking.run_due(now, &mut self.io.children) {
            self.refresh_health(now);
        }
    }

    /// Every instance's verdict, applied (FAULT, effective priority, first start) —
    /// once the start is done, until the stop.
    fn refresh_health(&mut self, now: Instant) {
        if self.lifecycle.is_running() {
            let (routers, tracking) = (&mut self.routers, &self.tracking);
            routers.apply_tracking(tracking, now, &mut self.io);
        }
    }

    /// The state as it is now, for the status and the dumps.
    pub fn snapshot(&self) -> Snapshot<'_> {
        Snapshot::take(
            &self.router_id,
            &self.routers,
            &self.tracking,
            &self.io.links,
            clock::now(),
        )
    }

    /// SIGHUP: `new` (read from `path` and checked) applied as its plan says
    /// (`reload::apply`); when it cannot be, the running configuration stays.
    pub fn reload(&mut self, mut new: Checked, path: &Path) {
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
                self.statics.reload(&mut new.config, &self.io.netlink);
                let io = &mut self.io;
                io.fifos.set(&new.config, c.fifo_scripts, &mut io.children);
                let states = new.config.fifo_states_on_reload;
                self.configure(new.config, c.scripts, c.groups, watched, now);
                if states {
                    self.routers.fifo_states(now, &mut self.io);
                }
                info!("reloaded {}: {done}", path.display());
            }
            None => self.sync_links(),
        }
        self.routers.tell_groups(now, &mut self.io);
    }

    /// The stop begins (`Daemon::shutdown`): a start still running is cut short,
    /// tracking stops, and every Master resigns, keeping its VIPs until the new Master
    /// is heard. Returns when it began.
    pub fn resign(&mut self) -> Instant {
        self.lifecycle.stopping(&mut self.io.children);
        self.tracking.stop(&mut self.io.children);
        let now = clock::now();
        self.routers.resign(now, &mut self.io);
        now
    }

    /// While stopping: a router still serves VIPs for the new Master, or queued commands
    /// (notify, nft — a removed instance's too) have not all run.
    pub fn handing_over(&self) -> bool {
        self.routers.holds_vips() || !self.io.children.queues_idle()
    }

    /// The VIPs and the static entries go, whatever is still queued starts, then the
    /// shutdown script and event. Returns until when the stop may wait for them (None:
    /// nothing runs).
    pub fn finish(&mut self) -> Option<Instant> {
        self.routers.finish(clock::now(), &mut self.io);
        self.statics.stop(&self.io.netlink);
        self.io.children.abandon_all();
        let now = clock::now();
        let most = self.lifecycle.stop(now, &mut self.io.children)?;
        Some(now + most)
    }

    /// Whether the shutdown script and event still run.
    pub fn shutdown_running(&self) -> bool {
        !self.lifecycle.is_done(&self.io.children)
    }

    /// The shutdown script and event are of no use any more: killed.
    pub fn cancel_shutdown(&mut self) {
        self.lifecycle.cancel(&mut self.io.children);
    }
}
