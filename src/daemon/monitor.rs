//! What the kernel reports about interfaces (rtnetlink link and address events): one
//! appeared, went up or down, was deleted or created again with a new index; addresses
//! changed — or events were lost, and every tracked state must be read again.

use super::error::StartError;
use crate::os::netlink::{LinkEvent, LinkMonitor, LinkNews};
use log::warn;
use std::os::fd::RawFd;

/// Reads per wake-up: a burst of events is taken in bounded chunks.
const READS: usize = 64;

pub enum News {
    Link(LinkEvent),
    /// Some interface's addresses changed.
    Addresses,
    /// The kernel dropped events (socket buffer full).
    Lost,
}

pub struct Monitor(LinkMonitor);

impl Monitor {
    pub fn open() -> Result<Monitor, StartError> {
        let m = LinkMonitor::open().map_err(StartError::setup("cannot open the link monitor"))?;
        Ok(Monitor(m))
    }

    pub fn raw_fd(&self) -> RawFd {
        self.0.raw_fd()
    }

    /// What arrived since the last read, in order, and whether more is waiting (READS
    /// datagrams were read).
    pub fn read(&self) -> (Vec<News>, bool) {
        let mut buf = [0u8; 8192];
        let mut news = Vec::new();
        for _ in 0..READS {
            match self.0.read(&mut buf) {
                Ok(LinkNews::Nothing) => return (news, false),
                Ok(LinkNews::Lost) => {
                    warn!("link monitor lost events; re-reading interface states");
                    news.push(News::Lost);
                }
                Ok(LinkNews::Events(evs, addresses)) => {
                    news.extend(evs.into_iter().map(News::Link));
                    if addresses {
                        news.push(News::Addresses);
                    }
                }
                Err(e) => {
                    warn!("link monitor: {e}");
                    return (news, false);
                }
            }
        }
        (news, true)
    }
}
