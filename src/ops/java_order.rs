//! Emulation of Java `HashMap<String, _>` iteration order.
//!
//! The Java `mqadmin clusterList` walks `ClusterInfo.clusterAddrTable`, a `HashMap` filled by
//! fastjson in the order of the JSON keys, so clusters come out in hash-bucket order. To print
//! clusters in the same order we recompute it: `String.hashCode` over UTF-16 units, spread with
//! `h ^ (h >>> 16)`, bucket `hash & (capacity - 1)`, capacity 16 doubling while
//! `size > 0.75 * capacity`. Resizes keep the relative order of entries that share a bucket, so
//! ties are in insertion order. (Buckets of 8+ entries turn into trees in Java; not emulated.)

use broker::store::format::java_string_hash;

/// Java `HashMap.hash()`: the hash code with its high half folded into the low half.
pub fn spread(hash: i32) -> u32 {
    let h = hash as u32;
    h ^ (h >> 16)
}

/// The table capacity of a default-constructed Java `HashMap` after `len` insertions.
pub fn hashmap_capacity(len: usize) -> usize {
    let mut capacity = 16;
    while len > capacity / 4 * 3 {
        capacity *= 2;
    }
    capacity
}

/// The order in which a Java `HashMap<String, _>` built by inserting `keys` in the given order
/// iterates them. Duplicate keys are kept at their first position.
pub fn hashmap_order<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut unique: Vec<&str> = Vec::new();
    for key in keys {
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    let mask = (hashmap_capacity(unique.len()) - 1) as u32;
    // A stable sort keeps insertion order within a bucket.
    unique.sort_by_key(|key| spread(java_string_hash(key)) & mask);
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_doubles_past_three_quarters() {
        assert_eq!(hashmap_capacity(0), 16);
        assert_eq!(hashmap_capacity(12), 16);
        assert_eq!(hashmap_capacity(13), 32);
        assert_eq!(hashmap_capacity(24), 32);
        assert_eq!(hashmap_capacity(25), 64);
    }

    #[test]
    fn order_is_by_bucket_then_insertion() {
        // 'b' = 98 -> bucket 2, 'a' = 97 -> 1, 'q' = 113 -> 1 (same bucket as 'a').
        assert_eq!(hashmap_order(["b", "q", "a"]), ["q", "a", "b"]);
        assert_eq!(hashmap_order(["b", "a", "q"]), ["a", "q", "b"]);
        // "Aa" and "BB" have the same hash code: insertion order decides.
        assert_eq!(hashmap_order(["BB", "Aa"]), ["BB", "Aa"]);
        assert_eq!(hashmap_order(["Aa", "BB"]), ["Aa", "BB"]);
    }

    #[test]
    fn order_after_resize_uses_final_capacity() {
        // 'a' (97) and 'q' (113) share bucket 1 of 16 but split at 32 (1 and 17).
        let mut keys: Vec<String> = (0..13).map(|i| format!("k{i:02}")).collect();
        keys.push("q".into());
        keys.push("a".into());
        let order = hashmap_order(keys.iter().map(String::as_str));
        let pos = |k: &str| order.iter().position(|x| *x == k).unwrap();
        assert!(pos("a") < pos("q"), "{order:?}");
    }

    #[test]
    fn spread_folds_high_bits() {
        assert_eq!(spread(0x0001_0000), 0x0001_0001);
        assert_eq!(spread(-1), 0xFFFF_0000);
    }
}
