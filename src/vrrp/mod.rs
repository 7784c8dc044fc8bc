//! The VRRP protocol core: pure, sans-IO. Imports nothing but `wire`.
pub mod advaddr;
pub mod ah;
pub mod debounce;
pub mod duplicate;
pub mod group;
pub mod lowprio;
pub mod machine;
pub mod notify;
pub mod process;
pub mod ratelimit;
pub mod ready;
pub mod reload;
pub mod routes;
pub mod timers;
pub mod track;
pub mod ttl;
