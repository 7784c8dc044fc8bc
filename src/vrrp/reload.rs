//! Reload as "parse new, diff, apply": which running virtual routers a new configuration
//! keeps, adds and removes, and which VIPs of a kept one change. Pure; the daemon builds
//! what is added before it touches anything, so a failure leaves the running
//! configuration as it was.

use crate::wire::Version;
use std::net::IpAddr;

/// What makes two instances the same virtual router across a reload. A change here is a
/// restart (stop the old, start the new); anything else — priority, interval, VIPs,
/// tracking, scripts — is applied in place, without a state change or a VIP flap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity<'a> {
    pub name: &'a str,
    pub interface: &'a str,
    pub vrid: u8,
    pub version: Version,
    /// IPv6 or IPv4: another family is another socket, source and address length.
    pub v6: bool,
    pub unicast_src: Option<IpAddr>,
    pub vmac: Option<&'a str>,
    /// IPsec AH or not: another socket (IP protocol 51).
    pub ah: bool,
}

/// The difference between the running instances and the new configuration's, by index.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// (running, new): the same virtual router, updated in place.
    pub keep: Vec<(usize, usize)>,
    /// New instances without a running counterpart, in configuration order.
    pub add: Vec<usize>,
    /// Running instances the new configuration no longer has, in running order.
    pub remove: Vec<usize>,
}

impl Plan {
    /// The new instance that running instance `i` becomes, if it is kept.
    pub fn kept_as(&self, i: usize) -> Option<usize> {
        self.keep.iter().find(|k| k.0 == i).map(|k| k.1)
    }
}

pub fn plan(running: &[Identity<'_>], new: &[Identity<'_>]) -> Plan {
    let mut p = Plan::default();
    for (i, r) in running.iter().enumerate() {
        match new.iter().position(|n| n == r) {
            Some(k) => p.keep.push((i, k)),
            None => p.remove.push(i),
        }
    }
    p.add = (0..new.len())
        .filter(|&k| !running.contains(&new[k]))
        .collect();
    p
}

/// What a kept router's VIPs become, each list in configuration order. A VIP in both
/// lists (same address, prefix, device and label) stays on the interface untouched.
#[derive(Debug, PartialEq, Eq)]
pub struct Diff<'a, T> {
    pub removed: Vec<&'a T>,
    pub added: Vec<&'a T>,
}

pub fn diff<'a, T: PartialEq>(old: &'a [T], new: &'a [T]) -> Diff<'a, T> {
    Diff {
        removed: old.iter().filter(|v| !new.contains(v)).collect(),
        added: new.iter().filter(|v| !old.contains(v)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: &str, vrid: u8) -> Identity<'_> {
        Identity {
            name,
            interface: "enp0s1",
            vrid,
            version: Version::V2,
            v6: false,
            unicast_src: None,
            vmac: None,
            ah: false,
        }
    }

    #[test]
    fn an_unchanged_configuration_keeps_every_instance() {
        let run = [id("VI_1", 1), id("VI_2", 2)];
        let p = plan(&run, &run);
        assert_eq!(p.keep, [(0, 0), (1, 1)]);
        assert!(p.add.is_empty() && p.remove.is_empty());
    }

    #[test]
    fn instances_are_matched_by_identity_not_by_position() {
        let run = [id("VI_1", 1), id("VI_2", 2), id("VI_3", 3)];
        let new = [id("VI_3", 3), id("VI_4", 4), id("VI_1", 1)];
        let p = plan(&run, &new);
        assert_eq!(p.keep, [(0, 2), (2, 0)]);
        assert_eq!(p.remove, [1]);
        assert_eq!(p.add, [1]);
        assert_eq!(p.kept_as(2), Some(0));
        assert_eq!(p.kept_as(1), None);
    }

    #[test]
    fn a_change_of_identity_restarts_the_instance() {
        let old = id("VI_1", 1);
        let changes = [
            Identity {
                name: "VI_9",
                ..old
            },
            Identity {
                interface: "enp0s2",
                ..old
            },
            Identity { vrid: 2, ..old },
            Identity {
                version: Version::V3,
                ..old
            },
            Identity { v6: true, ..old },
            Identity {
                unicast_src: Some("192.0.2.11".parse().unwrap()),
                ..old
            },
            Identity {
                vmac: Some("vrrp.1"),
                ..old
            },
        ];
        for new in changes {
            let p = plan(&[old], &[new]);
            assert_eq!((p.keep.len(), p.remove, p.add), (0, vec![0], vec![0]));
        }
    }

    #[test]
    fn vips_in_both_lists_stay_and_the_rest_are_removed_or_added_in_order() {
        let d = diff(&["a", "b", "c"], &["c", "d", "a", "e"]);
        assert_eq!(d.removed, [&"b"]);
        assert_eq!(d.added, [&"d", &"e"]);
        let same = diff(&["a"], &["a"]);
        assert!(same.removed.is_empty() && same.added.is_empty());
    }
}
