//! The `log` facade's backend: syslog (daemon facility, ident `tinyvrrpd`) or the console.
use log::{Level, LevelFilter, Log, Metadata, Record};
use std::io::Write;

struct Logger {
    console: bool,
    syslog: Option<crate::os::syslog::Syslog>,
}

impl Log for Logger {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, r: &Record<'_>) {
        if !self.enabled(r.metadata()) {
            return;
        }
        if self.console {
            let (h, m, s, ms) = crate::os::clock::wall_time_of_day();
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "{h:02}:{m:02}:{s:02}.{ms:03} {}: {}",
                level_word(r.level()),
                r.args()
            );
        }
        if let Some(syslog) = &self.syslog {
            let prio = match r.level() {
                Level::Error => libc::LOG_ERR,
                Level::Warn => libc::LOG_WARNING,
                Level::Info => libc::LOG_INFO,
                Level::Debug | Level::Trace => libc::LOG_DEBUG,
            };
            syslog.send(prio, &r.args().to_string());
        }
    }

    fn flush(&self) {}
}

fn level_word(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warn => "warning",
        Level::Info => "info",
        Level::Debug | Level::Trace => "debug",
    }
}

/// Install the logger once, at start-up. `console` = `-l` (also keeps syslog unless
/// running in the foreground where the console is the log); `detail` = `-D`.
pub fn init(console: bool, syslog: bool, detail: bool) {
    // Without a socket (descriptors exhausted?) the console, if any, still logs.
    let syslog = syslog
        .then(crate::os::syslog::Syslog::open)
        .and_then(Result::ok);
    // Leaked once: the logger lives as long as the process.
    let _ = log::set_logger(Box::leak(Box::new(Logger { console, syslog })));
    log::set_max_level(if detail {
        LevelFilter::Debug
    } else {
        LevelFilter::Info
    });
}
