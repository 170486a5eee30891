//! A serde `Deserializer` over Python builtins that behaves like serde_json reading the same
//! value as JSON text: `True` is not an integer, a str is not a list, ints beyond 64 bits are
//! read as floats (serde_json does that), NaN/Infinity are rejected (JSON has no such
//! literal), dict keys must be str, and nesting stops at serde_json's limit of 128.
//!
//! The crate's own Deserialize impls run on top of it, so `from_dict(d)` accepts exactly what
//! `from_json(json.dumps(d))` accepts. (pythonize is lenient on purpose: it reads any object
//! as a bool by truthiness and any iterable as a list.)

use std::fmt;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

/// serde_json's own nesting limit; Python input gets the same one before it reaches
/// recursive Rust code (serializer, Drop), so a hostile object cannot overflow the stack.
pub const MAX_DEPTH: usize = 128;

/// What kind of mistake a value is, decided where the reader knows the types involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeKind {
    /// The wrong kind of value for the field (a str where a number goes).
    Type,
    /// Like `Type`, where the field is a number (see `widened_int`).
    TypeForNumber,
    /// A number the field's type cannot hold.
    Overflow,
    /// A value of the right kind that the crate rejects (unknown variant, missing field).
    Value,
}

#[derive(Debug)]
pub enum DeError {
    Other {
        kind: DeKind,
        msg: String,
    },
    /// An exception raised by the interpreter while reading a value.
    Python(PyErr),
}

impl DeError {
    fn new(kind: DeKind, msg: impl Into<String>) -> Self {
        DeError::Other {
            kind,
            msg: msg.into(),
        }
    }

    pub fn kind(&self) -> Option<DeKind> {
        match self {
            DeError::Other { kind, .. } => Some(*kind),
            DeError::Python(_) => None,
        }
    }

    /// A Python int too wide for 64 bits reaches the field as a float (as serde_json reads
    /// it); a number field that refuses it is overflowed, not given the wrong type.
    fn widened_int(self) -> Self {
        match self {
            DeError::Other {
                kind: DeKind::TypeForNumber,
                msg,
            } => DeError::new(DeKind::Overflow, msg),
            other => other,
        }
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeError::Other { msg, .. } => f.write_str(msg),
            DeError::Python(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for DeError {}

/// serde's primitive number visitors say what they expect by the type's name.
fn is_number_type(expected: &str) -> bool {
    matches!(
        expected,
        "u8" | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "f32"
            | "f64"
    )
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::new(DeKind::Value, msg.to_string())
    }

    // Word type errors as serde_json does ("null", its float format), so the same mistake
    // reads the same whether it came as JSON text or as a Python value.
    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        let msg = format!("invalid type: {}, expected {exp}", JsonUnexpected(unexp));
        // Remember whether a number was wanted, for `widened_int`.
        if is_number_type(&exp.to_string()) {
            DeError::new(DeKind::TypeForNumber, msg)
        } else {
            DeError::new(DeKind::Type, msg)
        }
    }

    // serde's number visitors reject a number outside the type's range with invalid_value.
    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        let kind = match unexp {
            de::Unexpected::Signed(_) | de::Unexpected::Unsigned(_) | de::Unexpected::Float(_) => {
                DeKind::Overflow
            }
            _ => DeKind::Value,
        };
        DeError::new(
            kind,
            format!("invalid value: {}, expected {exp}", JsonUnexpected(unexp)),
        )
    }
}

struct JsonUnexpected<'a>(de::Unexpected<'a>);

impl fmt::Display for JsonUnexpected<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            de::Unexpected::Unit => f.write_str("null"),
            de::Unexpected::Float(v) => match serde_json::to_string(&v) {
                Ok(text) => write!(f, "floating point `{text}`"),
                Err(_) => write!(f, "floating point `{v}`"),
            },
            other => other.fmt(f),
        }
    }
}

/// How strictly floats are checked.
#[derive(Clone, Copy)]
pub enum Floats {
    /// As a JSON document would be read: an f32 field may overflow to infinity, as in the crate.
    AsJson,
    /// Assignment from Python: a value that the field cannot hold finitely is an error, so a
    /// session never holds what its own JSON could not load back.
    Finite,
}

pub struct PyDeserializer<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    depth: usize,
    limit: usize,
    floats: Floats,
}

impl<'a, 'py> PyDeserializer<'a, 'py> {
    pub fn new(obj: &'a Bound<'py, PyAny>, floats: Floats) -> Self {
        Self {
            obj,
            depth: 0,
            limit: MAX_DEPTH,
            floats,
        }
    }

    /// Read a value that will sit `outer` containers deep in the documents it ends up in.
    pub fn nested(mut self, outer: usize) -> Self {
        self.limit = MAX_DEPTH.saturating_sub(outer);
        self
    }

    fn child<'b>(&self, obj: &'b Bound<'py, PyAny>) -> PyDeserializer<'b, 'py> {
        PyDeserializer {
            obj,
            depth: self.depth + 1,
            limit: self.limit,
            floats: self.floats,
        }
    }

    fn enter(&self) -> Result<(), DeError> {
        // serde_json counts the container being entered too: at most 127 nested levels.
        if self.depth + 1 >= self.limit {
            Err(DeError::new(DeKind::Value, "recursion limit exceeded"))
        } else {
            Ok(())
        }
    }

    fn type_name(&self) -> String {
        self.obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "object".to_owned())
    }

    /// What the value is, in serde's words, for type errors.
    fn unexpected(&self) -> de::Unexpected<'static> {
        let obj = self.obj;
        if obj.is_none() {
            de::Unexpected::Unit
        } else if let Ok(b) = obj.cast::<PyBool>() {
            de::Unexpected::Bool(b.is_true())
        } else if let Ok(v) = obj.extract::<u64>() {
            de::Unexpected::Unsigned(v)
        } else if let Ok(v) = obj.extract::<i64>() {
            de::Unexpected::Signed(v)
        } else if let Ok(f) = obj.cast::<PyFloat>() {
            de::Unexpected::Float(f.value())
        } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            de::Unexpected::Seq
        } else if obj.is_instance_of::<PyDict>() {
            de::Unexpected::Map
        } else {
            de::Unexpected::Other("a value of another type")
        }
    }

    fn float_value(&self) -> Result<Option<f64>, DeError> {
        if let Ok(f) = self.obj.cast::<PyFloat>() {
            let v = f.value();
            if !v.is_finite() {
                return Err(DeError::new(
                    DeKind::Value,
                    format!("invalid value: floating point `{v}`, JSON has no NaN or Infinity"),
                ));
            }
            return Ok(Some(v));
        }
        Ok(None)
    }
}

impl<'de> de::Deserializer<'de> for PyDeserializer<'_, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let obj = self.obj;
        if obj.is_none() {
            return visitor.visit_unit();
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return visitor.visit_bool(b.is_true());
        }
        if let Ok(i) = obj.cast::<PyInt>() {
            if let Ok(v) = i.extract::<u64>() {
                return visitor.visit_u64(v);
            }
            if let Ok(v) = i.extract::<i64>() {
                return visitor.visit_i64(v);
            }
            // serde_json reads an integer literal beyond 64 bits as a float...
            return match i.extract::<f64>() {
                Ok(v) => visitor.visit_f64(v).map_err(DeError::widened_int),
                // ...and rejects one beyond a float's range.
                Err(_) => Err(<DeError as de::Error>::invalid_type(
                    de::Unexpected::Other("integer beyond the range of a float"),
                    &visitor,
                )
                .widened_int()),
            };
        }
        if let Some(v) = self.float_value()? {
            return visitor.visit_f64(v);
        }
        if let Ok(s) = obj.cast::<PyString>() {
            let text = s.to_str().map_err(|_| {
                DeError::new(
                    DeKind::Value,
                    "invalid value: str is not valid UTF-8 (lone surrogate)",
                )
            })?;
            return visitor.visit_str(text);
        }
        if let Ok(list) = obj.cast::<PyList>() {
            self.enter()?;
            let items: Vec<Bound<'_, PyAny>> = list.iter().collect();
            return visit_seq(&self, items, visitor);
        }
        if let Ok(tuple) = obj.cast::<PyTuple>() {
            self.enter()?;
            let items: Vec<Bound<'_, PyAny>> = tuple.iter().collect();
            return visit_seq(&self, items, visitor);
        }
        if let Ok(dict) = obj.cast::<PyDict>() {
            self.enter()?;
            let entries: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)> = dict.iter().collect();
            let mut access = MapAccess {
                parent: &self,
                entries: entries.into_iter(),
                value: None,
            };
            return visitor.visit_map(&mut access);
        }
        Err(DeError::new(
            DeKind::Type,
            format!("invalid type: {} is not a JSON value", self.type_name()),
        ))
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let number = match self.float_value()? {
            Some(v) => Some(v),
            None if self.obj.is_instance_of::<PyInt>() && !self.obj.is_instance_of::<PyBool>() => {
                self.obj.extract::<f64>().ok()
            }
            None => None,
        };
        if let (Floats::Finite, Some(v)) = (self.floats, number) {
            if (v as f32).is_infinite() {
                return Err(DeError::new(
                    DeKind::Overflow,
                    format!("invalid value: {v} is out of range for an f32 field"),
                ));
            }
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.obj.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if let Ok(s) = self.obj.cast::<PyString>() {
            let text = s.to_str().map_err(|_| {
                DeError::new(DeKind::Value, "invalid value: str is not valid UTF-8")
            })?;
            return visitor.visit_enum(text.into_deserializer());
        }
        if let Ok(dict) = self.obj.cast::<PyDict>() {
            if dict.len() == 1 {
                if let Some((k, v)) = dict.iter().next() {
                    self.enter()?;
                    return visitor.visit_enum(EnumAccess {
                        parent: &self,
                        key: k,
                        value: v,
                    });
                }
            }
        }
        // Let the visitor name what it wanted.
        self.deserialize_any(visitor)
    }

    /// Field and variant names are strings only (serde_json reads them with
    /// `deserialize_str`); identifier visitors would otherwise take an int as an index.
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if let Ok(s) = self.obj.cast::<PyString>() {
            let text = s.to_str().map_err(|_| {
                DeError::new(DeKind::Value, "invalid value: str is not valid UTF-8")
            })?;
            return visitor.visit_str(text);
        }
        Err(de::Error::invalid_type(self.unexpected(), &visitor))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct ignored_any
    }
}

fn visit_seq<'de, V: Visitor<'de>>(
    parent: &PyDeserializer<'_, '_>,
    items: Vec<Bound<'_, PyAny>>,
    visitor: V,
) -> Result<V::Value, DeError> {
    let mut access = SeqAccess {
        parent,
        items: items.into_iter(),
    };
    let value = visitor.visit_seq(&mut access)?;
    if access.items.len() > 0 {
        return Err(de::Error::invalid_length(
            access.items.len(),
            &"fewer elements in sequence",
        ));
    }
    Ok(value)
}

struct SeqAccess<'p, 'a, 'py> {
    parent: &'p PyDeserializer<'a, 'py>,
    items: std::vec::IntoIter<Bound<'py, PyAny>>,
}

impl<'de> de::SeqAccess<'de> for &mut SeqAccess<'_, '_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(item) => seed.deserialize(self.parent.child(&item)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapAccess<'p, 'a, 'py> {
    parent: &'p PyDeserializer<'a, 'py>,
    entries: std::vec::IntoIter<(Bound<'py, PyAny>, Bound<'py, PyAny>)>,
    value: Option<Bound<'py, PyAny>>,
}

fn key_str<'a>(key: &'a Bound<'_, PyAny>) -> Result<&'a str, DeError> {
    let s = key.cast::<PyString>().map_err(|_| {
        let name = key
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        DeError::new(
            DeKind::Type,
            format!("invalid type: key must be a string, got {name}"),
        )
    })?;
    s.to_str()
        .map_err(|_| DeError::new(DeKind::Value, "invalid value: key is not valid UTF-8"))
}

impl<'de> de::MapAccess<'de> for &mut MapAccess<'_, '_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            Some((k, v)) => {
                let key = key_str(&k)?;
                self.value = Some(v);
                seed.deserialize(key.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(v) => seed.deserialize(self.parent.child(&v)),
            None => Err(DeError::new(DeKind::Value, "value requested before key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct EnumAccess<'p, 'a, 'py> {
    parent: &'p PyDeserializer<'a, 'py>,
    key: Bound<'py, PyAny>,
    value: Bound<'py, PyAny>,
}

impl<'de, 'p, 'a, 'py> de::EnumAccess<'de> for EnumAccess<'p, 'a, 'py> {
    type Error = DeError;
    type Variant = VariantAccess<'p, 'a, 'py>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), DeError> {
        let key = key_str(&self.key)?;
        let variant = seed.deserialize(key.into_deserializer())?;
        Ok((
            variant,
            VariantAccess {
                parent: self.parent,
                value: self.value,
            },
        ))
    }
}

struct VariantAccess<'p, 'a, 'py> {
    parent: &'p PyDeserializer<'a, 'py>,
    value: Bound<'py, PyAny>,
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'_, '_, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        de::Deserialize::deserialize(self.parent.child(&self.value))
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self.parent.child(&self.value))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self.parent.child(&self.value), visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(self.parent.child(&self.value), visitor)
    }
}
