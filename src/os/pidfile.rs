//! The pid file: locked before daemonizing (the flock belongs to the open file, which the
//! forked child inherits) so a second daemon is refused on the terminal that started it;
//! the pid is written once the final process exists; removed on exit. A symlink in its
//! place is refused, never followed (the directory may be one others can write, as
//! keepalived's /tmp), and its mode is set on the open file.
use super::cvt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub struct PidFile {
    path: PathBuf,
    file: File,
}

impl PidFile {
    pub fn lock(path: &Path) -> Result<PidFile, String> {
        let what = |e: io::Error| format!("pid file {}: {e}", path.display());
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .map_err(what)?;
        // SAFETY: flock on a descriptor we own.
        if cvt(unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }).is_err() {
            let mut old = String::new();
            let _ = file.read_to_string(&mut old);
            return Err(format!(
                "another tinyvrrpd is running (pid {}, {})",
                old.trim(),
                path.display()
            ));
        }
        // fchmod: whatever mode an existing file had.
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .map_err(what)?;
        Ok(PidFile {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Record this process's pid (call after daemonizing).
    pub fn write_pid(&mut self) -> Result<(), String> {
        let what = |e: io::Error| format!("pid file {}: {e}", self.path.display());
        self.file.set_len(0).map_err(what)?;
        self.file.rewind().map_err(what)?;
        writeln!(self.file, "{}", std::process::id()).map_err(what)
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
