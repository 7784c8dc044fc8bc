//! VRRP advertisement, v2 (RFC 3768 §5) and v3 (RFC 5798 / RFC 9568 §5), over IPv4 and
//! IPv6. `parse` validates untrusted bytes into a `Repr` that borrows the address list;
//! `Repr::emit` writes one back. Panic contract: neither function panics on any input —
//! every index is checked against a length validated first, and `emit` reports a short
//! buffer as `Error::BufferTooSmall`.

use super::checksum;
use super::{Error, Version};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IP protocol / IPv6 next header number of VRRP.
pub const PROTOCOL: u8 = 112;
/// Type 1 is the only VRRP message type (ADVERTISEMENT).
const TYPE_ADVERTISEMENT: u8 = 1;
/// Fixed header before the address list.
const HEADER_LEN: usize = 8;
/// v2 appends 8 bytes of authentication data after the addresses.
const V2_AUTH_LEN: usize = 8;

mod field {
    pub const VER_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    pub const COUNT: usize = 3;
    /// v2: authentication type; v3: 4 reserved bits + high 4 bits of the interval.
    pub const AUTH_TYPE_OR_RSVD: usize = 4;
    /// v2: advert interval in seconds; v3: low 8 bits of the interval.
    pub const ADVER_INT: usize = 5;
    pub const CHECKSUM: core::ops::Range<usize> = 6..8;
}

/// v2 authentication (RFC 3768 §5.3.6; type 2, IPsec AH, is RFC 2338's, as keepalived
/// still sends it: the advert then travels inside an AH header, `wire::ah`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    None,
    /// Simple text password, zero-padded to 8 bytes.
    Pass([u8; 8]),
    /// IPsec AH: the authentication data is zero here, the ICV is in the AH header.
    Ah,
}

/// A validated advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr<'a> {
    pub version: Version,
    pub vrid: u8,
    pub priority: u8,
    /// Centiseconds for both versions (v2 carries seconds; stored × 100).
    pub interval_cs: u16,
    pub auth: Auth,
    /// The address list as on the wire: 4-byte (IPv4) or 16-byte (IPv6) addresses.
    pub addrs: &'a [u8],
}

fn addr_len(ip: IpAddr) -> usize {
    if ip.is_ipv4() { 4 } else { 16 }
}

/// Shortest IP datagram an Ethernet frame carries without padding (ETH_ZLEN 60 less the
/// 14-byte header).
const ETH_MIN_PAYLOAD: usize = 46;

/// Parse the VRRP message carried by an IP packet from `src` to `dst`, checksum included
/// (IPv4 with a 20-byte header, or IPv6: see `parse_padded`).
pub fn parse(bytes: &[u8], src: IpAddr, dst: IpAddr) -> Result<Repr<'_>, Error> {
    parse_padded(bytes, src, dst, if src.is_ipv4() { 20 } else { 0 })
}

/// `parse` for a message behind `ip_header` bytes of IP header (IPv6: 0, as keepalived
/// counts it). Bytes after the address list are Ethernet padding some senders count in
/// the IP length, tolerated by keepalived's rule: only when the datagram was shorter than
/// an Ethernet frame's minimum, and only 2 bytes modulo 4 (46 less any VLAN tags the
/// kernel removed). Anything else is a length error.
pub fn parse_padded(
    bytes: &[u8],
    src: IpAddr,
    dst: IpAddr,
    ip_header: usize,
) -> Result<Repr<'_>, Error> {
    if src.is_ipv4() != dst.is_ipv4() {
        return Err(Error::FamilyMismatch);
    }
    if bytes.len() < HEADER_LEN {
        return Err(Error::Truncated {
            need: HEADER_LEN,
            got: bytes.len(),
        });
    }
    let version = match bytes[field::VER_TYPE] >> 4 {
        2 => Version::V2,
        3 => Version::V3,
        v => return Err(Error::Version(v)),
    };
    let ty = bytes[field::VER_TYPE] & 0x0f;
    if ty != TYPE_ADVERTISEMENT {
        return Err(Error::Type(ty));
    }
    if version == Version::V2 && !src.is_ipv4() {
        return Err(Error::V2OverIpv6);
    }
    let alen = addr_len(src);
    let count = usize::from(bytes[field::COUNT]);
    let trailer = if version == Version::V2 {
        V2_AUTH_LEN
    } else {
        0
    };
    let expected = HEADER_LEN + count * alen + trailer;
    if bytes.len() < expected {
        return Err(Error::Truncated {
            need: expected,
            got: bytes.len(),
        });
    }
    // RFC 5798 §7.1: the length must match the address count; extra bytes other than
    // padding are a malformed (or forged) packet.
    let extra = bytes.len() - expected;
    let padding = ip_header + expected < ETH_MIN_PAYLOAD && extra % 4 == 2;
    if extra > 0 && !padding {
        return Err(Error::Length {
            expected,
            got: bytes.len(),
        });
    }
    // The checksum covers the message without its padding.
    let bytes = &bytes[..expected];
    let got = u16::from_be_bytes([bytes[6], bytes[7]]);
    let acc = match version {
        Version::V2 => 0,
        Version::V3 => {
            checksum::pseudo_header(src, dst, PROTOCOL, bytes.len()).ok_or(Error::FamilyMismatch)?
        }
    };
    if checksum::finish(checksum::sum(acc, bytes)) != 0 {
        let mut zeroed = checksum::sum(acc, &bytes[..field::CHECKSUM.start]);
        zeroed = checksum::sum(zeroed, &bytes[field::CHECKSUM.end..]);
        return Err(Error::Checksum {
            expected: checksum::finish(zeroed),
            got,
        });
    }
    let (interval_cs, auth) = match version {
        Version::V2 => {
            let secs = bytes[field::ADVER_INT];
            if secs == 0 {
                return Err(Error::ZeroInterval);
            }
            let auth = match bytes[field::AUTH_TYPE_OR_RSVD] {
                0 => Auth::None,
                1 => {
                    let mut p = [0u8; 8];
                    p.copy_from_slice(&bytes[expected - V2_AUTH_LEN..expected]);
                    Auth::Pass(p)
                }
                2 => Auth::Ah,
                t => return Err(Error::UnsupportedAuth(t)),
            };
            (u16::from(secs) * 100, auth)
        }
        Version::V3 => {
            let cs = u16::from_be_bytes([bytes[field::AUTH_TYPE_OR_RSVD], bytes[field::ADVER_INT]])
                & 0x0fff;
            if cs == 0 {
                return Err(Error::ZeroInterval);
            }
            (cs, Auth::None)
        }
    };
    Ok(Repr {
        version,
        vrid: bytes[field::VRID],
        priority: bytes[field::PRIORITY],
        interval_cs,
        auth,
        addrs: &bytes[HEADER_LEN..HEADER_LEN + count * alen],
    })
}

impl Repr<'_> {
    /// Bytes `emit` writes for a packet of this family.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + self.addrs.len()
            + if self.version == Version::V2 {
                V2_AUTH_LEN
            } else {
                0
            }
    }

    /// Addresses in the advert, read from its wire form.
    pub fn addr_iter(&self, ipv6: bool) -> impl Iterator<Item = IpAddr> + '_ {
        let n = if ipv6 { 16 } else { 4 };
        self.addrs
            .chunks_exact(n)
            .map(move |c| match <[u8; 16]>::try_from(c) {
                Ok(b) => IpAddr::V6(Ipv6Addr::from(b)),
                Err(_) => IpAddr::V4(Ipv4Addr::new(c[0], c[1], c[2], c[3])),
            })
    }

    /// Write the message, checksum included, for an IP packet from `src` to `dst`.
    /// Returns its length.
    pub fn emit(&self, buf: &mut [u8], src: IpAddr, dst: IpAddr) -> Result<usize, Error> {
        if src.is_ipv4() != dst.is_ipv4() {
            return Err(Error::FamilyMismatch);
        }
        let alen = addr_len(src);
        if self.addrs.len() % alen != 0 || self.addrs.len() / alen > 255 {
            return Err(Error::TooManyAddrs);
        }
        let len = self.buffer_len();
        if buf.len() < len {
            return Err(Error::BufferTooSmall);
        }
        let (b4, b5) = match self.version {
            Version::V2 => {
                if !src.is_ipv4() {
                    return Err(Error::V2OverIpv6);
                }
                let secs = self.interval_cs / 100;
                if self.interval_cs % 100 != 0 || secs == 0 || secs > 255 {
                    return Err(Error::BadInterval(self.interval_cs));
                }
                let t = match self.auth {
                    Auth::None => 0,
                    Auth::Pass(_) => 1,
                    Auth::Ah => 2,
                };
                (t, secs as u8)
            }
            Version::V3 => {
                if self.interval_cs == 0 || self.interval_cs > 0x0fff {
                    return Err(Error::BadInterval(self.interval_cs));
                }
                let [hi, lo] = self.interval_cs.to_be_bytes();
                (hi, lo)
            }
        };
        let out = &mut buf[..len];
        out[field::VER_TYPE] = (self.version as u8) << 4 | TYPE_ADVERTISEMENT;
        out[field::VRID] = self.vrid;
        out[field::PRIORITY] = self.priority;
        out[field::COUNT] = (self.addrs.len() / alen) as u8;
        out[field::AUTH_TYPE_OR_RSVD] = b4;
        out[field::ADVER_INT] = b5;
        out[field::CHECKSUM].fill(0);
        out[HEADER_LEN..HEADER_LEN + self.addrs.len()].copy_from_slice(self.addrs);
        if self.version == Version::V2 {
            let data = match self.auth {
                Auth::Pass(p) => p,
                Auth::None | Auth::Ah => [0; 8],
            };
            out[len - V2_AUTH_LEN..].copy_from_slice(&data);
        }
        let acc = match self.version {
            Version::V2 => 0,
            Version::V3 => {
                checksum::pseudo_header(src, dst, PROTOCOL, len).ok_or(Error::FamilyMismatch)?
            }
        };
        let c = checksum::finish(checksum::sum(acc, out));
        out[field::CHECKSUM].copy_from_slice(&c.to_be_bytes());
        Ok(len)
    }
}

/// Serialize an address list once (at configuration time) into its wire form.
pub fn write_addrs(out: &mut [u8], addrs: &[IpAddr]) -> Result<usize, Error> {
    if addrs.len() > 255 {
        return Err(Error::TooManyAddrs);
    }
    let mut n = 0;
    for a in addrs {
        if a.is_ipv4() != addrs[0].is_ipv4() {
            return Err(Error::FamilyMismatch);
        }
        let (v4, v6);
        let bytes: &[u8] = match a {
            IpAddr::V4(v) => {
                v4 = v.octets();
                &v4
            }
            IpAddr::V6(v) => {
                v6 = v.octets();
                &v6
            }
        };
        let dst = out
            .get_mut(n..n + bytes.len())
            .ok_or(Error::BufferTooSmall)?;
        dst.copy_from_slice(bytes);
        n += bytes.len();
    }
    Ok(n)
}

#[cfg(test)]
mod tests;
