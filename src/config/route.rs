//! keepalived's route and rule lines (`virtual_routes`, `static_routes`, `virtual_rules`,
//! `static_rules`): `ip route` / `ip rule` words, read as keepalived's `alloc_route` and
//! `alloc_rule` read them (vrrp_iproute.c, vrrp_iprule.c) — its warnings in its words — for
//! the options that decide where traffic goes. keepalived's metrics (mtu, rtt, …),
//! nexthop groups, encapsulations and realms are refused by name. Pure text handling;
//! whether the kernel takes the route is seen when it is set.

use super::lex::{ifname, scope};
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

/// The options of route and rule lines: their name, which lines take them (1 routes, 2
/// rules, 3 both), and what their value is. One table and one reader for both keeps the
/// code small on a router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Inet(bool),
    Src,
    Via,
    Gw,
    From,
    To,
    Tos,
    Table,
    Proto,
    Scope,
    /// A route's metric, a rule's preference.
    Metric,
    /// A route's `dev`/`oif`, a rule's `iif`/`dev`.
    Dev,
    /// A rule's `oif`.
    Oif,
    Onlink,
    Mode(RouteMode),
    NoTrack,
    Not,
    Fwmark,
    Goto,
    /// A rule action without a value (FR_ACT_*).
    Act(u8),
}

/// keepalived's route and rule options whose effect tinyvrrpd does not apply (metrics,
/// nexthops, encapsulations, realms, port and user ranges...): refused by name.
const REFUSED: &str = "as encap expires mtu hoplimit advmss rtt rttvar reordering window cwnd ssthresh realms rto_min initcwnd initrwnd features quickack congctl pref ttl-propagate fastopen_no_cookie or nexthop track_group vrf suppress_prefixlength sup_pl suppress_ifgroup sup_group tunnel-id uidrange l3mdev ipproto sport dport";

const OPTS: &[(&str, u8, Opt)] = {
    use Opt::*;
    &[
        ("inet", 3, Inet(false)),
        ("inet6", 3, Inet(true)),
        ("src", 1, Src),
        ("via", 1, Via),
        ("gw", 1, Gw),
        ("from", 3, From),
        ("to", 2, To),
        ("tos", 3, Tos),
        ("dsfield", 3, Tos),
        ("table", 3, Table),
        ("lookup", 2, Table),
        ("protocol", 3, Proto),
        ("proto", 1, Proto),
        ("scope", 1, Scope),
        ("metric", 1, Metric),
        ("priority", 3, Metric),
        ("preference", 3, Metric),
        ("order", 2, Metric),
        ("dev", 3, Dev),
        ("oif", 1, Dev),
        ("iif", 2, Dev),
        ("oif", 2, Oif),
        ("onlink", 1, Onlink),
        ("add", 1, Mode(RouteMode::Add)),
        ("prepend", 1, Mode(RouteMode::Prepend)),
        ("append", 1, Mode(RouteMode::Append)),
        ("no_track", 3, NoTrack),
        ("not", 2, Not),
        ("fwmark", 2, Fwmark),
        ("goto", 2, Goto),
        ("nop", 2, Act(3)),
        ("blackhole", 2, Act(6)),
        ("unreachable", 2, Act(7)),
        ("prohibit", 2, Act(8)),
    ]
};

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

/// `ADDR[/PLEN]`; Some(None) for `default`/`any`/`all` (any address, family still open).
fn prefix(s: &str) -> Option<Option<(IpAddr, u8)>> {
    if matches!(s, "default" | "any" | "all") {
        return Some(None);
    }
    let (a, plen) = s.split_once('/').unwrap_or((s, ""));
    let a: IpAddr = a.parse().ok()?;
    let max = if a.is_ipv4() { 32 } else { 128 };
    let plen = match plen {
        "" => max,
        p if p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok().filter(|&n| n <= max)?,
        _ => return None,
    };
    Some(Some((a, plen)))
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

/// Everything one route or rule line says, as read.
#[derive(Default)]
struct Line {
    v6: Option<bool>,
    src: Option<IpAddr>,
    via: Option<IpAddr>,
    from: Option<Option<(IpAddr, u8)>>,
    to: Option<Option<(IpAddr, u8)>>,
    tos: u8,
    table: Option<u32>,
    proto: Option<u8>,
    scope: Option<u8>,
    metric: Option<u32>,
    dev: Option<String>,
    oif: Option<String>,
    onlink: bool,
    mode: Option<RouteMode>,
    no_track: bool,
    invert: bool,
    fwmark: Option<(u32, Option<u32>)>,
    /// FR_ACT_* and its table or goto target.
    action: Option<(u8, u32)>,
    /// A route's type (RTN_*).
    kind: Option<u8>,
    warnings: Vec<String>,
}

impl Line {
    /// The line's addresses are of one family.
    fn family(&mut self, v6: bool, what: &str) -> Result<(), String> {
        match self.v6 {
            Some(f) if f != v6 => Err(format!("cannot mix IPv4 and IPv6 in one {what}")),
            _ => {
                self.v6 = Some(v6);
                Ok(())
            }
        }
    }

    fn action(&mut self, a: u8, target: u32) -> Result<(), String> {
        if self.action.replace((a, target)).is_some() {
            return Err("a rule takes one of table, goto, nop, blackhole, unreachable or prohibit (keepalived's rule)".into());
        }
        Ok(())
    }
}

/// Reads the words of a route (`rule` false) or rule line.
fn read(words: &[&str], rule: bool) -> Result<Line, String> {
    let what = if rule { "rule" } else { "route" };
    let which = if rule { 2 } else { 1 };
    let mut l = Line::default();
    let mut i = 0;
    while let Some(&w) = words.get(i) {
        i += 1;
        let opt = OPTS
            .iter()
            .find(|o| o.0 == w && o.1 & which != 0)
            .map(|o| o.2);
        if REFUSED.split(' ').any(|r| r == w) {
            return Err(format!("{what} option '{w}' is not supported by tinyvrrpd"));
        }
        let Some(opt) = opt else {
            if rule {
                // `type blackhole` is `blackhole`.
                if w == "type" {
                    continue;
                }
                return Err(format!("unknown rule option {w}"));
            }
            // `[to] [TYPE] DESTINATION`, e.g. `blackhole 192.0.2.0/24`.
            let mut w = w;
            let next = |i: &mut usize| {
                *i += 1;
                words.get(*i - 1).copied().unwrap_or("")
            };
            if w == "to" {
                w = next(&mut i);
            }
            if let Some(t) = by_name(TYPES, w).filter(|_| l.kind.is_none()) {
                l.kind = Some(t as u8);
                w = next(&mut i);
            }
            if w == "default6" {
                l.warnings
                    .push("'default6' is deprecated - please replace with 'inet6 default'".into());
                l.family(true, what)?;
                l.to = Some(None);
                continue;
            }
            let p = prefix(w).ok_or_else(|| format!("unknown route keyword {w}"))?;
            if let Some((a, _)) = p {
                l.family(a.is_ipv6(), what)?;
            }
            l.to = Some(p);
            continue;
        };
        let value = match opt {
            Opt::Inet(_) | Opt::Onlink | Opt::Mode(_) | Opt::NoTrack | Opt::Not | Opt::Act(_) => "",
            _ => {
                i += 1;
                words
                    .get(i - 1)
                    .copied()
                    .ok_or_else(|| format!("expected a value after '{w}' in the {what}"))?
            }
        };
        // Table names: only ip's built-in ones (/etc/iproute2/rt_tables is not read).
        let hint = if opt == Opt::Table {
            " (main, local, default or a number)"
        } else {
            ""
        };
        let bad = || format!("invalid {w} \"{value}\" in the {what}{hint}");
        let addr = |l: &mut Line, v: &str| -> Result<IpAddr, String> {
            let a: IpAddr = v.parse().map_err(|_| bad())?;
            l.family(a.is_ipv6(), what)?;
            Ok(a)
        };
        match opt {
            Opt::Inet(v6) => l.family(v6, what)?,
            Opt::Src => l.src = Some(addr(&mut l, value)?),
            Opt::Gw | Opt::Via => {
                if opt == Opt::Gw {
                    l.warnings
                        .push("\"gw\" for routes is deprecated. Please use \"via\"".into());
                }
                let mut v = value;
                if v == "inet" || v == "inet6" {
                    l.family(v == "inet6", what)?;
                    i += 1;
                    v = words.get(i - 1).copied().ok_or_else(bad)?;
                }
                l.via = Some(addr(&mut l, v)?);
            }
            Opt::From | Opt::To => {
                let p = prefix(value).ok_or_else(bad)?;
                if let Some((a, _)) = p {
                    l.family(a.is_ipv6(), what)?;
                }
                if !rule && p.is_none_or(|p| p.0.is_ipv4()) {
                    return Err(format!(
                        "route from address only supported with IPv6 ({value})"
                    ));
                }
                *if opt == Opt::From {
                    &mut l.from
                } else {
                    &mut l.to
                } = Some(p);
            }
            Opt::Tos => l.tos = number(value).filter(|&t| t <= 255).ok_or_else(bad)? as u8,
            Opt::Table => {
                let t = named(TABLES, value, u32::MAX).ok_or_else(bad)?;
                if rule {
                    if t == 0 {
                        return Err("Table 0 is not valid".into());
                    }
                    l.action(1, t)?;
                }
                l.table = Some(t);
            }
            Opt::Proto => l.proto = Some(named(PROTOCOLS, value, 255).ok_or_else(bad)? as u8),
            Opt::Scope => l.scope = Some(scope(value).ok_or_else(bad)?),
            Opt::Metric => l.metric = Some(number(value).ok_or_else(bad)?),
            Opt::Dev => l.dev = Some(ifname(w, value)?),
            Opt::Oif => l.oif = Some(ifname(w, value)?),
            Opt::Onlink => l.onlink = true,
            Opt::Mode(m) => l.mode = Some(m),
            Opt::NoTrack => l.no_track = true,
            Opt::Not => l.invert = true,
            Opt::Fwmark => {
                let (m, k) = value
                    .split_once('/')
                    .map_or((value, None), |(m, k)| (m, Some(k)));
                let mask = k.map(|k| number(k).ok_or_else(bad)).transpose()?;
                l.fwmark = Some((number(m).ok_or_else(bad)?, mask));
            }
            Opt::Goto => l.action(2, number(value).ok_or_else(bad)?)?,
            Opt::Act(a) => l.action(a, 0)?,
        }
    }
    Ok(l)
}

/// keepalived tracks a route or rule as its own with its protocol (a tracked one with
/// another is reset, with keepalived's warning); an untracked one keeps the line's.
fn protocol(l: &mut Line, what: &str) -> Option<u8> {
    if l.no_track {
        return l.proto;
    }
    if l.proto.is_some_and(|p| p != RTPROT_KEEPALIVED) {
        l.warnings.push(format!(
            "{what} cannot be tracked if protocol is not RTPROT_KEEPALIVED({RTPROT_KEEPALIVED}), resetting protocol"
        ));
    }
    Some(RTPROT_KEEPALIVED)
}

/// One route line. Returns the route and keepalived's warnings about it.
pub(crate) fn route(words: &[&str]) -> Result<(Route, Vec<String>), String> {
    let mut l = read(words, false)?;
    let Some(dst) = l.to else {
        return Err("Route must have a destination".into());
    };
    let v6 = l.v6.unwrap_or(false);
    let (dst, dst_len) = dst.unwrap_or((unspecified(v6), 0));
    if network(dst, dst_len) != dst {
        return Err(format!(
            "route {dst}/{dst_len}: the address has host bits set (the network is {})",
            network(dst, dst_len)
        ));
    }
    let mut track = !l.no_track;
    let protocol = protocol(&mut l, "Route").unwrap_or(RTPROT_KEEPALIVED);
    if track && l.dev.is_none() {
        l.warnings.push(format!(
            "Warning - cannot track route {} with no interface specified, not tracking",
            display_prefix(dst, dst_len)
        ));
        track = false;
    }
    Ok((
        Route {
            text: words.join(" "),
            dst,
            dst_len,
            from: l.from.flatten(),
            src: l.src,
            via: l.via,
            dev: l.dev,
            table: l.table.unwrap_or(254),
            metric: l.metric,
            scope: l.scope,
            protocol,
            kind: l.kind.unwrap_or(1),
            tos: l.tos,
            onlink: l.onlink,
            mode: l.mode.unwrap_or(RouteMode::Prepend),
            track,
        },
        l.warnings,
    ))
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

/// One rule line: the rule, whether it gave a preference (else the caller numbers it, as
/// keepalived does), and keepalived's warnings.
pub(crate) fn rule(words: &[&str]) -> Result<(Rule, bool, Vec<String>), String> {
    let mut l = read(words, true)?;
    let (action, target) = l.action.ok_or(
        "No action specified for rule (table, goto, nop, blackhole, unreachable or prohibit)",
    )?;
    let priority = l.metric.unwrap_or(0);
    if action == 2 && (l.metric.is_none() || priority >= target) {
        return Err(format!(
            "Invalid rule - goto target {target} needs a preference below it"
        ));
    }
    let v6 = l.v6.unwrap_or(false);
    let all = |p: Option<Option<(IpAddr, u8)>>| p.map(|p| p.unwrap_or((unspecified(v6), 0)));
    let protocol = protocol(&mut l, "Rule");
    Ok((
        Rule {
            text: words.join(" "),
            v6,
            from: all(l.from),
            to: all(l.to),
            action,
            target,
            priority,
            invert: l.invert,
            fwmark: l.fwmark,
            iif: l.dev,
            oif: l.oif,
            tos: l.tos,
            protocol,
            track: !l.no_track,
        },
        l.metric.is_some(),
        l.warnings,
    ))
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
        assert_eq!(r.text, "0.0.0.0/0 via 192.0.2.1 dev eth0");
        // `default` is the same route (but for its text).
        let d = ok("default via 192.0.2.1 dev eth0").0;
        assert_eq!(
            Route {
                text: r.text.clone(),
                ..d
            },
            r
        );
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
        let (r, _) = ok("blackhole 198.51.100.0/24");
        assert_eq!(r.kind, 6);
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
            "cannot mix IPv4 and IPv6 in one route"
        );
        assert_eq!(
            err("inet6 198.51.100.0/24"),
            "cannot mix IPv4 and IPv6 in one route"
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
            "invalid table \"bogus\" in the route (main, local, default or a number)"
        );
        assert_eq!(
            err("198.51.100.0/24 dev eth0 scope galaxy"),
            "invalid scope \"galaxy\" in the route"
        );
        assert_eq!(
            err("198.51.100.0/24 via"),
            "expected a value after 'via' in the route"
        );
        assert!(
            err("198.51.100.0/24 dev eth0 mtu 1400")
                .starts_with("route option 'mtu' is not supported by tinyvrrpd")
        );
        assert_eq!(
            err("198.51.100.1/24 dev eth0"),
            "route 198.51.100.1/24: the address has host bits set (the network is 198.51.100.0)"
        );
    }

    #[test]
    fn rules_take_ip_rule_words() {
        let (r, pref, w) = rule_ok("from 192.0.2.0/24 table 100 preference 100");
        assert!(pref && w.is_empty());
        assert_eq!((r.action, r.target, r.priority), (1, 100, 100));
        assert_eq!(r.from, Some((ip("192.0.2.0"), 24)));
        assert_eq!(r.protocol, Some(RTPROT_KEEPALIVED));
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
            "a rule takes one of table, goto, nop, blackhole, unreachable or prohibit (keepalived's rule)"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 goto 5"),
            "Invalid rule - goto target 5 needs a preference below it"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 goto 5 preference 6"),
            "Invalid rule - goto target 5 needs a preference below it"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 to 2001:db8::/32 table 1"),
            "cannot mix IPv4 and IPv6 in one rule"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 table 1 local"),
            "unknown rule option local"
        );
        assert_eq!(
            rule_err("from 192.0.2.0/24 table 1 bogus"),
            "unknown rule option bogus"
        );
        assert!(
            rule_err("from 192.0.2.0/24 table 1 uidrange 1-2")
                .starts_with("rule option 'uidrange' is not supported by tinyvrrpd")
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
