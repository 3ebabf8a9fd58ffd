//! Stage 1: text → `openapiv3::OpenAPI`. Syntax errors carry the parser's line; structural
//! errors carry the JSON pointer serde reached.

use openapiv3::OpenAPI;
use serde_path_to_error::Segment;

use crate::error::{Error, ErrorKind, push_token};

/// Parses a YAML (or JSON) OpenAPI 3.0 document.
pub fn load(text: &str) -> Result<OpenAPI, Error> {
    let syntax = |e: serde_yaml::Error| {
        let mut error = Error::at(ErrorKind::Syntax, "", strip_location(&e.to_string()));
        error.line = e.location().map(|l| l.line());
        error
    };
    // Into JSON values: YAML's integer keys (`200:`) become strings, as OpenAPI means them, and
    // openapiv3 is only ever fed JSON (fed YAML directly, some inputs make it panic).
    let json: serde_json::Value = if text.contains("<<:") {
        // Merge keys (`<<: *anchor`) need the YAML tree first.
        let mut yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(syntax)?;
        yaml.apply_merge()
            .map_err(|e| Error::at(ErrorKind::Syntax, "", e.to_string()))?;
        serde_json::to_value(&yaml).map_err(|e| {
            Error::at(
                ErrorKind::Invalid,
                "",
                format!("cannot be read as JSON data: {e}"),
            )
        })?
    } else {
        serde_yaml::from_str(text).map_err(syntax)?
    };
    check_version(&json)?;
    serde_path_to_error::deserialize::<_, OpenAPI>(&json).map_err(|e| {
        let mut pointer = String::new();
        for segment in e.path().iter() {
            match segment {
                Segment::Seq { index } => pointer = push_token(&pointer, &index.to_string()),
                Segment::Map { key } => pointer = push_token(&pointer, key),
                Segment::Enum { variant } => pointer = push_token(&pointer, variant),
                Segment::Unknown => break,
            }
        }
        Error::at(ErrorKind::Invalid, pointer, e.into_inner().to_string())
    })
}

fn check_version(json: &serde_json::Value) -> Result<(), Error> {
    let Some(root) = json.as_object() else {
        return Err(Error::at(
            ErrorKind::Invalid,
            "",
            "the document must be a mapping",
        ));
    };
    match root.get("openapi").and_then(|v| v.as_str()) {
        Some(version) if version.starts_with("3.0.") => Ok(()),
        Some(version) => Err(Error::at(
            ErrorKind::Unsupported,
            "/openapi",
            format!("OpenAPI version {version:?}: only 3.0.x is supported"),
        )),
        None => Err(Error::at(
            ErrorKind::Invalid,
            "/openapi",
            "missing the `openapi` version string",
        )),
    }
}

/// serde_yaml puts "at line L column C" in its message; the line is reported separately.
fn strip_location(message: &str) -> String {
    let Some(at) = message.find(" at line ") else {
        return message.to_owned();
    };
    let rest = &message[at + " at line ".len()..];
    let end = rest
        .find(',')
        .map_or(message.len(), |comma| at + " at line ".len() + comma);
    format!("{}{}", &message[..at], &message[end..])
}
