//! Signals arrive as readable data on a signalfd, so the poll loop handles them like any
//! other input: no handler runs at an odd moment, nothing is lost between polls. Every
//! other signal whose default action would end the daemon is ignored: an exit that skips
//! the priority-0 advert and the VIP removal is a duplicate VIP on the LAN.
use super::{cvt, cvt_size};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Terminate,
    Reload,
    Dump,
    /// keepalived's SIGUSR2: write the counters.
    Stats,
    /// A script ended: reap it.
    Child,
    /// SIGXCPU: the real-time loop used its soft RLIMIT_RTTIME (`os::sched`).
    CpuLimit,
}

const HANDLED: [libc::c_int; 8] = [
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGHUP,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGCHLD,
    libc::SIGXCPU,
];

/// Signals left at their default action: uncatchable ones and those whose default does not
/// end the process (stop, continue, ignore).
const DEFAULT: [libc::c_int; 8] = [
    libc::SIGKILL,
    libc::SIGSTOP,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
    libc::SIGCONT,
    libc::SIGURG,
    libc::SIGWINCH,
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
    /// Block the handled signals and open a signalfd for them; ignore every other one
    /// that would end the process (SIGALRM, SIGPIPE, SIGPWR, real-time signals, …, and the
    /// fault signals when sent by kill(2): a real fault is forced through by the kernel
    /// whatever the disposition). Children get default dispositions back
    /// (`process::spawn`). Call after daemonizing.
    pub fn open() -> io::Result<Signals> {
        for sig in 1..=libc::SIGRTMAX() {
            if !HANDLED.contains(&sig) && !DEFAULT.contains(&sig) {
                // SAFETY: setting SIG_IGN installs no handler; the C library refuses
                // (EINVAL) the real-time signals it reserves, which is fine.
                unsafe { libc::signal(sig, libc::SIG_IGN) };
            }
        }
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
                        libc::SIGUSR2 => Signal::Stats,
                        libc::SIGCHLD => Signal::Child,
                        libc::SIGXCPU => Signal::CpuLimit,
                        libc::SIGTERM | libc::SIGINT | libc::SIGQUIT => Signal::Terminate,
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
