//! The one validated configuration model. Both front-ends (key=value and keepalived.conf)
//! produce exactly this; nothing downstream knows which format a setting came from.

use crate::vrrp::timers::Centis;
use crate::wire::Version;
use core::time::Duration;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// keepalived's `global_defs { router_id }`: a name for logs, nothing more.
    pub router_id: Option<String>,
    pub instances: Vec<Instance>,
}

/// keepalived's `state`: only a hint for start-up (see the state machine), never a
/// guarantee of mastership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialState {
    Master,
    Backup,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vip {
    pub addr: IpAddr,
    pub prefix_len: u8,
    /// `dev IF`; None means the instance's interface.
    pub dev: Option<String>,
    /// `label L`: the kernel address label (must start with the device name).
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    /// Line where the instance starts, for messages after parsing (reload, runtime errors).
    pub line: u32,
    pub interface: String,
    pub vrid: u8,
    pub priority: u8,
    pub initial_state: InitialState,
    pub version: Version,
    pub advert_interval: Centis,
    pub preempt: bool,
    pub preempt_delay: Duration,
    /// Source of unicast adverts; None = multicast mode or the interface's primary address.
    pub unicast_src: Option<IpAddr>,
    /// Non-empty = unicast mode: adverts go to each peer and only peers are listened to.
    pub unicast_peers: Vec<IpAddr>,
    /// VRRPv2 simple text password (auth type 1), zero-padded to 8 bytes.
    pub auth_pass: Option<[u8; 8]>,
    pub vips: Vec<Vip>,
    /// keepalived's garp_master_delay: the second gratuitous ARP burst after becoming
    /// master; zero disables it.
    pub garp_master_delay: Duration,
    /// keepalived's garp_master_repeat: gratuitous ARPs per VIP in each burst.
    pub garp_master_repeat: u8,
}

impl Instance {
    /// keepalived's defaults for everything a config may leave out.
    pub fn with_defaults(name: &str, line: u32) -> Instance {
        Instance {
            name: name.to_string(),
            line,
            interface: String::new(),
            vrid: 0,
            priority: 100,
            initial_state: InitialState::Backup,
            version: Version::V2,
            advert_interval: Centis(100),
            preempt: true,
            preempt_delay: Duration::ZERO,
            unicast_src: None,
            unicast_peers: Vec::new(),
            auth_pass: None,
            vips: Vec::new(),
            garp_master_delay: Duration::from_secs(5),
            garp_master_repeat: 5,
        }
    }

    pub fn is_unicast(&self) -> bool {
        !self.unicast_peers.is_empty()
    }
}
