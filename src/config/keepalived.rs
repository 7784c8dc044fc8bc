//! The keepalived.conf front-end: keepalived's syntax — blocks, `#`/`!` comments,
//! `include` with globs, `@ID` conditional lines — and every keyword looked up in the one
//! table (`keywords.rs`), so a keepalived keyword is implemented, accepted with a
//! warning or refused with the reason, and a typo is an error: never the silent ignoring
//! keepalived itself does for unknown keywords or one-line blocks.
//!
//! Three passes: tokens (with their file and line; includes spliced in), a tree of
//! statements (`keyword args... [{ statements }]`, args running to the end of the line),
//! then the meaning of each statement, which goes through the shared [`Builder`].

use super::build::Builder;
use super::error::ConfigError;
use super::include::{self, Found, Loader, NoFiles};
use super::keywords::{self, Form, Key, Loc, Meaning, Place};
use super::lex;
use super::model::Config;

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
    at: Loc,
}

struct Stmt {
    key: Tok,
    args: Vec<Tok>,
    block: Option<Vec<Stmt>>,
}

impl Stmt {
    /// The keyword and its arguments as one list: inside list blocks every word is data.
    fn words(&self) -> impl Iterator<Item = &Tok> {
        core::iter::once(&self.key).chain(&self.args)
    }
}

/// Parses one file's text; an `include` in it is an error naming the line.
pub fn parse(file: &str, text: &str) -> Result<Config, Vec<ConfigError>> {
    parse_with(file, text, &NoFiles)
}

/// Parses `text` (the contents of `file`), reading included files through `loader`.
pub fn parse_with(file: &str, text: &str, loader: &dyn Loader) -> Result<Config, Vec<ConfigError>> {
    let mut b = Builder::new(file);
    let mut lexer = Lexer {
        loader,
        config_id: loader.config_id(),
        stack: vec![file.to_string()],
        toks: Vec::new(),
    };
    lexer.text(&mut b, 0, text);
    let toks = lexer.toks;
    let mut pos = 0;
    let tree = block(&toks, &mut pos, None, 0, &mut b);
    for s in &tree {
        statement(Place::Top, s, &mut b);
    }
    super::validate::finish(b)
}

/// Turns files into tokens, following includes.
struct Lexer<'l> {
    loader: &'l dyn Loader,
    config_id: Option<String>,
    /// The files being read, outermost first: an include of one of them is a loop.
    stack: Vec<String>,
    toks: Vec<Tok>,
}

impl Lexer<'_> {
    fn text(&mut self, b: &mut Builder, file: u16, text: &str) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (n, raw) in text.split('\n').enumerate() {
            let at = Loc {
                file,
                line: n as u32 + 1,
            };
            let mut line = raw.trim_start();
            // `@ID words` only on the host whose config id is ID, `@^ID words` elsewhere.
            if let Some(cond) = line.strip_prefix('@') {
                let (id, rest) = cond.split_once([' ', '\t']).unwrap_or((cond, ""));
                let (id, negated) = match id.strip_prefix('^') {
                    Some(id) => (id, true),
                    None => (id, false),
                };
                let matches = self.config_id.as_deref() == Some(id);
                if matches == negated {
                    continue;
                }
                line = rest.trim_start();
            }
            if line.starts_with('$') || line.starts_with("~SEQ") || line.starts_with("~LST") {
                let msg = "keepalived's $NAME definitions and ~SEQ/~LST lines are not supported by tinyvrrpd";
                b.error(at, msg.into());
                continue;
            }
            match line.strip_prefix("include") {
                Some(rest) if rest.is_empty() || rest.starts_with([' ', '\t', '\r']) => {
                    self.include(b, at, strip_comment(rest).trim());
                }
                _ => self.line(b, at, line),
            }
        }
    }

    fn include(&mut self, b: &mut Builder, at: Loc, pattern: &str) {
        if pattern.is_empty() {
            b.error(at, "expected a file or pattern after include".into());
            return;
        }
        if !self.loader.has_files() {
            let msg = format!("include {pattern}: this text was read without its files");
            return b.error(at, msg);
        }
        let including = &self.stack[self.stack.len() - 1];
        let path = include::resolve(including, pattern);
        let files = match include::expand(self.loader, &path) {
            Found::Files(f) => f,
            // keepalived's words.
            Found::Missing => return b.warn(at, format!("Config files missing '{path}'.")),
            Found::NoMatch => return b.warn(at, format!("No config files matched '{path}'.")),
        };
        for f in files {
            if self.stack.contains(&f) {
                b.error(at, format!("include loop: {f} is already being read"));
                continue;
            }
            if self.stack.len() > include::MAX_DEPTH {
                b.error(at, format!("includes are nested too deeply at {f}"));
                continue;
            }
            match self.loader.read(&f) {
                Ok(text) => {
                    let idx = b.file(&f);
                    self.stack.push(f);
                    self.text(b, idx, &text);
                    self.stack.pop();
                }
                Err(e) if e.contains("No such file") => {
                    b.warn(at, format!("Config files missing '{f}'."));
                }
                Err(e) => b.warn(
                    at,
                    format!("Configuration file '{f}' open problem ({e}) - skipping"),
                ),
            }
        }
    }

    /// `#` and `!` start comments anywhere outside quotes (as in keepalived; `\#` and
    /// `\!` escape them); `{` and `}` are tokens even when glued to a word.
    fn line(&mut self, b: &mut Builder, at: Loc, line: &str) {
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            let kind = match c {
                '#' | '!' => return,
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
                    match chars.next() {
                        Some('"') => break,
                        Some(ch) => text.push(ch),
                        None => {
                            b.error(at, "unterminated quoted string".into());
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
                            None | Some('\r') => {
                                let msg =
                                    "line continuation with '\\' is not supported by tinyvrrpd yet";
                                b.error(at, msg.into());
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
            self.toks.push(Tok { kind, text, at });
        }
    }
}

/// The part of a line before a comment (`#` or `!` outside quotes).
fn strip_comment(s: &str) -> &str {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' | '!' if !quoted => return &s[..i],
            _ => {}
        }
    }
    s
}

/// Reads statements up to the `}` matching the `{` at `open` (None: to the end).
fn block(
    toks: &[Tok],
    pos: &mut usize,
    open: Option<Loc>,
    depth: usize,
    b: &mut Builder,
) -> Vec<Stmt> {
    let mut body = Vec::new();
    while let Some(t) = toks.get(*pos) {
        *pos += 1;
        match t.kind {
            Kind::Close if open.is_some() => return body,
            Kind::Close => b.error(t.at, "unexpected '}' without a matching '{'".into()),
            Kind::Open => {
                b.error(t.at, "unexpected '{' without a keyword before it".into());
                sub_block(toks, pos, t.at, depth, b);
            }
            Kind::Word => {
                let mut args = Vec::new();
                while let Some(a) = toks
                    .get(*pos)
                    .filter(|a| a.kind == Kind::Word && a.at == t.at)
                {
                    args.push(a.clone());
                    *pos += 1;
                }
                let mut inner = None;
                if let Some(o) = toks.get(*pos).filter(|o| o.kind == Kind::Open) {
                    *pos += 1;
                    inner = Some(sub_block(toks, pos, o.at, depth, b));
                }
                body.push(Stmt {
                    key: t.clone(),
                    args,
                    block: inner,
                });
            }
        }
    }
    if let Some(at) = open {
        b.error(at, "this '{' is never closed: missing '}'".into());
    }
    body
}

/// The block after a `{` at `open` (already consumed), at nesting `depth`.
fn sub_block(toks: &[Tok], pos: &mut usize, open: Loc, depth: usize, b: &mut Builder) -> Vec<Stmt> {
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

/// One statement at `place`: looked up in the table, then applied by its form.
fn statement(place: Place, s: &Stmt, b: &mut Builder) {
    let (name, at) = (s.key.text.as_str(), s.key.at);
    let key = match keywords::lookup(place, name) {
        None => return b.error(at, keywords::misplaced_or_unknown(place, name)),
        // The whole statement, block and all, is what is ignored or refused.
        Some(Meaning::Ignored(w)) => return b.warn(at, w),
        Some(Meaning::Holds) => return,
        Some(Meaning::Refused(e)) => return b.error(at, e),
        Some(Meaning::Set(k)) => k,
    };
    match key.form() {
        Form::Section => section(key, s, b),
        Form::List => list(key, s, b),
        Form::Sub => authentication(s, b),
        Form::Line if key == Key::Include => {
            b.error(at, "include must start a line".into());
        }
        Form::Line => {
            if s.block.is_some() {
                b.error(at, format!("'{name}' does not take a {{ }} block"));
            } else {
                let args: Vec<&str> = s.args.iter().map(|a| a.text.as_str()).collect();
                b.apply(key, &args, at);
            }
        }
    }
}

/// `global_defs { }`, `vrrp_instance NAME { }`, `vrrp_script NAME { }`,
/// `vrrp_sync_group NAME { }`.
fn section(key: Key, s: &Stmt, b: &mut Builder) {
    let (name, at) = (key.name(), s.key.at);
    let place = match key {
        Key::GlobalDefs => Place::Global,
        Key::VrrpInstance => Place::Instance,
        Key::VrrpScript => Place::Script,
        _ => Place::Group,
    };
    let stmts = match (&s.args[..], &s.block, place) {
        ([], Some(stmts), Place::Global) => {
            b.begin(place, "", at);
            stmts
        }
        ([n], Some(stmts), p) if p != Place::Global => {
            b.begin(place, &n.text, at);
            stmts
        }
        (_, Some(_), Place::Global) => {
            return b.error(at, "expected '{' right after global_defs".into());
        }
        (_, Some(_), _) => return b.error(at, format!("expected one name after {name}")),
        (_, None, Place::Global) => return b.error(at, "expected '{' after global_defs".into()),
        (_, None, _) => return b.error(at, format!("expected '{{' after {name} NAME")),
    };
    for st in stmts {
        statement(place, st, b);
    }
    b.end();
}

/// The block of a block keyword, or an error if it has none or has arguments before it.
fn body<'s>(s: &'s Stmt, b: &mut Builder) -> &'s [Stmt] {
    let key = &s.key.text;
    match &s.block {
        Some(stmts) if s.args.is_empty() => stmts,
        Some(_) => {
            b.error(s.key.at, format!("expected '{{' right after {key}"));
            &[]
        }
        None => {
            b.error(
                s.key.at,
                format!("expected '{{' after {key}: {key} {{ ... }}"),
            );
            &[]
        }
    }
}

/// `key { entry \n entry }`: each line one entry (a one-line block of addresses holds
/// several: a new entry starts at each address where an option would otherwise be).
fn list(key: Key, s: &Stmt, b: &mut Builder) {
    for e in body(s, b) {
        if e.block.is_some() {
            b.error(e.key.at, format!("unexpected '{{' inside {}", key.name()));
        }
        let texts: Vec<&str> = e.words().map(|w| w.text.as_str()).collect();
        if matches!(
            key,
            Key::VirtualIpaddress | Key::VirtualIpaddressExcluded | Key::UnicastPeer
        ) {
            for r in lex::address_entries(&texts) {
                b.apply(key, &texts[r], e.key.at);
            }
        } else {
            b.apply(key, &texts, e.key.at);
        }
    }
}

/// Pairs of `auth_type PASS` / `auth_pass SECRET`, wherever the lines break:
/// `authentication { auth_type PASS auth_pass x }` on one line is applied (keepalived
/// ignores such a one-line block without a word).
fn authentication(s: &Stmt, b: &mut Builder) {
    let stmts = body(s, b);
    let words: Vec<&Tok> = stmts.iter().flat_map(Stmt::words).collect();
    for a in stmts {
        if a.block.is_some() {
            b.error(a.key.at, "unexpected '{' inside authentication".into());
        }
    }
    let mut i = 0;
    while let Some(k) = words.get(i) {
        i += 1;
        let key = match k.text.as_str() {
            "auth_type" => Key::AuthType,
            "auth_pass" => Key::AuthPass,
            t => {
                let msg =
                    format!("expected auth_type or auth_pass in authentication, found \"{t}\"");
                b.error(k.at, msg);
                continue;
            }
        };
        match words.get(i).filter(|v| v.at == k.at) {
            Some(v) => {
                b.apply(key, &[&v.text], k.at);
                i += 1;
            }
            None => b.error(k.at, format!("expected a value for {}", k.text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{InitialState, Vip};
    use crate::vrrp::timers::Centis;
    use crate::wire::Version;
    use std::net::IpAddr;

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
             authentication {\nauth_type PASS\nauth_pass a\\#b\\!c\n}\nstate MASTER ! comment\n\
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
                "keepalived.conf:5: 'virtual_server' is not supported by tinyvrrpd (IPVS load balancing)"
            ]
        );
    }

    #[test]
    fn unsupported_keepalived_features_are_errors_never_ignored() {
        let text = "vrrp_script chk {\n script \"/bin/true\"\n}\nvrrp_instance V {\ninterface eth0\n\
                    virtual_router_id 1\ntrack_script {\n chk\n}\nnotify_deleted \"/bin/x\"\nuse_ipvlan\n\
                    virtual_ipaddress { 192.0.2.10 }\n}\nvrrp_sync_group G {\n group {\n V\n }\n notify_master /x\n}\n\
                    vrrp_instance W {\ninterface eth0\nvirtual_router_id 2\nvirtual_routes {\n 0.0.0.0/0 via 192.0.2.1\n}\n\
                    track_process {\n p\n}\nvirtual_ipaddress { 192.0.2.11 }\n}\n";
        assert_eq!(
            errors(text),
            [
                "keepalived.conf:10: 'notify_deleted' is not supported by tinyvrrpd (this notify variant; use notify)",
                "keepalived.conf:11: 'use_ipvlan' is not supported by tinyvrrpd (virtual MACs on other interfaces, VRF, ipvlan)",
                "keepalived.conf:14: warning: Sync group G has only 1 virtual router(s) - this probably isn't what you want",
                "keepalived.conf:18: 'notify_master' is not supported by tinyvrrpd yet (sync-group notify and tracking)",
                "keepalived.conf:23: 'virtual_routes' is not supported by tinyvrrpd yet (routes and rules that follow the VIP)",
                "keepalived.conf:26: 'track_process' is not supported by tinyvrrpd yet (process and file tracking)",
            ]
        );
    }

    #[test]
    fn global_defs_keywords_of_absent_subsystems_are_accepted_with_a_warning() {
        // (process_names, line 7, asks for what tinyvrrpd is: accepted without a word.)
        let text = "global_defs {\n notification_email {\n ops@example.org\n }\n smtp_server 192.0.2.25\n\
                    enable_snmp_vrrp\n process_names\n lvs_sync_daemon eth0 VI_1\n vrrp_no_swap\n}\n\
                    vrrp_instance V {\ninterface eth0\nvirtual_router_id 1\nsmtp_alert\nlvs_sync_daemon_interface eth0\n\
                    virtual_ipaddress { 192.0.2.10 }\n}\n";
        let c = parse("k.conf", text).unwrap();
        let w: Vec<String> = c.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(
            w,
            [
                "k.conf:2: warning: 'notification_email' ignored: tinyvrrpd sends no e-mail; use notify scripts",
                "k.conf:5: warning: 'smtp_server' ignored: tinyvrrpd sends no e-mail; use notify scripts",
                "k.conf:6: warning: 'enable_snmp_vrrp' ignored: tinyvrrpd has no SNMP or D-Bus; see tinyvrrpd status --json",
                "k.conf:8: warning: 'lvs_sync_daemon' ignored: tinyvrrpd has no IPVS (LVS) part",
                "k.conf:9: warning: 'vrrp_no_swap' ignored: keepalived's process tuning, not needed here",
                "k.conf:14: warning: 'smtp_alert' ignored: tinyvrrpd sends no e-mail; use notify scripts",
                "k.conf:15: warning: 'lvs_sync_daemon_interface' ignored: tinyvrrpd has no IPVS (LVS) part",
            ]
        );
    }

    #[test]
    fn typos_are_errors_with_the_nearest_keyword() {
        let text = "global_defs {\n smtp_sever x\n}\nvrrp_instance V {\ninterface eth0\nvirtual_router_id 1\n\
                    prioirty 50\nvirtual_ipadress { 192.0.2.10 }\nvirtual_ipaddress { 192.0.2.10 }\n}\nvrrp_instanse W {\n}\n";
        assert_eq!(
            errors(text),
            [
                "keepalived.conf:2: unknown keyword 'smtp_sever' (did you mean 'smtp_server'?)",
                "keepalived.conf:7: unknown keyword 'prioirty' (did you mean 'priority'?)",
                "keepalived.conf:8: unknown keyword 'virtual_ipadress' (did you mean 'virtual_ipaddress'?)",
                "keepalived.conf:11: unknown keyword 'vrrp_instanse' (did you mean 'vrrp_instance'?)",
            ]
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
