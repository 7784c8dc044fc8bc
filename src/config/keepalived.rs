//! The keepalived.conf subset: enough of keepalived's VRRP half that existing
//! configurations parse unchanged, and a clear error for everything else — never the
//! silent ignoring keepalived itself does for unknown keywords or one-line blocks.
//!
//! Three passes: tokens (with their line), a tree of statements
//! (`keyword args... [{ statements }]`, args running to the end of the line), then the
//! meaning of each statement, which goes through the shared [`Builder`].

use super::build::{Builder, is_global_key, is_instance_key, is_script_key, unknown};
use super::error::ConfigError;
use super::model::Config;
use std::net::IpAddr;

/// Deeper nesting than keepalived ever uses is refused rather than recursed into.
const MAX_DEPTH: usize = 8;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Open,
    Close,
}

#[derive(Clone)]
struct Tok {
    kind: Kind,
    text: String,
    line: u32,
}

struct Stmt {
    key: Tok,
    args: Vec<Tok>,
    block: Option<Vec<Stmt>>,
}

impl Stmt {
    /// The keyword and its arguments as one list: inside `unicast_peer` and
    /// `virtual_ipaddress` blocks every word is data.
    fn words(&self) -> impl Iterator<Item = &Tok> {
        core::iter::once(&self.key).chain(&self.args)
    }
}

pub fn parse(file: &str, text: &str) -> Result<Config, Vec<ConfigError>> {
    let mut b = Builder::new(file);
    let toks = tokenize(text, &mut b);
    let mut pos = 0;
    let tree = block(&toks, &mut pos, None, 0, &mut b);
    for s in &tree {
        top_level(s, &mut b);
    }
    b.finish()
}

/// `#` and `!` start comments anywhere outside quotes (as in keepalived; `\#` and `\!`
/// escape them); `{` and `}` are tokens even when glued to a word.
fn tokenize(text: &str, b: &mut Builder) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let kind = match c {
            '\n' => {
                line += 1;
                continue;
            }
            '#' | '!' => {
                while chars.next_if(|&n| n != '\n').is_some() {}
                continue;
            }
            c if c.is_whitespace() => continue,
            '{' => Kind::Open,
            '}' => Kind::Close,
            _ => Kind::Word,
        };
        let mut text = String::new();
        if kind != Kind::Word {
            text.push(c);
        } else if c == '"' {
            loop {
                match chars.next_if(|&n| n != '\n') {
                    Some('"') => break,
                    Some(ch) => text.push(ch),
                    None => {
                        b.error(line, "unterminated quoted string".into());
                        break;
                    }
                }
            }
        } else {
            let mut c = c;
            loop {
                if c == '\\' {
                    match chars.peek() {
                        Some(&e @ ('#' | '!')) => {
                            c = e;
                            chars.next();
                        }
                        None | Some('\n') | Some('\r') => {
                            let msg =
                                "line continuation with '\\' is not supported by tinyvrrpd yet";
                            b.error(line, msg.into());
                        }
                        _ => {}
                    }
                }
                text.push(c);
                match chars.next_if(|&n| !(n.is_whitespace() || "{}#!\"".contains(n))) {
                    Some(n) => c = n,
                    None => break,
                }
            }
        }
        toks.push(Tok { kind, text, line });
    }
    toks
}

/// Reads statements up to the `}` matching the `{` on line `open` (None: to the end).
fn block(
    toks: &[Tok],
    pos: &mut usize,
    open: Option<u32>,
    depth: usize,
    b: &mut Builder,
) -> Vec<Stmt> {
    let mut body = Vec::new();
    while let Some(t) = toks.get(*pos) {
        *pos += 1;
        match t.kind {
            Kind::Close if open.is_some() => return body,
            Kind::Close => b.error(t.line, "unexpected '}' without a matching '{'".into()),
            Kind::Open => {
                b.error(t.line, "unexpected '{' without a keyword before it".into());
                sub_block(toks, pos, t.line, depth, b);
            }
            Kind::Word => {
                let mut args = Vec::new();
                while let Some(a) = toks
                    .get(*pos)
                    .filter(|a| a.kind == Kind::Word && a.line == t.line)
                {
                    args.push(a.clone());
                    *pos += 1;
                }
                let mut inner = None;
                if let Some(o) = toks.get(*pos).filter(|o| o.kind == Kind::Open) {
                    *pos += 1;
                    inner = Some(sub_block(toks, pos, o.line, depth, b));
                }
                body.push(Stmt {
                    key: t.clone(),
                    args,
                    block: inner,
                });
            }
        }
    }
    if let Some(line) = open {
        b.error(line, "this '{' is never closed: missing '}'".into());
    }
    body
}

/// The block after a `{` on line `open` (already consumed), at nesting `depth`.
fn sub_block(toks: &[Tok], pos: &mut usize, open: u32, depth: usize, b: &mut Builder) -> Vec<Stmt> {
    if depth >= MAX_DEPTH {
        b.error(open, "blocks are nested too deeply".into());
        skip_block(toks, pos);
    }
    block(toks, pos, Some(open), depth + 1, b)
}

/// Moves `pos` just before the `}` closing the current block, without recursion.
fn skip_block(toks: &[Tok], pos: &mut usize) {
    let mut depth = 0usize;
    while let Some(t) = toks.get(*pos) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close if depth == 0 => return,
            Kind::Close => depth -= 1,
            Kind::Word => {}
        }
        *pos += 1;
    }
}

fn top_level(s: &Stmt, b: &mut Builder) {
    let (key, line) = (s.key.text.as_str(), s.key.line);
    match key {
        "global_defs" => {
            for g in body(s, b) {
                let gkey = g.key.text.as_str();
                if g.block.is_some() {
                    b.error(
                        g.key.line,
                        format!("'{gkey}' in global_defs is not supported by tinyvrrpd"),
                    );
                } else if is_global_key(gkey) {
                    let args: Vec<&str> = g.args.iter().map(|a| a.text.as_str()).collect();
                    b.global(gkey, &args, g.key.line);
                } else {
                    b.error(
                        g.key.line,
                        format!("'{gkey}' in global_defs is not supported by tinyvrrpd"),
                    );
                }
            }
        }
        "vrrp_instance" => match (&s.args[..], &s.block) {
            ([name], Some(stmts)) => {
                b.instance(&name.text, line);
                for i in stmts {
                    instance_stmt(i, b);
                }
            }
            (_, Some(_)) => b.error(line, "expected one name after vrrp_instance".into()),
            (_, None) => b.error(line, "expected '{' after vrrp_instance NAME".into()),
        },
        "vrrp_script" => match (&s.args[..], &s.block) {
            ([name], Some(stmts)) => {
                b.script(&name.text, line);
                for st in stmts {
                    let skey = st.key.text.as_str();
                    if st.block.is_some() {
                        b.error(st.key.line, format!("'{skey}' does not take a {{ }} block"));
                        continue;
                    }
                    let args: Vec<&str> = st.args.iter().map(|a| a.text.as_str()).collect();
                    if !b.set_script(skey, &args, st.key.line) {
                        b.error(st.key.line, format!("unknown vrrp_script keyword '{skey}'"));
                    }
                }
            }
            (_, Some(_)) => b.error(line, "expected one name after vrrp_script".into()),
            (_, None) => b.error(line, "expected '{' after vrrp_script NAME".into()),
        },
        "vrrp_sync_group" => match (&s.args[..], &s.block) {
            ([name], Some(stmts)) => {
                b.group(&name.text, line);
                for st in stmts {
                    if st.key.text == "group" {
                        for m in body(st, b) {
                            nested_block_error(m, "group", b);
                            for w in m.words() {
                                b.group_members(&[&w.text], w.line);
                            }
                        }
                    } else {
                        b.error(
                            st.key.line,
                            format!(
                                "'{}' in vrrp_sync_group is not supported by tinyvrrpd yet (only group {{ }})",
                                st.key.text
                            ),
                        );
                    }
                }
            }
            (_, Some(_)) => b.error(line, "expected one name after vrrp_sync_group".into()),
            (_, None) => b.error(line, "expected '{' after vrrp_sync_group NAME".into()),
        },
        "virtual_server" | "virtual_server_group" | "real_server" => {
            b.error(
                line,
                format!("{key} (IPVS load balancing) is not supported by tinyvrrpd"),
            );
        }
        _ if is_script_key(key) => {
            b.error(line, format!("'{key}' belongs inside a vrrp_script {{ }}"));
        }
        _ if is_instance_key(key) || is_global_key(key) => {
            let place = if is_global_key(key) {
                "global_defs"
            } else {
                "a vrrp_instance"
            };
            b.error(line, format!("'{key}' belongs inside {place} {{ }}"));
        }
        _ => b.error(line, unknown("keyword", key)),
    }
}

/// The block of a block keyword, or an error if it has none or has arguments before it.
fn body<'s>(s: &'s Stmt, b: &mut Builder) -> &'s [Stmt] {
    let key = &s.key.text;
    match &s.block {
        Some(stmts) if s.args.is_empty() => stmts,
        Some(_) => {
            b.error(s.key.line, format!("expected '{{' right after {key}"));
            &[]
        }
        None => {
            b.error(
                s.key.line,
                format!("expected '{{' after {key}: {key} {{ ... }}"),
            );
            &[]
        }
    }
}

fn instance_stmt(s: &Stmt, b: &mut Builder) {
    let (key, line) = (s.key.text.as_str(), s.key.line);
    match key {
        "unicast_peer" => {
            for p in body(s, b) {
                nested_block_error(p, key, b);
                for w in p.words() {
                    b.set(key, &[&w.text], w.line);
                }
            }
        }
        "track_interface" | "track_script" => {
            // One entry per line: `NAME [weight N [reverse]]`.
            for e in body(s, b) {
                nested_block_error(e, key, b);
                let words: Vec<&str> = e.words().map(|w| w.text.as_str()).collect();
                b.set(key, &words, e.key.line);
            }
        }
        "authentication" => {
            // Pairs of `auth_type PASS` / `auth_pass SECRET`, wherever the lines break:
            // `authentication { auth_type PASS auth_pass x }` on one line is applied.
            let stmts = body(s, b);
            let words: Vec<&Tok> = stmts.iter().flat_map(Stmt::words).collect();
            for a in stmts {
                nested_block_error(a, key, b);
            }
            let mut i = 0;
            while let Some(k) = words.get(i) {
                i += 1;
                if k.text != "auth_type" && k.text != "auth_pass" {
                    let msg = format!(
                        "expected auth_type or auth_pass in authentication, found \"{}\"",
                        k.text
                    );
                    b.error(k.line, msg);
                    continue;
                }
                match words.get(i).filter(|v| v.line == k.line) {
                    Some(v) => {
                        b.set(&k.text, &[&v.text], k.line);
                        i += 1;
                    }
                    None => b.error(k.line, format!("expected a value for {}", k.text)),
                }
            }
        }
        "virtual_ipaddress" => {
            for v in body(s, b) {
                nested_block_error(v, key, b);
                let words: Vec<&Tok> = v.words().collect();
                // One address per line, but a one-line block holds several: a new entry
                // starts at each address where an option name would otherwise be.
                let mut start = 0;
                let mut i = 1;
                loop {
                    let end = i >= words.len();
                    if end || looks_like_address(&words[i].text) {
                        let entry: Vec<&str> = words[start..i.min(words.len())]
                            .iter()
                            .map(|w| w.text.as_str())
                            .collect();
                        b.set(key, &entry, words[start].line);
                        if end {
                            break;
                        }
                        start = i;
                        i += 1;
                    } else {
                        i += 2; // an option and its value
                    }
                }
            }
        }
        _ if is_instance_key(key) => {
            if s.block.is_some() {
                b.error(line, format!("'{key}' does not take a {{ }} block"));
            } else {
                let args: Vec<&str> = s.args.iter().map(|a| a.text.as_str()).collect();
                b.set(key, &args, line);
            }
        }
        _ if is_global_key(key) => {
            b.error(line, format!("'{key}' belongs inside global_defs {{ }}"))
        }
        "virtual_server" | "virtual_server_group" | "real_server" => {
            b.error(
                line,
                format!("{key} (IPVS load balancing) is not supported by tinyvrrpd"),
            );
        }
        _ => b.error(line, unknown("keyword", key)),
    }
}

fn nested_block_error(s: &Stmt, parent: &str, b: &mut Builder) {
    if s.block.is_some() {
        b.error(s.key.line, format!("unexpected '{{' inside {parent}"));
    }
}

/// Starts a new `virtual_ipaddress` entry: an address (possibly mistyped, so a digit
/// start is enough), never an option name such as `dev` or `label`.
fn looks_like_address(w: &str) -> bool {
    let addr = w.split('/').next().unwrap_or(w);
    w.starts_with(|c: char| c.is_ascii_digit()) || addr.parse::<IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{InitialState, Vip};
    use crate::vrrp::timers::Centis;
    use crate::wire::Version;

    fn errors(text: &str) -> Vec<String> {
        parse("keepalived.conf", text)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    fn one_instance(text: &str) -> crate::config::model::Instance {
        let mut c = parse("keepalived.conf", text).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(c.instances.len(), 1);
        c.instances.pop().unwrap()
    }

    #[test]
    fn one_line_authentication_block_is_applied_not_ignored() {
        let i = one_instance(
            "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n \
             authentication { auth_type PASS auth_pass secret }\n \
             virtual_ipaddress { 192.0.2.10 }\n}\n",
        );
        assert_eq!(i.auth_pass, Some(*b"secret\0\0"));
    }

    #[test]
    fn braces_glued_to_words_are_tokens() {
        let i = one_instance(
            "vrrp_instance V{\ninterface eth0\nvirtual_router_id 1\nunicast_peer {192.0.2.12}\n\
             virtual_ipaddress {192.0.2.10/24}}\n",
        );
        assert_eq!(i.unicast_peers, ["192.0.2.12".parse::<IpAddr>().unwrap()]);
        assert_eq!(i.vips[0].prefix_len, 24);
    }

    #[test]
    fn one_line_virtual_ipaddress_block_splits_at_each_address() {
        let i = one_instance(
            "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\n\
             virtual_ipaddress { 192.0.2.10/24 dev eth1 label eth1:vip 192.0.2.11 }\n}\n",
        );
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            i.vips,
            [
                Vip {
                    addr: ip("192.0.2.10"),
                    prefix_len: 24,
                    dev: Some("eth1".into()),
                    label: Some("eth1:vip".into())
                },
                Vip {
                    addr: ip("192.0.2.11"),
                    prefix_len: 32,
                    dev: None,
                    label: None
                },
            ]
        );
    }

    #[test]
    fn fractional_advert_int_with_version_3_is_exact_centiseconds() {
        let i = one_instance(
            "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nadvert_int 0.1\nversion 3\n\
             virtual_ipaddress { 192.0.2.10 }\n}\n",
        );
        assert_eq!((i.version, i.advert_interval), (Version::V3, Centis(10)));
    }

    #[test]
    fn global_vrrp_version_is_the_default_for_instances() {
        let i = one_instance(
            "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nadvert_int 0.5\n\
             virtual_ipaddress { 192.0.2.10 }\n}\nglobal_defs {\n router_id lb1\n vrrp_version 3\n}\n",
        );
        assert_eq!((i.version, i.advert_interval), (Version::V3, Centis(50)));
    }

    #[test]
    fn quoted_strings_and_escaped_comment_characters_are_words() {
        let i = one_instance(
            "vrrp_instance \"V 1\" {\ninterface eth0\nvirtual_router_id 1\n\
             authentication {\nauth_type PASS\nauth_pass a\\#b\\!c\n}\nstate master ! comment\n\
             virtual_ipaddress { 192.0.2.10 }\n}\n",
        );
        assert_eq!(i.name, "V 1");
        assert_eq!(i.auth_pass, Some(*b"a#b!c\0\0\0"));
        assert_eq!(i.initial_state, InitialState::Master);
    }

    #[test]
    fn virtual_server_is_rejected_naming_its_line() {
        let text = "global_defs {\n router_id lb\n}\n\nvirtual_server 192.0.2.10 514 {\n \
                    real_server 192.0.2.11 514 {\n  weight 1\n }\n}\n";
        assert_eq!(
            errors(text),
            [
                "keepalived.conf:5: virtual_server (IPVS load balancing) is not supported by tinyvrrpd"
            ]
        );
    }

    #[test]
    fn unsupported_keepalived_features_are_errors_never_ignored() {
        let text = "vrrp_script chk {\n script \"/bin/true\"\n}\nvrrp_instance V {\ninterface eth0\n\
                    virtual_router_id 1\ntrack_script {\n chk\n}\nnotify_deleted \"/bin/x\"\nuse_ipvlan\n\
                    virtual_ipaddress { 192.0.2.10 }\n}\nvrrp_sync_group G {\n group {\n V\n }\n notify_master /x\n}\n";
        assert_eq!(
            errors(text),
            [
                "keepalived.conf:10: 'notify_deleted' is not supported by tinyvrrpd yet",
                "keepalived.conf:11: 'use_ipvlan' is not supported by tinyvrrpd yet",
                "keepalived.conf:18: 'notify_master' in vrrp_sync_group is not supported by tinyvrrpd yet (only group { })",
            ]
        );
    }

    #[test]
    fn other_global_defs_keywords_are_not_supported() {
        let text = "global_defs {\n router_id lb\n vrrp_strict\n}\n";
        assert_eq!(
            errors(text),
            ["keepalived.conf:3: 'vrrp_strict' in global_defs is not supported by tinyvrrpd"]
        );
    }

    #[test]
    fn unclosed_brace_names_the_line_of_the_open_brace() {
        let text = "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n192.0.2.10\n}\n";
        assert_eq!(
            errors(text),
            ["keepalived.conf:1: this '{' is never closed: missing '}'"]
        );
    }

    #[test]
    fn stray_closing_brace_names_its_line() {
        let text = "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nvirtual_ipaddress {\n192.0.2.10\n}\n}\n}\n";
        assert_eq!(
            errors(text),
            ["keepalived.conf:8: unexpected '}' without a matching '{'"]
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing_forever() {
        let text = format!("a {}{}", "{ ".repeat(10_000), "} ".repeat(10_000));
        let errs = errors(&text);
        assert!(
            errs.iter().any(|e| e.contains("nested too deeply")),
            "{errs:?}"
        );
    }

    #[test]
    fn keyword_outside_its_block_says_where_it_belongs() {
        assert_eq!(
            errors("priority 100\nvrrp_version 3\n"),
            [
                "keepalived.conf:1: 'priority' belongs inside a vrrp_instance { }",
                "keepalived.conf:2: 'vrrp_version' belongs inside global_defs { }",
            ]
        );
    }

    #[test]
    fn block_keyword_without_block_is_an_error() {
        let text = "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nunicast_peer 192.0.2.1\n\
                    virtual_ipaddress { 192.0.2.10 }\n}\n";
        assert_eq!(
            errors(text),
            ["keepalived.conf:4: expected '{' after unicast_peer: unicast_peer { ... }"]
        );
    }

    #[test]
    fn vip_option_without_value_is_an_error_not_a_dropped_address() {
        let text = "vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\n\
                    virtual_ipaddress {\n192.0.2.10 dev\n}\n}\n";
        assert_eq!(
            errors(text),
            ["keepalived.conf:5: expected a value after 'dev' in virtual_ipaddress"]
        );
    }

    #[test]
    fn every_truncation_of_a_valid_file_fails_cleanly_or_parses() {
        let text = include_str!("testdata/seed-syslog1-master.conf");
        for (cut, _) in text.char_indices() {
            let _ = parse("t", &text[..cut]);
            let _ = crate::config::kv::parse("t", &text[..cut]);
        }
    }

    #[test]
    fn line_continuation_is_refused() {
        let text = "vrrp_instance V {\ninterface \\\neth0\n}\n";
        assert!(
            errors(text).contains(
                &"keepalived.conf:2: line continuation with '\\' is not supported by tinyvrrpd yet"
                    .to_string()
            )
        );
    }
}
