//! Health tracking, sans-IO: when a `vrrp_script` runs and what its results mean
//! (rise/fall), and how tracked scripts and interfaces turn into an instance's effective
//! priority or a fault — keepalived's semantics. The daemon runs the processes and reports
//! exits; every timing rule here is tested in virtual time.

use super::timers::Instant;
use core::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// No result yet: a weight-0 tracker holds its instances in Initialize until the
    /// first result, as keepalived does; weighted trackers adjust nothing yet.
    Pending,
    Good,
    Failed,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Pending => "pending",
            Health::Good => "good",
            Health::Failed => "failed",
        }
    }
}

/// What the caller must do for a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckAction {
    /// Start the script now.
    Start,
    /// The run exceeded its timeout: kill it (the exit then counts as a failure).
    Kill,
}

/// The timing of one `vrrp_script`: parameters in, actions out.
#[derive(Debug, Clone)]
pub struct Check {
    interval: Duration,
    timeout: Duration,
    rise: u32,
    fall: u32,
    health: Health,
    /// Consecutive results that disagree with `health`.
    streak: u32,
    next: Instant,
    /// Deadline of the run in progress.
    running: Option<Instant>,
    killed: bool,
}

impl Check {
    /// The first run is due at `now`.
    pub fn new(
        now: Instant,
        interval: Duration,
        timeout: Duration,
        rise: u32,
        fall: u32,
        init_fail: bool,
    ) -> Check {
        Check {
            interval,
            timeout,
            rise: rise.max(1),
            fall: fall.max(1),
            health: if init_fail {
                Health::Failed
            } else {
                Health::Pending
            },
            streak: 0,
            next: now,
            running: None,
            killed: false,
        }
    }

    pub fn health(&self) -> Health {
        self.health
    }

    /// When `handle_timeout` has work: the deadline of the run in progress, or the next run.
    pub fn poll_timeout(&self) -> Instant {
        match self.running {
            Some(deadline) if !self.killed => deadline,
            // Killed and not yet reaped: nothing to do until `finished`.
            Some(_) => Instant::from_micros(u64::MAX),
            None => self.next,
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Option<CheckAction> {
        match self.running {
            Some(deadline) if !self.killed && now >= deadline => {
                self.killed = true;
                Some(CheckAction::Kill)
            }
            Some(_) => None,
            None if now >= self.next => {
                self.running = Some(now + self.timeout);
                self.killed = false;
                // Runs never overlap: if one takes longer than the interval, the next
                // starts when it ends.
                self.next = now + self.interval;
                Some(CheckAction::Start)
            }
            None => None,
        }
    }

    /// The run ended (`ok`: exit status 0, never after a kill). Returns the new health
    /// when it changed.
    pub fn finished(&mut self, now: Instant, ok: bool) -> Option<Health> {
        self.running = None;
        let ok = ok && !self.killed;
        self.killed = false;
        if self.next < now {
            self.next = now;
        }
        let new = if ok { Health::Good } else { Health::Failed };
        if self.health == Health::Pending {
            // The first result decides at once, without rise/fall.
            self.health = new;
            self.streak = 0;
            return Some(new);
        }
        if new == self.health {
            self.streak = 0;
            return None;
        }
        self.streak += 1;
        let needed = if ok { self.rise } else { self.fall };
        if self.streak >= needed {
            self.health = new;
            self.streak = 0;
            Some(new)
        } else {
            None
        }
    }

    /// Whether the last run was killed at its timeout (for the log line).
    pub fn was_killed(&self) -> bool {
        self.killed
    }
}

/// One tracked object (script or interface) as it bears on one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracker {
    pub weight: i16,
    pub reverse: bool,
    pub health: Health,
}

/// What an instance's trackers amount to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A weight-0 tracker has no result yet: stay in Initialize.
    Pending,
    /// A weight-0 tracker failed (or, `reverse`, succeeded): FAULT.
    Fault,
    /// Run with this effective priority.
    Priority(u8),
}

/// A `track_file`'s number as keepalived reads it (strtoll with base 0): leading blanks,
/// a sign, `0x` hexadecimal or `0` octal, up to the first other character; no digits at
/// all is 0 (as a missing or empty file is). None: beyond keepalived's range
/// (−2³¹..=2³¹), which it ignores, keeping the last value.
pub fn file_value(bytes: &[u8]) -> Option<i64> {
    let mut s = bytes;
    while let [b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c, rest @ ..] = s {
        s = rest;
    }
    let negative = s.first() == Some(&b'-');
    if let [b'+' | b'-', rest @ ..] = s {
        s = rest;
    }
    let radix = match s {
        [b'0', b'x' | b'X', d, ..] if d.is_ascii_hexdigit() => {
            s = &s[2..];
            16
        }
        [b'0', ..] => 8,
        _ => 10,
    };
    let mut v: i64 = 0;
    for &b in s {
        let Some(d) = (b as char).to_digit(radix) else {
            break;
        };
        v = v.checked_mul(i64::from(radix))?.checked_add(i64::from(d))?;
        if v > 1 << 31 {
            return None;
        }
    }
    Some(if negative { -v } else { v })
}

/// What a tracked file's value does to an instance, as keepalived computes it: with
/// weight 0, a non-zero value is a failure (with `reverse`, zero is); otherwise value ×
/// weight (negated by `reverse`) is added to the priority, at most 253, and −254 or less
/// is a failure. None: FAULT.
pub fn file_effect(value: i64, weight: i16, reverse: bool) -> Option<i32> {
    if weight == 0 {
        return ((value != 0) == reverse).then_some(0);
    }
    let m = if reverse { -1 } else { 1 };
    let v = value.saturating_mul(i64::from(weight) * m);
    (v > -254).then(|| v.min(253) as i32)
}

/// keepalived's rules: weight 0 faults the instance when the tracker fails (succeeds,
/// with `reverse`); a positive weight is added while it succeeds, a negative one while it
/// fails (both negated by `reverse`). The result stays within 1..=254; an address owner
/// (255) is never adjusted (configuration refuses weights there).
pub fn verdict(base: u8, trackers: impl IntoIterator<Item = Tracker>) -> Verdict {
    verdict_with_files(base, trackers, [])
}

/// `verdict` with tracked files' effects (`file_effect`, None = FAULT) added.
pub fn verdict_with_files(
    base: u8,
    trackers: impl IntoIterator<Item = Tracker>,
    files: impl IntoIterator<Item = Option<i32>>,
) -> Verdict {
    let mut total = i32::from(base);
    for f in files {
        match f {
            Some(v) => total += v,
            None => return Verdict::Fault,
        }
    }
    let mut pending = false;
    for t in trackers {
        let m = if t.reverse { -1 } else { 1 };
        let w = i32::from(t.weight);
        match (t.weight, t.health) {
            (0, Health::Pending) => pending = true,
            (0, h) => {
                if (h == Health::Good) != t.reverse {
                    continue;
                }
                return Verdict::Fault;
            }
            (_, Health::Good) if w > 0 => total += w * m,
            (_, Health::Failed) if w < 0 => total += w * m,
            _ => {}
        }
    }
    if pending {
        Verdict::Pending
    } else if base == 255 {
        Verdict::Priority(255)
    } else {
        Verdict::Priority(total.clamp(1, 254) as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn at(ms: u64) -> Instant {
        Instant::from_micros(ms * 1000)
    }

    fn t(weight: i16, reverse: bool, health: Health) -> Tracker {
        Tracker {
            weight,
            reverse,
            health,
        }
    }

    #[test]
    fn runs_every_interval_and_never_overlaps() {
        let mut c = Check::new(at(0), S, S, 1, 1, false);
        assert_eq!(c.handle_timeout(at(0)), Some(CheckAction::Start));
        assert_eq!(c.poll_timeout(), at(1000)); // the timeout deadline
        assert_eq!(c.finished(at(20), true), Some(Health::Good));
        assert_eq!(c.poll_timeout(), at(1000)); // next run
        assert_eq!(c.handle_timeout(at(999)), None);
        assert_eq!(c.handle_timeout(at(1000)), Some(CheckAction::Start));
        // A slow run: the next one starts when it ends, not in parallel.
        assert_eq!(c.handle_timeout(at(1999)), None);
        assert_eq!(c.finished(at(1900), true), None);
        assert_eq!(c.handle_timeout(at(2000)), Some(CheckAction::Start));
    }

    #[test]
    fn a_run_over_its_timeout_is_killed_once_and_counts_as_a_failure() {
        let mut c = Check::new(at(0), 2 * S, S / 2, 1, 1, false);
        c.handle_timeout(at(0));
        c.finished(at(10), true);
        assert_eq!(c.handle_timeout(at(2000)), Some(CheckAction::Start));
        assert_eq!(c.poll_timeout(), at(2500));
        assert_eq!(c.handle_timeout(at(2500)), Some(CheckAction::Kill));
        assert!(c.was_killed());
        // Nothing more until the killed process is reaped.
        assert_eq!(c.handle_timeout(at(3000)), None);
        // Even a 0 exit status after a kill is a failure.
        assert_eq!(c.finished(at(2501), true), Some(Health::Failed));
        assert_eq!(c.poll_timeout(), at(4000));
    }

    #[test]
    fn first_result_decides_then_rise_and_fall_count_consecutive_results() {
        let mut c = Check::new(at(0), S, S, 2, 3, false);
        assert_eq!(c.health(), Health::Pending);
        let mut run = |ms: u64, ok: bool| {
            c.handle_timeout(at(ms));
            c.finished(at(ms + 1), ok)
        };
        assert_eq!(run(0, true), Some(Health::Good));
        assert_eq!(run(1000, false), None);
        assert_eq!(run(2000, false), None);
        assert_eq!(run(3000, true), None); // streak broken
        assert_eq!(run(4000, false), None);
        assert_eq!(run(5000, false), None);
        assert_eq!(run(6000, false), Some(Health::Failed)); // fall = 3
        assert_eq!(run(7000, true), None);
        assert_eq!(run(8000, true), Some(Health::Good)); // rise = 2
    }

    #[test]
    fn init_fail_starts_failed_and_needs_rise_successes() {
        let mut c = Check::new(at(0), S, S, 2, 1, true);
        assert_eq!(c.health(), Health::Failed);
        c.handle_timeout(at(0));
        assert_eq!(c.finished(at(1), true), None);
        c.handle_timeout(at(1000));
        assert_eq!(c.finished(at(1001), true), Some(Health::Good));
    }

    #[test]
    fn weights_follow_keepalived() {
        use Health::*;
        assert_eq!(verdict(150, []), Verdict::Priority(150));
        // The seed article: weight -60 applies while the check fails.
        assert_eq!(verdict(150, [t(-60, false, Good)]), Verdict::Priority(150));
        assert_eq!(verdict(150, [t(-60, false, Failed)]), Verdict::Priority(90));
        // A positive weight applies while the check succeeds.
        assert_eq!(verdict(100, [t(20, false, Good)]), Verdict::Priority(120));
        assert_eq!(verdict(100, [t(20, false, Failed)]), Verdict::Priority(100));
        // reverse negates the adjustment.
        assert_eq!(verdict(100, [t(-60, true, Failed)]), Verdict::Priority(160));
        assert_eq!(verdict(100, [t(20, true, Good)]), Verdict::Priority(80));
        // Clamped to 1..=254.
        assert_eq!(verdict(100, [t(-200, false, Failed)]), Verdict::Priority(1));
        assert_eq!(
            verdict(200, [t(100, false, Good), t(50, false, Good)]),
            Verdict::Priority(254)
        );
        // Pending weighted trackers adjust nothing.
        assert_eq!(
            verdict(100, [t(-60, false, Pending)]),
            Verdict::Priority(100)
        );
    }

    #[test]
    fn file_values_are_read_as_strtoll_reads_them() {
        assert_eq!(file_value(b"42\n"), Some(42));
        assert_eq!(file_value(b"  -7 trailing"), Some(-7));
        assert_eq!(file_value(b"+3"), Some(3));
        assert_eq!(file_value(b"0x1f"), Some(31));
        assert_eq!(file_value(b"010"), Some(8));
        assert_eq!(file_value(b"0x"), Some(0));
        assert_eq!(file_value(b""), Some(0));
        assert_eq!(file_value(b"abc"), Some(0));
        assert_eq!(file_value(b"2147483648"), Some(1 << 31));
        assert_eq!(file_value(b"-2147483648"), Some(-(1 << 31)));
        assert_eq!(file_value(b"2147483649"), None);
        assert_eq!(file_value(b"99999999999999999999999"), None);
    }

    #[test]
    fn a_file_s_value_times_its_weight_is_added_and_minus_254_is_fault() {
        // Weight 1 (keepalived's default): the number itself.
        assert_eq!(file_effect(-50, 1, false), Some(-50));
        assert_eq!(file_effect(10, 5, false), Some(50));
        assert_eq!(file_effect(10, 5, true), Some(-50));
        // At most +253; -254 and below is FAULT.
        assert_eq!(file_effect(1000, 1, false), Some(253));
        assert_eq!(file_effect(-253, 1, false), Some(-253));
        assert_eq!(file_effect(-254, 1, false), None);
        assert_eq!(file_effect(1, -254, false), None);
        assert_eq!(file_effect(i64::MAX, 254, false), Some(253));
        // Weight 0: non-zero fails; reversed, zero fails.
        assert_eq!(file_effect(0, 0, false), Some(0));
        assert_eq!(file_effect(3, 0, false), None);
        assert_eq!(file_effect(0, 0, true), None);
        assert_eq!(file_effect(3, 0, true), Some(0));
        // Into the verdict: added before the clamp to 1..=254.
        assert_eq!(
            verdict_with_files(100, [], [Some(-50), Some(20)]),
            Verdict::Priority(70)
        );
        assert_eq!(
            verdict_with_files(100, [], [Some(253)]),
            Verdict::Priority(254)
        );
        assert_eq!(verdict_with_files(100, [], [Some(5), None]), Verdict::Fault);
        assert_eq!(
            verdict_with_files(255, [], [Some(-50)]),
            Verdict::Priority(255)
        );
    }

    #[test]
    fn weight_zero_faults_and_pending_holds() {
        use Health::*;
        assert_eq!(verdict(100, [t(0, false, Failed)]), Verdict::Fault);
        assert_eq!(verdict(100, [t(0, false, Good)]), Verdict::Priority(100));
        assert_eq!(verdict(100, [t(0, true, Good)]), Verdict::Fault);
        assert_eq!(verdict(100, [t(0, false, Pending)]), Verdict::Pending);
        // A fault wins over pending and over weights.
        assert_eq!(
            verdict(
                100,
                [
                    t(0, false, Pending),
                    t(0, false, Failed),
                    t(50, false, Good)
                ]
            ),
            Verdict::Fault
        );
        assert_eq!(verdict(255, [t(0, false, Good)]), Verdict::Priority(255));
    }
}
