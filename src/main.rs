//! tinyvrrpd command line: keepalived's flags where keepalived has them.
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tinyvrrpd::config::{self, model::Config};
use tinyvrrpd::daemon::{Daemon, Paths};

/// Exit codes (keepalived's for config errors).
const EXIT_RUNTIME: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_CONFIG: u8 = 4;

const DEFAULT_CONFIGS: [&str; 2] = ["/etc/tinyvrrpd.conf", "/etc/keepalived/keepalived.conf"];
const DEFAULT_PID: &str = "/run/tinyvrrpd.pid";

fn options() -> getopts::Options {
    let mut o = getopts::Options::new();
    o.optopt(
        "f",
        "use-file",
        "configuration file (key=value or keepalived.conf)",
        "FILE",
    );
    o.optflag(
        "t",
        "config-test",
        "check the configuration and exit (0 = valid)",
    );
    o.optflag("n", "dont-fork", "stay in the foreground");
    o.optflag("l", "log-console", "log to the console (stderr) too");
    o.optflag("D", "log-detail", "detailed (debug) logging");
    o.optopt("p", "pid", "pid file (default /run/tinyvrrpd.pid)", "FILE");
    o.optflag("", "json", "with 'status': print the state as JSON");
    o.optflag("v", "version", "print the version and exit");
    o.optflag("h", "help", "print this help and exit");
    o
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let opts = options();
    // argv may be empty when exec'd that way: no arguments, not a panic.
    let m = match opts.parse(args.get(1..).unwrap_or_default()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("tinyvrrpd: {e}\nTry 'tinyvrrpd --help'.");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if m.opt_present("h") {
        print!("{}", opts.usage("Usage: tinyvrrpd [options]\n       tinyvrrpd status [--json] [-p PIDFILE]\nA minimal VRRP daemon (RFC 3768/5798/9568), keepalived-compatible."));
        return ExitCode::SUCCESS;
    }
    if m.opt_present("v") {
        println!("tinyvrrpd {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let pid_arg = m.opt_str("p").unwrap_or_else(|| DEFAULT_PID.to_string());
    match m.free.first().map(String::as_str) {
        Some("status") if m.free.len() == 1 => {
            return status(&control_path(Path::new(&pid_arg)), m.opt_present("json"));
        }
        Some(extra) => {
            eprintln!("tinyvrrpd: unexpected argument '{extra}'\nTry 'tinyvrrpd --help'.");
            return ExitCode::from(EXIT_USAGE);
        }
        None if m.opt_present("json") => {
            eprintln!("tinyvrrpd: --json goes with 'status'\nTry 'tinyvrrpd --help'.");
            return ExitCode::from(EXIT_USAGE);
        }
        None => {}
    }
    let config_path = match m.opt_str("f") {
        Some(f) => PathBuf::from(f),
        None => match DEFAULT_CONFIGS.iter().find(|p| Path::new(p).exists()) {
            Some(p) => PathBuf::from(p),
            None => {
                eprintln!(
                    "tinyvrrpd: no configuration file: give -f FILE or create {}",
                    DEFAULT_CONFIGS[0]
                );
                return ExitCode::from(EXIT_CONFIG);
            }
        },
    };
    let config = match load(&config_path) {
        Ok(c) => c,
        Err(()) => return ExitCode::from(EXIT_CONFIG),
    };
    if m.opt_present("t") {
        // Scripts are part of the configuration: a missing program, unknown user or an
        // insecure path fails the test as it would fail the start.
        let checked = tinyvrrpd::daemon::prepare_scripts(&config)
            .and_then(|_| tinyvrrpd::daemon::prepare_notify(&config));
        if let Err(e) = checked {
            eprintln!("{}: {e}", config_path.display());
            eprintln!("{}: configuration not valid", config_path.display());
            return ExitCode::from(EXIT_CONFIG);
        }
        println!(
            "{}: configuration OK ({} instance{})",
            config_path.display(),
            config.instances.len(),
            if config.instances.len() == 1 { "" } else { "s" }
        );
        return ExitCode::SUCCESS;
    }

    let foreground = m.opt_present("n");
    // Absolute paths: daemonizing changes to /, and reload (SIGHUP) and the state dump
    // (SIGUSR1) reopen these files later.
    let absolute = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
    let config_path = absolute(config_path);
    let pid_path = absolute(PathBuf::from(pid_arg));
    let mut pid_file = match tinyvrrpd::os::pidfile::PidFile::lock(&pid_path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("tinyvrrpd: {e}");
            return ExitCode::from(EXIT_RUNTIME);
        }
    };
    if !foreground {
        if let Err(e) = nix::unistd::daemon(false, false) {
            eprintln!("tinyvrrpd: cannot daemonize: {e}");
            return ExitCode::from(EXIT_RUNTIME);
        }
    }
    tinyvrrpd::log::init(m.opt_present("l"), true, m.opt_present("D"));
    if let Err(e) = pid_file.write_pid() {
        log::error!("{e}");
        return ExitCode::from(EXIT_RUNTIME);
    }
    let paths = Paths {
        config: config_path,
        dump: pid_path.with_extension("data"),
        control: control_path(&pid_path),
    };
    log::info!(
        "tinyvrrpd {} starting with {}",
        env!("CARGO_PKG_VERSION"),
        paths.config.display()
    );
    let mut daemon = match Daemon::new(config, paths) {
        Ok(d) => d,
        Err(e) => {
            log::error!("cannot start: {e}");
            return ExitCode::from(EXIT_RUNTIME);
        }
    };
    match daemon.run() {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("poll loop failed: {e}; resigning");
            daemon.shutdown();
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

/// Read and parse the configuration, printing every error as FILE:LINE: message.
fn load(path: &Path) -> Result<Config, ()> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| eprintln!("tinyvrrpd: cannot read {name}: {e}"))?;
    config::parse(&name, &text).map_err(|errors| {
        for e in &errors {
            eprintln!("{e}");
        }
        eprintln!("{name}: {} error(s), configuration not valid", errors.len());
    })
}

/// The status socket lives beside the pid file: /run/tinyvrrpd.pid → /run/tinyvrrpd.sock.
fn control_path(pid: &Path) -> PathBuf {
    pid.with_extension("sock")
}

/// `tinyvrrpd status [--json]`: ask the running daemon.
fn status(socket: &Path, json: bool) -> ExitCode {
    let request = if json { "status json" } else { "status" };
    match tinyvrrpd::os::control::query(socket, request, std::time::Duration::from_secs(2)) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "tinyvrrpd: no answer on {}: {e} (is the daemon running? give its -p PIDFILE)",
                socket.display()
            );
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}
