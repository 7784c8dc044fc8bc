//! Gratuitous ARP (RFC 5798 §6.4.2 "broadcast a gratuitous ARP request"): an Ethernet
//! frame announcing that `ip` is at `mac`, so hosts and switches forget the old Master.
use std::net::Ipv4Addr;

pub const GARP_FRAME_LEN: usize = 42;

pub fn gratuitous_arp(mac: [u8; 6], ip: Ipv4Addr) -> [u8; GARP_FRAME_LEN] {
    let mut f = [0u8; GARP_FRAME_LEN];
    f[0..6].copy_from_slice(&[0xff; 6]);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
    // Ethernet, IPv4, 6-byte MAC, 4-byte address; opcode 1 (request), as keepalived and
    // most routers send it: some hosts ignore unsolicited replies.
    f[14..22].copy_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 1]);
    f[22..28].copy_from_slice(&mac);
    f[28..32].copy_from_slice(&ip.octets());
    f[32..38].copy_from_slice(&[0xff; 6]);
    f[38..42].copy_from_slice(&ip.octets());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gratuitous_arp_announces_the_vip_from_our_mac_to_broadcast() {
        let mac = [0x02, 0, 0, 0, 0, 0x0b];
        let f = gratuitous_arp(mac, Ipv4Addr::new(192, 0, 2, 10));
        let expected: [u8; 42] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0b, 0x08,
            0x06, // ethernet
            0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01, // arp request
            0x02, 0, 0, 0, 0, 0x0b, 192, 0, 2, 10, // sender
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 192, 0, 2, 10, // target
        ];
        assert_eq!(f, expected);
    }
}
