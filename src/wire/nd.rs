//! Unsolicited Neighbor Advertisement (RFC 4861 §7.2.6), IPv6's gratuitous ARP: an
//! Ethernet frame telling every node on the link (ff02::1) that `target` is now at `mac`,
//! with the Override flag so caches replace the old Master's address, and the Router
//! flag as a VRRP router's address should carry (RFC 9568 §7.4).
use super::checksum;
use std::net::Ipv6Addr;

pub const NA_FRAME_LEN: usize = 86;
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
const ICMPV6: u8 = 58;
const ICMP_LEN: usize = 32;

/// The frame from `src` (our link-local address) announcing `target`.
pub fn unsolicited_na(mac: [u8; 6], src: Ipv6Addr, target: Ipv6Addr) -> [u8; NA_FRAME_LEN] {
    let mut f = [0u8; NA_FRAME_LEN];
    // Ethernet: 33:33 + the low 32 bits of ff02::1.
    f[0..6].copy_from_slice(&[0x33, 0x33, 0, 0, 0, 1]);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());
    // IPv6 header; hop limit 255, which receivers require of neighbor discovery.
    let ip = &mut f[14..54];
    ip[0] = 0x60;
    ip[4..6].copy_from_slice(&(ICMP_LEN as u16).to_be_bytes());
    ip[6] = ICMPV6;
    ip[7] = 255;
    ip[8..24].copy_from_slice(&src.octets());
    ip[24..40].copy_from_slice(&ALL_NODES.octets());
    let icmp = &mut f[54..86];
    icmp[0] = 136; // Neighbor Advertisement
    icmp[4] = 0x80 | 0x20; // Router, Override (never Solicited to a multicast address)
    icmp[8..24].copy_from_slice(&target.octets());
    icmp[24] = 2; // Target Link-Layer Address option, 8 bytes
    icmp[25] = 1;
    icmp[26..32].copy_from_slice(&mac);
    let acc = checksum::pseudo_header_v6(src, ALL_NODES, ICMPV6, ICMP_LEN);
    let c = checksum::finish(checksum::sum(acc, icmp));
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsolicited_na_announces_the_target_with_router_and_override_flags() {
        let mac = [0x02, 0, 0, 0, 0, 0x0b];
        let src: Ipv6Addr = "fe80::b".parse().unwrap();
        let target: Ipv6Addr = "2001:db8::10".parse().unwrap();
        let f = unsolicited_na(mac, src, target);
        assert_eq!(
            &f[0..14],
            &[0x33, 0x33, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0x0b, 0x86, 0xdd]
        );
        assert_eq!(&f[14..22], &[0x60, 0, 0, 0, 0, 32, 58, 255]);
        assert_eq!(&f[54..58], &[136, 0, f[56], f[57]]);
        assert_eq!(f[58], 0xa0);
        assert_eq!(&f[62..78], &target.octets());
        assert_eq!(&f[78..86], &[2, 1, 2, 0, 0, 0, 0, 0x0b]);
        // The ICMPv6 checksum verifies: summing everything it covers gives 0xffff.
        let mut acc = checksum::sum(0, &f[22..54]); // src + dst
        acc = checksum::sum(acc, &[0, 0, 0, 32, 0, 0, 0, 58]);
        acc = checksum::sum(acc, &f[54..86]);
        assert_eq!(checksum::finish(acc), 0);
        // Independently computed (Python, RFC 1071) for these inputs.
        assert_eq!(u16::from_be_bytes([f[56], f[57]]), NA_GOLDEN_CHECKSUM);
    }

    const NA_GOLDEN_CHECKSUM: u16 = 0xa83f;
}
