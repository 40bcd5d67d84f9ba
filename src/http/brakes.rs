//! Brakes on abuse: who the client really is behind a proxy, how many failed till
//! identifications an address may make, how many requests a till may send.
//!
//! Kept in memory, per instance: a limit exists to slow a guesser or a stolen serial down,
//! and each instance slowing them is enough. Every table is bounded: entries whose window
//! has passed are dropped when a table grows.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses (or networks, `10.0.0.0/8`) of the proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl std::str::FromStr for TrustedProxies {
    type Err = String;

    fn from_str(list: &str) -> Result<Self, String> {
        let mut networks = Vec::new();
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (address, bits) = match item.split_once('/') {
                Some((address, bits)) => (address, Some(bits)),
                None => (item, None),
            };
            let address: IpAddr = address
                .parse()
                .map_err(|_| format!("{item}: not an IP address or network"))?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(bits) => bits
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{item}: prefix length must be 0 to {max}"))?,
                None => max,
            };
            networks.push((address, bits));
        }
        Ok(TrustedProxies(networks))
    }
}

impl TrustedProxies {
    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|&(network, bits)| match (network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the last
    /// address of `X-Forwarded-For` that is not a trusted proxy (a client may write anything
    /// at the start of that header, never after what its proxies add).
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let Some(chain) = forwarded_for else {
            return peer;
        };
        let mut client = peer;
        for hop in chain.rsplit(',').map(str::trim) {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.contains(ip) => client = canonical(ip),
                Ok(ip) => return canonical(ip),
                Err(_) => return client,
            }
        }
        client
    }
}

/// An IPv4 client seen through an IPv6 socket is the IPv4 client.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Past this many entries, a table drops the ones whose window has passed.
const PRUNE_ABOVE: usize = 10_000;

/// Failures counted per key over a fixed window opened by the first one.
#[derive(Debug)]
pub struct FailureWindow<K> {
    limit: u32,
    window: Duration,
    entries: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: std::hash::Hash + Eq + Copy> FailureWindow<K> {
    pub fn new(limit: u32, window: Duration) -> Self {
        FailureWindow {
            limit,
            window,
            entries: Mutex::default(),
        }
    }

    /// When `key` has failed `limit` times within the window: how long until it may try again.
    pub fn blocked(&self, key: K) -> Option<Duration> {
        let entries = self.entries.lock().expect("not poisoned");
        let &(start, count) = entries.get(&key)?;
        let elapsed = start.elapsed();
        (count >= self.limit && elapsed < self.window).then(|| self.window - elapsed)
    }

    /// Counts a failure of `key`; true when this one reached the limit (said once per burst).
    pub fn fail(&self, key: K) -> bool {
        let mut entries = self.entries.lock().expect("not poisoned");
        let now = Instant::now();
        if entries.len() > PRUNE_ABOVE {
            let window = self.window;
            entries.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = entries.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 == self.limit
    }
}

/// Requests per key, as a token bucket: `rate` a second on average, up to `burst` at once.
#[derive(Debug)]
pub struct Budget<K> {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, (Instant, f64)>>,
}

impl<K: std::hash::Hash + Eq + Copy> Budget<K> {
    pub fn new(rate: u32, burst: u32) -> Self {
        Budget {
            rate: f64::from(rate.max(1)),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::default(),
        }
    }

    /// Takes one request from `key`'s budget, or says how long until one is available.
    pub fn take(&self, key: K) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().expect("not poisoned");
        let now = Instant::now();
        if buckets.len() > PRUNE_ABOVE {
            // A bucket left alone this long is full again: forgetting it changes nothing.
            let full_after = self.burst / self.rate;
            buckets.retain(|_, (at, _)| now.duration_since(*at).as_secs_f64() < full_after);
        }
        let (at, tokens) = buckets.entry(key).or_insert((now, self.burst));
        let refilled =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / self.rate))
        }
    }
}

/// The brakes of one instance.
#[derive(Debug)]
pub struct Brakes {
    pub proxies: TrustedProxies,
    /// Failed till identifications (unknown or inactive serial, wrong key), per client
    /// address.
    pub identifications: FailureWindow<IpAddr>,
    /// Requests per till.
    pub tills: Budget<i64>,
}

impl Brakes {
    /// The real client of a request: its peer, or who its trusted proxies say it is.
    pub fn client(
        &self,
        extensions: &axum::http::Extensions,
        headers: &axum::http::HeaderMap,
    ) -> Option<IpAddr> {
        let peer = extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|axum::extract::ConnectInfo(addr)| addr.ip())?;
        let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        Some(self.proxies.client(peer, forwarded))
    }

    pub fn new(
        proxies: TrustedProxies,
        failures_per_minute: u32,
        till_requests_per_second: u32,
    ) -> Self {
        Brakes {
            proxies,
            identifications: FailureWindow::new(failures_per_minute, Duration::from_secs(60)),
            tills: Budget::new(till_requests_per_second, till_requests_per_second * 2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
        let proxies: TrustedProxies = "10.0.0.0/8, 192.168.1.5".parse().unwrap();
        // Not a proxy: its X-Forwarded-For is not believed.
        assert_eq!(
            proxies.client(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
        // Behind the proxies: the last address they did not add.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), Some("6.6.6.6, 198.51.100.7, 192.168.1.5")),
            ip("198.51.100.7")
        );
        assert_eq!(proxies.client(ip("10.1.2.3"), None), ip("10.1.2.3"));
        assert_eq!(
            proxies.client(ip("::ffff:10.1.2.3"), Some("garbage")),
            ip("10.1.2.3")
        );
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("proxy".parse::<TrustedProxies>().is_err());
        assert_eq!(
            "".parse::<TrustedProxies>().unwrap(),
            TrustedProxies::default()
        );
    }

    #[test]
    fn failures_block_at_the_limit_until_the_window_passes() {
        let window = FailureWindow::new(3, Duration::from_millis(200));
        assert!(!window.fail(1));
        assert!(!window.fail(1));
        assert_eq!(window.blocked(1), None);
        assert!(window.fail(1), "the third failure reaches the limit");
        assert!(window.blocked(1).is_some());
        assert_eq!(window.blocked(2), None);
        std::thread::sleep(Duration::from_millis(220));
        assert_eq!(window.blocked(1), None);
    }

    #[test]
    fn a_budget_allows_its_burst_then_its_rate() {
        let budget = Budget::new(10, 3);
        for _ in 0..3 {
            assert_eq!(budget.take(7), Ok(()));
        }
        let wait = budget.take(7).unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert_eq!(budget.take(8), Ok(()));
        std::thread::sleep(Duration::from_millis(110));
        assert_eq!(budget.take(7), Ok(()));
    }
}
