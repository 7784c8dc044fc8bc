//! The pieces of the status JSON (`tinyvrrpd status --json`) that are not the
//! snapshot's own layout: string escaping, the counters, a transition.

use super::router::Transition;
use crate::vrrp::machine::{Counters, Discard};
use std::fmt::Write as _;

pub fn json_counters(s: &mut String, c: &Counters) {
    s.push('{');
    for (kind, n) in c.named() {
        let _ = write!(s, "\"{kind}\":{n},");
    }
    s.push_str("\"discarded\":{");
    for (n, (kind, count)) in Discard::KINDS.iter().zip(c.discarded).enumerate() {
        let sep = if n > 0 { "," } else { "" };
        let _ = write!(s, "{sep}\"{kind}\":{count}");
    }
    s.push_str("}}");
}

/// `,"last_transition":…`: when (seconds since the epoch, to the millisecond), from, to
/// and why, or null before the first.
pub fn json_transition(s: &mut String, t: Option<&Transition>) {
    match t {
        Some(t) => {
            let _ = write!(
                s,
                ",\"last_transition\":{{\"time\":{}.{:03},\"from\":\"{}\",\"to\":\"{}\",\"reason\":\"{}\"}}",
                t.wall_ms / 1000,
                t.wall_ms % 1000,
                t.from,
                t.to,
                t.why.as_str()
            );
        }
        None => s.push_str(",\"last_transition\":null"),
    }
}

/// A JSON string literal (RFC 8259 escaping).
pub fn json_str(s: &mut String, v: &str) {
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
