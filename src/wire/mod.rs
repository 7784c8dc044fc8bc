//! VRRP on the wire: zero-copy views over byte slices, parse and emit, checksums.

/// VRRP protocol version. v2 is RFC 3768 (IPv4 only, seconds, optional password);
/// v3 is RFC 5798 / RFC 9568 (IPv4 and IPv6, centiseconds, no authentication).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    V2 = 2,
    V3 = 3,
}
