//! The VRRP message alone with arbitrary IP addresses: `packet::parse(bytes, src, dst)` for
//! IPv4, IPv6 and mixed families never panics, and whatever it accepts survives
//! emit -> parse. Layout: one selector byte (bit 0: IPv6, bit 1: mixed families), src and
//! dst (4 or 16 bytes each), then the message, parsed as is and with its checksum repaired.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use tinyvrrpd::wire::{Error, packet};
use tinyvrrpd_fuzz::{check_round_trip, fix_checksum};

fn addr(b: &[u8]) -> IpAddr {
    match <[u8; 16]>::try_from(b) {
        Ok(a) => IpAddr::V6(Ipv6Addr::from(a)),
        Err(_) => IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])),
    }
}

fn one(msg: &[u8], src: IpAddr, dst: IpAddr) {
    match packet::parse(msg, src, dst) {
        Ok(repr) => check_round_trip(msg, &repr, src, dst),
        Err(e) => {
            if src.is_ipv4() != dst.is_ipv4() {
                assert_eq!(e, Error::FamilyMismatch);
            }
            let _ = (e.to_string(), e.kind());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let alen = if sel & 1 != 0 { 16 } else { 4 };
    if rest.len() < 2 * alen {
        return;
    }
    let (addrs, msg) = rest.split_at(2 * alen);
    let src = addr(&addrs[..alen]);
    let mut dst = addr(&addrs[alen..]);
    if sel & 2 != 0 {
        dst = match dst {
            IpAddr::V4(a) => IpAddr::V6(a.to_ipv6_mapped()),
            IpAddr::V6(a) => IpAddr::V4(a.to_ipv4_mapped().unwrap_or(Ipv4Addr::BROADCAST)),
        };
    }
    one(msg, src, dst);
    let mut fixed = msg.to_vec();
    fix_checksum(&mut fixed, src, dst);
    one(&fixed, src, dst);
});
