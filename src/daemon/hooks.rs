//! What a router's transitions run outside the process: its notify scripts, the notify
//! FIFOs' lines, OpenWrt's hotplug events, and the no_accept drop rule (nft) — each on
//! its own queue of children, so they run in order.

use super::children::QueueId;
use super::firewall::{self, FIREWALL_TIMEOUT};
use super::io::Io;
use super::notify::{self, NOTIFY_TIMEOUT, Notifier};
use crate::config::model::Instance;
use crate::vrrp::machine::State;
use crate::vrrp::notify::{Subject, fifo_line};
use crate::vrrp::timers::Instant;

pub struct Hooks {
    notify: Notifier,
    notify_q: QueueId,
    /// no_accept's nft changes, in order.
    firewall_q: QueueId,
}

impl Hooks {
    pub fn new(name: &str, notify: Notifier, io: &mut Io) -> Hooks {
        Hooks {
            notify,
            notify_q: io.children.queue(name, NOTIFY_TIMEOUT, notify::report),
            firewall_q: io.children.queue(name, FIREWALL_TIMEOUT, firewall::report),
        }
    }

    /// A reload's notify commands.
    pub fn set_notifier(&mut self, notify: Notifier) {
        self.notify = notify;
    }

    /// Undone with its router: commands still queued run to their end.
    pub fn retire(&self, io: &mut Io) {
        io.children.retire(self.notify_q);
        io.children.retire(self.firewall_q);
    }

    /// The daemon exits: whatever is still queued starts now.
    pub fn abandon(&self, io: &mut Io) {
        io.children.abandon(self.notify_q);
        io.children.abandon(self.firewall_q);
    }

    /// Instance `cfg` entered `to` at priority `prio`: its FIFO line, notify commands
    /// and hotplug event.
    pub fn notify(&self, cfg: &Instance, to: State, prio: u8, now: Instant, io: &mut Io) {
        let q = self.notify_q;
        if !io.fifos.is_empty() {
            let line = fifo_line(Subject::Instance, &cfg.name, to, prio);
            io.fifos.line(line, now);
        }
        let children = &mut io.children;
        let run = |job| children.push(q, job, now);
        self.notify.jobs(
            Subject::Instance,
            &cfg.name,
            to,
            prio,
            io.hotplug.as_ref(),
            run,
        );
    }

    /// The no_accept drop rule (`install`) or its removal, for a no_accept instance.
    pub fn firewall(&self, cfg: &Instance, install: bool, now: Instant, io: &mut Io) {
        if firewall::drops_vip_traffic(cfg) {
            self.nft(cfg, install, now, io);
        }
    }

    /// A reload changed a Master's instance from `old` to `new`: its drop rule follows —
    /// installed (or rewritten for the new VIPs) under no_accept, removed when the
    /// instance accepts now.
    pub fn reconfigured(&self, old: &Instance, new: &Instance, now: Instant, io: &mut Io) {
        let dropped = firewall::drops_vip_traffic(old);
        let drops = firewall::drops_vip_traffic(new);
        if drops && (!dropped || old.vips != new.vips) {
            self.nft(new, true, now, io);
        } else if dropped && !drops {
            self.nft(new, false, now, io);
        }
    }

    /// Queue an nft change of this instance's chain.
    fn nft(&self, cfg: &Instance, install: bool, now: Instant, io: &mut Io) {
        let job = io
            .nft
            .as_ref()
            .and_then(|nft| firewall::job(nft, cfg, install));
        if let Some(job) = job {
            io.children.push(self.firewall_q, job, now);
        }
    }
}
