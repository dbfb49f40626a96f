//! A bounded least-recently-used cache of signed OCSP answers, grouped by serial
//! so that a revocation drops every answer for the certificate at once.
//!
//! Unbounded, the cache would grow with every CertID a client cares to send;
//! bounded, the worst a flood of requests does is evict answers, which are then
//! signed again on demand.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Serials kept by default: about 100 MB at ~1 KB per answer in the worst case.
pub const DEFAULT_CAPACITY: usize = 100_000;
/// Answers kept per serial: one per hash algorithm and CertID spelling a client may use.
pub const PER_SERIAL: usize = 4;

/// Answers for one serial and when the serial was last used.
struct Group<V> {
    used: u64,
    answers: Vec<(Vec<u8>, V)>,
}

struct Inner<V> {
    /// A counter standing in for time: larger is more recent.
    clock: u64,
    groups: HashMap<String, Group<V>>,
    /// Use order: `used` → serial, oldest first.
    order: BTreeMap<u64, String>,
}

/// The cache: at most `capacity` serials, at most [`PER_SERIAL`] answers each.
pub struct OcspCache<V> {
    capacity: usize,
    inner: Mutex<Inner<V>>,
}

impl<V: Clone> Default for OcspCache<V> {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl<V: Clone> OcspCache<V> {
    /// A cache holding at most `capacity` serials (at least one).
    pub fn new(capacity: usize) -> Self {
        OcspCache { capacity: capacity.max(1), inner: Mutex::new(Inner { clock: 0, groups: HashMap::new(), order: BTreeMap::new() }) }
    }

    /// The answer for a CertID (its DER) of `serial`, marking the serial as recently used.
    pub fn get(&self, serial: &str, id: &[u8]) -> Option<V> {
        let mut inner = self.inner.lock().ok()?;
        let inner = &mut *inner;
        let group = inner.groups.get_mut(serial)?;
        let answer = group.answers.iter().find(|(k, _)| k == id).map(|(_, v)| v.clone())?;
        inner.clock += 1;
        inner.order.remove(&group.used);
        group.used = inner.clock;
        inner.order.insert(group.used, serial.to_string());
        Some(answer)
    }

    /// Stores an answer, evicting the least recently used serials beyond the capacity.
    pub fn insert(&self, serial: &str, id: Vec<u8>, answer: V) {
        let Ok(mut inner) = self.inner.lock() else { return };
        let inner = &mut *inner;
        inner.clock += 1;
        let now = inner.clock;
        let group = inner.groups.entry(serial.to_string()).or_insert_with(|| Group { used: now, answers: Vec::new() });
        inner.order.remove(&group.used);
        group.used = now;
        inner.order.insert(now, serial.to_string());
        match group.answers.iter_mut().find(|(k, _)| *k == id) {
            Some(slot) => slot.1 = answer,
            None => {
                if group.answers.len() >= PER_SERIAL {
                    group.answers.remove(0);
                }
                group.answers.push((id, answer));
            }
        }
        while inner.groups.len() > self.capacity {
            let Some((_, oldest)) = inner.order.pop_first() else { break };
            inner.groups.remove(&oldest);
        }
    }

    /// Drops every answer for `serial`.
    pub fn remove(&self, serial: &str) {
        if let Ok(mut inner) = self.inner.lock()
            && let Some(g) = inner.groups.remove(serial)
        {
            inner.order.remove(&g.used);
        }
    }

    /// Drops everything.
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.groups.clear();
            inner.order.clear();
        }
    }

    /// What `pick` takes from each cached answer (e.g. the stale ones' CertIDs).
    pub fn collect<T>(&self, pick: impl Fn(&V) -> Option<T>) -> Vec<T> {
        self.inner
            .lock()
            .map(|i| i.groups.values().flat_map(|g| g.answers.iter().filter_map(|(_, v)| pick(v))).collect())
            .unwrap_or_default()
    }

    /// Serials cached.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.groups.len()).unwrap_or(0)
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_holds_more_than_its_capacity_and_evicts_the_least_recently_used() {
        let cache = OcspCache::new(100);
        for i in 0..10_000u32 {
            cache.insert(&format!("{i:x}"), vec![1], i);
            // Serial 0 stays in use, so it is never the one evicted.
            assert_eq!(cache.get("0", &[1]), Some(0));
            assert!(cache.len() <= 100);
        }
        assert_eq!(cache.len(), 100);
        assert_eq!(cache.get(&format!("{:x}", 9_999), &[1]), Some(9_999));
        assert_eq!(cache.get(&format!("{:x}", 9_000), &[1]), None, "old serials were evicted");
        let inner = cache.inner.lock().expect("lock");
        assert_eq!(inner.order.len(), inner.groups.len(), "the use order tracks exactly the cached serials");
    }

    #[test]
    fn answers_per_serial_are_bounded_and_removed_together() {
        let cache = OcspCache::new(10);
        for id in 0..20u8 {
            cache.insert("ab", vec![id], id);
        }
        assert_eq!(cache.collect(|v| Some(*v)).len(), PER_SERIAL);
        assert_eq!(cache.get("ab", &[19]), Some(19));
        cache.insert("cd", vec![0], 0);
        cache.remove("ab");
        assert_eq!(cache.get("ab", &[19]), None);
        assert_eq!(cache.len(), 1);
        cache.clear();
        assert!(cache.is_empty());
    }
}
