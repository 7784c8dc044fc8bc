use super::*;
use std::cell::{Cell, RefCell};
use std::ffi::CString;

thread_local! {
    /// What the fake syscalls did: ("spawn", command) or ("kill", pid as text).
    static LOG: RefCell<Vec<(&'static str, String)>> = const { RefCell::new(Vec::new()) };
    /// The last pid handed out: 101, 102, ... in spawn order.
    static PID: Cell<i32> = const { Cell::new(100) };
}

fn fake_spawn(cmd: &Prepared, _: &[(&str, &str)]) -> io::Result<i32> {
    let name = cmd.text.clone();
    if name == "missing" {
        return Err(io::Error::from(io::ErrorKind::NotFound));
    }
    LOG.with(|l| l.borrow_mut().push(("spawn", name)));
    Ok(PID.with(|p| {
        p.set(p.get() + 1);
        p.get()
    }))
}

fn fake_kill(pid: i32) {
    LOG.with(|l| l.borrow_mut().push(("kill", pid.to_string())));
}

fn log() -> Vec<(&'static str, String)> {
    LOG.with(|l| l.borrow_mut().drain(..).collect())
}

fn children() -> Children {
    log();
    PID.with(|p| p.set(100));
    Children::with_ops(Ops {
        spawn: fake_spawn,
        kill: fake_kill,
    })
}

fn job(name: &str) -> Job {
    Job {
        cmd: Prepared {
            text: name.into(),
            prog: CString::new(name).unwrap(),
            argv: vec![],
            cred: None,
        },
        env: vec![],
    }
}

fn ms(n: u64) -> Instant {
    Instant::from_micros(n * 1000)
}

fn spawned(log: &[(&str, String)]) -> Vec<String> {
    log.iter()
        .filter(|e| e.0 == "spawn")
        .map(|e| e.1.clone())
        .collect()
}

const NO_REPORT: Report = |_, _, _| {};
const OK: Exit = Exit::Code(0);

#[test]
fn a_queue_runs_its_commands_one_at_a_time_in_order() {
    let mut c = children();
    let q = c.queue("VI_1", Duration::from_secs(30), NO_REPORT);
    c.push(q, job("master"), ms(0));
    c.push(q, job("backup"), ms(1));
    assert_eq!(spawned(&log()), ["master"]);
    assert!(!c.queues_idle());
    assert_eq!(c.ended(101, OK, ms(5)), None);
    assert_eq!(spawned(&log()), ["backup"]);
    c.ended(102, Exit::Code(1), ms(6));
    assert!(c.queues_idle());
    assert_eq!(c.next_deadline(), None);
}

#[test]
fn queues_of_different_owners_run_side_by_side() {
    let mut c = children();
    let a = c.queue("VI_1", Duration::from_secs(30), NO_REPORT);
    let b = c.queue("VI_2", Duration::from_secs(10), NO_REPORT);
    c.push(a, job("a1"), ms(0));
    c.push(b, job("b1"), ms(0));
    assert_eq!(spawned(&log()), ["a1", "b1"]);
    assert_eq!(c.next_deadline(), Some(ms(10_000)));
}

#[test]
fn a_command_over_its_time_is_killed_once_and_the_next_starts_when_it_is_reaped() {
    let mut c = children();
    let q = c.queue("VI_1", Duration::from_secs(30), NO_REPORT);
    c.push(q, job("hangs"), ms(0));
    c.push(q, job("next"), ms(0));
    log();
    c.expire(ms(29_999));
    assert!(log().is_empty());
    c.expire(ms(30_000));
    assert_eq!(log(), [("kill", "101".to_string())]);
    // Killed: no deadline left, nothing more to kill until it is reaped.
    assert_eq!(c.next_deadline(), None);
    c.expire(ms(40_000));
    assert!(log().is_empty());
    c.ended(101, Exit::Signal(9), ms(30_001));
    assert_eq!(spawned(&log()), ["next"]);
    assert_eq!(c.next_deadline(), Some(ms(60_001)));
}

#[test]
fn a_command_that_cannot_start_is_skipped() {
    let mut c = children();
    let q = c.queue("VI_1", Duration::from_secs(30), NO_REPORT);
    c.push(q, job("missing"), ms(0));
    c.push(q, job("present"), ms(0));
    assert_eq!(spawned(&log()), ["present"]);
}

#[test]
fn a_retired_queue_finishes_its_commands_then_goes() {
    let mut c = children();
    let q = c.queue("VI_2", Duration::from_secs(10), NO_REPORT);
    c.push(q, job("nft remove"), ms(0));
    c.push(q, job("notify_stop"), ms(0));
    c.retire(q);
    assert!(!c.queues_idle());
    c.ended(101, OK, ms(1));
    assert_eq!(spawned(&log()), ["nft remove", "notify_stop"]);
    c.ended(102, OK, ms(2));
    assert!(c.queues.is_empty());
    // An idle queue retires at once.
    let idle = c.queue("VI_3", Duration::from_secs(10), NO_REPORT);
    c.retire(idle);
    assert!(c.queues.is_empty());
}

#[test]
fn checks_are_owned_by_id_and_a_cancelled_one_is_nobodys() {
    let mut c = children();
    let (a, b) = (CheckId(1), CheckId(2));
    c.spawn(a, &job("chk_a").cmd).unwrap();
    c.spawn(b, &job("chk_b").cmd).unwrap();
    c.kill(a);
    c.cancel(b);
    assert_eq!(
        log()[2..],
        [("kill", "101".to_string()), ("kill", "102".to_string())]
    );
    assert_eq!(c.ended(101, Exit::Signal(9), ms(1)), Some(a));
    assert_eq!(c.ended(102, Exit::Signal(9), ms(1)), None);
    assert_eq!(c.ended(999, OK, ms(1)), None);
    // A check has no deadline here: its timeout is its own schedule's.
    assert_eq!(c.next_deadline(), None);
}

#[test]
fn abandoning_starts_everything_queued_at_once() {
    let mut c = children();
    let a = c.queue("VI_1", Duration::from_secs(30), NO_REPORT);
    let b = c.queue("VI_2", Duration::from_secs(30), NO_REPORT);
    for n in ["a1", "a2", "a3"] {
        c.push(a, job(n), ms(0));
    }
    c.push(b, job("b1"), ms(0));
    c.push(b, job("b2"), ms(0));
    log();
    c.abandon(a);
    assert_eq!(spawned(&log()), ["a2", "a3"]);
    c.abandon_all();
    assert_eq!(spawned(&log()), ["b2"]);
    assert!(c.queues_idle() && c.table.is_empty());
}

#[test]
fn a_failed_command_is_reported_unless_its_queue_is_retired() {
    thread_local!(static REPORTS: RefCell<Vec<(String, i32)>> = const { RefCell::new(Vec::new()) });
    let report: Report = |who, pid, _| REPORTS.with(|r| r.borrow_mut().push((who.into(), pid)));
    let mut c = children();
    let q = c.queue("VI_1", Duration::from_secs(30), report);
    c.push(q, job("fails"), ms(0));
    c.push(q, job("fails too"), ms(0));
    c.ended(101, Exit::Code(1), ms(1));
    c.retire(q);
    c.ended(102, Exit::Code(1), ms(2));
    assert_eq!(REPORTS.with(|r| r.take()), [("VI_1".to_string(), 101)]);
}

#[test]
fn a_command_pushed_with_its_own_time_is_killed_then_and_a_dropped_queue_kills_what_runs() {
    let mut c = children();
    let q = c.queue("startup", Duration::from_secs(10), NO_REPORT);
    c.push_within(
        q,
        job("startup_script"),
        Some(Duration::from_secs(2)),
        ms(0),
    );
    c.push(q, job("hotplug"), ms(0));
    assert!(!c.is_idle(q));
    assert_eq!(c.next_deadline(), Some(ms(2_000)));
    c.expire(ms(2_000));
    assert_eq!(log()[1], ("kill", "101".to_string()));
    c.ended(101, Exit::Signal(9), ms(2_010));
    // The next one has the queue's time.
    assert_eq!(spawned(&log()), ["hotplug"]);
    assert_eq!(c.next_deadline(), Some(ms(12_010)));
    c.drop_queue(q);
    assert_eq!(log(), [("kill", "102".to_string())]);
    assert!(c.is_idle(q) && c.queues.is_empty() && c.table.is_empty());
    // Its end is nobody's.
    assert_eq!(c.ended(102, Exit::Signal(9), ms(2_020)), None);
}
