//! `use_vmac`: a macvlan per instance carrying the virtual MAC (RFC 5798 §7.3:
//! 00-00-5E-00-01-VRID, IPv6 00-00-5E-00-02-VRID) and the VIPs, so hosts' neighbour
//! entries never change on failover. Adverts leave from the base interface (keepalived's
//! `vmac_xmit_base`, the only way tinyvrrpd sends), where the IPv4 source and the IPv6
//! link-local address live; an IPv4 instance also reads adverts on the macvlan, since the
//! kernel hands a peer's frames from the same virtual MAC to it rather than to the base.
//! The sysctls are keepalived's: on the macvlan arp_ignore=1 (answer ARP only for its own
//! addresses), accept_local=1, rp_filter=0 and no IPv6 link-local of its own (two nodes
//! must never both send from the virtual MAC); on the base interface arp_ignore=1 and
//! arp_filter=1 so it does not answer for the VIPs with its real MAC, and arp_announce=2
//! so its own ARP requests (for a client the Master answers from a VIP) carry its own
//! address, not the VIP's — otherwise they teach the client the real MAC for the VIP.
//! The base's values are restored when the last macvlan on it goes.

use super::error::StartError;
use crate::config::model::Instance;
use crate::os::netlink::Netlink;
use crate::os::{iface, sysctl};
use log::{info, warn};

/// A created virtual MAC interface.
#[derive(Clone)]
pub struct Vmac {
    pub name: String,
    pub index: u32,
    pub mac: [u8; 6],
    pub base: String,
}

/// Base-interface sysctls as they were before the first macvlan on it.
struct SavedBase {
    name: String,
    saved: [Option<u32>; 3],
    users: usize,
}

/// What the base interface of a virtual MAC needs (see the module comment).
const BASE_SYSCTLS: [(&str, u32); 3] = [("arp_ignore", 1), ("arp_filter", 1), ("arp_announce", 2)];

pub fn virtual_mac(vrid: u8, v6: bool) -> [u8; 6] {
    [0x00, 0x00, 0x5e, 0x00, if v6 { 0x02 } else { 0x01 }, vrid]
}

/// The virtual MAC interfaces this daemon holds, and the base interfaces under them
/// with the sysctls to restore.
#[derive(Default)]
pub struct Vmacs {
    saved: Vec<SavedBase>,
    /// Every macvlan created and not yet removed, with its instance's name.
    held: Vec<(Vmac, String)>,
}

impl Vmacs {
    /// Create the instance's macvlan, set its sysctls and bring it up. An interface of
    /// that name is replaced only if it is what a crashed run (ours or keepalived's)
    /// leaves: a private macvlan with this virtual MAC that no other instance holds.
    /// Anything else — another instance's, a real interface a typo named — is refused,
    /// never deleted, whichever way the name was chosen. `releasing`: the names of
    /// macvlans whose instances a reload is removing; this one takes over the one of its
    /// name, and one with its MAC on its base (the kernel allows one macvlan per MAC
    /// on a base).
    pub fn create(
        &mut self,
        inst: &Instance,
        netlink: &Netlink,
        releasing: &[&str],
    ) -> Result<Option<Vmac>, StartError> {
        let Some(name) = &inst.vmac else {
            return Ok(None);
        };
        let fail = |what: &str, source| StartError::Vmac {
            instance: inst.name.clone(),
            name: name.clone(),
            what: what.into(),
            source,
        };
        let refuse = |reason: String| StartError::VmacName {
            instance: inst.name.clone(),
            name: name.clone(),
            reason,
        };
        let mac = virtual_mac(inst.vrid, inst.is_ipv6());
        let released = |v: &Vmac| releasing.contains(&v.name.as_str());
        if let Some((_, owner)) = self
            .held
            .iter()
            .find(|h| h.0.name == *name && !released(&h.0))
        {
            return Err(refuse(format!(
                "instance {owner} uses this name for its virtual MAC; give one of them another (use_vmac NAME)"
            )));
        }
        let base = iface::lookup(&inst.interface).map_err(|e| fail(&inst.interface, e))?;
        let same_mac = |v: &Vmac| v.base == inst.interface && v.mac == mac && v.name != *name;
        while let Some(k) = self
            .held
            .iter()
            .position(|h| released(&h.0) && same_mac(&h.0))
        {
            let (v, owner) = self.held.swap_remove(k);
            netlink
                .del_link(v.index)
                .map_err(|e| fail("cannot remove the macvlan it replaces", e))?;
            info!("({}) takes over from {owner}'s {}", inst.name, v.name);
        }
        let existing = netlink
            .link_info(name)
            .map_err(|e| fail("cannot look at the interface of that name", e))?;
        if let Some(old) = existing {
            // Held by a router the reload removes (any other holder was refused above).
            let ours = self.held.iter().position(|h| h.0.index == old.index);
            if ours.is_none() && !old.is_private_macvlan(mac) {
                return Err(refuse(format!(
                    "interface {name} already exists and is not a private macvlan with the virtual MAC {}: it is left alone; give use_vmac another name",
                    mac_text(mac)
                )));
            }
            netlink
                .del_link(old.index)
                .map_err(|e| fail("cannot remove the interface a previous run left", e))?;
            match ours {
                Some(k) => {
                    let (_, owner) = self.held.swap_remove(k);
                    info!("({}) takes over {name} from {owner}", inst.name);
                }
                None => info!("({}) removed stale virtual MAC interface {name}", inst.name),
            }
        }
        netlink
            .add_macvlan(name, base.index, mac)
            .map_err(|e| fail("cannot create the macvlan", e))?;
        let vm = iface::lookup(name).map_err(|e| fail("created but not found", e))?;
        let vmac = Vmac {
            name: name.clone(),
            index: vm.index,
            mac,
            base: inst.interface.clone(),
        };
        self.held.push((vmac.clone(), inst.name.clone()));
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
        if let Err(e) = netlink.set_link_up(vmac.index, true) {
            self.remove(&vmac, netlink);
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
    pub fn remove(&mut self, vmac: &Vmac, netlink: &Netlink) {
        // Gone already if a new instance took the name over (see `create`): the index
        // is then another's, or nobody's.
        if self.held.iter().any(|h| h.0.index == vmac.index) {
            if let Err(e) = netlink.del_link(vmac.index) {
                warn!("cannot remove {}: {e}", vmac.name);
            }
            self.held.retain(|h| h.0.index != vmac.index);
        }
        if let Some(k) = self.saved.iter().position(|b| b.name == vmac.base) {
            self.saved[k].users -= 1;
            if self.saved[k].users == 0 {
                let b = self.saved.swap_remove(k);
                for (key, v) in BASE_SYSCTLS.iter().zip(b.saved) {
                    if let Some(v) = v {
                        let _ = sysctl::set("ipv4", &b.name, key.0, v);
                    }
                }
            }
        }
    }

    fn protect_base(&mut self, base: &str) {
        if let Some(b) = self.saved.iter_mut().find(|b| b.name == base) {
            b.users += 1;
            return;
        }
        self.saved.push(SavedBase {
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
