//! Property tests for both front-ends: on arbitrary text and on mutations of real
//! configurations they never panic, every error names a line of the text, and whatever
//! they accept keeps the model's promises. Deterministic xorshift streams, no crates;
//! tests/fuzz has the coverage-guided versions (config_kv, config_keepalived).

use super::model::Config;
use super::{ConfigError, keepalived, kv};
use crate::wire::Version;

const SEEDS: [&str; 8] = [
    include_str!("testdata/seed-syslog1-master.conf"),
    include_str!("testdata/seed-syslog2-backup.conf"),
    include_str!("../../tests/configs/syslog1.conf"),
    include_str!("../../tests/configs/syslog2.conf"),
    include_str!("../../tests/configs/syslog1.kv"),
    include_str!("../../tests/configs/syslog2.kv"),
    include_str!("../../tests/fuzz/corpus/config_keepalived/every-keyword.conf"),
    include_str!("../../tests/fuzz/corpus/config_kv/globals-and-two-instances.kv"),
];

/// Fragments that matter to the tokenizers and to the keyword table.
const PIECES: [&str; 32] = [
    "{",
    "}",
    " { ",
    "\n",
    "\"",
    "#",
    "!",
    "\\",
    "\\#",
    "=",
    " = ",
    "\r\n",
    "\t",
    "\u{feff}",
    "é",
    "vrrp_instance V ",
    "global_defs",
    "instance = X\n",
    "virtual_ipaddress",
    "unicast_peer",
    "authentication",
    "auth_pass",
    "advert_int 0.01",
    "version 3",
    "priority 255",
    "virtual_router_id 1",
    "192.0.2.10/24",
    "2001:db8::1",
    " dev ",
    " label ",
    "999999999999999999999",
    "track_script",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Deletes, duplicates, moves and overwrites byte ranges and inserts `PIECES`. Working on
/// bytes may split a UTF-8 sequence; the result is read lossily, as a fuzzer's would be.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut b = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        let len = rng.below(b.len() - at + 1).min(1 + rng.below(40));
        match rng.below(6) {
            0 => {
                b.drain(at..at + len);
            }
            1 => {
                let copy = b[at..at + len].to_vec();
                let to = rng.below(b.len() + 1);
                b.splice(to..to, copy);
            }
            2 if at < b.len() => b[at] = rng.next() as u8,
            3 => {
                // Swap two lines.
                let mut lines: Vec<&[u8]> = b.split(|&c| c == b'\n').collect();
                let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
                lines.swap(i, j);
                b = lines.join(&b'\n');
            }
            _ => {
                let piece = PIECES[rng.below(PIECES.len())].as_bytes();
                b.splice(at..at, piece.iter().copied());
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn check_errors(text: &str, errors: &[ConfigError]) {
    assert!(!errors.is_empty(), "Err without an error:\n{text}");
    let last = 1 + text.matches('\n').count() as u32;
    for e in errors {
        assert!(
            (1..=last).contains(&e.line),
            "{e} names a line outside the text:\n{text}"
        );
    }
}

/// The promises of the validated model that the daemon relies on.
fn check_config(text: &str, c: &Config) {
    assert!(!c.instances.is_empty(), "{text}");
    assert!(c.warnings.iter().all(|w| !w.is_error()), "{text}");
    for (n, i) in c.instances.iter().enumerate() {
        let dup = c.instances[..n]
            .iter()
            .any(|e| e.name == i.name || (e.interface == i.interface && e.vrid == i.vrid));
        assert!(!dup, "duplicate instance accepted:\n{text}");
        assert!(!i.interface.is_empty() && i.interface.len() <= 15, "{text}");
        assert!(i.vrid >= 1 && i.priority >= 1, "{text}");
        let cs = i.advert_interval.0;
        match i.version {
            Version::V2 => assert!(cs % 100 == 0 && (100..=25_500).contains(&cs), "{text}"),
            Version::V3 => assert!((1..=4095).contains(&cs) && i.auth_pass.is_none(), "{text}"),
        }
        let max = if i.is_ipv6() { 89 } else { 255 };
        assert!(i.vips.len() <= max, "{text}");
        // No VIPs only where keepalived runs without them: VRRPv2, not strict.
        assert!(
            !i.vips.is_empty() || (i.version == Version::V2 && !i.strict),
            "{text}"
        );
        assert_eq!(i.vips.len(), i.vip_options.len(), "{text}");
        assert!(
            !i.strict || (i.auth_pass.is_none() && !i.is_unicast()),
            "{text}"
        );
        assert!(i.priority != 255 || i.preempt, "{text}");
        // One family per instance, that of the first VIP; IPv6 is VRRPv3.
        let v6 = i.is_ipv6();
        let same = |a: &std::net::IpAddr| a.is_ipv6() == v6;
        assert!(i.unicast_peers.iter().all(same) && i.unicast_src.iter().all(same));
        let max = if v6 { 128 } else { 32 };
        assert!(i.vips.iter().all(|v| same(&v.addr) && v.prefix_len <= max));
        assert!(!v6 || i.version == Version::V3, "{text}");
    }
}

fn parse_both(text: &str) {
    for result in [kv::parse("t", text), keepalived::parse("t", text)] {
        match result {
            Ok(c) => check_config(text, &c),
            Err(e) => check_errors(text, &e),
        }
    }
    let _ = super::parse("t", text);
}

#[test]
fn seeds_parse_in_their_own_format() {
    for s in SEEDS {
        super::parse("t", s).unwrap_or_else(|e| panic!("{e:?}"));
    }
}

#[test]
fn mutated_configs_never_panic_and_what_parses_is_valid() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for _ in 0..1_500 {
        let seed = SEEDS[rng.below(SEEDS.len())];
        let text = mutate(&mut rng, seed);
        parse_both(&text);
        accepted += usize::from(super::parse("t", &text).is_ok());
    }
    // Some mutants (a changed comment, a swapped line) stay valid: the Ok path is tested.
    assert!(accepted > 50, "only {accepted} mutants parsed");
}

#[test]
fn arbitrary_text_never_panics_either_front_end() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let alphabet = b"{}\"#!\\= \t\r\n\n\n./:abcdefilnprstuv_0123456789";
    for _ in 0..1_500 {
        let len = rng.below(300);
        let mut text = String::with_capacity(len);
        while text.len() < len {
            if rng.below(8) == 0 {
                text.push_str(PIECES[rng.below(PIECES.len())]);
            } else {
                text.push(char::from(alphabet[rng.below(alphabet.len())]));
            }
        }
        parse_both(&text);
    }
}
