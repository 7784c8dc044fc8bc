//! One instance's VIPs on the interfaces: where each lives (its `dev`, else the virtual
//! MAC interface, else the instance's interface), adding and removing it by rtnetlink,
//! and announcing it — gratuitous ARP for IPv4, an unsolicited Neighbor Advertisement
//! for IPv6.

use super::links::Links;
use super::vmac::Vmac;
use crate::config::model::{AddrOptions, Instance, Vip};
use crate::os::arp::LinkSender;
use crate::os::netlink::{AddrEntry, AddrOp, AddrSpec, Netlink, Outcome};
use crate::vrrp::reload;
use crate::wire::{arp, nd};
use log::{debug, error, warn};
use std::io;
use std::net::IpAddr;

/// A router's VIPs with what decides where they live.
pub struct Vips<'a> {
    pub inst: &'a Instance,
    pub vmac: Option<&'a Vmac>,
    /// The address adverts leave from: never removed as a VIP.
    pub src: Option<IpAddr>,
}

impl Vips<'_> {
    /// The name of the interface `vip` lives on.
    fn dev<'v>(&'v self, vip: &'v Vip) -> &'v str {
        match (&vip.dev, self.vmac) {
            (Some(d), _) => d,
            (None, Some(v)) => &v.name,
            (None, None) => &self.inst.interface,
        }
    }

    /// Index and MAC address of the interface `vip` lives on.
    fn device(&self, vip: &Vip, links: &Links) -> Option<(u32, [u8; 6])> {
        match (&vip.dev, self.vmac) {
            (None, Some(v)) => Some((v.index, v.mac)),
            _ => links.device(self.dev(vip)),
        }
    }

    /// The first address without `no_track` that `table` (the host's addresses) lacks,
    /// with its interface's name, among those `seen` on their interface (index for
    /// index with `Instance::addresses`); those found now are marked seen. Only an
    /// address seen there can have been deleted (one the kernel refused to add never
    /// was there).
    pub fn lost(
        &self,
        table: &[AddrEntry],
        links: &Links,
        seen: &mut Vec<bool>,
    ) -> Option<(IpAddr, &str)> {
        seen.resize(self.inst.addresses().count(), false);
        let mut lost = None;
        for ((vip, opts), seen) in self.inst.addresses().zip(seen.iter_mut()) {
            let index = self.device(vip, links).map(|d| d.0);
            let here = table
                .iter()
                .any(|e| Some(e.index) == index && e.addr == vip.addr);
            if here {
                *seen = true;
            } else if *seen && !opts.no_track && lost.is_none() {
                lost = Some((vip.addr, self.dev(vip)));
            }
        }
        lost
    }

    /// Add `vip` with its options (`brd`, `scope`), or remove it: `Unchanged` if it was
    /// there already (or gone already).
    pub fn op(
        &self,
        op: AddrOp,
        (vip, opts): (&Vip, &AddrOptions),
        links: &Links,
        netlink: &Netlink,
    ) -> io::Result<Outcome> {
        // The address we advertise from is the interface's own, never a VIP to remove
        // (an address owner, priority 255, lists its real address as the VIP).
        if op == AddrOp::Del && Some(vip.addr) == self.src {
            return Ok(Outcome::Unchanged);
        }
        let Some((index, _)) = self.device(vip, links) else {
            // An interface that is not there has no addresses to remove.
            if op == AddrOp::Del {
                return Ok(Outcome::Unchanged);
            }
            let what = format!("interface {} is not set up", self.dev(vip));
            return Err(io::Error::new(io::ErrorKind::NotFound, what));
        };
        netlink.addr(op, index, &spec(op, vip, opts))
    }

    /// `op`, logging the outcome (a failure is logged, not fatal: the other VIPs and the
    /// protocol go on).
    pub fn change(&self, op: AddrOp, vip: (&Vip, &AddrOptions), links: &Links, netlink: &Netlink) {
        let verb = if op == AddrOp::Add { "add" } else { "remove" };
        let (name, addr, plen) = (&self.inst.name, vip.0.addr, vip.0.prefix_len);
        match self.op(op, vip, links, netlink) {
            Ok(_) => debug!("({name}) {verb} VIP {addr}/{plen}: done"),
            Err(e) => error!("({name}) cannot {verb} VIP {addr}/{plen}: {e}"),
        }
    }

    /// A reload changed the VIPs of a Master from `old`'s to `self`'s: those in both
    /// with the same options stay on the interface (no flap), the rest are removed and
    /// added, and the added ones announced (`count` times).
    pub fn replace(
        &self,
        old: &Instance,
        count: u8,
        links: &Links,
        netlink: &Netlink,
        frames: &LinkSender,
    ) {
        let (old, new): (Vec<_>, Vec<_>) = (
            old.vips_with_options().collect(),
            self.inst.vips_with_options().collect(),
        );
        let d = reload::diff(&old, &new);
        for &&vip in &d.removed {
            self.change(AddrOp::Del, vip, links, netlink);
        }
        for &&vip in &d.added {
            self.change(AddrOp::Add, vip, links, netlink);
        }
        let added: Vec<IpAddr> = d.added.iter().map(|v| v.0.addr).collect();
        if !added.is_empty() {
            self.announce(Some(&added), count, links, frames);
        }
    }

    /// `count` gratuitous ARPs for every IPv4 address and unsolicited NAs for every IPv6
    /// one, excluded VIPs included (or only for those in `only`).
    pub fn announce(&self, only: Option<&[IpAddr]>, count: u8, links: &Links, frames: &LinkSender) {
        for (vip, _) in self.inst.addresses() {
            if only.is_some_and(|o| !o.contains(&vip.addr)) {
                continue;
            }
            let Some((index, mac)) = self.device(vip, links) else {
                continue;
            };
            let (garp, na);
            let frame: &[u8] = match (vip.addr, self.src) {
                (IpAddr::V4(a), _) => {
                    garp = arp::gratuitous_arp(mac, a);
                    &garp
                }
                // An IPv6 excluded VIP of an IPv4 instance: from itself, an address of
                // the interface by then (RFC 4861 §7.2.4 asks no more).
                (IpAddr::V6(a), src) => {
                    let src = match src {
                        Some(IpAddr::V6(s)) => s,
                        _ => a,
                    };
                    na = nd::unsolicited_na(mac, src, a);
                    &na
                }
            };
            for _ in 0..count {
                if let Err(e) = frames.send_frame(index, frame) {
                    warn!(
                        "({}) gratuitous ARP/NA for {} on {} failed: {e}",
                        self.inst.name,
                        vip.addr,
                        self.dev(vip)
                    );
                    break;
                }
            }
        }
        debug!("({}) sent gratuitous ARP/NA burst", self.inst.name);
    }
}

/// The request for `op` on an address with its options (a VIP, a static address). A
/// removal names the address only: the kernel finds it whatever its options.
pub fn spec<'a>(op: AddrOp, vip: &'a Vip, opts: &AddrOptions) -> AddrSpec<'a> {
    let add = op == AddrOp::Add;
    AddrSpec {
        addr: vip.addr,
        prefix_len: vip.prefix_len,
        label: vip.label.as_deref(),
        broadcast: opts.broadcast.filter(|_| add),
        scope: opts.scope.filter(|_| add).unwrap_or(0),
    }
}
