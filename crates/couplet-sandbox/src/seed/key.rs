//! How a seeded row gets its id: from a name (demo data, stable across versions) or from its
//! place in a generated run (sequential, cheap to index).

use uuid::Uuid;

use crate::ids::{named_guid, sequential_guid};

/// The key a seeded row's id derives from, within a namespace such as `bc.items`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Key<'a> {
    /// Demo data: the id derives from a name.
    Named(&'a str),
    /// Generated data: the `n`-th id of a sequential run.
    Seq(u64),
}

impl Key<'_> {
    /// The id in `namespace`.
    pub(super) fn id(self, namespace: &str) -> Uuid {
        match self {
            Key::Named(name) => named_guid(namespace, name),
            Key::Seq(n) => sequential_guid(namespace, n),
        }
    }
}
