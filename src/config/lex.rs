//! Value lexers: the words after a keyword turned into typed values, each failure worded
//! so a user can act on it. No keyword meanings live here (`build.rs`) and no checks that
//! need more than one keyword (`validate.rs`); both import this file, it imports neither.
//!
//! Numbers with fractions ("0.1", "2.5") are parsed as decimal text into integer units,
//! never through floats: 0.1 s must become exactly 10 cs.

use super::model::{AddrOptions, Command, RunAs, Tracked, Vip};
use std::net::{IpAddr, Ipv4Addr};

pub(crate) fn one<'a>(key: &str, args: &[&'a str]) -> Result<&'a str, String> {
    match args {
        [v] => Ok(v),
        [] => Err(format!("expected a value for {key}")),
        _ => Err(format!(
            "expected one value for {key}, found \"{}\"",
            args.join(" ")
        )),
    }
}

pub(crate) fn number(key: &str, args: &[&str], min: u64, max: u64) -> Result<u64, String> {
    let s = one(key, args)?;
    match s.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) && s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "expected a number {min}-{max} for {key}, found \"{s}\""
        )),
    }
}

/// Seconds with an optional fraction, in units of 10^-`scale` s, within `min..=max`.
pub(crate) fn seconds(
    key: &str,
    args: &[&str],
    scale: usize,
    min: u64,
    max: u64,
    range: &str,
) -> Result<u64, String> {
    let s = one(key, args)?;
    match fixed_point(s, scale) {
        Some(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(format!(
            "expected seconds {range} for {key} (at most {scale} decimals), found \"{s}\""
        )),
    }
}

/// "2.5" at scale 2 → 250. Digits beyond `scale` are allowed only if they are zeros,
/// so nothing is ever rounded.
pub(crate) fn fixed_point(s: &str, scale: usize) -> Option<u64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return None;
    }
    if frac.len() > scale && frac.bytes().skip(scale).any(|b| b != b'0') {
        return None;
    }
    let mut v: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    for i in 0..scale {
        let d = frac.as_bytes().get(i).map_or(0, |b| u64::from(b - b'0'));
        v = v.checked_mul(10)?.checked_add(d)?;
    }
    Some(v)
}

/// keepalived's flag keywords: bare means on; both formats also take a boolean.
pub(crate) fn flag(key: &str, args: &[&str]) -> Result<bool, String> {
    match args {
        [] => Ok(true),
        [v] => boolean(v).ok_or_else(|| {
            format!("expected yes, no, true, false, on, off, 1 or 0 for {key}, found \"{v}\"")
        }),
        _ => Err(format!("expected at most one value for {key}")),
    }
}

/// keepalived's `check_true_false` words, plus yes/no.
pub(crate) fn boolean(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" => Some(true),
        "no" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

pub(crate) fn address(key: &str, s: &str) -> Result<IpAddr, String> {
    s.parse::<IpAddr>()
        .map_err(|_| format!("expected an IPv4 or IPv6 address for {key}, found \"{s}\""))
}

/// A host address where keepalived reads one (unicast_src_ip, unicast_peer, mcast_src_ip):
/// it drops a `/PLEN` after it, so `192.0.2.11/24` means 192.0.2.11. The flag says a
/// prefix was dropped, for the warning.
pub(crate) fn host_address(key: &str, s: &str) -> Result<(IpAddr, bool), String> {
    match s.split_once('/') {
        Some((a, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            Ok((address(key, a)?, true))
        }
        _ => Ok((address(key, s)?, false)),
    }
}

/// An interface name the kernel can hold (IFNAMSIZ is 16 with the NUL).
pub(crate) fn ifname(key: &str, s: &str) -> Result<String, String> {
    if s.is_empty() || s.len() > 15 || s.contains(['/', ':']) {
        return Err(format!(
            "expected an interface name of 1-15 characters without '/' or ':' for {key}, found \"{s}\""
        ));
    }
    Ok(s.to_string())
}

/// An address scope as `ip` and keepalived name them (rt_scopes' defaults) or 0-255.
fn scope(s: &str) -> Option<u8> {
    Some(match s {
        "global" => 0,
        "site" => 200,
        "link" => 253,
        "host" => 254,
        "nowhere" => 255,
        n => n.parse().ok()?,
    })
}

/// `ADDR[/PLEN] [dev IF] [label L] [brd ADDR|+|-] [scope S] [no_track]` (keepalived's
/// `broadcast` is `brd`). A `brd +` / `brd -` is resolved here from the prefix.
pub(crate) fn vip(key: &str, args: &[&str]) -> Result<(Vip, AddrOptions), String> {
    let Some((first, mut rest)) = args.split_first() else {
        return Err(format!("expected an address for {key}"));
    };
    let (addr, plen) = match first.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (*first, None),
    };
    let addr = address(key, addr)?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix_len = match plen {
        None => max,
        Some(p) => match p.parse::<u8>() {
            Ok(n) if n <= max && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                return Err(format!(
                    "expected a prefix length 0-{max} in {key}, found \"/{p}\""
                ));
            }
        },
    };
    let mut vip = Vip {
        addr,
        prefix_len,
        dev: None,
        label: None,
    };
    let mut opts = AddrOptions::default();
    while let [opt, tail @ ..] = rest {
        if *opt == "no_track" {
            opts.no_track = true;
            rest = tail;
            continue;
        }
        let known = ["dev", "label", "brd", "broadcast", "scope"];
        if !known.contains(opt) {
            return Err(format!(
                "{key} option '{opt}' is not supported by tinyvrrpd (dev, label, brd, scope, no_track)"
            ));
        }
        let Some((value, tail)) = tail.split_first() else {
            return Err(format!("expected a value after '{opt}' in {key}"));
        };
        rest = tail;
        match *opt {
            "dev" => vip.dev = Some(ifname("dev", value)?),
            "label" if value.len() > 15 => {
                return Err(format!("label \"{value}\" is longer than 15 characters"));
            }
            "label" => vip.label = Some(value.to_string()),
            "scope" => {
                opts.scope = Some(scope(value).ok_or_else(|| {
                    format!(
                        "expected global, site, link, host, nowhere or 0-255 for scope, found \"{value}\""
                    )
                })?);
            }
            _ => opts.broadcast = Some(broadcast(&vip, value)?),
        }
    }
    Ok((vip, opts))
}

/// `brd ADDR`, or `+` / `-` for the prefix's highest / lowest address (as `ip` does).
fn broadcast(vip: &Vip, value: &str) -> Result<Ipv4Addr, String> {
    let IpAddr::V4(a) = vip.addr else {
        return Err(format!("brd is IPv4-only, but {} is IPv6", vip.addr));
    };
    let host_bits = |plen: u8| u32::MAX.checked_shr(u32::from(plen)).unwrap_or(0);
    match value {
        "+" | "-" if vip.prefix_len > 30 => Err(format!(
            "brd {value} needs a prefix of at most /30, {} has /{}",
            vip.addr, vip.prefix_len
        )),
        "+" => Ok(Ipv4Addr::from(u32::from(a) | host_bits(vip.prefix_len))),
        "-" => Ok(Ipv4Addr::from(u32::from(a) & !host_bits(vip.prefix_len))),
        v => v
            .parse()
            .map_err(|_| format!("expected an IPv4 address, + or - for brd, found \"{v}\"")),
    }
}

/// One line of address entries (`virtual_ipaddress`, `unicast_peer`) may hold several:
/// a new entry starts at each address where an option name would otherwise stand.
pub(crate) fn address_entries(words: &[&str]) -> Vec<core::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 1);
    while i < words.len() {
        if looks_like_address(words[i]) {
            out.push(start..i);
            start = i;
            i += 1;
        } else if words[i] == "no_track" {
            i += 1;
        } else {
            i += 2; // an option and its value
        }
    }
    if start < words.len() {
        out.push(start..words.len());
    }
    out
}

/// An address (possibly mistyped, so a digit start is enough), never an option name
/// such as `dev` or `label`.
fn looks_like_address(w: &str) -> bool {
    let addr = w.split('/').next().unwrap_or(w);
    w.starts_with(|c: char| c.is_ascii_digit()) || addr.parse::<IpAddr>().is_ok()
}

/// Characters that only a shell gives meaning to. A command with one of them (outside
/// quotes) runs through `/bin/sh -c`; anything else is executed directly.
const SHELL_CHARS: &str = "|&;<>()$`\\*?[]{}~#\n";

/// Split a command the way keepalived does: blanks separate words, 'single' or "double"
/// quotes keep blanks inside a word. A command that needs a shell becomes
/// `/bin/sh -c TEXT` so that pipes and redirections work as the user meant them.
pub(crate) fn command(key: &str, text: &str, user: Option<RunAs>) -> Result<Command, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut shell = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c == ' ' || c == '\t' => words.extend(word.take()),
            (None, c) => {
                shell |= SHELL_CHARS.contains(c);
                word.get_or_insert_with(String::new).push(c);
            }
        }
    }
    if quote.is_some() {
        return Err(format!("unbalanced quote in {key} \"{text}\""));
    }
    words.extend(word);
    if words.is_empty() {
        return Err(format!("expected a command for {key}"));
    }
    let argv = if shell {
        vec!["/bin/sh".into(), "-c".into(), text.to_string()]
    } else {
        words
    };
    Ok(Command {
        text: text.to_string(),
        argv,
        user,
    })
}

/// `USER [GROUP]`.
pub(crate) fn run_as(key: &str, args: &[&str]) -> Result<RunAs, String> {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
    };
    match args {
        [u] | [u, _] if !name_ok(u) => {
            Err(format!("expected a user name for {key}, found \"{u}\""))
        }
        [_, g] if !name_ok(g) => Err(format!("expected a group name for {key}, found \"{g}\"")),
        [u] => Ok(RunAs {
            user: u.to_string(),
            group: None,
        }),
        [u, g] => Ok(RunAs {
            user: u.to_string(),
            group: Some(g.to_string()),
        }),
        _ => Err(format!("expected USER [GROUP] for {key}")),
    }
}

/// `notify_master CMD [USER [GROUP]]`: the command is one (quoted) word, as in keepalived.
pub(crate) fn notify(key: &str, args: &[&str]) -> Result<Command, String> {
    let Some((cmd, user)) = args.split_first() else {
        return Err(format!("expected a command for {key}"));
    };
    let user = match user {
        [] => None,
        u => Some(run_as(key, u)?),
    };
    command(key, cmd, user)
}

/// keepalived's weight range; ±254 is taken and adjusted to ±253 by the caller, with
/// keepalived's warning.
pub(crate) const WEIGHT_MAX: i64 = 253;

/// `weight N [reverse|noreverse]` → (N, reverse), N within ±(WEIGHT_MAX + `slack`).
pub(crate) fn weight(key: &str, args: &[&str], slack: i64) -> Result<(i16, bool), String> {
    let (n, reverse) = match args {
        [n] => (*n, false),
        [n, "reverse"] => (*n, true),
        [n, "noreverse"] => (*n, false),
        [_, r] => {
            return Err(format!(
                "expected 'reverse' after the weight, found \"{r}\""
            ));
        }
        _ => {
            return Err(format!(
                "expected a number -{WEIGHT_MAX}-{WEIGHT_MAX} for {key}"
            ));
        }
    };
    let max = WEIGHT_MAX + slack;
    match n.parse::<i64>() {
        Ok(w) if (-max..=max).contains(&w) => Ok((w as i16, reverse)),
        _ => Err(format!(
            "expected a number -{WEIGHT_MAX}-{WEIGHT_MAX} for {key}, found \"{n}\""
        )),
    }
}

/// A `track_interface` / `track_script` entry: `NAME [weight N [reverse]]`; the weight
/// may be ±254 (see [`weight`]).
pub(crate) fn tracked(key: &str, args: &[&str], line: u32) -> Result<Tracked, String> {
    let (name, rest) = match args.split_first() {
        Some((n, rest)) if !n.is_empty() => (*n, rest),
        _ => return Err(format!("expected a name for {key}")),
    };
    if key == "track_interface" {
        ifname(key, name)?;
    }
    let (weight, reverse) = match rest {
        [] => (None, false),
        ["weight", w @ ..] => {
            let (w, r) = weight(&format!("{key} {name} weight"), w, 1)?;
            (Some(w), r)
        }
        [other, ..] => {
            return Err(format!(
                "expected 'weight N' after {key} {name}, found \"{other}\""
            ));
        }
    };
    Ok(Tracked {
        name: name.to_string(),
        weight,
        reverse,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(text: &str) -> Vec<String> {
        command("script", text, None).unwrap().argv
    }

    #[test]
    fn fractional_seconds_parse_exactly_without_floats() {
        assert_eq!(fixed_point("1", 2), Some(100));
        assert_eq!(fixed_point("0.1", 2), Some(10));
        assert_eq!(fixed_point("2.5", 2), Some(250));
        assert_eq!(fixed_point("40.95", 2), Some(4095));
        assert_eq!(fixed_point(".5", 2), Some(50));
        assert_eq!(fixed_point("1.500", 2), Some(150));
        assert_eq!(fixed_point("0.29", 2), Some(29));
        assert_eq!(fixed_point("0.125", 2), None);
        assert_eq!(fixed_point("1e2", 2), None);
        assert_eq!(fixed_point("-1", 2), None);
        assert_eq!(fixed_point(".", 2), None);
        assert_eq!(fixed_point("", 2), None);
        assert_eq!(fixed_point("99999999999999999999", 2), None);
    }

    #[test]
    fn host_addresses_drop_a_prefix_length_as_keepalived_does() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            host_address("unicast_peer", "192.0.2.12/24"),
            Ok((ip("192.0.2.12"), true))
        );
        assert_eq!(
            host_address("unicast_peer", "2001:db8::2/64"),
            Ok((ip("2001:db8::2"), true))
        );
        assert_eq!(
            host_address("unicast_peer", "192.0.2.12"),
            Ok((ip("192.0.2.12"), false))
        );
        assert!(host_address("unicast_peer", "192.0.2.12/").is_err());
        assert!(host_address("unicast_peer", "192.0.2.300/24").is_err());
    }

    #[test]
    fn vip_options_brd_scope_label_dev_and_no_track() {
        let (v, o) = vip(
            "virtual_ipaddress",
            &[
                "192.0.2.10/24",
                "brd",
                "+",
                "dev",
                "eth0",
                "scope",
                "link",
                "label",
                "eth0:vip",
                "no_track",
            ],
        )
        .unwrap();
        assert_eq!((v.prefix_len, v.dev.as_deref()), (24, Some("eth0")));
        assert_eq!(v.label.as_deref(), Some("eth0:vip"));
        assert_eq!(o.broadcast, Some(Ipv4Addr::new(192, 0, 2, 255)));
        assert_eq!((o.scope, o.no_track), (Some(253), true));
        let (_, o) = vip("v", &["192.0.2.10/25", "broadcast", "-"]).unwrap();
        assert_eq!(o.broadcast, Some(Ipv4Addr::new(192, 0, 2, 0)));
        let (_, o) = vip("v", &["192.0.2.10/24", "brd", "192.0.2.127", "scope", "7"]).unwrap();
        assert_eq!(
            (o.broadcast, o.scope),
            (Some(Ipv4Addr::new(192, 0, 2, 127)), Some(7))
        );
        assert_eq!(
            vip("v", &["192.0.2.10/31", "brd", "+"]).unwrap_err(),
            "brd + needs a prefix of at most /30, 192.0.2.10 has /31"
        );
        assert!(vip("v", &["2001:db8::1/64", "brd", "+"]).is_err());
        assert!(vip("v", &["192.0.2.10", "scope", "galactic"]).is_err());
        assert_eq!(
            vip("v", &["192.0.2.10", "peer", "192.0.2.11"]).unwrap_err(),
            "v option 'peer' is not supported by tinyvrrpd (dev, label, brd, scope, no_track)"
        );
        assert_eq!(
            vip("v", &["192.0.2.10", "dev"]).unwrap_err(),
            "expected a value after 'dev' in v"
        );
    }

    #[test]
    fn plain_commands_are_split_into_words_without_a_shell() {
        assert_eq!(
            argv("/usr/bin/pgrep syslog-ng"),
            ["/usr/bin/pgrep", "syslog-ng"]
        );
        assert_eq!(
            argv("  killall   -0\tsyslog-ng "),
            ["killall", "-0", "syslog-ng"]
        );
        assert_eq!(
            argv("/bin/sh -c 'pidof syslog-ng'"),
            ["/bin/sh", "-c", "pidof syslog-ng"]
        );
        assert_eq!(argv("x \"a b\" ''"), ["x", "a b", ""]);
    }

    #[test]
    fn commands_that_need_a_shell_run_through_sh() {
        for text in [
            "pidof syslog-ng > /dev/null",
            "test -f /run/x && exit 0",
            "echo $HOME",
            "ls /tmp/*.pid",
            "a | b",
        ] {
            assert_eq!(argv(text), ["/bin/sh", "-c", text], "{text}");
        }
        // Inside quotes the characters are data, not shell syntax.
        assert_eq!(argv("grep 'a|b' f"), ["grep", "a|b", "f"]);
    }

    #[test]
    fn bad_commands_are_refused() {
        assert_eq!(
            command("script", "x 'open", None).unwrap_err(),
            "unbalanced quote in script \"x 'open\""
        );
        assert!(command("notify", "   ", None).is_err());
    }

    #[test]
    fn notify_takes_an_optional_user_and_group() {
        let c = notify("notify_master", &["/x.sh MASTER", "nobody", "nogroup"]).unwrap();
        assert_eq!(c.argv, ["/x.sh", "MASTER"]);
        assert_eq!(
            c.user,
            Some(RunAs {
                user: "nobody".into(),
                group: Some("nogroup".into())
            })
        );
        assert!(notify("notify_master", &["/x.sh", "a", "b", "c"]).is_err());
        assert!(notify("notify_master", &["/x.sh", "bad user"]).is_err());
    }

    #[test]
    fn tracked_entries_take_weight_and_reverse() {
        let t = tracked("track_script", &["chk", "weight", "-60"], 3).unwrap();
        assert_eq!(
            (t.name.as_str(), t.weight, t.reverse),
            ("chk", Some(-60), false)
        );
        let t = tracked("track_interface", &["eth1", "weight", "10", "reverse"], 3).unwrap();
        assert_eq!((t.weight, t.reverse), (Some(10), true));
        assert_eq!(tracked("track_script", &["chk"], 3).unwrap().weight, None);
        // keepalived takes ±254 and adjusts it (with a warning, by the caller).
        assert_eq!(
            tracked("track_script", &["chk", "weight", "-254"], 3)
                .unwrap()
                .weight,
            Some(-254)
        );
        assert_eq!(
            tracked("track_script", &["chk", "weight", "300"], 3).unwrap_err(),
            "expected a number -253-253 for track_script chk weight, found \"300\""
        );
        assert!(tracked("track_script", &["chk", "wieght", "3"], 3).is_err());
    }

    #[test]
    fn address_lines_split_at_each_address() {
        let w = [
            "192.0.2.10/24",
            "dev",
            "eth1",
            "192.0.2.11",
            "no_track",
            "2001:db8::1",
        ];
        assert_eq!(address_entries(&w), [0..3, 3..5, 5..6]);
        let w = ["192.0.2.1", "min_ttl", "1", "max_ttl", "255"];
        assert_eq!(address_entries(&w).len(), 1);
        assert_eq!(address_entries(&w)[0], 0..5);
        assert!(address_entries(&[]).is_empty());
    }

    #[test]
    fn booleans_take_keepalived_words() {
        for (s, b) in [("on", true), ("Off", false), ("yes", true), ("0", false)] {
            assert_eq!(boolean(s), Some(b), "{s}");
        }
        assert_eq!(boolean("maybe"), None);
        assert_eq!(flag("x", &[]), Ok(true));
        assert!(flag("x", &["a", "b"]).is_err());
    }
}
