//! The crate's unit-variant enums become Python `enum.Enum` classes (str mixin) whose
//! members are read from the crate's own Deserialize impl, so they cannot drift.

use std::collections::HashMap;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};
use serde::de::DeserializeOwned;

/// A Python enum class and its members by wire name.
pub struct PyEnum {
    class: Py<PyAny>,
    members: Vec<(&'static str, Py<PyAny>)>,
}

/// Registry of the Python enum classes, by Python class name.
static ENUMS: PyOnceLock<HashMap<&'static str, PyEnum>> = PyOnceLock::new();

/// The wire names of a unit-variant enum, as its Deserialize impl declares them.
pub fn variant_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut probe = VariantProbe(&[]);
    let _ = T::deserialize(&mut probe);
    probe.0
}

struct VariantProbe(&'static [&'static str]);

impl<'de> serde::Deserializer<'de> for &mut VariantProbe {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("variant probe"))
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = variants;
        Err(serde::de::Error::custom("variant probe"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

pub fn register_enum<T: DeserializeOwned>(
    py: Python<'_>,
    registry: &mut HashMap<&'static str, PyEnum>,
    name: &'static str,
    doc: &str,
    module: &str,
) -> PyResult<()> {
    let enum_mod = py.import("enum")?;
    let wires = variant_names::<T>();
    let members: Vec<(String, &str)> = wires
        .iter()
        .map(|wire| (wire.to_uppercase(), *wire))
        .collect();
    let kwargs = PyDict::new(py);
    kwargs.set_item("module", module)?;
    kwargs.set_item("type", py.get_type::<PyString>())?;
    let cls = enum_mod
        .getattr("Enum")?
        .call((name, members), Some(&kwargs))?;
    cls.setattr("__doc__", doc)?;
    // Members print as their wire value: f"{SessionState.ACTIVE}" == "Active".
    let str_fn = py.get_type::<PyString>().getattr("__str__")?;
    cls.setattr("__str__", str_fn)?;
    let members = wires
        .iter()
        .map(|wire| Ok((*wire, cls.call1((*wire,))?.unbind())))
        .collect::<PyResult<Vec<_>>>()?;
    registry.insert(
        name,
        PyEnum {
            class: cls.unbind(),
            members,
        },
    );
    Ok(())
}

/// Add every registered enum class to the module.
pub fn add_enums(
    m: &Bound<'_, pyo3::types::PyModule>,
    map: &HashMap<&'static str, PyEnum>,
) -> PyResult<()> {
    for (name, e) in map {
        m.add(*name, e.class.bind(m.py()))?;
    }
    Ok(())
}

pub fn init_enums(py: Python<'_>, map: HashMap<&'static str, PyEnum>) -> PyResult<()> {
    ENUMS
        .set(py, map)
        .map_err(|_| PyTypeError::new_err("enums registered twice"))
}

/// The member of Python enum `name` whose value is `wire`.
pub fn enum_member(py: Python<'_>, name: &str, wire: &str) -> PyResult<Py<PyAny>> {
    ENUMS
        .get(py)
        .and_then(|m| m.get(name))
        .and_then(|e| e.members.iter().find(|(w, _)| *w == wire))
        .map(|(_, member)| member.clone_ref(py))
        .ok_or_else(|| PyTypeError::new_err(format!("{name} has no member {wire:?}")))
}

/// A unit-variant enum value (or an Option of one) as the member of the Python enum `name`
/// with the same wire name; None for None.
pub fn member_of<T: serde::Serialize>(
    py: Python<'_>,
    name: &str,
    value: &T,
) -> PyResult<Py<PyAny>> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(wire)) => enum_member(py, name, &wire),
        Ok(serde_json::Value::Null) => Ok(py.None()),
        _ => Err(PyTypeError::new_err(format!(
            "{name} value did not serialize to a name"
        ))),
    }
}
#[cfg(test)]
mod tests {
    use super::variant_names;

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Mood {
        Calm,
        InProgress,
    }

    #[test]
    fn probe_reads_the_wire_names_from_deserialize() {
        assert_eq!(variant_names::<Mood>(), &["calm", "in_progress"]);
    }
}
