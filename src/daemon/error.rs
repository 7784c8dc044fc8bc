//! Why the daemon cannot start, or cannot apply a reloaded configuration: each error
//! names the instance, interface or command and the reason, ready for the log line.
//! A reload that meets one keeps the running configuration.

use crate::wire;
use core::fmt;
use std::io;

pub enum StartError {
    /// A command the configuration names (track script, notify script, nft) cannot be
    /// run: `what` names it ("vrrp_script chk (line 3)", "(VI_1) notify_master").
    Command { what: String, reason: String },
    /// A socket or descriptor the daemon needs (`what`: "cannot open rtnetlink", ...).
    Setup {
        what: &'static str,
        source: io::Error,
    },
    Vips {
        instance: String,
        source: wire::Error,
    },
    /// `use_vmac`: `what` failed for the macvlan `name`.
    Vmac {
        instance: String,
        name: String,
        what: String,
        source: io::Error,
    },
    /// `use_vmac`: the name belongs to something else.
    VmacName {
        instance: String,
        name: String,
        reason: String,
    },
    /// More than one of the above: every problem is named, not only the first.
    Several(Vec<StartError>),
}

impl StartError {
    pub(super) fn command(what: impl Into<String>) -> impl FnOnce(String) -> StartError {
        let what = what.into();
        move |reason| StartError::Command { what, reason }
    }

    pub(super) fn setup(what: &'static str) -> impl FnOnce(io::Error) -> StartError {
        move |source| StartError::Setup { what, source }
    }

    /// Ok without problems, else every one of them.
    pub(super) fn all(mut problems: Vec<StartError>) -> Result<(), StartError> {
        match problems.len() {
            0 => Ok(()),
            1 => Err(problems.remove(0)),
            _ => Err(StartError::Several(problems)),
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Command { what, reason } => write!(f, "{what}: {reason}"),
            StartError::Setup { what, source } => write!(f, "{what}: {source}"),
            StartError::Vips { instance, source } => {
                write!(f, "({instance}) virtual_ipaddress: {source}")
            }
            StartError::Vmac {
                instance,
                name,
                what,
                source,
            } => write!(f, "({instance}) use_vmac {name}: {what}: {source}"),
            StartError::VmacName {
                instance,
                name,
                reason,
            } => write!(f, "({instance}) use_vmac {name}: {reason}"),
            StartError::Several(all) => {
                for (k, e) in all.iter().enumerate() {
                    write!(f, "{}{e}", if k > 0 { "; " } else { "" })?;
                }
                Ok(())
            }
        }
    }
}
