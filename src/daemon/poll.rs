//! The poll set: every descriptor the loop waits on, with the slot it belongs to, so a
//! ready descriptor goes straight to its owner.

use super::links::LinkId;
use crate::os;
use core::time::Duration;
use std::io;
use std::os::fd::RawFd;

/// What a descriptor in the poll set belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Slot {
    Signals,
    Monitor,
    Status,
    Link(LinkId),
}

/// Kept between wake-ups: no allocation per pass.
#[derive(Default)]
pub struct PollSet {
    fds: Vec<libc::pollfd>,
    slots: Vec<Slot>,
}

impl PollSet {
    /// Wait on these descriptors from now on (a negative one is skipped by poll but
    /// keeps its slot).
    pub fn set(&mut self, entries: impl Iterator<Item = (Slot, RawFd)>) {
        self.fds.clear();
        self.slots.clear();
        for (slot, fd) in entries {
            self.slots.push(slot);
            self.fds.push(os::pollfd(fd));
        }
    }

    /// Until a descriptor is ready or `timeout` (None: no limit) has passed.
    pub fn wait(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        os::poll(&mut self.fds, timeout.map(|d| d.as_micros() as u64))
    }

    /// The `k`-th slot and whether its descriptor is ready; None past the end. A set
    /// that was replaced since `wait` reads as not ready.
    pub fn get(&self, k: usize) -> Option<(Slot, bool)> {
        Some((*self.slots.get(k)?, os::readable(self.fds.get(k)?)))
    }
}
