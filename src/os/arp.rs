//! Sending link-layer frames (gratuitous ARP) through one AF_PACKET socket.
use super::{cvt_size, socket};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

pub struct LinkSender {
    fd: OwnedFd,
}

impl LinkSender {
    pub fn open() -> io::Result<LinkSender> {
        // Protocol 0: this socket only sends, the kernel queues nothing for it to read.
        Ok(LinkSender {
            fd: socket(libc::AF_PACKET, libc::SOCK_RAW, 0)?,
        })
    }

    /// Send a complete Ethernet frame (header included) out of `ifindex` to broadcast.
    pub fn send_frame(&self, ifindex: u32, frame: &[u8]) -> io::Result<()> {
        // SAFETY: sockaddr_ll is plain old data; all-zero is valid.
        let mut sll: libc::sockaddr_ll = unsafe { core::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = (libc::ETH_P_ARP as u16).to_be();
        sll.sll_ifindex = ifindex as i32;
        sll.sll_halen = 6;
        sll.sll_addr[..6].copy_from_slice(&[0xff; 6]);
        // SAFETY: frame and sll are valid for the lengths given.
        cvt_size(unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&sll as *const libc::sockaddr_ll).cast(),
                core::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        })
        .map(drop)
    }
}
