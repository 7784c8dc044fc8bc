//! `no_accept` (RFC 5798 §6.4.3, keepalived's default under vrrp_strict): a Master that
//! is not the address owner must not accept traffic addressed to its VIPs. The drop
//! rule lives in nftables (table `inet tinyvrrpd`, one chain per instance), added while
//! Master and removed when it stops being Master, through `nft` run on the instance's
//! firewall queue so the changes apply in order, and kept in step with every reload
//! (VIPs added or removed, accept ↔ no_accept). ARP is not IP traffic and keeps working;
//! IPv6 Neighbor Solicitations and Advertisements to a VIP are accepted before the drop
//! (as in keepalived's rules), or hosts' neighbour unreachability detection of their
//! router would fail. Hosts still find the Master; their packets to the VIPs are dropped.

use super::children::Job;
use super::error::StartError;
use crate::config::model::{Command, Config, Instance};
use crate::os::process::{self, Exit, Prepared};
use core::time::Duration;
use log::{debug, info, warn};

const NFT: &str = "nft";
pub const FIREWALL_TIMEOUT: Duration = Duration::from_secs(10);
/// What a previous run may have left, whatever its configuration was: the whole table.
const CLEAN_SCRIPT: &str = "delete table inet tinyvrrpd";

/// Whether this instance's Master drops traffic to its VIPs.
pub fn drops_vip_traffic(inst: &Instance) -> bool {
    !inst.accept && inst.priority != 255
}

/// For a no_accept instance (at start, or when a reload makes it one): say what it
/// means, it surprises people.
pub fn warn_no_accept(inst: &Instance) {
    if drops_vip_traffic(inst) {
        warn!(
            "({}) no_accept: while Master, this node drops all traffic addressed to the VIPs (RFC 5798 Accept_Mode off; only an address owner, priority 255, accepts it). Services listening on the VIPs are unreachable; use accept if they must answer",
            inst.name
        );
    }
}

fn nft_command() -> Command {
    Command {
        text: NFT.into(),
        argv: vec![NFT.into()],
        user: None,
    }
}

/// The `nft` program, resolved at start and at every reload when any instance needs it.
pub fn prepare_nft(config: &Config) -> Result<Option<Prepared>, StartError> {
    let Some(inst) = config.instances.iter().find(|i| drops_vip_traffic(i)) else {
        return Ok(None);
    };
    process::prepare(&nft_command(), None, false)
        .map(Some)
        .map_err(StartError::command(format!(
            "({}) no_accept needs nftables' nft",
            inst.name
        )))
}

/// At start, before any rule of this run: remove every chain a previous run left, those
/// of instances that are no longer no_accept or no longer configured included (a crash
/// leaves them behind). Waits for nft (at most FIREWALL_TIMEOUT), so that no install of
/// this run can be overtaken. Without nft there can be nothing to remove.
pub fn clean(nft: Option<&Prepared>) {
    let Some(nft) = nft
        .cloned()
        .or_else(|| process::prepare(&nft_command(), None, false).ok())
    else {
        return;
    };
    let cmd = nft.with_args(&[CLEAN_SCRIPT]);
    match process::run(&cmd, FIREWALL_TIMEOUT) {
        Ok(Exit::Code(0)) => info!("removed the no_accept rules a previous run left"),
        // Mostly: there was no table. A failure that matters shows at the first install.
        Ok(exit) => debug!("nft '{CLEAN_SCRIPT}': {exit}"),
        Err(e) => warn!("cannot run nft to remove old drop rules: {e}"),
    }
}

/// The instance's chain: one per interface, VRID and family, stable (named from the
/// interface's name, not its index, which changes if the interface is re-created) and
/// injective — letters and digits stay, every other byte of the name becomes `_` and
/// two hex digits, so `eth0.10`, `eth0-10` and `eth0_10` get three chains. At most
/// 3 + 15 × 3 + 6 = 54 characters (interface names have 15 bytes at most; nftables
/// allows 255).
fn chain(inst: &Instance) -> String {
    let fam = if inst.is_ipv6() { 6 } else { 4 };
    let mut name = String::from("vi_");
    for b in inst.interface.bytes() {
        if b.is_ascii_alphanumeric() {
            name.push(char::from(b));
        } else {
            name.push_str(&format!("_{b:02x}"));
        }
    }
    format!("{name}_{}_{fam}", inst.vrid)
}

/// nft commands that make the chain exist and empty; `then` follows in the same
/// transaction.
fn script(inst: &Instance, then: &str) -> String {
    let c = chain(inst);
    format!(
        "add table inet tinyvrrpd ; add chain inet tinyvrrpd {c} {{ type filter hook input priority -150 ; policy accept ; }} ; flush chain inet tinyvrrpd {c} ; {then}"
    )
}

/// The drop rules of every address the instance holds as Master, excluded VIPs (of
/// either family) included; IPv6 neighbour discovery to them is accepted first.
pub fn install_script(inst: &Instance) -> String {
    let rule = format!("add rule inet tinyvrrpd {}", chain(inst));
    let mut rules = Vec::new();
    let own = inst.is_ipv6();
    for v6 in [own, !own] {
        let addrs: Vec<String> = inst
            .addresses()
            .filter(|(v, _)| v.addr.is_ipv6() == v6)
            .map(|(v, _)| v.addr.to_string())
            .collect();
        if addrs.is_empty() {
            continue;
        }
        if v6 {
            rules.push(format!(
                "{rule} icmpv6 type {{ nd-neighbor-solicit, nd-neighbor-advert }} accept"
            ));
        }
        let ip = if v6 { "ip6" } else { "ip" };
        rules.push(format!("{rule} {ip} daddr {{ {} }} drop", addrs.join(", ")));
    }
    script(inst, &rules.join(" ; "))
}

pub fn remove_script(inst: &Instance) -> String {
    let c = chain(inst);
    script(inst, &format!("delete chain inet tinyvrrpd {c}"))
}

/// The nft command that installs the instance's drop rule (replacing what its chain
/// held: a reload's new VIPs), or removes its chain; None when installing for an
/// instance that accepts traffic to its VIPs. Removing is always possible: after a
/// reload to `accept` the chain of the former no_accept must go.
pub fn job(nft: &Prepared, inst: &Instance, install: bool) -> Option<Job> {
    let text = match install {
        true if !drops_vip_traffic(inst) => return None,
        true => install_script(inst),
        false => remove_script(inst),
    };
    let mut cmd = nft.with_args(&[&text]);
    cmd.text = format!("nft '{text}'");
    Some(Job {
        cmd,
        env: Vec::new(),
    })
}

/// An nft command that failed (the `children::Report` of firewall queues).
pub fn report(who: &str, _pid: i32, exit: Exit) {
    warn!(
        "({who}) nft failed ({exit}): traffic to the VIPs may not be dropped or may stay dropped"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Vip;

    fn inst(addrs: &[&str]) -> Instance {
        let mut i = Instance::with_defaults("VI_1", 1);
        i.interface = "eth0".into();
        i.vrid = 7;
        i.accept = false;
        i.vips = addrs
            .iter()
            .map(|a| Vip {
                addr: a.parse().unwrap(),
                prefix_len: 24,
                dev: None,
                label: None,
            })
            .collect();
        i
    }

    #[test]
    fn install_and_remove_are_one_nft_transaction_each() {
        let i = inst(&["192.0.2.10", "192.0.2.20"]);
        assert_eq!(
            install_script(&i),
            "add table inet tinyvrrpd ; add chain inet tinyvrrpd vi_eth0_7_4 { type filter hook input priority -150 ; policy accept ; } ; flush chain inet tinyvrrpd vi_eth0_7_4 ; add rule inet tinyvrrpd vi_eth0_7_4 ip daddr { 192.0.2.10, 192.0.2.20 } drop"
        );
        assert!(remove_script(&i).ends_with("; delete chain inet tinyvrrpd vi_eth0_7_4"));
        let six = inst(&["2001:db8::10"]);
        assert!(install_script(&six).ends_with("ip6 daddr { 2001:db8::10 } drop"));
    }

    /// Issue 13 item 7: excluded VIPs, of either family, are dropped too.
    #[test]
    fn excluded_vips_of_both_families_are_dropped_too() {
        let mut i = inst(&["192.0.2.10"]);
        let evip = |a: &str| {
            (
                Vip {
                    addr: a.parse().unwrap(),
                    prefix_len: 24,
                    dev: None,
                    label: None,
                },
                Default::default(),
            )
        };
        i.vips_excluded = vec![evip("192.0.2.20"), evip("2001:db8::20")];
        assert!(install_script(&i).ends_with(
            "add rule inet tinyvrrpd vi_eth0_7_4 ip daddr { 192.0.2.10, 192.0.2.20 } drop ; add rule inet tinyvrrpd vi_eth0_7_4 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept ; add rule inet tinyvrrpd vi_eth0_7_4 ip6 daddr { 2001:db8::20 } drop"
        ));
    }

    #[test]
    fn ipv6_neighbour_discovery_to_the_vips_is_accepted_before_the_drop() {
        let six = inst(&["2001:db8::10"]);
        assert!(install_script(&six).ends_with(
            "add rule inet tinyvrrpd vi_eth0_7_6 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept ; add rule inet tinyvrrpd vi_eth0_7_6 ip6 daddr { 2001:db8::10 } drop"
        ));
    }

    #[test]
    fn chain_names_are_injective_and_bounded() {
        let named = |ifname: &str| {
            let mut i = inst(&["192.0.2.10"]);
            i.interface = ifname.into();
            chain(&i)
        };
        let names = [
            "eth0.10", "eth0-10", "eth0_10", "eth010", "br-lan", "br_lan", "br.lan",
        ];
        let chains: Vec<String> = names.iter().map(|n| named(n)).collect();
        for (a, ca) in names.iter().zip(&chains) {
            for (b, cb) in names.iter().zip(&chains) {
                assert!(a == b || ca != cb, "{a} and {b} share {ca}");
            }
        }
        assert_eq!(named("eth0.10"), "vi_eth0_2e10_7_4");
        // Worst case: 15 bytes none of which stays, VRID 255, IPv6.
        let mut i = inst(&["2001:db8::10"]);
        i.interface = "@-.@-.@-.@-.@-.".into();
        i.vrid = 255;
        assert_eq!(chain(&i).len(), 54);
        assert!(
            chain(&i)
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        );
    }

    #[test]
    fn the_address_owner_and_accept_mode_accept() {
        let mut i = inst(&["192.0.2.10"]);
        assert!(drops_vip_traffic(&i));
        i.priority = 255;
        assert!(!drops_vip_traffic(&i));
        i.priority = 100;
        i.accept = true;
        assert!(!drops_vip_traffic(&i));
    }
}
