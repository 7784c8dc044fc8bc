//! Which instances of different nodes are one virtual router: same segment, same VRID,
//! same family. Interface names differ between nodes, so the segment is inferred from
//! what the files say about addresses — shared VIPs or overlapping VIP subnets, unicast
//! peers naming the other side's source — and only then from equal interface names.
//! Also the address each instance advertises from, as far as the files tell it.

use super::node::Node;
use crate::config::model::Instance;
use std::net::IpAddr;

/// One instance of one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub node: usize,
    pub inst: usize,
}

/// One virtual router across the nodes: at most one member per node.
#[derive(Debug, Clone)]
pub struct Router {
    pub members: Vec<Member>,
    pub segment: usize,
    pub vrid: u8,
    pub v6: bool,
}

/// How the address an instance advertises from is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// `unicast_src_ip`.
    Configured,
    /// Not configured, but the other members' `unicast_peer` lists name exactly one
    /// address that is nobody else's.
    Inferred,
    /// Unknown (the interface's primary or link-local address): a stand-in that no
    /// configured address can equal, so unicast peers never reach it.
    Assumed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub addr: IpAddr,
    pub known: Known,
}

pub struct Pairing {
    pub routers: Vec<Router>,
    /// Routers that serve the same addresses on one segment, as the timeline sees
    /// them: normally one router each; a VIP configured under two VRIDs makes one
    /// service of both, and their two Masters one conflict.
    pub services: Vec<Vec<usize>>,
    /// Per node, per instance: its segment and its router.
    pub segment: Vec<Vec<usize>>,
    pub router: Vec<Vec<usize>>,
    /// Per node, per instance: where its adverts leave from.
    pub source: Vec<Vec<Source>>,
}

impl Pairing {
    pub fn new(nodes: &[Node]) -> Pairing {
        let segment = segments(nodes);
        let mut routers: Vec<Router> = Vec::new();
        let mut router = Vec::new();
        for (n, node) in nodes.iter().enumerate() {
            let mut of_node = Vec::new();
            for (k, inst) in node.config.instances.iter().enumerate() {
                let (seg, v6) = (segment[n][k], inst.is_ipv6());
                let found = routers.iter().position(|r| {
                    (r.segment, r.vrid, r.v6) == (seg, inst.vrid, v6)
                        && r.members.iter().all(|m| m.node != n)
                });
                let member = Member { node: n, inst: k };
                let r = match found {
                    Some(r) => {
                        routers[r].members.push(member);
                        r
                    }
                    None => {
                        routers.push(Router {
                            members: vec![member],
                            segment: seg,
                            vrid: inst.vrid,
                            v6,
                        });
                        routers.len() - 1
                    }
                };
                of_node.push(r);
            }
            router.push(of_node);
        }
        let source = sources(nodes, &routers, &router);
        let services = services(nodes, &routers);
        Pairing {
            routers,
            services,
            segment,
            router,
            source,
        }
    }

    pub fn source(&self, m: Member) -> Source {
        self.source[m.node][m.inst]
    }

    /// The instances of service `s`.
    pub fn service_members(&self, s: usize) -> Vec<Member> {
        let routers = self.services[s].iter().map(|&r| &self.routers[r]);
        routers.flat_map(|r| r.members.iter().copied()).collect()
    }
}

/// Routers joined when they share a segment and a VIP (see `Pairing::services`).
fn services(nodes: &[Node], routers: &[Router]) -> Vec<Vec<usize>> {
    let vips = |r: &Router| -> Vec<IpAddr> {
        let insts = r
            .members
            .iter()
            .map(|m| &nodes[m.node].config.instances[m.inst]);
        insts.flat_map(|i| i.vips.iter().map(|v| v.addr)).collect()
    };
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (r, router) in routers.iter().enumerate() {
        let mine = vips(router);
        let joins = |s: &Vec<usize>| {
            s.iter().any(|&o| {
                routers[o].segment == router.segment
                    && vips(&routers[o]).iter().any(|a| mine.contains(a))
            })
        };
        match out.iter().position(joins) {
            Some(s) => out[s].push(r),
            None => out.push(vec![r]),
        }
    }
    out
}

/// Whether two instances of different nodes sit on one segment, and how sure that is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Evidence {
    None,
    /// Equal interface names, and no VIP subnets that say otherwise.
    SameName,
    /// Their addresses say so: a shared VIP, overlapping VIP subnets, a unicast peer or
    /// source inside the other's subnet or naming the other's source.
    Addresses,
}

pub fn evidence(a: &Instance, b: &Instance) -> Evidence {
    let shared_vip = a
        .vips
        .iter()
        .any(|v| b.vips.iter().any(|w| w.addr == v.addr));
    let nets_a: Vec<(IpAddr, u8)> = networks(a).collect();
    let nets_b: Vec<(IpAddr, u8)> = networks(b).collect();
    let overlap = nets_a
        .iter()
        .any(|&(x, p)| nets_b.iter().any(|&(y, q)| same_net(x, y, p.min(q))));
    let in_nets = |i: &Instance, nets: &[(IpAddr, u8)]| {
        let mut addrs = i.unicast_src.iter().chain(&i.unicast_peers);
        addrs.any(|&x| nets.iter().any(|&(y, p)| same_net(x, y, p)))
    };
    let names_other =
        |i: &Instance, j: &Instance| j.unicast_src.is_some_and(|s| i.unicast_peers.contains(&s));
    if shared_vip
        || overlap
        || names_other(a, b)
        || names_other(b, a)
        || in_nets(a, &nets_b)
        || in_nets(b, &nets_a)
    {
        Evidence::Addresses
    } else if a.interface == b.interface && (nets_a.is_empty() || nets_b.is_empty()) {
        Evidence::SameName
    } else {
        Evidence::None
    }
}

/// The subnets an instance's VIPs on its own interface name (host routes say nothing).
fn networks(i: &Instance) -> impl Iterator<Item = (IpAddr, u8)> + '_ {
    i.vips
        .iter()
        .filter(|v| v.dev.as_deref().is_none_or(|d| d == i.interface))
        .filter(|v| v.prefix_len < if v.addr.is_ipv6() { 128 } else { 32 })
        .map(|v| (v.addr, v.prefix_len))
}

/// Whether `x` and `y` agree in their first `plen` bits (same family only).
pub fn same_net(x: IpAddr, y: IpAddr, plen: u8) -> bool {
    let bits = |a: IpAddr| match a {
        IpAddr::V4(a) => (u128::from(u32::from(a)) << 96, false),
        IpAddr::V6(a) => (u128::from(a), true),
    };
    let ((x, x6), (y, y6)) = (bits(x), bits(y));
    if x6 != y6 {
        return false;
    }
    let plen = u32::from(plen).min(128);
    let mask = if plen == 0 {
        0
    } else {
        u128::MAX << (128 - plen)
    };
    (x ^ y) & mask == 0
}

/// Per node, per instance: its segment. Every (node, interface) is one link; links of
/// different nodes join when an instance on each has evidence of sharing it.
fn segments(nodes: &[Node]) -> Vec<Vec<usize>> {
    let mut links: Vec<(usize, &str)> = Vec::new();
    let mut link_of = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        let mut of_node = Vec::new();
        for inst in &node.config.instances {
            let key = (n, inst.interface.as_str());
            let l = links.iter().position(|&k| k == key).unwrap_or_else(|| {
                links.push(key);
                links.len() - 1
            });
            of_node.push(l);
        }
        link_of.push(of_node);
    }
    let mut parent: Vec<usize> = (0..links.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (n, a) in nodes.iter().enumerate() {
        for (m, b) in nodes.iter().enumerate().skip(n + 1) {
            for (i, x) in a.config.instances.iter().enumerate() {
                for (j, y) in b.config.instances.iter().enumerate() {
                    if evidence(x, y) > Evidence::None {
                        let (p, q) = (
                            root(&mut parent, link_of[n][i]),
                            root(&mut parent, link_of[m][j]),
                        );
                        parent[p] = q;
                    }
                }
            }
        }
    }
    link_of
        .iter()
        .map(|ls| ls.iter().map(|&l| root(&mut parent, l)).collect())
        .collect()
}

/// Where every instance's adverts leave from (see [`Known`]). Stand-ins are shared by
/// the instances of one node on one interface, as a primary address is: 0.0.0.N and
/// ::N are never configured addresses.
fn sources(nodes: &[Node], routers: &[Router], router: &[Vec<usize>]) -> Vec<Vec<Source>> {
    let inst = |m: &Member| &nodes[m.node].config.instances[m.inst];
    let mut stand_ins: Vec<(usize, &str, bool)> = Vec::new();
    let mut out = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        let mut of_node = Vec::new();
        for (k, i) in node.config.instances.iter().enumerate() {
            if let Some(addr) = i.unicast_src {
                of_node.push(Source {
                    addr,
                    known: Known::Configured,
                });
                continue;
            }
            let r = &routers[router[n][k]];
            let others = r.members.iter().filter(|m| m.node != n);
            let mut named: Vec<IpAddr> = Vec::new();
            for p in others.clone().flat_map(|m| inst(m).unicast_peers.iter()) {
                let taken = r.members.iter().any(|m| inst(m).unicast_src == Some(*p));
                if !taken && !named.contains(p) {
                    named.push(*p);
                }
            }
            let unknown = r.members.iter().filter(|m| inst(m).unicast_src.is_none());
            if named.len() == 1 && unknown.count() == 1 {
                of_node.push(Source {
                    addr: named[0],
                    known: Known::Inferred,
                });
                continue;
            }
            let key = (n, i.interface.as_str(), i.is_ipv6());
            let k = stand_ins.iter().position(|&s| s == key).unwrap_or_else(|| {
                stand_ins.push(key);
                stand_ins.len() - 1
            }) as u32
                + 1;
            let addr = if key.2 {
                IpAddr::V6(std::net::Ipv6Addr::from(u128::from(k)))
            } else {
                IpAddr::V4(std::net::Ipv4Addr::from(k))
            };
            of_node.push(Source {
                addr,
                known: Known::Assumed,
            });
        }
        out.push(of_node);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{node, seed};
    use super::*;

    #[test]
    fn the_seed_pair_is_one_router_with_configured_sources() {
        let nodes = seed();
        let p = Pairing::new(&nodes);
        assert_eq!(p.routers.len(), 1);
        assert_eq!(
            p.routers[0].members,
            [Member { node: 0, inst: 0 }, Member { node: 1, inst: 0 }]
        );
        assert_eq!(p.source[1][0].addr, "192.0.2.12".parse::<IpAddr>().unwrap());
        assert_eq!(p.source[1][0].known, Known::Configured);
    }

    #[test]
    fn interface_names_may_differ_when_the_addresses_agree() {
        let a = node(
            "a",
            "instance = V\ninterface = eth0\nvirtual_router_id = 5\nvirtual_ipaddress = 192.0.2.10/24\n",
        );
        let b = node(
            "b",
            "instance = W\ninterface = br-lan\nvirtual_router_id = 5\nvirtual_ipaddress = 192.0.2.10/24\n",
        );
        // Same name, other subnet: another segment.
        let c = node(
            "c",
            "instance = V\ninterface = eth0\nvirtual_router_id = 5\nvirtual_ipaddress = 198.51.100.10/24\n",
        );
        let p = Pairing::new(&[a, b, c]);
        assert_eq!(p.routers.len(), 2);
        assert_eq!(p.routers[0].members.len(), 2);
        assert_eq!(p.router[2][0], 1);
    }

    #[test]
    fn a_missing_source_is_inferred_from_the_peer_lists_or_stood_in_for() {
        let a = node(
            "a",
            "instance = V\ninterface = eth0\nvirtual_router_id = 5\nunicast_src_ip = 192.0.2.11\nunicast_peer = 192.0.2.12\nvirtual_ipaddress = 192.0.2.10/24\n",
        );
        let b = node(
            "b",
            "instance = V\ninterface = eth0\nvirtual_router_id = 5\nunicast_peer = 192.0.2.11\nvirtual_ipaddress = 192.0.2.10/24\n",
        );
        let c = node(
            "c",
            "instance = V\ninterface = eth0\nvirtual_router_id = 6\nvirtual_ipaddress = 192.0.2.20/24\n",
        );
        let p = Pairing::new(&[a, b, c]);
        assert_eq!(p.source[1][0].known, Known::Inferred);
        assert_eq!(p.source[1][0].addr, "192.0.2.12".parse::<IpAddr>().unwrap());
        assert_eq!(p.source[2][0].known, Known::Assumed);
        assert_eq!(p.source[2][0].addr, "0.0.0.1".parse::<IpAddr>().unwrap());
        // c shares the segment (overlapping subnet) but serves another VRID.
        assert_eq!(p.segment[2][0], p.segment[0][0]);
    }

    #[test]
    fn subnets_compare_on_the_shorter_prefix() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(same_net(ip("192.0.2.10"), ip("192.0.2.200"), 24));
        assert!(!same_net(ip("192.0.2.10"), ip("192.0.3.10"), 24));
        assert!(same_net(ip("2001:db8::1"), ip("2001:db8::ff"), 64));
        assert!(!same_net(ip("192.0.2.10"), ip("2001:db8::1"), 0));
    }
}
