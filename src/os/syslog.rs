//! Syslog over /dev/log, written here rather than through syslog(3): the C library's
//! blocks the caller while the log daemon is stalled (a stalled syslogd would stall
//! adverts), and in a static musl build it pulls in printf, strftime and the time-zone
//! code (≈ 14 KB of the armv7 binary). Each line is one non-blocking datagram in the
//! form every Linux log daemon parses (`<PRI>TAG[PID]: MESSAGE`); the daemon adds the
//! timestamp, as rsyslog, journald and OpenWrt's logd do with a local line anyway.

use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// syslog(3)'s facility for system daemons.
const LOG_DAEMON: i32 = 3 << 3;

pub struct Syslog {
    sock: UnixDatagram,
    /// /dev/log; elsewhere only in tests.
    path: PathBuf,
    /// Lines the log daemon could not take (its buffer full, or it is not running),
    /// reported with the next line that gets through. (Pointer-sized: 32-bit MIPS has no
    /// 64-bit atomics.)
    dropped: AtomicUsize,
}

impl Syslog {
    pub fn open() -> io::Result<Syslog> {
        Syslog::open_at(Path::new("/dev/log"))
    }

    fn open_at(path: &Path) -> io::Result<Syslog> {
        let sock = UnixDatagram::unbound()?;
        sock.set_nonblocking(true)?;
        Ok(Syslog {
            sock,
            path: path.to_path_buf(),
            dropped: AtomicUsize::new(0),
        })
    }

    /// Send one line at `priority` (LOG_ERR...LOG_DEBUG). Never blocks: a line the log
    /// daemon cannot take now is counted and dropped. Unconnected sends find a log
    /// daemon that restarted (new socket at the same path) without reconnecting.
    pub fn send(&self, priority: i32, msg: &str) {
        let dropped = self.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            let note = format!("{dropped} log line(s) dropped: the log daemon was busy or absent");
            if self.send_line(libc::LOG_WARNING, &note).is_ok() {
                self.dropped.fetch_sub(dropped, Ordering::Relaxed);
            }
        }
        if self.send_line(priority, msg).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn send_line(&self, priority: i32, msg: &str) -> io::Result<()> {
        let line = format!(
            "<{}>tinyvrrpd[{}]: {msg}",
            LOG_DAEMON | priority,
            std::process::id()
        );
        self.sock.send_to(line.as_bytes(), &self.path).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recv(rx: &UnixDatagram) -> String {
        let mut buf = [0u8; 256];
        let n = rx.recv(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[test]
    fn lines_carry_priority_tag_and_pid_and_drops_are_reported_later() {
        let dir = std::env::temp_dir().join(format!("tv-syslog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log");
        let s = Syslog::open_at(&path).unwrap();
        let pid = std::process::id();
        // No log daemon yet: the line is dropped and counted, the call returns.
        s.send(libc::LOG_ERR, "lost");
        assert_eq!(s.dropped.load(Ordering::Relaxed), 1);
        let rx = UnixDatagram::bind(&path).unwrap();
        s.send(libc::LOG_INFO, "hello");
        assert_eq!(
            recv(&rx),
            format!(
                "<28>tinyvrrpd[{pid}]: 1 log line(s) dropped: the log daemon was busy or absent"
            )
        );
        assert_eq!(recv(&rx), format!("<30>tinyvrrpd[{pid}]: hello"));
        assert_eq!(s.dropped.load(Ordering::Relaxed), 0);
        drop(rx);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_log_daemon_that_stops_reading_never_blocks_the_sender() {
        let dir = std::env::temp_dir().join(format!("tv-syslog-full-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log");
        let _rx = UnixDatagram::bind(&path).unwrap();
        let s = Syslog::open_at(&path).unwrap();
        // Far more than a unix datagram queue holds (max_dgram_qlen is 512 by default).
        for _ in 0..5_000 {
            s.send(libc::LOG_INFO, "flood");
        }
        assert!(s.dropped.load(Ordering::Relaxed) > 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
