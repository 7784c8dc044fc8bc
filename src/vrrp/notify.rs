//! What is told about a transition, pure: keepalived's state words, the notify FIFO's
//! line and the arguments `notify` scripts get (a sync group's `GROUP NAME STATE 0`, once
//! per group transition as `group::after` has it).

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
}
