//! The pid file: written after daemonizing, locked so a second daemon refuses to start,
//! removed on exit.
use super::cvt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub struct PidFile {
    path: PathBuf,
    _file: File,
}

impl PidFile {
    pub fn create(path: &Path) -> Result<PidFile, String> {
        let what = |e: io::Error| format!("pid file {}: {e}", path.display());
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .open(path)
            .map_err(what)?;
        // SAFETY: flock on a descriptor we own.
        if cvt(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }).is_err() {
            let mut old = String::new();
            let _ = f.read_to_string(&mut old);
            return Err(format!(
                "another tinyvrrpd is running (pid {}, {})",
                old.trim(),
                path.display()
            ));
        }
        f.set_len(0).map_err(what)?;
        f.rewind().map_err(what)?;
        writeln!(f, "{}", std::process::id()).map_err(what)?;
        Ok(PidFile {
            path: path.to_path_buf(),
            _file: f,
        })
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
