//! The raw IPv4 socket for IP protocol 112, one per interface.
use super::{cvt, cvt_size, setsockopt, socket};
use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// RFC 5798 §5.1.1.1: the IPv4 multicast group for VRRP.
pub const VRRP_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
pub const VRRP_PROTO: libc::c_int = 112;

pub struct VrrpSocket {
    fd: OwnedFd,
    ifindex: u32,
    joined: bool,
}

impl VrrpSocket {
    pub fn open_v4(ifname: &str, ifindex: u32) -> io::Result<VrrpSocket> {
        let fd = socket(libc::AF_INET, libc::SOCK_RAW, VRRP_PROTO)?;
        let raw = fd.as_raw_fd();
        // Receive and send only on this interface, whatever the routing table says.
        // SAFETY: the name pointer and length describe a valid byte string.
        cvt(unsafe {
            libc::setsockopt(
                raw,
                libc::SOL_SOCKET,
                libc::SO_BINDTODEVICE,
                ifname.as_ptr().cast(),
                ifname.len() as libc::socklen_t,
            )
        })?;
        // RFC 5798 §5.1.1.3: TTL 255 so receivers can tell the advert was not routed.
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_TTL, &255i32)?;
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, &255i32)?;
        // Precedence "internetwork control", as keepalived sends: QoS treats both alike.
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_TOS, &0xc0i32)?;
        // Our own multicast adverts must not come back to us.
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, &0i32)?;
        let mreqn = mreqn(Ipv4Addr::UNSPECIFIED, ifindex);
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &mreqn)?;
        // Larger receive buffer: a burst of adverts (or junk) must not crowd out the
        // master's adverts while we sleep.
        setsockopt(raw, libc::SOL_SOCKET, libc::SO_RCVBUF, &(256 * 1024i32))?;
        Ok(VrrpSocket {
            fd,
            ifindex,
            joined: false,
        })
    }

    /// Join 224.0.0.18 on this interface (needed by multicast-mode instances only).
    pub fn join_group(&mut self) -> io::Result<()> {
        if !self.joined {
            let m = mreqn(VRRP_GROUP_V4, self.ifindex);
            setsockopt(
                self.fd.as_raw_fd(),
                libc::IPPROTO_IP,
                libc::IP_ADD_MEMBERSHIP,
                &m,
            )?;
            self.joined = true;
        }
        Ok(())
    }

    pub fn leave_group(&mut self) -> io::Result<()> {
        if self.joined {
            let m = mreqn(VRRP_GROUP_V4, self.ifindex);
            setsockopt(
                self.fd.as_raw_fd(),
                libc::IPPROTO_IP,
                libc::IP_DROP_MEMBERSHIP,
                &m,
            )?;
            self.joined = false;
        }
        Ok(())
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// One datagram, IPv4 header included; None when nothing is queued.
    pub fn recv<'a>(&self, buf: &'a mut [u8]) -> io::Result<Option<&'a [u8]>> {
        // SAFETY: buf is valid for writes of its length.
        let n = unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_TRUNC,
            )
        };
        match cvt_size(n) {
            Ok(n) if n > buf.len() => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "oversized datagram",
            )),
            Ok(n) => Ok(Some(&buf[..n])),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Send a VRRP message from `src` (which must be a local address) to `dst`. The
    /// kernel builds the IP header; IP_PKTINFO pins the source, which the v3 checksum
    /// covered, and the outgoing interface.
    pub fn send(&self, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> io::Result<()> {
        // SAFETY: sockaddr_in and msghdr are plain old data; all-zero is valid for both.
        let (mut sin, mut msg): (libc::sockaddr_in, libc::msghdr) = unsafe { core::mem::zeroed() };
        sin.sin_family = libc::AF_INET as libc::sa_family_t;
        sin.sin_addr.s_addr = u32::from(dst).to_be();
        let mut iov = libc::iovec {
            iov_base: payload.as_ptr() as *mut _,
            iov_len: payload.len(),
        };
        let info = libc::in_pktinfo {
            ipi_ifindex: self.ifindex as libc::c_int,
            ipi_spec_dst: libc::in_addr {
                s_addr: u32::from(src).to_be(),
            },
            ipi_addr: libc::in_addr { s_addr: 0 },
        };
        // u64 elements keep the control buffer aligned for cmsghdr.
        let mut cbuf = [0u64; 8];
        // SAFETY: CMSG_SPACE is a pure size computation.
        let space =
            unsafe { libc::CMSG_SPACE(core::mem::size_of::<libc::in_pktinfo>() as u32) } as usize;
        msg.msg_name = (&mut sin as *mut libc::sockaddr_in).cast();
        msg.msg_namelen = core::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        // SAFETY: msg_control points to `space` <= 64 writable, aligned bytes, enough for
        // one in_pktinfo control message; CMSG_FIRSTHDR is therefore non-null.
        unsafe {
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::IPPROTO_IP;
            (*cmsg).cmsg_type = libc::IP_PKTINFO;
            (*cmsg).cmsg_len = libc::CMSG_LEN(core::mem::size_of::<libc::in_pktinfo>() as u32) as _;
            core::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::in_pktinfo>(), info);
        }
        // SAFETY: every pointer in msg refers to a live local for the duration of the call.
        cvt_size(unsafe { libc::sendmsg(self.fd.as_raw_fd(), &msg, 0) }).map(drop)
    }
}

fn mreqn(group: Ipv4Addr, ifindex: u32) -> libc::ip_mreqn {
    libc::ip_mreqn {
        imr_multiaddr: libc::in_addr {
            s_addr: u32::from(group).to_be(),
        },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex as libc::c_int,
    }
}
