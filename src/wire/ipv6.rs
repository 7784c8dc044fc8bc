//! A received IPv6 VRRP message. A raw IPv6 socket strips the header; the fields VRRP
//! checks in it (hop limit, destination) arrive as ancillary data, so they come in as
//! arguments — the same checks, in the same order, as `ipv4::parse_vrrp`.
use super::Error;
use super::packet::{self, Repr};
use std::net::{IpAddr, Ipv6Addr};

/// The message from `src` to `dst`, checked in RFC 9568 §7.1 order: hop limit 255 (else
/// it may have been routed; a hop limit the kernel did not report counts as 0), then the
/// advertisement with its pseudo-header checksum.
pub fn parse_vrrp(
    payload: &[u8],
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: Option<u8>,
) -> Result<Repr<'_>, Error> {
    match hop_limit {
        Some(255) => packet::parse(payload, IpAddr::V6(src), IpAddr::V6(dst)),
        h => Err(Error::Ttl(h.unwrap_or(0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Version;

    const SRC: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x0b);
    const DST: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

    fn v3_advert() -> Vec<u8> {
        let vip = "2001:db8::10".parse::<Ipv6Addr>().unwrap().octets();
        let repr = Repr {
            version: Version::V3,
            vrid: 6,
            priority: 150,
            interval_cs: 100,
            auth: packet::Auth::None,
            addrs: &vip,
        };
        let mut buf = [0u8; 64];
        let n = repr
            .emit(&mut buf, IpAddr::V6(SRC), IpAddr::V6(DST))
            .unwrap();
        buf[..n].to_vec()
    }

    #[test]
    fn an_advert_with_hop_limit_255_parses() {
        let a = v3_advert();
        let repr = parse_vrrp(&a, SRC, DST, Some(255)).unwrap();
        assert_eq!((repr.vrid, repr.priority), (6, 150));
    }

    #[test]
    fn a_hop_limit_other_than_255_is_dropped_before_the_advert_is_read() {
        let a = v3_advert();
        assert_eq!(parse_vrrp(&a, SRC, DST, Some(64)), Err(Error::Ttl(64)));
        // Even garbage is a hop-limit drop first, as IPv4's TTL check comes first.
        assert_eq!(
            parse_vrrp(&[0xff; 3], SRC, DST, Some(1)),
            Err(Error::Ttl(1))
        );
    }

    #[test]
    fn a_hop_limit_the_kernel_did_not_report_counts_as_zero() {
        assert_eq!(parse_vrrp(&v3_advert(), SRC, DST, None), Err(Error::Ttl(0)));
    }

    #[test]
    fn the_checksum_covers_the_ipv6_pseudo_header() {
        let a = v3_advert();
        let other: Ipv6Addr = "fe80::c".parse().unwrap();
        assert!(matches!(
            parse_vrrp(&a, other, DST, Some(255)),
            Err(Error::Checksum { .. })
        ));
    }
}
