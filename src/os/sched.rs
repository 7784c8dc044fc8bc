//! Real-time scheduling for the poll loop: at VRRPv3's shortest intervals a Master
//! scheduled like any other process on a saturated machine sends adverts late enough for
//! its Backup to take over (measured: 100-170 ms gaps at 20 ms adverts under a CPU hog;
//! none under SCHED_RR). keepalived offers the same with vrrp_rt_priority.
//!
//! The policy is set with the raw sched_setscheduler(2) syscall, not libc's function:
//! musl's sched_setscheduler() is a stub that always fails with ENOSYS (musl sets
//! scheduling per thread, through pthread_setschedparam), so every static router build
//! would silently run without it; glibc's function is this same syscall. The syscall on
//! pid 0 sets the calling thread, which is the whole daemon (one thread). The raw call is
//! also async-signal-safe, which a forked child resetting its policy needs (musl's
//! pthread_setschedparam takes a thread lock).

use super::cvt;
use std::io;

/// SCHED_RR at `priority` (1-99), with RLIMIT_RTTIME so a bug that stops blocking cannot
/// hold a core for more than `rttime_us` of CPU: SIGXCPU at half of it (the daemon then
/// leaves real-time scheduling, which has no such limit), SIGKILL at all of it, as
/// keepalived sets it. (A soft limit equal to the hard one makes the first warning the
/// kill.)
pub fn realtime(priority: i32, rttime_us: u64) -> io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: (rttime_us / 2) as libc::rlim_t,
        rlim_max: rttime_us as libc::rlim_t,
    };
    // SAFETY: lim is a valid rlimit.
    cvt(unsafe { libc::setrlimit(libc::RLIMIT_RTTIME, &lim) })?;
    set_policy(libc::SCHED_RR, priority)
}

/// Back to normal scheduling (scripts, which must not inherit the daemon's SCHED_RR).
/// Async-signal-safe: fit for a child between fork and exec.
pub fn normal() -> io::Result<()> {
    set_policy(libc::SCHED_OTHER, 0)
}

fn set_policy(policy: libc::c_int, priority: libc::c_int) -> io::Result<()> {
    // SAFETY: sched_param is plain old data (musl's has reserved fields glibc's lacks; the
    // kernel reads only sched_priority); all zero is valid.
    let mut param: libc::sched_param = unsafe { core::mem::zeroed() };
    param.sched_priority = priority;
    // SAFETY: the kernel reads one sched_param from a pointer valid for its size; pid 0 is
    // the calling thread.
    let r = unsafe {
        libc::syscall(
            libc::SYS_sched_setscheduler,
            0 as libc::pid_t,
            policy,
            &param as *const libc::sched_param,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (rt_priority, policy) of the calling thread, by raw syscalls too (musl's
    /// sched_getscheduler() is a stub as well).
    fn this_thread() -> (i32, i32) {
        // SAFETY: sched_param is plain old data; all zero is valid.
        let mut p: libc::sched_param = unsafe { core::mem::zeroed() };
        // SAFETY: pid 0 is the calling thread; p is valid for writes of its size.
        let (policy, r) = unsafe {
            (
                libc::syscall(libc::SYS_sched_getscheduler, 0 as libc::pid_t),
                libc::syscall(libc::SYS_sched_getparam, 0 as libc::pid_t, &mut p),
            )
        };
        assert!(policy >= 0 && r == 0);
        (p.sched_priority, policy as i32)
    }

    #[test]
    fn policy_is_set_and_reset_on_the_calling_thread() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return; // SCHED_RR needs CAP_SYS_NICE
        }
        // Not `realtime`: its RLIMIT_RTTIME would cap the whole test process.
        set_policy(libc::SCHED_RR, 3).unwrap();
        assert_eq!(this_thread(), (3, libc::SCHED_RR));
        normal().unwrap();
        assert_eq!(this_thread(), (0, libc::SCHED_OTHER));
        let e = set_policy(libc::SCHED_RR, 100).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    }
}
