//! An insertion-ordered string-keyed map for [`Value::Object`](super::Value::Object).
//!
//! JavaScript objects keep insertion order and peers (and tests) notice when a server reorders
//! keys, so a sorted or hashed map would not be wire-faithful. Payload objects are small, so a
//! vector with linear lookup is the cheapest ordered map; only bulk construction from untrusted
//! input deduplicates through a hash set to stay linear.

use std::collections::HashMap;

use super::Value;

/// An insertion-ordered map from string keys to [`Value`]s.
///
/// Lookups are linear, which is fastest for the handful of keys a typical payload has. Inserting
/// an existing key replaces its value in place, keeping its original position (as JavaScript
/// does for a re-assigned property).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    entries: Vec<(String, Value)>,
}

impl Map {
    /// Creates an empty map.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates an empty map with room for `capacity` entries.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value stored under `key`, if any.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A mutable reference to the value stored under `key`, if any.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Whether `key` is present.
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Inserts `value` under `key`, returning the previous value if the key was present (its
    /// position is kept).
    pub fn insert(&mut self, key: impl Into<String>, value: Value) -> Option<Value> {
        let key = key.into();
        match self.get_mut(&key) {
            Some(slot) => Some(std::mem::replace(slot, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// Removes `key`, returning its value; later entries keep their relative order.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let pos = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(pos).1)
    }

    /// Iterates over the entries in insertion order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&String, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Iterates mutably over the values in insertion order.
    pub fn values_mut(&mut self) -> impl ExactSizeIterator<Item = &mut Value> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Iterates over the keys in insertion order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &String> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Builds a map from entries that may repeat keys: the last value wins and sits at the
    /// key's first position, as `JSON.parse` does. Linear in the number of entries; a small
    /// object (most: a binary placeholder has two keys) is checked in place, allocating
    /// nothing.
    pub(crate) fn from_entries_dedup(mut entries: Vec<(String, Value)>) -> Self {
        const SMALL: usize = 16;
        if entries.len() <= 1 {
            return Self { entries };
        }
        if entries.len() <= SMALL {
            let mut i = 1;
            while i < entries.len() {
                let (earlier, rest) = entries.split_at(i);
                let key = &rest[0].0;
                match earlier.iter().position(|(k, _)| k == key) {
                    Some(pos) => {
                        let (_, value) = entries.remove(i);
                        if let Some(slot) = entries.get_mut(pos) {
                            slot.1 = value;
                        }
                    }
                    None => i += 1,
                }
            }
            return Self { entries };
        }
        let mut first_pos: HashMap<String, usize> = HashMap::with_capacity(entries.len());
        let mut out: Vec<(String, Value)> = Vec::with_capacity(entries.len());
        for (k, v) in entries.drain(..) {
            match first_pos.get(&k) {
                Some(&pos) => {
                    if let Some(slot) = out.get_mut(pos) {
                        slot.1 = v;
                    }
                }
                None => {
                    first_pos.insert(k.clone(), out.len());
                    out.push((k, v));
                }
            }
        }
        Self { entries: out }
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Value)>,
        fn(&'a (String, Value)) -> (&'a String, &'a Value),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Into<String>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        let entries = iter.into_iter().map(|(k, v)| (k.into(), v)).collect();
        Self::from_entries_dedup(entries)
    }
}

impl<K: Into<String>> Extend<(K, Value)> for Map {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(keys: &[&str]) -> Vec<(String, Value)> {
        keys.iter()
            .enumerate()
            .map(|(i, k)| ((*k).to_owned(), Value::from(i as u64)))
            .collect()
    }

    fn pairs(map: &Map) -> Vec<(String, Value)> {
        map.entries.clone()
    }

    #[test]
    fn repeated_keys_keep_the_first_position_and_the_last_value_as_json_parse_does() {
        // Small (checked in place) and large (indexed) objects give the same answer.
        let small = Map::from_entries_dedup(entries(&["a", "b", "a", "c", "b", "a"]));
        assert_eq!(
            pairs(&small),
            vec![
                ("a".to_owned(), Value::from(5u64)),
                ("b".to_owned(), Value::from(4u64)),
                ("c".to_owned(), Value::from(3u64)),
            ]
        );
        let keys: Vec<String> = (0..40).map(|i| format!("k{}", i % 20)).collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let large = Map::from_entries_dedup(entries(&refs));
        assert_eq!(large.entries.len(), 20);
        for (i, (k, v)) in large.entries.iter().enumerate() {
            assert_eq!(k, &format!("k{i}"));
            assert_eq!(v, &Value::from(i as u64 + 20));
        }
        let parsed: Value = serde_json::from_str(r#"{"x":1,"y":2,"x":3}"#).unwrap();
        let Value::Object(parsed) = parsed else {
            panic!("not an object: {parsed:?}")
        };
        assert_eq!(
            pairs(&parsed),
            vec![
                ("x".to_owned(), Value::from(3u64)),
                ("y".to_owned(), Value::from(2u64)),
            ]
        );
    }
}
