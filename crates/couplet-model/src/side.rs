//! Sides of an integration and the directions data can flow between them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the two systems Couplet keeps in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Business Central.
    Erp,
    /// Dataverse / Dynamics 365 Sales.
    Crm,
}

impl Side {
    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Erp => Side::Crm,
            Side::Crm => Side::Erp,
        }
    }

    /// The stable lowercase name used in SQL, JSON and the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Erp => "erp",
            Side::Crm => "crm",
        }
    }

    /// Parses the stable name written by [`Side::as_str`].
    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "erp" => Some(Side::Erp),
            "crm" => Some(Side::Crm),
            _ => None,
        }
    }

    /// The product behind the side, for messages written for people.
    pub fn product(self) -> &'static str {
        match self {
            Side::Erp => "Business Central",
            Side::Crm => "Dataverse",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.product())
    }
}

/// Which way a table or field mapping moves data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Business Central → Dataverse.
    ToCrm,
    /// Dataverse → Business Central.
    FromCrm,
    /// Both ways; a run goes ERP→CRM first, then CRM→ERP.
    Bidirectional,
}

impl Direction {
    /// The one-way passes a run of this direction makes, in order.
    pub fn passes(self) -> &'static [Direction] {
        match self {
            Direction::ToCrm => &[Direction::ToCrm],
            Direction::FromCrm => &[Direction::FromCrm],
            Direction::Bidirectional => &[Direction::ToCrm, Direction::FromCrm],
        }
    }

    /// Whether data may flow in the one-way direction `pass`.
    pub fn allows(self, pass: Direction) -> bool {
        self == Direction::Bidirectional || self == pass
    }

    /// The side data is read from in a one-way pass (`None` for bidirectional).
    pub fn source(self) -> Option<Side> {
        match self {
            Direction::ToCrm => Some(Side::Erp),
            Direction::FromCrm => Some(Side::Crm),
            Direction::Bidirectional => None,
        }
    }

    /// The one-way direction that writes to `side`.
    pub fn writing_to(side: Side) -> Direction {
        match side {
            Side::Crm => Direction::ToCrm,
            Side::Erp => Direction::FromCrm,
        }
    }

    /// The stable name used in SQL, JSON and the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ToCrm => "to_crm",
            Direction::FromCrm => "from_crm",
            Direction::Bidirectional => "bidirectional",
        }
    }

    /// Parses the stable name written by [`Direction::as_str`].
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "to_crm" => Some(Direction::ToCrm),
            "from_crm" => Some(Direction::FromCrm),
            "bidirectional" => Some(Direction::Bidirectional),
            _ => None,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::ToCrm => "Business Central → Dataverse",
            Direction::FromCrm => "Dataverse → Business Central",
            Direction::Bidirectional => "Business Central ↔ Dataverse",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidirectional_runs_erp_to_crm_first() {
        assert_eq!(
            Direction::Bidirectional.passes(),
            &[Direction::ToCrm, Direction::FromCrm]
        );
    }

    #[test]
    fn names_round_trip() {
        for d in [
            Direction::ToCrm,
            Direction::FromCrm,
            Direction::Bidirectional,
        ] {
            assert_eq!(Direction::parse(d.as_str()), Some(d));
        }
        for s in [Side::Erp, Side::Crm] {
            assert_eq!(Side::parse(s.as_str()), Some(s));
        }
    }
}
