//! Interface facts by ioctl: index, hardware address, up or down. (Addresses come from
//! rtnetlink: `netlink::Netlink::addresses`.)
use super::{cvt, socket};
use std::io;
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

/// Whether the interface is administratively and operationally up (IFF_UP|IFF_RUNNING).
pub fn is_up(name: &str) -> io::Result<bool> {
    let req = ioctl(name, libc::SIOCGIFFLAGS)?;
    // SAFETY: SIOCGIFFLAGS filled the flags member.
    let flags = unsafe { req.ifr_ifru.ifru_flags } as libc::c_int;
    Ok(flags & libc::IFF_UP != 0 && flags & libc::IFF_RUNNING != 0)
}
