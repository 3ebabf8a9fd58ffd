//! How the generated types read and write JSON: [`object!`] writes a struct's `Serialize` and
//! `Deserialize` impls from one line per property; [`string_enum!`], [`int_enum!`] and
//! [`tagged!`] write those of open enums and discriminated unions from one line per value.
//!
//! It behaves as serde's derives would with `#[serde(default, skip_serializing_if =
//! "Option::is_none")]` on optional fields and `#[serde(flatten)]` on additional properties, in
//! a fraction of the code rustc has to type-check and borrow-check; on a large spec that code is
//! most of the crate's build time.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, MapAccess};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

/// An object key as read: borrowed from the input when the input allows it.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }

            fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(value)))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(value.to_owned())))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(value)))
            }
        }

        deserializer.deserialize_identifier(Visitor)
    }
}

/// Reads the value of property `name` into its slot; a second occurrence is an error.
pub fn take<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Skips the value of a property the struct does not list.
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<de::IgnoredAny>().map(|_| ())
}

/// A required property: reading fails when it is missing; always written.
pub mod required {
    use super::*;

    pub fn get<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
        slot.ok_or_else(|| E::missing_field(name))
    }

    pub fn put<M: SerializeMap, T: Serialize + ?Sized>(
        map: &mut M,
        name: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        map.serialize_entry(name, value)
    }
}

/// An optional property (`Option`): missing or `null` reads as `None`; `None` is left out.
pub mod optional {
    use super::*;

    pub fn get<T, E>(slot: Option<Option<T>>, _name: &'static str) -> Result<Option<T>, E> {
        Ok(slot.flatten())
    }

    pub fn put<M: SerializeMap, T: Serialize>(
        map: &mut M,
        name: &'static str,
        value: &Option<T>,
    ) -> Result<(), M::Error> {
        match value {
            Some(value) => map.serialize_entry(name, value),
            None => Ok(()),
        }
    }
}

/// A required property that may be `null` (`Option`): missing or `null` reads as `None`; `None`
/// is written as `null`.
#[allow(
    unused_imports,
    reason = "each kind is unused by specs without such a property"
)]
pub mod nullable {
    pub use super::optional::get;
    pub use super::required::put;
}

/// `Serialize` and `Deserialize` for a struct of named fields, one line per property:
/// `field: required|optional|nullable "wire name",`, then `..field` for a map that keeps the
/// properties the struct does not list. Attributes before the name (`#[cfg(...)]`) go on both
/// impls. Properties are written in the order listed; unknown ones are skipped when read.
#[doc(hidden)]
#[macro_export]
macro_rules! __json_object {
    (
        $(#[$attr:meta])*
        $name:ident {
            $($field:ident: $kind:ident $wire:literal,)*
            $(..$extra:ident)?
        }
    ) => {
        $(#[$attr])*
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<__S: $crate::__private::serde::Serializer>(&self, serializer: __S) -> ::std::result::Result<__S::Ok, __S::Error> {
                use $crate::__private::serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(::std::option::Option::None)?;
                $($crate::__private::json::$kind::put(&mut map, $wire, &self.$field)?;)*
                $(
                    for (key, value) in &self.$extra {
                        map.serialize_entry(key, value)?;
                    }
                )?
                map.end()
            }
        }

        $(#[$attr])*
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<__D: $crate::__private::serde::Deserializer<'de>>(deserializer: __D) -> ::std::result::Result<Self, __D::Error> {
                struct __Visitor;

                impl<'de> $crate::__private::serde::de::Visitor<'de> for __Visitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }

                    #[allow(clippy::match_single_binding, reason = "a struct may list no property")]
                    fn visit_map<__A: $crate::__private::serde::de::MapAccess<'de>>(
                        self,
                        mut map: __A,
                    ) -> ::std::result::Result<$name, __A::Error> {
                        $(let mut $field = ::std::option::Option::None;)*
                        $(let mut $extra = ::std::collections::BTreeMap::new();)?
                        while let ::std::option::Option::Some(key) = map.next_key::<$crate::__private::json::Key<'de>>()? {
                            match &*key.0 {
                                $($wire => $crate::__private::json::take(&mut map, &mut $field, $wire)?,)*
                                _ => $crate::__json_object!(@other map key $($extra)?),
                            }
                        }
                        ::std::result::Result::Ok($name {
                            $($field: $crate::__private::json::$kind::get($field, $wire)?,)*
                            $($extra,)?
                        })
                    }
                }

                deserializer.deserialize_map(__Visitor)
            }
        }
    };
    (@other $map:ident $key:ident) => {
        $crate::__private::json::skip(&mut $map)?
    };
    (@other $map:ident $key:ident $extra:ident) => {{
        $extra.insert($key.0.into_owned(), $map.next_value()?);
    }};
}

/// An open string enum's impls, one line per listed value: `Variant = "wire value",`. The enum
/// itself ends with `Unknown(String)`, which keeps any other value as sent.
#[doc(hidden)]
#[macro_export]
macro_rules! __json_string_enum {
    (
        $(#[$attr:meta])*
        $name:ident {
            $($variant:ident = $wire:literal,)*
        }
    ) => {
        $(#[$attr])*
        impl $name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(value) => value,
                }
            }
        }

        $(#[$attr])*
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $(#[$attr])*
        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    _ => Self::Unknown(::std::borrow::ToOwned::to_owned(value)),
                }
            }
        }

        $(#[$attr])*
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<__S: $crate::__private::serde::Serializer>(&self, serializer: __S) -> ::std::result::Result<__S::Ok, __S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        $(#[$attr])*
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<__D: $crate::__private::serde::Deserializer<'de>>(deserializer: __D) -> ::std::result::Result<Self, __D::Error> {
                let value = <::std::borrow::Cow<'de, str> as $crate::__private::serde::Deserialize<'de>>::deserialize(deserializer)?;
                ::std::result::Result::Ok(Self::from(value.as_ref()))
            }
        }
    };
}

/// An open integer enum's impls, one line per listed value: `Variant = 7,`. The enum itself
/// ends with `Unknown(i64)`, which keeps any other value as sent.
#[doc(hidden)]
#[macro_export]
macro_rules! __json_int_enum {
    (
        $(#[$attr:meta])*
        $name:ident {
            $($variant:ident = $value:literal,)*
        }
    ) => {
        $(#[$attr])*
        impl $name {
            /// The value on the wire.
            pub fn value(self) -> i64 {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(value) => value,
                }
            }
        }

        $(#[$attr])*
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }

        $(#[$attr])*
        impl ::std::convert::From<i64> for $name {
            fn from(value: i64) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    _ => Self::Unknown(value),
                }
            }
        }

        $(#[$attr])*
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<__S: $crate::__private::serde::Serializer>(&self, serializer: __S) -> ::std::result::Result<__S::Ok, __S::Error> {
                serializer.serialize_i64(self.value())
            }
        }

        $(#[$attr])*
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<__D: $crate::__private::serde::Deserializer<'de>>(deserializer: __D) -> ::std::result::Result<Self, __D::Error> {
                ::std::result::Result::Ok(Self::from(<i64 as $crate::__private::serde::Deserialize<'de>>::deserialize(deserializer)?))
            }
        }
    };
}

/// A discriminated union's impls: `Union by "tag property" { Variant(Payload) = "tag", }`.
/// The tag picks the variant on the way in and is written from the variant on the way out, so
/// every tag survives a round trip, also when several share one payload type. The enum itself
/// ends with `Unknown(serde_json::Value)`, which keeps an unlisted tag's object as sent.
#[doc(hidden)]
#[macro_export]
macro_rules! __json_tagged {
    (
        $(#[$attr:meta])*
        $name:ident by $tag:literal {
            $($variant:ident($payload:ty) = $value:literal,)*
        }
    ) => {
        $(#[$attr])*
        impl $name {
            /// The value of the discriminator property for this variant.
            pub fn tag(&self) -> ::std::option::Option<&str> {
                match self {
                    $(Self::$variant(_) => ::std::option::Option::Some($value),)*
                    Self::Unknown(value) => value.get($tag).and_then($crate::__private::serde_json::Value::as_str),
                }
            }
        }

        $(#[$attr])*
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<__S: $crate::__private::serde::Serializer>(&self, serializer: __S) -> ::std::result::Result<__S::Ok, __S::Error> {
                let (tag, value) = match self {
                    $(Self::$variant(inner) => ($value, $crate::__private::serde_json::to_value(inner)),)*
                    Self::Unknown(value) => return $crate::__private::serde::Serialize::serialize(value, serializer),
                };
                let mut value = value.map_err($crate::__private::serde::ser::Error::custom)?;
                if let ::std::option::Option::Some(object) = value.as_object_mut() {
                    object.insert(::std::borrow::ToOwned::to_owned($tag), $crate::__private::serde_json::Value::from(tag));
                }
                $crate::__private::serde::Serialize::serialize(&value, serializer)
            }
        }

        $(#[$attr])*
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            #[allow(clippy::useless_conversion, reason = "payloads are boxed or not")]
            fn deserialize<__D: $crate::__private::serde::Deserializer<'de>>(deserializer: __D) -> ::std::result::Result<Self, __D::Error> {
                let value = <$crate::__private::serde_json::Value as $crate::__private::serde::Deserialize<'de>>::deserialize(deserializer)?;
                let ::std::option::Option::Some(tag) = value.get($tag).and_then($crate::__private::serde_json::Value::as_str) else {
                    return ::std::result::Result::Err($crate::__private::serde::de::Error::missing_field($tag));
                };
                let result = match ::std::borrow::ToOwned::to_owned(tag).as_str() {
                    $($value => $crate::__private::serde_json::from_value::<$payload>(value)
                        .map(|payload| Self::$variant(payload.into())),)*
                    _ => return ::std::result::Result::Ok(Self::Unknown(value)),
                };
                result.map_err($crate::__private::serde::de::Error::custom)
            }
        }
    };
}
