//! Splits a `$filter` text into tokens, recognising the unquoted literal forms OData uses
//! (GUIDs, dates, datetimes with offsets, numbers) as single tokens.

use chrono::{DateTime, FixedOffset, NaiveDate};
use uuid::Uuid;

use super::literal::Literal;
use super::syntax::{SyntaxError, SyntaxErrorKind};

/// One token with the byte offset where it starts in the source text.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    /// What the token is.
    pub(super) kind: TokenKind,
    /// Byte offset of the first character of the token.
    pub(super) start: usize,
    /// Byte offset just after the last character of the token.
    pub(super) end: usize,
}

/// The kinds of tokens in a `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TokenKind {
    /// `(`
    OpenParen,
    /// `)`
    CloseParen,
    /// `,`
    Comma,
    /// `/` between navigation path segments.
    Slash,
    /// A name: field, keyword or function name (keywords are resolved by the parser).
    Identifier(String),
    /// A literal value (string, number, GUID, date, datetime).
    Literal(Literal),
    /// Text that is not a valid token; the token list ends here. The parser reports this error
    /// when it reaches this point, so earlier errors (e.g. an unknown function) win.
    Invalid(SyntaxError),
    /// End of the input.
    End,
}

/// Turns `src` into tokens, ending with [`TokenKind::End`] or, at the first lexical error,
/// with [`TokenKind::Invalid`].
pub(super) fn tokenize(src: &str) -> Vec<Token> {
    let mut lexer = Lexer { src, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        let start = lexer.pos;
        match lexer.next_token() {
            Ok(token) => {
                let done = token.kind == TokenKind::End;
                tokens.push(token);
                if done {
                    return tokens;
                }
            }
            Err(error) => {
                tokens.push(Token {
                    kind: TokenKind::Invalid(error),
                    start,
                    end: src.len(),
                });
                return tokens;
            }
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn bytes(&self) -> &'a [u8] {
        self.rest().as_bytes()
    }

    fn next_token(&mut self) -> Result<Token, SyntaxError> {
        let trimmed = self.rest().trim_start();
        self.pos = self.src.len() - trimmed.len();
        let start = self.pos;
        let Some(first) = trimmed.chars().next() else {
            return Ok(Token {
                kind: TokenKind::End,
                start,
                end: start,
            });
        };
        let kind = match first {
            '(' => self.single(TokenKind::OpenParen),
            ')' => self.single(TokenKind::CloseParen),
            ',' => self.single(TokenKind::Comma),
            '/' => self.single(TokenKind::Slash),
            '\'' => TokenKind::Literal(Literal::String(self.string()?)),
            _ => {
                if let Some(kind) = self.guid() {
                    kind
                } else if let Some(kind) = self.temporal()? {
                    kind
                } else if first.is_ascii_digit() || first == '-' || first == '+' {
                    self.number()?
                } else if first.is_alphabetic() || first == '_' {
                    self.identifier_or_enum()?
                } else {
                    return Err(SyntaxError::new(
                        SyntaxErrorKind::InvalidCharacter,
                        start,
                        first.to_string(),
                    ));
                }
            }
        };
        Ok(Token {
            kind,
            start,
            end: self.pos,
        })
    }

    fn single(&mut self, kind: TokenKind) -> TokenKind {
        self.pos += 1;
        kind
    }

    /// A quoted string with `''` as the escaped quote. `self.pos` is at the opening quote.
    fn string(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        let mut value = String::new();
        let mut chars = self.src[start + 1..].char_indices();
        while let Some((offset, c)) = chars.next() {
            if c != '\'' {
                value.push(c);
                continue;
            }
            let after = start + 1 + offset + 1;
            if self.src[after..].starts_with('\'') {
                value.push('\'');
                chars.next();
            } else {
                self.pos = after;
                return Ok(value);
            }
        }
        Err(SyntaxError::new(
            SyntaxErrorKind::UnterminatedString,
            start,
            self.src[start..].to_string(),
        ))
    }

    /// An unquoted GUID (8-4-4-4-12 hex digits) not followed by a name character.
    fn guid(&mut self) -> Option<TokenKind> {
        let bytes = self.bytes();
        if bytes.len() < 36 || !is_guid_shape(&bytes[..36]) {
            return None;
        }
        if bytes.get(36).is_some_and(|b| is_name_byte(*b)) {
            return None;
        }
        let text = &self.rest()[..36];
        let guid = Uuid::parse_str(text).ok()?;
        self.pos += 36;
        Some(TokenKind::Literal(Literal::Guid(guid)))
    }

    /// An unquoted date `YYYY-MM-DD` or datetime `YYYY-MM-DDThh:mm[:ss[.fff]](Z|±hh:mm)`.
    ///
    /// The `+` of an offset may have become a space when the query string was form-decoded, so
    /// `2020-01-01T10:00:00 01:00` is read as `+01:00`.
    fn temporal(&mut self) -> Result<Option<TokenKind>, SyntaxError> {
        let bytes = self.bytes();
        if bytes.len() < 10 || !is_date_shape(&bytes[..10]) {
            return Ok(None);
        }
        let start = self.pos;
        let date_text = &self.rest()[..10];
        if !matches!(bytes.get(10), Some(b'T' | b't')) {
            if bytes
                .get(10)
                .is_some_and(|b| is_name_byte(*b) || *b == b'.')
            {
                return Ok(None);
            }
            let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d").map_err(|_| {
                SyntaxError::new(
                    SyntaxErrorKind::InvalidLiteral,
                    start,
                    date_text.to_string(),
                )
            })?;
            self.pos += 10;
            return Ok(Some(TokenKind::Literal(Literal::Date(date))));
        }
        let mut len = 11;
        while bytes
            .get(len)
            .is_some_and(|b| b.is_ascii_digit() || *b == b':' || *b == b'.')
        {
            len += 1;
        }
        let time_text = &self.rest()[11..len];
        let zone = match bytes.get(len) {
            Some(b'Z' | b'z') => {
                len += 1;
                "Z".to_string()
            }
            Some(sign @ (b'+' | b'-' | b' ')) if is_offset_shape(bytes.get(len + 1..len + 6)) => {
                let sign = if *sign == b'-' { '-' } else { '+' };
                let zone = format!("{sign}{}", &self.rest()[len + 1..len + 6]);
                len += 6;
                zone
            }
            _ => "Z".to_string(),
        };
        let token_text = &self.rest()[..len];
        if self.bytes().get(len).is_some_and(|b| is_name_byte(*b)) {
            return Err(SyntaxError::new(
                SyntaxErrorKind::InvalidLiteral,
                start,
                token_text.to_string(),
            ));
        }
        let time_text = if time_text.len() == 5 {
            format!("{time_text}:00")
        } else {
            time_text.to_string()
        };
        let normalized = format!("{date_text}T{time_text}{zone}");
        let value = DateTime::<FixedOffset>::parse_from_rfc3339(&normalized).map_err(|_| {
            SyntaxError::new(
                SyntaxErrorKind::InvalidLiteral,
                start,
                token_text.to_string(),
            )
        })?;
        self.pos += len;
        Ok(Some(TokenKind::Literal(Literal::DateTime(value))))
    }

    /// An integer or decimal number, optionally signed, with an optional exponent and an
    /// optional type suffix (`M`, `D`, `L`, `F`) that older clients append.
    fn number(&mut self) -> Result<TokenKind, SyntaxError> {
        let start = self.pos;
        let bytes = self.bytes();
        let mut len = 0;
        if matches!(bytes.first(), Some(b'-' | b'+')) {
            len += 1;
        }
        let digits_start = len;
        while bytes.get(len).is_some_and(u8::is_ascii_digit) {
            len += 1;
        }
        let mut is_integer = true;
        if bytes.get(len) == Some(&b'.') && bytes.get(len + 1).is_some_and(u8::is_ascii_digit) {
            is_integer = false;
            len += 1;
            while bytes.get(len).is_some_and(u8::is_ascii_digit) {
                len += 1;
            }
        }
        if len > digits_start && matches!(bytes.get(len), Some(b'e' | b'E')) {
            let mut exp = len + 1;
            if matches!(bytes.get(exp), Some(b'-' | b'+')) {
                exp += 1;
            }
            if bytes.get(exp).is_some_and(u8::is_ascii_digit) {
                is_integer = false;
                len = exp;
                while bytes.get(len).is_some_and(u8::is_ascii_digit) {
                    len += 1;
                }
            }
        }
        let number_text = &self.rest()[..len];
        if len == digits_start {
            let shown = self
                .rest()
                .chars()
                .next()
                .map(String::from)
                .unwrap_or_default();
            return Err(SyntaxError::new(
                SyntaxErrorKind::InvalidCharacter,
                start,
                shown,
            ));
        }
        let mut token_len = len;
        if matches!(
            bytes.get(len),
            Some(b'M' | b'm' | b'D' | b'd' | b'L' | b'l' | b'F' | b'f')
        ) && !bytes.get(len + 1).is_some_and(|b| is_name_byte(*b))
        {
            token_len += 1;
        }
        if bytes.get(token_len).is_some_and(|b| is_name_byte(*b)) {
            let end = self.rest()[token_len..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .map_or(self.rest().len(), |i| token_len + i);
            return Err(SyntaxError::new(
                SyntaxErrorKind::InvalidLiteral,
                start,
                self.rest()[..end].to_string(),
            ));
        }
        let invalid = || {
            SyntaxError::new(
                SyntaxErrorKind::InvalidLiteral,
                start,
                number_text.to_string(),
            )
        };
        let literal = if is_integer {
            match number_text.parse::<i64>() {
                Ok(value) => Literal::Integer(value),
                Err(_) => Literal::Decimal(number_text.parse::<f64>().map_err(|_| invalid())?),
            }
        } else {
            let value = number_text.parse::<f64>().map_err(|_| invalid())?;
            if !value.is_finite() {
                return Err(invalid());
            }
            Literal::Decimal(value)
        };
        self.pos += token_len;
        Ok(TokenKind::Literal(literal))
    }

    /// A name (letters, digits, `_`, `.`), or a strict-OData enum literal `Namespace.Type'Member'`,
    /// which is read as the string `'Member'` (Business Central compares enums as text).
    fn identifier_or_enum(&mut self) -> Result<TokenKind, SyntaxError> {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map_or(rest.len(), |(i, _)| i);
        let name = rest[..len].to_string();
        self.pos += len;
        if name.contains('.') && self.rest().starts_with('\'') {
            return Ok(TokenKind::Literal(Literal::String(self.string()?)));
        }
        Ok(TokenKind::Identifier(name))
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn is_guid_shape(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    })
}

fn is_date_shape(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().all(|(i, b)| match i {
        4 | 7 => *b == b'-',
        _ => b.is_ascii_digit(),
    })
}

fn is_offset_shape(bytes: Option<&[u8]>) -> bool {
    bytes.is_some_and(|bytes| {
        bytes.iter().enumerate().all(|(i, b)| match i {
            2 => *b == b':',
            _ => b.is_ascii_digit(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn guid_that_starts_with_letters_is_one_literal_token() {
        let tokens = kinds("abcdef12-3456-7890-abcd-ef1234567890");
        assert_eq!(
            tokens[0],
            TokenKind::Literal(Literal::Guid(
                Uuid::parse_str("abcdef12-3456-7890-abcd-ef1234567890").expect("guid")
            ))
        );
    }

    #[test]
    fn datetime_offset_whose_plus_became_a_space_is_read_as_positive_offset() {
        let tokens = kinds("2020-01-01T10:00:00 01:00 and");
        let expected = DateTime::parse_from_rfc3339("2020-01-01T10:00:00+01:00").expect("dt");
        assert_eq!(tokens[0], TokenKind::Literal(Literal::DateTime(expected)));
        assert_eq!(tokens[1], TokenKind::Identifier("and".into()));
    }

    #[test]
    fn doubled_quote_inside_string_is_one_quote() {
        assert_eq!(
            kinds("'O''Brien'")[0],
            TokenKind::Literal(Literal::String("O'Brien".into()))
        );
    }

    #[test]
    fn number_with_type_suffix_is_accepted() {
        assert_eq!(kinds("1.5M")[0], TokenKind::Literal(Literal::Decimal(1.5)));
        assert_eq!(kinds("7L")[0], TokenKind::Literal(Literal::Integer(7)));
    }

    #[test]
    fn token_positions_are_byte_offsets_of_token_starts() {
        let tokens = tokenize("a eq 'x'");
        let starts: Vec<usize> = tokens.iter().map(|t| t.start).collect();
        assert_eq!(starts, vec![0, 2, 5, 8]);
    }
}
