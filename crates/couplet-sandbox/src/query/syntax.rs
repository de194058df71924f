//! Syntax errors in `$filter` and how each service words them.

use super::{Dialect, QueryError};

/// What went wrong at a position in the `$filter` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SyntaxErrorKind {
    /// An operand (field, literal, function call or parenthesised expression) was expected.
    ExpectedExpression,
    /// A token appeared where none of its kind may stand (e.g. trailing text).
    UnexpectedToken,
    /// A `)` or an operator was expected (unclosed parenthesis).
    ExpectedCloseParen,
    /// A `(` was expected (after `in` or a function name).
    ExpectedOpenParen,
    /// A `,` or `)` was expected inside an argument or value list.
    ExpectedCommaOrClose,
    /// A literal was expected inside an `in (...)` list.
    ExpectedLiteral,
    /// A field name was expected after `/`.
    ExpectedIdentifier,
    /// A quoted string is not closed.
    UnterminatedString,
    /// A character that cannot start any token.
    InvalidCharacter,
    /// Text shaped like a literal that is not a valid value (e.g. `2019-13-45`).
    InvalidLiteral,
}

/// A syntax error: its kind, the byte offset where it was found and the offending text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SyntaxError {
    kind: SyntaxErrorKind,
    offset: usize,
    token: String,
}

impl SyntaxError {
    /// A syntax error of `kind` at byte `offset`, where the offending text is `token`
    /// (empty at the end of the input).
    pub(super) fn new(kind: SyntaxErrorKind, offset: usize, token: String) -> Self {
        Self {
            kind,
            offset,
            token,
        }
    }

    /// The error as the service of `dialect` words it. Positions are 0-based character indexes
    /// into `src`, as OData services report them.
    pub(super) fn into_query_error(self, src: &str, dialect: Dialect) -> QueryError {
        let position = src
            .get(..self.offset)
            .map_or(self.offset, |prefix| prefix.chars().count());
        let message = match dialect {
            Dialect::BusinessCentral => self.business_central_message(position),
            Dialect::Dataverse => self.dataverse_message(position),
        };
        QueryError { message }
    }

    fn business_central_message(&self, position: usize) -> String {
        match self.kind {
            SyntaxErrorKind::ExpectedExpression => {
                format!("Expression expected at position {position}.")
            }
            SyntaxErrorKind::UnexpectedToken => format!("Syntax error at position {position}."),
            SyntaxErrorKind::ExpectedCloseParen => {
                format!("')' or operator expected at position {position}.")
            }
            SyntaxErrorKind::ExpectedOpenParen => format!("'(' expected at position {position}."),
            SyntaxErrorKind::ExpectedCommaOrClose => {
                format!("')' or ',' expected at position {position}.")
            }
            SyntaxErrorKind::ExpectedLiteral => format!("Literal expected at position {position}."),
            SyntaxErrorKind::ExpectedIdentifier => {
                format!("Identifier expected at position {position}.")
            }
            SyntaxErrorKind::UnterminatedString => {
                format!("There is an unterminated string literal at position {position}.")
            }
            SyntaxErrorKind::InvalidCharacter => format!(
                "Syntax error: character '{}' is not valid at position {position}.",
                self.token
            ),
            SyntaxErrorKind::InvalidLiteral => format!(
                "Syntax error: '{}' is not a valid literal at position {position}.",
                self.token
            ),
        }
    }

    fn dataverse_message(&self, position: usize) -> String {
        let expected = match self.kind {
            SyntaxErrorKind::ExpectedExpression => "expected an expression",
            SyntaxErrorKind::UnexpectedToken => "unexpected token",
            SyntaxErrorKind::ExpectedCloseParen => "expected ')' or an operator",
            SyntaxErrorKind::ExpectedOpenParen => "expected '('",
            SyntaxErrorKind::ExpectedCommaOrClose => "expected ',' or ')'",
            SyntaxErrorKind::ExpectedLiteral => "expected a literal",
            SyntaxErrorKind::ExpectedIdentifier => "expected a property name",
            SyntaxErrorKind::UnterminatedString => "unterminated string literal",
            SyntaxErrorKind::InvalidCharacter => "invalid character",
            SyntaxErrorKind::InvalidLiteral => "invalid literal",
        };
        let found = if self.token.is_empty() {
            "the end of the expression".to_string()
        } else {
            format!("'{}'", self.token)
        };
        format!("Syntax error in $filter at position {position}: {expected}, found {found}.")
    }
}
