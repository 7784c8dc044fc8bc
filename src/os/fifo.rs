//! The notify FIFO (`notify_fifo`, `vrrp_notify_fifo`): created if missing, opened as
//! keepalived opens it — read-write and non-blocking, so neither an absent reader nor a
//! full pipe ever blocks the loop — and written through a backlog that keeps the order of
//! the lines: what the pipe does not take now is written first next time, and only when
//! the backlog itself is full are the oldest lines dropped (and counted).

use super::cvt;
use std::collections::VecDeque;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// A write to a pipe of at most this many bytes is atomic: a reader never sees half a
/// line, and a non-blocking write takes all of it or nothing.
const PIPE_BUF: usize = 4096;
/// What the backlog holds beyond the pipe's own buffer before the oldest lines go.
pub const BACKLOG_MAX: usize = 64 * 1024;

pub struct Fifo {
    fd: OwnedFd,
    path: String,
    /// We made it: it goes when we close it (keepalived's rule).
    created: bool,
}

impl Fifo {
    /// The FIFO at `path`, created (mode 0644, owned by `owner`) if missing. Something
    /// else at that path (a file, a symbolic link) is refused.
    pub fn open(path: &str, owner: Option<(u32, u32)>) -> io::Result<Fifo> {
        let c = CString::new(path).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: c is a valid C string for the call.
        let created = match cvt(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }) {
            Ok(_) => true,
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => false,
            Err(e) => return Err(e),
        };
        let flags = libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOFOLLOW;
        // SAFETY: c is a valid C string; a non-negative return is a descriptor we own.
        let fd = cvt(unsafe { libc::open(c.as_ptr(), flags) }).map(|fd| {
            // SAFETY: fd was just returned by open(2) and is owned by nobody else.
            unsafe { OwnedFd::from_raw_fd(fd) }
        });
        let fifo = fd.map(|fd| Fifo {
            fd,
            path: path.to_string(),
            created,
        });
        let fifo = match fifo {
            Ok(f) => f,
            Err(e) => {
                if created {
                    let _ = std::fs::remove_file(path);
                }
                return Err(e);
            }
        };
        // SAFETY: a zeroed stat is filled by fstat on a descriptor we own.
        let mut st: libc::stat = unsafe { core::mem::zeroed() };
        // SAFETY: st is valid for writes.
        cvt(unsafe { libc::fstat(fifo.fd.as_raw_fd(), &mut st) })?;
        if st.st_mode & libc::S_IFMT != libc::S_IFIFO {
            return Err(io::Error::other("it exists and is not a FIFO"));
        }
        if let (true, Some((uid, gid))) = (created, owner) {
            // SAFETY: the descriptor is ours; a failure leaves root as the owner.
            cvt(unsafe { libc::fchown(fifo.fd.as_raw_fd(), uid, gid) })?;
        }
        Ok(fifo)
    }

    /// Write what the pipe takes now of `bytes`; 0 when it is full.
    pub fn write(&self, bytes: &[u8]) -> io::Result<usize> {
        // SAFETY: bytes is valid for reads of its length.
        let n = unsafe { libc::write(self.fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
        match super::cvt_size(n) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
            Err(e) => Err(e),
        }
    }
}

impl Drop for Fifo {
    /// A FIFO we made goes first, so that a reader reopening it in a loop cannot find it
    /// again (keepalived's order); its readers then see the end of the stream.
    fn drop(&mut self) {
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Lines waiting for the pipe, oldest first.
#[derive(Debug, Default)]
pub struct Backlog {
    lines: VecDeque<String>,
    bytes: usize,
    /// Lines dropped since the last `take_dropped`.
    dropped: u32,
}

impl Backlog {
    pub fn push(&mut self, line: String) {
        self.bytes += line.len();
        self.lines.push_back(line);
        while self.bytes > BACKLOG_MAX {
            let Some(old) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= old.len();
            self.dropped += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Lines dropped since the last call (a reader too slow for too long).
    pub fn take_dropped(&mut self) -> u32 {
        core::mem::take(&mut self.dropped)
    }

    /// Write the waiting lines through `write`, oldest first, whole lines only, each
    /// write at most PIPE_BUF (atomic); stops where the pipe is full (a 0 return). An
    /// error leaves the lines for the next time.
    pub fn flush(&mut self, write: &mut dyn FnMut(&[u8]) -> io::Result<usize>) -> io::Result<()> {
        let mut chunk = Vec::with_capacity(PIPE_BUF);
        while !self.lines.is_empty() {
            chunk.clear();
            let mut n = 0;
            for l in &self.lines {
                if !chunk.is_empty() && chunk.len() + l.len() > PIPE_BUF {
                    break;
                }
                chunk.extend_from_slice(l.as_bytes());
                n += 1;
            }
            let written = write(&chunk)?;
            if written == 0 {
                return Ok(());
            }
            // A pipe takes a write of at most PIPE_BUF whole; a longer line (beyond any
            // real line) may be taken in part: the rest stays first in line.
            let mut left = written;
            for _ in 0..n {
                let Some(l) = self.lines.front_mut() else {
                    break;
                };
                if left >= l.len() {
                    left -= l.len();
                    self.bytes -= l.len();
                    self.lines.pop_front();
                } else {
                    l.drain(..left);
                    self.bytes -= left;
                    break;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_pipe_keeps_the_lines_in_order_for_later() {
        let mut b = Backlog::default();
        for i in 0..5 {
            b.push(format!("INSTANCE \"VI_{i}\" MASTER 150\n"));
        }
        // The pipe takes two lines' worth, then is full.
        let mut pipe = Vec::new();
        let mut room = 2 * "INSTANCE \"VI_0\" MASTER 150\n".len();
        let mut write = |c: &[u8]| {
            let n = if c.len() <= room { c.len() } else { 0 };
            room -= n;
            pipe.extend_from_slice(&c[..n]);
            Ok(n)
        };
        b.flush(&mut write).unwrap();
        assert!(pipe.is_empty(), "an atomic write of all five does not fit");
        // One line at a time fits: shown by a pipe that takes anything.
        let mut all = Vec::new();
        let mut take = |c: &[u8]| {
            all.extend_from_slice(c);
            Ok(c.len())
        };
        b.push("INSTANCE \"VI_5\" BACKUP 100\n".into());
        b.flush(&mut take).unwrap();
        assert!(b.is_empty());
        let text = String::from_utf8(all).unwrap();
        let names: Vec<&str> = text.lines().map(|l| l.split('"').nth(1).unwrap()).collect();
        assert_eq!(names, ["VI_0", "VI_1", "VI_2", "VI_3", "VI_4", "VI_5"]);
    }

    #[test]
    fn a_stalled_reader_costs_the_oldest_lines_never_the_order() {
        let mut b = Backlog::default();
        let line = "INSTANCE \"VI_1\" MASTER 150\n";
        let n = BACKLOG_MAX / line.len() + 10;
        for i in 0..n {
            b.push(format!("INSTANCE \"VI_1\" MASTER {:03}\n", i % 1000));
        }
        assert_eq!(b.take_dropped(), 10);
        assert_eq!(b.take_dropped(), 0);
        let mut all = Vec::new();
        b.flush(&mut |c: &[u8]| {
            assert!(c.len() <= PIPE_BUF && c.ends_with(b"\n"));
            all.extend_from_slice(c);
            Ok(c.len())
        })
        .unwrap();
        let text = String::from_utf8(all).unwrap();
        assert!(text.starts_with("INSTANCE \"VI_1\" MASTER 010\n"));
        assert_eq!(text.lines().count(), n - 10);
    }

    #[test]
    fn a_write_error_keeps_everything() {
        let mut b = Backlog::default();
        b.push("x\n".into());
        assert!(b.flush(&mut |_| Err(io::Error::other("EIO"))).is_err());
        assert!(!b.is_empty());
    }

    #[test]
    fn a_fifo_is_created_written_without_a_reader_and_removed() {
        let path = std::env::temp_dir().join(format!("tinyvrrpd-fifo-{}", std::process::id()));
        let path = path.to_str().unwrap().to_string();
        let f = Fifo::open(&path, None).unwrap();
        // No reader: the pipe buffer takes it, nothing blocks.
        assert_eq!(f.write(b"INSTANCE \"VI_1\" MASTER 150\n").unwrap(), 27);
        // Fill it: a full pipe answers 0, never blocks.
        let big = [b'x'; PIPE_BUF];
        let mut full = false;
        for _ in 0..1024 {
            if f.write(&big).unwrap() == 0 {
                full = true;
                break;
            }
        }
        assert!(full);
        drop(f);
        assert!(!std::path::Path::new(&path).exists());
        // Something else at the path is refused, and left alone.
        std::fs::write(&path, "").unwrap();
        assert!(Fifo::open(&path, None).is_err());
        assert!(std::path::Path::new(&path).exists());
        std::fs::remove_file(&path).unwrap();
    }
}
