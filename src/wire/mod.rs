//! VRRP on the wire: validated views over byte slices, parse and emit, checksums. No
//! allocation, no IO, no panics on untrusted input.
pub mod ah;
pub mod arp;
pub mod checksum;
pub mod ipv4;
pub mod md5;
pub mod nd;
pub mod packet;

use core::fmt;

/// VRRP protocol version. v2 is RFC 3768 (IPv4 only, seconds, optional password);
/// v3 is RFC 5798 / RFC 9568 (IPv4 and IPv6, centiseconds, no authentication).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    V2 = 2,
    V3 = 3,
}

/// Why bytes are not a valid VRRP advertisement (or could not be written as one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    Truncated {
        need: usize,
        got: usize,
    },
    Length {
        expected: usize,
        got: usize,
    },
    Version(u8),
    Type(u8),
    Checksum {
        expected: u16,
        got: u16,
    },
    UnsupportedAuth(u8),
    ZeroInterval,
    V2OverIpv6,
    FamilyMismatch,
    /// IPv4 header: not protocol 112.
    Protocol(u8),
    /// IPv4 header: not version 4, or a header length below 20 bytes.
    IpHeader,
    BufferTooSmall,
    BadInterval(u16),
    TooManyAddrs,
    /// IPsec AH: another protocol inside, or a layout keepalived does not send.
    AhHeader,
    /// IPsec AH: the HMAC-MD5-96 does not match (another auth_pass, or changed bytes).
    AhIcv,
    /// IPsec AH: the SPI is not the sender's address, as keepalived requires.
    AhSpi,
}

impl Error {
    /// Stable short name for counters and rate-limited logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Truncated { .. } | Error::Length { .. } => "length",
            Error::Version(_) | Error::V2OverIpv6 => "version",
            Error::Type(_) => "type",
            Error::Checksum { .. } => "checksum",
            Error::UnsupportedAuth(_) => "auth",
            Error::ZeroInterval | Error::BadInterval(_) => "interval",
            Error::Protocol(_) | Error::IpHeader | Error::FamilyMismatch => "malformed",
            Error::BufferTooSmall | Error::TooManyAddrs => "emit",
            Error::AhIcv | Error::AhSpi => "auth",
            Error::AhHeader => "malformed",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated { need, got } => write!(f, "truncated ({got} bytes, need {need})"),
            Error::Length { expected, got } => {
                write!(
                    f,
                    "length {got} does not match the address count ({expected} expected)"
                )
            }
            Error::Version(v) => write!(f, "VRRP version {v} (only 2 and 3 exist)"),
            Error::Type(t) => write!(f, "message type {t} (only 1, advertisement, exists)"),
            Error::Checksum { expected, got } => {
                write!(
                    f,
                    "checksum mismatch (expected {expected:#06x}, got {got:#06x})"
                )
            }
            Error::UnsupportedAuth(t) => write!(f, "authentication type {t} is not supported"),
            Error::ZeroInterval => f.write_str("advert interval 0"),
            Error::V2OverIpv6 => f.write_str("VRRPv2 over IPv6"),
            Error::FamilyMismatch => f.write_str("mixed IPv4/IPv6 addresses"),
            Error::Protocol(p) => write!(f, "IP protocol {p}, not 112"),
            Error::IpHeader => f.write_str("malformed IPv4 header"),
            Error::BufferTooSmall => f.write_str("buffer too small"),
            Error::BadInterval(cs) => {
                write!(f, "advert interval {cs} cs cannot be sent in this version")
            }
            Error::TooManyAddrs => f.write_str("more than 255 addresses"),
            Error::AhHeader => f.write_str("IPsec AH header malformed, or not VRRP inside"),
            Error::AhIcv => f.write_str(
                "IPsec AH: invalid HMAC-MD5 value (auth_pass differs, or the packet was changed)",
            ),
            Error::AhSpi => f.write_str("IPsec AH: the SPI is not the source address"),
        }
    }
}
