//! keepalived's route and rule lines (`virtual_routes`, `static_routes`, `virtual_rules`,
//! `static_rules`): `ip route` / `ip rule` words, read as keepalived's `alloc_route` and
//! `alloc_rule` read them (vrrp_iproute.c, vrrp_iprule.c) — its warnings in its words — for
//! the options that decide where traffic goes. keepalived's metrics (mtu, rtt, …),
//! nexthop groups, encapsulations and realms are refused by name. Pure text handling;
//! whether the kernel takes the route is seen when it is set.

use super::lex::{address, ifname, scope};
use super::model::{Route, RouteMode, Rule};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// keepalived's own routing protocol number (RTPROT_KEEPALIVED): what it marks the routes
/// and rules it tracks with, and how a later run finds them again.
pub const RTPROT_KEEPALIVED: u8 = 18;
/// keepalived numbers rules without a preference downwards from here, per family.
pub(crate) const FIRST_RULE_PREFERENCE: u32 = 16384;

/// Names `ip` and keepalived know for numbers, `NUMBER NAME` per line, by table.
const TABLES: &str = "253 default\n254 main\n255 local";
const PROTOCOLS: &str = "0 none\n1 redirect\n2 kernel\n3 boot\n4 static\n8 gated\n9 ra\n10 mrt\n11 zebra\n12 bird\n13 dnrouted\n14 xorp\n15 ntk\n16 dhcp\n18 keepalived\n42 babel";
const TYPES: &str = "1 unicast\n2 local\n3 broadcast\n3 brd\n4 anycast\n5 multicast\n6 blackhole\n7 unreachable\n8 prohibit\n9 throw\n10 nat\n11 xresolve";

/// keepalived's route options whose effect tinyvrrpd does not apply.
const ROUTE_REFUSED: &[&str] = &[
    "as",
    "encap",
    "expires",
    "mtu",
    "hoplimit",
    "advmss",
    "rtt",
    "rttvar",
    "reordering",
    "window",
    "cwnd",
    "ssthresh",
    "realms",
    "rto_min",
    "initcwnd",
    "initrwnd",
    "features",
    "quickack",
    "congctl",
    "pref",
    "ttl-propagate",
    "fastopen_no_cookie",
    "or",
    "nexthop",
    "track_group",
    "vrf",
];
const RULE_REFUSED: &[&str] = &[
    "realms",
    "suppress_prefixlength",
    "sup_pl",
    "suppress_ifgroup",
    "sup_group",
    "tunnel-id",
    "uidrange",
    "l3mdev",
    "ipproto",
    "sport",
    "dport",
    "track_group",
];

/// The number of `word` in a `NUMBER NAME` table.
fn by_name(table: &str, word: &str) -> Option<u32> {
    table.lines().find_map(|l| {
        let (n, name) = l.split_once(' ')?;
        (name == word).then(|| n.parse().ok()).flatten()
    })
}

/// The number of `word` in a `NUMBER NAME` table, or the word as a number up to `max`.
fn named(table: &str, word: &str, max: u32) -> Option<u32> {
    by_name(table, word).or_else(|| number(word).filter(|&n| n <= max))
}

/// A number as strtoul(…, 0) reads one: decimal, 0x hexadecimal or 0 octal.
fn number(s: &str) -> Option<u32> {
    let (digits, radix) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => (h, 16),
        None if s.len() > 1 && s.starts_with('0') => (&s[1..], 8),
        None => (s, 10),
    };
    if digits.is_empty() {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

/// `ADDR[/PLEN]`, or `default`/`any`/`all` (family still open: None).
fn prefix(what: &str, s: &str) -> Result<Option<(IpAddr, u8)>, String> {
    if matches!(s, "default" | "any" | "all") {
        return Ok(None);
    }
    let (a, plen) = s.split_once('/').unwrap_or((s, ""));
    let a = address(what, a)?;
    let max = if a.is_ipv4() { 32 } else { 128 };
    let plen = match plen {
        "" => max,
        p => match p.parse::<u8>() {
            Ok(n) if n <= max && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                return Err(format!(
                    "expected a prefix length 0-{max} in {what}, found \"/{p}\""
                ));
            }
        },
    };
    Ok(Some((a, plen)))
}

/// The address of a family with its host bits cleared.
fn network(a: IpAddr, plen: u8) -> IpAddr {
    match a {
        IpAddr::V4(v) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(plen)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v) & mask))
        }
        IpAddr::V6(v) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(plen)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v) & mask))
        }
    }
}

fn unspecified(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    }
}

/// The family words and addresses of one line agree (None: not decided yet).
struct Family<'a> {
    v6: Option<bool>,
    mixed: &'a str,
}

impl Family<'_> {
    fn set(&mut self, v6: bool) -> Result<(), String> {
        match self.v6 {
            Some(f) if f != v6 => Err(self.mixed.to_string()),
            _ => {
                self.v6 = Some(v6);
                Ok(())
            }
        }
    }
}

/// One route line. Returns the route and keepalived's warnings about it.
pub(crate) fn route(words: &[&str]) -> Result<(Route, Vec<String>), String> {
    let mut warnings = Vec::new();
    let mut fam = Family {
        v6: None,
        mixed: "Cannot mix IPv4 and IPv6 addresses for route",
    };
    let mut r = Route {
        dst: unspecified(false),
        dst_len: 0,
        from: None,
        src: None,
        via: None,
        dev: None,
        table: 254,
        metric: None,
        scope: None,
        protocol: RTPROT_KEEPALIVED,
        kind: 1,
        tos: 0,
        onlink: false,
        mode: RouteMode::Prepend,
        track: true,
    };
    let (mut dst, mut protocol, mut kind_given) = (None, None, false);
    let mut i = 0;
    while let Some(&w) = words.get(i) {
        i += 1;
        let value = |i: &mut usize| {
            let v = words.get(*i).copied();
            *i += 1;
            v.ok_or_else(|| format!("expected a value after '{w}' in the route"))
        };
        match w {
            "inet" | "inet6" => fam.set(w == "inet6")?,
            "src" => {
                let a = address("the route's src", value(&mut i)?)?;
                fam.set(a.is_ipv6())?;
                r.src = Some(a);
            }
            "via" | "gw" => {
                if w == "gw" {
                    warnings.push("\"gw\" for routes is deprecated. Please use \"via\"".into());
                }
                let mut v = value(&mut i)?;
                if v == "inet" || v == "inet6" {
                    fam.set(v == "inet6")?;
                    v = value(&mut i)?;
                }
                let a = address("the route's via", v)?;
                fam.set(a.is_ipv6())?;
                r.via = Some(a);
            }
            "from" => {
                let v = value(&mut i)?;
                let p = prefix("the route's from", v)?
                    .filter(|p| p.0.is_ipv6())
                    .ok_or_else(|| format!("route from address only supported with IPv6 ({v})"))?;
                fam.set(true)?;
                r.from = Some(p);
            }
            "tos" | "dsfield" => {
                let v = value(&mut i)?;
                r.tos = number(v)
                    .filter(|&t| t <= 255)
                    .ok_or_else(|| format!("TOS value {v} is invalid"))?
                    as u8;
            }
            "table" => {
                let v = value(&mut i)?;
                r.table = named(TABLES, v, u32::MAX).ok_or_else(|| {
                    format!("Routing table {v} not found for route (tinyvrrpd knows main, local, default and numbers)")
                })?;
            }
            "protocol" | "proto" => {
                let v = value(&mut i)?;
                protocol = Some(
                    named(PROTOCOLS, v, 255)
                        .ok_or_else(|| format!("Protocol {v} not found or invalid for route"))?
                        as u8,
                );
            }
            "scope" => {
                let v = value(&mut i)?;
                r.scope = Some(
                    scope(v).ok_or_else(|| format!("Scope {v} not found or invalid for route"))?,
                );
            }
            "metric" | "priority" | "preference" => {
                let v = value(&mut i)?;
                let m = v
                    .parse()
                    .ok()
                    .filter(|_| v.bytes().all(|b| b.is_ascii_digit()));
                r.metric =
                    Some(m.ok_or_else(|| format!("Invalid metric {v} specified for route"))?);
            }
            "dev" | "oif" => r.dev = Some(ifname(w, value(&mut i)?)?),
            "onlink" => r.onlink = true,
            "add" => r.mode = RouteMode::Add,
            "prepend" => r.mode = RouteMode::Prepend,
            "append" => r.mode = RouteMode::Append,
            "no_track" => r.track = false,
            w if ROUTE_REFUSED.contains(&w) => {
                return Err(format!(
                    "route option '{w}' is not supported by tinyvrrpd (src, via, dev, table, metric, scope, protocol, tos, onlink, from, a type, no_track)"
                ));
            }
            mut w => {
                if w == "to" {
                    w = value(&mut i)?;
                }
                if let Some(t) = by_name(TYPES, w).filter(|_| !kind_given) {
                    r.kind = t as u8;
                    kind_given = true;
                    w = value(&mut i)?;
                }
                if w == "default6" {
                    warnings.push(
                        "'default6' is deprecated - please replace with 'inet6 default'".into(),
                    );
                    fam.set(true)?;
                    dst = Some(None);
                    continue;
                }
                let p = prefix("the route", w).map_err(|_| format!("unknown route keyword {w}"))?;
                if let Some((a, _)) = p {
                    fam.set(a.is_ipv6()).map_err(|e| format!("{e} ({w})"))?;
                }
                dst = Some(p);
            }
        }
    }
    let Some(dst) = dst else {
        return Err("Route must have a destination".into());
    };
    let v6 = fam.v6.unwrap_or(false);
    (r.dst, r.dst_len) = dst.unwrap_or((unspecified(v6), 0));
    if network(r.dst, r.dst_len) != r.dst {
        return Err(format!(
            "route {}/{}: the address has host bits set for its prefix length (the network is {})",
            r.dst,
            r.dst_len,
            network(r.dst, r.dst_len)
        ));
    }
    // keepalived marks the routes it tracks as its own, and tracks only routes with a dev.
    if r.track {
        if protocol.is_some_and(|p| p != RTPROT_KEEPALIVED) {
            warnings.push(format!("Route cannot be tracked if protocol is not RTPROT_KEEPALIVED({RTPROT_KEEPALIVED}), resetting protocol"));
        }
        if r.dev.is_none() {
            warnings.push(format!(
                "Warning - cannot track route {} with no interface specified, not tracking",
                display_prefix(r.dst, r.dst_len)
            ));
            r.track = false;
        }
    } else if let Some(p) = protocol {
        r.protocol = p;
    }
    Ok((r, warnings))
}

/// `ADDR/PLEN`, the address alone for a host route, `default` for a default route.
fn display_prefix(a: IpAddr, plen: u8) -> String {
    let max = if a.is_ipv4() { 32 } else { 128 };
    match plen {
        0 if a.is_unspecified() => "default".into(),
        p if p == max => a.to_string(),
        p => format!("{a}/{p}"),
    }
}

impl core::fmt::Display for Route {
    /// As `ip route` shows it, for log lines.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.kind != 1 {
            let t = TYPES.lines().find_map(|l| {
                let (n, name) = l.split_once(' ')?;
                (n.parse() == Ok(self.kind)).then_some(name)
            });
            write!(f, "{} ", t.unwrap_or("?"))?;
        }
        f.write_str(&display_prefix(self.dst, self.dst_len))?;
        if let Some((a, p)) = self.from {
            write!(f, " from {}", display_prefix(a, p))?;
        }
        if let Some(a) = self.via {
            write!(f, " via {a}")?;
        }
        if let Some(d) = &self.dev {
            write!(f, " dev {d}")?;
        }
        if let Some(a) = self.src {
            write!(f, " src {a}")?;
        }
        if self.table != 254 {
            write!(f, " table {}", self.table)?;
        }
        if let Some(m) = self.metric {
            write!(f, " metric {m}")?;
        }
        Ok(())
    }
}

/// One rule line: the rule, whether it gave a preference (else the caller numbers it, as
/// keepalived does), and keepalived's warnings.
pub(crate) fn rule(words: &[&str]) -> Result<(Rule, bool, Vec<String>), String> {
    let mut warnings = Vec::new();
    let mut fam = Family {
        v6: None,
        mixed: "rule specification has mixed IPv4 and IPv6",
    };
    let mut r = Rule {
        v6: false,
        from: None,
        to: None,
        action: 0,
        target: 0,
        priority: 0,
        invert: false,
        fwmark: None,
        iif: None,
        oif: None,
        tos: 0,
        protocol: None,
        track: true,
    };
    let (mut has_pref, mut from, mut to) = (false, None, None);
    let mut i = 0;
    while let Some(&w) = words.get(i) {
        i += 1;
        let value = |i: &mut usize| {
            let v = words.get(*i).copied();
            *i += 1;
            v.ok_or_else(|| format!("expected a value after '{w}' in the rule"))
        };
        let action = |r: &mut Rule, a: u8, target: u32| {
            if r.action != 0 {
                return Err("Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule".to_string());
            }
            (r.action, r.target) = (a, target);
            Ok(())
        };
        match w {
            "inet" | "inet6" => fam.set(w == "inet6")?,
            "from" | "to" => {
                let v = value(&mut i)?;
                let p = prefix(&format!("the rule's {w}"), v)
                    .map_err(|_| format!("Invalid rule {w} address {v}"))?;
                if let Some((a, _)) = p {
                    fam.set(a.is_ipv6())?;
                }
                if w == "from" {
                    from = Some(p)
                } else {
                    to = Some(p)
                }
            }
            "table" | "lookup" => {
                let v = value(&mut i)?;
                let t = named(TABLES, v, u32::MAX).ok_or_else(|| {
                    format!("Routing table {v} not found for rule (tinyvrrpd knows main, local, default and numbers)")
                })?;
                if t == 0 {
                    return Err("Table 0 is not valid".into());
                }
                action(&mut r, 1, t)?;
            }
            "not" => r.invert = true,
            "preference" | "order" | "priority" => {
                let v = value(&mut i)?;
                r.priority =
                    number(v).ok_or_else(|| format!("Invalid rule preference {v} specified"))?;
                has_pref = true;
            }
            "tos" | "dsfield" => {
                let v = value(&mut i)?;
                r.tos = number(v)
                    .filter(|&t| t <= 255)
                    .ok_or_else(|| format!("TOS value {v} is invalid"))?
                    as u8;
            }
            "fwmark" => {
                let v = value(&mut i)?;
                let (m, mask) = v.split_once('/').map_or((v, None), |(m, k)| (m, Some(k)));
                let bad = || format!("Invalid rule fwmark {v} specified");
                let m = number(m).ok_or_else(bad)?;
                let mask = mask.map(|k| number(k).ok_or_else(bad)).transpose()?;
                r.fwmark = Some((m, mask));
            }
            "dev" | "iif" => r.iif = Some(ifname(w, value(&mut i)?)?),
            "oif" => r.oif = Some(ifname(w, value(&mut i)?)?),
            "protocol" => {
                let v = value(&mut i)?;
                let p = named(PROTOCOLS, v, 255).ok_or_else(|| format!("Invalid protocol {v}"))?;
                r.protocol = Some(p as u8);
            }
            "no_track" => r.track = false,
            w if RULE_REFUSED.contains(&w) => {
                return Err(format!(
                    "rule option '{w}' is not supported by tinyvrrpd (from, to, table, preference, fwmark, iif, oif, tos, not, protocol, goto, nop, blackhole, unreachable, prohibit, no_track)"
                ));
            }
            mut w => {
                if w == "type" {
                    w = value(&mut i)?;
                }
                match w {
                    "goto" => {
                        let v = value(&mut i)?;
                        let t = number(v).ok_or_else(|| format!("Invalid target {v} specified"))?;
                        action(&mut r, 2, t)?;
                    }
                    "nop" => action(&mut r, 3, 0)?,
                    "blackhole" => action(&mut r, 6, 0)?,
                    "unreachable" => action(&mut r, 7, 0)?,
                    "prohibit" => action(&mut r, 8, 0)?,
                    w if by_name(TYPES, w).is_some() => {
                        return Err(format!("Invalid rule action {w}"));
                    }
                    w => return Err(format!("Unknown rule option {w}")),
                }
            }
        }
    }
    if r.action == 2 && (!has_pref || r.priority >= r.target) {
        return Err(if has_pref {
            format!(
                "Invalid rule - preference {} >= goto target {}",
                r.priority, r.target
            )
        } else {
            format!(
                "Invalid rule - goto target {} specified without preference",
                r.target
            )
        });
    }
    if r.action == 0 {
        return Err(
            "No action specified for rule (table, goto, nop, blackhole, unreachable or prohibit)"
                .into(),
        );
    }
    r.v6 = fam.v6.unwrap_or(false);
    let all = |p: Option<Option<(IpAddr, u8)>>| p.map(|p| p.unwrap_or((unspecified(r.v6), 0)));
    (r.from, r.to) = (all(from), all(to));
    if r.track {
        if r.protocol.is_some_and(|p| p != RTPROT_KEEPALIVED) {
            warnings.push(format!("Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED({RTPROT_KEEPALIVED}), resetting protocol"));
        }
        r.protocol = Some(RTPROT_KEEPALIVED);
    }
    Ok((r, has_pref, warnings))
}

impl core::fmt::Display for Rule {
    /// As `ip rule` shows it, for log lines.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}:", self.priority)?;
        if self.invert {
            f.write_str(" not")?;
        }
        let prefix = |p: Option<(IpAddr, u8)>| match p {
            Some((a, l)) if l > 0 => display_prefix(a, l),
            _ => "all".into(),
        };
        write!(f, " from {}", prefix(self.from))?;
        if self.to.is_some() {
            write!(f, " to {}", prefix(self.to))?;
        }
        if let Some((m, k)) = self.fwmark {
            write!(f, " fwmark {m:#x}")?;
            if let Some(k) = k {
                write!(f, "/{k:#x}")?;
            }
        }
        if let Some(d) = &self.iif {
            write!(f, " iif {d}")?;
        }
        if let Some(d) = &self.oif {
            write!(f, " oif {d}")?;
        }
        match self.action {
            1 => write!(f, " lookup {}", self.target),
            2 => write!(f, " goto {}", self.target),
            3 => f.write_str(" nop"),
            6 => f.write_str(" blackhole"),
            7 => f.write_str(" unreachable"),
            _ => f.write_str(" prohibit"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn ok(line: &str) -> (Route, Vec<String>) {
        let w: Vec<&str> = line.split_whitespace().collect();
        route(&w).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    fn err(line: &str) -> String {
        let w: Vec<&str> = line.split_whitespace().collect();
        route(&w).unwrap_err()
    }

    fn rule_ok(line: &str) -> (Rule, bool, Vec<String>) {
        let w: Vec<&str> = line.split_whitespace().collect();
        rule(&w).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    fn rule_err(line: &str) -> String {
        let w: Vec<&str> = line.split_whitespace().collect();
        rule(&w).unwrap_err()
    }

    #[test]
    fn a_default_route_via_the_uplink_is_tracked_as_keepalived_s() {
        let (r, w) = ok("0.0.0.0/0 via 192.0.2.1 dev eth0");
        assert!(w.is_empty(), "{w:?}");
        assert_eq!((r.dst, r.dst_len), (ip("0.0.0.0"), 0));
        assert_eq!(r.via, Some(ip("192.0.2.1")));
        assert_eq!(r.dev.as_deref(), Some("eth0"));
        assert_eq!((r.table, r.protocol, r.kind), (254, RTPROT_KEEPALIVED, 1));
        assert!(r.track);
        assert_eq!(r.to_string(), "default via 192.0.2.1 dev eth0");
        // `default` is the same route.
        assert_eq!(ok("default via 192.0.2.1 dev eth0").0, r);
    }

    #[test]
    fn every_option_keepalived_s_sample_shows() {
        let (r, w) = ok(
            "src 192.0.2.1 to 198.51.100.0/24 via 192.0.2.254 dev eth1 table 100 metric 5 scope link protocol static tos 0x10 onlink append no_track",
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(r.src, Some(ip("192.0.2.1")));
        assert_eq!((r.dst, r.dst_len), (ip("198.51.100.0"), 24));
        assert_eq!((r.table, r.metric, r.scope), (100, Some(5), Some(253)));
        assert_eq!(
            (r.protocol, r.tos, r.onlink, r.mode),
            (4, 0x10, true, RouteMode::Append)
        );
        assert!(!r.track);
        assert_eq!(
            r.to_string(),
            "198.51.100.0/24 via 192.0.2.254 dev eth1 src 192.0.2.1 table 100 metric 5"
        );
        let (r, _) = ok("blackhole 198.51.100.0/24");
        assert_eq!(r.kind, 6);
        assert_eq!(r.to_string(), "blackhole 198.51.100.0/24");
        assert_eq!(ok("unreachable 198.51.100.0/24").0.kind, 7);
        assert_eq!(ok("prohibit 198.51.100.0/24 table local").0.table, 255);
        assert_eq!(ok("198.51.100.7 dev eth0 preference 9").0.dst_len, 32);
    }

    #[test]
    fn ipv6_routes_and_source_specific_routes() {
        let (r, _) = ok("2001:db8:1::/48 via fe80::1 dev eth0");
        assert_eq!((r.dst, r.dst_len), (ip("2001:db8:1::"), 48));
        let (r, _) = ok("inet6 default via 2001:db8::1 dev eth0");
        assert_eq!((r.dst, r.dst_len), (ip("::"), 0));
        let (r, _) = ok("default via inet6 2001:db8::1 dev eth0");
        assert_eq!(r.dst, ip("::"));
        let (r, w) = ok("default6 dev eth0");
        assert_eq!(r.dst, ip("::"));
        assert_eq!(
            w,
            ["'default6' is deprecated - please replace with 'inet6 default'"]
        );
        let (r, _) = ok("2001:db8:2::/48 from 2001:db8:9::/48 dev eth0");
        assert_eq!(r.from, Some((ip("2001:db8:9::"), 48)));
        assert_eq!(
            err("198.51.100.0/24 from 192.0.2.0/24 dev eth0"),
            "route from address only supported with IPv6 (192.0.2.0/24)"
        );
        assert_eq!(
            err("198.51.100.0/24 via 2001:db8::1"),
            "Cannot mix IPv4 and IPv6 addresses for route"
        );
        assert_eq!(
            err("inet6 198.51.100.0/24"),
            "Cannot mix IPv4 and IPv6 addresses for route (198.51.100.0/24)"
        );
    }

    #[test]
    fn keepalived_s_warnings_and_adjustments() {
        let (r, w) = ok("198.51.100.0/24 gw 192.0.2.1");
        assert!(!r.track);
        assert_eq!(
            w,
            [
                "\"gw\" for routes is deprecated. Please use \"via\"",
                "Warning - cannot track route 198.51.100.0/24 with no interface specified, not tracking",
            ]
        );
        let (r, w) = ok("198.51.100.0/24 dev eth0 protocol bird");
        assert_eq!(r.protocol, RTPROT_KEEPALIVED);
        assert_eq!(
            w,
            [
                "Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol"
            ]
        );
        // Untracked, its own protocol stays.
        assert_eq!(
            ok("198.51.100.0/24 dev eth0 protocol 12 no_track")
                .0
                .protocol,
            12
        );
    }

    #[test]
    fn what_keepalived_refuses_and_what_tinyvrrpd_does_not_apply() {
        assert_eq!(err("via 192.0.2.1"), "Route must have a destination");
        assert_eq!(err("198.51.100.0/24 bogus"), "unknown route keyword bogus");
        assert_eq!(
            err("198.51.100.0/24 table bogus"),
            "Routing table bogus not found for route (tinyvrrpd knows main, local, default and numbers)"
        );
        assert_eq!(
            err("198.51.100.0/24 dev eth0 scope galaxy"),
            "Scope galaxy not found or invalid for route"
        );
        assert_eq!(
            err("198.51.100.0/24 via"),
            "expected a value after 'via' in the route"
        );
        assert!(
            err("198.51.100.0/24 dev eth0 mtu 1400")
                .starts_with("route option 'mtu' is not supported by tinyvrrpd (")
        );
        assert_eq!(
            err("198.51.100.1/24 dev eth0"),
            "route 198.51.100.1/24: the address has host bits set for its prefix length (the network is 198.51.100.0)"
        );
    }

    #[test]
    fn rules_take_ip_rule_words() {
        let (r, pref, w) = rule_ok("from 192.0.2.0/24 table 100 preference 100");
        assert!(pref && w.is_empty());
        assert_eq!((r.action, r.target, r.priority), (1, 100, 100));
        assert_eq!(r.from, Some((ip("192.0.2.0"), 24)));
        assert_eq!(r.protocol, Some(RTPROT_KEEPALIVED));
        assert_eq!(r.to_string(), "100: from 192.0.2.0/24 lookup 100");
        let (r, pref, _) = rule_ok("to 2001:db8::/32 lookup main");
        assert!(!pref && r.v6);
        assert_eq!(r.from, None);
        let (r, ..) = rule_ok(
            "not from all iif eth0 oif eth1 fwmark 0x10/0xff tos 4 priority 7 goto 9 no_track",
        );
        assert!(r.invert && !r.track);
        assert_eq!(r.from, Some((ip("0.0.0.0"), 0)));
        assert_eq!((r.action, r.target), (2, 9));
        assert_eq!(r.fwmark, Some((0x10, Some(0xff))));
        assert_eq!(
            (r.iif.as_deref(), r.oif.as_deref(), r.tos),
            (Some("eth0"), Some("eth1"), 4)
        );
        assert_eq!(r.protocol, None);
        assert_eq!(
            r.to_string(),
            "7: not from all fwmark 0x10/0xff iif eth0 oif eth1 goto 9"
        );
        assert_eq!(
            rule_ok("from 192.0.2.0/24 type blackhole preference 5")
                .0
                .action,
            6
        );
        assert_eq!(
            rule_ok("from 192.0.2.0/24 prohibit preference 5").0.action,
            8
        );
    }

    #[test]
    fn rules_keepalived_refuses() {
        assert_eq!(
            rule_err("from 192.0.2.0/24"),
            "No action specified for rule (table, goto, nop, blackhole, unreachable or prohibit)"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 table 0"),
            "Table 0 is not valid"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 table 1 blackhole"),
            "Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 goto 5"),
            "Invalid rule - goto target 5 specified without preference"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 goto 5 preference 6"),
            "Invalid rule - preference 6 >= goto target 5"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 to 2001:db8::/32 table 1"),
            "rule specification has mixed IPv4 and IPv6"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 table 1 local"),
            "Invalid rule action local"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 table 1 bogus"),
            "Unknown rule option bogus"
        );
        assert!(
            rule_err("from 192.0.2.0/24 table 1 uidrange 1-2")
                .starts_with("rule option 'uidrange' is not supported by tinyvrrpd (")
        );
        let (_, _, w) = rule_ok("from 192.0.2.0/24 table 1 protocol 4");
        assert_eq!(
            w,
            ["Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol"]
        );
    }

    #[test]
    fn numbers_are_read_as_strtoul_reads_them() {
        assert_eq!(number("16"), Some(16));
        assert_eq!(number("0x10"), Some(16));
        assert_eq!(number("010"), Some(8));
        assert_eq!(number("0"), Some(0));
        assert_eq!(number("0x"), None);
        assert_eq!(number("-1"), None);
        assert_eq!(named(PROTOCOLS, "keepalived", 255), Some(18));
        assert_eq!(named(PROTOCOLS, "256", 255), None);
        assert_eq!(named(TABLES, "main", u32::MAX), Some(254));
    }
}
