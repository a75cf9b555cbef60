//! The two resources: the inventory token (`hardwareOathTokenAuthenticationMethodDevice`) and the
//! per-user method (`hardwareOathAuthenticationMethod`), plus the `identity` complex type.

use serde::{Deserialize, Serialize, Serializer};

use crate::enums::{HashFunction, TokenStatus};
use crate::odata;
use crate::shape::{Field, ObjectShape, Shape, Wire};
use crate::timestamp::Timestamp;

/// `identity`: who a token is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// The user's object id.
    pub id: String,
    /// The user's display name.
    pub display_name: Option<String>,
}

/// `hardwareOathTokenAuthenticationMethodDevice` as the service returns it; `secretKey` is always `null`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// The token's id (a GUID assigned by the service).
    pub id: String,
    /// Optional name of the token.
    pub display_name: Option<String>,
    /// The vendor's serial number, unique in a tenant.
    pub serial_number: String,
    /// Manufacturer name.
    pub manufacturer: String,
    /// Model name.
    pub model: String,
    /// Code refresh interval in seconds (30 or 60).
    pub time_interval_in_seconds: i32,
    /// HMAC used for the codes.
    pub hash_function: Option<HashFunction>,
    /// Lifecycle status.
    pub status: Option<TokenStatus>,
    /// When the token was last used to sign in.
    pub last_used_date_time: Option<Timestamp>,
    /// The user holding the token.
    pub assigned_to: Option<Identity>,
}

/// The serialized form of [`Device`], with `secretKey` forced to `null`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeviceOut<'a> {
    id: &'a str,
    display_name: &'a Option<String>,
    serial_number: &'a str,
    manufacturer: &'a str,
    model: &'a str,
    secret_key: (),
    time_interval_in_seconds: i32,
    status: Option<TokenStatus>,
    last_used_date_time: &'a Option<Timestamp>,
    assigned_to: &'a Option<Identity>,
    hash_function: Option<HashFunction>,
}

impl Serialize for Device {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        DeviceOut {
            id: &self.id,
            display_name: &self.display_name,
            serial_number: &self.serial_number,
            manufacturer: &self.manufacturer,
            model: &self.model,
            secret_key: (),
            time_interval_in_seconds: self.time_interval_in_seconds,
            status: self.status,
            last_used_date_time: &self.last_used_date_time,
            assigned_to: &self.assigned_to,
            hash_function: self.hash_function,
        }
        .serialize(serializer)
    }
}

/// `hardwareOathAuthenticationMethod`: a token as one user's sign-in method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    /// The method's id (equal to the device id in every doc example).
    pub id: String,
    /// When the method was registered.
    pub created_date_time: Option<Timestamp>,
    /// When the method was last used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_date_time: Option<Timestamp>,
    /// The token behind the method, when expanded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
}

impl Identity {
    /// The object shape of `identity`.
    pub fn object_shape() -> ObjectShape {
        ObjectShape::new(
            None,
            vec![
                Field::required("id", Shape::String),
                Field::optional("displayName", Shape::String),
            ],
        )
    }
}

impl Device {
    /// The object shape of a device as returned by the service.
    pub fn object_shape() -> ObjectShape {
        ObjectShape::new(
            Some(odata::TYPE_DEVICE),
            vec![
                Field::required("id", Shape::String),
                Field::optional("displayName", Shape::String),
                Field::required("serialNumber", Shape::String),
                Field::required("manufacturer", Shape::String),
                Field::required("model", Shape::String),
                Field::optional("secretKey", Shape::Null),
                Field::required("timeIntervalInSeconds", Shape::Int32),
                Field::optional("hashFunction", Shape::Enum(HashFunction::WIRE_NAMES)),
                Field::optional("status", Shape::Enum(TokenStatus::WIRE_NAMES)),
                Field::optional("lastUsedDateTime", Shape::Timestamp),
                Field::optional("assignedTo", Shape::Object(Identity::object_shape())),
            ],
        )
    }
}

impl Method {
    /// The object shape of a method as returned by the service.
    pub fn object_shape() -> ObjectShape {
        ObjectShape::new(
            Some(odata::TYPE_METHOD),
            vec![
                Field::required("id", Shape::String),
                Field::optional("createdDateTime", Shape::Timestamp),
                Field::optional("lastUsedDateTime", Shape::Timestamp),
                Field::optional("device", Shape::Object(Device::object_shape())),
            ],
        )
    }
}

impl Wire for Identity {
    fn shape() -> Shape {
        Shape::Object(Self::object_shape())
    }
}

impl Wire for Device {
    fn shape() -> Shape {
        Shape::Object(Self::object_shape())
    }
}

impl Wire for Method {
    fn shape() -> Shape {
        Shape::Object(Self::object_shape())
    }
}

impl odata::Resource for Device {
    const ODATA_TYPE: &'static str = odata::TYPE_DEVICE;
}

impl odata::Resource for Method {
    const ODATA_TYPE: &'static str = odata::TYPE_METHOD;
}
