//! Interface sysctls under /proc/sys (keepalived sets the same for its virtual MACs).

use std::io;

fn path(family: &str, iface: &str, name: &str) -> String {
    format!("/proc/sys/net/{family}/conf/{iface}/{name}")
}

/// `net.<family>.conf.<iface>.<name>`, None if unreadable.
pub fn get(family: &str, iface: &str, name: &str) -> Option<u32> {
    std::fs::read_to_string(path(family, iface, name))
        .ok()?
        .trim()
        .parse()
        .ok()
}

pub fn set(family: &str, iface: &str, name: &str, value: u32) -> io::Result<()> {
    std::fs::write(path(family, iface, name), value.to_string())
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path(family, iface, name))))
}
