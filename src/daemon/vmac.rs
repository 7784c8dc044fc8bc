//! `use_vmac`: a macvlan per instance carrying the virtual MAC (RFC 5798 §7.3:
//! 00-00-5E-00-01-VRID, IPv6 00-00-5E-00-02-VRID) and the VIPs, so hosts' neighbour
//! entries never change on failover. As in keepalived, an IPv4 instance sends and receives
//! its adverts on the macvlan (so every advert comes from the virtual MAC and keeps
//! switches pointing at the Master's port — and the kernel hands a peer's frames from
//! the same virtual MAC to our macvlan, not to the base interface); `vmac_xmit_base`
//! keeps them on the base interface. IPv6 adverts always use the base interface, where
//! the link-local source address lives. The sysctls are keepalived's: on the macvlan
//! arp_ignore=1 (answer ARP only for its own addresses), accept_local=1, rp_filter=0 and no
//! IPv6 link-local of its own (two nodes must never both send from the virtual MAC);
//! on the base interface arp_ignore=1 and arp_filter=1 so it does not answer for the VIPs
//! with its real MAC, and arp_announce=2 so its own ARP requests (for a client the Master
//! answers from a VIP) carry its own address, not the VIP's — otherwise they teach the
//! client the real MAC for the VIP. The base's values are restored when the last macvlan
//! on it goes.

use super::Daemon;
use crate::config::model::Instance;
use crate::os::{iface, sysctl};
use log::{info, warn};

/// A created virtual MAC interface.
pub(super) struct Vmac {
    pub name: String,
    pub index: u32,
    pub mac: [u8; 6],
    pub base: String,
}

/// Base-interface sysctls as they were before the first macvlan on it.
pub(super) struct SavedBase {
    name: String,
    saved: [Option<u32>; 3],
    users: usize,
}

/// What the base interface of a virtual MAC needs (see the module comment).
const BASE_SYSCTLS: [(&str, u32); 3] = [("arp_ignore", 1), ("arp_filter", 1), ("arp_announce", 2)];

pub fn virtual_mac(vrid: u8, v6: bool) -> [u8; 6] {
    [0x00, 0x00, 0x5e, 0x00, if v6 { 0x02 } else { 0x01 }, vrid]
}

impl Daemon {
    /// Create the instance's macvlan (replacing one a crashed run left), set its sysctls
    /// and bring it up.
    pub(super) fn create_vmac(&mut self, inst: &Instance) -> Result<Option<Vmac>, String> {
        let Some(name) = &inst.vmac else {
            return Ok(None);
        };
        let fail =
            |what: &str, e: std::io::Error| format!("({}) use_vmac {name}: {what}: {e}", inst.name);
        let base = iface::lookup(&inst.interface).map_err(|e| fail(&inst.interface, e))?;
        if let Ok(old) = iface::lookup(name) {
            self.netlink
                .del_link(old.index)
                .map_err(|e| fail("cannot remove the interface a previous run left", e))?;
            info!("({}) removed stale virtual MAC interface {name}", inst.name);
        }
        let mac = virtual_mac(inst.vrid, inst.is_ipv6());
        self.netlink
            .add_macvlan(name, base.index, mac)
            .map_err(|e| fail("cannot create the macvlan", e))?;
        let vm = iface::lookup(name).map_err(|e| fail("created but not found", e))?;
        let vmac = Vmac {
            name: name.clone(),
            index: vm.index,
            mac,
            base: inst.interface.clone(),
        };
        // No link-local address: the backup's macvlan must stay silent.
        let _ = sysctl::set("ipv6", name, "addr_gen_mode", 1);
        for (k, v) in [("arp_ignore", 1), ("accept_local", 1), ("rp_filter", 0)] {
            if let Err(e) = sysctl::set("ipv4", name, k, v) {
                warn!("({}) {e}", inst.name);
            }
        }
        if sysctl::get("ipv4", "all", "rp_filter").is_some_and(|v| v != 0) {
            warn!(
                "({}) net.ipv4.conf.all.rp_filter is not 0: the kernel applies the larger of it and {name}'s 0, which may drop traffic to the VIPs",
                inst.name
            );
        }
        self.protect_base(&inst.interface);
        if let Err(e) = self.netlink.set_link_up(vmac.index, true) {
            self.remove_vmac(&vmac);
            return Err(fail("cannot bring it up", e));
        }
        info!(
            "({}) virtual MAC {} on {name} (over {})",
            inst.name,
            mac_text(mac),
            inst.interface
        );
        Ok(Some(vmac))
    }

    /// Delete the macvlan (its VIPs go with it) and restore the base's sysctls when it
    /// was the last one there.
    pub(super) fn remove_vmac(&mut self, vmac: &Vmac) {
        if let Err(e) = self.netlink.del_link(vmac.index) {
            warn!("cannot remove {}: {e}", vmac.name);
        }
        if let Some(k) = self.saved_bases.iter().position(|b| b.name == vmac.base) {
            self.saved_bases[k].users -= 1;
            if self.saved_bases[k].users == 0 {
                let b = self.saved_bases.swap_remove(k);
                for (key, v) in BASE_SYSCTLS.iter().zip(b.saved) {
                    if let Some(v) = v {
                        let _ = sysctl::set("ipv4", &b.name, key.0, v);
                    }
                }
            }
        }
    }

    fn protect_base(&mut self, base: &str) {
        if let Some(b) = self.saved_bases.iter_mut().find(|b| b.name == base) {
            b.users += 1;
            return;
        }
        self.saved_bases.push(SavedBase {
            name: base.to_string(),
            saved: BASE_SYSCTLS.map(|(k, _)| sysctl::get("ipv4", base, k)),
            users: 1,
        });
        for (k, v) in BASE_SYSCTLS {
            if let Err(e) = sysctl::set("ipv4", base, k, v) {
                warn!("{e}");
            }
        }
    }
}

pub fn mac_text(m: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_macs_follow_rfc_5798() {
        assert_eq!(mac_text(virtual_mac(1, false)), "00:00:5e:00:01:01");
        assert_eq!(mac_text(virtual_mac(255, true)), "00:00:5e:00:02:ff");
    }
}
