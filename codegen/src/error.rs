//! The crate's one error type: every problem is located by file, JSON pointer and, where known, line.

use std::fmt;

/// What kind of problem stopped generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not valid YAML (or JSON).
    Syntax,
    /// The document is YAML but not a valid OpenAPI 3.0 document.
    Invalid,
    /// A `$ref` points at nothing.
    DanglingRef,
    /// `$ref`s that only point at each other, never at a definition.
    RefCycle,
    /// A construct this generator does not support (yet).
    Unsupported,
    /// An operation without an `operationId`.
    MissingOperationId,
    /// Two things that must be unique are not.
    Duplicate,
    /// The generator produced code that does not parse: a bug in the generator.
    Internal,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Syntax => "syntax error",
            Self::Invalid => "invalid OpenAPI document",
            Self::DanglingRef => "dangling $ref",
            Self::RefCycle => "$ref cycle",
            Self::Unsupported => "unsupported",
            Self::MissingOperationId => "missing operationId",
            Self::Duplicate => "duplicate",
            Self::Internal => "internal generator error",
        })
    }
}

/// A located problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The spec's file name, as the caller named it.
    pub file: String,
    /// JSON pointer (RFC 6901) of the offending construct; empty for the whole document.
    pub pointer: String,
    /// 1-based line in the file, where known.
    pub line: Option<usize>,
    /// One sentence on what is wrong.
    pub message: String,
}

impl Error {
    /// A problem at `pointer`; the file and line are filled in by [`crate::generate`].
    pub(crate) fn at(
        kind: ErrorKind,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            file: String::new(),
            pointer: pointer.into(),
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        let pointer = if self.pointer.is_empty() {
            "(document root)"
        } else {
            &self.pointer
        };
        write!(f, ": {}: {pointer}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

/// Something generation worked around; the output is still usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// JSON pointer of the construct.
    pub pointer: String,
    /// 1-based line in the file, where known.
    pub line: Option<usize>,
    /// What was done about it.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}: {}", self.pointer, self.message),
            None => write!(f, "{}: {}", self.pointer, self.message),
        }
    }
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` (RFC 6901).
pub(crate) fn push_token(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            _ => out.push(c),
        }
    }
    out
}
