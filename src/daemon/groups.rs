//! The sync groups at runtime: which instances each holds, the group's own state
//! (keepalived's sgroup->state, `group::after`) and last transition, and its notify
//! commands — told to the scripts, the FIFOs and hotplug once per transition of the
//! group as a whole — and how it binds its members: who follows whose transition, who
//! may take over, who steps down with whom, and how their verdicts combine (the rules
//! are `vrrp::group`'s).

use super::children::QueueId;
use super::io::Io;
use super::notify::{self, NOTIFY_TIMEOUT, Notifier};
use super::router::{Router, Transition};
use crate::config::model::SyncGroup;
use crate::vrrp::group;
use crate::vrrp::machine::{Reason, State};
use crate::vrrp::notify::{Subject, fifo_line};
use crate::vrrp::timers::Instant;
use crate::vrrp::track::Verdict;
use log::{debug, info};

#[derive(Default)]
pub struct Groups {
    list: Vec<SyncGroup>,
    /// Per group, by index in `list`: its state, last transition and notify commands.
    runs: Vec<GroupRun>,
}

struct GroupRun {
    /// keepalived's sgroup->state (`group::after`).
    state: State,
    /// Its last state change (status), None before the first.
    last: Option<Transition>,
    notify: Notifier,
    /// The queue its notify commands run on.
    queue: QueueId,
    /// Its state changed and is still to be told (`tell`).
    untold: bool,
}

impl Groups {
    /// The configuration's sync groups take effect, with their notify commands: a group
    /// kept by name keeps its state, a new one starts from its members' (`routers`).
    pub fn set(
        &mut self,
        groups: Vec<SyncGroup>,
        notifiers: Vec<Notifier>,
        routers: &[Router],
        io: &mut Io,
    ) {
        let mut old: Vec<(String, GroupRun)> = self
            .list
            .drain(..)
            .map(|g| g.name)
            .zip(self.runs.drain(..))
            .collect();
        for (g, notify) in groups.iter().zip(notifiers) {
            let run = match old.iter().position(|(n, _)| *n == g.name) {
                Some(k) => GroupRun {
                    notify,
                    ..old.swap_remove(k).1
                },
                None => {
                    let members = routers.iter().filter(|r| g.members.contains(&r.cfg().name));
                    GroupRun {
                        state: group::initial(members.map(|r| r.machine().state())),
                        last: None,
                        notify,
                        queue: io.children.queue(&g.name, NOTIFY_TIMEOUT, notify::report),
                        untold: false,
                    }
                }
            };
            self.runs.push(run);
        }
        for (_, run) in old {
            io.children.retire(run.queue);
        }
        self.list = groups;
    }

    /// Every sync group with its state and last transition.
    pub fn iter(&self) -> impl Iterator<Item = (&SyncGroup, State, Option<&Transition>)> {
        let runs = self.runs.iter();
        self.list
            .iter()
            .zip(runs)
            .map(|(g, r)| (g, r.state, r.last.as_ref()))
    }

    /// The sync group instance `name` belongs to (an instance is in one at most).
    pub fn of(&self, name: &str) -> Option<&SyncGroup> {
        self.list.get(self.index_of(name)?)
    }

    /// The index of the sync group instance `name` belongs to.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.list
            .iter()
            .position(|g| g.members.iter().any(|m| m == name))
    }

    /// The sync group of `routers[i]`, and the indices of its members in `routers` (`i`
    /// included).
    pub fn members_of(&self, i: usize, routers: &[Router]) -> Option<(usize, Vec<usize>)> {
        let g = self.index_of(&routers[i].cfg().name)?;
        let m = &self.list[g].members;
        let names = (0..routers.len()).map(|j| (j, &routers[j].cfg().name));
        let members = names.filter(|(_, n)| m.contains(n)).map(|(j, _)| j);
        Some((g, members.collect()))
    }

    /// Whether Backup `routers[i]`, whose Master_Down_Timer expired, may take over: on
    /// its own, or once its whole sync group wants to (`group::may_become_master`), all
    /// at the same instant.
    pub fn may_take_over(&self, i: usize, routers: &[Router]) -> bool {
        let Some((g, members)) = self.members_of(i, routers) else {
            return true;
        };
        let others = members.iter().filter(|&&j| j != i);
        let wants = others.map(|&j| routers[j].machine().wants_master());
        if !group::may_become_master(wants) {
            return false;
        }
        let first = members
            .iter()
            .all(|&j| routers[j].machine().state() != State::Master);
        if first {
            info!(
                "VRRP_Group({}) Syncing instances to MASTER state",
                self.list[g].name
            );
        }
        true
    }

    /// A member of group `g` changed `from` `to` on its own: member `r` follows it if
    /// `group::follow` says so. Returns whether it did (the caller then drains it).
    pub fn follow(
        &self,
        g: usize,
        (from, to): (State, State),
        r: &mut Router,
        now: Instant,
    ) -> bool {
        let Some(follow) = group::follow(from, to, r.machine().state()) else {
            return false;
        };
        let (name, group) = (&r.cfg().name, &self.list[g].name);
        info!("({name}) following sync group {group} to {follow}");
        r.machine_mut().sync_to(now, follow);
        true
    }

    /// `routers[i]` stepped down (a tracked route deleted): its sync group's Masters step
    /// down with it (keepalived's set_vrrp_backup). Returns those that did (the caller
    /// then drains them).
    pub fn step_down_partners(&self, i: usize, routers: &mut [Router], now: Instant) -> Vec<usize> {
        let mut down = Vec::new();
        if let Some((_, members)) = self.members_of(i, routers) {
            for j in members {
                if j != i && routers[j].machine().state() == State::Master {
                    routers[j].machine_mut().step_down(now);
                    down.push(j);
                }
            }
        }
        down
    }

    /// `routers[i]`'s verdict, its own being `own[i]` (`own` by index in `routers`): a
    /// sync group is as faulty, or as pending, as its worst member (`group::verdict`).
    pub fn verdict(&self, i: usize, own: &[Verdict], routers: &[Router]) -> Verdict {
        let Some((g, members)) = self.members_of(i, routers) else {
            return own[i];
        };
        let v = group::verdict(own[i], members.into_iter().map(|j| own[j]));
        let r = &routers[i];
        if v == Verdict::Fault && own[i] != Verdict::Fault && r.verdict() != v {
            let (name, group) = (&r.cfg().name, &self.list[g].name);
            info!("({name}) sync group {group}: another member is in FAULT");
        }
        v
    }

    /// The sync groups' `track_interface`s.
    pub fn track_interfaces(&self) -> impl Iterator<Item = &str> {
        let t = self.list.iter().flat_map(|g| &g.track_interfaces);
        t.map(|t| t.name.as_str())
    }

    /// A member of group `g` entered `to` (`why`): the group as a whole follows when
    /// `group::after` says so, to be told (`tell`).
    pub fn member_entered(&mut self, g: usize, to: State, why: Reason, now: Instant) {
        let run = &mut self.runs[g];
        if let Some(next) = group::after(run.state, to) {
            run.last = Some(Transition::new(now, run.state, next, why));
            run.state = next;
            run.untold = true;
        }
    }

    /// Groups whose state changed are told, once the members have all moved (keepalived
    /// notifies a group after syncing its instances): their notify scripts run (`GROUP
    /// NAME STATE 0`), the FIFOs get their line and OpenWrt their hotplug event
    /// (TYPE=GROUP). The loop calls it when a pass is over.
    pub fn tell(&mut self, now: Instant, io: &mut Io) {
        for g in 0..self.runs.len() {
            if core::mem::take(&mut self.runs[g].untold) {
                self.tell_one(g, now, io);
            }
        }
    }

    fn tell_one(&self, g: usize, now: Instant, io: &mut Io) {
        let (run, name) = (&self.runs[g], &self.list[g].name);
        let to = run.state;
        debug!("VRRP_Group({name}) is {to}");
        if !io.fifos.is_empty() {
            io.fifos.line(fifo_line(Subject::Group, name, to, 0), now);
        }
        let (children, q) = (&mut io.children, run.queue);
        let hotplug = io.hotplug.as_ref();
        run.notify
            .jobs(Subject::Group, name, to, 0, hotplug, |job| {
                children.push(q, job, now)
            });
    }

    /// Every group's state to the FIFOs again (`fifo_write_vrrp_states_on_reload`).
    pub fn fifo_states(&self, now: Instant, io: &mut Io) {
        for (g, run) in self.list.iter().zip(&self.runs) {
            if run.state != State::Initialize {
                io.fifos
                    .line(fifo_line(Subject::Group, &g.name, run.state, 0), now);
            }
        }
    }

    /// Its members stopped: a group that had a state stops too (notify_stop).
    pub fn stop(&mut self, now: Instant, io: &mut Io) {
        for g in 0..self.runs.len() {
            let run = &mut self.runs[g];
            if run.state != State::Initialize {
                let stop = State::Initialize;
                run.last = Some(Transition::new(now, run.state, stop, Reason::Shutdown));
                run.state = stop;
                run.untold = true;
            }
        }
        self.tell(now, io);
    }

    /// The end: queued notify commands start now.
    pub fn abandon(&self, io: &mut Io) {
        for run in &self.runs {
            io.children.abandon(run.queue);
        }
    }
}
