//! Path templates (`/wallets/{wallet_id}`) parsed into literal text and parameter names.

use crate::error::{Error, ErrorKind};

/// A path template: what the client writes as is, and where a parameter goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    pub segments: Vec<Segment>,
}

/// A stretch of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Text sent as written.
    Literal(String),
    /// `{name}`: the path parameter `name`, percent-encoded.
    Param(String),
}

impl PathTemplate {
    /// Parses the template `text` of the path item at `pointer`; unbalanced braces and an empty
    /// `{}` are [`ErrorKind::Invalid`] errors there.
    pub fn parse(text: &str, pointer: &str) -> Result<PathTemplate, Error> {
        let invalid = |why: &str| {
            Error::at(
                ErrorKind::Invalid,
                pointer,
                format!("path template `{text}`: {why}"),
            )
        };
        let mut segments = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let open = rest.find('{').unwrap_or(rest.len());
            let literal = &rest[..open];
            if literal.contains('}') {
                return Err(invalid("`}` without `{`"));
            }
            if !literal.is_empty() {
                segments.push(Segment::Literal(literal.to_owned()));
            }
            let Some(after) = rest.get(open + 1..) else {
                break;
            };
            let close = after.find('}').ok_or_else(|| invalid("`{` without `}`"))?;
            let name = &after[..close];
            if name.contains('{') {
                return Err(invalid("`{` inside a parameter name"));
            }
            if name.is_empty() {
                return Err(invalid("`{}` names no parameter"));
            }
            segments.push(Segment::Param(name.to_owned()));
            rest = &after[close + 1..];
        }
        Ok(PathTemplate { segments })
    }

    /// The names of its parameters, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Param(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

/// The text the segments were parsed from.
impl std::fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => f.write_str(text)?,
                Segment::Param(name) => write!(f, "{{{name}}}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{PathTemplate, Segment};
    use crate::error::ErrorKind;

    #[test]
    fn a_template_is_literal_text_and_parameters() {
        let template = PathTemplate::parse("/wallets/{wallet_id}/tokens/{token_id}", "/p").unwrap();
        assert_eq!(
            template.segments,
            [
                Segment::Literal("/wallets/".into()),
                Segment::Param("wallet_id".into()),
                Segment::Literal("/tokens/".into()),
                Segment::Param("token_id".into()),
            ]
        );
        assert_eq!(
            template.params().collect::<Vec<_>>(),
            ["wallet_id", "token_id"]
        );
        assert_eq!(
            template.to_string(),
            "/wallets/{wallet_id}/tokens/{token_id}"
        );
        let plain = PathTemplate::parse("/oauth/token", "/p").unwrap();
        assert_eq!(plain.segments, [Segment::Literal("/oauth/token".into())]);
        let adjacent = PathTemplate::parse("/{a}{b}.json", "/p").unwrap();
        assert_eq!(adjacent.to_string(), "/{a}{b}.json");
        assert_eq!(adjacent.params().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn a_malformed_template_is_a_located_error() {
        for (text, why) in [
            ("/wallets/{wallet_id", "`{` without `}`"),
            ("/wallets/wallet_id}", "`}` without `{`"),
            ("/wallets/{}", "`{}` names no parameter"),
            ("/wallets/{a{b}}", "`{` inside a parameter name"),
        ] {
            let error = PathTemplate::parse(text, "/paths/~1wallets").expect_err(text);
            assert_eq!(error.kind, ErrorKind::Invalid, "{text}");
            assert_eq!(error.pointer, "/paths/~1wallets", "{text}");
            assert!(error.message.contains(why), "{text}: {error}");
        }
    }
}
