//! RFC 1071 Internet checksum and the IPv4/IPv6 pseudo-headers upper-layer checksums
//! cover (VRRPv3, RFC 5798 §5.2.8; ICMPv6, RFC 4443 §2.3).
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One's-complement sum of `data` as big-endian 16-bit words, added to `acc`, not folded.
pub fn sum(mut acc: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    // Fold now and then so long inputs cannot overflow the accumulator.
    (acc & 0xffff) + (acc >> 16)
}

/// Fold and complement: the value that goes into the header.
pub fn finish(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// Sum of the IPv4 pseudo-header (RFC 791 as TCP/UDP use it) for an upper-layer
/// message of protocol `proto` and `len` bytes, not folded.
pub fn pseudo_header_v4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, len: usize) -> u32 {
    let acc = sum(sum(0, &src.octets()), &dst.octets());
    sum(acc + u32::from(proto) + len as u32, &[])
}

/// Sum of the IPv6 pseudo-header (RFC 8200 §8.1): addresses, 32-bit length, next header.
pub fn pseudo_header_v6(src: Ipv6Addr, dst: Ipv6Addr, proto: u8, len: usize) -> u32 {
    let acc = sum(sum(0, &src.octets()), &dst.octets());
    sum(acc + u32::from(proto), &(len as u32).to_be_bytes())
}

/// The pseudo-header of either family; None when `src` and `dst` are of different ones.
pub fn pseudo_header(src: IpAddr, dst: IpAddr, proto: u8, len: usize) -> Option<u32> {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => Some(pseudo_header_v4(s, d, proto, len)),
        (IpAddr::V6(s), IpAddr::V6(d)) => Some(pseudo_header_v6(s, d, proto, len)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example_sums_to_the_published_value() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (before complement).
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(finish(sum(0, &data)), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_a_zero_byte() {
        assert_eq!(
            finish(sum(0, &[0x12, 0x34, 0x56])),
            finish(sum(0, &[0x12, 0x34, 0x56, 0x00]))
        );
    }

    #[test]
    fn a_message_with_its_checksum_in_place_sums_to_zero() {
        let mut m = [0x21, 0x01, 0x96, 0x01, 0x01, 0x01, 0, 0, 192, 0, 2, 10];
        let c = finish(sum(0, &m));
        m[6..8].copy_from_slice(&c.to_be_bytes());
        assert_eq!(finish(sum(0, &m)), 0);
    }

    #[test]
    fn pseudo_header_needs_one_family() {
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(pseudo_header(v4, v6, 112, 8).is_none());
        assert!(pseudo_header(v6, v6, 112, 8).is_some());
    }

    #[test]
    fn pseudo_headers_sum_what_rfc_8200_and_rfc_791_lay_out() {
        let (s4, d4) = (Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(224, 0, 0, 18));
        let laid_out = [192, 0, 2, 1, 224, 0, 0, 18, 0, 112, 0, 20];
        assert_eq!(
            finish(pseudo_header_v4(s4, d4, 112, 20)),
            finish(sum(0, &laid_out))
        );
        let s6: Ipv6Addr = "fe80::1".parse().unwrap();
        let d6: Ipv6Addr = "ff02::1".parse().unwrap();
        let mut laid_out = Vec::new();
        laid_out.extend_from_slice(&s6.octets());
        laid_out.extend_from_slice(&d6.octets());
        laid_out.extend_from_slice(&[0, 0, 0, 32, 0, 0, 0, 58]);
        assert_eq!(
            finish(pseudo_header_v6(s6, d6, 58, 32)),
            finish(sum(0, &laid_out))
        );
    }
}
