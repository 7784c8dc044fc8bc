//! The VRRP protocol core: pure, sans-IO.
pub mod advaddr;
pub mod machine;
pub mod ratelimit;
pub mod timers;
pub mod track;
