//! The health-tracking and notification keywords: `vrrp_script` blocks, the
//! `track_script` / `track_interface` entries of instances, `notify*` commands and how a
//! command line is split into words. Pure text handling; whether a program exists and
//! who may run it is checked when the daemon starts (`os::process::prepare`).

use super::build::{boolean, fixed_point, number, one};
use super::model::{Command, RunAs, TrackScript, Tracked};
use core::time::Duration;

/// `vrrp_script` keywords, in `ScriptDraft::seen` order.
pub(crate) const SCRIPT_KEYS: [&str; 8] = [
    "script",
    "interval",
    "timeout",
    "weight",
    "rise",
    "fall",
    "user",
    "init_fail",
];

/// keepalived accepts ±254 but clamps it to ±253 with an error; we refuse it.
const WEIGHT_MAX: i64 = 253;

/// Characters that only a shell gives meaning to. A command with one of them (outside
/// quotes) runs through `/bin/sh -c`; anything else is executed directly.
const SHELL_CHARS: &str = "|&;<>()$`\\*?[]{}~#\n";

/// Split a command the way keepalived does: blanks separate words, 'single' or "double"
/// quotes keep blanks inside a word. A command that needs a shell becomes
/// `/bin/sh -c TEXT` so that pipes and redirections work as the user meant them.
pub(crate) fn command(key: &str, text: &str, user: Option<RunAs>) -> Result<Command, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut shell = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c == ' ' || c == '\t' => words.extend(word.take()),
            (None, c) => {
                shell |= SHELL_CHARS.contains(c);
                word.get_or_insert_with(String::new).push(c);
            }
        }
    }
    if quote.is_some() {
        return Err(format!("unbalanced quote in {key} \"{text}\""));
    }
    words.extend(word);
    if words.is_empty() {
        return Err(format!("expected a command for {key}"));
    }
    let argv = if shell {
        vec!["/bin/sh".into(), "-c".into(), text.to_string()]
    } else {
        words
    };
    Ok(Command {
        text: text.to_string(),
        argv,
        user,
    })
}

/// `USER [GROUP]`.
pub(crate) fn run_as(key: &str, args: &[&str]) -> Result<RunAs, String> {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
    };
    match args {
        [u] | [u, _] if !name_ok(u) => {
            Err(format!("expected a user name for {key}, found \"{u}\""))
        }
        [_, g] if !name_ok(g) => Err(format!("expected a group name for {key}, found \"{g}\"")),
        [u] => Ok(RunAs {
            user: u.to_string(),
            group: None,
        }),
        [u, g] => Ok(RunAs {
            user: u.to_string(),
            group: Some(g.to_string()),
        }),
        _ => Err(format!("expected USER [GROUP] for {key}")),
    }
}

/// `notify_master CMD [USER [GROUP]]`: the command is one (quoted) word, as in keepalived.
pub(crate) fn notify(key: &str, args: &[&str]) -> Result<Command, String> {
    let Some((cmd, user)) = args.split_first() else {
        return Err(format!("expected a command for {key}"));
    };
    let user = match user {
        [] => None,
        u => Some(run_as(key, u)?),
    };
    command(key, cmd, user)
}

/// `weight N [reverse]` → (N, reverse).
fn weight(key: &str, args: &[&str]) -> Result<(i16, bool), String> {
    let (n, reverse) = match args {
        [n] => (*n, false),
        [n, "reverse"] => (*n, true),
        [n, "noreverse"] => (*n, false),
        [_, r] => {
            return Err(format!(
                "expected 'reverse' after the weight, found \"{r}\""
            ));
        }
        _ => {
            return Err(format!(
                "expected a number -{WEIGHT_MAX}-{WEIGHT_MAX} for {key}"
            ));
        }
    };
    match n.parse::<i64>() {
        Ok(w) if (-WEIGHT_MAX..=WEIGHT_MAX).contains(&w) => Ok((w as i16, reverse)),
        _ => Err(format!(
            "expected a number -{WEIGHT_MAX}-{WEIGHT_MAX} for {key}, found \"{n}\""
        )),
    }
}

/// A `track_interface` / `track_script` entry: `NAME [weight N [reverse]]`.
pub(crate) fn tracked(key: &str, args: &[&str], line: u32) -> Result<Tracked, String> {
    let (name, rest) = match args.split_first() {
        Some((n, rest)) if !n.is_empty() => (*n, rest),
        _ => return Err(format!("expected a name for {key}")),
    };
    if key == "track_interface" && name.len() > 15 {
        return Err(format!(
            "interface name \"{name}\" is longer than 15 characters"
        ));
    }
    let (weight, reverse) = match rest {
        [] => (None, false),
        ["weight", w @ ..] => {
            let (w, r) = weight(&format!("{key} {name} weight"), w)?;
            (Some(w), r)
        }
        [other, ..] => {
            return Err(format!(
                "expected 'weight N' after {key} {name}, found \"{other}\""
            ));
        }
    };
    Ok(Tracked {
        name: name.to_string(),
        weight,
        reverse,
        line,
    })
}

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

    /// The keyword applier for `vrrp_script` blocks (both formats). `key` is one of
    /// `SCRIPT_KEYS`.
    pub(crate) fn apply(&mut self, key: &str, args: &[&str], line: u32) -> Result<(), String> {
        match key {
            // `script "a b"` and `script a b` mean the same command.
            "script" if args.is_empty() => return Err("expected a command for script".into()),
            "script" => {
                self.text = Some(args.join(" "));
                self.script_line = line;
            }
            "interval" => self.interval = secs(key, args)?,
            "timeout" => self.timeout = Some(secs(key, args)?),
            "weight" => (self.weight, self.reverse) = weight(key, args)?,
            "rise" => self.rise = number(key, args, 1, 1000)? as u32,
            "fall" => self.fall = number(key, args, 1, 1000)? as u32,
            "user" => self.user = Some(run_as(key, args)?),
            // keepalived: the bare keyword; key=value: `init_fail = yes|no`.
            "init_fail" => {
                self.init_fail = match args {
                    [] => true,
                    [v] => boolean(v).ok_or_else(|| {
                        format!("expected yes or no for init_fail, found \"{v}\"")
                    })?,
                    _ => return Err("expected at most one value for init_fail".into()),
                }
            }
            _ => return Err(format!("unknown vrrp_script keyword '{key}'")),
        }
        Ok(())
    }

    /// The finished script, or the error and its line.
    pub(crate) fn finish(self) -> Result<TrackScript, (u32, String)> {
        let Some(text) = self.text else {
            return Err((
                self.line,
                format!("vrrp_script {} has no script", self.name),
            ));
        };
        let command = command("script", &text, self.user).map_err(|e| (self.script_line, e))?;
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

/// Seconds with up to three decimals, 0.01 to one day.
fn secs(key: &str, args: &[&str]) -> Result<Duration, String> {
    let s = one(key, args)?;
    match fixed_point(s, 3) {
        Some(ms) if (10..=86_400_000).contains(&ms) => Ok(Duration::from_millis(ms)),
        _ => Err(format!(
            "expected seconds 0.01-86400 for {key} (at most 3 decimals), found \"{s}\""
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(text: &str) -> Vec<String> {
        command("script", text, None).unwrap().argv
    }

    #[test]
    fn plain_commands_are_split_into_words_without_a_shell() {
        assert_eq!(
            argv("/usr/bin/pgrep syslog-ng"),
            ["/usr/bin/pgrep", "syslog-ng"]
        );
        assert_eq!(
            argv("  killall   -0\tsyslog-ng "),
            ["killall", "-0", "syslog-ng"]
        );
        assert_eq!(
            argv("/bin/sh -c 'pidof syslog-ng'"),
            ["/bin/sh", "-c", "pidof syslog-ng"]
        );
        assert_eq!(argv("x \"a b\" ''"), ["x", "a b", ""]);
    }

    #[test]
    fn commands_that_need_a_shell_run_through_sh() {
        for text in [
            "pidof syslog-ng > /dev/null",
            "test -f /run/x && exit 0",
            "echo $HOME",
            "ls /tmp/*.pid",
            "a | b",
        ] {
            assert_eq!(argv(text), ["/bin/sh", "-c", text], "{text}");
        }
        // Inside quotes the characters are data, not shell syntax.
        assert_eq!(argv("grep 'a|b' f"), ["grep", "a|b", "f"]);
    }

    #[test]
    fn bad_commands_are_refused() {
        assert_eq!(
            command("script", "x 'open", None).unwrap_err(),
            "unbalanced quote in script \"x 'open\""
        );
        assert!(command("notify", "   ", None).is_err());
    }

    #[test]
    fn notify_takes_an_optional_user_and_group() {
        let c = notify("notify_master", &["/x.sh MASTER", "nobody", "nogroup"]).unwrap();
        assert_eq!(c.argv, ["/x.sh", "MASTER"]);
        assert_eq!(
            c.user,
            Some(RunAs {
                user: "nobody".into(),
                group: Some("nogroup".into())
            })
        );
        assert!(notify("notify_master", &["/x.sh", "a", "b", "c"]).is_err());
        assert!(notify("notify_master", &["/x.sh", "bad user"]).is_err());
    }

    #[test]
    fn tracked_entries_take_weight_and_reverse() {
        let t = tracked("track_script", &["chk", "weight", "-60"], 3).unwrap();
        assert_eq!(
            (t.name.as_str(), t.weight, t.reverse),
            ("chk", Some(-60), false)
        );
        let t = tracked("track_interface", &["eth1", "weight", "10", "reverse"], 3).unwrap();
        assert_eq!((t.weight, t.reverse), (Some(10), true));
        assert_eq!(tracked("track_script", &["chk"], 3).unwrap().weight, None);
        assert_eq!(
            tracked("track_script", &["chk", "weight", "300"], 3).unwrap_err(),
            "expected a number -253-253 for track_script chk weight, found \"300\""
        );
        assert!(tracked("track_script", &["chk", "wieght", "3"], 3).is_err());
    }

    #[test]
    fn vrrp_script_defaults_follow_keepalived() {
        let mut d = ScriptDraft::new("chk", 1);
        d.apply("script", &["/usr/bin/pgrep", "syslog-ng"], 2)
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
            d.apply("interval", &["0"], 2).unwrap_err(),
            "expected seconds 0.01-86400 for interval (at most 3 decimals), found \"0\""
        );
        assert!(d.apply("rise", &["0"], 3).is_err());
        assert!(d.apply("weight", &["-255"], 4).is_err());
        d.apply("interval", &["0.5"], 5).unwrap();
        d.apply("timeout", &["2"], 6).unwrap();
        d.apply("weight", &["-60"], 7).unwrap();
        d.apply("fall", &["3"], 8).unwrap();
        d.apply("init_fail", &[], 9).unwrap();
        assert_eq!(
            d.finish().unwrap_err(),
            (1, "vrrp_script chk has no script".into())
        );
    }
}
