//! keepalived's check of the address list in a received advert (`vrrp_check_packet` with
//! `check_vip_addr`, keepalived's vrrp.c), and when it makes it (`skip_check_adv_addr`).
//! RFC 3768 §7.1 and RFC 5798 §7.1 say a router MAY check the list; keepalived does, and
//! discards an advert whose list differs from its own VIPs — a Backup that discards the
//! Master's adverts becomes Master too, which is why `vrrp_skip_check_adv_addr` is so
//! common in real files. Pure decisions: the daemon applies them (and logs the words).
use core::fmt;
use std::net::IpAddr;

/// Why an advert's addresses do not match ours; `Display` is keepalived's log line
/// without its `(INSTANCE) ` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// Not as many addresses as our VIPs.
    Count { expected: usize, received: usize },
    /// One of our VIPs is not in the advert (`vrid` is the instance's, for the words).
    Missing { vrid: u8, addr: IpAddr },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // (keepalived has a second wording, "expected N VIPs but received M", on a
            // path this check always leaves first.)
            Mismatch::Count { expected, received } => write!(
                f,
                "received an unexpected ip number count {received}, expected {expected}!"
            ),
            Mismatch::Missing { vrid, addr } => write!(
                f,
                "ip address associated with VRID {vrid} not present in MASTER advert: {addr}"
            ),
        }
    }
}

/// Whether keepalived checks this advert's address list: always as Master; as Backup
/// unless `skip_check_adv_addr` is set and the advert comes from the Master already
/// heard (a new Master's first advert is always checked).
pub fn must_check(master: bool, skip: bool, master_seen: Option<IpAddr>, source: IpAddr) -> bool {
    master || !skip || master_seen != Some(source)
}

/// keepalived's comparison, on the addresses as adverts carry them (4 bytes each for
/// IPv4, 16 for IPv6): the same number of addresses, and each of our VIPs (those that
/// fit in an advert, not the excluded ones) among them, in any order.
pub fn check(vrid: u8, v6: bool, ours: &[u8], advert: &[u8]) -> Result<(), Mismatch> {
    let size = if v6 { 16 } else { 4 };
    if ours.len() != advert.len() {
        return Err(Mismatch::Count {
            expected: ours.len() / size,
            received: advert.len() / size,
        });
    }
    let missing = ours
        .chunks_exact(size)
        .find(|a| !advert.chunks_exact(size).any(|b| b == *a));
    match missing {
        Some(a) => {
            let addr = match <[u8; 16]>::try_from(a) {
                Ok(b) => IpAddr::from(b),
                Err(_) => IpAddr::from([a[0], a[1], a[2], a[3]]),
            };
            Err(Mismatch::Missing { vrid, addr })
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Addresses in advert wire form.
    fn wire(s: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for a in s {
            match a.parse::<IpAddr>().unwrap() {
                IpAddr::V4(a) => out.extend_from_slice(&a.octets()),
                IpAddr::V6(a) => out.extend_from_slice(&a.octets()),
            }
        }
        out
    }

    #[test]
    fn same_addresses_in_any_order_match() {
        let ours = wire(&["192.0.2.10", "192.0.2.11"]);
        let theirs = wire(&["192.0.2.11", "192.0.2.10"]);
        assert_eq!(check(7, false, &ours, &theirs), Ok(()));
        assert_eq!(check(7, false, &[], &[]), Ok(()));
    }

    #[test]
    fn a_different_count_or_a_missing_vip_is_keepalived_s_mismatch() {
        let ours = wire(&["192.0.2.10", "192.0.2.11"]);
        let e = check(7, false, &ours, &wire(&["192.0.2.10"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "received an unexpected ip number count 1, expected 2!"
        );
        let e = check(7, false, &ours, &wire(&["192.0.2.10", "192.0.2.12"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ip address associated with VRID 7 not present in MASTER advert: 192.0.2.11"
        );
        let six = wire(&["2001:db8::1"]);
        let e = check(9, true, &six, &wire(&["2001:db8::2"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ip address associated with VRID 9 not present in MASTER advert: 2001:db8::1"
        );
    }

    #[test]
    fn skip_check_adv_addr_skips_only_the_known_master_s_adverts_as_backup() {
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        // Without the keyword every advert is checked.
        assert!(must_check(false, false, Some(a), a));
        // With it, a Backup skips the Master it already follows …
        assert!(!must_check(false, true, Some(a), a));
        // … but checks a new one, and the first one it hears.
        assert!(must_check(false, true, Some(a), b));
        assert!(must_check(false, true, None, a));
        // A Master always checks.
        assert!(must_check(true, true, Some(a), a));
    }
}
