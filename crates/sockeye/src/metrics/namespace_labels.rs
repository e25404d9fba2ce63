//! Which namespaces get a `namespace` label value of their own in the Prometheus text.
//!
//! A dynamic namespace's children are named by clients, so one label value each would let
//! clients grow the number of series without bound, which is what Prometheus copes with
//! worst. The namespaces the application made itself are few and always labelled; children
//! of dynamic namespaces share [`DYNAMIC_NAMESPACE_LABELS`] values, given for good to the first
//! children seen at a scrape, and any other child is counted under [`OTHER_NAMESPACES`].
//! Kept for good so that a namespace's series does not move between its own label and
//! `other` from one scrape to the next, and so that the series ever written stay bounded too.

use std::collections::HashSet;
use std::sync::Mutex;

/// How many children of dynamic namespaces get a `namespace` label value of their own in
/// [`prometheus`](super::prometheus): the first ones seen when scraped, for the server's
/// life. Namespaces made with [`SocketIo::of`](crate::SocketIo::of) that no dynamic namespace
/// matches always have theirs.
pub const DYNAMIC_NAMESPACE_LABELS: usize = 100;

/// The `namespace` label value that sums the children of dynamic namespaces past
/// [`DYNAMIC_NAMESPACE_LABELS`] (no namespace is named so: their names start with `/`).
pub const OTHER_NAMESPACES: &str = "other";

/// The children of dynamic namespaces that have a label value of their own.
#[derive(Debug, Default)]
pub(crate) struct NamespaceLabels {
    labelled: Mutex<HashSet<String>>,
}

/// A namespace as the export sees it.
pub(crate) struct NamespaceSample {
    pub(crate) name: String,
    /// A child of a dynamic namespace (its name chosen by a client).
    pub(crate) dynamic: bool,
    pub(crate) sockets: u64,
}

impl NamespaceLabels {
    /// The `(label value, sockets)` pairs to export: by name, then [`OTHER_NAMESPACES`] with
    /// the sum of the children left out, when there is one.
    pub(crate) fn samples(&self, mut namespaces: Vec<NamespaceSample>) -> Vec<(String, u64)> {
        // By name, so that which children take the free labels does not depend on the
        // order the server lists them in.
        namespaces.sort_by(|a, b| a.name.cmp(&b.name));
        let mut labelled = match self.labelled.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut out = Vec::with_capacity(namespaces.len());
        let mut other: Option<u64> = None;
        for ns in namespaces {
            let own = !ns.dynamic
                || labelled.contains(&ns.name)
                || (labelled.len() < DYNAMIC_NAMESPACE_LABELS && labelled.insert(ns.name.clone()));
            if own {
                out.push((ns.name, ns.sockets));
            } else {
                *other.get_or_insert(0) += ns.sockets;
            }
        }
        drop(labelled);
        if let Some(n) = other {
            out.push((OTHER_NAMESPACES.to_owned(), n));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(name: &str, dynamic: bool, sockets: u64) -> NamespaceSample {
        NamespaceSample {
            name: name.to_owned(),
            dynamic,
            sockets,
        }
    }

    fn children(range: std::ops::Range<usize>) -> Vec<NamespaceSample> {
        range.map(|i| ns(&format!("/c{i:04}"), true, 1)).collect()
    }

    #[test]
    fn below_the_cap_every_namespace_has_its_own_label() {
        let labels = NamespaceLabels::default();
        let mut all = children(0..3);
        all.push(ns("/", false, 2));
        let samples = labels.samples(all);
        assert_eq!(
            samples,
            [
                ("/".to_owned(), 2),
                ("/c0000".to_owned(), 1),
                ("/c0001".to_owned(), 1),
                ("/c0002".to_owned(), 1),
            ]
        );
    }

    #[test]
    fn children_past_the_cap_are_summed_under_other() {
        let labels = NamespaceLabels::default();
        let mut all = children(0..DYNAMIC_NAMESPACE_LABELS + 5);
        all.push(ns("/", false, 7));
        let samples = labels.samples(all);
        assert_eq!(samples.len(), 1 + DYNAMIC_NAMESPACE_LABELS + 1);
        assert_eq!(samples[0], ("/".to_owned(), 7));
        assert_eq!(samples.last(), Some(&(OTHER_NAMESPACES.to_owned(), 5)));
        assert!(!samples.iter().any(|(name, _)| name == "/c0100"));
    }

    #[test]
    fn a_child_keeps_its_label_and_a_new_one_gets_none_once_they_are_given() {
        let labels = NamespaceLabels::default();
        let _ = labels.samples(children(100..100 + DYNAMIC_NAMESPACE_LABELS));
        // Gone children keep their labels; names sorting first do not take them over.
        let mut now = children(0..2);
        now.push(ns("/c0150", true, 3));
        now.push(ns("/app", false, 0));
        let samples = labels.samples(now);
        assert_eq!(
            samples,
            [
                ("/app".to_owned(), 0),
                ("/c0150".to_owned(), 3),
                (OTHER_NAMESPACES.to_owned(), 2),
            ]
        );
    }

    #[test]
    fn no_other_series_while_nothing_falls_in_it() {
        let labels = NamespaceLabels::default();
        let samples = labels.samples(children(0..DYNAMIC_NAMESPACE_LABELS));
        assert_eq!(samples.len(), DYNAMIC_NAMESPACE_LABELS);
        assert!(samples.iter().all(|(name, _)| name != OTHER_NAMESPACES));
        assert_eq!(labels.samples(Vec::new()), []);
    }
}
