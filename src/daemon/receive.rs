//! The links a pass of the loop found readable, read in rounds so that no flood on one
//! link starves another, and what each datagram read becomes: an advert for the router
//! serving its VRID there, an AH datagram for it to open, or a drop logged through the
//! daemon's one log budget.

use super::io::Io;
use super::links::{LinkId, Rx};
use super::routers::Routers;
use crate::os::clock;
use log::warn;

/// Datagrams read from one link in one round of a pass; rounds go on over the links still
/// readable until RX_BUDGET datagrams were read in the pass. The budget exceeds what a
/// VRRP socket's receive buffer holds (≈ 700 datagrams at SO_RCVBUF 256 KiB), so one pass
/// reads everything queued before the timers run (`step`), and no flood on one link
/// starves another.
const RX_ROUND: usize = 64;
const RX_BUDGET: usize = 1024;

/// Links found readable in a pass (kept: no allocation per pass).
#[derive(Default)]
pub struct ReadyLinks(Vec<LinkId>);

impl ReadyLinks {
    pub fn push(&mut self, id: LinkId) {
        self.0.push(id);
    }

    /// Read the links in rounds of RX_ROUND each, until they are drained or RX_BUDGET
    /// datagrams were read; none is left for the next pass, which polls again. Returns
    /// whether input was left unread.
    pub fn read(&mut self, routers: &mut Routers, io: &mut Io) -> bool {
        let more = self.rounds(routers, io);
        self.0.clear();
        more
    }

    fn rounds(&mut self, routers: &mut Routers, io: &mut Io) -> bool {
        let (ready, mut budget) = (&mut self.0, RX_BUDGET);
        while !ready.is_empty() {
            let mut k = 0;
            while k < ready.len() {
                let (id, want) = (ready[k], RX_ROUND.min(budget));
                let n = receive_from(id, want, routers, io);
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
}

/// Up to `max` datagrams from link `id`; how many were read.
fn receive_from(id: LinkId, max: usize, routers: &mut Routers, io: &mut Io) -> usize {
    for n in 0..max {
        let Some(rx) = io.links.recv(id) else {
            return n;
        };
        let now = clock::now();
        match rx {
            Rx::Advert { adv, ttl } => routers.receive(id, adv, ttl, now, io),
            Rx::Sealed { src, vrid } => routers.receive_sealed(id, src, vrid, now, io),
            Rx::Dropped { src, error } => {
                if io.limiter.admit(now, src, error.kind()).is_some() {
                    let link = io.links.name(id);
                    warn!("{link}: dropped VRRP packet from {src}: {error}");
                }
            }
        }
    }
    max
}
