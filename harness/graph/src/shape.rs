//! The JSON shape of each wire type: the tables strict and lenient parsing check bodies against.

use serde::de::DeserializeOwned;

/// The expected JSON value at one place of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Any JSON string.
    String,
    /// A JSON integer that fits an `Int32`.
    Int32,
    /// A JSON string naming one of these enum members.
    Enum(&'static [&'static str]),
    /// A JSON string holding an RFC 3339 date-time.
    Timestamp,
    /// Only `null` (a property the service never returns a value for, such as `secretKey`).
    Null,
    /// A JSON array whose items all have this shape.
    Array(Box<Shape>),
    /// A JSON object with these properties.
    Object(ObjectShape),
}

/// The declared properties of a JSON object, and its OData type if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectShape {
    /// The `@odata.type` the object may carry (e.g. `#microsoft.graph.user`), if fixed.
    pub odata_type: Option<&'static str>,
    /// The declared properties, in wire order.
    pub fields: Vec<Field>,
}

/// One declared property of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The property's wire name.
    pub name: &'static str,
    /// The shape of its value.
    pub shape: Shape,
    /// Whether the property must be present (a required string must also be non-empty).
    pub required: bool,
    /// Whether an explicit `null` is accepted.
    pub nullable: bool,
}

impl Field {
    /// A property that must be present, non-null, and (for strings) non-empty.
    pub fn required(name: &'static str, shape: Shape) -> Self {
        Self {
            name,
            shape,
            required: true,
            nullable: false,
        }
    }

    /// A property that may be absent or `null`.
    pub fn optional(name: &'static str, shape: Shape) -> Self {
        Self {
            name,
            shape,
            required: false,
            nullable: true,
        }
    }

    /// A property that may be absent but is never `null` when present.
    pub fn optional_non_null(name: &'static str, shape: Shape) -> Self {
        Self {
            name,
            shape,
            required: false,
            nullable: false,
        }
    }
}

impl ObjectShape {
    /// An object shape with an optional fixed `@odata.type`.
    pub fn new(odata_type: Option<&'static str>, fields: Vec<Field>) -> Self {
        Self { odata_type, fields }
    }

    /// The declared property called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// A type that can be parsed from a body strictly or leniently (see [`parse()`](crate::parse())).
pub trait Wire: DeserializeOwned {
    /// The JSON shape a body of this type must have.
    fn shape() -> Shape;
}
