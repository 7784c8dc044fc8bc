//! What the core needs from an instance's configuration, in the core's own types (the
//! core never imports the configuration): the machine's parameters, the identity a
//! reload matches on, the VIPs in advert wire form.

use crate::config::model::Instance;
use crate::vrrp::lowprio::LowerPrio;
use crate::vrrp::machine::Params;
use crate::vrrp::reload::Identity;
use crate::wire::{self, packet};
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
    }
}

/// What the machine needs from an instance's configuration.
pub fn params(inst: &Instance) -> Params {
    Params {
        vrid: inst.vrid,
        priority: inst.priority,
        version: inst.version,
        advert_interval: inst.advert_interval,
        preempt: inst.preempt,
        preempt_delay: inst.preempt_delay,
        initial_state: inst.initial_state,
        auth: inst.auth_pass,
        unicast_peers: inst.unicast_peers.clone(),
        garp_master_delay: inst.garp_master_delay,
        garp_master_repeat: inst.garp_master_repeat,
        garp_master_refresh: inst.garp_master_refresh,
        garp_master_refresh_repeat: inst.garp_master_refresh_repeat,
        garp_interval: if inst.is_ipv6() {
            inst.gna_interval
        } else {
            inst.garp_interval
        },
        garp_follow_up: inst.vmac.is_some(),
        hold_vips_on_stop: inst.vmac.is_none(),
        lower_prio: LowerPrio {
            no_advert: inst.lower_prio_no_advert,
            garp_repeat: inst.garp_lower_prio_repeat,
            garp_delay: inst.garp_lower_prio_delay,
        },
        higher_prio_send_advert: inst.higher_prio_send_advert,
    }
}

/// The TTL range adverts from `peer` must arrive in (`min_ttl`/`max_ttl`), if it has
/// one.
pub fn peer_ttl(inst: &Instance, peer: IpAddr) -> Option<(u8, u8)> {
    let t = inst.peer_ttl.iter().find(|t| t.addr == peer)?;
    Some((t.min, t.max))
}

/// The VIPs in advert wire form.
pub fn wire_addrs(inst: &Instance) -> Result<Vec<u8>, wire::Error> {
    let addrs: Vec<IpAddr> = inst.vips.iter().map(|v| v.addr).collect();
    let mut out = vec![0u8; addrs.len() * 16];
    let n = packet::write_addrs(&mut out, &addrs)?;
    out.truncate(n);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Vip;
    use core::time::Duration;

    fn inst(vip: &str) -> Instance {
        let mut i = Instance::with_defaults("VI_1", 1);
        i.vips = vec![Vip {
            addr: vip.parse().unwrap(),
            prefix_len: 64,
            dev: None,
            label: None,
        }];
        i.garp_interval = Duration::from_millis(10);
        i.gna_interval = Duration::from_millis(20);
        i
    }

    #[test]
    fn bursts_are_spaced_by_the_interval_of_the_instances_family() {
        assert_eq!(
            params(&inst("192.0.2.10")).garp_interval,
            Duration::from_millis(10)
        );
        assert_eq!(
            params(&inst("2001:db8::10")).garp_interval,
            Duration::from_millis(20)
        );
    }

    #[test]
    fn a_virtual_mac_releases_at_once_and_repeats_its_announcement() {
        let mut i = inst("192.0.2.10");
        let p = params(&i);
        assert!(p.hold_vips_on_stop && !p.garp_follow_up);
        i.vmac = Some("vrrp.1".into());
        let p = params(&i);
        assert!(!p.hold_vips_on_stop && p.garp_follow_up);
    }

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
