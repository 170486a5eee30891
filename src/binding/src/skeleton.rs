//! The cheap half of the unknown-field check: does the crate's output for a value have the
//! same *skeleton* as the JSON text it was read from?
//!
//! The skeleton of a document is its sequence of object/array brackets and object keys, with
//! every scalar reduced to "a scalar". When every key of the input's skeleton is matched, in
//! order, by a key at the same place in the output's, a write-back drops nothing and no
//! further work is needed. Keys only the output has (defaults the crate adds, such as the
//! fields 9.x added when it reads a 3.0.0 file) are skipped; arrays must match item for item.
//! That is the case for every file a crate's store wrote, i.e. nearly always.
//!
//! The output side never becomes text: [`Skeleton`] is a `serde::Serializer` that walks the
//! value through the crate's own `Serialize` impl and compares each bracket and key with the
//! next token of the input as it goes, so no string is escaped, no float formatted and
//! nothing allocated. Anything it is not sure of (a key written with escapes, a map key that
//! is not a string, a different key order) is a mismatch, which only means "ask the exact
//! check" (`unknown::unknown_fields`), never "unknown field".

use serde::ser::{self, Serialize};
use std::fmt;

/// One token of the input's skeleton.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok<'a> {
    ObjOpen,
    ObjClose,
    ArrOpen,
    ArrClose,
    /// An object key, as its raw bytes between the quotes.
    Key(&'a [u8]),
    Scalar,
    End,
}

/// The input text's skeleton tokens, for text serde_json has already accepted (a tokenizer,
/// not a validator: separators are skipped, not checked).
struct Tokens<'a> {
    b: &'a [u8],
    i: usize,
    /// The token `peek` read, and where the input goes on after it (most keys are peeked
    /// and then taken: each is read once).
    peeked: Option<(Tok<'a>, usize)>,
}

impl<'a> Tokens<'a> {
    fn skip_separators(&mut self) {
        while let Some(c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b',') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// The index just after the closing quote of the string whose opening quote is at `i`.
    fn string_end(&self, mut i: usize) -> usize {
        i += 1;
        while let Some(k) = self
            .b
            .get(i..)
            .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
        {
            i += k;
            if self.b[i] == b'"' {
                return i + 1;
            }
            i += 2; // a backslash and the character it escapes
        }
        self.b.len()
    }

    /// The next token, without consuming it.
    fn peek(&mut self) -> Tok<'a> {
        if let Some((tok, _)) = self.peeked {
            return tok;
        }
        let at = self.i;
        let tok = self.read();
        self.peeked = Some((tok, self.i));
        self.i = at;
        tok
    }

    fn next(&mut self) -> Tok<'a> {
        match self.peeked.take() {
            Some((tok, after)) => {
                self.i = after;
                tok
            }
            None => self.read(),
        }
    }

    fn read(&mut self) -> Tok<'a> {
        self.skip_separators();
        let Some(&c) = self.b.get(self.i) else {
            return Tok::End;
        };
        match c {
            b'{' => {
                self.i += 1;
                Tok::ObjOpen
            }
            b'}' => {
                self.i += 1;
                Tok::ObjClose
            }
            b'[' => {
                self.i += 1;
                Tok::ArrOpen
            }
            b']' => {
                self.i += 1;
                Tok::ArrClose
            }
            b'"' => {
                let start = self.i;
                self.i = self.string_end(start);
                let raw = &self.b[start + 1..self.i.saturating_sub(1).max(start + 1)];
                // A key is a string followed by a colon.
                let mut j = self.i;
                while matches!(self.b.get(j), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                    j += 1;
                }
                if self.b.get(j) == Some(&b':') {
                    self.i = j + 1;
                    Tok::Key(raw)
                } else {
                    Tok::Scalar
                }
            }
            _ => {
                // A number or a literal: everything up to the next separator or bracket.
                while let Some(c) = self.b.get(self.i) {
                    if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b',' | b'}' | b']' | b':') {
                        break;
                    }
                    self.i += 1;
                }
                Tok::Scalar
            }
        }
    }
}

/// The skeletons differ (or cannot be compared cheaply): ask the exact check.
#[derive(Debug)]
pub struct Mismatch;

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("skeleton mismatch")
    }
}

impl std::error::Error for Mismatch {}

impl ser::Error for Mismatch {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Mismatch
    }
}

type R = Result<(), Mismatch>;

/// Whether `value`, serialized by its own `Serialize` impl as serde_json would, has every key
/// of `source` (JSON text serde_json has accepted) in place (see the module docs).
pub fn same_skeleton<T: Serialize + ?Sized>(source: &str, value: &T) -> bool {
    let mut tokens = Tokens {
        b: source.as_bytes(),
        i: 0,
        peeked: None,
    };
    value.serialize(Skeleton::new(&mut tokens)).is_ok() && tokens.next() == Tok::End
}

/// The comparing serializer: each call expects the input's next token(s).
struct Skeleton<'t, 'a> {
    t: &'t mut Tokens<'a>,
    /// In a map: the key just written is not in the input, so its value is skipped.
    skip_value: bool,
}

impl<'t, 'a> Skeleton<'t, 'a> {
    fn new(t: &'t mut Tokens<'a>) -> Self {
        Skeleton {
            t,
            skip_value: false,
        }
    }

    /// Whether the input's next key is `key` (then it is consumed); `false` means the output
    /// has a key the input lacks here, whose value is then skipped.
    fn has_key(&mut self, key: &str) -> bool {
        match self.t.peek() {
            Tok::Key(raw) if raw == key.as_bytes() => {
                self.t.next();
                true
            }
            _ => false,
        }
    }

    fn expect(&mut self, want: Tok<'_>) -> R {
        if self.t.next() == want {
            Ok(())
        } else {
            Err(Mismatch)
        }
    }

    fn key(&mut self, key: &str) -> R {
        self.expect(Tok::Key(key.as_bytes()))
    }
}

macro_rules! scalars {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(mut self, _v: $ty) -> R { self.expect(Tok::Scalar) })*
    };
}

impl<'t, 'a> ser::Serializer for Skeleton<'t, 'a> {
    type Ok = ();
    type Error = Mismatch;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    scalars!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_f32: f32,
        serialize_f64: f64, serialize_char: char, serialize_str: &str, serialize_bytes: &[u8],
    );

    fn serialize_none(mut self) -> R {
        self.expect(Tok::Scalar)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_unit(mut self) -> R {
        self.expect(Tok::Scalar)
    }
    fn serialize_unit_struct(mut self, _name: &'static str) -> R {
        self.expect(Tok::Scalar)
    }
    fn serialize_unit_variant(mut self, _n: &'static str, _i: u32, _v: &'static str) -> R {
        self.expect(Tok::Scalar)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _n: &'static str, v: &T) -> R {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> R {
        self.expect(Tok::ObjOpen)?;
        self.key(variant)?;
        value.serialize(Skeleton::new(self.t))?;
        self.expect(Tok::ObjClose)
    }
    fn serialize_seq(mut self, _len: Option<usize>) -> Result<Self, Mismatch> {
        self.expect(Tok::ArrOpen)?;
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self, Mismatch> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _n: &'static str, len: usize) -> Result<Self, Mismatch> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        mut self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, Mismatch> {
        self.expect(Tok::ObjOpen)?;
        self.key(variant)?;
        self.expect(Tok::ArrOpen)?;
        Ok(self)
    }
    fn serialize_map(mut self, _len: Option<usize>) -> Result<Self, Mismatch> {
        self.expect(Tok::ObjOpen)?;
        Ok(self)
    }
    fn serialize_struct(self, _n: &'static str, len: usize) -> Result<Self, Mismatch> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        mut self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, Mismatch> {
        self.expect(Tok::ObjOpen)?;
        self.key(variant)?;
        self.expect(Tok::ObjOpen)?;
        Ok(self)
    }
}

impl ser::SerializeSeq for Skeleton<'_, '_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(Skeleton::new(self.t))
    }
    fn end(mut self) -> R {
        self.expect(Tok::ArrClose)
    }
}

impl ser::SerializeTuple for Skeleton<'_, '_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(Skeleton::new(self.t))
    }
    fn end(mut self) -> R {
        self.expect(Tok::ArrClose)
    }
}

impl ser::SerializeTupleStruct for Skeleton<'_, '_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(Skeleton::new(self.t))
    }
    fn end(mut self) -> R {
        self.expect(Tok::ArrClose)
    }
}

impl ser::SerializeTupleVariant for Skeleton<'_, '_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(Skeleton::new(self.t))
    }
    fn end(mut self) -> R {
        self.expect(Tok::ArrClose)?;
        self.expect(Tok::ObjClose)
    }
}

impl ser::SerializeMap for Skeleton<'_, '_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> R {
        // A key only the output has is skipped with its value, as for struct fields.
        self.skip_value = match self.t.peek() {
            Tok::Key(raw) if key.serialize(KeyMatch { raw }).is_ok() => {
                self.t.next();
                false
            }
            _ => true,
        };
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        if std::mem::take(&mut self.skip_value) {
            return Ok(());
        }
        value.serialize(Skeleton::new(self.t))
    }
    fn end(mut self) -> R {
        self.expect(Tok::ObjClose)
    }
}

impl ser::SerializeStruct for Skeleton<'_, '_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        if !self.has_key(key) {
            return Ok(()); // a key only the output has
        }
        value.serialize(Skeleton::new(self.t))
    }
    fn end(mut self) -> R {
        self.expect(Tok::ObjClose)
    }
}

impl ser::SerializeStructVariant for Skeleton<'_, '_> {
    type Ok = ();
    type Error = Mismatch;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        if !self.has_key(key) {
            return Ok(());
        }
        value.serialize(Skeleton::new(self.t))
    }
    fn end(mut self) -> R {
        self.expect(Tok::ObjClose)?;
        self.expect(Tok::ObjClose)
    }
}

/// A map key compared with the input's raw key bytes. Only keys serde_json writes as the
/// plain text of a string (a `str`, a unit variant's name, either inside a newtype) are
/// compared; anything else, or an input key with an escape in it, is a mismatch.
struct KeyMatch<'a> {
    raw: &'a [u8],
}

impl KeyMatch<'_> {
    fn text(self, s: &str) -> R {
        if self.raw == s.as_bytes() && !self.raw.contains(&b'\\') {
            Ok(())
        } else {
            Err(Mismatch)
        }
    }
}

macro_rules! no_keys {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(self, _v: $ty) -> R { Err(Mismatch) })*
    };
}

impl ser::Serializer for KeyMatch<'_> {
    type Ok = ();
    type Error = Mismatch;
    type SerializeSeq = ser::Impossible<(), Mismatch>;
    type SerializeTuple = ser::Impossible<(), Mismatch>;
    type SerializeTupleStruct = ser::Impossible<(), Mismatch>;
    type SerializeTupleVariant = ser::Impossible<(), Mismatch>;
    type SerializeMap = ser::Impossible<(), Mismatch>;
    type SerializeStruct = ser::Impossible<(), Mismatch>;
    type SerializeStructVariant = ser::Impossible<(), Mismatch>;

    fn serialize_str(self, v: &str) -> R {
        self.text(v)
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, variant: &'static str) -> R {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _n: &'static str, v: &T) -> R {
        v.serialize(self)
    }

    no_keys!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_f32: f32,
        serialize_f64: f64, serialize_char: char, serialize_bytes: &[u8],
    );
    fn serialize_none(self) -> R {
        Err(Mismatch)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> R {
        Err(Mismatch)
    }
    fn serialize_unit(self) -> R {
        Err(Mismatch)
    }
    fn serialize_unit_struct(self, _n: &'static str) -> R {
        Err(Mismatch)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> R {
        Err(Mismatch)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Mismatch> {
        Err(Mismatch)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Mismatch> {
        Err(Mismatch)
    }
    fn serialize_tuple_struct(
        self,
        _n: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Mismatch> {
        Err(Mismatch)
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Mismatch> {
        Err(Mismatch)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Mismatch> {
        Err(Mismatch)
    }
    fn serialize_struct(
        self,
        _n: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Mismatch> {
        Err(Mismatch)
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Mismatch> {
        Err(Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Doc {
        a: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<String>,
        items: Vec<serde_json::Value>,
    }

    fn same(text: &str) -> bool {
        let doc: Doc = serde_json::from_str(text).unwrap();
        same_skeleton(text, &doc)
    }

    #[test]
    fn what_serde_json_writes_has_its_own_skeleton() {
        let doc = Doc {
            a: 1,
            b: Some("x\"y".into()),
            items: vec![json!({"k": [1, {"z": null}], "a": "s"}), json!(2.5)],
        };
        for text in [
            serde_json::to_string(&doc).unwrap(),
            serde_json::to_string_pretty(&doc).unwrap(),
        ] {
            assert!(same_skeleton(&text, &doc), "{text}");
        }
    }

    #[test]
    fn an_ignored_or_dropped_key_is_a_mismatch() {
        assert!(same(r#"{"a": 1, "b": "q", "items": []}"#));
        assert!(!same(r#"{"a": 1, "items": [], "extra": {"x": 1}}"#));
        assert!(!same(r#"{"a": 1, "b": null, "items": []}"#)); // null: omitted on output
        assert!(!same(r#"{"items": [], "a": 1}"#)); // another order
        assert!(!same(r#"{"a": 1, "items": [{"b": 1, "a": 2}]}"#)); // map keys re-sorted
                                                                    // Keys only the output has are fine: the crate added them (a default).
        let doc: Doc = serde_json::from_str(r#"{"a": 1, "items": []}"#).unwrap();
        assert!(same_skeleton(r#"{"items": []}"#, &doc));
        assert!(same_skeleton(r#"{"a": 1}"#, &doc));
        assert!(!same_skeleton(r#"{"items": [], "a": 1}"#, &doc)); // not in order: ask
        assert!(!same(r#"{"a": 1, "items": [{"\u0061": 1}]}"#)); // an escaped key
    }

    #[test]
    fn scalars_may_differ_brackets_may_not() {
        assert!(same(r#"{"a": 1, "items": [1.50, "x", true, null]}"#));
        let doc: Doc = serde_json::from_str(r#"{"a": 1, "items": [[1]]}"#).unwrap();
        assert!(!same_skeleton(r#"{"a": 1, "items": [{"x": 1}]}"#, &doc));
        assert!(!same_skeleton(r#"{"a": 1, "items": [[1]]} []"#, &doc));
        assert!(!same_skeleton(r#"{"a": 1, "items": [[1, 2]]}"#, &doc));
    }
}
