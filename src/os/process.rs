//! Running scripts without blocking the loop: fork + execve into a process group of
//! their own, reaped on SIGCHLD (the signalfd), killed as a group on timeout. Everything
//! the child needs is prepared before fork, so the child only makes async-signal-safe
//! calls. Also: finding the program, the user it runs as, and keepalived's
//! `enable_script_security` check.

use crate::config::model::{Command, RunAs};
use std::ffi::{CStr, CString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// keepalived runs scripts as this user when it exists and no `script_user` is set.
const DEFAULT_SCRIPT_USER: &str = "keepalived_script";
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cred {
    pub uid: u32,
    pub gid: u32,
}

/// A command ready for execve: resolved program, arguments, credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// As configured, for log lines.
    pub text: String,
    pub prog: CString,
    pub argv: Vec<CString>,
    /// None: run as the daemon's own user.
    pub cred: Option<Cred>,
}

impl Prepared {
    /// The same command with more arguments (keepalived's `notify` gets
    /// `INSTANCE NAME STATE PRIORITY`).
    pub fn with_args(&self, extra: &[&str]) -> Prepared {
        let mut p = self.clone();
        p.argv
            .extend(extra.iter().filter_map(|a| CString::new(*a).ok()));
        p
    }
}

/// Who runs scripts by default: `script_user`, else keepalived_script if it exists, else
/// the daemon's own user.
pub fn default_user(script_user: Option<&RunAs>) -> Result<Option<Cred>, String> {
    match script_user {
        Some(u) => resolve_user(u).map(Some),
        None => match nix::unistd::User::from_name(DEFAULT_SCRIPT_USER) {
            Ok(Some(u)) => Ok(Some(Cred {
                uid: u.uid.as_raw(),
                gid: u.gid.as_raw(),
            })),
            _ => Ok(None),
        },
    }
}

fn resolve_user(u: &RunAs) -> Result<Cred, String> {
    let user = match nix::unistd::User::from_name(&u.user) {
        Ok(Some(p)) => p,
        Ok(None) => return Err(format!("user {} does not exist", u.user)),
        // As io::Errors: the C library's messages, not nix's own table (2 KB).
        Err(e) => {
            return Err(format!(
                "cannot look up user {}: {}",
                u.user,
                io::Error::from(e)
            ));
        }
    };
    let gid = match &u.group {
        None => user.gid.as_raw(),
        Some(g) => match nix::unistd::Group::from_name(g) {
            Ok(Some(g)) => g.gid.as_raw(),
            Ok(None) => return Err(format!("group {g} does not exist")),
            Err(e) => return Err(format!("cannot look up group {g}: {}", io::Error::from(e))),
        },
    };
    Ok(Cred {
        uid: user.uid.as_raw(),
        gid,
    })
}

/// Resolve a configured command: program found (PATH for bare names) and executable, its
/// user exists and may be switched to, and — with `security` — a script that runs as root
/// cannot be changed by anyone but root.
pub fn prepare(cmd: &Command, default: Option<Cred>, security: bool) -> Result<Prepared, String> {
    let cred = match &cmd.user {
        Some(u) => Some(resolve_user(u)?),
        None => default,
    };
    let euid = nix::unistd::geteuid().as_raw();
    let cred = cred.filter(|c| !(c.uid == euid && euid != 0));
    if let Some(c) = cred {
        if euid != 0 && c.uid != euid {
            return Err(format!(
                "cannot run it as uid {}: tinyvrrpd is not running as root",
                c.uid
            ));
        }
    }
    let name = &cmd.argv[0];
    let prog = find_program(name)?;
    let runs_as_root = cred.map_or(euid == 0, |c| c.uid == 0);
    if security && runs_as_root {
        check_secure(&prog)?;
        // `/bin/sh -c TEXT` (what a command with shell syntax becomes): the programs
        // TEXT starts run as root too.
        if let [_, c, text, ..] = cmd.argv.as_slice() {
            let shell = prog.file_name().and_then(|n| n.to_str());
            if c == "-c" && shell.is_some_and(|sh| SHELLS.contains(&sh)) {
                let programs = crate::config::shell::programs(text).map_err(|why| {
                    format!(
                        "\"{text}\" would run as root through {} but {why} cannot be checked (enable_script_security): put it in a script file",
                        prog.display()
                    )
                })?;
                for p in programs {
                    check_secure(&find_program(&p)?)?;
                }
            }
        }
    }
    let cstr = |s: &[u8]| CString::new(s).map_err(|_| "a NUL byte in the command".to_string());
    Ok(Prepared {
        text: cmd.text.clone(),
        prog: cstr(prog.as_os_str().as_bytes())?,
        argv: cmd
            .argv
            .iter()
            .map(|a| cstr(a.as_bytes()))
            .collect::<Result<_, _>>()?,
        cred,
    })
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
}

fn find_program(name: &str) -> Result<PathBuf, String> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return match std::fs::metadata(&p) {
            Err(e) => Err(format!("{name}: {e}")),
            Ok(_) if !is_executable(&p) => Err(format!("{name} is not an executable file")),
            Ok(_) => Ok(p),
        };
    }
    let path = std::env::var("PATH").unwrap_or_else(|_| DEFAULT_PATH.into());
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(name))
        .find(|p| is_executable(p))
        .ok_or_else(|| format!("program {name} not found in PATH ({path})"))
}

/// Shells whose `-c TEXT` runs the programs TEXT names.
const SHELLS: [&str; 6] = ["sh", "bash", "dash", "ash", "ksh", "mksh"];

/// A program that runs as root must be one only root can change.
fn check_secure(prog: &Path) -> Result<(), String> {
    match insecure_component(prog) {
        None => Ok(()),
        Some(why) => Err(format!(
            "{} would run as root but {why} (enable_script_security)",
            prog.display()
        )),
    }
}

/// Why a root-run program is not safe: a component a non-root user could change, of its
/// path as written (what is executed: a symlink is judged as the link, so one in a
/// directory others can write is caught) and of the file it resolves to.
fn insecure_component(prog: &Path) -> Option<String> {
    insecure_path(prog).or_else(|| match std::fs::canonicalize(prog) {
        Ok(real) => insecure_path(&real),
        Err(e) => Some(format!("its path cannot be resolved: {e}")),
    })
}

/// The first component of `path`, never following a symlink at that component, that a
/// non-root user could change: owned by a user, or writable by a group or everyone — a
/// sticky directory such as /tmp excepted, since others cannot replace what is in it.
/// A symlink's own mode means nothing: who may replace it is its directory's business,
/// checked next.
fn insecure_path(path: &Path) -> Option<String> {
    for p in path.ancestors().filter(|p| !p.as_os_str().is_empty()) {
        let Ok(m) = std::fs::symlink_metadata(p) else {
            return Some(format!("{} cannot be checked", p.display()));
        };
        let mode = m.mode();
        let sticky_dir = m.is_dir() && mode & 0o1000 != 0;
        if m.uid() != 0 {
            return Some(format!("{} is owned by uid {}", p.display(), m.uid()));
        }
        if m.file_type().is_symlink() {
            continue;
        }
        if mode & 0o020 != 0 && m.gid() != 0 && !sticky_dir {
            return Some(format!("{} is writable by group {}", p.display(), m.gid()));
        }
        if mode & 0o002 != 0 && !sticky_dir {
            return Some(format!("{} is writable by everyone", p.display()));
        }
    }
    None
}

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl Exit {
    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }
}

impl core::fmt::Display for Exit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit status {c}"),
            Exit::Signal(s) => write!(f, "killed by signal {s}"),
        }
    }
}

/// Whether a script inherits the daemon's environment variable `name`. Not what makes
/// the dynamic loader (every `LD_*`, keepalived clears LD_PRELOAD and LD_LIBRARY_PATH),
/// glibc's iconv (GCONV_PATH) or a shell (BASH_ENV, ENV: files it runs first; IFS, which
/// keepalived clears too) run or read what nobody configured.
fn inherited(name: &[u8]) -> bool {
    !(name.starts_with(b"LD_") || matches!(name, b"IFS" | b"BASH_ENV" | b"ENV" | b"GCONV_PATH"))
}

/// What the child needs, prepared before fork (see `child`).
struct ChildSetup<'a> {
    prog: &'a CStr,
    argv: &'a [*const libc::c_char],
    envp: &'a [*const libc::c_char],
    null_fd: libc::c_int,
    cred: Option<Cred>,
    all: libc::sigset_t,
    max_signal: libc::c_int,
    /// Descriptors below this may be open (the soft RLIMIT_NOFILE).
    fd_limit: libc::c_int,
}

/// Start `cmd` in a new process group with stdin/stdout/stderr on /dev/null, no other
/// descriptor, default signal handling, and the daemon's environment (less what
/// `inherited` refuses) with `env` added. Returns the child's pid (which is also its
/// process group).
pub fn spawn(cmd: &Prepared, env: &[(&str, &str)]) -> io::Result<i32> {
    let devnull = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    let argv: Vec<*const libc::c_char> = cmd
        .argv
        .iter()
        .map(|a| a.as_ptr())
        .chain(core::iter::once(core::ptr::null()))
        .collect();
    let mut env_strings: Vec<CString> = std::env::vars_os()
        .filter(|(k, _)| {
            let k = k.as_bytes();
            inherited(k) && !env.iter().any(|(e, _)| k == e.as_bytes())
        })
        .filter_map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).ok()
        })
        .collect();
    env_strings.extend(
        env.iter()
            .filter_map(|(k, v)| CString::new(format!("{k}={v}")).ok()),
    );
    let envp: Vec<*const libc::c_char> = env_strings
        .iter()
        .map(|e| e.as_ptr())
        .chain(core::iter::once(core::ptr::null()))
        .collect();
    // SAFETY: sigset_t is plain old data; sigfillset initialises it below.
    let mut all: libc::sigset_t = unsafe { core::mem::zeroed() };
    // SAFETY: initialises the set we own.
    unsafe { libc::sigfillset(&mut all) };
    // SAFETY: rlimit is plain old data, filled by getrlimit.
    let mut nofile: libc::rlimit = unsafe { core::mem::zeroed() };
    // SAFETY: valid out-pointer; on failure the fallback bound below applies.
    let fd_limit = match unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut nofile) } {
        0 => nofile.rlim_cur.min(1 << 20) as libc::c_int,
        _ => 1024,
    };
    let setup = ChildSetup {
        prog: cmd.prog.as_c_str(),
        argv: &argv,
        envp: &envp,
        null_fd: std::os::fd::AsRawFd::as_raw_fd(&devnull),
        cred: cmd.cred,
        all,
        max_signal: libc::SIGRTMAX(),
        fd_limit,
    };
    // SAFETY: single-threaded process; the child below only makes async-signal-safe
    // calls on data prepared before the fork, then execs or _exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: async-signal-safe calls only, on memory that stays valid in the child.
        unsafe { child(&setup) }
    }
    // Also from the parent, so a kill of the group right after spawn cannot miss it.
    // SAFETY: plain syscall on our own child.
    unsafe { libc::setpgid(pid, pid) };
    Ok(pid)
}

/// The child side of `spawn`. Never returns.
unsafe fn child(c: &ChildSetup) -> ! {
    // SAFETY (whole body): async-signal-safe syscalls; pointers come from the parent's
    // live allocations, which the forked child shares a copy of.
    unsafe {
        libc::setpgid(0, 0);
        // The daemon blocks its signals for the signalfd and ignores the others that
        // would end it, and whoever started it may have ignored more (nohup): a script
        // starts with default dispositions, real-time signals included, nothing blocked.
        libc::sigprocmask(libc::SIG_UNBLOCK, &c.all, core::ptr::null_mut());
        for sig in 1..=c.max_signal {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        // Capabilities the service manager gave the daemon (ambient) are not the scripts'.
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        );
        // The daemon may run SCHED_RR; its scripts must not.
        let _ = super::sched::normal();
        for fd in 0..3 {
            libc::dup2(c.null_fd, fd);
        }
        // Whatever started the daemon may have left descriptors open without
        // close-on-exec (the daemon's own have it): they are not the scripts'. Linux 5.9
        // has close_range(2); older kernels (OpenWrt 21.02 runs 5.4) one close each.
        let all_above_stderr = libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
        if all_above_stderr != 0 {
            for fd in 3..c.fd_limit {
                libc::close(fd);
            }
        }
        if let Some(cred) = c.cred {
            let gid = cred.gid as libc::gid_t;
            if libc::setgroups(1, &gid) != 0
                || libc::setgid(gid) != 0
                || libc::setuid(cred.uid as libc::uid_t) != 0
            {
                libc::_exit(126);
            }
        }
        libc::execve(c.prog.as_ptr(), c.argv.as_ptr(), c.envp.as_ptr());
        libc::_exit(127);
    }
}

/// Run `cmd` to its end (for start-up work, before the poll loop: nothing else is
/// served meanwhile), killed with its group after `timeout`.
pub fn run(cmd: &Prepared, timeout: core::time::Duration) -> io::Result<Exit> {
    const STEP_MS: u64 = 5;
    let pid = spawn(cmd, &[])?;
    let mut status = 0;
    for _ in 0..=timeout.as_millis() as u64 / STEP_MS {
        // SAFETY: status is a valid out-pointer; pid is our child.
        match unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } {
            r if r == pid => return Ok(exit_of(status)),
            r if r < 0 => return Err(io::Error::last_os_error()),
            _ => super::poll(&mut [], Some(STEP_MS * 1000))?,
        }
    }
    kill_group(pid);
    // SAFETY: as above; blocks only until the killed child is gone.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    Err(io::Error::new(
        io::ErrorKind::TimedOut,
        "killed at its timeout",
    ))
}

fn exit_of(status: libc::c_int) -> Exit {
    if libc::WIFEXITED(status) {
        Exit::Code(libc::WEXITSTATUS(status))
    } else {
        Exit::Signal(libc::WTERMSIG(status))
    }
}

/// Kill a child's whole process group (a script's own children included), and the
/// child itself: one that moved to another group would escape the group kill, and its
/// queue would wait for it forever.
pub fn kill_group(pid: i32) {
    // SAFETY: plain syscalls on a child not yet reaped (so the pid is still ours); a
    // group or process that is already gone is not an error worth reporting.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
        libc::kill(pid, libc::SIGKILL);
    }
}

/// One ended child, if any (non-blocking). Call until None after each SIGCHLD.
pub fn reap() -> Option<(i32, Exit)> {
    let mut status = 0;
    // SAFETY: status is a valid out-pointer.
    let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    if pid <= 0 {
        return None;
    }
    Some((pid, exit_of(status)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(argv: &[&str]) -> Command {
        Command {
            text: argv.join(" "),
            argv: argv.iter().map(|s| s.to_string()).collect(),
            user: None,
        }
    }

    #[test]
    fn bare_names_are_found_in_path_and_missing_programs_are_named() {
        let p = prepare(&cmd(&["sh", "-c", "true"]), None, false).unwrap();
        assert!(p.prog.to_bytes().ends_with(b"/sh"));
        assert_eq!(
            prepare(&cmd(&["/nonexistent/x"]), None, false).unwrap_err(),
            "/nonexistent/x: No such file or directory (os error 2)"
        );
        assert!(
            prepare(&cmd(&["no-such-program-here"]), None, false)
                .unwrap_err()
                .starts_with("program no-such-program-here not found in PATH")
        );
        assert_eq!(
            prepare(&cmd(&["/etc/passwd"]), None, false).unwrap_err(),
            "/etc/passwd is not an executable file"
        );
    }

    #[test]
    fn unknown_users_are_refused() {
        let mut c = cmd(&["/bin/true"]);
        c.user = Some(RunAs {
            user: "no-such-user-x".into(),
            group: None,
        });
        assert_eq!(
            prepare(&c, None, false).unwrap_err(),
            "user no-such-user-x does not exist"
        );
    }

    #[test]
    fn a_world_writable_path_is_insecure_and_system_binaries_are_not() {
        assert_eq!(insecure_component(Path::new("/bin/sh")), None);
        let dir = std::env::temp_dir().join(format!("tinyvrrpd-sec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("check.sh");
        std::fs::write(&f, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o757)).unwrap();
        let why = insecure_component(&f).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(why.contains("check.sh"), "{why}");
    }

    #[test]
    fn the_loader_and_shell_start_up_variables_are_not_inherited() {
        for name in [
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "LD_AUDIT",
            "IFS",
            "BASH_ENV",
            "ENV",
        ] {
            assert!(!inherited(name.as_bytes()), "{name}");
        }
        for name in ["PATH", "HOME", "LANG", "ENVIRONMENT", "OLD_PWD"] {
            assert!(inherited(name.as_bytes()), "{name}");
        }
    }

    /// A scratch directory with `mode` under the temporary directory, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str, mode: u32) -> Scratch {
            use std::os::unix::fs::PermissionsExt;
            let d = std::env::temp_dir().join(format!("tinyvrrpd-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&d);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(mode)).unwrap();
            Scratch(d)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn root() -> bool {
        // SAFETY: geteuid has no preconditions.
        (unsafe { libc::geteuid() }) == 0
    }

    #[test]
    fn a_symlink_is_judged_where_it_is_written_not_only_where_it_points() {
        if !root() {
            return; // the safe cases need files only root owns
        }
        // Anyone may replace the link in a world-writable directory: what runs as root
        // is then theirs, even though it points at /bin/true today.
        let open = Scratch::new("open", 0o777);
        let link = open.0.join("check.sh");
        std::os::unix::fs::symlink("/bin/true", &link).unwrap();
        let why = prepare(&cmd(&[link.to_str().unwrap()]), None, true).unwrap_err();
        assert!(why.contains("writable by everyone"), "{why}");
        assert!(why.contains(open.0.to_str().unwrap()), "{why}");
        // The same link where only root can change it is fine.
        let closed = Scratch::new("closed", 0o755);
        let link = closed.0.join("check.sh");
        std::os::unix::fs::symlink("/bin/true", &link).unwrap();
        prepare(&cmd(&[link.to_str().unwrap()]), None, true).unwrap();
    }

    #[test]
    fn the_programs_a_shell_command_starts_are_checked_too() {
        if !root() {
            return;
        }
        use std::os::unix::fs::PermissionsExt;
        let open = Scratch::new("shell", 0o777);
        let script = open.0.join("check.sh");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let text = format!("{} > /dev/null", script.display());
        let why = prepare(&cmd(&["/bin/sh", "-c", &text]), None, true).unwrap_err();
        assert!(why.starts_with(script.to_str().unwrap()), "{why}");
        assert!(why.contains("writable by everyone"), "{why}");
        // Without enable_script_security nothing is checked (keepalived warns).
        prepare(&cmd(&["/bin/sh", "-c", &text]), None, false).unwrap();
        let safe = "/bin/true > /dev/null 2>&1 && test -e /etc/passwd | cat";
        prepare(&cmd(&["/bin/sh", "-c", safe]), None, true).unwrap();
        // A command substitution's program runs as root as well.
        let nested = format!("/bin/true $({})", script.display());
        let why = prepare(&cmd(&["/bin/sh", "-c", &nested]), None, true).unwrap_err();
        assert!(why.starts_with(script.to_str().unwrap()), "{why}");
        prepare(
            &cmd(&["/bin/sh", "-c", "kill -0 $(cat /run/x.pid)"]),
            None,
            true,
        )
        .unwrap();
        // A program chosen at run time cannot be checked.
        let why = prepare(&cmd(&["/bin/sh", "-c", "$CHECK"]), None, true).unwrap_err();
        assert!(why.contains("cannot be checked"), "{why}");
    }

    /// A command that leaves its process group (it joins another of the session, here
    /// the test's own) escapes a kill of that group; killed at its timeout it must die
    /// all the same, or the queue it runs on waits for it forever.
    #[test]
    fn a_child_that_left_its_process_group_is_still_killed() {
        let perl = cmd(&[
            "perl",
            "-e",
            "setpgrp(0, getpgrp(getppid())) or die; sleep 60",
        ]);
        let Ok(p) = prepare(&perl, None, false) else {
            return; // no perl here (Debian's is essential, so CI has it)
        };
        let pid = spawn(&p, &[]).unwrap();
        // SAFETY (this test's syscalls): getpgid, kill and waitpid on our own child, with
        // valid out-pointers.
        let moved = || unsafe { libc::getpgid(pid) } != pid;
        for _ in 0..300 {
            if moved() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(moved(), "the command did not leave its process group");
        kill_group(pid);
        let mut status = 0;
        let mut gone = false;
        for _ in 0..200 {
            // SAFETY: see above.
            if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
                gone = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        if !gone {
            // SAFETY: see above; nothing of this test outlives it.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
        }
        assert!(
            gone,
            "a command outside its process group survived the kill"
        );
        assert!(libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGKILL);
    }

    #[test]
    fn spawned_children_are_reaped_with_their_status() {
        let p = prepare(&cmd(&["/bin/sh", "-c", "exit 3"]), None, false).unwrap();
        let pid = spawn(&p, &[("X", "1")]).unwrap();
        let mut got = None;
        for _ in 0..500 {
            // Other tests may spawn children too; wait for ours only.
            let mut status = 0;
            // SAFETY: valid out-pointer.
            if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
                got = Some(libc::WEXITSTATUS(status));
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(got, Some(3));
    }

    #[test]
    fn scripts_run_as_their_user_with_default_signals() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return; // switching users needs root
        }
        // The C library keeps the first real-time signals for itself (NPTL, musl's
        // timers) and refuses to change them: whatever started the tests may have left
        // them ignored, and the program exec'd resets them itself.
        let reserved: u64 = (32..libc::SIGRTMIN()).map(|s| 1u64 << (s - 1)).sum();
        // Signal 64 would be the sign bit of the shell's arithmetic.
        let mask = !reserved & (u64::MAX >> 1);
        // The uid of nobody, and no signal ignored or blocked, real-time ones included
        // (the test harness, like the daemon, ignores SIGPIPE, and below a real-time
        // signal as the daemon does: the child must inherit neither).
        let check = format!(
            "test \"$(id -un)\" = nobody \
             && ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/self/status) \
             && blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' /proc/self/status) \
             && test $((0x$ign & {mask:#x})) = 0 && test $((0x$blk & {mask:#x})) = 0"
        );
        let mut c = cmd(&["/bin/sh", "-c", &check]);
        // SAFETY: SIG_IGN installs no handler; nothing in this test process uses it.
        unsafe { libc::signal(libc::SIGRTMIN() + 7, libc::SIG_IGN) };
        c.user = Some(RunAs {
            user: "nobody".into(),
            group: None,
        });
        let p = prepare(&c, None, false).unwrap();
        assert_eq!(p.cred.map(|c| c.uid), Some(65534));
        let pid = spawn(&p, &[]).unwrap();
        let mut status = 0;
        for _ in 0..500 {
            // SAFETY: valid out-pointer.
            if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "{status:#x}"
        );
    }
}
