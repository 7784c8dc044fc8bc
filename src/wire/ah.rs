//! The IPsec Authentication Header around a VRRPv2 advert, as keepalived builds and checks
//! it (`auth_type AH`, vrrp.c/vrrp_ipsecah.c): IP protocol 51, next header 112, the SPI is
//! the sender's IPv4 address, a sequence number, and 96 bits of HMAC-MD5 keyed with the
//! 8-byte `auth_pass` over the IPv4 header (TOS, fragment field and checksum zeroed, and
//! the TTL when unicast, since routers change them), the AH header (its ICV zeroed) and the
//! advert. No IKE, no security association: both nodes hold the key. Because the header
//! is covered, the sender writes the IPv4 header itself (IP_HDRINCL) with a non-zero
//! identification — the kernel would otherwise fill one in after the ICV was computed.
//!
//! Panic contract: `seal` and `open` never panic; every length is checked first.

use super::md5::hmac_md5;
use super::{Error, ipv4};
use std::net::Ipv4Addr;

/// IP protocol number of AH.
pub const PROTOCOL: u8 = 51;
/// IPv4 header (without options) and AH with its 96-bit ICV, before the advert.
pub const PAYLOAD_AT: usize = IPV4_LEN + AH_LEN;
const IPV4_LEN: usize = 20;
/// The AH header with its 96-bit ICV.
pub const AH_LEN: usize = 24;
/// RFC 2402 §2.2: AH's length in 32-bit words minus 2.
const AH_PAYLOAD_LEN: u8 = (AH_LEN / 4 - 2) as u8;
const ICV: core::ops::Range<usize> = 12..24;
/// Internetwork control, as keepalived sends adverts (not covered: zeroed for the ICV).
const TOS: u8 = 0xc0;

/// The IPv4 header fields an AH advert leaves with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    /// Never 0 (see the module comment).
    pub id: u16,
}

/// The ICV: HMAC-MD5-96 over the IPv4 header and AH with their mutable fields zeroed,
/// then the advert.
fn icv(ip: &[u8], ah: &[u8], vrrp: &[u8], key: &[u8; 8], unicast: bool) -> [u8; 12] {
    let mut h = [0u8; 60];
    let h = &mut h[..ip.len().min(60)];
    h.copy_from_slice(&ip[..h.len()]);
    h[1] = 0; // TOS
    h[6..8].fill(0); // flags, fragment offset
    h[10..12].fill(0); // checksum
    if unicast {
        h[8] = 0; // TTL: a routed unicast peer sees it decremented
    }
    let mut a = [0u8; AH_LEN];
    a[..ICV.start].copy_from_slice(&ah[..ICV.start]);
    let d = hmac_md5(key, &[h, &a, vrrp]);
    let mut out = [0; 12];
    out.copy_from_slice(&d[..12]);
    out
}

/// Write the IPv4 header and AH in front of the `vrrp_len`-byte advert already at
/// `buf[PAYLOAD_AT..]`. Returns the datagram's length.
pub fn seal(
    buf: &mut [u8],
    vrrp_len: usize,
    h: &Header,
    seq: u32,
    key: &[u8; 8],
    unicast: bool,
) -> Result<usize, Error> {
    let len = PAYLOAD_AT + vrrp_len;
    if buf.len() < len || len > usize::from(u16::MAX) {
        return Err(Error::BufferTooSmall);
    }
    let (ip, rest) = buf[..len].split_at_mut(IPV4_LEN);
    let (ah, vrrp) = rest.split_at_mut(AH_LEN);
    ip.fill(0);
    ip[0] = 0x45;
    ip[1] = TOS;
    ip[2..4].copy_from_slice(&(len as u16).to_be_bytes());
    ip[4..6].copy_from_slice(&h.id.max(1).to_be_bytes());
    ip[8] = h.ttl;
    ip[9] = PROTOCOL;
    ip[12..16].copy_from_slice(&h.src.octets());
    ip[16..20].copy_from_slice(&h.dst.octets());
    ah.fill(0);
    ah[0] = super::packet::PROTOCOL;
    ah[1] = AH_PAYLOAD_LEN;
    ah[4..8].copy_from_slice(&h.src.octets());
    ah[8..12].copy_from_slice(&seq.to_be_bytes());
    let icv = icv(ip, ah, vrrp, key, unicast);
    ah[ICV].copy_from_slice(&icv);
    Ok(len)
}

/// A received AH datagram checked against `key`: its IPv4 header fields, the sequence
/// number and the advert inside. The anti-replay check on the sequence number is the
/// caller's (it keeps the counter).
pub fn open<'a>(
    datagram: &'a [u8],
    key: &[u8; 8],
    unicast: bool,
) -> Result<(ipv4::Ipv4Info, u32, &'a [u8]), Error> {
    let (info, payload) = ipv4::parse(datagram)?;
    if info.protocol != PROTOCOL {
        return Err(Error::Protocol(info.protocol));
    }
    if payload.len() < AH_LEN {
        return Err(Error::Truncated {
            need: AH_LEN,
            got: payload.len(),
        });
    }
    let (ah, vrrp) = payload.split_at(AH_LEN);
    // Another protocol under AH, or a layout keepalived does not send: not ours.
    if ah[0] != super::packet::PROTOCOL || ah[1] != AH_PAYLOAD_LEN {
        return Err(Error::AhHeader);
    }
    // `ipv4::parse` checked the header length.
    let ihl = usize::from(datagram[0] & 0x0f) * 4;
    let want = icv(&datagram[..ihl], ah, vrrp, key, unicast);
    // Constant time, as keepalived compares: no early exit an attacker could time.
    let diff = want.iter().zip(&ah[ICV]).fold(0, |d, (a, b)| d | (a ^ b));
    if diff != 0 {
        return Err(Error::AhIcv);
    }
    if ah[4..8] != info.src.octets() {
        return Err(Error::AhSpi);
    }
    let seq = u32::from_be_bytes([ah[8], ah[9], ah[10], ah[11]]);
    Ok((info, seq, vrrp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Version;
    use crate::wire::packet::{self, Auth, Repr};
    use std::net::IpAddr;

    const KEY: [u8; 8] = *b"secret\0\0";
    const SRC: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 11);
    const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

    /// An AH advert as keepalived sends it: VRRPv2, auth type 2, eight zero bytes of
    /// authentication data.
    fn sealed(dst: Ipv4Addr, unicast: bool, seq: u32) -> Vec<u8> {
        let mut buf = [0u8; 128];
        let repr = Repr {
            version: Version::V2,
            vrid: 50,
            priority: 150,
            interval_cs: 100,
            auth: Auth::Ah,
            addrs: &[192, 0, 2, 10],
        };
        let n = repr
            .emit(&mut buf[PAYLOAD_AT..], IpAddr::V4(SRC), IpAddr::V4(dst))
            .unwrap();
        let h = Header {
            src: SRC,
            dst,
            ttl: 255,
            id: 7,
        };
        let len = seal(&mut buf, n, &h, seq, &KEY, unicast).unwrap();
        buf[..len].to_vec()
    }

    #[test]
    fn a_sealed_advert_opens_with_its_key_and_sequence_number() {
        let d = sealed(GROUP, false, 42);
        assert_eq!(d.len(), 20 + 24 + 20);
        assert_eq!(&d[..2], &[0x45, 0xc0]);
        assert_eq!(d[9], PROTOCOL);
        assert_eq!(&d[20..24], &[112, 4, 0, 0]);
        assert_eq!(&d[24..28], &SRC.octets());
        assert_eq!(&d[28..32], &42u32.to_be_bytes());
        let (ip, seq, vrrp) = open(&d, &KEY, false).unwrap();
        assert_eq!((ip.src, ip.ttl, seq), (SRC, 255, 42));
        let r = packet::parse(vrrp, IpAddr::V4(SRC), IpAddr::V4(GROUP)).unwrap();
        assert_eq!((r.vrid, r.priority), (50, 150));
    }

    #[test]
    fn a_wrong_key_or_any_changed_byte_fails_but_mutable_fields_do_not_count() {
        let d = sealed(GROUP, false, 1);
        assert_eq!(open(&d, b"Secret\0\0", false).unwrap_err(), Error::AhIcv);
        for i in 0..d.len() {
            let mut x = d.clone();
            x[i] ^= 0x01;
            let mutable = matches!(i, 1 | 6 | 7 | 10 | 11);
            match open(&x, &KEY, false) {
                Ok(_) => assert!(mutable, "byte {i} is not covered"),
                Err(_) => assert!(!mutable, "byte {i} should not count"),
            }
        }
        // Unicast: the TTL does not count either (a routed peer sees it decremented).
        let u = sealed(Ipv4Addr::new(192, 0, 2, 12), true, 1);
        let mut x = u.clone();
        x[8] = 250;
        assert!(open(&x, &KEY, true).is_ok());
        assert_eq!(open(&x, &KEY, false).unwrap_err(), Error::AhIcv);
    }

    #[test]
    fn malformed_or_foreign_ah_is_dropped_without_panicking() {
        let d = sealed(GROUP, false, 1);
        for n in 0..d.len() {
            assert!(open(&d[..n], &KEY, false).is_err(), "prefix {n}");
        }
        let mut esp = d.clone();
        esp[20] = 50; // ESP under AH: not VRRP
        assert_eq!(open(&esp, &KEY, false).unwrap_err(), Error::AhHeader);
        let mut plain = d.clone();
        plain[9] = 112;
        assert_eq!(open(&plain, &KEY, false).unwrap_err(), Error::Protocol(112));
        // A valid ICV computed over a spoofed SPI: refused as keepalived refuses it.
        let mut spi = d.clone();
        spi[24] = 198;
        let (ip, rest) = spi.split_at_mut(20);
        let (ah, vrrp) = rest.split_at_mut(24);
        let icv = icv(ip, ah, vrrp, &KEY, false);
        ah[12..].copy_from_slice(&icv);
        assert_eq!(open(&spi, &KEY, false).unwrap_err(), Error::AhSpi);
        assert_eq!(
            seal(
                &mut [0u8; 50],
                20,
                &Header {
                    src: SRC,
                    dst: GROUP,
                    ttl: 255,
                    id: 1
                },
                1,
                &KEY,
                false
            ),
            Err(Error::BufferTooSmall)
        );
    }
}
