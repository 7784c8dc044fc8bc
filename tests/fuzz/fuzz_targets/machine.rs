//! The state machine driven by a byte stream of events, the way the daemon's loop drives
//! it: before each event the clock moves on and every timer due by then fires. After each
//! event the actions are drained and checked:
//! - transitions chain (each `from` is the state we were in) and end in `state()`;
//! - VIPs are added only when not held, removed only when held, `holds_vips()` agrees,
//!   a Master always holds them and only a Master or a resigning router (Initialize)
//!   holds them;
//! - no timer in the past: `poll_timeout() >= now`; a Master and a Backup always have a
//!   timer armed, a Fault router none, an Initialize router one only while releasing;
//! - an advert carries our priority, or 0 only when resigning;
//! - one event never fills the action queue (the machine would drop the oldest action).
//!
//! Parameters stay in the ranges configuration validation allows; a reload keeps the VRID
//! and version (the daemon restarts an instance whose identity changed).
#![no_main]
use core::time::Duration;
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr};
use tinyvrrpd::config::model::InitialState;
use tinyvrrpd::vrrp::lowprio::LowerPrio;
use tinyvrrpd::vrrp::machine::{Action, Advert, Machine, Params, State};
use tinyvrrpd::vrrp::timers::{Centis, Instant};
use tinyvrrpd::wire::Version;

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
/// Senders: ourselves, two peers, one lower and one higher address than ours.
const SENDERS: [IpAddr; 4] = [
    LOCAL,
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 12)),
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 13)),
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9)),
];
/// The action queue's capacity (`machine::ACTION_QUEUE`).
const ACTION_QUEUE: usize = 8;

/// Bytes as a stream of numbers; zeros once exhausted.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn bool(&mut self) -> bool {
        self.u8() & 1 != 0
    }
}

fn params(inp: &mut Input, vrid: u8, version: Version) -> Params {
    let b = inp.u8();
    let advert_interval = match version {
        Version::V2 => Centis(u16::from(inp.u8().max(1)) * 100),
        Version::V3 => Centis(inp.u16() % 4095 + 1),
    };
    let auth = match (version, b & 0x0c) {
        (Version::V2, 0) => None,
        (Version::V2, 4) => Some(*b"other\0\0\0"),
        (Version::V2, _) => Some(*b"mysecret"),
        (Version::V3, _) => None,
    };
    let peers = match (b >> 4) & 3 {
        0 | 1 => vec![],
        2 => vec![SENDERS[1]],
        _ => vec![SENDERS[1], SENDERS[2]],
    };
    Params {
        vrid,
        priority: inp.u8().max(1),
        version,
        advert_interval,
        preempt: b & 1 == 0,
        preempt_delay: Duration::from_millis(u64::from(inp.u16()) * 16 % 1_000_001),
        initial_state: if b & 2 != 0 {
            InitialState::Master
        } else {
            InitialState::Backup
        },
        auth,
        unicast_peers: peers,
        garp_master_delay: Duration::from_secs(u64::from(inp.u8()) % 8),
        garp_master_repeat: inp.u8() % 6,
        garp_master_refresh: Duration::from_secs(u64::from(inp.u8()) % 4),
        garp_master_refresh_repeat: inp.u8() % 3 + 1,
        garp_interval: Duration::from_millis(u64::from(inp.u8()) % 3 * 10),
        garp_follow_up: b & 0x40 != 0,
        hold_vips_on_stop: b & 0x80 == 0,
        lower_prio: LowerPrio {
            no_advert: inp.bool(),
            garp_repeat: inp.u8() % 6,
            garp_delay: Duration::from_secs(u64::from(inp.u8()) % 8),
        },
        higher_prio_send_advert: inp.bool(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input(data);
    let version = if inp.bool() { Version::V3 } else { Version::V2 };
    let vrid = 1;
    let mut p = params(&mut inp, vrid, version);
    let mut m = Machine::new(p.clone(), LOCAL);
    let mut now = Instant::from_micros(1_000_000);
    let mut state = State::Initialize;
    let mut held = false;

    while !inp.0.is_empty() {
        let op = inp.u8();
        // The clock moves on (high 3 bits), then due timers fire as in the daemon's loop.
        now = match op >> 5 {
            0 => now,
            1 => now + Duration::from_micros(1),
            2 => m.poll_timeout().map_or(now, |t| t.max(now)),
            3 => m.poll_timeout().map_or(now, |t| {
                Instant::from_micros(t.as_micros().saturating_sub(1)).max(now)
            }),
            4 => now + Duration::from_millis(u64::from(inp.u8())),
            5 => now + Duration::from_micros(u64::from(inp.u16()) * 100),
            6 => now + Duration::from_millis(u64::from(inp.u16())),
            _ => now + Duration::from_secs(u64::from(inp.u8())),
        };
        let mut resigned = false;
        let mut actions = Vec::new();
        if m.poll_timeout().is_some_and(|t| t <= now) {
            m.handle_timeout(now);
            actions.extend(std::iter::from_fn(|| m.poll_action()));
        }
        check_actions(&actions, &mut state, &mut held, &p, false);
        actions.clear();
        match op & 0x1f {
            0..=11 => {
                let b = inp.u8();
                let adv = Advert {
                    src: SENDERS[usize::from(b & 3)],
                    version: if b & 0x04 != 0 && b & 0x08 != 0 {
                        Version::V3
                    } else if b & 0x04 != 0 {
                        Version::V2
                    } else {
                        version
                    },
                    vrid: if b & 0x10 != 0 { inp.u8() } else { vrid },
                    priority: inp.u8(),
                    interval: if b & 0x20 != 0 {
                        // v3 carries 12 bits; v2 whole seconds.
                        Centis(inp.u16() & 0x0fff)
                    } else {
                        p.advert_interval
                    },
                    auth: if b & 0x40 != 0 {
                        [None, Some(*b"mysecret"), Some(*b"other\0\0\0")][usize::from(inp.u8() % 3)]
                    } else {
                        p.auth
                    },
                };
                let _ = m.handle_advert(now, &adv);
            }
            12..=15 => m.handle_timeout(now),
            16..=18 => {
                m.shutdown(now);
                resigned = true;
            }
            19..=21 => m.start(now),
            22..=25 => {
                let fault = inp.bool();
                m.set_fault(now, fault);
                resigned = fault;
            }
            26 => m.release_now(),
            _ => {
                p = params(&mut inp, vrid, version);
                m.update_params(now, p.clone());
            }
        }
        actions.extend(std::iter::from_fn(|| m.poll_action()));
        check_actions(&actions, &mut state, &mut held, &p, resigned);

        assert_eq!(m.state(), state, "transitions do not end in state()");
        assert_eq!(
            m.holds_vips(),
            held,
            "holds_vips() disagrees with Add/RemoveVips"
        );
        match m.state() {
            State::Master => assert!(held, "Master without VIPs"),
            State::Backup | State::Fault => assert!(!held, "{} holds VIPs", m.state()),
            State::Initialize => {}
        }
        let due = m.poll_timeout();
        if let Some(t) = due {
            assert!(t >= now, "timer in the past: {t:?} < {now:?}");
        }
        match m.state() {
            State::Master | State::Backup => assert!(due.is_some(), "{} with no timer", m.state()),
            State::Fault => assert!(due.is_none(), "FAULT with a timer"),
            State::Initialize => assert_eq!(due.is_some(), held, "INIT timer without release"),
        }
    }
});

fn check_actions(
    actions: &[Action],
    state: &mut State,
    held: &mut bool,
    p: &Params,
    resigned: bool,
) {
    assert!(
        actions.len() < ACTION_QUEUE,
        "one event filled the action queue: {actions:?}"
    );
    for a in actions {
        match *a {
            Action::Transition { from, to, .. } => {
                assert_eq!(from, *state, "transition from a state we were not in");
                assert_ne!(from, to);
                *state = to;
            }
            Action::AddVips => {
                assert!(!*held, "VIPs added twice");
                *held = true;
            }
            Action::RemoveVips => {
                assert!(*held, "VIPs removed while not held");
                *held = false;
            }
            Action::SendAdvert { priority: 0 } => assert!(resigned, "priority 0 without a stop"),
            Action::SendAdvert { priority } => assert_eq!(priority, p.priority),
            Action::SendGarp { .. } => assert!(*held, "GARP without the VIPs"),
            Action::LowerPriorityMaster { .. } | Action::OwnerConflict { .. } => {}
        }
    }
}
