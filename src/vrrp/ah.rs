//! keepalived's IPsec AH sequence numbers (`auth_type AH`): one counter per virtual
//! router for what it sends and what it accepts. An authenticated advert is accepted only
//! if its number is above the counter (anti-replay), and the counter then takes that
//! number — so a Backup that takes over continues above what its peers last sent, and
//! its adverts are new to them. Across a restart the counter starts at 0, which is why
//! an AH instance never starts as Master (configuration): it first hears a number.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sequence {
    last: u32,
}

impl Sequence {
    /// An authenticated advert numbered `seq`: whether it is new (keepalived's "sequence
    /// number already processed" otherwise).
    pub fn accept(&mut self, seq: u32) -> bool {
        let new = seq > self.last;
        if new {
            self.last = seq;
        }
        new
    }

    /// The number of the next advert sent. At 2³² − 1 it stays there (136 years of
    /// adverts at one a second; keepalived stops there too).
    pub fn next_sent(&mut self) -> u32 {
        self.last = self.last.saturating_add(1);
        self.last
    }

    /// The last number sent or accepted.
    pub fn last(&self) -> u32 {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replayed_or_old_advert_is_refused_and_a_new_master_continues_above() {
        // A Backup follows the Master's numbers.
        let mut backup = Sequence::default();
        assert!(backup.accept(1));
        assert!(backup.accept(5));
        assert!(!backup.accept(5), "a replay");
        assert!(!backup.accept(3), "an old advert");
        // It takes over: its adverts are new to the old Master, whose counter is 5.
        let mut old_master = Sequence::default();
        for _ in 0..5 {
            old_master.next_sent();
        }
        let n = backup.next_sent();
        assert_eq!(n, 6);
        assert!(old_master.accept(n));
    }

    #[test]
    fn a_restarted_node_hears_the_master_first_then_preempts_with_newer_numbers() {
        let mut master = Sequence::default();
        for _ in 0..1000 {
            master.next_sent();
        }
        let mut restarted = Sequence::default();
        assert!(restarted.accept(master.next_sent()));
        // Preempting, its first advert is above what the old Master sent.
        assert!(master.accept(restarted.next_sent()));
        assert_eq!(master.last(), 1002);
        let mut full = Sequence { last: u32::MAX - 1 };
        assert_eq!((full.next_sent(), full.next_sent()), (u32::MAX, u32::MAX));
    }
}
