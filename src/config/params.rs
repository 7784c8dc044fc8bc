//! What the core needs from an instance's configuration, in the core's own types: the
//! machine's parameters and the weight each tracked object carries. The daemon and the
//! cluster simulator both build their machines from here, so what is simulated is what
//! runs (the core never imports the configuration).

use super::model::{Instance, TrackScript, Tracked};
use crate::vrrp::lowprio::LowerPrio;
use crate::vrrp::machine::Params;

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
        // AH's key is no password in the advert (`wire::ah`).
        auth: inst.auth_pass.filter(|_| !inst.auth_ah),
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
        skip_check_adv_addr: inst.skip_check_adv_addr,
    }
}

/// The VIPs in advert wire form: what an instance sends, and what keepalived's
/// address-list check compares a received advert's list with.
pub fn wire_addrs(inst: &Instance) -> Result<Vec<u8>, crate::wire::Error> {
    let addrs: Vec<std::net::IpAddr> = inst.vips.iter().map(|v| v.addr).collect();
    let mut out = vec![0u8; addrs.len() * 16];
    let n = crate::wire::packet::write_addrs(&mut out, &addrs)?;
    out.truncate(n);
    Ok(out)
}

/// The weight of a `track_script` entry: its own `weight N`, else the script's.
pub fn script_weight(t: &Tracked, script: &TrackScript) -> i16 {
    t.weight.unwrap_or(script.weight)
}

/// The weight of a `track_interface` entry: 0 (a fault) unless it names one.
pub fn interface_weight(t: &Tracked) -> i16 {
    t.weight.unwrap_or(0)
}

/// An interface an instance tracks: its name, weight and `reverse`.
pub type TrackedIf<'a> = (&'a str, i16, bool);

/// The interfaces an instance tracks, as keepalived tracks them: its own (a fault when
/// down), unless `dont_track_primary`; its `track_interface`s; and the interface
/// (`dev`) of each VIP and excluded VIP on another interface, a fault too, unless the
/// address says `no_track`.
pub fn tracked_interfaces(inst: &Instance) -> Vec<TrackedIf<'_>> {
    let mut v: Vec<TrackedIf<'_>> = Vec::new();
    if !inst.dont_track_primary {
        v.push((&inst.interface, 0, false));
    }
    for t in &inst.track_interfaces {
        v.push((&t.name, interface_weight(t), t.reverse));
    }
    for (vip, opts) in inst.addresses() {
        let Some(dev) = vip.dev.as_deref() else {
            continue;
        };
        let listed = dev == inst.interface || v.iter().any(|t| t.0 == dev);
        if !opts.no_track && !listed {
            v.push((dev, 0, false));
        }
    }
    v
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::model::{AddrOptions, Vip};
    use core::time::Duration;

    /// An instance with one VIP (/64) and spaced GARP (10 ms) and NA (20 ms) bursts.
    pub(crate) fn inst(vip: &str) -> Instance {
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

    /// Issue 13 item 6: `dont_track_primary`, and VIP interfaces unless `no_track`.
    #[test]
    fn the_own_interface_and_vip_interfaces_are_tracked_unless_told_otherwise() {
        let mut i = inst("192.0.2.10");
        i.interface = "eth0".into();
        let dev = |d: &str| Vip {
            addr: "198.51.100.10".parse().unwrap(),
            prefix_len: 24,
            dev: Some(d.into()),
            label: None,
        };
        i.vips.push(dev("eth1"));
        i.vips.push(dev("eth0"));
        i.vips_excluded = vec![(dev("eth2"), Default::default())];
        i.track_interfaces.push(Tracked {
            name: "eth3".into(),
            weight: Some(-10),
            reverse: false,
            line: 1,
        });
        let names = |i: &Instance| {
            let v = tracked_interfaces(i);
            v.iter()
                .map(|t| format!("{}:{}", t.0, t.1))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&i), ["eth0:0", "eth3:-10", "eth1:0", "eth2:0"]);
        i.dont_track_primary = true;
        i.vip_options = vec![
            Default::default(),
            AddrOptions {
                no_track: true,
                ..Default::default()
            },
        ];
        i.vips_excluded[0].1.no_track = true;
        assert_eq!(names(&i), ["eth3:-10"]);
    }

    #[test]
    fn an_entrys_own_weight_overrides_the_scripts() {
        let t = |weight| Tracked {
            name: "chk".into(),
            weight,
            reverse: false,
            line: 1,
        };
        let script = TrackScript {
            name: "chk".into(),
            line: 1,
            command: crate::config::model::Command {
                text: "true".into(),
                argv: vec!["true".into()],
                user: None,
            },
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            weight: -60,
            reverse: false,
            rise: 1,
            fall: 1,
            init_fail: false,
        };
        assert_eq!(script_weight(&t(None), &script), -60);
        assert_eq!(script_weight(&t(Some(-10)), &script), -10);
        assert_eq!(interface_weight(&t(None)), 0);
        assert_eq!(interface_weight(&t(Some(5))), 5);
    }
}
