//! The only code that makes syscalls: sockets, netlink, interface queries, signals,
//! the clock and syslog. Thin wrappers; policy lives in `daemon` and the core.
pub mod arp;
pub mod clock;
pub mod conffiles;
pub mod control;
pub mod fifo;
pub mod iface;
pub mod inotify;
pub mod netlink;
#[cfg(all(target_arch = "arm", target_env = "musl"))]
mod nounwind;
pub mod pidfile;
pub mod process;
pub mod procwatch;
pub mod route;
pub mod sched;
pub mod signals;
pub mod socket;
pub mod sysctl;
pub mod syslog;

use std::io;

/// Turn a -1 return into the errno as `io::Error`.
pub(crate) fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

pub(crate) fn cvt_size(ret: libc::ssize_t) -> io::Result<usize> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as usize)
    }
}

/// setsockopt for plain-old-data option values.
pub(crate) fn setsockopt<T>(
    fd: libc::c_int,
    level: libc::c_int,
    name: libc::c_int,
    val: &T,
) -> io::Result<()> {
    // SAFETY: `val` points to a live T of the size we pass; the kernel copies it.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (val as *const T).cast(),
            core::mem::size_of::<T>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// A socket(2) wrapped in an OwnedFd, close-on-exec and non-blocking.
pub(crate) fn socket(
    domain: libc::c_int,
    ty: libc::c_int,
    proto: libc::c_int,
) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: plain syscall; a non-negative return is a fresh descriptor we now own.
    let fd =
        cvt(unsafe { libc::socket(domain, ty | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK, proto) })?;
    // SAFETY: fd was just returned by socket(2) and is owned by nobody else.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// ppoll(2) on a caller-kept array (no allocation per wake-up), with a microsecond
/// timeout (None = forever). EINTR counts as "nothing ready".
pub fn poll(pfds: &mut [libc::pollfd], timeout_us: Option<u64>) -> io::Result<()> {
    for p in pfds.iter_mut() {
        p.revents = 0;
    }
    let ts = timeout_us.map(|us| libc::timespec {
        tv_sec: (us / 1_000_000) as _,
        tv_nsec: ((us % 1_000_000) * 1000) as libc::c_long,
    });
    let tsp = ts
        .as_ref()
        .map_or(core::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: pfds is a valid array of its length; tsp is null or points to a live timespec.
    let r = unsafe {
        libc::ppoll(
            pfds.as_mut_ptr(),
            pfds.len() as libc::nfds_t,
            tsp,
            core::ptr::null(),
        )
    };
    match cvt(r) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
        Err(e) => Err(e),
    }
}

pub fn pollfd(fd: std::os::fd::RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

pub fn readable(p: &libc::pollfd) -> bool {
    p.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0
}

/// The host name (keepalived's default router_id).
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: buf is writable for its length; gethostname NUL-terminates within it.
    if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
