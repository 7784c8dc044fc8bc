//! `vrrp_script` blocks while their keywords arrive. Pure text handling; whether a
//! program exists and who may run it is checked when the daemon starts (and by `-t`).

use super::keywords::Key;
use super::lex::{boolean, fixed_point, number, one};
use super::model::{RunAs, TrackScript};
use core::time::Duration;

/// A `vrrp_script` while its keywords arrive.
pub(crate) struct ScriptDraft {
    pub(crate) name: String,
    pub(crate) line: u32,
    text: Option<String>,
    interval: Duration,
    timeout: Option<Duration>,
    weight: i16,
    reverse: bool,
    rise: u32,
    fall: u32,
    user: Option<RunAs>,
    init_fail: bool,
    script_line: u32,
}

impl ScriptDraft {
    pub(crate) fn new(name: &str, line: u32) -> ScriptDraft {
        ScriptDraft {
            name: name.to_string(),
            line,
            text: None,
            interval: Duration::from_secs(1),
            timeout: None,
            weight: 0,
            reverse: false,
            rise: 1,
            fall: 1,
            user: None,
            init_fail: false,
            script_line: 0,
        }
    }

    /// The keyword applier for `vrrp_script` blocks (both formats); Ok(Some) is a
    /// warning for the line.
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
            Key::Interval | Key::Timeout => {
                let (d, warning) = match secs(name, args)? {
                    // keepalived keeps 0 from before v2.0.7 and makes it 1 s.
                    Duration::ZERO => (
                        Duration::from_secs(1),
                        Some(format!(
                            "({}): vrrp script {name} must be greater than 0, setting to 1",
                            self.name
                        )),
                    ),
                    d => (d, None),
                };
                if key == Key::Interval {
                    self.interval = d;
                } else {
                    self.timeout = Some(d);
                }
                return Ok(warning);
            }
            Key::Weight => (self.weight, self.reverse) = super::lex::weight(name, args, 0)?,
            Key::Rise => self.rise = number(name, args, 1, 1000)? as u32,
            Key::Fall => self.fall = number(name, args, 1, 1000)? as u32,
            Key::User => self.user = Some(super::lex::run_as(name, args)?),
            // keepalived: the bare keyword; key=value: `init_fail = yes|no`.
            Key::InitFail => {
                self.init_fail = match args {
                    [] => true,
                    [v] => boolean(v).ok_or_else(|| {
                        format!("expected yes or no for init_fail, found \"{v}\"")
                    })?,
                    _ => return Err("expected at most one value for init_fail".into()),
                }
            }
            _ => unreachable!("{name} is not a vrrp_script keyword"),
        }
        Ok(None)
    }

    /// The finished script, or the error and its line.
    pub(crate) fn finish(self) -> Result<TrackScript, (u32, String)> {
        let Some(text) = self.text else {
            return Err((
                self.line,
                format!("vrrp_script {} has no script", self.name),
            ));
        };
        let command =
            super::lex::command("script", &text, self.user).map_err(|e| (self.script_line, e))?;
        Ok(TrackScript {
            name: self.name,
            line: self.line,
            command,
            interval: self.interval,
            timeout: self.timeout.unwrap_or(self.interval),
            weight: self.weight,
            reverse: self.reverse,
            rise: self.rise,
            fall: self.fall,
            init_fail: self.init_fail,
        })
    }
}

/// Seconds with up to three decimals, 0 (adjusted by the caller) to one day.
fn secs(key: &str, args: &[&str]) -> Result<Duration, String> {
    let s = one(key, args)?;
    match fixed_point(s, 3) {
        Some(ms) if ms == 0 || (10..=86_400_000).contains(&ms) => Ok(Duration::from_millis(ms)),
        _ => Err(format!(
            "expected seconds 0.01-86400 for {key} (at most 3 decimals), found \"{s}\""
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vrrp_script_defaults_follow_keepalived() {
        let mut d = ScriptDraft::new("chk", 1);
        d.apply(Key::Script, &["/usr/bin/pgrep", "syslog-ng"], 2)
            .unwrap();
        let s = d.finish().unwrap();
        assert_eq!(s.command.argv, ["/usr/bin/pgrep", "syslog-ng"]);
        assert_eq!(
            (s.interval, s.timeout),
            (Duration::from_secs(1), Duration::from_secs(1))
        );
        assert_eq!((s.weight, s.rise, s.fall, s.init_fail), (0, 1, 1, false));
    }

    #[test]
    fn vrrp_script_keywords_are_range_checked() {
        let mut d = ScriptDraft::new("chk", 1);
        assert_eq!(
            d.apply(Key::Interval, &["0.001"], 2).unwrap_err(),
            "expected seconds 0.01-86400 for interval (at most 3 decimals), found \"0.001\""
        );
        assert!(d.apply(Key::Rise, &["0"], 3).is_err());
        assert!(d.apply(Key::Weight, &["-254"], 4).is_err());
        d.apply(Key::Interval, &["0.5"], 5).unwrap();
        d.apply(Key::Timeout, &["2"], 6).unwrap();
        d.apply(Key::Weight, &["-60"], 7).unwrap();
        d.apply(Key::Fall, &["3"], 8).unwrap();
        d.apply(Key::InitFail, &[], 9).unwrap();
        assert_eq!(
            d.finish().unwrap_err(),
            (1, "vrrp_script chk has no script".into())
        );
    }

    #[test]
    fn zero_interval_becomes_one_second_with_keepalived_warning() {
        let mut d = ScriptDraft::new("chk", 1);
        assert_eq!(
            d.apply(Key::Interval, &["0"], 2).unwrap().as_deref(),
            Some("(chk): vrrp script interval must be greater than 0, setting to 1")
        );
        d.apply(Key::Script, &["/bin/true"], 3).unwrap();
        assert_eq!(d.finish().unwrap().interval, Duration::from_secs(1));
    }
}
