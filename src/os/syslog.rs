//! syslog without syslog(3): one datagram per line to /dev/log on a non-blocking socket.
//! A stalled log daemon can never stall the loop — when its socket is full the line is
//! dropped and counted, and the next line that gets through says how many were lost —
//! and musl's syslog(3) timestamp code (strftime, time zones: ≈ 11 KB on armv7) is not
//! linked. The line carries no timestamp: rsyslog, journald, busybox syslogd and
//! OpenWrt's logd all stamp a local message that has none with its arrival time.
use std::io::ErrorKind;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

const DEV_LOG: &str = "/dev/log";

static SOCKET: OnceLock<UnixDatagram> = OnceLock::new();
/// 32 bits: MIPS32 has no 64-bit atomics, and the count only says how many.
static DROPPED: AtomicU32 = AtomicU32::new(0);

pub fn open() {
    if let Ok(s) = UnixDatagram::unbound() {
        let _ = s.set_nonblocking(true);
        let _ = s.connect(DEV_LOG);
        let _ = SOCKET.set(s);
    }
}

/// `<PRI>tinyvrrpd[PID]: MSG`, daemon facility (RFC 3164 without its optional timestamp).
fn line(priority: libc::c_int, msg: &str) -> String {
    format!(
        "<{}>tinyvrrpd[{}]: {msg}",
        libc::LOG_DAEMON | priority,
        std::process::id()
    )
}

pub fn send(priority: libc::c_int, msg: &str) {
    let Some(s) = SOCKET.get() else { return };
    send_on(s, Path::new(DEV_LOG), priority, msg);
}

fn send_on(s: &UnixDatagram, path: &Path, priority: libc::c_int, msg: &str) {
    let lost = DROPPED.swap(0, Ordering::Relaxed);
    if lost > 0 {
        let note = format!("{lost} log line(s) dropped: the log socket was full");
        if !deliver(s, path, &line(libc::LOG_WARNING, &note)) {
            DROPPED.fetch_add(lost + 1, Ordering::Relaxed);
            return;
        }
    }
    if !deliver(s, path, &line(priority, msg)) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// One datagram, never waiting. A log daemon restarted since (connection refused, or
/// never there at start) gets one reconnection attempt per line.
fn deliver(s: &UnixDatagram, path: &Path, datagram: &str) -> bool {
    match s.send(datagram.as_bytes()) {
        Ok(_) => true,
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        Err(_) => s.connect(path).is_ok() && s.send(datagram.as_bytes()).is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_rfc3164_without_a_timestamp() {
        let l = line(libc::LOG_WARNING, "(VI_1) Entering MASTER STATE");
        let pid = std::process::id();
        assert_eq!(
            l,
            format!("<28>tinyvrrpd[{pid}]: (VI_1) Entering MASTER STATE")
        );
    }

    #[test]
    fn a_full_socket_drops_and_counts_and_a_gone_daemon_is_reconnected() {
        let dir = std::env::temp_dir().join(format!("tinyvrrpd-syslog-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log");
        let daemon = UnixDatagram::bind(&path).unwrap();
        let s = UnixDatagram::unbound().unwrap();
        s.set_nonblocking(true).unwrap();
        s.connect(&path).unwrap();
        // Nobody reads: sends fail with WouldBlock at once, never wait.
        let mut n = 0;
        while deliver(&s, &path, "x") {
            n += 1;
            assert!(n < 100_000, "the socket never filled");
        }
        DROPPED.store(0, Ordering::Relaxed);
        send_on(&s, &path, libc::LOG_INFO, "lost");
        send_on(&s, &path, libc::LOG_INFO, "lost too");
        assert_eq!(DROPPED.load(Ordering::Relaxed), 2);
        // Drain: the next line says what was lost, then goes through.
        daemon.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 256];
        while daemon.recv(&mut buf).is_ok() {}
        send_on(&s, &path, libc::LOG_INFO, "back");
        let got = |buf: &mut [u8]| {
            let n = daemon.recv(buf).unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        };
        assert!(got(&mut buf).ends_with(": 2 log line(s) dropped: the log socket was full"));
        assert!(got(&mut buf).ends_with("]: back"));
        // The log daemon restarts: a new socket at the same path.
        drop(daemon);
        std::fs::remove_file(&path).unwrap();
        let daemon = UnixDatagram::bind(&path).unwrap();
        send_on(&s, &path, libc::LOG_ERR, "after restart");
        let mut buf = [0u8; 256];
        let n = daemon.recv(&mut buf).unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("<27>tinyvrrpd["));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
