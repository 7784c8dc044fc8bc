//! The tracked objects' blocks while their keywords arrive: `vrrp_script`,
//! `vrrp_track_process`, `track_file`. Pure text handling; whether a program exists and
//! who may run it is checked when the daemon starts (and by `-t`).

use super::keywords::{Key, Slots};
use super::model::{ParamMatch, RunAs, TrackFile, TrackProcess, TrackScript};
use core::time::Duration;

/// A `vrrp_script` while its keywords arrive: `interval`, `timeout`, `rise`, `fall` and
/// `init_fail` are in `slots`, the others here.
pub(crate) struct ScriptDraft {
    pub(crate) name: String,
    pub(crate) line: u32,
    pub(crate) slots: Box<Slots>,
    text: Option<String>,
    weight: i16,
    reverse: bool,
    user: Option<RunAs>,
    script_line: u32,
}

impl ScriptDraft {
    pub(crate) fn new(name: &str, line: u32) -> ScriptDraft {
        ScriptDraft {
            name: name.to_string(),
            line,
            slots: Slots::new(),
            text: None,
            weight: 0,
            reverse: false,
            user: None,
            script_line: 0,
        }
    }

    /// The applier for `script`, `weight` and `user` (both formats).
    pub(crate) fn apply(
        &mut self,
        key: Key,
        args: &[&str],
        line: u32,
    ) -> Result<Option<String>, String> {
        let name = key.name();
        match key {
            // `script "a b"` and `script a b` mean the same command.
            Key::Script if args.is_empty() => return Err("expected a command for script".into()),
            Key::Script => {
                self.text = Some(args.join(" "));
                self.script_line = line;
            }
            Key::Weight => (self.weight, self.reverse) = super::lex::weight(name, args, 0)?,
            Key::User => self.user = Some(super::lex::run_as(name, args)?),
            _ => unreachable!("{name}"),
        }
        Ok(None)
    }

    /// The finished script and a warning, or the error and its line.
    pub(crate) fn finish(self) -> Result<(TrackScript, Option<String>), (u32, String)> {
        let Some(text) = self.text else {
            return Err((
                self.line,
                format!("vrrp_script {} has no script", self.name),
            ));
        };
        let command =
            super::lex::command("script", &text, self.user).map_err(|e| (self.script_line, e))?;
        let s = &self.slots;
        // keepalived keeps a 0 from before v2.0.7 and makes it 1 s.
        let mut warning = None;
        let mut secs = |key: Key| match s.get(key) {
            Some(0) => {
                let name = key.name();
                warning = Some(format!(
                    "({}): vrrp script {name} must be greater than 0, setting to 1",
                    self.name
                ));
                Some(Duration::from_secs(1))
            }
            ms => ms.map(|ms| Duration::from_millis(ms.into())),
        };
        let interval = secs(Key::Interval).unwrap_or(Duration::from_secs(1));
        let timeout = secs(Key::Timeout).unwrap_or(interval);
        Ok((
            TrackScript {
                name: self.name,
                line: self.line,
                command,
                interval,
                timeout,
                weight: self.weight,
                reverse: self.reverse,
                rise: s.get(Key::Rise).unwrap_or(1),
                fall: s.get(Key::Fall).unwrap_or(1),
                init_fail: s.flag(Key::InitFail).unwrap_or(false),
            },
            warning,
        ))
    }
}

/// A keyword's outcome besides the value it set: a warning to report at its line.
type Applied = Result<Option<String>, String>;

/// Why a block could not be finished: its error and line, or None when a line of it had
/// an error of its own (already reported).
type Unfinished = Option<(u32, String)>;

/// A `vrrp_track_process` while its keywords arrive: `quorum`, `quorum_max`, the delays
/// and `full_command` are in `slots`, the others here.
pub(crate) struct ProcessDraft {
    pub(crate) name: String,
    pub(crate) line: u32,
    pub(crate) slots: Box<Slots>,
    process: Option<(String, Vec<String>)>,
    param_match: ParamMatch,
    weight: Option<(i16, bool)>,
}

impl ProcessDraft {
    pub(crate) fn new(name: &str, line: u32) -> ProcessDraft {
        ProcessDraft {
            name: name.to_string(),
            line,
            slots: Slots::new(),
            process: None,
            param_match: ParamMatch::None,
            weight: None,
        }
    }

    /// The applier for `process`, `param_match` and `weight`, with keepalived's words.
    pub(crate) fn apply(&mut self, key: Key, args: &[&str]) -> Applied {
        let n = &self.name;
        match key {
            Key::Process => {
                let Some((p, params)) = args.split_first() else {
                    return Err("expected a process name for process".into());
                };
                if self.process.is_some() {
                    return Ok(Some(format!(
                        "Process already set for track process {n} - ignoring {p}"
                    )));
                }
                let params: Vec<String> = params.iter().map(|s| s.to_string()).collect();
                if !params.is_empty() && self.param_match == ParamMatch::None {
                    self.param_match = ParamMatch::Exact;
                }
                self.process = Some((p.to_string(), params));
            }
            Key::ParamMatch => {
                self.param_match = match args {
                    // `exact` is the bare keyword (which key=value cannot write).
                    [] | ["exact"] => ParamMatch::Exact,
                    ["initial"] => ParamMatch::Initial,
                    ["partial"] => ParamMatch::Partial,
                    _ => {
                        return Err(format!(
                            "Invalid param_match type {} (initial or partial, or none or exact)",
                            args.join(" ")
                        ));
                    }
                }
            }
            Key::ProcessWeight => {
                let w = super::lex::weight("weight", args, 1)?;
                if self.weight.is_some() {
                    return Ok(Some(format!(
                        "Weight already set for track process {n} - ignoring {}",
                        args[0]
                    )));
                }
                self.weight = Some(w);
            }
            _ => unreachable!("{}", key.name()),
        }
        Ok(None)
    }

    /// The finished block and its warnings, or the error and its line (None: a
    /// `process` line with an error of its own, already reported).
    pub(crate) fn finish(self) -> Result<(TrackProcess, Vec<String>), Unfinished> {
        let n = self.name;
        let Some((process, params)) = self.process else {
            let msg = format!("track process '{n}' process name not specified");
            return Err((!self.slots.at(Key::Process).is_set()).then_some((self.line, msg)));
        };
        let s = &self.slots;
        let mut warnings = Vec::new();
        let full_command =
            s.flag(Key::FullCommand).unwrap_or(false) || self.param_match != ParamMatch::None;
        // /proc/PID/comm holds 15 bytes: a longer name never matches without the command line.
        if !full_command && process.len() > 15 {
            warnings.push(format!(
                "track process '{n}': {process} is longer than a process name can be (15 characters): it can only match with full_command"
            ));
        }
        let quorum = s.get(Key::Quorum).unwrap_or(1);
        let mut quorum_max = u32::MAX;
        if let Some(max) = s.get(Key::QuorumMax) {
            // keepalived: quorum_max 0 (no process may run) is allowed if quorum is not
            // above 1, and then means quorum 0.
            if (max != 0 || quorum > 1) && max < quorum {
                warnings.push("quorum_max is less than quorum - ignoring".into());
            } else {
                quorum_max = max;
            }
        }
        let quorum = if quorum_max == 0 { 0 } else { quorum };
        let us = |k: Key| s.get(k).or(s.get(Key::Delay)).map_or(0, u64::from);
        let (weight, reverse) = self.weight.unwrap_or((0, false));
        Ok((
            TrackProcess {
                name: n,
                line: self.line,
                process,
                params,
                param_match: self.param_match,
                full_command,
                weight,
                reverse,
                quorum,
                quorum_max,
                fork_delay: Duration::from_micros(us(Key::ForkDelay)),
                terminate_delay: Duration::from_micros(us(Key::TerminateDelay)),
            },
            warnings,
        ))
    }
}

/// A `track_file` while its keywords arrive.
pub(crate) struct FileDraft {
    pub(crate) name: String,
    pub(crate) line: u32,
    pub(crate) slots: Box<Slots>,
    path: Option<String>,
    weight: Option<(i16, bool)>,
    init: Option<(i64, bool)>,
}

impl FileDraft {
    pub(crate) fn new(name: &str, line: u32) -> FileDraft {
        FileDraft {
            name: name.to_string(),
            line,
            slots: Slots::new(),
            path: None,
            weight: None,
            init: None,
        }
    }

    /// The applier for `file`, `weight` and `init_file`, with keepalived's words.
    pub(crate) fn apply(&mut self, key: Key, args: &[&str]) -> Applied {
        let n = &self.name;
        match key {
            Key::File => {
                let f = super::lex::one("file", args)?;
                if !f.starts_with('/') {
                    return Err(format!(
                        "track_file {n}: expected an absolute path for file, found \"{f}\""
                    ));
                }
                if self.path.is_some() {
                    return Ok(Some(format!(
                        "File already set for track file {n} - ignoring {f}"
                    )));
                }
                self.path = Some(f.to_string());
            }
            Key::FileWeight => {
                let w = super::lex::weight("weight", args, 1)?;
                if self.weight.is_some() {
                    return Ok(Some(format!(
                        "Weight already set for track file {n} - ignoring {}",
                        args[0]
                    )));
                }
                self.weight = Some(w);
            }
            Key::InitFile => {
                let (mut value, mut overwrite) = (0i64, false);
                for w in args {
                    if *w == "overwrite" {
                        overwrite = true;
                        continue;
                    }
                    if !w.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
                        return Err(format!("Unknown track file init option {w}"));
                    }
                    value = w
                        .parse::<i32>()
                        .map_err(|_| format!("Track file {n} init value {w} is invalid"))?
                        .into();
                }
                self.init = Some((value, overwrite));
                if !(-254..=254).contains(&value) {
                    return Ok(Some(format!(
                        "Track file {n} init value {value} is outside sensible range [-254, 254]"
                    )));
                }
            }
            _ => unreachable!("{}", key.name()),
        }
        Ok(None)
    }

    /// The finished block, or the error and its line (None: a `file` line with an error
    /// of its own, already reported).
    pub(crate) fn finish(self) -> Result<TrackFile, Unfinished> {
        let Some(path) = self.path else {
            let msg = format!("No file set for track_file {}", self.name);
            return Err((!self.slots.at(Key::File).is_set()).then_some((self.line, msg)));
        };
        let (weight, reverse) = self.weight.unwrap_or((1, false));
        Ok(TrackFile {
            name: self.name,
            line: self.line,
            path,
            weight,
            reverse,
            init: self.init,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(lines: &[(Key, &[&str])]) -> ScriptDraft {
        let mut d = ScriptDraft::new("chk", 1);
        for (k, args) in lines {
            d.slots
                .seen(*k, super::super::keywords::Loc { file: 0, line: 2 });
            if k.val() == super::super::keywords::Val::Custom {
                d.apply(*k, args, 2).unwrap();
            } else {
                d.slots.set(*k, k.val().parse(k.name(), args).ok());
            }
        }
        d
    }

    #[test]
    fn vrrp_script_defaults_follow_keepalived() {
        let d = draft(&[(Key::Script, &["/usr/bin/pgrep", "syslog-ng"])]);
        let s = d.finish().unwrap().0;
        assert_eq!(s.command.argv, ["/usr/bin/pgrep", "syslog-ng"]);
        assert_eq!(
            (s.interval, s.timeout),
            (Duration::from_secs(1), Duration::from_secs(1))
        );
        assert_eq!((s.weight, s.rise, s.fall, s.init_fail), (0, 1, 1, false));
    }

    #[test]
    fn vrrp_script_keywords_are_range_checked() {
        assert_eq!(
            Key::Interval
                .val()
                .parse("interval", &["0.0001"])
                .unwrap_err(),
            "expected seconds 0-86400 for interval (at most 3 decimals), found \"0.0001\""
        );
        assert!(Key::Rise.val().parse("rise", &["0"]).is_err());
        let mut d = ScriptDraft::new("chk", 1);
        assert!(d.apply(Key::Weight, &["-254"], 4).is_err());
        let d = draft(&[
            (Key::Interval, &["0.5"]),
            (Key::Timeout, &["2"]),
            (Key::Weight, &["-60"]),
            (Key::Fall, &["3"]),
            (Key::InitFail, &[]),
        ]);
        assert_eq!(
            d.finish().unwrap_err(),
            (1, "vrrp_script chk has no script".into())
        );
    }

    #[test]
    fn zero_interval_becomes_one_second_with_keepalived_warning() {
        let d = draft(&[(Key::Interval, &["0"]), (Key::Script, &["/bin/true"])]);
        let (s, w) = d.finish().unwrap();
        assert_eq!(s.interval, Duration::from_secs(1));
        assert_eq!(
            w.as_deref(),
            Some("(chk): vrrp script interval must be greater than 0, setting to 1")
        );
    }
}
