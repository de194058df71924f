//! Recursive-descent parser for `$filter` (api-reference C4):
//! `or` < `and` < `not` < comparison, with parentheses, functions, `in` lists and paths.

use super::expr::{ComparisonOp, Expr, Function};
use super::lexer::{Token, TokenKind, tokenize};
use super::literal::Literal;
use super::syntax::{SyntaxError, SyntaxErrorKind};
use super::{Dialect, QueryError};

/// The longest `$filter` text accepted, in bytes.
pub const MAX_FILTER_LEN: usize = 64 * 1024;

/// The deepest nesting of parentheses, `not` and function calls accepted.
pub const MAX_FILTER_DEPTH: usize = 100;

/// The exact message Business Central gives for `or` between conditions on different fields.
pub const BC_OR_DISTINCT_FIELDS: &str =
    "The 'OR' operator is not supported on distinct fields on an OData filter.";

/// Parses a `$filter` expression as the service of `dialect` would.
pub(super) fn parse(src: &str, dialect: Dialect) -> Result<Expr, QueryError> {
    if src.len() > MAX_FILTER_LEN {
        return Err(QueryError {
            message: format!(
                "The $filter expression is too long ({} bytes); at most {MAX_FILTER_LEN} bytes are allowed.",
                src.len()
            ),
        });
    }
    let tokens = tokenize(src);
    let mut parser = Parser {
        src,
        dialect,
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.or_expr()?;
    if parser.peek().kind != TokenKind::End {
        return Err(parser.syntax_error(SyntaxErrorKind::UnexpectedToken));
    }
    if dialect == Dialect::BusinessCentral {
        check_or_on_single_field(&expr)?;
    }
    Ok(expr)
}

struct Parser<'a> {
    src: &'a str,
    dialect: Dialect,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        // The token list is never empty, and `advance` never moves past its last token.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &TokenKind {
        let index = (self.pos + ahead).min(self.tokens.len() - 1);
        &self.tokens[index].kind
    }

    fn advance(&mut self) {
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Identifier(name) if name.eq_ignore_ascii_case(keyword))
    }

    /// The error to report at the current token: its own lexical error if it is invalid text,
    /// else an error of `kind` naming it.
    fn syntax_error(&self, kind: SyntaxErrorKind) -> QueryError {
        let token = self.peek();
        if let TokenKind::Invalid(error) = &token.kind {
            return error.clone().into_query_error(self.src, self.dialect);
        }
        let text = self.src.get(token.start..token.end).unwrap_or_default();
        SyntaxError::new(kind, token.start, text.to_string())
            .into_query_error(self.src, self.dialect)
    }

    fn expect(&mut self, kind: &TokenKind, error: SyntaxErrorKind) -> Result<(), QueryError> {
        if &self.peek().kind == kind {
            self.advance();
            Ok(())
        } else {
            Err(self.syntax_error(error))
        }
    }

    fn enter(&mut self) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(QueryError {
                message: format!(
                    "The $filter expression is nested too deeply; at most {MAX_FILTER_DEPTH} levels of parentheses, 'not' and function calls are allowed."
                ),
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn or_expr(&mut self) -> Result<Expr, QueryError> {
        let mut items = vec![self.and_expr()?];
        while self.peek_keyword("or") {
            self.advance();
            items.push(self.and_expr()?);
        }
        Ok(flatten(items, Expr::Or))
    }

    fn and_expr(&mut self) -> Result<Expr, QueryError> {
        let mut items = vec![self.not_expr()?];
        while self.peek_keyword("and") {
            self.advance();
            items.push(self.not_expr()?);
        }
        Ok(flatten(items, Expr::And))
    }

    fn not_expr(&mut self) -> Result<Expr, QueryError> {
        if !self.peek_keyword("not") {
            return self.comparison();
        }
        self.advance();
        self.enter()?;
        let inner = self.not_expr()?;
        self.leave();
        Ok(Expr::Not(Box::new(inner)))
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let left = self.primary()?;
        if let TokenKind::Identifier(word) = &self.peek().kind {
            if let Some(op) = ComparisonOp::from_keyword(word) {
                self.advance();
                let right = self.primary()?;
                return Ok(Expr::Compare {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                });
            }
            if word.eq_ignore_ascii_case("in") {
                self.advance();
                let values = self.literal_list()?;
                return Ok(Expr::In {
                    operand: Box::new(left),
                    values,
                });
            }
        }
        Ok(left)
    }

    fn literal_list(&mut self) -> Result<Vec<Literal>, QueryError> {
        self.expect(&TokenKind::OpenParen, SyntaxErrorKind::ExpectedOpenParen)?;
        let mut values = Vec::new();
        loop {
            let value = match &self.peek().kind {
                TokenKind::Literal(literal) => literal.clone(),
                TokenKind::Identifier(word) => keyword_literal(word)
                    .ok_or_else(|| self.syntax_error(SyntaxErrorKind::ExpectedLiteral))?,
                _ => return Err(self.syntax_error(SyntaxErrorKind::ExpectedLiteral)),
            };
            self.advance();
            values.push(value);
            match self.peek().kind {
                TokenKind::Comma => {
                    self.advance();
                }
                TokenKind::CloseParen => {
                    self.advance();
                    return Ok(values);
                }
                _ => return Err(self.syntax_error(SyntaxErrorKind::ExpectedCommaOrClose)),
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        match self.peek().kind.clone() {
            TokenKind::OpenParen => {
                self.advance();
                self.enter()?;
                let inner = self.or_expr()?;
                self.expect(&TokenKind::CloseParen, SyntaxErrorKind::ExpectedCloseParen)?;
                self.leave();
                Ok(inner)
            }
            TokenKind::Literal(literal) => {
                self.advance();
                Ok(Expr::Literal(literal))
            }
            TokenKind::Identifier(name) => {
                if is_operator_keyword(&name) {
                    return Err(self.syntax_error(SyntaxErrorKind::ExpectedExpression));
                }
                if *self.peek_at(1) == TokenKind::OpenParen {
                    return self.call(&name);
                }
                if let Some(literal) = keyword_literal(&name) {
                    self.advance();
                    return Ok(Expr::Literal(literal));
                }
                self.path(name)
            }
            _ => Err(self.syntax_error(SyntaxErrorKind::ExpectedExpression)),
        }
    }

    fn path(&mut self, first: String) -> Result<Expr, QueryError> {
        self.advance();
        let mut segments = vec![first];
        while self.peek().kind == TokenKind::Slash {
            self.advance();
            match self.peek().kind.clone() {
                TokenKind::Identifier(name) if !is_operator_keyword(&name) => {
                    if *self.peek_at(1) == TokenKind::OpenParen {
                        return Err(QueryError {
                            message: format!(
                                "Lambda and bound functions ('{}/{name}(...)') are not supported in $filter.",
                                segments.join("/")
                            ),
                        });
                    }
                    self.advance();
                    segments.push(name);
                }
                _ => return Err(self.syntax_error(SyntaxErrorKind::ExpectedIdentifier)),
            }
        }
        Ok(Expr::Property(segments))
    }

    fn call(&mut self, name: &str) -> Result<Expr, QueryError> {
        let Some(function) = Function::from_name(name) else {
            return Err(QueryError {
                message: format!("An unknown function with name '{name}' was found."),
            });
        };
        self.advance();
        self.advance(); // the `(`
        self.enter()?;
        let mut args = Vec::new();
        if self.peek().kind != TokenKind::CloseParen {
            loop {
                args.push(self.or_expr()?);
                match self.peek().kind {
                    TokenKind::Comma => {
                        self.advance();
                    }
                    TokenKind::CloseParen => break,
                    _ => return Err(self.syntax_error(SyntaxErrorKind::ExpectedCommaOrClose)),
                }
            }
        }
        self.advance(); // the `)`
        self.leave();
        let (min, max) = function.arity();
        if args.len() < min || args.len() > max {
            let expected = if min == max {
                min.to_string()
            } else {
                format!("{min} to {max}")
            };
            return Err(QueryError {
                message: format!(
                    "The function '{}' takes {expected} argument(s), but {} were given.",
                    function.name(),
                    args.len()
                ),
            });
        }
        Ok(Expr::Call { function, args })
    }
}

fn flatten(mut items: Vec<Expr>, combine: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1
        && let Some(only) = items.pop()
    {
        return only;
    }
    combine(items)
}

fn keyword_literal(word: &str) -> Option<Literal> {
    match word.to_ascii_lowercase().as_str() {
        "null" => Some(Literal::Null),
        "true" => Some(Literal::Boolean(true)),
        "false" => Some(Literal::Boolean(false)),
        _ => None,
    }
}

fn is_operator_keyword(word: &str) -> bool {
    ["and", "or", "not", "in"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
        || ComparisonOp::from_keyword(word).is_some()
}

/// Business Central translates filters to per-field AL filters, so `or` may only combine
/// conditions on one and the same field.
fn check_or_on_single_field(expr: &Expr) -> Result<(), QueryError> {
    match expr {
        Expr::Or(items) => {
            if expr.fields().len() > 1 {
                return Err(QueryError {
                    message: BC_OR_DISTINCT_FIELDS.to_string(),
                });
            }
            items.iter().try_for_each(check_or_on_single_field)
        }
        Expr::And(items) => items.iter().try_for_each(check_or_on_single_field),
        Expr::Not(inner) => check_or_on_single_field(inner),
        Expr::Compare { left, right, .. } => {
            check_or_on_single_field(left)?;
            check_or_on_single_field(right)
        }
        Expr::In { operand, .. } => check_or_on_single_field(operand),
        Expr::Call { args, .. } => args.iter().try_for_each(check_or_on_single_field),
        Expr::Literal(_) | Expr::Property(_) => Ok(()),
    }
}
