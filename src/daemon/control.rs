//! Where the status goes out: the status socket `tinyvrrpd status` asks (each answer
//! from a fresh snapshot), and the files SIGUSR1 and SIGUSR2 write.

use super::status::Snapshot;
use crate::os::control::ControlSocket;
use log::{error, info, warn};
use std::os::fd::RawFd;
use std::path::Path;

/// Most requests are a few bytes; anything longer is not ours.
const REQUEST_MAX: usize = 64;

/// The status socket beside the pid file; absent (with a warning) if it cannot be bound.
pub struct StatusSocket(Option<ControlSocket>);

impl StatusSocket {
    pub fn bind(path: &Path) -> StatusSocket {
        match ControlSocket::bind(path) {
            Ok(c) => StatusSocket(Some(c)),
            Err(e) => {
                warn!(
                    "cannot open the status socket {}: {e}; `tinyvrrpd status` will not answer",
                    path.display()
                );
                StatusSocket(None)
            }
        }
    }

    /// For the poll set: poll ignores a negative descriptor, so the slot stays even
    /// without a socket.
    pub fn raw_fd(&self) -> RawFd {
        self.0.as_ref().map_or(-1, ControlSocket::raw_fd)
    }

    /// Answer the requests waiting, each from a fresh snapshot. Returns whether more
    /// are waiting than one call answers.
    pub fn serve<'a>(&self, snapshot: impl Fn() -> Snapshot<'a>) -> bool {
        let Some(ctl) = &self.0 else {
            return false;
        };
        let mut buf = [0u8; REQUEST_MAX];
        // Bounded: a flood of requests cannot keep the loop from its timers.
        for _ in 0..16 {
            let (n, from) = match ctl.recv(&mut buf) {
                Ok(Some(x)) => x,
                Ok(None) => return false,
                Err(e) => {
                    warn!("status socket: {e}");
                    return false;
                }
            };
            let answer = match core::str::from_utf8(&buf[..n]).map(str::trim) {
                Ok("status") => snapshot().text(),
                Ok("status json") => snapshot().json(),
                _ => "error: unknown request (expected \"status\" or \"status json\")\n".into(),
            };
            if let Err(e) = ctl.reply(&from, answer.as_bytes()) {
                log::debug!("status reply: {e}");
            }
        }
        true
    }
}

/// SIGUSR1 (the text snapshot) and SIGUSR2 (the counters): `text` to `path`, replaced
/// in one rename. The temporary file is created anew, never opened through what is
/// there: the directory may be one others can write (keepalived's /tmp), where a planted
/// symlink would have root write through it. (The rename replaces a symlink at `path`
/// itself, not its target.)
pub fn dump(path: &Path, text: &str) {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    // A stale one, or a planted link: unlink never follows.
    let _ = std::fs::remove_file(&tmp);
    let res = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o644)
        .open(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .and_then(|_| std::fs::rename(&tmp, path));
    match res {
        Ok(()) => info!("state written to {}", path.display()),
        Err(e) => error!("cannot write state to {}: {e}", path.display()),
    }
}
