//! `vrrp_script` blocks while their keywords arrive. Pure text handling; whether a
//! program exists and who may run it is checked when the daemon starts (and by `-t`).

use super::keywords::{Key, Slots};
use super::model::{RunAs, TrackScript};
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
