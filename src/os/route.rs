//! Routes and rules through rtnetlink: RTM_NEWROUTE/RTM_DELROUTE and
//! RTM_NEWRULE/RTM_DELRULE requests as keepalived sends them for its `virtual_routes`,
//! `static_routes`, `virtual_rules` and `static_rules` (vrrp_iproute.c netlink_route,
//! vrrp_iprule.c netlink_rule), and the kernel's notices of routes and rules that
//! appear or go, to find ours among them. The bytes are built and read by pure
//! functions, unit-tested without root.

use super::cvt_size;
use super::netlink::{Netlink, Outcome, finish_header, push_attr, subscribed};
use crate::config::model::{Route, RouteMode, Rule};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

const NLMSG_HDRLEN: usize = 16;
/// struct rtmsg and struct fib_rule_hdr are both 12 bytes.
const BODY_LEN: usize = 12;
const RT_SCOPE_NOWHERE: u8 = 255;
const RTNH_F_ONLINK: u32 = 4;
const FIB_RULE_INVERT: u32 = 2;
const FR_ACT_TO_TBL: u8 = 1;
const FR_ACT_GOTO: u8 = 2;
// Rule attributes (linux/fib_rules.h).
const FRA_DST: u16 = 1;
const FRA_SRC: u16 = 2;
const FRA_IIFNAME: u16 = 3;
const FRA_GOTO: u16 = 4;
const FRA_PRIORITY: u16 = 6;
const FRA_FWMARK: u16 = 10;
const FRA_TABLE: u16 = 15;
const FRA_FWMASK: u16 = 16;
const FRA_OIFNAME: u16 = 17;
const FRA_PROTOCOL: u16 = 21;

/// Add, or remove.
pub use crate::vrrp::routes::Op;

fn family(v6: bool) -> u8 {
    if v6 {
        libc::AF_INET6 as u8
    } else {
        libc::AF_INET as u8
    }
}

fn octets(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().to_vec(),
    }
}

fn name_attr(buf: &mut Vec<u8>, ty: u16, name: &str) {
    let mut z = name.as_bytes().to_vec();
    z.push(0);
    push_attr(buf, ty, &z);
}

/// The request for `r` (`oif`: its `dev`'s index), as keepalived builds it: an add
/// creates (and with `add` refuses an existing match, with `append` goes after it); a
/// delete matches any scope and, unless the line named one, any type.
pub fn route_message(op: Op, seq: u32, r: &Route, oif: Option<u32>) -> Vec<u8> {
    let (ty, mut flags) = match op {
        Op::Add => (libc::RTM_NEWROUTE, libc::NLM_F_CREATE),
        Op::Del => (libc::RTM_DELROUTE, 0),
    };
    if op == Op::Add {
        flags |= match r.mode {
            RouteMode::Prepend => 0,
            RouteMode::Add => libc::NLM_F_EXCL,
            RouteMode::Append => libc::NLM_F_APPEND,
        };
    }
    let flags = (flags | libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16;
    let mut buf = vec![0u8; NLMSG_HDRLEN];
    let (scope, kind) = match op {
        Op::Add => (r.scope.unwrap_or(libc::RT_SCOPE_UNIVERSE), r.kind),
        Op::Del => (RT_SCOPE_NOWHERE, if r.kind == 1 { 0 } else { r.kind }),
    };
    let table = if r.table < 256 { r.table as u8 } else { 0 };
    let src_len = r.from.map_or(0, |f| f.1);
    // rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags.
    buf.extend_from_slice(&[
        family(r.dst.is_ipv6()),
        r.dst_len,
        src_len,
        r.tos,
        table,
        r.protocol,
        scope,
        kind,
    ]);
    let rflags = if r.onlink { RTNH_F_ONLINK } else { 0 };
    buf.extend_from_slice(&rflags.to_ne_bytes());
    if r.dst_len > 0 {
        push_attr(&mut buf, libc::RTA_DST, &octets(r.dst));
    }
    if let Some((a, _)) = r.from {
        push_attr(&mut buf, libc::RTA_SRC, &octets(a));
    }
    if let Some(a) = r.src {
        push_attr(&mut buf, libc::RTA_PREFSRC, &octets(a));
    }
    if let Some(a) = r.via {
        push_attr(&mut buf, libc::RTA_GATEWAY, &octets(a));
    }
    if let Some(i) = oif {
        push_attr(&mut buf, libc::RTA_OIF, &i.to_ne_bytes());
    }
    if let Some(m) = r.metric {
        push_attr(&mut buf, libc::RTA_PRIORITY, &m.to_ne_bytes());
    }
    if r.table >= 256 {
        push_attr(&mut buf, libc::RTA_TABLE, &r.table.to_ne_bytes());
    }
    finish_header(&mut buf, ty, flags, seq);
    buf
}

/// The request for rule `r`: an add refuses an identical rule (keepalived's
/// NLM_F_EXCL); a delete names every field, as the kernel matches on them.
pub fn rule_message(op: Op, seq: u32, r: &Rule) -> Vec<u8> {
    let (ty, flags) = match op {
        Op::Add => (libc::RTM_NEWRULE, libc::NLM_F_CREATE | libc::NLM_F_EXCL),
        Op::Del => (libc::RTM_DELRULE, 0),
    };
    let flags = (flags | libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16;
    let mut buf = vec![0u8; NLMSG_HDRLEN];
    let table = match r.action {
        FR_ACT_TO_TBL if r.target < 256 => r.target as u8,
        _ => 0,
    };
    // fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2, action, flags.
    buf.extend_from_slice(&[
        family(r.v6),
        r.to.map_or(0, |p| p.1),
        r.from.map_or(0, |p| p.1),
        r.tos,
        table,
        0,
        0,
        r.action,
    ]);
    let rflags = if r.invert { FIB_RULE_INVERT } else { 0 };
    buf.extend_from_slice(&rflags.to_ne_bytes());
    for (ty, p) in [(FRA_SRC, r.from), (FRA_DST, r.to)] {
        if let Some((a, _)) = p.filter(|p| p.1 > 0) {
            push_attr(&mut buf, ty, &octets(a));
        }
    }
    push_attr(&mut buf, FRA_PRIORITY, &r.priority.to_ne_bytes());
    if let Some((mark, mask)) = r.fwmark {
        push_attr(&mut buf, FRA_FWMARK, &mark.to_ne_bytes());
        if let Some(m) = mask {
            push_attr(&mut buf, FRA_FWMASK, &m.to_ne_bytes());
        }
    }
    if let Some(d) = &r.iif {
        name_attr(&mut buf, FRA_IIFNAME, d);
    }
    if let Some(d) = &r.oif {
        name_attr(&mut buf, FRA_OIFNAME, d);
    }
    match r.action {
        FR_ACT_TO_TBL if r.target >= 256 => push_attr(&mut buf, FRA_TABLE, &r.target.to_ne_bytes()),
        FR_ACT_GOTO => push_attr(&mut buf, FRA_GOTO, &r.target.to_ne_bytes()),
        _ => {}
    }
    if let Some(p) = r.protocol {
        push_attr(&mut buf, FRA_PROTOCOL, &[p]);
    }
    finish_header(&mut buf, ty, flags, seq);
    buf
}

/// Add or remove a route (`oif`: its dev's index) and wait for the kernel's answer.
/// Adding one that is there already, or removing one already gone, is `Unchanged`.
pub fn change_route(nl: &Netlink, op: Op, r: &Route, oif: Option<u32>) -> io::Result<Outcome> {
    let errno = nl.request_with(|seq| route_message(op, seq, r, oif))?;
    answer(op, errno)
}

/// Add or remove a rule, as `change_route`.
pub fn change_rule(nl: &Netlink, op: Op, r: &Rule) -> io::Result<Outcome> {
    answer(op, nl.request_with(|seq| rule_message(op, seq, r))?)
}

/// The kernel's errno for a route or rule request: an add that finds the entry there
/// (EEXIST), a delete that finds it gone (ESRCH, ENOENT), change nothing.
fn answer(op: Op, errno: i32) -> io::Result<Outcome> {
    match (errno, op) {
        (0, _) => Ok(Outcome::Done),
        (libc::EEXIST, Op::Add) | (libc::ESRCH | libc::ENOENT, Op::Del) => Ok(Outcome::Unchanged),
        (e, _) => Err(io::Error::from_raw_os_error(e)),
    }
}

/// A route or rule the kernel reports as added or deleted: the fields keepalived tells
/// its own by (keepalived_netlink.c route_is_ours, rule_is_equal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub deleted: bool,
    pub rule: bool,
    pub v6: bool,
    pub protocol: u8,
    /// Route: destination and its length; rule: `to`.
    pub dst: Option<(IpAddr, u8)>,
    /// Rule: `from`.
    pub src: Option<(IpAddr, u8)>,
    pub tos: u8,
    pub table: u32,
    /// Route: the metric; rule: the preference.
    pub priority: u32,
    pub oif: Option<u32>,
    /// Rule: the action.
    pub action: u8,
}

fn address(v6: bool, b: &[u8]) -> Option<IpAddr> {
    Some(if v6 {
        IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(b).ok()?))
    } else {
        IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(b).ok()?))
    })
}

fn u32_of(b: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(..4)?.try_into().ok()?))
}

/// The route and rule notices in one datagram of the route/rule groups. Malformed parts
/// end the walk; they never panic.
pub fn notices(buf: &[u8]) -> Vec<Notice> {
    let mut out = Vec::new();
    let mut off = 0;
    while let Some(h) = buf.get(off..off + NLMSG_HDRLEN) {
        let len = u32_of(h).unwrap_or(0) as usize;
        let ty = u16::from_ne_bytes([h[4], h[5]]);
        if len < NLMSG_HDRLEN + BODY_LEN || off + len > buf.len() {
            break;
        }
        let msg = &buf[off + NLMSG_HDRLEN..off + len];
        off += len.next_multiple_of(4);
        let (rule, deleted) = match ty {
            libc::RTM_NEWROUTE => (false, false),
            libc::RTM_DELROUTE => (false, true),
            libc::RTM_NEWRULE => (true, false),
            libc::RTM_DELRULE => (true, true),
            _ => continue,
        };
        let v6 = msg[0] == libc::AF_INET6 as u8;
        if !v6 && msg[0] != libc::AF_INET as u8 {
            continue;
        }
        let mut n = Notice {
            deleted,
            rule,
            v6,
            // rtmsg's protocol; a rule's is an attribute.
            protocol: if rule { 0 } else { msg[5] },
            dst: None,
            src: None,
            tos: msg[3],
            table: u32::from(msg[4]),
            priority: 0,
            oif: None,
            action: if rule { msg[7] } else { 0 },
        };
        let (dst_len, src_len) = (msg[1], msg[2]);
        let mut a = BODY_LEN;
        while let Some(hdr) = msg.get(a..a + 4) {
            let alen = usize::from(u16::from_ne_bytes([hdr[0], hdr[1]]));
            let aty = u16::from_ne_bytes([hdr[2], hdr[3]]) & 0x3fff;
            if alen < 4 || a + alen > msg.len() {
                break;
            }
            let data = &msg[a + 4..a + alen];
            a += alen.next_multiple_of(4);
            match (rule, aty) {
                (_, 1) => n.dst = address(v6, data).map(|x| (x, dst_len)),
                (_, 2) => n.src = address(v6, data).map(|x| (x, src_len)),
                (false, 4) => n.oif = u32_of(data),
                (_, 6) => n.priority = u32_of(data).unwrap_or(0),
                (_, 15) => n.table = u32_of(data).unwrap_or(n.table),
                (true, FRA_PROTOCOL) => n.protocol = data.first().copied().unwrap_or(0),
                _ => {}
            }
        }
        // A default route or a rule "from all" carries no address.
        if !rule && n.dst.is_none() {
            n.dst = Some((
                if v6 {
                    Ipv6Addr::UNSPECIFIED.into()
                } else {
                    Ipv4Addr::UNSPECIFIED.into()
                },
                0,
            ));
        }
        out.push(n);
    }
    out
}

/// The metric the kernel gives a route that names none: 0, IPv6's 1024.
const IP6_RT_PRIO_USER: u32 = 1024;

/// Whether notice `n` is about route `r` (`oif`: its dev's index): keepalived's
/// route_is_ours — table, family, destination, metric, TOS and, if the route names one,
/// the interface.
pub fn is_route(n: &Notice, r: &Route, oif: Option<u32>) -> bool {
    let v6 = r.dst.is_ipv6();
    let metric = r.metric.unwrap_or(if v6 { IP6_RT_PRIO_USER } else { 0 });
    !n.rule
        && n.v6 == v6
        && n.table == r.table
        && n.dst == Some((r.dst, r.dst_len))
        && n.priority == metric
        && n.tos == r.tos
        && (oif.is_none() || n.oif == oif)
}

/// Whether notice `n` is about rule `r`: family, preference, action and table, source
/// and destination.
pub fn is_rule(n: &Notice, r: &Rule) -> bool {
    let prefix = |p: Option<(IpAddr, u8)>| p.filter(|p| p.1 > 0);
    let target = if r.action == FR_ACT_TO_TBL {
        r.target
    } else {
        n.table
    };
    n.rule
        && n.v6 == r.v6
        && n.priority == r.priority
        && n.action == r.action
        && n.table == target
        && prefix(n.src) == prefix(r.from)
        && prefix(n.dst) == prefix(r.to)
}

/// A netlink socket subscribed to route and rule changes of both families.
pub struct RouteMonitor {
    fd: OwnedFd,
}

impl RouteMonitor {
    pub fn open() -> io::Result<RouteMonitor> {
        let groups = libc::RTMGRP_IPV4_ROUTE | libc::RTMGRP_IPV6_ROUTE | libc::RTMGRP_IPV4_RULE;
        let v6_rules = 1 << (libc::RTNLGRP_IPV6_RULE - 1);
        let fd = subscribed(libc::NETLINK_ROUTE, groups as u32 | v6_rules)?;
        Ok(RouteMonitor { fd })
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// One datagram's notices; None when nothing is waiting. ENOBUFS (the kernel dropped
    /// notices) is an error the caller answers by re-checking what it holds.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<Option<Vec<Notice>>> {
        // SAFETY: buf is valid for writes of its length.
        let n = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        match cvt_size(n) {
            Ok(n) => Ok(Some(notices(&buf[..n]))),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::route::{route, rule};

    fn r(line: &str) -> Route {
        let w: Vec<&str> = line.split_whitespace().collect();
        route(&w).unwrap().0
    }

    fn rl(line: &str) -> Rule {
        let w: Vec<&str> = line.split_whitespace().collect();
        rule(&w).unwrap().0
    }

    /// (type, payload) of each attribute after the 12-byte body.
    fn attrs(m: &[u8]) -> Vec<(u16, Vec<u8>)> {
        let mut out = Vec::new();
        let mut a = NLMSG_HDRLEN + BODY_LEN;
        while a + 4 <= m.len() {
            let len = usize::from(u16::from_ne_bytes([m[a], m[a + 1]]));
            let ty = u16::from_ne_bytes([m[a + 2], m[a + 3]]);
            out.push((ty, m[a + 4..a + len].to_vec()));
            a += len.next_multiple_of(4);
        }
        out
    }

    fn flags(m: &[u8]) -> i32 {
        i32::from(u16::from_ne_bytes([m[6], m[7]]))
    }

    #[test]
    fn a_default_route_via_the_uplink_as_keepalived_adds_and_deletes_it() {
        let route = r("0.0.0.0/0 via 192.0.2.1 dev eth0 metric 10");
        let m = route_message(Op::Add, 9, &route, Some(3));
        assert_eq!(
            u32::from_ne_bytes(m[0..4].try_into().unwrap()) as usize,
            m.len()
        );
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), libc::RTM_NEWROUTE);
        assert_eq!(
            flags(&m),
            libc::NLM_F_REQUEST | libc::NLM_F_ACK | libc::NLM_F_CREATE
        );
        // family, dst_len 0, src_len, tos, main table, protocol keepalived (18),
        // universe scope, unicast, no flags
        assert_eq!(&m[16..28], &[2, 0, 0, 0, 254, 18, 0, 1, 0, 0, 0, 0]);
        assert_eq!(
            attrs(&m),
            [
                (libc::RTA_GATEWAY, vec![192, 0, 2, 1]),
                (libc::RTA_OIF, 3u32.to_ne_bytes().to_vec()),
                (libc::RTA_PRIORITY, 10u32.to_ne_bytes().to_vec()),
            ]
        );
        let m = route_message(Op::Del, 10, &route, Some(3));
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), libc::RTM_DELROUTE);
        assert_eq!(flags(&m), libc::NLM_F_REQUEST | libc::NLM_F_ACK);
        // Any scope, any type: a delete finds the route however the kernel filed it.
        assert_eq!(&m[16..24], &[2, 0, 0, 0, 254, 18, 255, 0]);
    }

    #[test]
    fn every_route_option_and_ipv6() {
        let route = r(
            "blackhole 2001:db8:1::/48 from 2001:db8:9::/48 table 1000 scope link protocol 4 no_track add",
        );
        let m = route_message(Op::Add, 1, &route, None);
        assert_ne!(flags(&m) & libc::NLM_F_EXCL, 0);
        assert_eq!(&m[16..24], &[10, 48, 48, 0, 0, 4, 253, 6]);
        let a = attrs(&m);
        assert_eq!(
            a[0],
            (
                libc::RTA_DST,
                "2001:db8:1::"
                    .parse::<Ipv6Addr>()
                    .unwrap()
                    .octets()
                    .to_vec()
            )
        );
        assert_eq!(a[1].0, libc::RTA_SRC);
        assert_eq!(a[2], (libc::RTA_TABLE, 1000u32.to_ne_bytes().to_vec()));
        // A blackhole is deleted as one.
        assert_eq!(route_message(Op::Del, 1, &route, None)[23], 6);
        let route = r("src 192.0.2.10 198.51.100.0/24 via 192.0.2.1 dev eth0 onlink append tos 16");
        let m = route_message(Op::Add, 1, &route, Some(2));
        assert_ne!(flags(&m) & libc::NLM_F_APPEND, 0);
        assert_eq!(m[19], 16);
        assert_eq!(
            u32::from_ne_bytes(m[24..28].try_into().unwrap()),
            RTNH_F_ONLINK
        );
        assert_eq!(attrs(&m)[1], (libc::RTA_PREFSRC, vec![192, 0, 2, 10]));
    }

    #[test]
    fn rules_as_keepalived_adds_them() {
        let rule = rl(
            "from 192.0.2.0/24 to 198.51.100.0/25 table 100 preference 50 fwmark 0x10/0xff iif eth0 oif eth1 not",
        );
        let m = rule_message(Op::Add, 4, &rule);
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), libc::RTM_NEWRULE);
        assert_eq!(
            flags(&m),
            libc::NLM_F_REQUEST | libc::NLM_F_ACK | libc::NLM_F_CREATE | libc::NLM_F_EXCL
        );
        assert_eq!(&m[16..24], &[2, 25, 24, 0, 100, 0, 0, FR_ACT_TO_TBL]);
        assert_eq!(
            u32::from_ne_bytes(m[24..28].try_into().unwrap()),
            FIB_RULE_INVERT
        );
        let a = attrs(&m);
        let types: Vec<u16> = a.iter().map(|x| x.0).collect();
        assert_eq!(
            types,
            [
                FRA_SRC,
                FRA_DST,
                FRA_PRIORITY,
                FRA_FWMARK,
                FRA_FWMASK,
                FRA_IIFNAME,
                FRA_OIFNAME,
                FRA_PROTOCOL
            ]
        );
        assert_eq!(a[5].1, b"eth0\0");
        assert_eq!(a[7].1, [18]);
        let big = rl("to 2001:db8::/32 table 1000 preference 9");
        let m = rule_message(Op::Del, 5, &big);
        assert_eq!(&m[16..24], &[10, 32, 0, 0, 0, 0, 0, FR_ACT_TO_TBL]);
        assert!(attrs(&m).contains(&(FRA_TABLE, 1000u32.to_ne_bytes().to_vec())));
        let goto = rl("from all goto 100 preference 9 no_track");
        let a = attrs(&rule_message(Op::Add, 6, &goto));
        assert_eq!(
            a,
            [
                (FRA_PRIORITY, 9u32.to_ne_bytes().to_vec()),
                (FRA_GOTO, 100u32.to_ne_bytes().to_vec())
            ]
        );
    }

    #[test]
    fn the_kernel_s_notice_of_our_deleted_route_or_rule_is_recognised() {
        // Our own request is the shape of the kernel's notice (rtmsg + attributes).
        let route = r("198.51.100.0/24 via 192.0.2.1 dev eth0");
        let mut m = route_message(Op::Add, 1, &route, Some(3));
        m[4..6].copy_from_slice(&libc::RTM_DELROUTE.to_ne_bytes());
        let ns = notices(&m);
        assert_eq!(ns.len(), 1);
        assert!(ns[0].deleted && ns[0].protocol == 18);
        assert!(is_route(&ns[0], &route, Some(3)));
        assert!(!is_route(&ns[0], &route, Some(4)));
        assert!(!is_route(&ns[0], &r("198.51.100.0/25 dev eth0"), None));
        let default = r("default via 192.0.2.1 dev eth0");
        let ns = notices(&route_message(Op::Add, 1, &default, Some(3)));
        assert!(is_route(&ns[0], &default, Some(3)) && !ns[0].deleted);
        let rule = rl("from 192.0.2.0/24 table 100 preference 50");
        let mut m = rule_message(Op::Add, 1, &rule);
        m[4..6].copy_from_slice(&libc::RTM_DELRULE.to_ne_bytes());
        let ns = notices(&m);
        assert!(ns[0].rule && ns[0].deleted && ns[0].protocol == 18);
        assert!(is_rule(&ns[0], &rule));
        assert!(!is_rule(
            &ns[0],
            &rl("from 192.0.2.0/24 table 101 preference 50")
        ));
        assert!(!is_route(&ns[0], &route, None));
        // Truncations never panic and never invent notices.
        let mut two = route_message(Op::Add, 1, &route, Some(3));
        two.extend(rule_message(Op::Add, 2, &rule));
        for cut in 0..two.len() {
            assert!(notices(&two[..cut]).len() <= 2);
        }
    }
}
