//! The configuration's files for `config::Loader`: the main file and what it includes,
//! directory listings for include patterns, and the host name for keepalived's `@ID`
//! lines. The configuration code itself reads nothing.

use crate::config::Loader;
use std::os::unix::fs::PermissionsExt;

/// The file system, as keepalived reads it. `config_id` is keepalived's `-i ID`; without
/// it, `@ID` lines compare with the host name up to its first dot, as in keepalived.
#[derive(Debug, Default, Clone)]
pub struct ConfigFiles {
    pub config_id: Option<String>,
}

impl Loader for ConfigFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        let meta = std::fs::metadata(path).map_err(reason)?;
        if meta.is_dir() {
            return Err("Is a directory".into());
        }
        // keepalived reads only regular files nobody could mistake for a program.
        if !meta.is_file() || meta.permissions().mode() & 0o111 != 0 {
            return Err("not a regular non-executable file".into());
        }
        std::fs::read_to_string(path).map_err(reason)
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, String> {
        let entries = std::fs::read_dir(dir).map_err(reason)?;
        Ok(entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect())
    }

    /// keepalived's default config id: the host name up to its first dot.
    fn config_id(&self) -> Option<String> {
        if self.config_id.is_some() {
            return self.config_id.clone();
        }
        let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
        let id = name.trim().split('.').next()?;
        (!id.is_empty()).then(|| id.to_string())
    }
}

/// The error's words without Rust's " (os error N)".
fn reason(e: std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
