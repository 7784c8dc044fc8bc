//! The status socket: a unix datagram socket beside the pid file. A client sends one
//! request ("status" or "status json") from a bound address; the daemon answers with the
//! text in chunks, then an empty datagram. Datagrams need no connection state in the
//! poll loop, and a client that stops reading costs the daemon nothing (sends never block).

use std::io;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Below every kernel's default unix datagram size limit.
const CHUNK: usize = 32 * 1024;

pub struct ControlSocket {
    sock: UnixDatagram,
    path: PathBuf,
}

impl ControlSocket {
    /// Bind at `path`, replacing a stale socket file (or whatever is there: unlink never
    /// follows a symlink). Callers hold the pid file lock, so no other daemon uses this
    /// path.
    pub fn bind(path: &Path) -> io::Result<ControlSocket> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        // The state is not secret, but only root (the daemon's peers) may ask for it.
        // The mode comes with the socket file, not from a chmod of its path afterwards,
        // which a symlink swapped in between would redirect.
        // SAFETY: umask changes only this (single-threaded) process's creation mask,
        // restored right after.
        let old = unsafe { libc::umask(0o177) };
        let sock = UnixDatagram::bind(path);
        // SAFETY: as above.
        unsafe { libc::umask(old) };
        let sock = sock?;
        sock.set_nonblocking(true)?;
        Ok(ControlSocket {
            sock,
            path: path.to_path_buf(),
        })
    }

    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&self.sock)
    }

    /// The next request and who sent it (non-blocking).
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<Option<(usize, SocketAddr)>> {
        match self.sock.recv_from(buf) {
            Ok(x) => Ok(Some(x)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Send `text` to `to` in chunks and the empty end marker. A client that is gone or
    /// not reading just misses its answer.
    pub fn reply(&self, to: &SocketAddr, text: &[u8]) -> io::Result<()> {
        for chunk in text.chunks(CHUNK) {
            self.sock.send_to_addr(chunk, to)?;
        }
        self.sock.send_to_addr(&[], to).map(drop)
    }
}

impl Drop for ControlSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The client side: ask the daemon listening at `path` and collect its answer.
pub fn query(path: &Path, request: &str, timeout: Duration) -> io::Result<String> {
    // A filesystem address, not an abstract one: abstract names are per network
    // namespace, and the daemon may run in another (the socket file reaches it anyway).
    let me = std::env::temp_dir().join(format!("tinyvrrpd-status-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&me);
    let sock = UnixDatagram::bind(&me)?;
    let res = exchange(&sock, path, request, timeout);
    let _ = std::fs::remove_file(&me);
    res
}

fn exchange(
    sock: &UnixDatagram,
    path: &Path,
    request: &str,
    timeout: Duration,
) -> io::Result<String> {
    sock.set_read_timeout(Some(timeout))?;
    sock.send_to(request.as_bytes(), path)?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = sock.recv(&mut buf).map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                io::Error::new(io::ErrorKind::TimedOut, "no answer from the daemon")
            }
            _ => e,
        })?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}
