//! The poll loop: wires the OS layer to the VRRP machines. Nothing clever lives here —
//! decisions are the machine's, bytes are the codec's, syscalls are `os`'s.

mod firewall;
mod health;
mod jobs;
mod notify;
mod status;
mod vmac;

use crate::config::model::{Config, Instance, SyncGroup};
use crate::os::arp::LinkSender;
use crate::os::control::ControlSocket;
use crate::os::iface::{self, Iface};
use crate::os::netlink::{AddrOp, LinkMonitor, Netlink, Outcome};
use crate::os::process::{self, Prepared};
use crate::os::signals::{Signal, Signals};
use crate::os::socket::{VRRP_GROUP_V4, VRRP_GROUP_V6, VrrpSocket};
use crate::os::{self, clock};
use crate::vrrp::duplicate::DuplicateFilter;
use crate::vrrp::group;
use crate::vrrp::machine::{Action, Advert, Discard, Machine, Params, Reason, State};
use crate::vrrp::ratelimit::LogLimiter;
use crate::vrrp::reload::{self, Identity};
use crate::vrrp::timers::{Centis, Instant};
use crate::vrrp::track::Verdict;
use crate::wire::{self, arp, nd, packet};
use core::time::Duration;
use health::{CheckRun, IfState};
use log::{debug, error, info, warn};
use notify::Notifier;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use health::prepare_scripts;

/// Resolve every command the configuration names — track scripts, notify scripts, nft
/// for no_accept — as the start does (the `-t` check).
pub fn check_commands(config: &Config) -> Result<(), String> {
    prepare_scripts(config)?;
    notify::prepare_all(config)?;
    firewall::prepare_nft(config).map(drop)
}

/// Datagrams read per socket per wake-up: enough to drain normal traffic, bounded so a
/// flood on one interface cannot delay timers (adverts) for long.
const RX_BUDGET: usize = 64;
/// Longest a stop waits for a new Master before removing the VIPs anyway: covers the
/// Skew_Time of any Backup at advert intervals up to ~2 s without making a stop slow.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// How often an IPv6 instance looks for its link-local address while DAD runs.
const SOURCE_POLL: Duration = Duration::from_millis(100);

/// Signals read in one pass of the loop.
type Signals8 = heapless::Vec<Signal, 8>;

/// Largest VRRP datagram we accept: IPv4 header with options + 255 IPv6 addresses.
const RX_BUF: usize = 4200;

/// Where the daemon gets its configuration, writes its state dump and answers status
/// requests.
pub struct Paths {
    pub config: PathBuf,
    pub dump: PathBuf,
    pub control: PathBuf,
}

/// Fixed slots at the start of the poll set; links follow.
const PFD_SIGNALS: usize = 0;
const PFD_LINKMON: usize = 1;
const PFD_CONTROL: usize = 2;
const PFD_LINKS: usize = 3;

/// One interface carrying VRRP for one family: its socket and addresses.
struct Link {
    name: String,
    iface: Iface,
    sock: VrrpSocket,
    /// Datagrams dropped before reaching an instance, by reason (codec error kind or
    /// "vrid"); a handful of distinct reasons, so a small vector.
    dropped: Vec<(&'static str, u64)>,
}

impl Link {
    fn count_drop(&mut self, kind: &'static str) {
        match self.dropped.iter_mut().find(|e| e.0 == kind) {
            Some(e) => e.1 += 1,
            None => self.dropped.push((kind, 1)),
        }
    }
}

/// One virtual router at runtime.
struct Router {
    cfg: Instance,
    m: Machine,
    link: usize,
    /// Source of our adverts: unicast_src_ip or the interface's primary IPv4 address
    /// (IPv4), its link-local address (IPv6). None while that address is still in
    /// duplicate address detection: the instance waits in Initialize.
    src: Option<IpAddr>,
    /// The VIPs in advert wire form, built once per (re)configuration.
    wire_addrs: Vec<u8>,
    notify: Notifier,
    /// What tracking said last (Pending until a weight-0 check has reported).
    verdict: Verdict,
    /// `use_vmac`: where the VIPs without `dev` live.
    vmac: Option<vmac::Vmac>,
    /// A second link adverts for this router arrive on (the virtual MAC interface).
    rx_link: Option<usize>,
    /// The same advert read on both the base and the virtual MAC interface is taken once.
    copies: DuplicateFilter<usize>,
    /// no_accept's nft changes, in order.
    firewall: jobs::JobQueue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Stopped by SIGTERM/SIGINT after resigning and removing VIPs.
    Stopped,
}

pub struct Daemon {
    paths: Paths,
    /// keepalived's `router_id`: this node's name in the dump (the host name if unset).
    router_id: String,
    links: Vec<Link>,
    routers: Vec<Router>,
    netlink: Netlink,
    link_tx: LinkSender,
    signals: Signals,
    limiter: LogLimiter,
    pfds: Vec<libc::pollfd>,
    rx: Box<[u8; RX_BUF]>,
    checks: Vec<CheckRun>,
    ifaces: Vec<IfState>,
    groups: Vec<SyncGroup>,
    link_mon: LinkMonitor,
    control: Option<ControlSocket>,
    /// OpenWrt's hotplug-call, when present.
    hotplug: Option<Prepared>,
    /// Command queues of instances a reload removed, still running.
    retired: Vec<jobs::Retired>,
    /// Shutting down: tracking no longer starts or restarts instances.
    stopping: bool,
    /// Base interfaces of virtual MACs, with the sysctls to restore.
    saved_bases: Vec<vmac::SavedBase>,
    /// nftables' nft, when an instance uses no_accept.
    nft: Option<Prepared>,
}

/// Build-time errors that stop the daemon before it touches any address.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> StartError + '_ {
    move |e| StartError(format!("{what}: {e}"))
}

impl Daemon {
    pub fn new(config: Config, paths: Paths) -> Result<Daemon, StartError> {
        if config.rt_priority > 0 {
            match crate::os::sched::realtime(i32::from(config.rt_priority), config.rlimit_rttime_us)
            {
                Ok(()) => debug!("running SCHED_RR at priority {}", config.rt_priority),
                Err(e) => warn!(
                    "cannot run real-time (SCHED_RR {}): {e}; give CAP_SYS_NICE, or adverts may leave late on a busy machine",
                    config.rt_priority
                ),
            }
        }
        // Scripts and notify commands are checked before anything is touched.
        let scripts = prepare_scripts(&config).map_err(StartError)?;
        let notifiers = notify::prepare_all(&config).map_err(StartError)?;
        let nft = firewall::prepare_nft(&config).map_err(StartError)?;
        let control = match ControlSocket::bind(&paths.control) {
            Ok(c) => Some(c),
            Err(e) => {
                warn!(
                    "cannot open the status socket {}: {e}; `tinyvrrpd status` will not answer",
                    paths.control.display()
                );
                None
            }
        };
        let mut d = Daemon {
            router_id: router_id(&config),
            paths,
            links: Vec::new(),
            routers: Vec::new(),
            netlink: Netlink::open().map_err(err("cannot open rtnetlink"))?,
            link_tx: LinkSender::open().map_err(err("cannot open AF_PACKET socket"))?,
            signals: Signals::open().map_err(err("cannot set up signals"))?,
            limiter: LogLimiter::default(),
            pfds: Vec::new(),
            rx: Box::new([0; RX_BUF]),
            checks: Vec::new(),
            ifaces: Vec::new(),
            groups: config.sync_groups.clone(),
            link_mon: LinkMonitor::open().map_err(err("cannot open the link monitor"))?,
            control,
            hotplug: notify::hotplug_command(),
            retired: Vec::new(),
            stopping: false,
            saved_bases: Vec::new(),
            nft,
        };
        let mut routers: Vec<Router> = Vec::new();
        for (inst, n) in config.instances.iter().zip(notifiers) {
            match d.build_router(inst) {
                Ok(mut r) => {
                    r.notify = n;
                    routers.push(r);
                }
                Err(e) => {
                    // Nothing of a failed start may stay behind.
                    for mut r in routers {
                        d.discard_router(&mut r);
                    }
                    return Err(e);
                }
            }
        }
        for r in routers {
            // A node that starts is a Backup: VIPs left by a crashed predecessor (SIGKILL)
            // must go before anyone sees two owners.
            for vip in &r.cfg.vips {
                if let Ok(Outcome::Done) = d.vip_op(&r, AddrOp::Del, vip) {
                    info!(
                        "({}) removed stale VIP {}/{} left by a previous run",
                        r.cfg.name, vip.addr, vip.prefix_len
                    );
                }
            }
            info!(
                "({}) starting: interface {}, VRID {}, priority {}, VRRPv{}, {}",
                r.cfg.name,
                r.cfg.interface,
                r.cfg.vrid,
                r.cfg.priority,
                r.cfg.version as u8,
                if r.cfg.is_unicast() {
                    "unicast"
                } else {
                    "multicast"
                }
            );
            d.routers.push(r);
        }
        let now = clock::now();
        for i in 0..d.routers.len() {
            if firewall::drops_vip_traffic(&d.routers[i].cfg) {
                warn!(
                    "({}) no_accept: while Master, this node drops all traffic addressed to the VIPs (RFC 5798 Accept_Mode off; only an address owner, priority 255, accepts it). Services listening on the VIPs are unreachable; use accept if they must answer",
                    d.routers[i].cfg.name
                );
                // A crashed run may have left its drop rule.
                d.firewall(i, false, now);
            }
        }
        if scripts.iter().any(|(_, p)| p.cred.is_none())
            && !config.script_security
            && nix::unistd::geteuid().is_root()
        {
            warn!(
                "scripts run as root without enable_script_security: a script a non-root user can change runs as root"
            );
        }
        d.set_checks(scripts, now);
        d.set_tracked_ifaces();
        d.sync_links();
        d.run_checks(now);
        d.refresh_health(now);
        Ok(d)
    }

    /// Find or open the link for `name` and family (`v6`).
    fn link_for(&mut self, name: &str, v6: bool) -> Result<usize, StartError> {
        if let Some(i) = self
            .links
            .iter()
            .position(|l| l.name == name && l.sock.is_v6() == v6)
        {
            return Ok(i);
        }
        let iface =
            iface::lookup(name).map_err(|e| StartError(format!("interface {name}: {e}")))?;
        let sock = open_socket(name, iface.index, v6)
            .map_err(|e| StartError(format!("interface {name}: cannot open VRRP socket: {e}")))?;
        self.links.push(Link {
            name: name.to_string(),
            iface,
            sock,
            dropped: Vec::new(),
        });
        Ok(self.links.len() - 1)
    }

    /// VIPs may live on other interfaces (`dev IF`): those must exist too.
    fn open_vip_links(&mut self, inst: &Instance) -> Result<(), StartError> {
        for v in &inst.vips {
            if let Some(dev) = v.dev.as_deref() {
                self.link_for(dev, v.addr.is_ipv6())?;
            }
        }
        Ok(())
    }

    fn build_router(&mut self, inst: &Instance) -> Result<Router, StartError> {
        let v6 = inst.is_ipv6();
        let link = self.link_for(&inst.interface, v6)?;
        let src = match inst.unicast_src {
            Some(a) => Some(a),
            None if v6 => source_v6(inst),
            None => Some(IpAddr::V4(iface::primary_ipv4(&inst.interface).map_err(|e| {
                StartError(format!(
                    "({}) interface {} has no IPv4 address to send adverts from ({e}); add one or set unicast_src_ip",
                    inst.name, inst.interface
                ))
            })?)),
        };
        self.open_vip_links(inst)?;
        let wire_addrs = wire_addrs(inst)
            .map_err(|e| StartError(format!("({}) virtual_ipaddress: {e}", inst.name)))?;
        let vmac = self.create_vmac(inst).map_err(StartError)?;
        // Adverts go out on the base interface; they are also read on the virtual MAC
        // interface, where the kernel delivers frames a peer sends from the same virtual
        // MAC (keepalived does that) instead of to the base.
        let rx_link = match &vmac {
            Some(v) if !v6 => match self.link_for(&v.name, false) {
                Ok(l) => Some(l),
                Err(e) => {
                    self.remove_vmac(v);
                    return Err(e);
                }
            },
            _ => None,
        };
        Ok(Router {
            cfg: inst.clone(),
            m: Machine::new(
                params(inst),
                src.unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            ),
            link,
            src,
            wire_addrs,
            notify: Notifier::default(),
            verdict: Verdict::Pending,
            vmac,
            rx_link,
            copies: DuplicateFilter::default(),
            firewall: jobs::JobQueue::default(),
        })
    }

    /// Undo what `build_router` created outside the process (the virtual MAC).
    fn discard_router(&mut self, r: &mut Router) {
        if let Some(v) = r.vmac.take() {
            self.remove_vmac(&v);
        }
    }

    /// Join the multicast group where a multicast instance needs it, leave it elsewhere,
    /// close links nothing uses, and rebuild the poll set.
    fn sync_links(&mut self) {
        let mut used = vec![false; self.links.len()];
        for r in &self.routers {
            used[r.link] = true;
            if let Some(l) = r.rx_link {
                used[l] = true;
            }
            for vip in &r.cfg.vips {
                if let Some(i) = vip
                    .dev
                    .as_ref()
                    .and_then(|d| self.links.iter().position(|l| &l.name == d))
                {
                    used[i] = true;
                }
            }
        }
        // Remove unused links from the end backwards so router indices stay valid.
        for i in (0..self.links.len()).rev() {
            if !used[i] {
                self.links.remove(i);
                for r in &mut self.routers {
                    if r.link > i {
                        r.link -= 1;
                    }
                    if let Some(l) = r.rx_link.as_mut().filter(|l| **l > i) {
                        *l -= 1;
                    }
                }
            }
        }
        for (i, l) in self.links.iter_mut().enumerate() {
            let multicast = self
                .routers
                .iter()
                .any(|r| (r.link == i || r.rx_link == Some(i)) && !r.cfg.is_unicast());
            let res = if multicast {
                l.sock.join_group()
            } else {
                l.sock.leave_group()
            };
            if let Err(e) = res {
                let group = if l.sock.is_v6() {
                    IpAddr::V6(VRRP_GROUP_V6)
                } else {
                    IpAddr::V4(VRRP_GROUP_V4)
                };
                warn!("{}: cannot change membership of {group}: {e}", l.name);
            }
        }
        self.pfds.clear();
        self.pfds.push(os::pollfd(self.signals.raw_fd()));
        self.pfds.push(os::pollfd(self.link_mon.raw_fd()));
        // poll ignores negative descriptors: the slot stays even without a socket.
        self.pfds
            .push(os::pollfd(self.control.as_ref().map_or(-1, |c| c.raw_fd())));
        self.pfds
            .extend(self.links.iter().map(|l| os::pollfd(l.sock.raw_fd())));
    }

    /// Run until told to stop. Returns after every VIP is removed.
    pub fn run(&mut self) -> io::Result<Exit> {
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
                    Signal::Dump => self.dump(),
                    // Handled inside `step`, which also runs during shutdown.
                    Signal::Child => {}
                }
            }
        }
    }

    /// One pass of the loop: fire due timers, wait for a packet, a signal or the next
    /// timer (but no longer than `cap`), then take in what arrived. Signals are handed
    /// back for the caller to act on.
    fn step(&mut self, cap: Option<Duration>, signals: &mut Signals8) -> io::Result<()> {
        let now = clock::now();
        for i in 0..self.routers.len() {
            if self.routers[i].m.poll_timeout().is_some_and(|t| t <= now) {
                self.routers[i].m.handle_timeout(now);
                self.drain(i, now);
            }
        }
        if !self.stopping {
            self.run_checks(now);
            if self.waiting_for_source() {
                self.resolve_sources(now);
            }
        } else if !self.handing_over() {
            // The last release just happened: nothing left to wait for.
            return Ok(());
        }
        for r in &mut self.routers {
            r.notify.queue.expire(now, &r.cfg.name);
            r.firewall.expire(now, &r.cfg.name);
        }
        self.retired.retain(|d| !d.queue.is_idle());
        for d in &mut self.retired {
            d.queue.expire(now, &d.who);
        }
        let next = self
            .routers
            .iter()
            .filter_map(|r| r.m.poll_timeout())
            .chain(
                self.routers
                    .iter()
                    .filter_map(|r| r.notify.queue.deadline()),
            )
            .chain(self.routers.iter().filter_map(|r| r.firewall.deadline()))
            .chain(self.retired.iter().filter_map(|d| d.queue.deadline()))
            .chain(self.next_check_due().filter(|_| !self.stopping))
            .min();
        let mut timeout = next.map(|t| t.saturating_since(clock::now()));
        // Waiting for an IPv6 link-local address: look again every SOURCE_POLL.
        let cap = match (cap, self.waiting_for_source() && !self.stopping) {
            (Some(c), true) => Some(c.min(SOURCE_POLL)),
            (None, true) => Some(SOURCE_POLL),
            (c, false) => c,
        };
        if let Some(c) = cap {
            timeout = Some(timeout.map_or(c, |t| t.min(c)));
        }
        os::poll(&mut self.pfds, timeout.map(|d| d.as_micros() as u64))?;
        if os::readable(&self.pfds[PFD_SIGNALS]) {
            while let Some(sig) = self.signals.read()? {
                if sig == Signal::Child {
                    self.reap_children();
                } else {
                    let _ = signals.push(sig);
                }
            }
        }
        if os::readable(&self.pfds[PFD_LINKMON]) {
            self.link_news();
        }
        if os::readable(&self.pfds[PFD_CONTROL]) {
            self.answer_status();
        }
        for li in 0..self.links.len() {
            if os::readable(&self.pfds[li + PFD_LINKS]) {
                self.receive(li);
            }
        }
        Ok(())
    }

    fn receive(&mut self, li: usize) {
        for _ in 0..RX_BUDGET {
            let got = if self.links[li].sock.is_v6() {
                self.links[li].sock.recv_v6(&mut self.rx[..]).map(|r| {
                    r.map(|r| {
                        let parsed =
                            wire::ipv6::parse_vrrp(&self.rx[..r.len], r.src, r.dst, r.hop_limit)
                                .map(|p| Advert::new(IpAddr::V6(r.src), &p));
                        (IpAddr::V6(r.src), parsed)
                    })
                })
            } else {
                self.links[li].sock.recv(&mut self.rx[..]).map(|d| {
                    d.map(|d| match wire::ipv4::parse_vrrp(d) {
                        Ok((ip, p)) => {
                            (IpAddr::V4(ip.src), Ok(Advert::new(IpAddr::V4(ip.src), &p)))
                        }
                        Err(e) => {
                            let src = wire::ipv4::parse(d)
                                .map(|(ip, _)| ip.src)
                                .unwrap_or(Ipv4Addr::UNSPECIFIED);
                            (IpAddr::V4(src), Err(e))
                        }
                    })
                })
            };
            match got {
                Ok(Some((src, parsed))) => self.datagram(li, src, parsed, clock::now()),
                Ok(None) => return,
                Err(e) => {
                    debug!("{}: receive error: {e}", self.links[li].name);
                    return;
                }
            }
        }
    }

    fn datagram(
        &mut self,
        li: usize,
        src: IpAddr,
        parsed: Result<Advert, wire::Error>,
        now: Instant,
    ) {
        let adv = match parsed {
            Ok(a) => a,
            Err(e) => {
                self.links[li].count_drop(e.kind());
                if self.limiter.admit(now, src, e.kind()).is_some() {
                    warn!(
                        "{}: dropped VRRP packet from {src}: {e}",
                        self.links[li].name
                    );
                }
                return;
            }
        };
        let Some(ri) = self
            .routers
            .iter()
            .position(|r| (r.link == li || r.rx_link == Some(li)) && r.cfg.vrid == adv.vrid)
        else {
            self.links[li].count_drop("vrid");
            if self.limiter.admit(now, src, "vrid").is_none() {
                return;
            }
            // From one of our unicast peers this is a misconfiguration to report; other
            // VRIDs on a shared multicast LAN are normal.
            match self
                .routers
                .iter()
                .find(|r| r.link == li && r.cfg.unicast_peers.contains(&src))
            {
                Some(r) => warn!(
                    "({}) dropped advert from {src}: {} (ours is {})",
                    r.cfg.name,
                    Discard::Vrid { got: adv.vrid },
                    r.cfg.vrid
                ),
                None => debug!(
                    "{}: advert from {src} for VRID {} that no instance here serves",
                    self.links[li].name, adv.vrid
                ),
            }
            return;
        };
        let r = &mut self.routers[ri];
        if r.rx_link.is_some() && r.copies.is_copy(adv.src, adv.priority, li, now) {
            return;
        }
        match self.routers[ri].m.handle_advert(now, &adv) {
            Ok(()) => self.drain(ri, now),
            Err(Discard::OwnAdvert) => {}
            Err(d) => {
                if let Some(suppressed) = self.limiter.admit(now, adv.src, d.kind()) {
                    let more = if suppressed > 0 {
                        format!(" ({suppressed} more since last report)")
                    } else {
                        String::new()
                    };
                    warn!(
                        "({}) dropped advert from {}: {d}{more}",
                        self.routers[ri].cfg.name, adv.src
                    );
                }
            }
        }
    }

    /// Carry out every action router `i` queued.
    fn drain(&mut self, i: usize, now: Instant) {
        while let Some(a) = self.routers[i].m.poll_action() {
            self.execute(i, a, now);
        }
    }

    fn execute(&mut self, i: usize, a: Action, now: Instant) {
        let name = &self.routers[i].cfg.name;
        match a {
            // Initialize is only re-entered on shutdown; keepalived logs no state there.
            Action::Transition {
                from,
                to: State::Initialize,
                ..
            } => {
                info!("({name}) stopped, was {from}");
                self.notify(i, State::Initialize, now);
            }
            Action::Transition { from, to, why } => {
                info!("({name}) Entering {to} STATE");
                debug!("({name}) reason: {why:?}");
                self.notify(i, to, now);
                if why != Reason::SyncGroup {
                    self.sync_group(i, from, to, now);
                }
            }
            Action::SendAdvert { priority } => self.send_advert(i, priority, now),
            Action::AddVips | Action::RemoveVips => {
                let r = &self.routers[i];
                let op = if a == Action::AddVips {
                    AddrOp::Add
                } else {
                    AddrOp::Del
                };
                for vip in &r.cfg.vips {
                    self.vip_change(r, op, vip);
                }
                self.firewall(i, op == AddrOp::Add, now);
            }
            Action::SendGarp { count } => self.send_garp(i, None, count),
            Action::LowerPriorityMaster { src, priority } => {
                let own = self.routers[i].m.priority();
                info!(
                    "({name}) Received advert from {src} with lower priority {priority}, ours {own}, forcing new election"
                );
            }
        }
    }

    fn vip_op(
        &self,
        r: &Router,
        op: AddrOp,
        vip: &crate::config::model::Vip,
    ) -> io::Result<Outcome> {
        // The address we advertise from is the interface's own, never a VIP to remove
        // (an address owner, priority 255, lists its real address as the VIP).
        if op == AddrOp::Del && Some(vip.addr) == r.src {
            return Ok(Outcome::Unchanged);
        }
        let (index, _) = self.vip_device(r, vip).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("interface {} is not set up", vip_dev(r, vip)),
            )
        })?;
        self.netlink
            .addr(op, index, vip.addr, vip.prefix_len, vip.label.as_deref())
    }

    /// Add or remove one VIP of `r`, logging the outcome (a failure is logged, not
    /// fatal: the other VIPs and the protocol go on).
    fn vip_change(&self, r: &Router, op: AddrOp, vip: &crate::config::model::Vip) {
        let verb = if op == AddrOp::Add { "add" } else { "remove" };
        match self.vip_op(r, op, vip) {
            Ok(_) => debug!(
                "({}) {verb} VIP {}/{}: done",
                r.cfg.name, vip.addr, vip.prefix_len
            ),
            Err(e) => error!(
                "({}) cannot {verb} VIP {}/{}: {e}",
                r.cfg.name, vip.addr, vip.prefix_len
            ),
        }
    }

    /// Index and MAC of the interface a VIP lives on: its `dev`, else the virtual MAC
    /// interface, else the instance's interface.
    fn vip_device(&self, r: &Router, vip: &crate::config::model::Vip) -> Option<(u32, [u8; 6])> {
        if vip.dev.is_none() {
            if let Some(v) = &r.vmac {
                return Some((v.index, v.mac));
            }
        }
        let dev = vip_dev(r, vip);
        self.links
            .iter()
            .find(|l| l.name == dev)
            .map(|l| (l.iface.index, l.iface.mac))
    }

    fn send_advert(&mut self, i: usize, priority: u8, now: Instant) {
        let r = &self.routers[i];
        let repr = packet::Repr {
            version: r.cfg.version,
            vrid: r.cfg.vrid,
            priority,
            interval_cs: r.cfg.advert_interval.0,
            auth: match r.cfg.auth_pass {
                Some(p) => packet::Auth::Pass(p),
                None => packet::Auth::None,
            },
            addrs: &r.wire_addrs,
        };
        let Some(src) = r.src else {
            return; // still waiting for an IPv6 link-local address
        };
        let mut buf = [0u8; 4200];
        let dsts: &[IpAddr] = &r.cfg.unicast_peers;
        let multicast = [if r.cfg.is_ipv6() {
            IpAddr::V6(VRRP_GROUP_V6)
        } else {
            IpAddr::V4(VRRP_GROUP_V4)
        }];
        let dsts = if dsts.is_empty() {
            &multicast[..]
        } else {
            dsts
        };
        let mut failures: heapless::Vec<(IpAddr, io::ErrorKind), 8> = heapless::Vec::new();
        let sock = &self.links[r.link].sock;
        for dst in dsts {
            let res = repr
                .emit(&mut buf, src, *dst)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
                .and_then(|n| match (src, *dst) {
                    (IpAddr::V4(s), IpAddr::V4(d)) => sock.send(s, d, &buf[..n]),
                    (IpAddr::V6(s), IpAddr::V6(d)) => sock.send_v6(s, d, &buf[..n]),
                    _ => Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "mixed address families",
                    )),
                });
            if let Err(e) = res {
                let _ = failures.push((*dst, e.kind()));
                debug!("({}) advert to {dst} failed: {e}", r.cfg.name);
            }
        }
        let name = r.cfg.name.clone();
        for (dst, kind) in failures {
            if self.limiter.admit(now, dst, "send").is_some() {
                warn!("({name}) cannot send advert to {dst}: {kind}");
            }
        }
    }

    /// Gratuitous ARP for every IPv4 VIP and an unsolicited Neighbor Advertisement for
    /// every IPv6 VIP of router `i` (or only those in `only`).
    fn send_garp(&self, i: usize, only: Option<&[IpAddr]>, count: u8) {
        let r = &self.routers[i];
        for vip in &r.cfg.vips {
            if only.is_some_and(|o| !o.contains(&vip.addr)) {
                continue;
            }
            let dev = vip_dev(r, vip);
            let Some((index, mac)) = self.vip_device(r, vip) else {
                continue;
            };
            let (garp, na);
            let frame: &[u8] = match (vip.addr, r.src) {
                (IpAddr::V4(a), _) => {
                    garp = arp::gratuitous_arp(mac, a);
                    &garp
                }
                (IpAddr::V6(a), Some(IpAddr::V6(src))) => {
                    na = nd::unsolicited_na(mac, src, a);
                    &na
                }
                (IpAddr::V6(_), _) => continue,
            };
            for _ in 0..count {
                if let Err(e) = self.link_tx.send_frame(index, frame) {
                    warn!(
                        "({}) gratuitous ARP/NA for {} on {dev} failed: {e}",
                        r.cfg.name, vip.addr
                    );
                    break;
                }
            }
        }
        debug!("({}) sent gratuitous ARP/NA burst", r.cfg.name);
    }

    /// SIGTERM: every Master resigns (priority 0) and keeps serving its VIPs until the
    /// new Master is heard (make before break, see `Machine::shutdown`). A second stop
    /// request, an error, or SHUTDOWN_GRACE cuts the wait short; the VIPs go in any case.
    /// notify_stop scripts get the same grace to start in order.
    pub fn shutdown(&mut self) {
        self.stopping = true;
        for c in &mut self.checks {
            if let Some(pid) = c.pid.take() {
                process::kill_group(pid);
            }
        }
        let now = clock::now();
        for i in 0..self.routers.len() {
            self.routers[i].m.shutdown(now);
            self.drain(i, now);
        }
        let deadline = now + SHUTDOWN_GRACE;
        while self.handing_over() {
            let left = deadline.saturating_since(clock::now());
            if left.is_zero() {
                break;
            }
            let mut signals = Signals8::new();
            match self.step(Some(left), &mut signals) {
                Ok(()) if signals.contains(&Signal::Terminate) => {
                    info!("second stop request: removing VIPs now");
                    break;
                }
                Ok(()) => {}
                Err(e) => {
                    error!("while handing over: {e}; removing VIPs now");
                    break;
                }
            }
        }
        let now = clock::now();
        for i in 0..self.routers.len() {
            self.routers[i].m.release_now();
            self.drain(i, now);
            let r = &mut self.routers[i];
            r.notify.queue.abandon(&r.cfg.name);
            r.firewall.abandon(&r.cfg.name);
            if let Some(v) = self.routers[i].vmac.take() {
                self.remove_vmac(&v);
            }
        }
        for d in &mut self.retired {
            d.queue.abandon(&d.who);
        }
        info!("stopped");
    }

    /// While stopping: a router still serves VIPs for the new Master, or notify or nft
    /// commands are queued (a removed instance's too).
    fn handing_over(&self) -> bool {
        self.routers
            .iter()
            .any(|r| r.m.holds_vips() || !r.notify.queue.is_idle() || !r.firewall.is_idle())
            || self.retired.iter().any(|d| !d.queue.is_idle())
    }

    /// SIGHUP: parse the file again; on any error keep running the old configuration.
    /// Otherwise diff: unchanged instances keep state and VIPs, changed ones are updated
    /// in place, only instances whose identity changed are restarted. Checks whose
    /// definition is unchanged keep their results (no re-evaluation blip).
    fn reload(&mut self) {
        let path = self.paths.config.display().to_string();
        let text = match std::fs::read_to_string(&self.paths.config) {
            Ok(t) => t,
            Err(e) => {
                error!("reload: cannot read {path}: {e}; keeping the running configuration");
                return;
            }
        };
        let new = match crate::config::parse(&path, &text) {
            Ok(c) => c,
            Err(errors) => {
                for e in &errors {
                    error!("reload: {e}");
                }
                error!(
                    "reload: {} error(s); keeping the running configuration",
                    errors.len()
                );
                return;
            }
        };
        let prepared = prepare_scripts(&new).and_then(|s| Ok((s, notify::prepare_all(&new)?)));
        let (scripts, mut notifiers) = match prepared {
            Ok(x) => x,
            Err(e) => {
                error!("reload: {e}; keeping the running configuration");
                return;
            }
        };
        let now = clock::now();
        // Build every new router first so a runtime failure (missing interface) also
        // leaves the running configuration untouched.
        let mut fresh = Vec::new();
        for (k, inst) in new.instances.iter().enumerate() {
            let keep = self
                .routers
                .iter()
                .position(|r| identity(&r.cfg) == identity(inst));
            let res = match keep {
                None => self.build_router(inst).map(|mut r| {
                    r.notify = core::mem::take(&mut notifiers[k]);
                    fresh.push(r)
                }),
                Some(_) => self.open_vip_links(inst),
            };
            if let Err(e) = res {
                error!("reload: {e}; keeping the running configuration");
                for mut r in fresh {
                    self.discard_router(&mut r);
                }
                self.sync_links();
                return;
            }
        }
        let (mut kept, mut removed) = (0, 0);
        let mut i = 0;
        while i < self.routers.len() {
            match new
                .instances
                .iter()
                .position(|n| identity(&self.routers[i].cfg) == identity(n))
            {
                Some(k) => {
                    let mut n = core::mem::take(&mut notifiers[k]);
                    n.queue.take_from(&mut self.routers[i].notify.queue);
                    self.routers[i].notify = n;
                    self.update_router(i, &new.instances[k], now);
                    kept += 1;
                    i += 1;
                }
                None => {
                    info!("({}) removed from configuration", self.routers[i].cfg.name);
                    // Resign, and release at once: the router is about to be dropped, so
                    // there is nobody left to wait for the new Master.
                    self.routers[i].m.shutdown(now);
                    self.routers[i].m.release_now();
                    self.drain(i, now);
                    self.retire_queues(i);
                    let mut r = self.routers.remove(i);
                    self.discard_router(&mut r);
                    removed += 1;
                }
            }
        }
        let added = fresh.len();
        self.routers.extend(fresh);
        self.groups = new.sync_groups.clone();
        self.set_checks(scripts, now);
        self.set_tracked_ifaces();
        self.sync_links();
        self.router_id = router_id(&new);
        self.run_checks(now);
        self.refresh_health(now);
        info!("reloaded {path}: {kept} kept, {added} added, {removed} removed");
    }

    /// Apply a changed configuration to a running router without a state change: VIPs
    /// present in both old and new stay on the interface (no flap). The effective
    /// priority is kept here; `refresh_health` then applies the new base and weights.
    fn update_router(&mut self, i: usize, inst: &Instance, now: Instant) {
        if self.routers[i].cfg == *inst {
            return;
        }
        let old = std::mem::replace(&mut self.routers[i].cfg, inst.clone());
        if let Ok(w) = wire_addrs(inst) {
            self.routers[i].wire_addrs = w;
        }
        if self.routers[i].m.state() == State::Master {
            let r = &self.routers[i];
            let d = reload::diff(&old.vips, &inst.vips);
            for vip in d.removed {
                self.vip_change(r, AddrOp::Del, vip);
            }
            for vip in &d.added {
                self.vip_change(r, AddrOp::Add, vip);
            }
            let added: Vec<IpAddr> = d.added.iter().map(|v| v.addr).collect();
            if !added.is_empty() {
                self.send_garp(i, Some(&added), inst.garp_master_repeat);
            }
        }
        let mut params = params(inst);
        params.priority = self.routers[i].m.priority();
        self.routers[i].m.update_params(now, params);
        self.drain(i, now);
        info!("({}) configuration updated", inst.name);
    }

    /// The sync group router `i` belongs to.
    fn group_of(&self, i: usize) -> Option<usize> {
        let name = &self.routers[i].cfg.name;
        self.groups.iter().position(|g| g.members.contains(name))
    }

    /// Router indices of group `g`'s members.
    fn members(&self, g: usize) -> Vec<usize> {
        let group = &self.groups[g];
        (0..self.routers.len())
            .filter(|&j| group.members.contains(&self.routers[j].cfg.name))
            .collect()
    }

    /// keepalived's sync groups (`vrrp::group::follow`; FAULT is shared through
    /// `refresh_health`).
    fn sync_group(&mut self, i: usize, from: State, to: State, now: Instant) {
        let Some(g) = self.group_of(i) else {
            return;
        };
        for j in self.members(g) {
            let Some(follow) = group::follow(from, to, self.routers[j].m.state()) else {
                continue;
            };
            info!(
                "({}) following sync group {} to {follow}",
                self.routers[j].cfg.name, self.groups[g].name
            );
            self.routers[j].m.sync_to(now, follow);
            self.drain(j, now);
        }
    }

    /// The interface of link `l` was deleted and created again (new index): re-open its
    /// socket so adverts flow again. The caller runs `sync_links` (group membership, poll
    /// set) afterwards.
    fn reopen_link(&mut self, l: usize) {
        let name = self.links[l].name.clone();
        let v6 = self.links[l].sock.is_v6();
        let res = iface::lookup(&name)
            .and_then(|iface| open_socket(&name, iface.index, v6).map(|sock| (iface, sock)));
        match res {
            Ok((iface, sock)) => {
                info!(
                    "{name} was re-created (index {}): socket re-opened",
                    iface.index
                );
                self.links[l].iface = iface;
                self.links[l].sock = sock;
            }
            Err(e) => error!("{name} was re-created but cannot be opened again: {e}"),
        }
    }
}

/// The VIPs in advert wire form, built once per (re)configuration.
fn wire_addrs(inst: &Instance) -> Result<Vec<u8>, wire::Error> {
    let addrs: Vec<IpAddr> = inst.vips.iter().map(|v| v.addr).collect();
    let mut out = vec![0u8; addrs.len() * 16];
    let n = packet::write_addrs(&mut out, &addrs)?;
    out.truncate(n);
    Ok(out)
}

/// The name of the interface a VIP lives on (see `Daemon::vip_device`).
fn vip_dev<'a>(r: &'a Router, vip: &'a crate::config::model::Vip) -> &'a str {
    match (&vip.dev, &r.vmac) {
        (Some(d), _) => d,
        (None, Some(v)) => &v.name,
        (None, None) => &r.cfg.interface,
    }
}

fn open_socket(name: &str, index: u32, v6: bool) -> io::Result<VrrpSocket> {
    if v6 {
        VrrpSocket::open_v6(name, index)
    } else {
        VrrpSocket::open_v4(name, index)
    }
}

/// What the machine needs from an instance's configuration.
fn params(inst: &Instance) -> Params {
    Params {
        vrid: inst.vrid,
        priority: inst.priority,
        version: inst.version,
        advert_interval: inst.advert_interval,
        preempt: inst.preempt,
        preempt_delay: inst.preempt_delay,
        initial_state: inst.initial_state,
        auth: inst.auth_pass,
        unicast_peers: inst.unicast_peers.clone(),
        garp_master_delay: inst.garp_master_delay,
        garp_master_repeat: inst.garp_master_repeat,
        garp_master_refresh: inst.garp_master_refresh,
        garp_master_refresh_repeat: inst.garp_master_refresh_repeat,
        garp_interval: if inst.is_ipv6() {
            inst.gna_interval
        } else {
            inst.garp_interval
        },
        garp_follow_up: inst.vmac.is_some(),
        hold_vips_on_stop: inst.vmac.is_none(),
    }
}

/// An IPv6 instance's advert source: the interface's link-local address once duplicate
/// address detection is done.
fn source_v6(inst: &Instance) -> Option<IpAddr> {
    match iface::link_local_v6(&inst.interface) {
        iface::LinkLocal::Ready(a) => Some(IpAddr::V6(a)),
        iface::LinkLocal::Tentative | iface::LinkLocal::None => None,
    }
}

/// keepalived defaults router_id to the host name.
fn router_id(config: &Config) -> String {
    config.router_id.clone().unwrap_or_else(os::hostname)
}

/// What makes an instance the same virtual router across a reload.
fn identity(i: &Instance) -> Identity<'_> {
    Identity {
        name: &i.name,
        interface: &i.interface,
        vrid: i.vrid,
        version: i.version,
        unicast_src: i.unicast_src,
        vmac: i.vmac.as_deref(),
    }
}

fn centis_text(c: Centis) -> String {
    format!("{}.{:02}s", c.0 / 100, c.0 % 100)
}
