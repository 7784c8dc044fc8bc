//! Where a setting of an instance is written: the model keeps the line of each instance
//! (and of its tracking entries), not of every keyword, so a cross-check that names
//! `virtual_router_id` on both nodes looks the keyword up in the instance's block of
//! the file's text. A keyword left at its default has no line: the instance's own line
//! stands for it.

use crate::config::{self, Format};
use std::net::IpAddr;

pub struct Locator<'a> {
    lines: Vec<&'a str>,
    format: Format,
    /// keepalived's config ID: `@ID ` lines of other IDs are not this node's.
    id: Option<&'a str>,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str, id: Option<&'a str>) -> Locator<'a> {
        Locator {
            lines: text.lines().collect(),
            format: config::detect(text),
            id,
        }
    }

    /// The tokens of line `n` (1-based) without its comment: words split at blanks,
    /// braces and `=`; none for another ID's `@ID` line, and without the `@ID` prefix.
    fn tokens(&self, n: u32) -> impl Iterator<Item = &'a str> {
        let line = self.lines.get(n as usize - 1).copied().unwrap_or("");
        let code = match comment_start(line, self.format) {
            Some(i) => &line[..i],
            None => line,
        };
        let mut words = code
            .split(|c: char| c.is_whitespace() || matches!(c, '{' | '}' | '='))
            .filter(|w| !w.is_empty())
            .peekable();
        let mine = match words.peek().and_then(|w| w.strip_prefix('@')) {
            Some(not) if not.starts_with('^') => self.id != Some(&not[1..]),
            Some(id) => self.id == Some(id),
            None => true,
        };
        if words.peek().is_some_and(|w| w.starts_with('@')) {
            words.next();
        }
        words.filter(move |_| mine)
    }

    /// The lines of the instance that starts at `start`: up to the next section
    /// (key=value), or to its closing brace (keepalived.conf). Just `start` when the
    /// text there is not what the model says (a line of an included file).
    fn block(&self, start: u32) -> core::ops::Range<u32> {
        let last = self.lines.len() as u32;
        let opens = match self.format {
            Format::KeyValue => "instance",
            Format::Keepalived => "vrrp_instance",
        };
        if start == 0 || start > last || self.tokens(start).next() != Some(opens) {
            return start..start;
        }
        let mut end = start + 1;
        match self.format {
            Format::KeyValue => {
                while end <= last {
                    let key = self.tokens(end).next();
                    if matches!(key, Some("instance" | "vrrp_script" | "vrrp_sync_group")) {
                        break;
                    }
                    end += 1;
                }
            }
            Format::Keepalived => {
                let mut depth = braces(self.lines[start as usize - 1]);
                while end <= last && depth > 0 {
                    depth += braces(self.lines[end as usize - 1]);
                    end += 1;
                }
            }
        }
        start..end
    }

    /// The first line of the instance at `start` where `keyword` is written, else `start`.
    pub fn keyword(&self, start: u32, keyword: &str) -> u32 {
        self.block(start)
            .skip(1)
            .find(|&n| self.tokens(n).any(|w| w == keyword))
            .unwrap_or(start)
    }

    /// The line of the instance at `start` where `addr` is written (`ADDR` or
    /// `ADDR/PLEN`) under `keyword` — a `keyword = …` line or a `keyword { … }` block —,
    /// else the keyword's line.
    pub fn address(&self, start: u32, keyword: &str, addr: IpAddr) -> u32 {
        let mut inside = false;
        for n in self.block(start).skip(1) {
            let words: Vec<&str> = self.tokens(n).collect();
            let opens = words.first() == Some(&keyword);
            let is_addr = |w: &&str| w.split('/').next().and_then(|a| a.parse().ok()) == Some(addr);
            if (opens || inside) && words.iter().any(is_addr) {
                return n;
            }
            let line = self.lines[n as usize - 1];
            if opens && self.format == Format::Keepalived && braces(line) > 0 {
                inside = true;
            } else if inside && braces(line) < 0 {
                inside = false;
            }
        }
        self.keyword(start, keyword)
    }
}

/// Where the comment of `line` starts: `#` or `!` (keepalived.conf) at the start of a
/// word, `#` at the start or after a blank (key=value).
fn comment_start(line: &str, format: Format) -> Option<usize> {
    let marks: &[char] = match format {
        Format::KeyValue => &['#'],
        Format::Keepalived => &['#', '!'],
    };
    let mut prev_blank = true;
    for (i, c) in line.char_indices() {
        if prev_blank && marks.contains(&c) {
            return Some(i);
        }
        prev_blank = c.is_whitespace();
    }
    None
}

/// Braces opened minus closed on a line (outside its comment).
fn braces(line: &str) -> i32 {
    let code = match comment_start(line, Format::Keepalived) {
        Some(i) => &line[..i],
        None => line,
    };
    code.chars()
        .map(|c| match c {
            '{' => 1,
            '}' => -1,
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KA: &str = "# a comment naming priority\n\
vrrp_instance VI_1 {\n\
  state MASTER   # virtual_router_id in a comment\n\
  virtual_router_id 7\n\
  authentication { auth_type PASS\n auth_pass secret }\n\
  unicast_peer {\n\
    192.0.2.12\n\
    192.0.2.13\n\
  }\n\
  virtual_ipaddress {\n\
    192.0.2.12/24 dev eth0\n\
  }\n\
}\n\
vrrp_instance VI_2 {\n\
  priority 50\n\
}\n";

    const KV: &str = "instance = VI_1\nvirtual_router_id = 7 # priority\n\
unicast_peer = 192.0.2.12 192.0.2.13\nvirtual_ipaddress = 192.0.2.12/24\n\
instance = VI_2\npriority = 50\n";

    #[test]
    fn keywords_are_found_in_their_instance_only_and_never_in_comments() {
        let ka = Locator::new(KA, None);
        assert_eq!(ka.keyword(2, "virtual_router_id"), 4);
        assert_eq!(ka.keyword(2, "auth_pass"), 6);
        // Not written in VI_1 (only in VI_2, and in a comment): the instance's line.
        assert_eq!(ka.keyword(2, "priority"), 2);
        assert_eq!(ka.keyword(15, "priority"), 16);
        let kv = Locator::new(KV, None);
        assert_eq!(kv.keyword(1, "virtual_router_id"), 2);
        assert_eq!(kv.keyword(1, "priority"), 1);
        assert_eq!(kv.keyword(5, "priority"), 6);
    }

    #[test]
    fn an_address_is_found_under_its_keyword() {
        let ip = |s: &str| s.parse().unwrap();
        let ka = Locator::new(KA, None);
        assert_eq!(ka.address(2, "unicast_peer", ip("192.0.2.13")), 9);
        // The same address as a VIP and as a peer: each under its keyword.
        assert_eq!(ka.address(2, "unicast_peer", ip("192.0.2.12")), 8);
        assert_eq!(ka.address(2, "virtual_ipaddress", ip("192.0.2.12")), 12);
        let kv = Locator::new(KV, None);
        assert_eq!(kv.address(1, "unicast_peer", ip("192.0.2.13")), 3);
        assert_eq!(kv.address(1, "virtual_ipaddress", ip("192.0.2.12")), 4);
        // Not there: the keyword's line, else the instance's.
        assert_eq!(kv.address(1, "unicast_peer", ip("192.0.2.99")), 3);
        assert_eq!(kv.address(1, "unicast_src_ip", ip("192.0.2.99")), 1);
    }

    #[test]
    fn another_nodes_id_lines_are_skipped() {
        let text =
            "vrrp_instance V {\n@lb1 priority 150\n@lb2 priority 100\n@^lb1 state BACKUP\n}\n";
        let (one, two) = (
            Locator::new(text, Some("lb1")),
            Locator::new(text, Some("lb2")),
        );
        assert_eq!(
            (one.keyword(1, "priority"), two.keyword(1, "priority")),
            (2, 3)
        );
        assert_eq!((one.keyword(1, "state"), two.keyword(1, "state")), (1, 4));
    }

    #[test]
    fn a_line_that_starts_no_instance_here_stands_for_itself() {
        let kv = Locator::new(KV, None);
        assert_eq!(kv.keyword(40, "priority"), 40);
        assert_eq!(kv.keyword(0, "priority"), 0);
        // An instance of an included file: its line number means nothing in this text.
        assert_eq!(kv.keyword(3, "virtual_ipaddress"), 3);
        assert_eq!(Locator::new(KA, None).keyword(3, "virtual_router_id"), 3);
    }
}
