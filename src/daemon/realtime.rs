//! Real-time scheduling for the loop (keepalived's `vrrp_rt_priority` and
//! `vrrp_rlimit_rttime`): on a busy machine adverts must still leave on time, or a
//! Backup takes over from a live Master. SCHED_RR has a way out: the kernel signals
//! (SIGXCPU) when the loop ran half its RLIMIT_RTTIME without sleeping, and the loop
//! then leaves real-time rather than be killed at the hard limit with its VIPs on the
//! interface.

use crate::config::model::Config;
use crate::os::sched;
use log::{debug, error, warn};

/// Whether the loop still runs SCHED_RR.
pub struct Realtime(bool);

impl Realtime {
    /// SCHED_RR for the loop (see `os::sched`), if configured; without the privilege a
    /// warning, no failure.
    pub fn enter(config: &Config) -> Realtime {
        if config.rt_priority == 0 {
            return Realtime(false);
        }
        let prio = i32::from(config.rt_priority);
        match sched::realtime(prio, config.rlimit_rttime_us) {
            Ok(()) => {
                debug!("running SCHED_RR at priority {prio}");
                Realtime(true)
            }
            Err(e) => {
                warn!(
                    "cannot run real-time (SCHED_RR {prio}): {e}; give CAP_SYS_NICE, or adverts may leave late on a busy machine"
                );
                Realtime(false)
            }
        }
    }

    /// SIGXCPU: normal scheduling, which has no such limit. Once, for the rest of the
    /// run.
    pub fn leave(&mut self) {
        if !core::mem::take(&mut self.0) {
            return;
        }
        match sched::normal() {
            // keepalived's words, then what we do about it.
            Ok(()) => warn!(
                "VRRP process has used too much CPU time, vrrp_rlimit_rttime may need to be increased; running SCHED_OTHER from now on"
            ),
            Err(e) => error!(
                "VRRP process has used too much CPU time, and cannot leave real-time scheduling: {e}"
            ),
        }
    }
}
