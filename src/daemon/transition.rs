//! A state change as the status reports it, of an instance or of a sync group.

use crate::vrrp::machine::{Reason, State};
use crate::vrrp::timers::Instant;

/// A state change as the status reports it: when (the wall clock's milliseconds since
/// the epoch, and the monotonic clock for how long ago), from, to, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub wall_ms: u64,
    pub at: Instant,
    pub from: State,
    pub to: State,
    pub why: Reason,
}

impl Transition {
    pub fn new(at: Instant, from: State, to: State, why: Reason) -> Transition {
        let wall_ms = crate::os::clock::wall_ms();
        Transition {
            wall_ms,
            at,
            from,
            to,
            why,
        }
    }
}
