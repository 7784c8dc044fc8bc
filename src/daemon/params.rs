//! What the core needs from an instance's configuration, in the core's own types (the
//! core never imports the configuration): the identity a reload matches on, the VIPs in
//! advert wire form, the advert it sends, and (from `config::params`) the machine's
//! parameters.

use crate::config::model::Instance;
use crate::vrrp::reload::Identity;
use crate::wire::packet::{Auth, Repr};
use std::net::IpAddr;

/// What makes an instance the same virtual router across a reload.
pub fn identity(i: &Instance) -> Identity<'_> {
    Identity {
        name: &i.name,
        interface: &i.interface,
        vrid: i.vrid,
        version: i.version,
        v6: i.is_ipv6(),
        unicast_src: i.unicast_src,
        vmac: i.vmac.as_deref(),
        ah: i.auth_ah,
    }
}

/// The machine's parameters and the VIPs in wire form: built beside the model, where
/// the cluster simulator builds its machines too.
pub use crate::config::params::{params, wire_addrs};

/// The advert `inst` sends at `priority` (inside IPsec AH with `ah`), over its VIPs in
/// wire form (`wire_addrs`).
pub fn advert<'a>(inst: &Instance, priority: u8, ah: bool, wire_addrs: &'a [u8]) -> Repr<'a> {
    Repr {
        version: inst.version,
        vrid: inst.vrid,
        priority,
        interval_cs: inst.advert_interval.0,
        auth: match (ah, inst.auth_pass) {
            (true, _) => Auth::Ah,
            (false, p) => p.map_or(Auth::None, Auth::Pass),
        },
        addrs: wire_addrs,
    }
}

/// The TTL range adverts from `peer` must arrive in (`min_ttl`/`max_ttl`), if it has
/// one.
pub fn peer_ttl(inst: &Instance, peer: IpAddr) -> Option<(u8, u8)> {
    let t = inst.peer_ttl.iter().find(|t| t.addr == peer)?;
    Some((t.min, t.max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Vip;
    use crate::config::params::tests::inst;

    /// Issue 18 item 12: family is identity. Applied in place, the reload kept the old
    /// socket and source and read 16-byte addresses as 4-byte ones.
    #[test]
    fn a_reload_that_changes_the_family_restarts_the_instance() {
        let (v4, v6) = (inst("192.0.2.10"), inst("2001:db8::10"));
        assert_ne!(identity(&v4), identity(&v6));
        let p = crate::vrrp::reload::plan(&[identity(&v4)], &[identity(&v6)]);
        assert_eq!((p.keep.len(), p.remove, p.add), (0, vec![0], vec![0]));
    }

    #[test]
    fn vips_are_written_once_in_wire_form() {
        let mut i = inst("192.0.2.10");
        i.vips.push(Vip {
            addr: "192.0.2.20".parse().unwrap(),
            ..i.vips[0].clone()
        });
        assert_eq!(wire_addrs(&i).unwrap(), [192, 0, 2, 10, 192, 0, 2, 20]);
        assert_eq!(wire_addrs(&inst("2001:db8::10")).unwrap().len(), 16);
    }
}
