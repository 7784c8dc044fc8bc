//! SIGHUP: parse the file again, check everything it names, build what it adds, then
//! apply `vrrp::reload::plan` — unchanged instances keep their state and VIPs, changed
//! ones are updated in place, only those whose identity changed are restarted. Any error
//! on the way (file, script, interface) is logged and leaves the running configuration
//! as it was.

use super::commands::Commands;
use super::io::Io;
use super::links::VipLinks;
use super::notify::Notifier;
use super::params::identity;
use super::router::Router;
use super::routers::Routers;
use crate::config::model::{Config, Instance};
use crate::os::conffiles::ConfigFiles;
use crate::vrrp::reload::{Identity, plan};
use crate::vrrp::timers::Instant;
use log::{error, warn};
use std::path::Path;

/// A new configuration that parsed, with the commands it runs resolved.
pub struct Checked {
    pub config: Config,
    pub commands: Commands,
}

/// What a reload did, for its log line.
pub struct Summary {
    kept: usize,
    added: usize,
    removed: usize,
}

impl core::fmt::Display for Summary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let Summary {
            kept,
            added,
            removed,
        } = self;
        write!(f, "{kept} kept, {added} added, {removed} removed")
    }
}

/// Read, parse and check the file and what it includes (through `files`, with the
/// start's config ID); None (every error logged) keeps the running one. The new file's
/// warnings are logged as the start logs them.
pub fn read(path: &Path, files: &ConfigFiles) -> Option<Checked> {
    use crate::config::Loader;
    let name = path.display().to_string();
    let text = match files.read(&name) {
        Ok(t) => t,
        Err(e) => {
            error!("reload: cannot read {name}: {e}; keeping the running configuration");
            return None;
        }
    };
    let config = match crate::config::parse_with(&name, &text, files) {
        Ok(c) => c,
        Err(diags) => {
            let mut errors = 0;
            for d in &diags {
                if d.is_error() {
                    errors += 1;
                    error!("reload: {d}");
                } else {
                    warn!("reload: {d}");
                }
            }
            error!("reload: {errors} error(s); keeping the running configuration");
            return None;
        }
    };
    for w in &config.warnings {
        warn!("{w}");
    }
    match Commands::checked(&config) {
        Ok(commands) => Some(Checked { config, commands }),
        Err(e) => {
            error!("reload: {e}; keeping the running configuration");
            None
        }
    }
}

/// Apply the new instances to the running routers. Every added router is built (and
/// every kept one's VIP interfaces opened) before anything running changes, so a
/// failure there changes nothing; the caller then closes what was opened
/// (`Links::sync`).
pub fn apply(
    routers: &mut Routers,
    instances: Vec<Instance>,
    mut notifiers: Vec<Notifier>,
    now: Instant,
    io: &mut Io,
) -> Option<Summary> {
    let ids: Vec<Identity<'_>> = instances.iter().map(identity).collect();
    let plan = plan(&routers.identities(), &ids);
    // The virtual MACs of removed routers go, so an added one may take their names
    // over (an instance moved to another interface keeps its vrrp.VRID).
    let releasing: Vec<String> = plan
        .remove
        .iter()
        .filter_map(|&i| routers.iter().nth(i)?.at().vmac_name().map(str::to_string))
        .collect();
    let releasing: Vec<&str> = releasing.iter().map(String::as_str).collect();
    let mut fresh = Vec::new();
    // Kept instances by new index, with their VIP interfaces' links.
    let mut kept: Vec<Option<(Instance, VipLinks)>> = Vec::new();
    for (k, inst) in instances.into_iter().enumerate() {
        kept.push(None);
        let res = if plan.add.contains(&k) {
            let n = core::mem::take(&mut notifiers[k]);
            Router::build(inst, n, io, &releasing).map(|r| fresh.push(r))
        } else {
            let links = io.links.open_vip_devices(&inst);
            kept[k] = Some((inst, links));
            Ok(())
        };
        if let Err(e) = res {
            // A virtual MAC taken over from a removed instance is gone already: that
            // instance runs on without it until the next reload.
            error!("reload: {e}; keeping the running configuration");
            for r in fresh {
                r.discard(io);
            }
            return None;
        }
    }
    // Running order: router `i` of the plan is at `j` once those before it are removed.
    let mut j = 0;
    for i in 0..plan.keep.len() + plan.remove.len() {
        let kept = plan.kept_as(i).and_then(|k| Some((k, kept[k].take()?)));
        match kept {
            Some((k, (inst, links))) => {
                let n = core::mem::take(&mut notifiers[k]);
                routers.update(j, inst, n, links, now, io);
                j += 1;
            }
            None => routers.remove(j, now, io),
        }
    }
    let added = fresh.len();
    for r in fresh {
        routers.push(r);
    }
    Some(Summary {
        kept: plan.keep.len(),
        added,
        removed: plan.remove.len(),
    })
}
