//! Signals arrive as readable data on a signalfd, so the poll loop handles them like any
//! other input: no handler runs at an odd moment, nothing is lost between polls.
use super::{cvt, cvt_size};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Terminate,
    Reload,
    Dump,
    /// A script ended: reap it.
    Child,
    /// SIGXCPU: the real-time loop used its soft RLIMIT_RTTIME (`os::sched`).
    CpuLimit,
}

const HANDLED: [libc::c_int; 6] = [
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGUSR1,
    libc::SIGCHLD,
    libc::SIGXCPU,
];

pub struct Signals {
    fd: OwnedFd,
}

fn handled_set() -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset initialise and fill the set we own.
    unsafe {
        let mut set: libc::sigset_t = core::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in HANDLED {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

impl Signals {
    /// Block the handled signals and open a signalfd for them. Call after daemonizing.
    pub fn open() -> io::Result<Signals> {
        let set = handled_set();
        // SAFETY: set is initialised; the old mask is not needed.
        cvt(unsafe { libc::sigprocmask(libc::SIG_BLOCK, &set, core::ptr::null_mut()) })?;
        // SAFETY: set is initialised; a non-negative return is a new fd we own.
        let fd = cvt(unsafe { libc::signalfd(-1, &set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK) })?;
        // SAFETY: fd is fresh from signalfd(2).
        Ok(Signals {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Next pending signal, None when none is queued.
    pub fn read(&self) -> io::Result<Option<Signal>> {
        loop {
            // SAFETY: signalfd_siginfo is plain old data.
            let mut info: libc::signalfd_siginfo = unsafe { core::mem::zeroed() };
            let size = core::mem::size_of::<libc::signalfd_siginfo>();
            // SAFETY: info is valid for writes of `size` bytes.
            let n = unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    (&mut info as *mut libc::signalfd_siginfo).cast(),
                    size,
                )
            };
            match cvt_size(n) {
                Ok(n) if n == size => {
                    return Ok(Some(match info.ssi_signo as libc::c_int {
                        libc::SIGHUP => Signal::Reload,
                        libc::SIGUSR1 => Signal::Dump,
                        libc::SIGCHLD => Signal::Child,
                        libc::SIGXCPU => Signal::CpuLimit,
                        libc::SIGTERM | libc::SIGINT => Signal::Terminate,
                        _ => continue,
                    }));
                }
                Ok(_) => return Ok(None),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }
}
