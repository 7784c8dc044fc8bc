//! Checking a whole cluster before deploying it (`tinyvrrpd -t -f node1.conf -f
//! node2.conf …`): every node's configuration paired up into virtual routers, the
//! settings that must agree between nodes cross-checked (each finding names both
//! sides' FILE:LINE), and the nodes' real state machines run together in virtual time
//! on a simulated segment through the scenarios operators care about (start-up,
//! graceful stop, crash, return, a failing check, a link going down).
//!
//! Pure, like the core it drives: configurations in, findings and timelines out.

pub mod checks;
pub mod json;
pub mod locate;
mod node;
pub mod pairing;
pub mod report;
pub mod scenario;
pub mod sim;

use crate::config::model::Instance;
pub use node::Node;
use pairing::{Member, Pairing};
use std::net::IpAddr;

/// The nodes and how their instances pair up.
pub struct Cluster {
    pub nodes: Vec<Node>,
    pub pairing: Pairing,
}

impl Cluster {
    /// Node names are made unique (`name-2`…) so that timelines stay unambiguous.
    pub fn new(mut nodes: Vec<Node>) -> Cluster {
        for n in 1..nodes.len() {
            let base = nodes[n].name.clone();
            let mut k = 2;
            while nodes[..n].iter().any(|o| o.name == nodes[n].name) {
                nodes[n].name = format!("{base}-{k}");
                k += 1;
            }
        }
        let pairing = Pairing::new(&nodes);
        Cluster { nodes, pairing }
    }

    pub fn inst(&self, m: Member) -> &Instance {
        &self.nodes[m.node].config.instances[m.inst]
    }

    /// `FILE:LINE` of node `node`.
    pub fn at(&self, node: usize, line: u32) -> String {
        format!("{}:{line}", self.nodes[node].file)
    }

    /// The line of `keyword` in member `m`'s instance (its own line if not written).
    pub fn line_of(&self, m: Member, keyword: &str) -> u32 {
        self.nodes[m.node]
            .locator()
            .keyword(self.inst(m).line, keyword)
    }

    /// The line of `addr` under `keyword` in member `m`'s instance.
    pub fn line_of_addr(&self, m: Member, keyword: &str, addr: IpAddr) -> u32 {
        self.nodes[m.node]
            .locator()
            .address(self.inst(m).line, keyword, addr)
    }

    /// How an address a node advertises from reads in a report: the address, or what
    /// stands for it when the file does not say.
    pub fn addr_name(&self, addr: IpAddr) -> String {
        for (n, srcs) in self.pairing.source.iter().enumerate() {
            for (k, s) in srcs.iter().enumerate() {
                if s.addr == addr && s.known == pairing::Known::Assumed {
                    let i = &self.nodes[n].config.instances[k];
                    return format!("{}'s {} address", self.nodes[n].name, i.interface);
                }
            }
        }
        addr.to_string()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A node from a configuration text that must parse.
    pub fn node(name: &str, text: &str) -> Node {
        let file = format!("{name}.conf");
        let config = crate::config::parse(&file, text).unwrap_or_else(|e| panic!("{e:?}"));
        Node::new(&file, text, config)
    }

    pub const SEED1: &str = include_str!("../../tests/configs/syslog1.conf");
    pub const SEED2: &str = include_str!("../../tests/configs/syslog2.conf");

    /// The seed article's pair (documentation addresses).
    pub fn seed() -> Vec<Node> {
        vec![node("syslog1", SEED1), node("syslog2", SEED2)]
    }

    #[test]
    fn node_names_come_from_router_id_or_the_file_and_stay_unique() {
        let c = Cluster::new(vec![
            node("syslog1", SEED1),
            node("syslog1", SEED1),
            node("x", &format!("global_defs {{\n router_id lb1\n}}\n{SEED2}")),
        ]);
        let names: Vec<&str> = c.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["syslog1", "syslog1-2", "lb1"]);
    }
}
