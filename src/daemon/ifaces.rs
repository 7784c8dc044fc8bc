//! Tracked interfaces at runtime (an instance's own, a `track_interface`, a VIP's
//! `dev`): each one's link state as it counts, which `interface_up_down_delays` holds
//! back (`vrrp::debounce`), and the kernel's news of it.

use crate::config::model::LinkDelay;
use crate::os::iface;
use crate::vrrp::debounce::{Change, Debounce};
use crate::vrrp::timers::Instant;
use crate::vrrp::track::Health;
use core::time::Duration;
use log::info;

/// A tracked interface (an instance's own, a `track_interface`, a VIP's).
struct IfState {
    name: String,
    /// Its link state as it counts (`interface_up_down_delays`).
    link: Debounce,
    /// Its (down, up) delays.
    delays: (Duration, Duration),
}

impl IfState {
    /// The kernel says it is `up` at `now`. Returns whether the state that counts
    /// changed.
    fn changed(&mut self, up: bool, now: Instant) -> bool {
        let name = &self.name;
        match self.link.event(now, up, self.delays) {
            Change::Now(up) => {
                log_link(name, up);
                true
            }
            Change::Delayed { up, .. } => {
                let (word, d) = match up {
                    true => ("up", self.delays.1),
                    false => ("down", self.delays.0),
                };
                let ms = d.as_millis() as u64;
                info!("{name}: link {word}, counted after {ms} ms (interface_up_down_delays)");
                false
            }
            // keepalived's words.
            Change::Cancelled => {
                info!("Delay timer for {name} cancelled");
                false
            }
            Change::Same => false,
        }
    }
}

fn log_link(name: &str, up: bool) {
    info!("Netlink reports {name} {}", if up { "up" } else { "down" });
}

/// Every interface some instance or sync group tracks.
#[derive(Default)]
pub struct Interfaces(Vec<IfState>);

impl Interfaces {
    /// Follow these interfaces (`params::tracked_interfaces` of every instance), with
    /// their `interface_up_down_delays`; the state of those already followed is kept,
    /// the others are read now.
    pub fn set(&mut self, names: &[&str], delays: &[LinkDelay]) {
        let old = core::mem::take(&mut self.0);
        for &name in names {
            if self.0.iter().any(|i| i.name == name) {
                continue;
            }
            let link = match old.iter().find(|i| i.name == name) {
                Some(i) => i.link,
                None => Debounce::new(iface::is_up(name).unwrap_or(false)),
            };
            let delays = delays
                .iter()
                .find(|d| d.interface == name)
                .map_or(Default::default(), |d| (d.down, d.up));
            let name = name.to_string();
            self.0.push(IfState { name, link, delays });
        }
    }

    pub fn health(&self, name: &str) -> Health {
        if self.0.iter().any(|i| i.name == name && i.link.is_up()) {
            Health::Good
        } else {
            Health::Failed
        }
    }

    /// When a delayed link change is due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.0.iter().filter_map(|i| i.link.deadline()).min()
    }

    /// Apply the delayed link changes now due. Returns whether one was.
    pub fn fire(&mut self, now: Instant) -> bool {
        let mut changed = false;
        for s in &mut self.0 {
            if let Some(up) = s.link.fire(now) {
                log_link(&s.name, up);
                changed = true;
            }
        }
        changed
    }

    /// Netlink says interface `name` is `up` or not at `now`. Returns whether a tracked
    /// state changed (a change its `interface_up_down_delays` holds back counts later,
    /// `fire`).
    pub fn changed(&mut self, name: &str, up: bool, now: Instant) -> bool {
        let Some(s) = self.0.iter_mut().find(|s| s.name == name) else {
            return false;
        };
        s.changed(up, now)
    }

    /// Netlink lost events: read every tracked interface's state again.
    pub fn relearn(&mut self, now: Instant) -> bool {
        let mut changed = false;
        for s in &mut self.0 {
            let up = iface::is_up(&s.name).unwrap_or(false);
            changed |= s.changed(up, now);
        }
        changed
    }
}
