//! tinyvrrpd: a minimal VRRP daemon. The library holds everything so tests and fuzzers
//! reach it; `main.rs` is a thin CLI over it.
pub mod config;
pub mod daemon;
pub mod log;
pub mod os;
pub mod vrrp;
pub mod wire;
