//! The VRRP protocol core: pure, sans-IO.
pub mod timers;
