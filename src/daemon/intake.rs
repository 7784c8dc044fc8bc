//! What an advert for one router goes through before its machine sees it: the TTL (IPv6
//! hop limit) it must arrive with (RFC 5798 §5.1.1.3 and §7.1: 255, or a unicast peer's
//! range), then — for a router that listens on both its base interface and its virtual
//! MAC interface, where the kernel delivers every advert twice — the window in which the
//! same advert is taken once. What the machine refuses, and what it says of a peer's
//! advert (another address owner, a lower-priority Master), is logged here too, all
//! through the daemon's one log budget (forged sources must not flood the log).

use super::io::Io;
use super::links::LinkId;
use super::params;
use crate::config::model::Instance;
use crate::vrrp::duplicate::DuplicateFilter;
use crate::vrrp::machine::{Action, Advert, Discard};
use crate::vrrp::timers::Instant;
use crate::vrrp::ttl::{self, TtlError};
use log::{debug, info, warn};

/// One router's duplicate window: the last advert it took, and where from.
#[derive(Default)]
pub struct Intake {
    copies: DuplicateFilter<LinkId>,
}

impl Intake {
    /// An advert for the router configured as `cfg`, read on `via` with `ttl`: given to
    /// `take` (its machine) unless the TTL is wrong or, when adverts arrive `twice`, it
    /// is a copy of one just taken. Returns whether the machine took it.
    pub fn admit(
        &mut self,
        cfg: &Instance,
        twice: bool,
        (via, adv, ttl): (LinkId, &Advert, u8),
        (now, io): (Instant, &mut Io),
        take: impl FnOnce() -> Result<(), Discard>,
    ) -> bool {
        let range = params::peer_ttl(cfg, adv.src);
        if let Err(e) = ttl::check(ttl, cfg.is_unicast(), range) {
            io.links.count_drop(via, "ttl");
            if io.limiter.admit(now, adv.src, "ttl").is_some() {
                let (name, src) = (&cfg.name, adv.src);
                match e {
                    // keepalived's words for a peer's range.
                    TtlError::OutOfRange { ttl, min, max } => {
                        warn!("({name}) TTL/HL {ttl} from {src} not in range [{min}, {max}]")
                    }
                    TtlError::Not255(_) => {
                        warn!(
                            "{}: dropped VRRP packet from {src}: {e}",
                            io.links.name(via)
                        )
                    }
                }
            }
            return false;
        }
        let handled = if twice {
            let copy = self.copies.admit(adv.src, adv.priority, via, now, take);
            let Some(handled) = copy else {
                return false;
            };
            handled
        } else {
            take()
        };
        match handled {
            Ok(()) => true,
            Err(Discard::OwnAdvert) => false,
            Err(d) => {
                if let Some(suppressed) = io.limiter.admit(now, adv.src, d.kind()) {
                    let more = if suppressed > 0 {
                        format!(" ({suppressed} more since last report)")
                    } else {
                        String::new()
                    };
                    warn!("({}) dropped advert from {}: {d}{more}", cfg.name, adv.src);
                }
                false
            }
        }
    }
}

/// What the machine says of a peer's advert (`Action::OwnerConflict`,
/// `Action::LowerPriorityMaster`), logged for router `name` at priority `own` (`quiet`:
/// it does not answer a lower priority) — rate-limited per peer, since a peer repeats
/// every advert; the machine answers a lower priority at most once a second, and the
/// log's global budget holds forged sources, each new, too.
pub fn report(name: &str, a: Action, (own, quiet): (u8, bool), now: Instant, io: &mut Io) {
    let (src, reason) = match a {
        Action::OwnerConflict { src } => (src, "owner"),
        Action::LowerPriorityMaster { src, .. } => (src, "lower_prio"),
        _ => return,
    };
    if io.limiter.admit(now, src, reason).is_none() {
        return;
    }
    match a {
        // keepalived's words (a lower priority: with or without its answer).
        Action::LowerPriorityMaster { priority, .. } if quiet => {
            info!("({name}) Received advert from {src} with lower priority {priority}, ours {own}")
        }
        Action::LowerPriorityMaster { priority, .. } => info!(
            "({name}) Received advert from {src} with lower priority {priority}, ours {own}, forcing new election"
        ),
        _ => warn!(
            "({name}) CONFIGURATION ERROR: local instance and {src} are both configured as address owner, please resolve"
        ),
    }
}

/// An advert read on `via` that no router here serves: counted and, from a unicast peer
/// of one of ours (`peer_of`: its name and VRID), reported as the misconfiguration it is
/// (other VRIDs on a shared multicast LAN are normal).
pub fn unserved<'a>(
    adv: &Advert,
    via: LinkId,
    peer_of: impl FnOnce() -> Option<(&'a str, u8)>,
    now: Instant,
    io: &mut Io,
) {
    io.links.count_drop(via, "vrid");
    if io.limiter.admit(now, adv.src, "vrid").is_none() {
        return;
    }
    match peer_of() {
        Some((name, vrid)) => warn!(
            "({}) dropped advert from {}: {} (ours is {})",
            name,
            adv.src,
            Discard::Vrid { got: adv.vrid },
            vrid
        ),
        None => debug!(
            "{}: advert from {} for VRID {} that no instance here serves",
            io.links.name(via),
            adv.src,
            adv.vrid
        ),
    }
}
