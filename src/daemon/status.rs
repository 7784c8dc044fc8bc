//! What `tinyvrrpd status` prints and SIGUSR1 writes: one snapshot of every instance,
//! rendered as text (the dump) or JSON (`--json`).

use super::{Daemon, Router, centis_text};
use crate::vrrp::machine::{Counters, Discard, State};
use crate::vrrp::track::Health;
use log::{error, info, warn};
use std::fmt::Write as _;

/// One tracked object as shown to the user.
struct TrackView<'a> {
    kind: &'static str,
    name: &'a str,
    weight: i16,
    reverse: bool,
    result: Health,
}

/// Most requests are a few bytes; anything longer is not ours.
const REQUEST_MAX: usize = 64;

impl Daemon {
    fn tracks<'a>(&'a self, r: &'a Router) -> Vec<TrackView<'a>> {
        let up = |n: &str| {
            if self.ifaces.iter().any(|i| i.name == n && i.up) {
                Health::Good
            } else {
                Health::Failed
            }
        };
        let mut v = vec![TrackView {
            kind: "interface",
            name: &r.cfg.interface,
            weight: 0,
            reverse: false,
            result: up(&r.cfg.interface),
        }];
        v.extend(r.cfg.track_interfaces.iter().map(|t| TrackView {
            kind: "interface",
            name: &t.name,
            weight: t.weight.unwrap_or(0),
            reverse: t.reverse,
            result: up(&t.name),
        }));
        for t in &r.cfg.track_scripts {
            if let Some(c) = self.checks.iter().find(|c| c.cfg.name == t.name) {
                v.push(TrackView {
                    kind: "script",
                    name: &t.name,
                    weight: t.weight.unwrap_or(c.cfg.weight),
                    reverse: t.reverse,
                    result: c.check.health(),
                });
            }
        }
        v
    }

    fn group_name(&self, r: &Router) -> Option<&str> {
        self.groups
            .iter()
            .find(|g| g.members.contains(&r.cfg.name))
            .map(|g| g.name.as_str())
    }

    /// The SIGUSR1 dump and `tinyvrrpd status`.
    pub fn render_state(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Router ID: {}", self.router_id);
        for r in &self.routers {
            let m = &r.m;
            let c = m.counters();
            let _ = writeln!(s, "VRRP Instance: {}", r.cfg.name);
            let _ = writeln!(s, "  State: {}", m.state());
            let _ = writeln!(s, "  Interface: {}", r.cfg.interface);
            let _ = writeln!(s, "  Virtual Router ID: {}", r.cfg.vrid);
            let _ = writeln!(s, "  Version: {}", r.cfg.version as u8);
            let _ = writeln!(s, "  Priority: {} (base {})", m.priority(), r.cfg.priority);
            let _ = writeln!(
                s,
                "  Advert interval: {}",
                centis_text(r.cfg.advert_interval)
            );
            match r.src {
                Some(a) => {
                    let _ = writeln!(s, "  Source address: {a}");
                }
                None => s.push_str("  Source address: none yet (IPv6 link-local address in DAD)\n"),
            }
            match m.master_seen() {
                Some((a, p)) => {
                    let _ = writeln!(s, "  Master seen: {a} priority {p}");
                }
                None if m.state() == State::Master => {
                    let _ = writeln!(s, "  Master seen: self");
                }
                None => {
                    let _ = writeln!(s, "  Master seen: none");
                }
            }
            let _ = writeln!(s, "  Preempt: {}", if r.cfg.preempt { "yes" } else { "no" });
            if let Some(g) = self.group_name(r) {
                let _ = writeln!(s, "  Sync group: {g}");
            }
            for v in &r.cfg.vips {
                let _ = writeln!(
                    s,
                    "  VIP: {}/{} dev {}",
                    v.addr,
                    v.prefix_len,
                    v.dev.as_deref().unwrap_or(&r.cfg.interface)
                );
            }
            for t in self.tracks(r) {
                let _ = writeln!(
                    s,
                    "  Track {}: {} weight {}{}: {}",
                    t.kind,
                    t.name,
                    t.weight,
                    if t.reverse { " reverse" } else { "" },
                    t.result.as_str()
                );
            }
            s.push_str("  Counters:");
            for (kind, n) in c.named() {
                let _ = write!(s, " {kind}={n}");
            }
            s.push('\n');
            s.push_str("  Discarded:");
            for (kind, n) in Discard::KINDS.iter().zip(c.discarded) {
                let _ = write!(s, " {kind}={n}");
            }
            s.push('\n');
        }
        for l in &self.links {
            for (kind, n) in &l.dropped {
                let _ = writeln!(s, "Dropped on {}: {kind}={n}", l.name);
            }
        }
        s
    }

    /// The same snapshot as JSON (`tinyvrrpd status --json`).
    pub fn render_json(&self) -> String {
        let mut s = String::from("{\"router_id\":");
        json_str(&mut s, &self.router_id);
        s.push_str(",\"instances\":[");
        for (k, r) in self.routers.iter().enumerate() {
            if k > 0 {
                s.push(',');
            }
            let m = &r.m;
            s.push_str("{\"name\":");
            json_str(&mut s, &r.cfg.name);
            s.push_str(",\"state\":");
            json_str(&mut s, m.state().as_str());
            s.push_str(",\"interface\":");
            json_str(&mut s, &r.cfg.interface);
            let _ = write!(
                s,
                ",\"vrid\":{},\"version\":{},\"priority\":{{\"base\":{},\"effective\":{}}},\"advert_interval_ms\":{},\"preempt\":{}",
                r.cfg.vrid,
                r.cfg.version as u8,
                r.cfg.priority,
                m.priority(),
                u32::from(r.cfg.advert_interval.0) * 10,
                r.cfg.preempt
            );
            match r.src {
                Some(a) => {
                    let _ = write!(s, ",\"source\":\"{a}\"");
                }
                None => s.push_str(",\"source\":null"),
            }
            s.push_str(",\"master_seen\":");
            match (m.master_seen(), m.state()) {
                (Some((a, p)), _) => {
                    let _ = write!(s, "{{\"address\":\"{a}\",\"priority\":{p}}}");
                }
                (None, State::Master) => {
                    let _ = write!(
                        s,
                        "{{\"address\":\"{}\",\"priority\":{}}}",
                        m.local_addr(),
                        m.priority()
                    );
                }
                (None, _) => s.push_str("null"),
            }
            s.push_str(",\"sync_group\":");
            match self.group_name(r) {
                Some(g) => json_str(&mut s, g),
                None => s.push_str("null"),
            }
            s.push_str(",\"vips\":[");
            for (n, v) in r.cfg.vips.iter().enumerate() {
                if n > 0 {
                    s.push(',');
                }
                let _ = write!(
                    s,
                    "{{\"address\":\"{}\",\"prefix\":{},\"dev\":",
                    v.addr, v.prefix_len
                );
                json_str(&mut s, v.dev.as_deref().unwrap_or(&r.cfg.interface));
                s.push('}');
            }
            s.push_str("],\"tracking\":[");
            for (n, t) in self.tracks(r).iter().enumerate() {
                if n > 0 {
                    s.push(',');
                }
                let _ = write!(s, "{{\"type\":\"{}\",\"name\":", t.kind);
                json_str(&mut s, t.name);
                let _ = write!(
                    s,
                    ",\"weight\":{},\"reverse\":{},\"result\":\"{}\"}}",
                    t.weight,
                    t.reverse,
                    t.result.as_str()
                );
            }
            s.push_str("],\"counters\":");
            json_counters(&mut s, m.counters());
            s.push('}');
        }
        s.push_str("],\"dropped\":{");
        let mut first = true;
        for l in self.links.iter().filter(|l| !l.dropped.is_empty()) {
            if !first {
                s.push(',');
            }
            first = false;
            json_str(&mut s, &l.name);
            s.push_str(":{");
            for (n, (kind, count)) in l.dropped.iter().enumerate() {
                if n > 0 {
                    s.push(',');
                }
                let _ = write!(s, "\"{kind}\":{count}");
            }
            s.push('}');
        }
        s.push_str("}}\n");
        s
    }

    /// SIGUSR1: write the state of every instance to the dump file.
    pub(super) fn dump(&self) {
        let text = self.render_state();
        let tmp = self.paths.dump.with_extension("tmp");
        let res = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &self.paths.dump));
        match res {
            Ok(()) => info!("state written to {}", self.paths.dump.display()),
            Err(e) => error!("cannot write state to {}: {e}", self.paths.dump.display()),
        }
    }

    /// Answer the status requests waiting on the control socket.
    pub(super) fn answer_status(&mut self) {
        let Some(ctl) = &self.control else {
            return;
        };
        let mut buf = [0u8; REQUEST_MAX];
        // Bounded: a flood of requests cannot keep the loop from its timers.
        for _ in 0..16 {
            let (n, from) = match ctl.recv(&mut buf) {
                Ok(Some(x)) => x,
                Ok(None) => return,
                Err(e) => {
                    warn!("status socket: {e}");
                    return;
                }
            };
            let answer = match core::str::from_utf8(&buf[..n]).map(str::trim) {
                Ok("status") => self.render_state(),
                Ok("status json") => self.render_json(),
                _ => "error: unknown request (expected \"status\" or \"status json\")\n".into(),
            };
            if let Err(e) = ctl.reply(&from, answer.as_bytes()) {
                log::debug!("status reply: {e}");
            }
        }
    }
}

fn json_counters(s: &mut String, c: &Counters) {
    s.push('{');
    for (kind, n) in c.named() {
        let _ = write!(s, "\"{kind}\":{n},");
    }
    s.push_str("\"discarded\":{");
    for (n, (kind, count)) in Discard::KINDS.iter().zip(c.discarded).enumerate() {
        if n > 0 {
            s.push(',');
        }
        let _ = write!(s, "\"{kind}\":{count}");
    }
    s.push_str("}}");
}

/// A JSON string literal (RFC 8259 escaping).
fn json_str(s: &mut String, v: &str) {
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        json_str(&mut s, "a\"b\\c\nd\u{1}é");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }

    #[test]
    fn counters_render_every_discard_reason() {
        let mut s = String::new();
        let c = Counters {
            adverts_rx: 3,
            transitions: 2,
            ..Counters::default()
        };
        json_counters(&mut s, &c);
        assert_eq!(
            s,
            "{\"adverts_rx\":3,\"adverts_tx\":0,\"priority0_rx\":0,\"priority0_tx\":0,\"became_master\":0,\"transitions\":2,\"discarded\":{\"vrid\":0,\"version\":0,\"not_peer\":0,\"auth\":0,\"interval\":0,\"own\":0}}"
        );
    }
}
