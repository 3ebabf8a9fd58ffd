//! YAML text → JSON value, keeping integers JSON cannot hold (beyond 64 bits, such as an unquoted
//! `0x1cc5…0901` script hash in an example, which YAML reads as a 128-bit integer) as their
//! decimal text, and recording where each one is. Examples are data: they load whatever they hold;
//! a value the model needs is reported where it is.

use std::cell::RefCell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::{Error, ErrorKind, push_token};

/// An integer beyond 64 bits, kept as text, and the JSON pointer of where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WideInteger {
    pub pointer: String,
    pub text: String,
}

/// Reads one YAML (or JSON) document into a JSON value; integers beyond 64 bits become strings
/// of their decimal digits, listed in the second value.
pub(crate) fn from_yaml<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<(Value, Vec<WideInteger>), D::Error> {
    let wide = RefCell::new(Vec::new());
    let value = Seed {
        path: &Path::Root,
        wide: &wide,
    }
    .deserialize(deserializer)?;
    Ok((value, wide.into_inner()))
}

/// The wide integers a spec may hold: those in data (an `example`, `examples`, an `x-`
/// extension). One anywhere else (an enum value, a default, a bound) is an error naming it.
pub(crate) fn check(wide: &[WideInteger]) -> Result<(), Error> {
    match wide.iter().find(|w| !is_data(&w.pointer)) {
        None => Ok(()),
        Some(w) => Err(Error::at(
            ErrorKind::Unsupported,
            w.pointer.clone(),
            format!(
                "the integer {} does not fit in 64 bits; quote it if it is text",
                w.text
            ),
        )),
    }
}

/// Whether a pointer lies inside an example or an extension (a property may be named `example`).
fn is_data(pointer: &str) -> bool {
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    tokens.iter().enumerate().any(|(index, token)| {
        let names_property = index > 0 && tokens[index - 1] == "properties";
        !names_property && (*token == "example" || *token == "examples" || token.starts_with("x-"))
    })
}

/// Where a node is, built on the stack as the walk descends; a pointer string is only made for
/// a wide integer.
enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl Path<'_> {
    fn pointer(&self) -> String {
        match self {
            Path::Root => String::new(),
            Path::Key(parent, key) => push_token(&parent.pointer(), key),
            Path::Index(parent, index) => format!("{}/{index}", parent.pointer()),
        }
    }
}

struct Seed<'p> {
    path: &'p Path<'p>,
    wide: &'p RefCell<Vec<WideInteger>>,
}

impl Seed<'_> {
    fn wide(&self, text: String) -> Value {
        self.wide.borrow_mut().push(WideInteger {
            pointer: self.path.pointer(),
            text: text.clone(),
        });
        Value::String(text)
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_i128<E>(self, value: i128) -> Result<Value, E> {
        Ok(match (i64::try_from(value), u64::try_from(value)) {
            (Ok(small), _) => Value::Number(small.into()),
            (_, Ok(small)) => Value::Number(small.into()),
            _ => self.wide(value.to_string()),
        })
    }

    fn visit_u128<E>(self, value: u128) -> Result<Value, E> {
        Ok(match u64::try_from(value) {
            Ok(small) => Value::Number(small.into()),
            Err(_) => self.wide(value.to_string()),
        })
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            let path = Path::Index(self.path, items.len());
            let seed = Seed {
                path: &path,
                wide: self.wide,
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = Path::Key(self.path, &key);
            let value = map.next_value_seed(Seed {
                path: &path,
                wide: self.wide,
            })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Value, Vec<WideInteger>) {
        from_yaml(serde_yaml::Deserializer::from_str(text)).expect("loads")
    }

    #[test]
    fn wide_integers_are_kept_as_text_with_their_place() {
        let (value, wide) = read(
            "a:\n  example: {script: 0x1cc56cbbac4622082221a8768d1d0901, n: 7}\n  enum: [-99999999999999999999999]\n200: x\n",
        );
        assert_eq!(
            value["a"]["example"]["script"],
            "38243471732328797239102199879717161217"
        );
        assert_eq!(value["a"]["example"]["n"], 7);
        assert_eq!(value["200"], "x");
        assert_eq!(
            wide,
            [
                WideInteger {
                    pointer: "/a/example/script".into(),
                    text: "38243471732328797239102199879717161217".into()
                },
                WideInteger {
                    pointer: "/a/enum/0".into(),
                    text: "-99999999999999999999999".into()
                },
            ]
        );
        let error = check(&wide).expect_err("an enum value is not data");
        assert_eq!(error.pointer, "/a/enum/0");
        assert!(
            error.message.contains("-99999999999999999999999"),
            "{error}"
        );
    }

    #[test]
    fn data_is_examples_and_extensions_but_not_a_property_named_example() {
        assert!(is_data("/components/schemas/T/example/x"));
        assert!(is_data("/components/examples/E/value"));
        assert!(is_data("/paths/~1a/get/x-code-samples/0"));
        assert!(!is_data("/components/schemas/T/properties/example/default"));
        assert!(is_data("/components/schemas/T/properties/example/example"));
        assert!(!is_data("/components/schemas/T/default"));
    }
}
