//! The address an instance's adverts leave from — also its tie-breaker between equal
//! priorities: `unicast_src_ip`, else the interface's primary IPv4 address, else (IPv6)
//! the interface's link-local address once duplicate address detection is done; until
//! then the instance waits.

use super::error::StartError;
use crate::config::model::Instance;
use crate::os::iface::{self, LinkLocal};
use std::net::IpAddr;

/// The source at start (or when a reload adds the instance): None while an IPv6
/// link-local address is still tentative.
pub fn initial(inst: &Instance) -> Result<Option<IpAddr>, StartError> {
    if let Some(a) = inst.unicast_src {
        return Ok(Some(a));
    }
    if inst.is_ipv6() {
        return Ok(link_local(&inst.interface));
    }
    match iface::primary_ipv4(&inst.interface) {
        Ok(a) => Ok(Some(IpAddr::V4(a))),
        Err(source) => Err(StartError::NoSource {
            instance: inst.name.clone(),
            interface: inst.interface.clone(),
            source,
        }),
    }
}

/// The interface's IPv6 link-local address, once duplicate address detection is done.
pub fn link_local(interface: &str) -> Option<IpAddr> {
    match iface::link_local_v6(interface) {
        LinkLocal::Ready(a) => Some(IpAddr::V6(a)),
        LinkLocal::Tentative | LinkLocal::None => None,
    }
}
