//! The IPv4 header of a received datagram (raw IPv4 sockets deliver it): the fields VRRP
//! checks, with the header length read from IHL — options are legal, 20 is not assumed.
use super::Error;
use super::packet::{self, PROTOCOL, Repr};
use std::net::{IpAddr, Ipv4Addr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Info {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    pub protocol: u8,
}

/// Header fields and the payload (up to the header's total length).
pub fn parse(datagram: &[u8]) -> Result<(Ipv4Info, &[u8]), Error> {
    if datagram.len() < 20 {
        return Err(Error::Truncated {
            need: 20,
            got: datagram.len(),
        });
    }
    let ihl = usize::from(datagram[0] & 0x0f) * 4;
    if datagram[0] >> 4 != 4 || ihl < 20 {
        return Err(Error::IpHeader);
    }
    let total = usize::from(u16::from_be_bytes([datagram[2], datagram[3]]));
    if total < ihl {
        return Err(Error::IpHeader);
    }
    if datagram.len() < total {
        return Err(Error::Truncated {
            need: total,
            got: datagram.len(),
        });
    }
    let b = |i: usize| datagram[i];
    let info = Ipv4Info {
        ttl: b(8),
        protocol: b(9),
        src: Ipv4Addr::new(b(12), b(13), b(14), b(15)),
        dst: Ipv4Addr::new(b(16), b(17), b(18), b(19)),
    };
    Ok((info, &datagram[ihl..total]))
}

/// A whole received VRRP datagram, checked in RFC 5798 §7.1 order: IP header, protocol,
/// then the advertisement with its checksum. The TTL is the receiving instance's to check
/// (255 for multicast, a peer's range for unicast: `vrrp::ttl`).
pub fn parse_vrrp(datagram: &[u8]) -> Result<(Ipv4Info, Repr<'_>), Error> {
    let (ip, payload) = parse(datagram)?;
    if ip.protocol != PROTOCOL {
        return Err(Error::Protocol(ip.protocol));
    }
    // `parse` checked the header, so its first byte is there.
    let ihl = usize::from(datagram[0] & 0x0f) * 4;
    let repr = packet::parse_padded(payload, IpAddr::V4(ip.src), IpAddr::V4(ip.dst), ihl)?;
    Ok((ip, repr))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 20-byte header (or 24 with one option word) in front of `payload`.
    pub(crate) fn datagram(ttl: u8, proto: u8, options: bool, payload: &[u8]) -> Vec<u8> {
        let ihl = if options { 6 } else { 5 };
        let mut d = vec![
            0x40 | ihl,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            ttl,
            proto,
            0,
            0,
            192,
            0,
            2,
            11,
            224,
            0,
            0,
            18,
        ];
        if options {
            d.extend_from_slice(&[1, 1, 1, 0]); // NOP NOP NOP EOL
        }
        d.extend_from_slice(payload);
        let total = d.len() as u16;
        d[2..4].copy_from_slice(&total.to_be_bytes());
        d
    }

    fn v3_advert() -> Vec<u8> {
        let repr = Repr {
            version: crate::wire::Version::V3,
            vrid: 1,
            priority: 100,
            interval_cs: 100,
            auth: packet::Auth::None,
            addrs: &[192, 0, 2, 10],
        };
        let mut buf = [0u8; 64];
        let src = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
        let dst = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));
        let n = repr.emit(&mut buf, src, dst).unwrap();
        buf[..n].to_vec()
    }

    #[test]
    fn parses_a_vrrp_datagram_and_honours_header_options() {
        for options in [false, true] {
            let d = datagram(255, 112, options, &v3_advert());
            let (ip, repr) = parse_vrrp(&d).unwrap();
            assert_eq!(ip.src, Ipv4Addr::new(192, 0, 2, 11));
            assert_eq!(repr.vrid, 1);
            assert_eq!(repr.priority, 100);
        }
    }

    #[test]
    fn the_ttl_is_read_for_the_instance_to_check() {
        let d = datagram(64, 112, false, &v3_advert());
        assert_eq!(parse_vrrp(&d).unwrap().0.ttl, 64);
    }

    #[test]
    fn drops_another_protocol() {
        let d = datagram(255, 6, false, &v3_advert());
        assert_eq!(parse_vrrp(&d).unwrap_err(), Error::Protocol(6));
    }

    #[test]
    fn rejects_bad_headers_and_short_datagrams_without_panicking() {
        let d = datagram(255, 112, false, &v3_advert());
        for n in 0..d.len() {
            assert!(parse_vrrp(&d[..n]).is_err(), "prefix {n} accepted");
        }
        let mut v6 = d.clone();
        v6[0] = 0x65;
        assert_eq!(parse(&v6).unwrap_err(), Error::IpHeader);
        let mut short_ihl = d.clone();
        short_ihl[0] = 0x44;
        assert_eq!(parse(&short_ihl).unwrap_err(), Error::IpHeader);
    }

    /// Padding inside the IP total length (a sender that pads to the Ethernet minimum in
    /// the IP layer): keepalived hears it, and so must we (issue 18, suspected).
    #[test]
    fn padding_counted_in_the_ip_length_is_tolerated() {
        let advert = v3_advert();
        let mut padded = advert.clone();
        padded.resize(46 - 20, 0);
        let d = datagram(255, 112, false, &padded);
        assert_eq!(d.len(), 46);
        let (_, repr) = parse_vrrp(&d).unwrap();
        assert_eq!(repr.addrs, &[192, 0, 2, 10]);
    }

    #[test]
    fn trailing_link_padding_beyond_total_length_is_ignored() {
        let mut d = datagram(255, 112, false, &v3_advert());
        d.extend_from_slice(&[0; 6]);
        assert!(parse_vrrp(&d).is_ok());
    }
}
