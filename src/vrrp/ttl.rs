//! The TTL (IPv6: hop limit) an advert must arrive with. RFC 5798 §7.1 asks for 255, so
//! that a routed advert is refused: right for multicast, which never leaves the link.
//! Unicast peers may sit behind routers, so keepalived skips the check for them and lets
//! each peer name the range it arrives with instead (`unicast_peer { ADDR min_ttl N
//! max_ttl M }`); so do we — a routed peer whose adverts were all dropped made two Masters.
//! (The sending side is `unicast_ttl`.)

use core::fmt;

/// Why an advert's TTL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtlError {
    /// Multicast: anything but 255 may have been routed.
    Not255(u8),
    /// A unicast peer's configured range.
    OutOfRange { ttl: u8, min: u8, max: u8 },
}

impl fmt::Display for TtlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            // The words of the codec's drop, which users already grep for.
            TtlError::Not255(t) => write!(f, "TTL {t}, must be 255"),
            TtlError::OutOfRange { ttl, min, max } => {
                write!(f, "TTL/HL {ttl} not in range [{min}, {max}]")
            }
        }
    }
}

/// Whether an advert that arrived with `ttl` may be heard by an instance in unicast mode
/// (`unicast`) or not, from a peer with the range `peer_range` (min, max) if it has one.
pub fn check(ttl: u8, unicast: bool, peer_range: Option<(u8, u8)>) -> Result<(), TtlError> {
    match (unicast, peer_range) {
        (false, _) if ttl != 255 => Err(TtlError::Not255(ttl)),
        (true, Some((min, max))) if ttl < min || ttl > max => {
            Err(TtlError::OutOfRange { ttl, min, max })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multicast_advert_must_arrive_with_ttl_255() {
        assert_eq!(check(255, false, None), Ok(()));
        for ttl in [0, 1, 64, 254] {
            assert_eq!(check(ttl, false, None), Err(TtlError::Not255(ttl)));
        }
        assert_eq!(
            check(64, false, None).unwrap_err().to_string(),
            "TTL 64, must be 255"
        );
    }

    #[test]
    fn a_unicast_peer_may_be_routed_unless_its_range_says_otherwise() {
        for ttl in [0, 1, 64, 252, 255] {
            assert_eq!(check(ttl, true, None), Ok(()), "{ttl}");
        }
        let range = Some((250, 254));
        assert_eq!(check(250, true, range), Ok(()));
        assert_eq!(check(254, true, range), Ok(()));
        let low = TtlError::OutOfRange {
            ttl: 249,
            min: 250,
            max: 254,
        };
        assert_eq!(check(249, true, range), Err(low));
        assert_eq!(low.to_string(), "TTL/HL 249 not in range [250, 254]");
        assert!(check(255, true, range).is_err());
    }
}
