//! Python `str` objects from the crate's Rust strings.
//!
//! Making strs is a large part of reading a session (a third of msgspec's walk of a text-heavy
//! session is CPython's UTF-8 decoder). A Rust `&str` is already valid UTF-8, so the decoder's
//! checks are wasted on it, and its loop for text with a few non-ASCII characters (`—`, `“`,
//! `é`, CJK) goes one character at a time. Here one pass finds the length and the widest
//! character (both by byte classes, which vectorizes), then the str is allocated at its final
//! width (1, 2 or 4 bytes per character, as CPython requires: the narrowest that holds it) and
//! filled with ASCII runs widened sixteen bytes at a time.
//!
//! Only where CPython's string layout is visible (not the limited API, not PyPy/GraalPy);
//! elsewhere, and for short strings, CPython's own constructor.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Shorter strings are made by CPython (its call overhead is lower than two passes).
#[cfg(all(not(Py_LIMITED_API), not(PyPy), not(GraalPy)))]
const SHORTEST: usize = 16;

/// A Python str equal to `s`.
#[inline]
pub fn new<'py>(py: Python<'py>, s: &str) -> Bound<'py, PyString> {
    #[cfg(all(not(Py_LIMITED_API), not(PyPy), not(GraalPy)))]
    if s.len() >= SHORTEST {
        if let Some(made) = layout::new(py, s) {
            return made;
        }
    }
    PyString::new(py, s)
}

/// How many characters `s` holds, and the storage width CPython gives a str of them.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Shape {
    pub chars: usize,
    /// The largest character's class: 0x7F (ASCII), 0xFF, 0xFFFF or 0x10FFFF, the `maxchar`
    /// that makes `PyUnicode_New` choose the right width.
    pub maxchar: u32,
}

/// Length in characters and width class of valid UTF-8: every byte that is not a
/// continuation byte (`10xxxxxx`) starts a character, and the largest lead byte says how wide
/// the widest character is (`C2`/`C3` lead U+0080–U+00FF; up to `DF` two bytes; `E0`–`EF`
/// three bytes, at most U+FFFF; `F0` and up, beyond).
pub fn shape(s: &str) -> Shape {
    let bytes = s.as_bytes();
    let mut continuation = 0usize;
    let mut widest = 0u8;
    // Chunks keep the counter in a small type the compiler vectorizes.
    for chunk in bytes.chunks(255) {
        let mut c = 0u8;
        let mut w = 0u8;
        for &b in chunk {
            c += ((b as i8) < -64) as u8;
            w = w.max(b);
        }
        continuation += c as usize;
        widest = widest.max(w);
    }
    let maxchar = match widest {
        0..=0x7F => 0x7F,
        0x80..=0xC3 => 0xFF,
        0xC4..=0xEF => 0xFFFF,
        _ => 0x10FFFF,
    };
    Shape {
        chars: bytes.len() - continuation,
        maxchar,
    }
}

/// Decode valid UTF-8 into `out` (one unit per character; `out.len()` is the character
/// count and every character fits the unit type).
pub fn decode_into<U: Unit>(s: &str, out: &mut [U]) {
    const LANES: usize = 16;
    const HIGH_BITS: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut o = 0;
    loop {
        // Sixteen bytes at a time: widen them all (a plain loop over fixed arrays, which
        // vectorizes), then keep the ASCII prefix and decode the character after it.
        while let (Some(chunk), Some(dst)) = (
            bytes[i..].first_chunk::<LANES>(),
            out[o..].first_chunk_mut::<LANES>(),
        ) {
            for (d, &b) in dst.iter_mut().zip(chunk) {
                *d = U::from_u8(b);
            }
            let high = u128::from_le_bytes(*chunk) & HIGH_BITS;
            if high == 0 {
                i += LANES;
                o += LANES;
                continue;
            }
            let ascii = (high.trailing_zeros() / 8) as usize;
            i += ascii;
            o += ascii;
            let (c, len) = decode_one(bytes, i);
            out[o] = U::from_u32(c);
            i += len;
            o += 1;
        }
        // The tail, one character at a time.
        if i >= bytes.len() || o >= out.len() {
            break;
        }
        let (c, len) = decode_one(bytes, i);
        out[o] = U::from_u32(c);
        i += len;
        o += 1;
    }
    debug_assert_eq!((i, o), (bytes.len(), out.len()));
}

/// The character starting at `bytes[i]` (valid UTF-8) and its length in bytes.
#[inline(always)]
fn decode_one(bytes: &[u8], i: usize) -> (u32, usize) {
    let b0 = bytes[i] as u32;
    let next = |k: usize| bytes[i + k] as u32 & 0x3F;
    if b0 < 0x80 {
        (b0, 1)
    } else if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | next(1), 2)
    } else if b0 < 0xF0 {
        (((b0 & 0x0F) << 12) | (next(1) << 6) | next(2), 3)
    } else {
        (
            ((b0 & 0x07) << 18) | (next(1) << 12) | (next(2) << 6) | next(3),
            4,
        )
    }
}

/// A storage unit of a CPython str (1, 2 or 4 bytes).
pub trait Unit: Copy {
    /// `c` fits (the caller chose the width from the string's widest character).
    fn from_u32(c: u32) -> Self;
    fn from_u8(b: u8) -> Self;
}

macro_rules! unit {
    ($($t:ty),*) => {$(
        impl Unit for $t {
            #[inline(always)]
            fn from_u32(c: u32) -> Self {
                c as $t
            }
            #[inline(always)]
            fn from_u8(b: u8) -> Self {
                b as $t
            }
        }
    )*};
}
unit!(u8, u16, u32);

#[cfg(all(not(Py_LIMITED_API), not(PyPy), not(GraalPy)))]
mod layout {
    use super::{decode_into, shape, Unit};
    use pyo3::ffi;
    use pyo3::prelude::*;
    use pyo3::types::PyString;

    /// `None` when CPython cannot allocate it (the caller then asks CPython, which raises).
    pub fn new<'py>(py: Python<'py>, s: &str) -> Option<Bound<'py, PyString>> {
        let shape = shape(s);
        let len = ffi::Py_ssize_t::try_from(shape.chars).ok()?;
        // SAFETY: PyUnicode_New returns a new, uninitialized str of `len` characters of the
        // width `maxchar` calls for (or null with an exception set); every unit is written
        // below, before anything else sees the object.
        unsafe {
            let raw = ffi::PyUnicode_New(len, shape.maxchar);
            if raw.is_null() {
                drop(PyErr::take(py));
                return None;
            }
            let data = ffi::PyUnicode_DATA(raw);
            if shape.maxchar == 0x7F {
                std::ptr::copy_nonoverlapping(s.as_ptr(), data as *mut u8, s.len());
            } else if shape.maxchar == 0xFF {
                fill::<u8>(s, data, shape.chars);
            } else if shape.maxchar == 0xFFFF {
                fill::<u16>(s, data, shape.chars);
            } else {
                fill::<u32>(s, data, shape.chars);
            }
            Some(Bound::from_owned_ptr(py, raw).cast_into_unchecked())
        }
    }

    /// SAFETY: `data` points to `chars` writable units of type `U`.
    unsafe fn fill<U: Unit>(s: &str, data: *mut std::ffi::c_void, chars: usize) {
        let out = std::slice::from_raw_parts_mut(data as *mut U, chars);
        decode_into(s, out);
    }
}

#[cfg(test)]
mod tests {
    use super::{decode_into, shape, Shape};

    fn decoded(s: &str) -> Vec<u32> {
        let mut out = vec![0u32; shape(s).chars];
        decode_into(s, &mut out);
        out
    }

    #[test]
    fn shape_counts_characters_and_finds_the_width() {
        assert_eq!(
            shape(""),
            Shape {
                chars: 0,
                maxchar: 0x7F
            }
        );
        assert_eq!(
            shape("plain ascii"),
            Shape {
                chars: 11,
                maxchar: 0x7F
            }
        );
        assert_eq!(
            shape("café"),
            Shape {
                chars: 4,
                maxchar: 0xFF
            }
        );
        assert_eq!(
            shape("\u{FF}"),
            Shape {
                chars: 1,
                maxchar: 0xFF
            }
        );
        assert_eq!(
            shape("\u{100}"),
            Shape {
                chars: 1,
                maxchar: 0xFFFF
            }
        );
        assert_eq!(
            shape("a—b"),
            Shape {
                chars: 3,
                maxchar: 0xFFFF
            }
        );
        assert_eq!(
            shape("日本語"),
            Shape {
                chars: 3,
                maxchar: 0xFFFF
            }
        );
        assert_eq!(
            shape("\u{FFFF}"),
            Shape {
                chars: 1,
                maxchar: 0xFFFF
            }
        );
        assert_eq!(
            shape("ok 🎉"),
            Shape {
                chars: 4,
                maxchar: 0x10FFFF
            }
        );
    }

    #[test]
    fn decoding_gives_the_code_points() {
        for s in [
            "",
            "x",
            "eight by",
            "sixteen bytes ok and more, all ascii",
            "überprüfen — “quoted” 日本語 🎉 done\n",
            "\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}",
            "ascii run of more than eight bytes then é then another long run of ascii",
        ] {
            let want: Vec<u32> = s.chars().map(|c| c as u32).collect();
            assert_eq!(decoded(s), want, "{s:?}");
        }
        // Every character a lead byte can start, around every chunk boundary of the shape.
        let mut s = String::new();
        for c in (0u32..0x3000)
            .chain(0xE000..0x11000)
            .filter_map(char::from_u32)
        {
            s.push(c);
        }
        let long = s.repeat(3);
        assert_eq!(
            decoded(&long),
            long.chars().map(|c| c as u32).collect::<Vec<_>>()
        );
        assert_eq!(shape(&long).chars, long.chars().count());
    }
}
