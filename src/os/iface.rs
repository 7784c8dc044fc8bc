//! Interface facts by ioctl: index, hardware address, primary IPv4 address.
use super::{cvt, socket};
use std::io;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Iface {
    pub index: u32,
    pub mac: [u8; 6],
}

fn ifreq(name: &str) -> io::Result<libc::ifreq> {
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { core::mem::zeroed() };
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= req.ifr_name.len() || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "bad interface name",
        ));
    }
    for (d, s) in req.ifr_name.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    Ok(req)
}

/// `request` is one of libc's SIOCGIF* constants (c_ulong everywhere), converted to the
/// request type ioctl takes, which differs between glibc (c_ulong) and musl (c_int).
fn ioctl(name: &str, request: libc::c_ulong) -> io::Result<libc::ifreq> {
    let mut req = ifreq(name)?;
    let sock = socket(libc::AF_INET, libc::SOCK_DGRAM, 0)?;
    // SAFETY: the request is one of the SIOCGIF* reads that fill the ifreq we pass.
    cvt(unsafe { libc::ioctl(sock.as_raw_fd(), request as libc::Ioctl, &mut req) })?;
    Ok(req)
}

pub fn lookup(name: &str) -> io::Result<Iface> {
    let req = ioctl(name, libc::SIOCGIFINDEX)?;
    // SAFETY: SIOCGIFINDEX filled the ifindex member of the union.
    let index = unsafe { req.ifr_ifru.ifru_ifindex } as u32;
    let req = ioctl(name, libc::SIOCGIFHWADDR)?;
    // SAFETY: SIOCGIFHWADDR filled the hwaddr member.
    let hw = unsafe { req.ifr_ifru.ifru_hwaddr };
    let mut mac = [0u8; 6];
    for (d, s) in mac.iter_mut().zip(hw.sa_data.iter()) {
        *d = *s as u8;
    }
    Ok(Iface { index, mac })
}

/// The interface's primary IPv4 address: the source of multicast adverts and the
/// tie-breaker between equal priorities.
pub fn primary_ipv4(name: &str) -> io::Result<Ipv4Addr> {
    let req = ioctl(name, libc::SIOCGIFADDR)?;
    // SAFETY: SIOCGIFADDR filled ifru_addr with a sockaddr_in for AF_INET.
    let sa = unsafe { req.ifr_ifru.ifru_addr };
    // SAFETY: sockaddr and sockaddr_in have the same size; AF_INET data is a sockaddr_in.
    let sin: libc::sockaddr_in = unsafe { core::mem::transmute_copy(&sa) };
    Ok(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)))
}

/// Whether the interface is administratively and operationally up (IFF_UP|IFF_RUNNING).
pub fn is_up(name: &str) -> io::Result<bool> {
    let req = ioctl(name, libc::SIOCGIFFLAGS)?;
    // SAFETY: SIOCGIFFLAGS filled the flags member.
    let flags = unsafe { req.ifr_ifru.ifru_flags } as libc::c_int;
    Ok(flags & libc::IFF_UP != 0 && flags & libc::IFF_RUNNING != 0)
}

/// The state of an interface's IPv6 link-local address, the source of IPv6 adverts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkLocal {
    Ready(std::net::Ipv6Addr),
    /// Still in duplicate address detection (or IPv6 just enabled): wait, don't fail.
    Tentative,
    None,
}

const IFA_F_DADFAILED: u32 = 0x08;
const IFA_F_TENTATIVE: u32 = 0x40;
const SCOPE_LINK: u32 = 0x20;

/// From /proc/net/if_inet6 (address, index, prefix length, scope, flags, name — hex).
pub fn link_local_in(table: &str, name: &str) -> LinkLocal {
    let mut state = LinkLocal::None;
    for line in table.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [addr, _, _, scope, flags, ifname] = f[..] else {
            continue;
        };
        let hex = |s: &str| u32::from_str_radix(s, 16).ok();
        if ifname != name || hex(scope) != Some(SCOPE_LINK) || addr.len() != 32 {
            continue;
        }
        let Some(bits) = u128::from_str_radix(addr, 16).ok() else {
            continue;
        };
        match hex(flags) {
            Some(fl) if fl & (IFA_F_TENTATIVE | IFA_F_DADFAILED) == 0 => {
                return LinkLocal::Ready(std::net::Ipv6Addr::from(bits));
            }
            Some(_) => state = LinkLocal::Tentative,
            None => {}
        }
    }
    state
}

pub fn link_local_v6(name: &str) -> LinkLocal {
    match std::fs::read_to_string("/proc/net/if_inet6") {
        Ok(t) => link_local_in(&t, name),
        Err(_) => LinkLocal::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_local_is_ready_only_after_dad() {
        let table = "\
20010db8000000000000000000000011 02 40 00 80   enp0s1
fe80000000000000000000fffe00000b 02 40 20 c0   enp0s1
00000000000000000000000000000001 01 80 10 80       lo
";
        assert_eq!(link_local_in(table, "enp0s1"), LinkLocal::Tentative);
        let ready = table.replace("20 c0", "20 80");
        assert_eq!(
            link_local_in(&ready, "enp0s1"),
            LinkLocal::Ready("fe80::ff:fe00:b".parse().unwrap())
        );
        assert_eq!(link_local_in(&ready, "eth9"), LinkLocal::None);
        assert_eq!(link_local_in("garbage\n\n1 2 3", "enp0s1"), LinkLocal::None);
    }
}
