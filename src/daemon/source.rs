//! The address an instance's adverts leave from — also its tie-breaker between equal
//! priorities: `unicast_src_ip` (`mcast_src_ip`) while it is an address of this host,
//! else the interface's primary IPv4 address, else (IPv6) the interface's link-local
//! address once duplicate address detection is done. Picked again whenever the kernel
//! says addresses changed: after a renumbering (DHCP, `ip addr flush` then a new one)
//! adverts leave from the new address, and with none the instance waits in FAULT — a
//! Master whose source is gone can send nothing, and must not stay Master.

use crate::config::model::Instance;
use crate::os::netlink::{
    AddrEntry, IFA_F_DADFAILED, IFA_F_SECONDARY, IFA_F_TENTATIVE, RT_SCOPE_LINK,
};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Ready(IpAddr),
    /// An IPv6 address still in duplicate address detection (a second or so after an
    /// interface comes up): the instance waits.
    Tentative,
    /// No address to send from.
    Missing,
}

impl Source {
    pub fn addr(self) -> Option<IpAddr> {
        match self {
            Source::Ready(a) => Some(a),
            Source::Tentative | Source::Missing => None,
        }
    }
}

fn usable(e: &AddrEntry) -> Source {
    if e.flags & IFA_F_DADFAILED != 0 {
        // Another host has it: it never becomes usable.
        Source::Missing
    } else if e.flags & IFA_F_TENTATIVE != 0 {
        Source::Tentative
    } else {
        Source::Ready(e.addr)
    }
}

/// The source of `inst`'s adverts among the host's addresses (`table`), its interface
/// having index `index` (None: it does not exist).
pub fn pick(inst: &Instance, index: Option<u32>, table: &[AddrEntry]) -> Source {
    if let Some(a) = inst.unicast_src {
        return table
            .iter()
            .find(|e| e.addr == a)
            .map_or(Source::Missing, usable);
    }
    let Some(index) = index else {
        return Source::Missing;
    };
    let mine = table.iter().filter(|e| e.index == index);
    if inst.is_ipv6() {
        // The first usable link-local address; else Tentative if one is in DAD.
        let ll = mine.filter(|e| e.addr.is_ipv6() && e.scope == RT_SCOPE_LINK);
        ll.map(usable)
            .fold(Source::Missing, |best, s| match (best, s) {
                (Source::Ready(_), _) => best,
                (_, Source::Ready(_)) | (Source::Missing, Source::Tentative) => s,
                _ => best,
            })
    } else {
        // The interface's primary address: the first that is not secondary (the kernel
        // lists an interface's addresses in order), as SIOCGIFADDR reports it.
        mine.filter(|e| e.addr.is_ipv4() && e.flags & IFA_F_SECONDARY == 0)
            .map(|e| Source::Ready(e.addr))
            .next()
            .unwrap_or(Source::Missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Vip;

    fn entry(index: u32, addr: &str, flags: u32, scope: u8) -> AddrEntry {
        AddrEntry {
            index,
            addr: addr.parse().unwrap(),
            flags,
            scope,
        }
    }

    fn inst(vip: &str) -> Instance {
        let mut i = Instance::with_defaults("VI_1", 1);
        i.vips = vec![Vip {
            addr: vip.parse().unwrap(),
            prefix_len: 24,
            dev: None,
            label: None,
        }];
        i
    }

    fn ready(a: &str) -> Source {
        Source::Ready(a.parse().unwrap())
    }

    #[test]
    fn ipv4_adverts_leave_from_the_interfaces_primary_address() {
        let table = [
            entry(1, "127.0.0.1", 0, 254),
            entry(2, "192.0.2.11", 0, 0),
            // The VIP, added as a secondary of the same subnet.
            entry(2, "192.0.2.10", IFA_F_SECONDARY, 0),
            entry(3, "198.51.100.1", 0, 0),
        ];
        let i = inst("192.0.2.10");
        assert_eq!(pick(&i, Some(2), &table), ready("192.0.2.11"));
        assert_eq!(pick(&i, Some(3), &table), ready("198.51.100.1"));
        assert_eq!(pick(&i, Some(4), &table), Source::Missing);
        assert_eq!(pick(&i, None, &table), Source::Missing);
    }

    /// Issue 18 item 4: the source follows a renumbering (it was read once at start, so
    /// after `ip addr flush` and a new address every advert failed).
    #[test]
    fn a_renumbered_interface_gives_the_new_address_and_none_in_between() {
        let i = inst("192.0.2.10");
        assert_eq!(
            pick(&i, Some(2), &[entry(2, "192.0.2.11", 0, 0)]),
            ready("192.0.2.11")
        );
        assert_eq!(pick(&i, Some(2), &[]), Source::Missing);
        assert_eq!(
            pick(&i, Some(2), &[entry(2, "192.0.2.21", 0, 0)]),
            ready("192.0.2.21")
        );
    }

    #[test]
    fn unicast_src_ip_counts_while_it_is_an_address_of_this_host() {
        let mut i = inst("192.0.2.10");
        i.unicast_src = Some("192.0.2.11".parse().unwrap());
        let table = [entry(5, "192.0.2.11", 0, 0), entry(2, "192.0.2.99", 0, 0)];
        assert_eq!(pick(&i, Some(2), &table), ready("192.0.2.11"));
        assert_eq!(pick(&i, Some(2), &table[1..]), Source::Missing);
    }

    #[test]
    fn ipv6_adverts_wait_for_the_link_local_address_to_pass_dad() {
        let i = inst("2001:db8::10");
        let global = entry(2, "2001:db8::11", 0, 0);
        let tentative = entry(2, "fe80::b", IFA_F_TENTATIVE, RT_SCOPE_LINK);
        assert_eq!(pick(&i, Some(2), &[global, tentative]), Source::Tentative);
        let done = entry(2, "fe80::b", 0, RT_SCOPE_LINK);
        assert_eq!(pick(&i, Some(2), &[global, done]), ready("fe80::b"));
        assert_eq!(pick(&i, Some(2), &[global]), Source::Missing);
        let failed = entry(
            2,
            "fe80::b",
            IFA_F_DADFAILED | IFA_F_TENTATIVE,
            RT_SCOPE_LINK,
        );
        assert_eq!(pick(&i, Some(2), &[failed]), Source::Missing);
        assert_eq!(pick(&i, Some(2), &[failed, done]), ready("fe80::b"));
    }
}
