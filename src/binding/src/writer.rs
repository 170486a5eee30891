//! A JSON writer for the crate's `Serialize` impls that emits exactly serde_json's bytes
//! (`to_string` and `to_string_pretty`), faster: strings are scanned for characters to escape
//! eight bytes at a time instead of one.
//!
//! Field rules stay the crate's: its derives drive this `Serializer` as they drive
//! serde_json's. Only the text layer differs, and only where it is proven identical (the
//! differential tests below and `tests/test_writer.py`): numbers go through the same `itoa`
//! and `zmij` calls, and the layout follows serde_json's formatter state machine, including its
//! single "has value" flag in pretty mode. Whatever this writer does not handle (a map key
//! that is not a string or an integer, any error raised by a `Serialize` impl) makes it give
//! up, and the caller writes the value with serde_json instead, which also produces the
//! error message.

use serde::ser::{self, Serialize};

/// Why the fast writer gave up: the caller falls back to serde_json.
#[derive(Debug)]
pub struct GaveUp;

impl std::fmt::Display for GaveUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("left to serde_json")
    }
}

impl std::error::Error for GaveUp {}

impl ser::Error for GaveUp {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        GaveUp
    }
}

type Result<T = ()> = std::result::Result<T, GaveUp>;

/// The JSON text of `value`, as `serde_json::to_string` (or `to_string_pretty`) writes it, or
/// `None` where serde_json must do it.
pub fn to_string<T: Serialize + ?Sized>(value: &T, pretty: bool) -> Option<String> {
    let mut w = Writer {
        out: Vec::with_capacity(4096),
        pretty,
        indent: 0,
        has_value: false,
    };
    value.serialize(&mut w).ok()?;
    // SAFETY: the writer only appends ASCII and whole `&str` values, split at ASCII bytes
    // (the characters it escapes), so the buffer is valid UTF-8.
    Some(unsafe { String::from_utf8_unchecked(w.out) })
}

pub struct Writer {
    out: Vec<u8>,
    pretty: bool,
    /// serde_json's PrettyFormatter state: the nesting depth and one flag (not a stack) that
    /// says whether the container being closed got a value.
    indent: usize,
    has_value: bool,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum State {
    Empty,
    First,
    Rest,
}

/// What each byte becomes in a JSON string: 0 for itself, else the escape letter
/// (`u` for `\u00XX`).
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0A] = b'n';
    t[0x0C] = b'f';
    t[0x0D] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the eight bytes of `w` needs escaping: a control character (< 0x20), `"`
/// or `\`. (The classic "has a byte less than n" test; a false positive is impossible
/// without a true match in a lower byte, and either way the bytes are then looked at one by
/// one.)
#[inline]
fn needs_escape(w: u64) -> bool {
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    let quote = (w ^ (ONES * b'"' as u64)).wrapping_sub(ONES) & !(w ^ (ONES * b'"' as u64));
    let slash = (w ^ (ONES * b'\\' as u64)).wrapping_sub(ONES) & !(w ^ (ONES * b'\\' as u64));
    (control | quote | slash) & HIGHS != 0
}

/// Input bytes escaped per reservation: the output for them is at most six times as long.
const BLOCK: usize = 4096;

fn write_escaped(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if bytes.len() <= BLOCK {
        // The common case, in one reservation: quotes and at most six bytes per byte.
        out.reserve(bytes.len() * 6 + 2);
        // SAFETY: room for the quotes and the longest escape of every byte was reserved;
        // exactly the bytes written become initialized length.
        unsafe {
            let start = out.as_mut_ptr().add(out.len());
            start.write(b'"');
            let written = escape_block(bytes, start.add(1));
            start.add(1 + written).write(b'"');
            out.set_len(out.len() + written + 2);
        }
        return;
    }
    out.push(b'"');
    for block in bytes.chunks(BLOCK) {
        out.reserve(block.len() * 6);
        // SAFETY: `reserve` made room for six output bytes per input byte of the block (the
        // longest escape, `\u00XX`, is six); `escape_block` writes at most that many into
        // the spare capacity and returns how many, which become initialized length.
        unsafe {
            let spare = out.as_mut_ptr().add(out.len());
            let written = escape_block(block, spare);
            out.set_len(out.len() + written);
        }
    }
    out.push(b'"');
}

/// Escape `src` into `dst` (room for `6 * src.len()` bytes); the number of bytes written.
/// Clean runs of eight bytes are copied as one word.
///
/// # Safety
/// `dst` must be valid for writes of `6 * src.len()` bytes.
unsafe fn escape_block(src: &[u8], dst: *mut u8) -> usize {
    let mut d = dst;
    let mut i = 0;
    let n = src.len();
    while i + 8 <= n {
        let mut word = [0u8; 8];
        word.copy_from_slice(&src[i..i + 8]);
        let w = u64::from_le_bytes(word);
        if !needs_escape(w) {
            d.cast::<[u8; 8]>().write_unaligned(word);
            d = d.add(8);
        } else {
            for &b in &word {
                d = put(d, b);
            }
        }
        i += 8;
    }
    for &b in &src[i..] {
        d = put(d, b);
    }
    d.offset_from(dst) as usize
}

/// One byte, escaped as serde_json escapes it; returns the position after it.
///
/// # Safety
/// `d` must be valid for writes of six bytes.
#[inline(always)]
unsafe fn put(d: *mut u8, b: u8) -> *mut u8 {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match ESCAPE[b as usize] {
        0 => {
            d.write(b);
            d.add(1)
        }
        b'u' => {
            let seq = [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xF) as usize],
            ];
            d.cast::<[u8; 6]>().write_unaligned(seq);
            d.add(6)
        }
        esc => {
            d.cast::<[u8; 2]>().write_unaligned([b'\\', esc]);
            d.add(2)
        }
    }
}

impl Writer {
    fn newline_indent(&mut self) {
        self.out.push(b'\n');
        for _ in 0..self.indent {
            self.out.extend_from_slice(b"  ");
        }
    }

    fn begin(&mut self, open: u8) {
        if self.pretty {
            self.indent += 1;
            self.has_value = false;
        }
        self.out.push(open);
    }

    fn end(&mut self, close: u8) {
        if self.pretty {
            self.indent -= 1;
            if self.has_value {
                self.newline_indent();
            }
        }
        self.out.push(close);
    }

    /// Before an array element or an object key.
    fn item(&mut self, first: bool) {
        if self.pretty {
            if !first {
                self.out.push(b',');
            }
            self.newline_indent();
        } else if !first {
            self.out.push(b',');
        }
    }

    /// Between an object key and its value.
    fn colon(&mut self) {
        if self.pretty {
            self.out.extend_from_slice(b": ");
        } else {
            self.out.push(b':');
        }
    }

    fn value_done(&mut self) {
        if self.pretty {
            self.has_value = true;
        }
    }

    fn int(&mut self, v: impl itoa::Integer) {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }

    fn int_value(&mut self, v: impl itoa::Integer) -> Result {
        self.int(v);
        Ok(())
    }

    /// A float as serde_json writes it: shortest round-trip digits, `null` when not finite.
    fn float(&mut self, v: impl zmij::Float, finite: bool) -> Result {
        if finite {
            self.out
                .extend_from_slice(zmij::Buffer::new().format_finite(v).as_bytes());
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    /// `{"variant":` for the externally tagged enum forms.
    fn open_variant(&mut self, variant: &str) {
        self.begin(b'{');
        self.item(true);
        write_escaped(&mut self.out, variant);
        self.colon();
    }

    fn close_variant(&mut self) {
        self.value_done();
        self.end(b'}');
    }

    fn seq(&mut self, len: Option<usize>) -> State {
        self.begin(b'[');
        if len == Some(0) {
            self.end(b']');
            State::Empty
        } else {
            State::First
        }
    }

    fn map(&mut self, len: Option<usize>) -> State {
        self.begin(b'{');
        if len == Some(0) {
            self.end(b'}');
            State::Empty
        } else {
            State::First
        }
    }
}

pub struct Compound<'a> {
    w: &'a mut Writer,
    state: State,
    /// Closes an externally tagged variant (`{"V": ...}`) after the container.
    variant: bool,
}

impl Compound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.w.item(self.state == State::First);
        self.state = State::Rest;
        value.serialize(&mut *self.w)?;
        self.w.value_done();
        Ok(())
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.w.item(self.state == State::First);
        self.state = State::Rest;
        key.serialize(KeyWriter(&mut *self.w))
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.w.colon();
        value.serialize(&mut *self.w)?;
        self.w.value_done();
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.w.item(self.state == State::First);
        self.state = State::Rest;
        write_escaped(&mut self.w.out, key);
        self.value(value)
    }

    fn close(self, close: u8) -> Result {
        if self.state != State::Empty {
            self.w.end(close);
        }
        if self.variant {
            self.w.close_variant();
        }
        Ok(())
    }
}

/// The ten `serialize_<integer>` methods of a `Serializer`, each a call of one generic method.
macro_rules! integers {
    ($via:ident) => {
        integers!($via: serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
            serialize_i64(i64), serialize_i128(i128), serialize_u8(u8), serialize_u16(u16),
            serialize_u32(u32), serialize_u64(u64), serialize_u128(u128));
    };
    ($via:ident: $($method:ident($ty:ty)),*) => {$(
        fn $method(self, v: $ty) -> Result {
            self.$via(v)
        }
    )*};
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = GaveUp;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    integers!(int_value);
    fn serialize_f32(self, v: f32) -> Result {
        self.float(v, v.is_finite())
    }
    fn serialize_f64(self, v: f64) -> Result {
        self.float(v, v.is_finite())
    }
    fn serialize_char(self, v: char) -> Result {
        write_escaped(&mut self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result {
        write_escaped(&mut self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        let mut seq = ser::Serializer::serialize_seq(self, Some(v.len()))?;
        for b in v {
            seq.element(b)?;
        }
        seq.close(b']')
    }
    fn serialize_none(self) -> Result {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, variant: &'static str) -> Result {
        write_escaped(&mut self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _n: &'static str, v: &T) -> Result {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.close_variant();
        Ok(())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a>> {
        let state = self.seq(len);
        Ok(Compound {
            w: self,
            state,
            variant: false,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>> {
        self.open_variant(variant);
        let state = self.seq(Some(len));
        Ok(Compound {
            w: self,
            state,
            variant: true,
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a>> {
        let state = self.map(len);
        Ok(Compound {
            w: self,
            state,
            variant: false,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>> {
        self.open_variant(variant);
        let state = self.map(Some(len));
        Ok(Compound {
            w: self,
            state,
            variant: true,
        })
    }
}

/// The four array-like forms: elements, then `]`.
macro_rules! array_like {
    ($($form:ident::$add:ident),*) => {$(
        impl ser::$form for Compound<'_> {
            type Ok = ();
            type Error = GaveUp;
            fn $add<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
                self.element(value)
            }
            fn end(self) -> Result {
                self.close(b']')
            }
        }
    )*};
}

array_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = GaveUp;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.value(value)
    }
    fn end(self) -> Result {
        self.close(b'}')
    }
}

/// The two struct forms: named fields, then `}`.
macro_rules! struct_like {
    ($($form:ident),*) => {$(
        impl ser::$form for Compound<'_> {
            type Ok = ();
            type Error = GaveUp;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result {
                self.field(key, value)
            }
            fn end(self) -> Result {
                self.close(b'}')
            }
        }
    )*};
}

struct_like!(SerializeStruct, SerializeStructVariant);

/// Map keys: strings (and what serde_json writes as one: chars, unit variants, newtypes of
/// those) and integers (quoted). Any other key is left to serde_json, which has its own rules
/// for them (and errors).
struct KeyWriter<'a>(&'a mut Writer);

impl KeyWriter<'_> {
    fn quoted_int(self, v: impl itoa::Integer) -> Result {
        self.0.out.push(b'"');
        self.0.int(v);
        self.0.out.push(b'"');
        Ok(())
    }
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = GaveUp;
    type SerializeSeq = ser::Impossible<(), GaveUp>;
    type SerializeTuple = ser::Impossible<(), GaveUp>;
    type SerializeTupleStruct = ser::Impossible<(), GaveUp>;
    type SerializeTupleVariant = ser::Impossible<(), GaveUp>;
    type SerializeMap = ser::Impossible<(), GaveUp>;
    type SerializeStruct = ser::Impossible<(), GaveUp>;
    type SerializeStructVariant = ser::Impossible<(), GaveUp>;

    fn serialize_str(self, v: &str) -> Result {
        write_escaped(&mut self.0.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result {
        write_escaped(&mut self.0.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, variant: &'static str) -> Result {
        write_escaped(&mut self.0.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _n: &'static str, v: &T) -> Result {
        v.serialize(self)
    }
    integers!(quoted_int);
    fn serialize_bool(self, _v: bool) -> Result {
        Err(GaveUp)
    }
    fn serialize_f32(self, _v: f32) -> Result {
        Err(GaveUp)
    }
    fn serialize_f64(self, _v: f64) -> Result {
        Err(GaveUp)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result {
        Err(GaveUp)
    }
    fn serialize_none(self) -> Result {
        Err(GaveUp)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result {
        Err(GaveUp)
    }
    fn serialize_unit(self) -> Result {
        Err(GaveUp)
    }
    fn serialize_unit_struct(self, _n: &'static str) -> Result {
        Err(GaveUp)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _variant: &'static str,
        _v: &T,
    ) -> Result {
        Err(GaveUp)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(GaveUp)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(GaveUp)
    }
    fn serialize_tuple_struct(
        self,
        _n: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(GaveUp)
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(GaveUp)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(GaveUp)
    }
    fn serialize_struct(self, _n: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(GaveUp)
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(GaveUp)
    }
}

#[cfg(test)]
mod tests {
    //! Differential tests: every value gives serde_json's exact bytes, compact and pretty.

    use super::to_string;
    use serde::Serialize;
    use serde_json::{json, Map, Value};
    use std::collections::{BTreeMap, HashMap};

    fn same<T: Serialize + ?Sized>(value: &T) {
        for pretty in [false, true] {
            let want = if pretty {
                serde_json::to_string_pretty(value)
            } else {
                serde_json::to_string(value)
            };
            match (to_string(value, pretty), want) {
                (Some(got), Ok(want)) => assert_eq!(got, want, "pretty={pretty}"),
                // Giving up is always allowed: serde_json then writes (or rejects) it.
                (None, _) => {}
                (Some(got), Err(e)) => panic!("wrote {got:?} where serde_json fails: {e}"),
            }
        }
    }

    /// xorshift64*: deterministic, no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn string(&mut self) -> String {
            const PALETTE: &[&str] = &[
                "a",
                "Z",
                "0",
                " ",
                "\"",
                "\\",
                "/",
                "\n",
                "\r",
                "\t",
                "\u{8}",
                "\u{c}",
                "\u{0}",
                "\u{1f}",
                "\u{7f}",
                "é",
                "日本",
                "😀",
                "\u{2028}",
                "\u{fffd}",
                "abcdefgh",
                "plain text run ",
                "\"quoted\"",
                "x\\y",
            ];
            let n = self.below(12);
            (0..n)
                .map(|_| PALETTE[self.below(PALETTE.len() as u64) as usize])
                .collect()
        }
        fn float(&mut self) -> f64 {
            match self.below(8) {
                0 => 0.0,
                1 => -0.0,
                2 => f64::from_bits(self.next()),
                3 => (self.below(1_000_000) as f64) / 1000.0,
                4 => 1e300 * (self.below(100) as f64),
                5 => 5e-324,
                6 => f64::NAN,
                _ => (self.next() as f64) * 1e-10,
            }
        }
        fn value(&mut self, depth: u32) -> Value {
            let kinds = if depth > 4 { 6 } else { 8 };
            match self.below(kinds) {
                0 => Value::Null,
                1 => Value::Bool(self.below(2) == 0),
                2 => json!(self.next() as i64),
                3 => json!(self.next()),
                4 => serde_json::Number::from_f64(self.float()).map_or(Value::Null, Value::Number),
                5 => Value::String(self.string()),
                6 => Value::Array((0..self.below(5)).map(|_| self.value(depth + 1)).collect()),
                _ => {
                    let mut m = Map::new();
                    for _ in 0..self.below(5) {
                        m.insert(self.string(), self.value(depth + 1));
                    }
                    Value::Object(m)
                }
            }
        }
    }

    #[test]
    fn random_json_values() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            same(&rng.value(0));
        }
    }

    #[test]
    fn every_byte_and_every_position_of_an_escape() {
        for b in 0u8..=0x7f {
            for pad in 0..17 {
                let s = format!("{}{}{}", "x".repeat(pad), b as char, "y".repeat(16 - pad));
                same(&s);
            }
        }
        same("");
        same(&"é".repeat(33));
    }

    #[derive(Serialize)]
    #[serde(tag = "type")]
    enum Tagged {
        #[serde(rename = "text")]
        Text {
            text: String,
        },
        Empty {},
    }

    #[derive(Serialize)]
    enum External {
        Unit,
        Newtype(u8),
        Tuple(i8, f32),
        EmptyTuple(),
        Struct { a: Option<u8>, b: Vec<u8> },
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Wrapper(String);

    #[derive(Serialize)]
    struct Everything {
        f32s: Vec<f32>,
        f64s: Vec<f64>,
        ints: (i8, i16, i32, i64, i128, u8, u16, u32, u64, u128),
        chars: Vec<char>,
        #[serde(with = "serde_bytes_like")]
        bytes: Vec<u8>,
        empty_bytes: &'static [u8],
        unit: (),
        unit_struct: Unit,
        newtype: Wrapper,
        tagged: Vec<Tagged>,
        external: Vec<External>,
        int_keys: BTreeMap<i64, u8>,
        u_keys: BTreeMap<u64, Vec<u8>>,
        char_keys: BTreeMap<char, ()>,
        enum_keys: BTreeMap<String, External>,
        newtype_keys: HashMap<Wrapper2, u8>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        #[serde(flatten)]
        flat: BTreeMap<String, Value>,
        nested_empty: Vec<Vec<Vec<u8>>>,
        empty_map: BTreeMap<String, u8>,
        maybe: Option<Option<u8>>,
    }

    #[derive(Serialize, PartialEq, Eq, Hash)]
    struct Wrapper2(String);

    mod serde_bytes_like {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    #[test]
    fn every_serde_form() {
        let value = Everything {
            f32s: vec![
                0.1,
                1.0,
                -0.0,
                1e-45,
                3.4028235e38,
                f32::NAN,
                f32::INFINITY,
                0.8,
            ],
            f64s: vec![
                0.1,
                1e21,
                1e-7,
                123456789012345.67,
                f64::NEG_INFINITY,
                9.5e-5,
            ],
            ints: (
                i8::MIN,
                i16::MIN,
                i32::MIN,
                i64::MIN,
                i128::MIN,
                255,
                65535,
                u32::MAX,
                u64::MAX,
                u128::MAX,
            ),
            chars: vec!['a', '"', '\n', '\u{0}', '😀'],
            bytes: vec![0, 1, 255],
            empty_bytes: &[],
            unit: (),
            unit_struct: Unit,
            newtype: Wrapper("w\"".into()),
            tagged: vec![Tagged::Text { text: "t".into() }, Tagged::Empty {}],
            external: vec![
                External::Unit,
                External::Newtype(3),
                External::Tuple(-1, 0.5),
                External::EmptyTuple(),
                External::Struct { a: None, b: vec![] },
                External::Struct {
                    a: Some(1),
                    b: vec![1, 2],
                },
            ],
            int_keys: [(-5, 1), (7, 2)].into(),
            u_keys: [(u64::MAX, vec![])].into(),
            char_keys: [('k', ())].into(),
            enum_keys: [("e".to_owned(), External::Unit)].into(),
            newtype_keys: [(Wrapper2("nk".into()), 1)].into(),
            skipped: None,
            flat: [("flat\tkey".to_owned(), json!({"x": [1, {}], "y": []}))].into(),
            nested_empty: vec![vec![], vec![vec![]], vec![vec![1]]],
            empty_map: BTreeMap::new(),
            maybe: Some(None),
        };
        same(&value);
        same(&Vec::<u8>::new());
        same(&json!({}));
        same(&json!([[], {}, [[]], {"a": {}}]));
    }

    #[test]
    fn keys_it_does_not_write_are_left_to_serde_json() {
        let bool_keys: BTreeMap<bool, u8> = [(true, 1)].into();
        assert_eq!(to_string(&bool_keys, false), None);
        let tuple_keys: BTreeMap<(u8, u8), u8> = [((1, 2), 1)].into();
        assert_eq!(to_string(&tuple_keys, false), None);
        assert!(serde_json::to_string(&tuple_keys).is_err());
    }
}
