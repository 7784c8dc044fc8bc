//! What is told about a transition, pure: keepalived's state words, the notify FIFO's
//! line, the arguments `notify` scripts get, and when a sync group as a whole changes
//! state (its scripts run once per group transition, keepalived's `GROUP NAME STATE 0`).

use super::machine::State;

/// Whose transition it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Instance,
    Group,
}

impl Subject {
    pub fn word(self) -> &'static str {
        match self {
            Subject::Instance => "INSTANCE",
            Subject::Group => "GROUP",
        }
    }
}

/// keepalived's state words for notify arguments and FIFO lines: stopping is STOP.
pub fn state_word(s: State) -> &'static str {
    match s {
        State::Initialize => "STOP",
        s => s.as_str(),
    }
}

/// The notify FIFO's line for a transition, as keepalived writes it:
/// `INSTANCE "VI_1" MASTER 150` or `GROUP "G1" BACKUP 0` (a group's priority is 0).
pub fn fifo_line(subject: Subject, name: &str, to: State, priority: u8) -> String {
    let p = if subject == Subject::Group {
        0
    } else {
        priority
    };
    format!("{} \"{name}\" {} {p}\n", subject.word(), state_word(to))
}

/// A sync group's state from its members': FAULT when one is in FAULT, MASTER when all
/// are Master, BACKUP when all are Backup (or some Backup and the rest still starting),
/// STOP when all have stopped; None while members disagree otherwise (the group is
/// between two states: it keeps the one it had).
pub fn group_state(members: impl IntoIterator<Item = State>) -> Option<State> {
    // Counts of Master, Backup and Initialize members, and of all.
    let (mut master, mut backup, mut init, mut all) = (0, 0, 0, 0);
    for s in members {
        all += 1;
        match s {
            State::Fault => return Some(State::Fault),
            State::Master => master += 1,
            State::Backup => backup += 1,
            State::Initialize => init += 1,
        }
    }
    match () {
        _ if all == 0 => None,
        _ if master == all => Some(State::Master),
        _ if init == all => Some(State::Initialize),
        _ if master == 0 && backup > 0 => Some(State::Backup),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use State::*;

    #[test]
    fn fifo_lines_are_keepalived_s() {
        assert_eq!(
            fifo_line(Subject::Instance, "VI_1", Master, 150),
            "INSTANCE \"VI_1\" MASTER 150\n"
        );
        assert_eq!(
            fifo_line(Subject::Instance, "VI_1", Initialize, 150),
            "INSTANCE \"VI_1\" STOP 150\n"
        );
        assert_eq!(
            fifo_line(Subject::Group, "G1", Backup, 150),
            "GROUP \"G1\" BACKUP 0\n"
        );
    }

    #[test]
    fn a_group_changes_state_only_when_its_members_agree() {
        assert_eq!(group_state([Master, Master]), Some(Master));
        assert_eq!(group_state([Backup, Backup]), Some(Backup));
        assert_eq!(group_state([Backup, Initialize]), Some(Backup));
        assert_eq!(group_state([Master, Fault]), Some(Fault));
        assert_eq!(group_state([Initialize, Initialize]), Some(Initialize));
        // Halfway through following a member (or waiting for the others to be able to
        // take over): no group transition.
        assert_eq!(group_state([Master, Backup]), None);
        assert_eq!(group_state([Master, Initialize]), None);
        assert_eq!(group_state([]), None);
    }
}
