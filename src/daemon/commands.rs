//! Every command a configuration runs, resolved before anything changes (program, user,
//! script security): the start, every reload and `-t` check them all at once.

use super::error::StartError;
use super::notify::{self, Notifier};
use super::{fifo, firewall, lifecycle, tracking};
use crate::config::model::{Config, TrackScript};
use crate::os::process::Prepared;

/// The commands a configuration runs, resolved (program, user, script security).
pub struct Commands {
    pub scripts: Vec<(TrackScript, Prepared)>,
    pub notifiers: Vec<Notifier>,
    /// The sync groups' notify commands.
    pub groups: Vec<Notifier>,
    pub fifo_scripts: Vec<fifo::Script>,
    pub nft: Option<Prepared>,
    pub lifecycle: lifecycle::Scripts,
}

impl Commands {
    /// Track scripts, notify scripts (of instances and sync groups), notify FIFO
    /// scripts, nft for no_accept, the startup and shutdown scripts — with every problem
    /// found on the way (start and reload refuse them all, naming each).
    pub fn prepare(config: &Config) -> (Commands, Vec<StartError>) {
        let mut problems = Vec::new();
        let mut keep = |e| problems.push(e);
        let default = tracking::default_user(config).unwrap_or_else(|e| {
            keep(e);
            None
        });
        let nft = firewall::prepare_nft(config).unwrap_or_else(|e| {
            keep(e);
            None
        });
        let (notifiers, groups) = notify::prepare_all(config, default, &mut problems);
        let commands = Commands {
            scripts: tracking::prepare_scripts(config, default, &mut problems),
            notifiers,
            groups,
            fifo_scripts: fifo::prepare_scripts(config, default, &mut problems),
            nft,
            lifecycle: lifecycle::Scripts::prepare(config, default, &mut problems),
        };
        (commands, problems)
    }

    /// Ok when every command was resolved.
    pub fn checked(config: &Config) -> Result<Commands, StartError> {
        let (commands, problems) = Commands::prepare(config);
        StartError::all(problems).map(|()| commands)
    }
}
