//! A list that is almost always one item (a packet's frames, an event's handlers): one item
//! is kept inline, more go to a `Vec`, so the usual case allocates nothing.

use std::ops::Deref;

/// One item inline, or any number (including none) in a `Vec`.
#[derive(Debug)]
pub(crate) enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

impl<T> OneOrMany<T> {
    /// Appends `item`.
    pub(crate) fn push(&mut self, item: T) {
        match std::mem::take(self) {
            OneOrMany::Many(all) if all.is_empty() => *self = OneOrMany::One(item),
            OneOrMany::One(first) => *self = OneOrMany::Many(vec![first, item]),
            OneOrMany::Many(mut all) => {
                all.push(item);
                *self = OneOrMany::Many(all);
            }
        }
    }
}

impl<T> Deref for OneOrMany<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            OneOrMany::One(item) => std::slice::from_ref(item),
            OneOrMany::Many(all) => all,
        }
    }
}

impl<T> IntoIterator for OneOrMany<T> {
    type Item = T;
    type IntoIter = std::iter::Chain<
        std::option::IntoIter<T>,
        std::iter::Flatten<std::option::IntoIter<Vec<T>>>,
    >;

    fn into_iter(self) -> Self::IntoIter {
        let (one, many) = match self {
            OneOrMany::One(item) => (Some(item), None),
            OneOrMany::Many(all) => (None, Some(all)),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_stays_inline_and_order_holds() {
        let mut list = OneOrMany::default();
        assert!(list.is_empty());
        list.push(1);
        assert!(matches!(list, OneOrMany::One(1)));
        assert_eq!(&*list, &[1]);
        list.push(2);
        list.push(3);
        assert_eq!(&*list, &[1, 2, 3]);
        assert_eq!(list.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
    }
}
