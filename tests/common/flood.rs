//! A flood of VRRP frames from one on-link host, as fast as this machine sends them:
//! prebuilt Ethernet frames through one AF_PACKET socket (qdisc bypassed, 64 frames per
//! sendmmsg) on the lab host's enp0s1. It runs in a namespace the test created, stops at
//! `max` frames or after `limit`, whichever comes first, and reports what it sent.
use super::in_netns;
use std::net::Ipv4Addr;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the generator managed.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    pub frames: u64,
    pub failed: u64,
    pub elapsed: Duration,
}

impl Sent {
    pub fn rate(&self) -> f64 {
        self.frames as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The IPv4 header checksum (RFC 791).
fn ip_checksum(h: &[u8]) -> u16 {
    let mut sum: u32 = h
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An Ethernet frame from `src_mac` carrying an IPv4 datagram (TTL `ttl`, protocol 112)
/// from `src` to `dst` with `payload`; multicast destinations get their group MAC.
pub fn frame(src_mac: [u8; 6], src: Ipv4Addr, dst: Ipv4Addr, ttl: u8, payload: &[u8]) -> Vec<u8> {
    let d = dst.octets();
    let dst_mac = if dst.is_multicast() {
        [0x01, 0x00, 0x5e, d[1] & 0x7f, d[2], d[3]]
    } else {
        [0xff; 6]
    };
    let mut f = Vec::with_capacity(14 + 20 + payload.len());
    f.extend_from_slice(&dst_mac);
    f.extend_from_slice(&src_mac);
    f.extend_from_slice(&[0x08, 0x00]);
    let total = (20 + payload.len()) as u16;
    let mut ip = vec![0x45, 0xc0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&[0, 0, 0, 0, ttl, 112, 0, 0]);
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&d);
    let sum = ip_checksum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(payload);
    f
}

/// From namespace `ns`'s enp0s1, send `frames` (built by `build(src_mac)`, taken in turn)
/// as fast as possible: at most `max` of them, for at most `limit`.
pub fn flood(
    ns: &str,
    build: impl FnOnce([u8; 6]) -> Vec<Vec<u8>> + Send + 'static,
    max: u64,
    limit: Duration,
) -> JoinHandle<Sent> {
    in_netns(ns, move || {
        let frames = build(mac_of_enp0s1().expect("enp0s1's MAC"));
        // SAFETY: socket(2) with constant arguments (protocol 0: send only).
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0) };
        assert!(fd >= 0, "AF_PACKET socket");
        let name = std::ffi::CString::new("enp0s1").unwrap();
        // SAFETY: a NUL-terminated name.
        let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
        assert!(index > 0, "enp0s1 in this namespace");
        // SAFETY: all-zero is a valid sockaddr_ll.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_ifindex = index as i32;
        sll.sll_halen = 6;
        let one: libc::c_int = 1;
        // SAFETY: valid pointers and lengths for bind and setsockopt.
        unsafe {
            let sa = (&sll as *const libc::sockaddr_ll).cast();
            let len = std::mem::size_of::<libc::sockaddr_ll>() as u32;
            assert_eq!(libc::bind(fd, sa, len), 0, "bind AF_PACKET");
            libc::setsockopt(
                fd,
                libc::SOL_PACKET,
                libc::PACKET_QDISC_BYPASS,
                (&one as *const libc::c_int).cast(),
                4,
            );
        }
        const BATCH: usize = 64;
        let mut iovs: Vec<libc::iovec> = (0..BATCH)
            .map(|k| {
                let f = &frames[k % frames.len()];
                libc::iovec {
                    iov_base: f.as_ptr() as *mut _,
                    iov_len: f.len(),
                }
            })
            .collect();
        // SAFETY: all-zero is a valid mmsghdr; each gets one iovec and the bound address.
        let mut msgs: Vec<libc::mmsghdr> =
            (0..BATCH).map(|_| unsafe { std::mem::zeroed() }).collect();
        let (mut sent, mut failed, mut next) = (0u64, 0u64, 0usize);
        let start = Instant::now();
        while sent + failed < max && start.elapsed() < limit {
            for (k, (m, iov)) in msgs.iter_mut().zip(iovs.iter_mut()).enumerate() {
                let f = &frames[(next + k) % frames.len()];
                iov.iov_base = f.as_ptr() as *mut _;
                iov.iov_len = f.len();
                m.msg_hdr.msg_iov = iov;
                m.msg_hdr.msg_iovlen = 1;
                m.msg_hdr.msg_name = (&mut sll as *mut libc::sockaddr_ll).cast();
                m.msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_ll>() as u32;
            }
            let want = (max - sent - failed).min(BATCH as u64) as u32;
            // SAFETY: msgs holds `want` initialised headers pointing at live frames.
            let n = unsafe { libc::sendmmsg(fd, msgs.as_mut_ptr(), want, 0) };
            if n > 0 {
                sent += n as u64;
                next = (next + n as usize) % frames.len();
            } else {
                failed += 1;
                std::thread::yield_now();
            }
        }
        let elapsed = start.elapsed();
        // SAFETY: closing the socket we opened.
        unsafe { libc::close(fd) };
        Sent {
            frames: sent,
            failed,
            elapsed,
        }
    })
}

/// enp0s1's MAC by SIOCGIFHWADDR (works in any namespace).
fn mac_of_enp0s1() -> Option<[u8; 6]> {
    // SAFETY: an AF_INET datagram socket for the ioctl, a zeroed ifreq with the name set,
    // and the hardware address read from the union member the ioctl filled.
    unsafe {
        let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
        if s < 0 {
            return None;
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (d, c) in req.ifr_name.iter_mut().zip(b"enp0s1") {
            *d = *c as libc::c_char;
        }
        let ok = libc::ioctl(s, libc::SIOCGIFHWADDR as _, &mut req) == 0;
        libc::close(s);
        if !ok {
            return None;
        }
        let mut mac = [0u8; 6];
        for (m, b) in mac.iter_mut().zip(req.ifr_ifru.ifru_hwaddr.sa_data.iter()) {
            *m = *b as u8;
        }
        Some(mac)
    }
}

/// Arrival times of the VRRP packets from `src` seen in namespace `ns` (on any
/// interface, the VRRP group joined on enp0s1), until `stop` is set or `limit` has
/// passed. A socket filter keeps everything else out in the kernel, so a flood does not
/// crowd out or slow down the witness.
pub fn witness(
    ns: &str,
    src: Ipv4Addr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    limit: Duration,
) -> JoinHandle<Vec<Instant>> {
    in_netns(ns, move || {
        let seen = capture(src, &stop, limit);
        seen.into_iter().map(|a| a.at).collect()
    })
}

/// One advert a witness saw.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub at: Instant,
    /// The wall clock at its arrival (to compare with what scripts record: `date +%s.%N`).
    pub wall: std::time::SystemTime,
    pub priority: u8,
}

/// `witness`, with each advert's wall-clock time and priority.
pub fn adverts(
    ns: &str,
    src: Ipv4Addr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    limit: Duration,
) -> JoinHandle<Vec<Seen>> {
    in_netns(ns, move || capture(src, &stop, limit))
}

/// The witness itself, in the namespace its thread entered.
fn capture(src: Ipv4Addr, stop: &std::sync::atomic::AtomicBool, limit: Duration) -> Vec<Seen> {
    // SAFETY: socket(2) with constant arguments.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, 112) };
    assert!(fd >= 0, "raw socket");
    // Raw IPv4 sockets filter on the IP header: the source is the word at 12.
    let mut code = [
        libc::sock_filter {
            code: 0x20, // BPF_LD | BPF_W | BPF_ABS
            jt: 0,
            jf: 0,
            k: 12,
        },
        libc::sock_filter {
            code: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
            jt: 0,
            jf: 1,
            k: u32::from(src),
        },
        libc::sock_filter {
            code: 0x06, // BPF_RET | BPF_K: the whole packet
            jt: 0,
            jf: 0,
            k: 0xffff,
        },
        libc::sock_filter {
            code: 0x06, // nothing
            jt: 0,
            jf: 0,
            k: 0,
        },
    ];
    let prog = libc::sock_fprog {
        len: code.len() as u16,
        filter: code.as_mut_ptr(),
    };
    let name = std::ffi::CString::new("enp0s1").unwrap();
    let mreq = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr {
            s_addr: u32::from(Ipv4Addr::new(224, 0, 0, 18)).to_be(),
        },
        imr_address: libc::in_addr { s_addr: 0 },
        // SAFETY: a NUL-terminated name.
        imr_ifindex: unsafe { libc::if_nametoindex(name.as_ptr()) } as i32,
    };
    let timeout = libc::timeval {
        tv_sec: 0,
        tv_usec: 100_000,
    };
    // SAFETY: each option value is a live local of the size given.
    unsafe {
        let set = |level, opt, val: *const libc::c_void, len: usize| {
            libc::setsockopt(fd, level, opt, val, len as u32)
        };
        let p = (&prog as *const libc::sock_fprog).cast();
        assert_eq!(
            set(
                libc::SOL_SOCKET,
                libc::SO_ATTACH_FILTER,
                p,
                std::mem::size_of_val(&prog)
            ),
            0
        );
        let m = (&mreq as *const libc::ip_mreqn).cast();
        assert_eq!(
            set(
                libc::IPPROTO_IP,
                libc::IP_ADD_MEMBERSHIP,
                m,
                std::mem::size_of_val(&mreq)
            ),
            0
        );
        let t = (&timeout as *const libc::timeval).cast();
        assert_eq!(
            set(
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                t,
                std::mem::size_of_val(&timeout)
            ),
            0
        );
    }
    let mut seen = Vec::new();
    let mut buf = [0u8; 1500];
    let start = Instant::now();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) && start.elapsed() < limit {
        // SAFETY: buf is valid for writes of its length.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
        // The IPv4 header, then VRRP's: version/type, VRID, priority.
        let at = usize::from(buf[0] & 0x0f) * 4 + 2;
        if n > 0 && (n as usize) > at {
            seen.push(Seen {
                at: Instant::now(),
                wall: std::time::SystemTime::now(),
                priority: buf[at],
            });
        }
    }
    // SAFETY: closing the socket we opened.
    unsafe { libc::close(fd) };
    seen
}
