//! Watching processes for `vrrp_track_process`: the kernel's process events connector
//! (NETLINK_CONNECTOR, PROC_EVENT_FORK/EXEC/COMM/EXIT), as keepalived uses it, and reading
//! one process's name and command line from /proc — for the scan at start, for the
//! processes an event names, and as the fallback where the connector is unavailable (a
//! kernel without CONFIG_PROC_EVENTS; any network namespace but the first, where the
//! kernel refuses the subscription). The event bytes are read by a pure function,
//! unit-tested without root.

use super::cvt_size;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

const NLMSG_HDRLEN: usize = 16;
const NLMSG_DONE: u16 = 3;
/// struct cn_msg: id (idx, val), seq, ack, len, flags.
const CN_MSG_LEN: usize = 20;
const CN_IDX_PROC: u32 = 1;
const CN_VAL_PROC: u32 = 1;
const PROC_CN_MCAST_LISTEN: u32 = 1;
// struct proc_event: what, cpu, timestamp_ns, then the event's data.
const EVENT_DATA: usize = NLMSG_HDRLEN + CN_MSG_LEN + 16;
const PROC_EVENT_NONE: u32 = 0;
const PROC_EVENT_FORK: u32 = 0x1;
const PROC_EVENT_EXEC: u32 = 0x2;
const PROC_EVENT_COMM: u32 = 0x200;
const PROC_EVENT_EXIT: u32 = 0x8000_0000;

/// What happened to a process (threads are left out, as keepalived leaves them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcEvent {
    /// The subscription is confirmed.
    Listening,
    /// A new process (`child`) forked from `parent`.
    Fork {
        parent: u32,
        child: u32,
    },
    /// A process ran a new program, or changed its name: it may match now, or no more.
    Changed(u32),
    Exit(u32),
}

fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(o..o + 4)?.try_into().ok()?))
}

/// The event in one datagram of the connector (the kernel sends one per datagram).
pub fn event(buf: &[u8]) -> Option<ProcEvent> {
    let idx = u32_at(buf, NLMSG_HDRLEN)?;
    let val = u32_at(buf, NLMSG_HDRLEN + 4)?;
    if idx != CN_IDX_PROC || val != CN_VAL_PROC {
        return None;
    }
    let what = u32_at(buf, NLMSG_HDRLEN + CN_MSG_LEN)?;
    let d = |i: usize| u32_at(buf, EVENT_DATA + 4 * i);
    // Each event names a thread (pid) and its process (tgid); equal for the process.
    match what {
        PROC_EVENT_NONE => Some(ProcEvent::Listening),
        PROC_EVENT_FORK => {
            let (parent, child, child_tgid) = (d(1)?, d(2)?, d(3)?);
            (child == child_tgid).then_some(ProcEvent::Fork { parent, child })
        }
        PROC_EVENT_EXEC | PROC_EVENT_COMM => {
            let (pid, tgid) = (d(0)?, d(1)?);
            (pid == tgid).then_some(ProcEvent::Changed(pid))
        }
        PROC_EVENT_EXIT => {
            let (pid, tgid) = (d(0)?, d(1)?);
            (pid == tgid).then_some(ProcEvent::Exit(pid))
        }
        _ => None,
    }
}

/// The subscription to the kernel's process events.
pub struct ProcEvents {
    fd: OwnedFd,
}

impl ProcEvents {
    /// Subscribe. Fails where the connector is unavailable: EPROTONOSUPPORT (no
    /// CONFIG_PROC_EVENTS), ECONNREFUSED (a network namespace other than the first).
    pub fn open() -> io::Result<ProcEvents> {
        let fd = super::netlink::subscribed(libc::NETLINK_CONNECTOR, CN_IDX_PROC)?;
        const LEN: usize = NLMSG_HDRLEN + CN_MSG_LEN + 4;
        let mut msg = [0u8; LEN];
        msg[0..4].copy_from_slice(&(LEN as u32).to_ne_bytes());
        msg[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
        msg[16..20].copy_from_slice(&CN_IDX_PROC.to_ne_bytes());
        msg[20..24].copy_from_slice(&CN_VAL_PROC.to_ne_bytes());
        msg[32..34].copy_from_slice(&4u16.to_ne_bytes());
        msg[36..40].copy_from_slice(&PROC_CN_MCAST_LISTEN.to_ne_bytes());
        // SAFETY: msg is valid for its length.
        cvt_size(unsafe { libc::send(fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) })?;
        Ok(ProcEvents { fd })
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// The next event; Ok(None) when none is waiting, or the datagram was no event for
    /// us (the loop reads on). ENOBUFS means events were lost: the caller scans again.
    pub fn read(&self) -> io::Result<Option<Option<ProcEvent>>> {
        let mut buf = [0u8; 256];
        // SAFETY: a zeroed sockaddr_nl receives the sender.
        let mut from: libc::sockaddr_nl = unsafe { core::mem::zeroed() };
        let mut len = core::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
        // SAFETY: buf and from are valid for writes of their lengths.
        let n = unsafe {
            libc::recvfrom(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                0,
                (&mut from as *mut libc::sockaddr_nl).cast(),
                &mut len,
            )
        };
        match cvt_size(n) {
            // Only the kernel speaks for the connector.
            Ok(n) if from.nl_pid == 0 => Ok(Some(event(&buf[..n]))),
            Ok(_) => Ok(Some(None)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A process's name (/proc/PID/comm, 15 bytes at most) and, if asked for, the start of
/// its command line (NUL-separated words). None: it is gone, or a zombie.
pub fn read_process(pid: u32, cmdline: bool) -> Option<(Vec<u8>, Vec<u8>)> {
    use std::io::Read;
    let mut stat = [0u8; 512];
    let n = std::fs::File::open(format!("/proc/{pid}/stat"))
        .and_then(|mut f| f.read(&mut stat))
        .ok()?;
    let stat = &stat[..n];
    // "PID (COMM) S ...": the name may hold ')' and blanks, the last ')' ends it.
    let open = stat.iter().position(|&b| b == b'(')?;
    let close = stat.iter().rposition(|&b| b == b')')?;
    if close < open || stat.get(close + 2) == Some(&b'Z') {
        return None;
    }
    let comm = stat[open + 1..close].to_vec();
    let mut line = Vec::new();
    if cmdline {
        let mut f = std::fs::File::open(format!("/proc/{pid}/cmdline")).ok()?;
        line.resize(1024, 0);
        let n = f.read(&mut line).ok()?;
        line.truncate(n);
    }
    Some((comm, line))
}

/// The processes in /proc, a bounded number at a time: a scan never holds the loop for
/// long however many processes run.
pub struct Scan(std::fs::ReadDir);

impl Scan {
    pub fn start() -> io::Result<Scan> {
        std::fs::read_dir("/proc").map(Scan)
    }

    /// Up to `max` more process IDs; fewer at the end of the scan.
    pub fn next_pids(&mut self, max: usize) -> Vec<u32> {
        let names = self.0.by_ref().filter_map(|e| e.ok());
        names
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .take(max)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connector datagram carrying `what` with data words `d`.
    fn datagram(what: u32, d: &[u32]) -> Vec<u8> {
        let mut b = vec![0u8; EVENT_DATA];
        b[16..20].copy_from_slice(&CN_IDX_PROC.to_ne_bytes());
        b[20..24].copy_from_slice(&CN_VAL_PROC.to_ne_bytes());
        b[36..40].copy_from_slice(&what.to_ne_bytes());
        for w in d {
            b.extend_from_slice(&w.to_ne_bytes());
        }
        b
    }

    #[test]
    fn process_events_are_read_and_threads_left_out() {
        assert_eq!(event(&datagram(0, &[])), Some(ProcEvent::Listening));
        // fork: parent pid, parent tgid, child pid, child tgid.
        assert_eq!(
            event(&datagram(1, &[10, 10, 11, 11])),
            Some(ProcEvent::Fork {
                parent: 10,
                child: 11
            })
        );
        assert_eq!(event(&datagram(1, &[10, 10, 12, 11])), None, "a thread");
        assert_eq!(event(&datagram(2, &[11, 11])), Some(ProcEvent::Changed(11)));
        assert_eq!(
            event(&datagram(0x200, &[11, 11])),
            Some(ProcEvent::Changed(11))
        );
        assert_eq!(
            event(&datagram(0x8000_0000, &[11, 11, 0, 17])),
            Some(ProcEvent::Exit(11))
        );
        assert_eq!(
            event(&datagram(0x8000_0000, &[12, 11, 0, 17])),
            None,
            "a thread"
        );
        let mut other = datagram(1, &[10, 10, 11, 11]);
        other[16] = 2; // another connector
        assert_eq!(event(&other), None);
        let full = datagram(1, &[10, 10, 11, 11]);
        for n in 0..full.len() {
            assert_eq!(event(&full[..n]), None, "prefix {n}");
        }
    }

    /// Where the connector exists (the first network namespace, as root), a child's fork
    /// and exit arrive; elsewhere opening it fails as the daemon expects it to.
    #[test]
    fn the_connector_reports_a_child_s_fork_and_exit_or_refuses_cleanly() {
        let ev = match ProcEvents::open() {
            Ok(ev) => ev,
            Err(e) => {
                let expected = [libc::ECONNREFUSED, libc::EPROTONOSUPPORT, libc::EPERM];
                assert!(expected.contains(&e.raw_os_error().unwrap_or(0)), "{e}");
                return;
            }
        };
        let child = std::process::Command::new("/bin/true").spawn().unwrap();
        let pid = child.id();
        let mut child = child;
        child.wait().unwrap();
        let (mut forked, mut exited) = (false, false);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !(forked && exited) && std::time::Instant::now() < deadline {
            match ev.read().unwrap() {
                Some(Some(ProcEvent::Fork { child, .. })) if child == pid => forked = true,
                Some(Some(ProcEvent::Exit(p))) if p == pid => exited = true,
                Some(_) => {}
                None => std::thread::sleep(std::time::Duration::from_millis(5)),
            }
        }
        assert!(forked && exited, "fork {forked}, exit {exited}");
    }

    #[test]
    fn this_process_is_found_in_proc_by_name_and_command_line() {
        let me = std::process::id();
        let (comm, line) = read_process(me, true).expect("we run");
        assert!(!comm.is_empty() && comm.len() <= 15);
        assert!(line.starts_with(std::env::args().next().unwrap().as_bytes()));
        let mut scan = Scan::start().unwrap();
        let mut all = Vec::new();
        loop {
            let batch = scan.next_pids(16);
            assert!(batch.len() <= 16);
            if batch.is_empty() {
                break;
            }
            all.extend(batch);
        }
        assert!(all.contains(&me));
        assert_eq!(read_process(u32::MAX, false), None);
    }
}
