//! The native format: one `key = value` per line, keys named exactly as keepalived's
//! keywords so one reference table documents both formats.
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

use super::build::{Builder, is_global_key, is_instance_key, is_script_key, unknown};
use super::error::ConfigError;
use super::model::Config;

pub fn parse(file: &str, text: &str) -> Result<Config, Vec<ConfigError>> {
    let mut b = Builder::new(file);
    for (n, raw) in text.lines().enumerate() {
        let line = n as u32 + 1;
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let Some((key, value)) = content.split_once('=') else {
            b.error(line, format!("expected `key = value`, found \"{content}\""));
            continue;
        };
        let key = key.trim();
        if key.is_empty() {
            b.error(line, format!("expected `key = value`, found \"{content}\""));
            continue;
        }
        let args = match words(value) {
            Ok(args) if args.is_empty() => {
                b.error(line, format!("expected a value after '=' for {key}"));
                continue;
            }
            Ok(args) => args,
            Err(message) => {
                b.error(line, message);
                continue;
            }
        };
        match (key, &args[..]) {
            ("instance", [name]) => b.instance(name, line),
            ("vrrp_script", [name]) => b.script(name, line),
            ("vrrp_sync_group", [name]) => b.group(name, line),
            ("instance" | "vrrp_script" | "vrrp_sync_group", _) => b.error(
                line,
                format!("expected one name for {key}, found \"{}\"", args.join(" ")),
            ),
            ("group", _) => b.group_members(&args, line),
            _ if is_global_key(key) => {
                if b.has_section() {
                    b.error(
                        line,
                        format!("'{key}' is a global key; put it before the first section (instance, vrrp_script, vrrp_sync_group)"),
                    );
                } else {
                    b.global(key, &args, line);
                }
            }
            _ if is_script_key(key) && !b.in_script() => {
                let place = b.section_name();
                b.error(
                    line,
                    format!("'{key}' must follow a 'vrrp_script = NAME' line, not be in {place}"),
                );
            }
            _ if is_instance_key(key) && !b.in_instance() => {
                let msg = match b.has_section() {
                    false => format!("'{key}' must follow an 'instance = NAME' line"),
                    true => format!(
                        "'{key}' must follow an 'instance = NAME' line, not be in {}",
                        b.section_name()
                    ),
                };
                b.error(line, msg);
            }
            _ => {
                if !(b.set(key, &args, line) || b.set_script(key, &args, line)) {
                    b.error(line, unknown("key", key));
                }
            }
        }
    }
    b.finish()
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
                "tinyvrrpd.conf:5: unknown key 'foo'",
                "tinyvrrpd.conf:6: 'use_ipvlan' is not supported by tinyvrrpd yet"
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
            ["tinyvrrpd.conf:1: 'priority' must follow an 'instance = NAME' line"]
        );
    }

    #[test]
    fn global_keys_after_an_instance_are_errors() {
        assert_eq!(
            errors(&format!("{MINIMAL}router_id = r1\n")),
            [
                "tinyvrrpd.conf:5: 'router_id' is a global key; put it before the first section (instance, vrrp_script, vrrp_sync_group)"
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
