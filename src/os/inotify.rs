//! Watching `track_file`s with inotify, as keepalived does: the file's directory is
//! watched for a file written and closed, moved in, moved away or deleted, so a new value
//! is read when it is written and a file that goes counts as 0 — without polling. The
//! event bytes are read by a pure function, unit-tested without root.

use super::{cvt, cvt_size};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// What keepalived watches a track file's directory for.
const MASK: u32 = libc::IN_CLOSE_WRITE | libc::IN_DELETE | libc::IN_MOVED_FROM | libc::IN_MOVED_TO;
/// struct inotify_event: wd, mask, cookie, len, then the name.
const EVENT_LEN: usize = 16;

/// A file in a watched directory changed (`gone`: deleted or moved away).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEvent {
    pub wd: i32,
    pub name: String,
    pub gone: bool,
}

/// The events in one read. Malformed parts end the walk; they never panic.
pub fn events(buf: &[u8]) -> Vec<FileEvent> {
    let mut out = Vec::new();
    let mut off = 0;
    while let Some(h) = buf.get(off..off + EVENT_LEN) {
        let word = |i: usize| u32::from_ne_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let (wd, mask, len) = (word(0) as i32, word(4), word(12) as usize);
        let Some(name) = buf.get(off + EVENT_LEN..off + EVENT_LEN + len) else {
            break;
        };
        off += EVENT_LEN + len;
        // Directories, and the watch's own end (IN_IGNORED), are not track files.
        if mask & (libc::IN_ISDIR | libc::IN_IGNORED) != 0 || mask & MASK == 0 {
            continue;
        }
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        out.push(FileEvent {
            wd,
            name: String::from_utf8_lossy(&name[..end]).into_owned(),
            gone: mask & (libc::IN_DELETE | libc::IN_MOVED_FROM) != 0,
        });
    }
    out
}

pub struct Inotify {
    fd: OwnedFd,
}

impl Inotify {
    pub fn open() -> io::Result<Inotify> {
        // SAFETY: plain syscall; a non-negative return is a fresh descriptor we own.
        let fd = cvt(unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) })?;
        // SAFETY: fd was just returned by inotify_init1 and is owned by nobody else.
        Ok(Inotify {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Watch directory `dir`; the watch descriptor its events carry.
    pub fn watch(&self, dir: &str) -> io::Result<i32> {
        let c = CString::new(dir).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: c is a valid C string for the call.
        cvt(unsafe { libc::inotify_add_watch(self.fd.as_raw_fd(), c.as_ptr(), MASK) })
    }

    /// The events waiting now (none: an empty list).
    pub fn read(&self) -> io::Result<Vec<FileEvent>> {
        let mut buf = [0u8; 4096];
        // SAFETY: buf is valid for writes of its length.
        let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        match cvt_size(n) {
            Ok(n) => Ok(events(&buf[..n])),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

/// The first bytes of a track file, as keepalived reads them (127 at most); a file that
/// is missing or unreadable reads as nothing, which counts as 0.
pub fn read_head(path: &str) -> Vec<u8> {
    use std::io::Read;
    let mut buf = [0u8; 127];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut buf))
        .unwrap_or(0);
    buf[..n].to_vec()
}

/// Write `value` into a track file (`init_file`), as keepalived writes it: the number and
/// a newline, the file created if missing (mode 0644), never through a symbolic link.
pub fn write_value(path: &str, value: i64) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    writeln!(f, "{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(wd: i32, mask: u32, name: &str) -> Vec<u8> {
        let mut n = name.as_bytes().to_vec();
        n.resize(name.len().next_multiple_of(4) + 4, 0);
        let mut b = Vec::new();
        for w in [wd as u32, mask, 0, n.len() as u32] {
            b.extend_from_slice(&w.to_ne_bytes());
        }
        b.extend(n);
        b
    }

    #[test]
    fn written_moved_and_deleted_files_are_reported_directories_are_not() {
        let mut buf = event(1, libc::IN_CLOSE_WRITE, "prio");
        buf.extend(event(1, libc::IN_MOVED_TO, "prio"));
        buf.extend(event(2, libc::IN_DELETE, "other"));
        buf.extend(event(1, libc::IN_DELETE | libc::IN_ISDIR, "subdir"));
        buf.extend(event(1, libc::IN_IGNORED, ""));
        let got = events(&buf);
        let got: Vec<(i32, &str, bool)> = got
            .iter()
            .map(|e| (e.wd, e.name.as_str(), e.gone))
            .collect();
        assert_eq!(
            got,
            [(1, "prio", false), (1, "prio", false), (2, "other", true)]
        );
        for cut in 0..buf.len() {
            assert!(events(&buf[..cut]).len() <= 3);
        }
    }

    #[test]
    fn a_file_written_in_a_watched_directory_is_seen_without_polling() {
        let dir = std::env::temp_dir().join(format!("tinyvrrpd-inotify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ino = Inotify::open().unwrap();
        let wd = ino.watch(dir.to_str().unwrap()).unwrap();
        let file = dir.join("prio");
        write_value(file.to_str().unwrap(), 42).unwrap();
        let ev = ino.read().unwrap();
        assert!(
            ev.iter().any(|e| e.wd == wd && e.name == "prio" && !e.gone),
            "{ev:?}"
        );
        assert_eq!(read_head(file.to_str().unwrap()), b"42\n");
        std::fs::remove_file(&file).unwrap();
        assert!(ino.read().unwrap().iter().any(|e| e.gone));
        assert!(read_head(file.to_str().unwrap()).is_empty());
        std::fs::remove_dir(&dir).unwrap();
    }
}
