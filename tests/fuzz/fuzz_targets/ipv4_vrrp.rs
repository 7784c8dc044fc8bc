//! A whole received IPv4 datagram, as the raw socket delivers it: `ipv4::parse_vrrp` never
//! panics, and whatever it accepts survives emit -> parse. Each input is tried as is and
//! with its VRRP checksum repaired, so the checks after the checksum are reached too.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::net::IpAddr;
use tinyvrrpd::wire::ipv4;
use tinyvrrpd_fuzz::{check_round_trip, fix_checksum};

fn one(datagram: &[u8]) {
    match ipv4::parse_vrrp(datagram) {
        Ok((ip, repr)) => {
            assert_eq!(ip.protocol, 112);
            let (_, payload) = ipv4::parse(datagram).expect("parse_vrrp accepted it");
            check_round_trip(payload, &repr, IpAddr::V4(ip.src), IpAddr::V4(ip.dst));
        }
        Err(e) => {
            let _ = (e.to_string(), e.kind());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    one(data);
    if let Ok((ip, payload)) = ipv4::parse(data) {
        let ihl = usize::from(data[0] & 0x0f) * 4;
        let mut fixed = data.to_vec();
        let end = ihl + payload.len();
        fix_checksum(&mut fixed[ihl..end], IpAddr::V4(ip.src), IpAddr::V4(ip.dst));
        one(&fixed);
    }
});
