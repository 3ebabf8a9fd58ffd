//! Stage 1: text → `openapiv3::OpenAPI`. Syntax errors carry the parser's line; structural
//! errors carry the JSON pointer serde reached.

use std::collections::BTreeMap;

use openapiv3::OpenAPI;
use serde_json::{Map, Value};
use serde_path_to_error::Segment;

use crate::error::{Error, ErrorKind, push_token};

/// The keys beside each `$ref` that has any, by the JSON pointer of the `$ref`'s object.
/// `openapiv3` drops them (OpenAPI 3.0 says to ignore them); the model uses a property's
/// `description` and `example` and reports the rest.
pub type RefSiblings = BTreeMap<String, Map<String, Value>>;

/// A loaded spec: the document, and what `openapiv3` does not keep of it.
#[derive(Debug, Clone)]
pub struct Document {
    pub api: OpenAPI,
    pub ref_siblings: RefSiblings,
}

/// Parses a YAML (or JSON) OpenAPI 3.0 document.
pub fn load(text: &str) -> Result<OpenAPI, Error> {
    load_document(text).map(|document| document.api)
}

/// Parses a YAML (or JSON) OpenAPI 3.0 document, keeping the siblings of `$ref`s.
pub fn load_document(text: &str) -> Result<Document, Error> {
    let syntax = |e: serde_yaml::Error| {
        let mut error = Error::at(ErrorKind::Syntax, "", strip_location(&e.to_string()));
        error.line = e.location().map(|l| l.line());
        opened_at(&mut error);
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
        // Integers beyond 64 bits are kept as text: in an example they are data, elsewhere an error.
        let (json, wide) =
            crate::wide::from_yaml(serde_yaml::Deserializer::from_str(text)).map_err(syntax)?;
        crate::wide::check(&wide)?;
        json
    };
    check_version(&json)?;
    let mut ref_siblings = RefSiblings::new();
    collect_ref_siblings(&json, &mut String::new(), &mut ref_siblings);
    let api = serde_path_to_error::deserialize::<_, OpenAPI>(&json).map_err(|e| {
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
    })?;
    Ok(Document { api, ref_siblings })
}

/// Records every `$ref` object with other keys. Examples are data, not schema: not searched
/// (but a property may be named `example`). `pointer` is a buffer, restored on return (the walk
/// visits every node of the spec).
fn collect_ref_siblings(value: &Value, pointer: &mut String, out: &mut RefSiblings) {
    let start = pointer.len();
    match value {
        Value::Object(map) => {
            if map.contains_key("$ref") {
                if map.len() > 1 {
                    let siblings = map.iter().filter(|(key, _)| *key != "$ref");
                    out.insert(
                        pointer.clone(),
                        siblings.map(|(k, v)| (k.clone(), v.clone())).collect(),
                    );
                }
                return;
            }
            let names_properties = pointer.ends_with("/properties");
            for (key, child) in map {
                if names_properties || key != "example" && key != "examples" {
                    pointer.push('/');
                    for c in key.chars() {
                        match c {
                            '~' => pointer.push_str("~0"),
                            '/' => pointer.push_str("~1"),
                            _ => pointer.push(c),
                        }
                    }
                    collect_ref_siblings(child, pointer, out);
                    pointer.truncate(start);
                }
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                use std::fmt::Write as _;
                let _ = write!(pointer, "/{index}");
                collect_ref_siblings(child, pointer, out);
                pointer.truncate(start);
            }
        }
        _ => {}
    }
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

/// A syntax error inside a construct left open (`…, while scanning a quoted scalar at line 125
/// column 20`) is detected where the parser gave up, often the end of the file: the line that
/// opened the construct is reported instead, and the detection line goes in the message.
fn opened_at(error: &mut crate::error::Error) {
    let Some(at) = error.message.rfind(" at line ") else {
        return;
    };
    let Some(while_) = error.message[..at].rfind(", while ") else {
        return;
    };
    let location = &error.message[at + " at line ".len()..];
    let mut numbers = location.split(" column ");
    let (Some(Ok(line)), Some(column)) = (numbers.next().map(str::parse::<usize>), numbers.next())
    else {
        return;
    };
    let detected = error
        .line
        .filter(|&d| d != line)
        .map_or(String::new(), |d| format!("; detected at line {d}"));
    error.message = format!(
        "{}, while {} that starts at column {column}{detected}",
        &error.message[..while_],
        &error.message[while_ + ", while ".len()..at]
    );
    error.line = Some(line);
}
