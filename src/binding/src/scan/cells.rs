//! The cell types of scan rows: `#[repr(C)]` values that cross between the two generation
//! extensions unchanged, each knowing its Arrow type and how to append itself to a builder.

use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float32Builder, Float64Builder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder, TimestampSecondBuilder, UInt32Builder, UInt64Builder,
};
use arrow_schema::{DataType, Field, TimeUnit};

/// Borrowed UTF-8 text (a null pointer is "no value"). Valid for the duration of the call that
/// receives the row holding it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Text {
    ptr: *const u8,
    len: usize,
}

impl Text {
    pub const NONE: Text = Text {
        ptr: std::ptr::null(),
        len: 0,
    };

    pub fn of(s: &str) -> Text {
        Text {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    pub fn opt(s: Option<&str>) -> Text {
        s.map_or(Text::NONE, Text::of)
    }

    /// # Safety
    /// The text must still be alive: only while handling the row it came in.
    pub unsafe fn get<'a>(self) -> Option<&'a str> {
        if self.ptr.is_null() {
            None
        } else {
            // SAFETY: made from a &str by `of` (valid UTF-8), alive per the caller.
            Some(unsafe {
                std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.ptr, self.len))
            })
        }
    }
}

/// Text that is always present (a required string column).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Req(pub Text);

impl Req {
    pub fn of(s: &str) -> Req {
        Req(Text::of(s))
    }
}

/// An optional number or flag.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Opt<T: Copy> {
    present: bool,
    value: T,
}

impl<T: Copy + Default> Opt<T> {
    pub fn of(v: Option<T>) -> Self {
        match v {
            Some(value) => Opt {
                present: true,
                value,
            },
            None => Opt {
                present: false,
                value: T::default(),
            },
        }
    }
}

/// Unix seconds (an Arrow `timestamp[s, UTC]`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Seconds(pub i64);

/// Unix microseconds (an Arrow `timestamp[us, UTC]`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Micros(pub i64);

/// Borrowed list of texts (an Arrow `list<string>`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TextList {
    ptr: *const Text,
    len: usize,
}

impl TextList {
    pub fn of(items: &[Text]) -> TextList {
        TextList {
            ptr: items.as_ptr(),
            len: items.len(),
        }
    }
}

/// A column's cell type: its Arrow type, nullability and builder.
pub trait Cell: Copy {
    type Builder: ArrayBuilder;
    const NULLABLE: bool;
    fn data_type() -> DataType;
    fn builder() -> Self::Builder;
    /// # Safety
    /// Any text in the cell must be alive (see [`Text::get`]).
    unsafe fn append(self, b: &mut Self::Builder);
}

fn utc() -> Option<Arc<str>> {
    Some("UTC".into())
}

impl Cell for Req {
    type Builder = StringBuilder;
    const NULLABLE: bool = false;
    fn data_type() -> DataType {
        DataType::Utf8
    }
    fn builder() -> StringBuilder {
        StringBuilder::new()
    }
    unsafe fn append(self, b: &mut StringBuilder) {
        // SAFETY: per the caller.
        b.append_value(unsafe { self.0.get() }.unwrap_or(""))
    }
}

impl Cell for Text {
    type Builder = StringBuilder;
    const NULLABLE: bool = true;
    fn data_type() -> DataType {
        DataType::Utf8
    }
    fn builder() -> StringBuilder {
        StringBuilder::new()
    }
    unsafe fn append(self, b: &mut StringBuilder) {
        // SAFETY: per the caller.
        b.append_option(unsafe { self.get() })
    }
}

macro_rules! number_cells {
    ($($ty:ty => $builder:ident, $dt:expr;)*) => {$(
        impl Cell for $ty {
            type Builder = $builder;
            const NULLABLE: bool = false;
            fn data_type() -> DataType { $dt }
            fn builder() -> $builder { $builder::new() }
            unsafe fn append(self, b: &mut $builder) { b.append_value(self) }
        }
        impl Cell for Opt<$ty> {
            type Builder = $builder;
            const NULLABLE: bool = true;
            fn data_type() -> DataType { $dt }
            fn builder() -> $builder { $builder::new() }
            unsafe fn append(self, b: &mut $builder) {
                b.append_option(self.present.then_some(self.value))
            }
        }
    )*};
}

number_cells! {
    u32 => UInt32Builder, DataType::UInt32;
    u64 => UInt64Builder, DataType::UInt64;
    f32 => Float32Builder, DataType::Float32;
    f64 => Float64Builder, DataType::Float64;
    bool => BooleanBuilder, DataType::Boolean;
}

impl Cell for Seconds {
    type Builder = TimestampSecondBuilder;
    const NULLABLE: bool = false;
    fn data_type() -> DataType {
        DataType::Timestamp(TimeUnit::Second, utc())
    }
    fn builder() -> TimestampSecondBuilder {
        TimestampSecondBuilder::new().with_timezone("UTC")
    }
    unsafe fn append(self, b: &mut TimestampSecondBuilder) {
        b.append_value(self.0)
    }
}

impl Cell for Micros {
    type Builder = TimestampMicrosecondBuilder;
    const NULLABLE: bool = false;
    fn data_type() -> DataType {
        DataType::Timestamp(TimeUnit::Microsecond, utc())
    }
    fn builder() -> TimestampMicrosecondBuilder {
        TimestampMicrosecondBuilder::new().with_timezone("UTC")
    }
    unsafe fn append(self, b: &mut TimestampMicrosecondBuilder) {
        b.append_value(self.0)
    }
}

impl Cell for TextList {
    type Builder = ListBuilder<StringBuilder>;
    const NULLABLE: bool = false;
    fn data_type() -> DataType {
        DataType::List(Arc::new(Field::new("item", DataType::Utf8, false)))
    }
    fn builder() -> ListBuilder<StringBuilder> {
        ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
            "item",
            DataType::Utf8,
            false,
        )))
    }
    unsafe fn append(self, b: &mut ListBuilder<StringBuilder>) {
        // SAFETY: made from a live slice by `of`, alive per the caller.
        let items = unsafe { std::slice::from_raw_parts(self.ptr, self.len) };
        for item in items {
            // SAFETY: per the caller.
            b.values().append_value(unsafe { item.get() }.unwrap_or(""));
        }
        b.append(true);
    }
}
