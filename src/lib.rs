//! tinyvrrpd: a minimal VRRP daemon. The library holds everything so tests and fuzzers
//! reach it; `main.rs` is a thin CLI over it.
//!
//! `unsafe` lives in `os` alone (each block with a `// SAFETY:` line): the core, the
//! configuration and the daemon are safe Rust, and the compiler holds them to it.
#![deny(unsafe_code)]
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod config;
pub mod daemon;
pub mod log;
#[allow(unsafe_code)]
pub mod os;
pub mod vrrp;
pub mod wire;
