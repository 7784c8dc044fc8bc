//! The native format: one `key = value` per line, keys named exactly as keepalived's
//! keywords (looked up in the same table, `keywords.rs`) so one reference table
//! documents both formats.
//!
//! ```text
//! # comment; also after a value when preceded by whitespace: "priority = 150  # why"
//! router_id = syslog1            # globals come before the first instance
//! vrrp_version = 2
//! instance = VI_1                # starts an instance; the keys below belong to it
//! interface = enp0s1
//! virtual_router_id = 1
//! unicast_peer = 192.0.2.12 192.0.2.13   # repeatable keys may also list several values
//! virtual_ipaddress = 192.0.2.10/24 dev enp0s1
//! ```
//!
//! Values are whitespace-separated words; a word may be "double quoted" to hold spaces
//! or a leading `#`.

use super::build::Builder;
use super::error::ConfigError;
use super::keywords::{self, Form, Key, Loc, Meaning, Place};
use super::lex;
use super::model::Config;

/// Parses one file in this format (no includes: they are keepalived.conf syntax).
pub fn parse(file: &str, text: &str) -> Result<Config, Vec<ConfigError>> {
    let mut b = Builder::new(file);
    lines(&mut b, text);
    super::validate::finish(b)
}

fn lines(b: &mut Builder, text: &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (n, raw) in text.lines().enumerate() {
        let at = Loc {
            file: 0,
            line: n as u32 + 1,
        };
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let Some((key, value)) = content.split_once('=') else {
            b.error(at, format!("expected `key = value`, found \"{content}\""));
            continue;
        };
        let key = key.trim();
        if key.is_empty() {
            b.error(at, format!("expected `key = value`, found \"{content}\""));
            continue;
        }
        let args = match words(value) {
            Ok(args) if args.is_empty() => {
                b.error(at, format!("expected a value after '=' for {key}"));
                continue;
            }
            Ok(args) => args,
            Err(message) => {
                b.error(at, message);
                continue;
            }
        };
        let section = match key {
            "instance" | "vrrp_instance" => Some(Place::Instance),
            "vrrp_script" => Some(Place::Script),
            "vrrp_sync_group" => Some(Place::Group),
            _ => None,
        };
        match (section, &args[..]) {
            (Some(place), [name]) => b.begin(place, name, at),
            (Some(_), _) => b.error(
                at,
                format!("expected one name for {key}, found \"{}\"", args.join(" ")),
            ),
            (None, _) => keyword(b, key, &args, at),
        }
    }
}

/// A keyword of the current section (before the first one: a global one).
fn keyword(b: &mut Builder, key: &str, args: &[&str], at: Loc) {
    let place = b.place();
    let found = match place {
        Place::Top | Place::Global => {
            keywords::lookup(Place::Global, key).or_else(|| keywords::lookup(Place::Top, key))
        }
        p => keywords::lookup(p, key),
    };
    let k = match found {
        Some(Meaning::Set(k)) => k,
        Some(Meaning::Ignored(w)) => return b.warn(at, w),
        Some(Meaning::Holds) => return,
        Some(Meaning::Refused(e)) => return b.error(at, e),
        None => return b.error(at, misplaced(b, key)),
    };
    match k.form() {
        Form::List | Form::Line if k == Key::Include => {
            b.error(at, "include is keepalived.conf syntax".into())
        }
        Form::List
            if matches!(
                k,
                Key::UnicastPeer | Key::VirtualIpaddress | Key::VirtualIpaddressExcluded
            ) =>
        {
            for r in lex::address_entries(args) {
                b.apply(k, &args[r], at);
            }
        }
        Form::List | Form::Line => b.apply(k, args, at),
        Form::Sub => b.error(
            at,
            "use auth_type = PASS and auth_pass = SECRET lines".into(),
        ),
        Form::Section => b.error(
            at,
            format!("'{key}' is keepalived.conf syntax; key=value files put globals first"),
        ),
    }
}

/// Where a key that is not one of the current section belongs, or that it is unknown.
fn misplaced(b: &Builder, key: &str) -> String {
    match keywords::places(key).first() {
        // After a section has begun, a global key is misplaced too.
        Some(Place::Global | Place::Top) if !b.has_section() => {
            keywords::misplaced_or_unknown(b.place(), key)
        }
        Some(p) => {
            let where_ = match p {
                Place::Instance => "after an 'instance = NAME' line",
                Place::Script => "after a 'vrrp_script = NAME' line",
                Place::Group => "after a 'vrrp_sync_group = NAME' line",
                _ => "before the first section (instance, vrrp_script, vrrp_sync_group)",
            };
            format!("'{key}' belongs {where_}, not in {}", b.section_name())
        }
        None => {
            let place = match b.place() {
                Place::Top => Place::Global,
                p => p,
            };
            keywords::misplaced_or_unknown(place, key)
        }
    }
}

/// Splits a value into words, honouring "double quotes" and stopping at a `#` that starts
/// a word (a `#` inside a word, as in a password, is kept).
fn words(value: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest.starts_with('#') {
            return Ok(out);
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let Some(end) = quoted.find('"') else {
                return Err("unterminated quoted string".into());
            };
            out.push(&quoted[..end]);
            rest = &quoted[end + 1..];
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        parse("tinyvrrpd.conf", text)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    const MINIMAL: &str = "instance = VI_1\ninterface = eth0\nvirtual_router_id = 7\nvirtual_ipaddress = 192.0.2.10\n";

    #[test]
    fn comments_after_values_are_stripped_but_hash_inside_a_word_is_kept() {
        assert_eq!(words("150  # comment").unwrap(), ["150"]);
        assert_eq!(words("ab#cd").unwrap(), ["ab#cd"]);
        assert_eq!(words("\"my secret\" x").unwrap(), ["my secret", "x"]);
        assert_eq!(words("\"#x\"").unwrap(), ["#x"]);
        assert!(words("\"open").is_err());
    }

    #[test]
    fn minimal_instance_parses_with_keepalived_defaults() {
        let c = parse("t", MINIMAL).unwrap();
        let i = &c.instances[0];
        assert_eq!(
            (i.name.as_str(), i.interface.as_str(), i.vrid, i.priority),
            ("VI_1", "eth0", 7, 100)
        );
        assert_eq!(i.vips[0].prefix_len, 32);
    }

    #[test]
    fn unknown_key_is_an_error_with_a_hint_for_known_keepalived_keywords() {
        let text = format!("{MINIMAL}foo = 1\nuse_ipvlan = yes\n");
        assert_eq!(
            errors(&text),
            [
                "tinyvrrpd.conf:5: unknown keyword 'foo'",
                "tinyvrrpd.conf:6: 'use_ipvlan' is not supported by tinyvrrpd (virtual MACs on other interfaces, VRF, ipvlan)"
            ]
        );
    }

    #[test]
    fn line_without_equals_sign_expects_key_value() {
        assert_eq!(
            errors(&format!("{MINIMAL}priority 150\n")),
            ["tinyvrrpd.conf:5: expected `key = value`, found \"priority 150\""]
        );
    }

    #[test]
    fn instance_keys_before_any_instance_are_errors() {
        assert_eq!(
            errors(&format!("priority = 150\n{MINIMAL}")),
            [
                "tinyvrrpd.conf:1: 'priority' belongs after an 'instance = NAME' line, not in global_defs"
            ]
        );
    }

    #[test]
    fn global_keys_after_an_instance_are_errors() {
        assert_eq!(
            errors(&format!("{MINIMAL}router_id = r1\n")),
            [
                "tinyvrrpd.conf:5: 'router_id' belongs before the first section (instance, vrrp_script, vrrp_sync_group), not in instance VI_1"
            ]
        );
    }

    #[test]
    fn empty_value_is_an_error() {
        assert_eq!(
            errors(&format!("{MINIMAL}nopreempt =   # nothing\n")),
            ["tinyvrrpd.conf:5: expected a value after '=' for nopreempt"]
        );
    }

    #[test]
    fn vrid_out_of_range_names_file_and_line() {
        let text = "instance = VI_1\ninterface = eth0\nvirtual_ipaddress = 192.0.2.10\nvirtual_router_id = 300\n";
        assert_eq!(
            errors(text),
            ["tinyvrrpd.conf:4: expected a number 1-255 for virtual_router_id, found \"300\""]
        );
    }

    #[test]
    fn several_peers_on_one_line_or_repeated() {
        let text =
            format!("{MINIMAL}unicast_peer = 192.0.2.12 192.0.2.13\nunicast_peer = 192.0.2.14\n");
        let c = parse("t", &text).unwrap();
        assert_eq!(c.instances[0].unicast_peers.len(), 3);
    }
}
