//! `track_file` at runtime: each tracked file's number, read at start and again whenever
//! it is written, moved in or removed (inotify on its directory, as keepalived watches
//! it: no polling). A missing file counts as 0; a number beyond keepalived's range is
//! ignored with its words, keeping the last value.

use crate::config::model::TrackFile;
use crate::os::inotify::{Inotify, read_head, write_value};
use crate::vrrp::track::file_value;
use log::{info, warn};
use std::os::fd::RawFd;

struct Watched {
    cfg: TrackFile,
    value: i64,
    /// The watch on its directory (shared by files in one directory).
    wd: i32,
}

#[derive(Default)]
pub struct Files {
    files: Vec<Watched>,
    inotify: Option<Inotify>,
}

/// The directory and name of an absolute path (configuration refuses others).
fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(0) => ("/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (".", path),
    }
}

impl Files {
    /// Track these files from now on: `init_file` is written first (not on a reload,
    /// as keepalived), then every file is watched and read.
    pub fn set(&mut self, files: Vec<TrackFile>, reload: bool) {
        self.files.clear();
        if files.is_empty() {
            self.inotify = None;
            return;
        }
        // A fresh instance each time: the old watches go with the old one.
        self.inotify = match Inotify::open() {
            Ok(i) => Some(i),
            Err(e) => {
                warn!("track_file: cannot watch files ({e}): their values are read at start only");
                None
            }
        };
        for cfg in files {
            if let (Some((v, overwrite)), false) = (cfg.init, reload) {
                let exists = std::path::Path::new(&cfg.path).exists();
                if overwrite || !exists {
                    if let Err(e) = write_value(&cfg.path, v) {
                        warn!("Unable to initialise track file {}: {e}", cfg.name);
                    }
                }
            }
            let (dir, _) = split(&cfg.path);
            let wd = match self.inotify.as_ref().map(|i| i.watch(dir)) {
                Some(Ok(wd)) => wd,
                Some(Err(e)) => {
                    warn!(
                        "Track file directory for {} ({dir}) cannot be watched: {e}",
                        cfg.name
                    );
                    -1
                }
                None => -1,
            };
            let mut w = Watched { cfg, value: 0, wd };
            read(&mut w);
            self.files.push(w);
        }
    }

    pub fn raw_fd(&self) -> Option<RawFd> {
        self.inotify.as_ref().map(Inotify::raw_fd)
    }

    /// The file's number now (0 when missing).
    pub fn value(&self, name: &str) -> Option<i64> {
        self.files
            .iter()
            .find(|f| f.cfg.name == name)
            .map(|f| f.value)
    }

    /// Files changed. Returns whether a value did.
    pub fn read_events(&mut self) -> bool {
        let Some(ino) = &self.inotify else {
            return false;
        };
        let events = match ino.read() {
            Ok(e) => e,
            Err(e) => {
                warn!("inotify read: {e}");
                return false;
            }
        };
        let mut changed = false;
        for ev in events {
            for f in &mut self.files {
                if f.wd != ev.wd || split(&f.cfg.path).1 != ev.name {
                    continue;
                }
                let old = f.value;
                if ev.gone {
                    f.value = 0;
                } else {
                    read(f);
                }
                if f.value != old {
                    info!(
                        "Track file {} value changed from {old} to {}",
                        f.cfg.name, f.value
                    );
                    changed = true;
                }
            }
        }
        changed
    }
}

/// Read a file's number; an unreadable number keeps the last value (keepalived's words).
fn read(f: &mut Watched) {
    match file_value(&read_head(&f.cfg.path)) {
        Some(v) => f.value = v,
        None => warn!("Invalid number read from {} - ignoring", f.cfg.path),
    }
}
