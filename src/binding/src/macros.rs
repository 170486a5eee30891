//! The glue between a class table and the generic operations of `record`. Field accessors
//! are given as patterns so that struct fields and enum-variant fields go through the same
//! code; every method body is one call into `record`.

/// A Python class over one crate type, from its table:
///
/// - `scalars`: read from the crate value on every access (`scalar::ToPyField`); assignment
///   goes through the crate's Deserialize for the field type.
/// - `views`: container or nested fields, lifted into Python objects on first read, with the
///   `record::ViewKind` that says how.
/// - `secrets`: attributes `repr` masks; `sets`: JSON paths of set-valued arrays.
#[macro_export]
macro_rules! record_class {
    (
        module = $module:literal;
        $(#[$meta:meta])*
        class $py:ident($name:literal) wraps $value:ty, detach = $detach:literal;
        pattern = $pat:path;
        admit($av:ident) = $admit:expr;
        seed = $seed:expr;
        required = [$($req:literal),*];
        repr = [$($repr:literal),*];
        $( secrets = [$($secret:literal),*]; )?
        $( sets = [$([$($set:literal),*]),*]; )?
        $( slots = [$($slotf:literal),*]; )?
        scalars { $( $sfield:ident $(as $spy:literal)? : $sty:ty $(=> $conv:ident $(($carg:literal))?)? ),* $(,)? }
        views { $( $vfield:ident : $vkind:ty ),* $(,)? }
        $( extra { $($extra:tt)* } )?
    ) => { $crate::paste::paste! {
        $(#[$meta])*
        /// Every field's attribute name, in table order (a field's slot in `kept`).
        const [<$py:snake:upper _FIELDS>]: &[&str] = &[
            $( $crate::py_name!($sfield $(as $spy)?), )*
            $( stringify!($vfield), )*
        ];

        /// Fields read as plain slots (`fastattr::member`): small values read often.
        const [<$py:snake:upper _SLOTS>]: &[&str] = &[$($($slotf),*)?];
        $($(
            const _: () = assert!(
                $crate::kept::contains([<$py:snake:upper _FIELDS>], $slotf),
                "`slots` lists fields of the table",
            );
        )*)?

        #[pyo3::pyclass(frozen, weakref, module = $module, name = $name)]
        pub struct $py {
            state: $crate::lock::Lock<$crate::record::State<$value, [<$py Views>]>>,
            /// Python objects kept for fields read again (see `kept`).
            kept: $crate::kept::Kept<{ [<$py:snake:upper _FIELDS>].len() }>,
        }

        #[derive(Default)]
        pub struct [<$py Views>] {
            $( $vfield: Option<pyo3::Py<pyo3::PyAny>>, )*
        }

        mod [<$py:snake _fields>] {
            #![allow(unreachable_patterns, dead_code, unused_imports)]
            use super::*;
            $(
                pub fn [<$sfield _ref>](value: &$value) -> Option<&$sty> {
                    match value { $pat { $sfield, .. } => Some($sfield), _ => None }
                }
                pub fn [<$sfield _mut>](value: &mut $value) -> Option<&mut $sty> {
                    match value { $pat { $sfield, .. } => Some($sfield), _ => None }
                }
            )*
            $(
                pub fn [<$vfield _mut>](
                    value: &mut $value,
                ) -> Option<&mut <$vkind as $crate::record::ViewKind>::Rust> {
                    match value { $pat { $vfield, .. } => Some($vfield), _ => None }
                }
                pub fn [<$vfield _view>](views: &mut super::[<$py Views>]) -> &mut Option<pyo3::Py<pyo3::PyAny>> {
                    &mut views.$vfield
                }
            )*
        }

        #[allow(unused_variables, unused_mut)]
        impl $crate::record::Views<$value> for [<$py Views>] {
            fn is_empty(&self) -> bool {
                true $( && self.$vfield.is_none() )*
            }
            fn restore(&self, py: pyo3::Python<'_>, value: &mut $value) -> $crate::error::Result<()> {
                $( $crate::record::restore_field::<$vkind>(
                    py, stringify!($vfield), &self.$vfield, [<$py:snake _fields>]::[<$vfield _mut>](value),
                )?; )*
                Ok(())
            }
            fn lend(
                &self,
                py: pyo3::Python<'_>,
                value: &mut $value,
                loans: &mut Vec<$crate::record::Loan>,
            ) -> $crate::error::Result<()> {
                $( $crate::record::lend_field::<$vkind>(
                    py, stringify!($vfield), &self.$vfield, [<$py:snake _fields>]::[<$vfield _mut>](value), loans,
                )?; )*
                Ok(())
            }
            fn repay(&self, value: &mut $value, loans: Vec<$crate::record::Loan>) -> Vec<$crate::record::Loan> {
                let mut loans = loans.into_iter();
                let mut keep = Vec::new();
                $( $crate::record::repay_field::<$vkind>(
                    &self.$vfield, [<$py:snake _fields>]::[<$vfield _mut>](value), &mut loans, &mut keep,
                ); )*
                keep
            }
        }

        impl Drop for $py {
            fn drop(&mut self) {
                $crate::record::drop_detached::<Self>(&mut self.state);
            }
        }

        impl $crate::record::Node for $py {
            type Value = $value;
            type Views = [<$py Views>];
            const NAME: &'static str = $name;
            const DETACH: bool = $detach;
            const REQUIRED: &'static [&'static str] = &[$($req),*];
            const FIELDS: &'static [&'static str] = [<$py:snake:upper _FIELDS>];
            const SLOTS: &'static [&'static str] = [<$py:snake:upper _SLOTS>];
            const REPR: &'static [&'static str] = &[$($repr),*];
            const SECRETS: &'static [&'static str] = &[$($($secret),*)?];
            const SETS: &'static [&'static [&'static str]] = &[$($(&[$($set),*]),*)?];
            fn state(&self) -> &$crate::lock::Lock<$crate::record::State<$value, [<$py Views>]>> {
                &self.state
            }
            type Kept = $crate::kept::Kept<{ [<$py:snake:upper _FIELDS>].len() }>;
            fn kept(&self) -> &Self::Kept {
                &self.kept
            }
            fn placeholder() -> $value {
                $seed
            }
            #[allow(unused_variables)]
            fn wrap(py: pyo3::Python<'_>, value: $value) -> Self {
                let kept = <Self as $crate::record::Node>::Kept::default();
                $( {
                    const NAME: &str = $crate::py_name!($sfield $(as $spy)?);
                    if $crate::kept::contains([<$py:snake:upper _SLOTS>], NAME) {
                        const SLOT: usize = $crate::kept::index_of([<$py:snake:upper _FIELDS>], NAME);
                        $crate::record::fill_slot::<$sty>(
                            py, &kept, SLOT, [<$py:snake _fields>]::[<$sfield _ref>](&value),
                            $crate::scalar_reader!($sty $(=> $conv $(($carg))?)?),
                        );
                    }
                } )*
                let mut value = value;
                let mut views = [<$py Views>]::default();
                $( {
                    const NAME: &str = stringify!($vfield);
                    if $crate::kept::contains([<$py:snake:upper _SLOTS>], NAME) {
                        const SLOT: usize = $crate::kept::index_of([<$py:snake:upper _FIELDS>], NAME);
                        $crate::record::fill_view_slot::<$vkind>(
                            py, &kept, SLOT, NAME, [<$py:snake _fields>]::[<$vfield _mut>](&mut value),
                            &mut views.$vfield,
                        );
                    }
                } )*
                Self {
                    state: $crate::lock::Lock::new($crate::record::State { value, views }),
                    kept,
                }
            }
            #[allow(unused_variables)]
            fn admit($av: &$value) -> ::std::result::Result<(), String> {
                $admit
            }
            fn explain(
                text: &str,
                at: &[$crate::explain::Step],
            ) -> Option<$crate::explain::Finer> {
                use $crate::explain::{member, members, parse_as, Finer, Step};
                // The explanation of one member, by its key; `None`: not a field of the table
                // (a tag, or a field the crate ignores).
                #[allow(unused_variables)]
                fn one(key: &str, part: &str, rest: &[Step]) -> Option<Option<Finer>> {
                    $( if key == stringify!($vfield) {
                        return Some(<$vkind as $crate::record::ViewKind>::explain(part, rest));
                    } )*
                    $( if key == $crate::py_name!($sfield $(as $spy)?) {
                        return Some(parse_as::<$sty>(part));
                    } )*
                    None
                }
                match at.split_first() {
                    Some((Step::Key(key), rest)) => {
                        let (start, part) = member(text, key)?;
                        one(key, part, rest)?.map(|f| f.within(key, start))
                    }
                    Some(_) => None,
                    // serde stopped at this value: the first member, in document order, that
                    // the crate rejects on its own is the one it met; if none, the value's
                    // own error (a missing field).
                    None => {
                        for (key, start, end) in members(text)? {
                            if let Some(Some(f)) = one(&key, text.get(start..end)?, &[]) {
                                return Some(f.within(&key, start));
                            }
                        }
                        parse_as::<$value>(text)
                    }
                }
            }
            fn set_field(
                &self,
                py: pyo3::Python<'_>,
                field: &str,
                value: &pyo3::Bound<'_, pyo3::PyAny>,
            ) -> $crate::error::Result<bool> {
                $(
                    if field == $crate::py_name!($sfield $(as $spy)?) {
                        const SLOT: usize = $crate::kept::index_of(
                            [<$py:snake:upper _FIELDS>], $crate::py_name!($sfield $(as $spy)?),
                        );
                        let refill: Option<$crate::record::Reader<$sty>> =
                            if $crate::kept::contains([<$py:snake:upper _SLOTS>], field) {
                                Some($crate::scalar_reader!($sty $(=> $conv $(($carg))?)?))
                            } else {
                                None
                            };
                        $crate::record::set_scalar::<Self, $sty>(
                            py, self, field, SLOT, [<$py:snake _fields>]::[<$sfield _mut>], refill, value,
                        )?;
                        return Ok(true);
                    }
                )*
                $(
                    if field == stringify!($vfield) {
                        const SLOT: usize = $crate::kept::index_of(
                            [<$py:snake:upper _FIELDS>], stringify!($vfield),
                        );
                        $crate::record::set_view::<Self, $vkind>(
                            py, self, stringify!($vfield), SLOT, [<$py:snake _fields>]::[<$vfield _mut>],
                            [<$py:snake _fields>]::[<$vfield _view>],
                            $crate::kept::contains([<$py:snake:upper _SLOTS>], field), value,
                        )?;
                        return Ok(true);
                    }
                )*
                Ok(false)
            }
        }

        impl $py {
            #[allow(dead_code)]
            pub fn from_value(py: pyo3::Python<'_>, value: $value) -> Self {
                <Self as $crate::record::Node>::wrap(py, value)
            }
        }

        #[pyo3::pymethods]
        impl $py {
            #[new]
            #[pyo3(signature = (**kwargs))]
            fn __new__(
                py: pyo3::Python<'_>,
                kwargs: Option<&pyo3::Bound<'_, pyo3::types::PyDict>>,
            ) -> pyo3::PyResult<Self> {
                Ok($crate::record::from_kwargs(py, kwargs)?)
            }

            /// Parse JSON text (str, bytes or bytearray) with the crate's Deserialize impl.
            /// Fields the crate ignores (so would not write back) are reported as `unknown`
            /// says: `"warn"` (UnknownFieldsWarning), `"error"` (UnknownFieldsError) or
            /// `"ignore"`.
            #[classmethod]
            #[pyo3(signature = (data, *, unknown = "warn"))]
            fn from_json(
                _cls: &pyo3::Bound<'_, pyo3::types::PyType>,
                py: pyo3::Python<'_>,
                data: &pyo3::Bound<'_, pyo3::PyAny>,
                unknown: &str,
            ) -> pyo3::PyResult<Self> {
                let policy = $crate::unknown::Policy::parse(unknown)?;
                Ok($crate::record::from_json(py, data, policy)?)
            }

            /// Build from JSON builtins (what `to_dict` returns) with the crate's Deserialize
            /// impl; `unknown` as for `from_json`.
            #[classmethod]
            #[pyo3(signature = (data, *, unknown = "warn"))]
            fn from_dict(
                _cls: &pyo3::Bound<'_, pyo3::types::PyType>,
                data: &pyo3::Bound<'_, pyo3::PyAny>,
                unknown: &str,
            ) -> pyo3::PyResult<Self> {
                let policy = $crate::unknown::Policy::parse(unknown)?;
                Ok($crate::record::from_dict(data, policy)?)
            }

            /// Serialize with the crate's Serialize impl; `pretty` is `to_string_pretty`, what
            /// the crate's store writes.
            #[pyo3(signature = (*, pretty = false))]
            fn to_json<'py>(
                &self,
                py: pyo3::Python<'py>,
                pretty: bool,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::types::PyString>> {
                let text = $crate::record::to_json(py, self, pretty)?;
                Ok($crate::pystr::new(py, &text))
            }

            /// `to_json()` as UTF-8 bytes: what you write to a file, without building a str.
            #[pyo3(signature = (*, pretty = false))]
            fn to_json_bytes<'py>(
                &self,
                py: pyo3::Python<'py>,
                pretty: bool,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::types::PyBytes>> {
                Ok($crate::record::to_json_bytes(py, self, pretty)?)
            }

            /// JSON builtins, equal to `json.loads(self.to_json())`.
            fn to_dict<'py>(&self, py: pyo3::Python<'py>) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                Ok($crate::record::to_dict(py, self)?)
            }

            /// Field paths of `source` (the JSON this value was read from) that the crate
            /// ignores, so would not write back; decided by the crate itself.
            fn unknown_fields(&self, py: pyo3::Python<'_>, source: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<Vec<String>> {
                Ok($crate::record::unknown_fields(py, self, source)?)
            }

            $(
                #[getter]
                $( #[pyo3(name = $spy)] )?
                fn [<get_ $sfield>](&self, py: pyo3::Python<'_>) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                    const SLOT: usize = $crate::kept::index_of(
                        [<$py:snake:upper _FIELDS>], $crate::py_name!($sfield $(as $spy)?),
                    );
                    Ok($crate::record::get_scalar::<Self, $sty>(
                        py, self, SLOT, $crate::scalar_kept!($sty $(=> $conv)?),
                        [<$py:snake _fields>]::[<$sfield _ref>],
                        $crate::scalar_reader!($sty $(=> $conv $(($carg))?)?),
                    )?)
                }

                #[setter]
                $( #[pyo3(name = $spy)] )?
                fn [<set_ $sfield>](&self, py: pyo3::Python<'_>, value: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<()> {
                    Ok($crate::record::set_attribute(py, self, $crate::py_name!($sfield $(as $spy)?), value)?)
                }
            )*

            // Each field's PyO3 getter wrapped in a descriptor that returns a kept object
            // without entering PyO3 (`fastattr`). PyO3 sets class attributes after making
            // the getters, so these replace them under the same names.
            $(
                #[classattr]
                $( #[pyo3(name = $spy)] )?
                fn $sfield(py: pyo3::Python<'_>) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                    const NAME: &str = $crate::py_name!($sfield $(as $spy)?);
                    const SLOT: usize = $crate::kept::index_of([<$py:snake:upper _FIELDS>], NAME);
                    $crate::fastattr::attribute::<Self>(py, NAME, SLOT)
                }
            )*
            $(
                #[classattr]
                fn $vfield(py: pyo3::Python<'_>) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                    const NAME: &str = stringify!($vfield);
                    const SLOT: usize = $crate::kept::index_of([<$py:snake:upper _FIELDS>], NAME);
                    $crate::fastattr::attribute::<Self>(py, NAME, SLOT)
                }
            )*

            $(
                #[getter]
                fn [<get_ $vfield>](&self, py: pyo3::Python<'_>) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                    const SLOT: usize = $crate::kept::index_of([<$py:snake:upper _FIELDS>], stringify!($vfield));
                    Ok($crate::record::get_view::<Self, $vkind>(
                        py, self, stringify!($vfield), SLOT, [<$py:snake _fields>]::[<$vfield _mut>],
                        [<$py:snake _fields>]::[<$vfield _view>],
                    )?)
                }

                #[setter]
                fn [<set_ $vfield>](&self, py: pyo3::Python<'_>, value: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<()> {
                    Ok($crate::record::set_attribute(py, self, stringify!($vfield), value)?)
                }
            )*

            /// Every field is assigned through its setter (a slot field's member descriptor is
            /// read-only); anything else as `object.__setattr__` would.
            fn __setattr__(
                slf: &pyo3::Bound<'_, Self>,
                name: &pyo3::Bound<'_, pyo3::types::PyString>,
                value: &pyo3::Bound<'_, pyo3::PyAny>,
            ) -> pyo3::PyResult<()> {
                $crate::record::setattr(slf, name, Some(value))
            }

            /// Fields cannot be deleted (they can be cleared, where the crate allows None).
            fn __delattr__(
                slf: &pyo3::Bound<'_, Self>,
                name: &pyo3::Bound<'_, pyo3::types::PyString>,
            ) -> pyo3::PyResult<()> {
                $crate::record::setattr(slf, name, None)
            }

            fn __eq__(&self, py: pyo3::Python<'_>, other: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                Ok($crate::record::eq(py, self, other)?)
            }

            fn __repr__(slf: &pyo3::Bound<'_, Self>) -> pyo3::PyResult<String> {
                Ok($crate::record::repr(slf)?)
            }

            fn __copy__(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<Self> {
                Ok($crate::record::copy(py, self)?)
            }

            fn __deepcopy__(&self, py: pyo3::Python<'_>, _memo: &pyo3::Bound<'_, pyo3::PyAny>) -> pyo3::PyResult<Self> {
                Ok($crate::record::copy(py, self)?)
            }

            /// Pickles as its JSON (so a secret, which the crate never writes, is not pickled).
            fn __reduce__<'py>(
                slf: &pyo3::Bound<'py, Self>,
            ) -> pyo3::PyResult<(pyo3::Bound<'py, pyo3::PyAny>, (String,))> {
                Ok($crate::record::reduce(slf)?)
            }

            /// `from_json` as an asyncio future of the running loop: parsed on the
            /// extension's store runtime, so the loop keeps running during a big parse.
            #[classmethod]
            #[pyo3(signature = (data, *, unknown = "warn"))]
            fn from_json_async<'py>(
                _cls: &pyo3::Bound<'py, pyo3::types::PyType>,
                py: pyo3::Python<'py>,
                data: &pyo3::Bound<'py, pyo3::PyAny>,
                unknown: &str,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                let policy = $crate::unknown::Policy::parse(unknown)?;
                $crate::record::from_json_async::<Self>(py, data, policy)
            }

            /// `to_json` as an asyncio future, serialized on the store runtime.
            #[pyo3(signature = (*, pretty = false))]
            fn to_json_async<'py>(
                slf: &pyo3::Bound<'py, Self>,
                pretty: bool,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                $crate::record::to_json_async(slf, pretty)
            }

            /// pydantic v2: a field of this type validates and serializes through the crate
            /// (`a3s_session._pydantic`, which imports pydantic only when asked).
            #[classmethod]
            fn __get_pydantic_core_schema__<'py>(
                cls: &pyo3::Bound<'py, pyo3::types::PyType>,
                _source: &pyo3::Bound<'py, pyo3::PyAny>,
                _handler: &pyo3::Bound<'py, pyo3::PyAny>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                Ok($crate::record::pydantic_hook(cls, "core_schema")?)
            }

            /// The JSON Schema pydantic (and FastAPI's OpenAPI) shows for this type.
            #[classmethod]
            fn __get_pydantic_json_schema__<'py>(
                cls: &pyo3::Bound<'py, pyo3::types::PyType>,
                _core_schema: &pyo3::Bound<'py, pyo3::PyAny>,
                _handler: &pyo3::Bound<'py, pyo3::PyAny>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                Ok($crate::record::pydantic_hook(cls, "json_schema")?)
            }

            $( $($extra)* )?
        }
    }};
}

/// Attribute name of a field: the Rust name unless renamed (`source_type as "type"`).
#[macro_export]
macro_rules! py_name {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident as $py:literal) => {
        $py
    };
}

/// Whether a scalar field's Python value may be kept (see `kept`): yes, except `=> json`
/// fields, which read as a fresh copy the caller may edit.
#[macro_export]
macro_rules! scalar_kept {
    ($t:ty) => {
        true
    };
    ($t:ty => enumeration) => {
        true
    };
    ($t:ty => json) => {
        false
    };
}

/// How a scalar field reads from Python: by its type's `ToPyField` (numbers, strings,
/// timestamps), `=> enumeration("Name")` as the member of the Python enum `Name`, or
/// `=> json` as the plain Python value of its JSON (policy configs: a copy).
#[macro_export]
macro_rules! scalar_reader {
    ($t:ty) => {
        <$t as $crate::scalar::ToPyField>::to_py
    };
    ($t:ty => enumeration($name:literal)) => {
        |v: &$t, py: pyo3::Python<'_>| $crate::enums::member_of(py, $name, v)
    };
    ($t:ty => json) => {
        |v: &$t, py: pyo3::Python<'_>| -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
            Ok($crate::json::to_builtins(py, v)?)
        }
    };
}
