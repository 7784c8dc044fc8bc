//! RFC 1071 Internet checksum and the VRRPv3 pseudo-headers (RFC 5798 §5.2.8).
use std::net::IpAddr;

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

/// Sum of the IPv4 or IPv6 pseudo-header for an upper-layer message of protocol 112.
/// None when `src` and `dst` are of different families.
pub fn pseudo_header(src: IpAddr, dst: IpAddr, len: usize) -> Option<u32> {
    let proto = u32::from(super::packet::PROTOCOL);
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let acc = sum(sum(0, &s.octets()), &d.octets());
            Some(sum(acc + proto + len as u32, &[]))
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let acc = sum(sum(0, &s.octets()), &d.octets());
            Some(sum(acc + proto, &(len as u32).to_be_bytes()))
        }
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
        assert!(pseudo_header(v4, v6, 8).is_none());
        assert!(pseudo_header(v6, v6, 8).is_some());
    }
}
