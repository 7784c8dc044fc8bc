//! What routers act through: the daemon's components other than the routers and
//! tracking themselves, held together so the daemon lends them in one piece (`&mut Io`)
//! beside `&mut Routers`.

use super::children::Children;
use super::error::StartError;
use super::fifo::Fifos;
use super::links::Links;
use super::vmac::Vmacs;
use crate::os::arp::LinkSender;
use crate::os::netlink::Netlink;
use crate::os::process::Prepared;
use crate::vrrp::ratelimit::LogLimiter;

pub struct Io {
    pub links: Links,
    pub netlink: Netlink,
    pub frames: LinkSender,
    pub vmacs: Vmacs,
    pub children: Children,
    /// One budget for every drop and send-failure line: forged sources must not flood
    /// the log whichever path they take.
    pub limiter: LogLimiter,
    /// OpenWrt's hotplug-call, when present.
    pub hotplug: Option<Prepared>,
    /// nftables' nft, when an instance uses no_accept.
    pub nft: Option<Prepared>,
    /// The notify FIFOs every transition is written to.
    pub fifos: Fifos,
}

impl Io {
    /// The sockets every router needs, and the commands they may run.
    pub fn open(hotplug: Option<Prepared>, nft: Option<Prepared>) -> Result<Io, StartError> {
        Ok(Io {
            links: Links::default(),
            netlink: Netlink::open().map_err(StartError::setup("cannot open rtnetlink"))?,
            frames: LinkSender::open()
                .map_err(StartError::setup("cannot open AF_PACKET socket"))?,
            vmacs: Vmacs::default(),
            children: Children::default(),
            limiter: LogLimiter::default(),
            hotplug,
            nft,
            fifos: Fifos::default(),
        })
    }
}
