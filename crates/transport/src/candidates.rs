//! Which remote ICE candidates we send connectivity checks to.
//!
//! A remote candidate names an address our ICE agent will send STUN packets to,
//! and any member of a room can put any address there. Without a policy, a
//! member could make the server's keeper probe hosts of the member's choosing:
//! the server's own loopback services, its private network, anyone. A
//! [`CandidatePolicy`] drops the candidates whose address it refuses, both
//! trickled ones and the `a=candidate:` lines of an offer or answer. Dropping
//! is silent (the link goes on with the candidates that remain): an honest
//! browser offers LAN addresses a distant server cannot reach anyway. Each
//! refusal is counted ([`CandidatePolicy::refused`]).
//!
//! Ordinary native peers allow everything ([`CandidatePolicy::allow_all`], the
//! default); the server's keeper uses [`CandidatePolicy::for_server`].

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};

pub use ipnet::IpNet;
use ipnet::{Ipv4Net, Ipv6Net};

/// IPv4 ranges that are not public unicast: "this network", private (RFC
/// 1918), shared address space (CGNAT), loopback, link-local, IETF protocol
/// assignments, documentation, the deprecated 6to4 relay anycast,
/// benchmarking, multicast, and reserved (with broadcast).
const NOT_PUBLIC_V4: [Ipv4Net; 15] = [
    Ipv4Net::new_assert(Ipv4Addr::new(0, 0, 0, 0), 8),
    Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 8),
    Ipv4Net::new_assert(Ipv4Addr::new(100, 64, 0, 0), 10),
    Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8),
    Ipv4Net::new_assert(Ipv4Addr::new(169, 254, 0, 0), 16),
    Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 0, 0), 12),
    Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 0, 0), 24),
    Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 2, 0), 24),
    Ipv4Net::new_assert(Ipv4Addr::new(192, 88, 99, 0), 24),
    Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16),
    Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 0), 15),
    Ipv4Net::new_assert(Ipv4Addr::new(198, 51, 100, 0), 24),
    Ipv4Net::new_assert(Ipv4Addr::new(203, 0, 113, 0), 24),
    Ipv4Net::new_assert(Ipv4Addr::new(224, 0, 0, 0), 4),
    Ipv4Net::new_assert(Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// Global unicast IPv6. Everything outside it (loopback, unspecified,
/// IPv4-mapped, link-local, unique local, multicast, ...) is not public.
const GLOBAL_UNICAST_V6: Ipv6Net =
    Ipv6Net::new_assert(Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

/// Global-unicast IPv6 ranges that are not public all the same: Teredo and
/// 6to4 (they embed an IPv4 address the tunnel would reach), benchmarking,
/// and the two documentation prefixes.
const NOT_PUBLIC_V6: [Ipv6Net; 5] = [
    Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32),
    Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0x2, 0, 0, 0, 0, 0, 0), 48),
    Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
    Ipv6Net::new_assert(Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16),
    Ipv6Net::new_assert(Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),
];

/// Which remote candidate addresses a peer connection may check, and how many
/// it refused. Shared by every link of a configuration (`Arc`).
#[derive(Debug)]
pub struct CandidatePolicy {
    allowed: Allowed,
    refused: AtomicU64,
}

#[derive(Debug)]
enum Allowed {
    Everything,
    /// Public unicast addresses, and these networks.
    PublicAnd(Vec<IpNet>),
}

impl Default for CandidatePolicy {
    fn default() -> Self {
        Self::allow_all()
    }
}

impl CandidatePolicy {
    /// Every candidate, as browsers do: for ordinary peers, which connect to
    /// whoever their user chose to meet.
    pub fn allow_all() -> Self {
        Self {
            allowed: Allowed::Everything,
            refused: AtomicU64::new(0),
        }
    }

    /// Public unicast addresses, plus `networks`.
    pub fn public_and(networks: Vec<IpNet>) -> Self {
        Self {
            allowed: Allowed::PublicAnd(networks.iter().map(IpNet::trunc).collect()),
            refused: AtomicU64::new(0),
        }
    }

    /// The policy for a server's keeper that gathers candidates on
    /// `bind_addrs`: public unicast addresses, `extra_networks`, and the
    /// networks the keeper itself sits on, as far as it binds them:
    ///
    /// - a wildcard bind (`0.0.0.0`, `::`): the subnet of every interface of
    ///   that family but loopback and link-local ones;
    /// - a loopback bind (`127.0.0.1:0`, as tests and loopback-only hosts
    ///   use): `127.0.0.0/8` and `::1`;
    /// - another address: the subnet of the interface that holds it.
    ///
    /// Reads this machine's interfaces when a bind needs them.
    pub fn for_server(bind_addrs: &[String], extra_networks: Vec<IpNet>) -> io::Result<Self> {
        let binds = bind_addrs
            .iter()
            .map(|addr| {
                addr.parse::<SocketAddr>().map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("bind address {addr:?}: {e}"),
                    )
                })
            })
            .collect::<io::Result<Vec<_>>>()?;
        let interfaces = if binds.iter().all(|b| b.ip().is_loopback()) {
            Vec::new()
        } else {
            if_addrs::get_if_addrs()?
                .into_iter()
                .map(|interface| match interface.addr {
                    if_addrs::IfAddr::V4(v4) => (IpAddr::V4(v4.ip), v4.prefixlen),
                    if_addrs::IfAddr::V6(v6) => (IpAddr::V6(v6.ip), v6.prefixlen),
                })
                .collect()
        };
        let mut networks = extra_networks;
        networks.extend(bound_networks(&binds, &interfaces));
        Ok(Self::public_and(networks))
    }

    /// Whether to check `candidate` (a candidate attribute, with or without
    /// its `candidate:` prefix); a refusal is counted. `.local` host names
    /// pass only where `mdns` resolves them (on the local multicast segment).
    /// The empty candidate (end of candidates) names no address and passes.
    pub fn admit(&self, candidate: &str, mdns: bool) -> bool {
        let admitted = self.admits(candidate, mdns);
        if !admitted {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        admitted
    }

    fn admits(&self, candidate: &str, mdns: bool) -> bool {
        let Allowed::PublicAnd(networks) = &self.allowed else {
            return true;
        };
        let value = candidate.strip_prefix("candidate:").unwrap_or(candidate);
        if value.trim().is_empty() {
            return true;
        }
        // foundation component transport priority address port typ type ...
        let fields: Vec<&str> = value.split_whitespace().collect();
        let [_, _, _, _, address, _, "typ", _, ..] = fields[..] else {
            return false;
        };
        if address.ends_with(".local") {
            return mdns;
        }
        let Ok(ip) = address.parse::<IpAddr>() else {
            return false;
        };
        let ip = ip.to_canonical();
        is_public(ip) || networks.iter().any(|net| net.contains(&ip))
    }

    /// `sdp` without the `a=candidate:` lines this policy refuses (each
    /// counted), and how many it removed.
    pub fn screen_sdp(&self, sdp: &str, mdns: bool) -> (String, usize) {
        let mut kept = String::with_capacity(sdp.len());
        let mut refused = 0;
        for line in sdp.split_inclusive('\n') {
            let attribute = line.trim_end_matches(['\r', '\n']);
            if let Some(candidate) = attribute.strip_prefix("a=candidate:") {
                if !self.admit(candidate, mdns) {
                    refused += 1;
                    continue;
                }
            }
            kept.push_str(line);
        }
        (kept, refused)
    }

    /// Candidates refused so far, by every link using this policy.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// Whether `ip` is a public unicast address.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !NOT_PUBLIC_V4.iter().any(|net| net.contains(&v4)),
        IpAddr::V6(v6) => {
            GLOBAL_UNICAST_V6.contains(&v6) && !NOT_PUBLIC_V6.iter().any(|net| net.contains(&v6))
        }
    }
}

/// The networks a keeper bound to `binds` sits on, given this machine's
/// interface addresses and prefix lengths.
fn bound_networks(binds: &[SocketAddr], interfaces: &[(IpAddr, u8)]) -> Vec<IpNet> {
    let subnet = |ip: IpAddr, prefix: u8| IpNet::new(ip, prefix).ok().map(|net| net.trunc());
    let mut networks = Vec::new();
    for bind in binds {
        let ip = bind.ip();
        if ip.is_loopback() {
            networks.push(
                IpNet::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), 8).expect("valid prefix"),
            );
            networks.push(IpNet::from(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        } else if ip.is_unspecified() {
            networks.extend(
                interfaces
                    .iter()
                    .filter(|(addr, _)| {
                        addr.is_ipv4() == ip.is_ipv4()
                            && !addr.is_loopback()
                            && !is_link_local(*addr)
                    })
                    .filter_map(|&(addr, prefix)| subnet(addr, prefix)),
            );
        } else {
            match interfaces.iter().find(|(addr, _)| *addr == ip) {
                Some(&(addr, prefix)) => networks.extend(subnet(addr, prefix)),
                None => networks.push(IpNet::from(ip)),
            }
        }
    }
    networks.sort();
    networks.dedup();
    networks
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(address: &str) -> String {
        format!("candidate:1 1 udp 2130706431 {address} 50000 typ host")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn public_addresses_pass_and_local_ones_do_not() {
        let policy = CandidatePolicy::public_and(vec![]);
        for public in ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "100.128.0.1"] {
            assert!(policy.admit(&host(public), false), "{public}");
        }
        let refused = [
            "127.0.0.1",
            "127.0.0.2",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.251",
            "192.0.2.7",
            "198.51.100.1",
            "203.0.113.9",
            "198.18.0.1",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "fe80::1",
            "fd00::2",
            "fc00::1",
            "ff02::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2001:0:7f00:1::1",
        ];
        for address in refused {
            assert!(!policy.admit(&host(address), false), "{address}");
        }
        assert_eq!(policy.refused(), refused.len() as u64);
        // Anything whose address cannot be read is refused too.
        for bad in [
            "candidate:1 1 udp 1 example.com 9 typ host",
            "candidate:x",
            "1 1 udp",
        ] {
            assert!(!policy.admit(bad, false), "{bad}");
        }
        // No address at all: the end of candidates.
        assert!(policy.admit("", false));
        assert!(policy.admit("candidate:", false));
    }

    #[test]
    fn listed_networks_pass() {
        let policy =
            CandidatePolicy::public_and(nets(&["10.0.0.0/8", "fd00::/64", "127.0.0.1/32"]));
        assert!(policy.admit(&host("10.200.0.1"), false));
        assert!(policy.admit(&host("fd00::2"), false));
        assert!(policy.admit(&host("127.0.0.1"), false));
        assert!(!policy.admit(&host("127.0.0.2"), false));
        assert!(!policy.admit(&host("fd00:0:0:1::2"), false));
        // A v4-mapped address is its IPv4 address.
        assert!(policy.admit(&host("::ffff:10.0.0.1"), false));
    }

    #[test]
    fn mdns_names_pass_only_where_mdns_resolves_them() {
        let policy = CandidatePolicy::public_and(vec![]);
        let name = host("0f2e8c1a-5b7d-4c3e-9a61-2d4f8b0e7c15.local");
        assert!(policy.admit(&name, true));
        assert!(!policy.admit(&name, false));
    }

    #[test]
    fn relayed_and_reflexive_candidates_are_judged_by_their_own_address() {
        let policy = CandidatePolicy::public_and(vec![]);
        let srflx =
            "candidate:2 1 udp 1686052607 203.0.113.5 3478 typ srflx raddr 10.0.0.2 rport 5000";
        assert!(!policy.admit(srflx, false));
        let srflx = "candidate:2 1 udp 1686052607 8.8.4.4 3478 typ srflx raddr 10.0.0.2 rport 5000";
        assert!(policy.admit(srflx, false));
    }

    #[test]
    fn allow_all_refuses_nothing() {
        let policy = CandidatePolicy::allow_all();
        assert!(policy.admit(&host("127.0.0.1"), false));
        assert!(policy.admit("garbage", false));
        assert_eq!(policy.refused(), 0);
    }

    #[test]
    fn sdp_loses_refused_candidate_lines_only() {
        let sdp = "v=0\r\n\
                   m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n\
                   a=ice-ufrag:abcd\r\n\
                   a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n\
                   a=candidate:2 1 udp 2130706431 8.8.8.8 50001 typ host\r\n\
                   a=candidate:3 1 udp 2130706431 10.0.0.9 50002 typ host\r\n\
                   a=end-of-candidates\r\n";
        let policy = CandidatePolicy::public_and(vec![]);
        let (screened, refused) = policy.screen_sdp(sdp, false);
        assert_eq!(refused, 2);
        assert_eq!(policy.refused(), 2);
        assert_eq!(
            screened,
            "v=0\r\n\
             m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n\
             a=ice-ufrag:abcd\r\n\
             a=candidate:2 1 udp 2130706431 8.8.8.8 50001 typ host\r\n\
             a=end-of-candidates\r\n"
        );
        let (unchanged, refused) = CandidatePolicy::allow_all().screen_sdp(sdp, false);
        assert_eq!((unchanged.as_str(), refused), (sdp, 0));
    }

    #[test]
    fn a_server_allows_the_networks_it_binds() {
        let interfaces: Vec<(IpAddr, u8)> = vec![
            ("127.0.0.1".parse().unwrap(), 8),
            ("192.0.2.2".parse().unwrap(), 24),
            ("10.8.0.5".parse().unwrap(), 16),
            ("fd00::2".parse().unwrap(), 64),
            ("fe80::fc:ff:fe00:1".parse().unwrap(), 64),
        ];
        let bind = |s: &str| -> Vec<SocketAddr> { vec![s.parse().unwrap()] };
        assert_eq!(
            bound_networks(&bind("0.0.0.0:0"), &interfaces),
            nets(&["10.8.0.0/16", "192.0.2.0/24"])
        );
        assert_eq!(
            bound_networks(&bind("[::]:0"), &interfaces),
            nets(&["fd00::/64"])
        );
        assert_eq!(
            bound_networks(&bind("127.0.0.1:0"), &interfaces),
            nets(&["127.0.0.0/8", "::1/128"])
        );
        assert_eq!(
            bound_networks(&bind("10.8.0.5:3478"), &interfaces),
            nets(&["10.8.0.0/16"])
        );
        assert_eq!(
            bound_networks(&bind("203.0.113.7:0"), &interfaces),
            nets(&["203.0.113.7/32"])
        );

        let policy =
            CandidatePolicy::for_server(&["127.0.0.1:0".to_owned()], nets(&["10.9.0.0/16"]))
                .unwrap();
        assert!(policy.admit(&host("127.0.0.2"), false));
        assert!(policy.admit(&host("::1"), false));
        assert!(policy.admit(&host("10.9.1.1"), false));
        assert!(!policy.admit(&host("192.168.0.1"), false));
        assert!(policy.admit(&host("8.8.8.8"), false));
        assert!(CandidatePolicy::for_server(&["not an address".to_owned()], vec![]).is_err());
    }
}
