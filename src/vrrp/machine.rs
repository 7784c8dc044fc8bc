//! The VRRP state machine of one virtual router (RFC 5798 §6.4, RFC 9568 §6.4; v2 per
//! RFC 3768). Sans-IO: the caller passes every event with `now` and drains the resulting
//! actions with [`Machine::poll_action`]; [`Machine::poll_timeout`] is the next instant at
//! which [`Machine::handle_timeout`] must be called. Nothing here reads a clock or touches
//! a socket, so every timing rule is tested in virtual time.
//!
//! RFC 9568 renames Master to Active; the code keeps RFC 5798's Master/Backup because
//! that is what keepalived logs and what users grep for.

use super::advaddr::{self, Mismatch};
use super::lowprio::{Answers, LowerPrio};
use super::timers::{Centis, Instant, master_down_interval, skew_time};
use super::track::Verdict;
use crate::wire::{Version, packet};
use core::fmt;
use core::time::Duration;
use heapless::Deque;
use std::net::IpAddr;

/// Priority of the address owner (RFC 5798 §5.2.4): it becomes Master at once.
pub const PRIORITY_OWNER: u8 = 255;
/// Priority 0: the Master is resigning (RFC 5798 §5.2.4).
pub const PRIORITY_STOP: u8 = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Initialize,
    Backup,
    Master,
    /// Not in the RFC: keepalived's state for an instance whose interface or tracked
    /// checks failed. It holds no VIPs and sends no adverts.
    Fault,
}

impl State {
    /// The word keepalived uses in its log lines (`Entering MASTER STATE`).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Initialize => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the machine entered its current state, for the log line and the state dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Startup,
    /// Master_Down_Timer fired: no advert from a master for Master_Down_Interval.
    MasterDown,
    /// A master advertised a higher priority (or equal priority, higher address).
    HigherPriorityMaster,
    Shutdown,
    Fault,
    FaultCleared,
    /// Another member of its sync group changed state.
    SyncGroup,
    /// One of its tracked virtual routes or rules was deleted (keepalived steps down).
    EntryDeleted,
    /// One of its VIPs was deleted by someone else while it was Master (keepalived's
    /// rule, unless the VIP says `no_track`).
    VipLost,
}

impl Reason {
    /// Its name in the status (`last_transition.reason`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Startup => "startup",
            Reason::MasterDown => "master_down",
            Reason::HigherPriorityMaster => "higher_priority_master",
            Reason::Shutdown => "shutdown",
            Reason::Fault => "fault",
            Reason::FaultCleared => "fault_cleared",
            Reason::SyncGroup => "sync_group",
            Reason::VipLost => "vip_lost",
            Reason::EntryDeleted => "entry_deleted",
        }
    }
}

/// Work for the caller. The machine never performs IO itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Transition {
        from: State,
        to: State,
        why: Reason,
    },
    /// Send one advertisement carrying this priority (0 when resigning).
    SendAdvert {
        priority: u8,
    },
    AddVips,
    RemoveVips,
    /// `count` gratuitous ARPs (IPv4) or unsolicited NAs (IPv6) for every VIP, back to
    /// back (spaced bursts come as several actions).
    SendGarp {
        count: u8,
    },
    /// A Master heard a lower-priority Master and answered with an advert at once so that
    /// the other side steps down (keepalived's "forcing new election").
    LowerPriorityMaster {
        src: IpAddr,
        priority: u8,
    },
    /// The address owner heard another router claim priority 255: a configuration error
    /// on one of them. The owner stays Master (it owns the addresses); the caller logs it.
    OwnerConflict {
        src: IpAddr,
    },
}

/// Why an advert that reached this virtual router was discarded (RFC 5798 §7.1, RFC 3768
/// §7.1). Wire-level failures (TTL, checksum, length) are the codec's `Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discard {
    Vrid {
        got: u8,
    },
    Version {
        got: Version,
    },
    /// Unicast mode listens to configured peers only.
    NotPeer,
    /// v2: authentication type or password differs from ours.
    Auth,
    /// v2: the advert interval must match ours (RFC 3768 §7.1).
    Interval {
        got: Centis,
    },
    /// Our own advert came back to us.
    OwnAdvert,
    /// Its address list is not our VIPs (keepalived's check, see `advaddr`).
    AddrList(Mismatch),
}

impl Discard {
    /// Stable short names for counters and rate limiting, in `index` order.
    pub const KINDS: [&'static str; 7] = [
        "vrid",
        "version",
        "not_peer",
        "auth",
        "interval",
        "own",
        "addr_list",
    ];

    pub fn index(self) -> usize {
        match self {
            Discard::Vrid { .. } => 0,
            Discard::Version { .. } => 1,
            Discard::NotPeer => 2,
            Discard::Auth => 3,
            Discard::Interval { .. } => 4,
            Discard::OwnAdvert => 5,
            Discard::AddrList(_) => 6,
        }
    }

    pub fn kind(self) -> &'static str {
        Self::KINDS[self.index()]
    }
}

impl fmt::Display for Discard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Discard::Vrid { got } => write!(f, "VRID {got} does not match ours"),
            Discard::Version { got } => {
                write!(f, "VRRP version {} does not match ours", *got as u8)
            }
            Discard::NotPeer => f.write_str("sender is not a configured unicast_peer"),
            Discard::Auth => f.write_str("authentication mismatch (auth_type/auth_pass differ)"),
            Discard::Interval { got } => write!(
                f,
                "advert interval {}.{:02}s does not match ours",
                got.0 / 100,
                got.0 % 100
            ),
            Discard::OwnAdvert => f.write_str("our own advert looped back"),
            Discard::AddrList(m) => write!(f, "{m}"),
        }
    }
}

/// A received advertisement after the codec validated it, reduced to what the machine
/// decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advert {
    pub src: IpAddr,
    pub version: Version,
    pub vrid: u8,
    pub priority: u8,
    /// Centiseconds for v3; v2's seconds × 100.
    pub interval: Centis,
    /// v2 simple password (auth type 1); None for auth type 0 and for v3.
    pub auth: Option<[u8; 8]>,
    /// How its address list differs from our VIPs (`advaddr::check`), filled in by the
    /// receiver, which knows them; the machine decides whether it counts.
    pub mismatch: Option<Mismatch>,
}

impl Advert {
    /// The machine's view of an advert the codec validated, received from `src`.
    pub fn new(src: IpAddr, p: &packet::Repr<'_>) -> Advert {
        Advert {
            src,
            version: p.version,
            vrid: p.vrid,
            priority: p.priority,
            interval: Centis(p.interval_cs),
            auth: match p.auth {
                packet::Auth::Pass(pass) => Some(pass),
                // AH is checked before the machine (`wire::ah`), by the link it came on.
                packet::Auth::None | packet::Auth::Ah => None,
            },
            mismatch: None,
        }
    }
}

/// keepalived's `state`: only a hint for start-up (see [`Machine::start`]), never a
/// guarantee of mastership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialState {
    Master,
    Backup,
}

/// What the machine needs from an instance's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub vrid: u8,
    pub priority: u8,
    pub version: Version,
    pub advert_interval: Centis,
    pub preempt: bool,
    pub preempt_delay: Duration,
    pub initial_state: InitialState,
    pub auth: Option<[u8; 8]>,
    /// Non-empty = unicast mode: only these senders are listened to.
    pub unicast_peers: Vec<IpAddr>,
    pub garp_master_delay: Duration,
    /// keepalived's garp_master_repeat: GARPs per VIP in a burst.
    pub garp_master_repeat: u8,
    /// keepalived's garp_master_refresh: re-announce every this long while Master (zero:
    /// never), with garp_master_refresh_repeat GARPs per VIP.
    pub garp_master_refresh: Duration,
    pub garp_master_refresh_repeat: u8,
    /// keepalived's garp_interval / gna_interval: spacing of the GARPs within a burst
    /// (zero: back to back).
    pub garp_interval: Duration,
    /// A virtual MAC is shared by every node: repeat the burst one advert interval after
    /// taking over, when the old Master has surely let go, in case it answered for the
    /// VIP from the same MAC in between and turned the switches back to itself.
    pub garp_follow_up: bool,
    /// Make before break on a graceful stop (see `shutdown`). Off for a virtual MAC: two
    /// nodes answering from the same MAC would teach switches the wrong port.
    pub hold_vips_on_stop: bool,
    /// How a Master answers a lower priority (`lowprio`).
    pub lower_prio: LowerPrio,
    /// keepalived's `higher_prio_send_advert`: a Master hearing a higher priority sends
    /// one advert of its own before it yields (the other side learns of it at once).
    pub higher_prio_send_advert: bool,
    /// keepalived's `skip_check_adv_addr`: a Backup does not check the address list of
    /// adverts from the Master it follows (`advaddr::must_check`).
    pub skip_check_adv_addr: bool,
}

#[derive(Debug, Clone, Copy)]
enum Timer {
    /// RFC Adver_Timer: next advert while Master.
    Adver = 0,
    /// RFC Master_Down_Timer: take over while Backup.
    MasterDown = 1,
    /// keepalived's garp_master_delay: the second gratuitous ARP burst.
    Garp = 2,
    /// After resigning: give up the VIPs even if no new Master was heard.
    Release = 3,
    /// keepalived's garp_master_refresh.
    GarpRefresh = 4,
    /// The next GARP of a burst spaced by garp_interval.
    GarpNext = 5,
    /// The virtual MAC's repeat one interval after taking over.
    GarpFollowUp = 6,
    /// The re-announcements that follow an answer to a lower priority.
    GarpLowerPrio = 7,
}
const TIMERS: [Timer; 8] = [
    Timer::Adver,
    Timer::MasterDown,
    Timer::Garp,
    Timer::Release,
    Timer::GarpRefresh,
    Timer::GarpNext,
    Timer::GarpFollowUp,
    Timer::GarpLowerPrio,
];
/// The timers that announce VIPs: they end when Master ends.
const GARP_TIMERS: [Timer; 5] = [
    Timer::Garp,
    Timer::GarpRefresh,
    Timer::GarpNext,
    Timer::GarpFollowUp,
    Timer::GarpLowerPrio,
];

/// Per-instance counters for the state dump and status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub adverts_rx: u64,
    pub adverts_tx: u64,
    pub priority_zero_rx: u64,
    pub priority_zero_tx: u64,
    pub became_master: u64,
    /// Times it left Master (keepalived's "Released master").
    pub released_master: u64,
    /// State changes (Initialize excluded), as in keepalived's stats.
    pub transitions: u64,
    /// Discarded adverts by reason, indexed by `Discard::index` (names: `Discard::KINDS`).
    pub discarded: [u64; Discard::KINDS.len()],
}

impl Counters {
    /// The counters with their stable names, in display order (text and JSON status).
    pub fn named(&self) -> [(&'static str, u64); 6] {
        [
            ("adverts_rx", self.adverts_rx),
            ("adverts_tx", self.adverts_tx),
            ("priority0_rx", self.priority_zero_rx),
            ("priority0_tx", self.priority_zero_tx),
            ("became_master", self.became_master),
            ("transitions", self.transitions),
        ]
    }
}

/// Enough room for the longest burst one event produces (become Master: transition,
/// add VIPs, advert, GARP) with margin; the caller drains after every call.
const ACTION_QUEUE: usize = 8;

pub struct Machine {
    params: Params,
    /// Our primary address: the tie-breaker between equal priorities (RFC 5798 §6.4.3).
    local_addr: IpAddr,
    state: State,
    timers: [Option<Instant>; TIMERS.len()],
    /// GARPs left in a burst spaced by garp_interval.
    garp_left: u8,
    /// When it last answered a lower priority.
    answers: Answers,
    /// RFC Master_Adver_Interval: v3 Backups adopt the Master's advertised interval.
    master_adver_interval: Duration,
    /// keepalived's preempt_delay: set when a lower-priority Master is first seen;
    /// preemption waits until then.
    preempt_at: Option<Instant>,
    master_seen: Option<(IpAddr, u8)>,
    /// Resigned but still serving the VIPs until the new Master is heard (make before
    /// break), so a planned stop costs clients no outage.
    releasing: bool,
    /// A sync group member: when its Master_Down_Timer expires it only declares that it
    /// wants to be Master (`wants_master`); the group lets it (`release_hold`) once every
    /// member wants to (keepalived's rule, see `vrrp::group`).
    grouped: bool,
    /// Its Master_Down_Timer expired while grouped, and no Master has been heard since.
    wants_master: bool,
    /// keepalived's `vrrp_startup_delay` (`delay_start`).
    hold_until: Option<Instant>,
    reason: Reason,
    counters: Counters,
    actions: Deque<Action, ACTION_QUEUE>,
}

impl Machine {
    pub fn new(params: Params, local_addr: IpAddr) -> Machine {
        let master_adver_interval = params.advert_interval.as_duration();
        Machine {
            params,
            local_addr,
            state: State::Initialize,
            timers: [None; TIMERS.len()],
            garp_left: 0,
            answers: Answers::default(),
            master_adver_interval,
            preempt_at: None,
            master_seen: None,
            releasing: false,
            grouped: false,
            wants_master: false,
            hold_until: None,
            reason: Reason::Startup,
            counters: Counters::default(),
            actions: Deque::new(),
        }
    }

    pub fn state(&self) -> State {
        self.state
    }
    pub fn reason(&self) -> Reason {
        self.reason
    }
    pub fn params(&self) -> &Params {
        &self.params
    }
    pub fn priority(&self) -> u8 {
        self.params.priority
    }
    pub fn local_addr(&self) -> IpAddr {
        self.local_addr
    }

    /// The address known only after start-up (an IPv6 link-local address once DAD is
    /// done). Set it before `start`.
    pub fn set_local_addr(&mut self, addr: IpAddr) {
        self.local_addr = addr;
    }
    pub fn master_seen(&self) -> Option<(IpAddr, u8)> {
        self.master_seen
    }
    pub fn master_adver_interval(&self) -> Duration {
        self.master_adver_interval
    }
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Next instant at which `handle_timeout` has work; None when no timer is armed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.iter().flatten().min().copied()
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// RFC 5798 §6.4.1 Startup event.
    pub fn start(&mut self, now: Instant) {
        if self.state == State::Initialize {
            self.begin(now, Reason::Startup);
        }
    }

    /// What the instance's trackers amount to (`track::Verdict`), applied: FAULT in,
    /// FAULT out, the effective priority, and the first start once no weight-0 check is
    /// pending. Returns the priority it had when the verdict changed it (keepalived logs
    /// the change).
    pub fn apply_verdict(&mut self, now: Instant, v: Verdict) -> Option<u8> {
        let Verdict::Priority(p) = v else {
            if v == Verdict::Fault {
                self.set_fault(now, true);
            }
            return None;
        };
        let old = self.priority();
        if old != p {
            self.set_priority(now, p);
        }
        match self.state {
            State::Initialize => self.start(now),
            State::Fault => self.set_fault(now, false),
            State::Backup | State::Master => {}
        }
        (old != p).then_some(old)
    }

    fn begin(&mut self, now: Instant, why: Reason) {
        self.release_now();
        let held = self.hold_until.is_some_and(|h| now < h);
        if self.params.priority == PRIORITY_OWNER && !held {
            self.become_master(now, why);
        } else {
            self.enter_backup(now, why);
            if self.params.priority == PRIORITY_OWNER {
                // keepalived: the owner's Master_Down_Timer is 1 µs, after the delay.
                self.arm_down(now, Duration::from_micros(1));
            } else if self.params.initial_state == InitialState::Master {
                // keepalived's `state MASTER`: listen for one advert interval (plus the
                // smallest skew) for another Master, then take over. Preempts a
                // lower-priority Master after a restart in ~1 interval instead of 3.
                let wait = self.master_adver_interval
                    + skew_time(self.params.version, 255, self.master_adver_interval);
                self.arm_down(now, wait);
            }
        }
    }

    /// keepalived's `vrrp_startup_delay`: until `until` the instance is a Backup whose
    /// Master_Down_Timer runs from `until` rather than from now — it sends nothing and
    /// takes over no earlier than `until` plus the timer, whatever it hears. Before
    /// `start`.
    pub fn delay_start(&mut self, until: Instant) {
        self.hold_until = Some(until);
    }

    /// When the Master_Down_Timer armed at `now` for `wait` expires (`delay_start`).
    fn down_at(&self, now: Instant, wait: Duration) -> Instant {
        match self.hold_until {
            Some(h) if now < h => h + wait,
            _ => now + wait,
        }
    }

    fn arm_down(&mut self, now: Instant, wait: Duration) {
        let at = self.down_at(now, wait);
        self.arm(Timer::MasterDown, at);
    }

    /// RFC 5798 §6.4.3 Shutdown event: a Master resigns with a priority-0 advert so that a
    /// Backup takes over after its Skew_Time instead of Master_Down_Interval.
    ///
    /// Make before break: the VIPs stay until the new Master's first advert is heard (it
    /// has announced itself and sent gratuitous ARP by then), or until the longest
    /// Skew_Time any Backup could have (priority 1) plus a quarter interval has passed.
    /// keepalived removes them at once, leaving clients without a router for the whole
    /// Skew_Time (≈ 0.6 s at VRRPv2 defaults).
    pub fn shutdown(&mut self, now: Instant) {
        // A repeated stop while releasing keeps the pending release.
        let release = self.timers[Timer::Release as usize];
        self.timers = [None; TIMERS.len()];
        self.timers[Timer::Release as usize] = release;
        if self.state == State::Master && !self.params.hold_vips_on_stop {
            self.send_advert(PRIORITY_STOP);
            self.push(Action::RemoveVips);
        } else if self.state == State::Master {
            self.send_advert(PRIORITY_STOP);
            self.releasing = true;
            let interval = self.params.advert_interval.as_duration();
            let wait = skew_time(self.params.version, 1, interval) + interval / 4;
            self.arm(Timer::Release, now + wait);
        }
        self.set_state(State::Initialize, Reason::Shutdown);
    }

    /// Whether this router still has VIPs on the interface (Master, or resigned and
    /// waiting for the new Master). The caller must not exit while this holds.
    pub fn holds_vips(&self) -> bool {
        self.state == State::Master || self.releasing
    }

    /// Give up the VIPs now (a second stop request, or the caller cannot wait).
    pub fn release_now(&mut self) {
        if self.releasing {
            self.releasing = false;
            self.timers[Timer::Release as usize] = None;
            self.push(Action::RemoveVips);
        }
    }

    /// Enter or leave Fault (interface down, failed tracking). Leaving restarts the
    /// election from Backup: a link bounce must never leave the instance stuck.
    pub fn set_fault(&mut self, now: Instant, fault: bool) {
        match (fault, self.state) {
            (true, State::Fault) | (false, State::Backup | State::Master | State::Initialize) => {}
            (true, _) => {
                self.release_now();
                if self.state == State::Master {
                    self.send_advert(PRIORITY_STOP);
                    self.push(Action::RemoveVips);
                }
                self.timers = [None; TIMERS.len()];
                self.master_seen = None;
                self.set_state(State::Fault, Reason::Fault);
            }
            (false, State::Fault) => self.begin(now, Reason::FaultCleared),
        }
    }

    /// Whether this router is, or wants to be, Master: what its sync group asks of every
    /// member before any of them takes over.
    pub fn wants_master(&self) -> bool {
        match self.state {
            State::Master => true,
            State::Backup => self.wants_master,
            State::Initialize | State::Fault => false,
        }
    }

    /// Join or leave a sync group. Leaving does not release a held wish by itself: the
    /// caller asks the group rule again.
    pub fn set_grouped(&mut self, grouped: bool) {
        self.grouped = grouped;
    }

    /// Its sync group is ready: a Backup whose Master_Down_Timer expired becomes Master.
    pub fn release_hold(&mut self, now: Instant) {
        if self.state == State::Backup && self.wants_master {
            self.become_master(now, Reason::MasterDown);
        }
    }

    /// keepalived's answer to a Master whose tracked virtual route or rule someone
    /// deleted: it resigns (priority 0, VIPs and routes go) and, unless a better router
    /// takes over first, is Master again after its own Skew_Time, with everything set
    /// anew. Other states are left alone.
    pub fn step_down(&mut self, now: Instant) {
        self.resign_and_return(now, Reason::EntryDeleted, true);
    }

    /// Follow a sync group partner: a Backup becomes Master, or a Master yields to
    /// Backup (keepalived's vrrp_sync_group). Other states are left alone.
    pub fn sync_to(&mut self, now: Instant, to: State) {
        match (self.state, to) {
            (State::Backup, State::Master) => self.become_master(now, Reason::SyncGroup),
            (State::Master, State::Backup) => {
                self.timers[Timer::Adver as usize] = None;
                self.stop_garps();
                self.push(Action::RemoveVips);
                self.enter_backup(now, Reason::SyncGroup);
            }
            _ => {}
        }
    }

    /// Apply a reloaded configuration without disturbing the current role: an unchanged
    /// instance keeps its state and VIPs. A Master announces a new priority at once so a
    /// lowered priority lets a better Backup preempt without waiting an interval.
    pub fn update_params(&mut self, now: Instant, params: Params) {
        let old = core::mem::replace(&mut self.params, params);
        if old == self.params {
            return;
        }
        if self.state == State::Master {
            if old.advert_interval != self.params.advert_interval {
                self.master_adver_interval = self.params.advert_interval.as_duration();
            }
            if old.priority != self.params.priority
                || old.advert_interval != self.params.advert_interval
            {
                self.send_advert(self.params.priority);
                self.arm(
                    Timer::Adver,
                    now + self.params.advert_interval.as_duration(),
                );
            }
            if self.params.garp_master_delay.is_zero() {
                self.timers[Timer::Garp as usize] = None;
            }
            match (old.garp_master_refresh, self.params.garp_master_refresh) {
                (_, r) if r.is_zero() => self.timers[Timer::GarpRefresh as usize] = None,
                (o, r) if o != r => self.arm(Timer::GarpRefresh, now + r),
                _ => {}
            }
        } else if self.state == State::Backup {
            // Master_Adver_Interval is our own unless a v3 Master's adverts gave us its
            // (§6.4.2), which a reload of our advert_int does not change. A change
            // applies to the running Master_Down_Timer at once: left at the old interval,
            // a shortened one delays failover, a lengthened one takes over early.
            let adopted = self.params.version == Version::V3
                && old.version == Version::V3
                && self.master_seen.is_some();
            let own = self.params.advert_interval.as_duration();
            let changed = self.master_adver_interval != own || old.version != self.params.version;
            if !adopted && changed {
                self.master_adver_interval = own;
                self.arm_down(now, self.master_down_interval());
            }
        }
        if self.params.preempt_delay.is_zero() || !self.params.preempt {
            self.preempt_at = None;
        }
    }

    /// One of a Master's VIPs was deleted by someone else (keepalived's rule for a VIP
    /// without `no_track`): it leaves Master, removing the others, and takes over again
    /// after its Skew_Time — adding them all afresh — unless it hears a Master first.
    pub fn vip_lost(&mut self, now: Instant) {
        self.resign_and_return(now, Reason::VipLost, false);
    }

    /// A Master that lost something it holds leaves Master (with a priority-0 advert when
    /// `farewell`) and, unless it hears a Master first, takes over again after its own
    /// Skew_Time, setting everything anew.
    fn resign_and_return(&mut self, now: Instant, why: Reason, farewell: bool) {
        if self.state != State::Master {
            return;
        }
        self.timers[Timer::Adver as usize] = None;
        self.stop_garps();
        if farewell {
            self.send_advert(PRIORITY_STOP);
        }
        self.push(Action::RemoveVips);
        self.enter_backup(now, why);
        let skew = skew_time(
            self.params.version,
            self.params.priority,
            self.master_adver_interval,
        );
        self.arm_down(now, skew);
    }

    /// The effective priority changed (tracked script or interface): a Master
    /// advertises it at once, so a better Backup preempts without waiting an interval.
    pub fn set_priority(&mut self, now: Instant, priority: u8) {
        if priority != self.params.priority {
            let mut p = self.params.clone();
            p.priority = priority;
            self.update_params(now, p);
        }
    }

    /// RFC 5798 §6.4.2 (Backup) and §6.4.3 (Master): an advertisement for this VRID.
    pub fn handle_advert(&mut self, now: Instant, adv: &Advert) -> Result<(), Discard> {
        if let Err(d) = self.check(adv) {
            self.counters.discarded[d.index()] += 1;
            return Err(d);
        }
        self.counters.adverts_rx += 1;
        if adv.priority == PRIORITY_STOP {
            self.counters.priority_zero_rx += 1;
        }
        match self.state {
            // Only Masters advertise (priority 0 aside): the new Master has taken over.
            State::Initialize if adv.priority != PRIORITY_STOP => self.release_now(),
            State::Initialize | State::Fault => {}
            State::Backup => self.backup_rx(now, adv),
            State::Master => self.master_rx(now, adv),
        }
        Ok(())
    }

    /// RFC 5798 §7.1 receive checks that depend on this instance's configuration, in
    /// the RFC's order.
    fn check(&self, adv: &Advert) -> Result<(), Discard> {
        let p = &self.params;
        if adv.vrid != p.vrid {
            return Err(Discard::Vrid { got: adv.vrid });
        }
        if adv.version != p.version {
            return Err(Discard::Version { got: adv.version });
        }
        if adv.src == self.local_addr {
            return Err(Discard::OwnAdvert);
        }
        if !p.unicast_peers.is_empty() && !p.unicast_peers.contains(&adv.src) {
            return Err(Discard::NotPeer);
        }
        if p.version == Version::V2 {
            if adv.auth != p.auth {
                return Err(Discard::Auth);
            }
            if adv.interval != p.advert_interval {
                return Err(Discard::Interval { got: adv.interval });
            }
        }
        // keepalived's check of the address list (RFC 5798 §7.1 "MAY"): a router that
        // serves other VIPs is not the same virtual router.
        if let Some(m) = adv.mismatch {
            let master = self.state == State::Master;
            let seen = self.master_seen.map(|s| s.0);
            if advaddr::must_check(master, p.skip_check_adv_addr, seen, adv.src) {
                return Err(Discard::AddrList(m));
            }
        }
        Ok(())
    }

    fn backup_rx(&mut self, now: Instant, adv: &Advert) {
        let own = self.params.priority;
        if adv.priority == PRIORITY_STOP {
            // The Master resigned: take over after Skew_Time only.
            let skew = skew_time(self.params.version, own, self.master_adver_interval);
            self.arm_down(now, skew);
            return;
        }
        let preempt_held =
            !self.params.preempt_delay.is_zero() && self.preempt_at.is_none_or(|at| now < at);
        if !self.params.preempt || adv.priority >= own || preempt_held {
            if self.params.version == Version::V3 {
                self.master_adver_interval = adv.interval.as_duration();
            }
            self.arm_down(now, self.master_down_interval());
            self.master_seen = Some((adv.src, adv.priority));
            self.wants_master = false;
            if !self.params.preempt_delay.is_zero() {
                if adv.priority >= own {
                    self.preempt_at = None;
                } else if self.preempt_at.is_none() {
                    self.preempt_at = Some(now + self.params.preempt_delay);
                }
            }
        } else if self.master_seen.is_some_and(|(src, _)| src != adv.src) {
            // Another router, worse than us, while the Master we follow is better: RFC
            // 5798 §6.4.2 discards it. (A flood of these must not move the VIP.)
        } else {
            // A lower-priority Master and we may preempt. RFC 5798 §6.4.2 discards the
            // advert and lets Master_Down_Timer run out (≈ 3 intervals). We take over after
            // Skew_Time instead, as on a priority-0 advert: the Master has just told us it
            // is worse (its priority dropped on a failed check), and Skew_Time still lets
            // the best of several Backups win.
            let skew = skew_time(self.params.version, own, self.master_adver_interval);
            let due = self.down_at(now, skew);
            if self.timers[Timer::MasterDown as usize].is_none_or(|t| t > due) {
                self.arm(Timer::MasterDown, due);
            }
        }
    }

    fn master_rx(&mut self, now: Instant, adv: &Advert) {
        let own = self.params.priority;
        if adv.priority == PRIORITY_STOP {
            // Another router resigned while we are Master: reassert at once.
            self.send_advert(own);
            self.arm(
                Timer::Adver,
                now + self.params.advert_interval.as_duration(),
            );
        } else if own == PRIORITY_OWNER && adv.priority == PRIORITY_OWNER {
            // The addresses are ours: an owner never hands them over, whatever the other
            // claimant's address (the tie-break below would). Two owners are a
            // configuration error for the operator to resolve; our adverts go on.
            self.push(Action::OwnerConflict { src: adv.src });
        } else if adv.priority > own || (adv.priority == own && adv.src > self.local_addr) {
            if self.params.higher_prio_send_advert {
                self.send_advert(own);
            }
            if self.params.version == Version::V3 {
                self.master_adver_interval = adv.interval.as_duration();
            }
            self.timers[Timer::Adver as usize] = None;
            self.stop_garps();
            self.push(Action::RemoveVips);
            self.enter_backup(now, Reason::HigherPriorityMaster);
            self.master_seen = Some((adv.src, adv.priority));
        } else {
            // At most one answer a second (`lowprio`): a flood of them must not become a
            // flood of adverts and broadcast GARPs.
            let interval = self.params.advert_interval.as_duration();
            if !self.answers.admit(now, interval) {
                return;
            }
            self.push(Action::LowerPriorityMaster {
                src: adv.src,
                priority: adv.priority,
            });
            let lp = self.params.lower_prio;
            if !lp.no_advert {
                self.send_advert(own);
            }
            // The other Master has announced the VIPs with its MAC; re-announce ours, or
            // clients keep sending to it after it steps down.
            self.garp_burst(now, lp.garp_repeat);
            self.arm_lower_prio_garp(now);
        }
    }

    /// Fire every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        for t in TIMERS {
            let Some(due) = self.timers[t as usize] else {
                continue;
            };
            if due > now {
                continue;
            }
            self.timers[t as usize] = None;
            match (t, self.state) {
                (Timer::MasterDown, State::Backup) if self.grouped => {
                    // keepalived's sync group rule: go Master only when every member can
                    // (`vrrp::group`); until then wait on, as if no Master had been heard.
                    self.wants_master = true;
                    self.arm_down(now, self.master_down_interval());
                }
                (Timer::MasterDown, State::Backup) => self.become_master(now, Reason::MasterDown),
                (Timer::Adver, State::Master) => {
                    self.send_advert(self.params.priority);
                    // Schedule from the deadline, not from `now`, so a late wake-up does
                    // not drift the advert rhythm; never schedule into the past.
                    let interval = self.params.advert_interval.as_duration();
                    let next = due + interval;
                    self.arm(Timer::Adver, if next > now { next } else { now + interval });
                }
                (Timer::Garp | Timer::GarpFollowUp, State::Master) => {
                    self.garp_burst(now, self.params.garp_master_repeat);
                }
                (Timer::GarpLowerPrio, State::Master) => {
                    self.garp_burst(now, self.params.lower_prio.garp_repeat);
                    self.arm_lower_prio_garp(now);
                }
                (Timer::GarpRefresh, State::Master) => {
                    self.garp_burst(now, self.params.garp_master_refresh_repeat);
                    self.arm(Timer::GarpRefresh, now + self.params.garp_master_refresh);
                }
                (Timer::GarpNext, State::Master) => {
                    self.push(Action::SendGarp { count: 1 });
                    self.garp_left = self.garp_left.saturating_sub(1);
                    if self.garp_left > 0 {
                        self.arm(Timer::GarpNext, now + self.params.garp_interval);
                    }
                }
                (Timer::Release, _) => self.release_now(),
                _ => {}
            }
        }
    }

    fn master_down_interval(&self) -> Duration {
        master_down_interval(
            self.params.version,
            self.params.priority,
            self.master_adver_interval,
        )
    }

    fn enter_backup(&mut self, now: Instant, why: Reason) {
        self.master_adver_interval = match (self.params.version, self.state) {
            // Keep an interval adopted from the Master we just yielded to.
            (Version::V3, State::Master) => self.master_adver_interval,
            _ => self.params.advert_interval.as_duration(),
        };
        self.wants_master = false;
        self.set_state(State::Backup, why);
        self.arm_down(now, self.master_down_interval());
    }

    /// RFC 5798 §6.4.1/§6.4.2: send an advert, announce the VIPs, become Master.
    fn become_master(&mut self, now: Instant, why: Reason) {
        self.set_state(State::Master, why);
        self.counters.became_master += 1;
        // An interval adopted from a former Master (§6.4.2) described that Master; from
        // now on the Master is us. Without this, a later move to Backup (a sync group's)
        // would wait for a Master on the old one's interval.
        self.master_adver_interval = self.params.advert_interval.as_duration();
        self.master_seen = None;
        self.preempt_at = None;
        self.timers[Timer::MasterDown as usize] = None;
        self.push(Action::AddVips);
        self.send_advert(self.params.priority);
        self.garp_burst(now, self.params.garp_master_repeat);
        let interval = self.params.advert_interval.as_duration();
        self.arm(Timer::Adver, now + interval);
        if !self.params.garp_master_delay.is_zero() {
            self.arm(Timer::Garp, now + self.params.garp_master_delay);
        }
        if !self.params.garp_master_refresh.is_zero() {
            self.arm(Timer::GarpRefresh, now + self.params.garp_master_refresh);
        }
        if self.params.garp_follow_up {
            self.arm(Timer::GarpFollowUp, now + interval);
        }
    }

    /// `count` GARPs per VIP: at once, or one every garp_interval.
    fn garp_burst(&mut self, now: Instant, count: u8) {
        if count == 0 {
            return;
        }
        if self.params.garp_interval.is_zero() {
            self.push(Action::SendGarp { count });
        } else {
            self.push(Action::SendGarp { count: 1 });
            // A new burst replaces what is left of an older one.
            self.garp_left = count - 1;
            if self.garp_left > 0 {
                self.arm(Timer::GarpNext, now + self.params.garp_interval);
            }
        }
    }

    /// The next re-announcement an answer to a lower priority asks for (`lowprio`).
    fn arm_lower_prio_garp(&mut self, now: Instant) {
        let interval = self.params.advert_interval.as_duration();
        let p = &self.params.lower_prio;
        self.timers[Timer::GarpLowerPrio as usize] = self.answers.next_garp(now, interval, p);
    }

    fn stop_garps(&mut self) {
        for t in GARP_TIMERS {
            self.timers[t as usize] = None;
        }
        self.garp_left = 0;
    }

    fn set_state(&mut self, to: State, why: Reason) {
        let from = self.state;
        self.state = to;
        self.reason = why;
        if from != to {
            if to != State::Initialize {
                self.counters.transitions += 1;
            }
            if from == State::Master {
                self.counters.released_master += 1;
            }
            self.push(Action::Transition { from, to, why });
        }
    }

    fn send_advert(&mut self, priority: u8) {
        self.counters.adverts_tx += 1;
        if priority == PRIORITY_STOP {
            self.counters.priority_zero_tx += 1;
        }
        self.push(Action::SendAdvert { priority });
    }

    fn arm(&mut self, t: Timer, at: Instant) {
        self.timers[t as usize] = Some(at);
    }

    fn push(&mut self, a: Action) {
        // The caller drains after every event, so the queue holds one event's burst at
        // most; dropping the oldest rather than panicking keeps a misuse survivable.
        if self.actions.is_full() {
            self.actions.pop_front();
        }
        let _ = self.actions.push_back(a);
    }
}

#[cfg(test)]
pub(crate) mod tests;
