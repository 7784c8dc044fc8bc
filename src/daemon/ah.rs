//! keepalived's IPsec AH (`auth_type AH`) of one virtual router: its key, the
//! sequence numbers it sends and accepts (`vrrp::ah::Sequence`), the IPv4 identification
//! of its adverts; sealing an advert that leaves, opening one that arrives.

use super::io::Io;
use super::links::{LinkId, Seal};
use crate::config::model::Instance;
use crate::vrrp::ah::Sequence;
use crate::vrrp::machine::Advert;
use crate::vrrp::timers::Instant;
use log::{info, warn};
use std::net::IpAddr;

/// keepalived's IPsec AH state of one virtual router.
pub struct Ah {
    key: [u8; 8],
    seq: Sequence,
    /// The IPv4 identification of its adverts (keepalived counts them; never 0).
    id: u16,
}

impl Ah {
    pub fn new(inst: &Instance) -> Option<Ah> {
        inst.auth_ah.then(|| Ah {
            key: inst.auth_pass.unwrap_or_default(),
            seq: Sequence::default(),
            id: 0,
        })
    }

    /// A reload changed the key.
    pub fn rekey(&mut self, key: [u8; 8]) {
        self.key = key;
    }

    /// What the next advert is sealed with.
    pub fn seal(&mut self) -> Seal<'_> {
        self.id = self.id.checked_add(1).unwrap_or(1);
        Seal {
            key: &self.key,
            seq: self.seq.next_sent(),
            id: self.id,
        }
    }

    /// The AH datagram from `src` waiting on `via` for `cfg`'s router: checked with its
    /// key and against replays (keepalived's sequence rule). The advert and its TTL; None
    /// if dropped (counted and logged).
    pub fn open(
        &mut self,
        via: LinkId,
        src: IpAddr,
        cfg: &Instance,
        now: Instant,
        io: &mut Io,
    ) -> Option<(Advert, u8)> {
        let name = &cfg.name;
        let res = io.links.unseal(via, &self.key, cfg.is_unicast());
        match res {
            Ok((adv, ttl, seq)) if self.seq.accept(seq) => Some((adv, ttl)),
            Ok((_, _, seq)) => {
                io.links.count_drop(via, "auth");
                if io.limiter.admit(now, src, "ah_seq").is_some() {
                    let local = self.seq.last();
                    // keepalived's words.
                    info!(
                        "({name}) IPSEC-AH : sequence number {seq} already processed. Packet dropped. Local({local})"
                    );
                }
                None
            }
            Err(e) => {
                if io.limiter.admit(now, src, e.kind()).is_some() {
                    warn!("({name}) dropped advert from {src}: {e}");
                }
                None
            }
        }
    }
}
