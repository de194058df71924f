//! The parsed form of a `$filter` expression.

use serde_json::{Map, Value};

use super::eval;
use super::literal::Literal;

/// A parsed `$filter` expression.
///
/// `and`/`or` chains are kept flat (`And(vec![a, b, c])`), so a long chain of conditions does not
/// build a deep tree; nesting only comes from parentheses, `not` and function calls, and the
/// parser bounds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal value.
    Literal(Literal),
    /// A field, or a navigation path `a/b` (segments in order).
    Property(Vec<String>),
    /// `not <expr>`.
    Not(Box<Expr>),
    /// `<expr> and <expr> and ...` (two or more operands).
    And(Vec<Expr>),
    /// `<expr> or <expr> or ...` (two or more operands).
    Or(Vec<Expr>),
    /// `<left> <op> <right>`.
    Compare {
        /// The comparison operator.
        op: ComparisonOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// `<operand> in (<value>, ...)`.
    In {
        /// The value tested for membership.
        operand: Box<Expr>,
        /// The candidate values.
        values: Vec<Literal>,
    },
    /// A function call such as `contains(displayName,'x')` or `tolower(name)`.
    Call {
        /// The function called.
        function: Function,
        /// The arguments, in order (their count is checked by the parser).
        args: Vec<Expr>,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparisonOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

impl ComparisonOp {
    /// The operator that gives the same answer with the operands swapped (`5 lt x` is
    /// `x gt 5`).
    pub fn flipped(self) -> Self {
        match self {
            Self::Gt => Self::Lt,
            Self::Ge => Self::Le,
            Self::Lt => Self::Gt,
            Self::Le => Self::Ge,
            same => same,
        }
    }

    /// The operator for a keyword (`eq`, `ne`, ...), matched case-insensitively.
    pub fn from_keyword(word: &str) -> Option<Self> {
        let op = match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        };
        Some(op)
    }
}

/// A built-in function usable in `$filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `contains(text, part)`: whether `text` contains `part` (case-insensitive).
    Contains,
    /// `startswith(text, prefix)` (case-insensitive).
    StartsWith,
    /// `endswith(text, suffix)` (case-insensitive).
    EndsWith,
    /// `tolower(text)`.
    ToLower,
    /// `toupper(text)`.
    ToUpper,
    /// `trim(text)`: without leading and trailing whitespace.
    Trim,
    /// `length(text)`: the number of characters.
    Length,
    /// `indexof(text, part)`: 0-based character index of `part` in `text`, or -1 (case-insensitive).
    IndexOf,
    /// `substring(text, start[, length])`: characters from 0-based `start`.
    Substring,
    /// `concat(a, b)`: the two texts joined.
    Concat,
}

impl Function {
    /// The function with this name (matched case-insensitively), if it is supported.
    pub fn from_name(name: &str) -> Option<Self> {
        let function = match name.to_ascii_lowercase().as_str() {
            "contains" => Self::Contains,
            "startswith" => Self::StartsWith,
            "endswith" => Self::EndsWith,
            "tolower" => Self::ToLower,
            "toupper" => Self::ToUpper,
            "trim" => Self::Trim,
            "length" => Self::Length,
            "indexof" => Self::IndexOf,
            "substring" => Self::Substring,
            "concat" => Self::Concat,
            _ => return None,
        };
        Some(function)
    }

    /// The OData name of the function.
    pub fn name(self) -> &'static str {
        match self {
            Self::Contains => "contains",
            Self::StartsWith => "startswith",
            Self::EndsWith => "endswith",
            Self::ToLower => "tolower",
            Self::ToUpper => "toupper",
            Self::Trim => "trim",
            Self::Length => "length",
            Self::IndexOf => "indexof",
            Self::Substring => "substring",
            Self::Concat => "concat",
        }
    }

    /// The smallest and largest number of arguments the function takes.
    pub fn arity(self) -> (usize, usize) {
        match self {
            Self::ToLower | Self::ToUpper | Self::Trim | Self::Length => (1, 1),
            Self::Contains | Self::StartsWith | Self::EndsWith | Self::IndexOf | Self::Concat => {
                (2, 2)
            }
            Self::Substring => (2, 3),
        }
    }
}

impl Expr {
    /// Evaluates against one row: JSON object with wire field names (e.g. "displayName", "_ownerid_value").
    ///
    /// A row matches only when the expression is `true`; `false` and unknown (null) results
    /// exclude it. A missing field counts as null.
    pub fn matches(&self, row: &Map<String, Value>) -> bool {
        eval::matches(self, row)
    }

    /// Field names referenced.
    ///
    /// Each name appears once, in order of first appearance; a navigation path is returned
    /// joined with `/` (e.g. `primarycontactid/fullname`).
    pub fn fields(&self) -> Vec<String> {
        let mut fields = Vec::new();
        self.collect_fields(&mut fields);
        fields
    }

    fn collect_fields(&self, fields: &mut Vec<String>) {
        match self {
            Self::Literal(_) => {}
            Self::Property(path) => {
                let name = path.join("/");
                if !fields.contains(&name) {
                    fields.push(name);
                }
            }
            Self::Not(inner) => inner.collect_fields(fields),
            Self::And(items) | Self::Or(items) => {
                for item in items {
                    item.collect_fields(fields);
                }
            }
            Self::Compare { left, right, .. } => {
                left.collect_fields(fields);
                right.collect_fields(fields);
            }
            Self::In { operand, .. } => operand.collect_fields(fields),
            Self::Call { args, .. } => {
                for arg in args {
                    arg.collect_fields(fields);
                }
            }
        }
    }
}
