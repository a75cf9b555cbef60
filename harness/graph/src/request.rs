//! Request bodies of the hardware OATH endpoints.

use serde::{Deserialize, Serialize};

use crate::enums::HashFunction;
use crate::odata;
use crate::secret_text::SecretText;
use crate::shape::{Field, ObjectShape, Shape, Wire};

/// `assignTo` on create: the user to assign the new token to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignTo {
    /// The user's object id.
    pub id: String,
}

/// Body of `POST /directory/authenticationMethodDevices/hardwareOathDevices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDevice {
    /// Optional name of the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The vendor's serial number.
    pub serial_number: String,
    /// Manufacturer name.
    pub manufacturer: String,
    /// Model name.
    pub model: String,
    /// The Base32 seed (never returned by the service).
    pub secret_key: SecretText,
    /// Code refresh interval in seconds (30 or 60).
    pub time_interval_in_seconds: i32,
    /// HMAC used for the codes (default `hmacsha1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_function: Option<HashFunction>,
    /// Assign the new token to this user at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_to: Option<AssignTo>,
}

/// Body of `PATCH .../hardwareOathDevices/{id}`: every property optional; see
/// [`crate::validate::update_device`] for which ones may actually change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDevice {
    /// New name of the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A serial number (never changeable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// New manufacturer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// New model name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A secret (never changeable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<SecretText>,
    /// New refresh interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_interval_in_seconds: Option<i32>,
    /// New hash function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_function: Option<HashFunction>,
}

/// A reference to an inventory token by id: `{"id": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRef {
    /// The token's id.
    pub id: String,
}

/// Body of `POST .../authentication/hardwareOathMethods` (assign): `{"device": {"id"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignMethod {
    /// The token to assign.
    pub device: DeviceRef,
}

/// Body of `POST .../hardwareOathMethods/{id}/activate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activate {
    /// The current 6-digit code, as a string.
    pub verification_code: String,
    /// Optional name for the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// Body of `POST .../hardwareOathMethods/assignAndActivate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignAndActivate {
    /// The token to assign.
    pub device: DeviceRef,
    /// The current 6-digit code, as a string.
    pub verification_code: String,
    /// Optional name for the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// Body of `POST .../hardwareOathMethods/assignAndActivateBySerialNumber`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignAndActivateBySerialNumber {
    /// The token's serial number.
    pub serial_number: String,
    /// The current 6-digit code, as a string.
    pub verification_code: String,
    /// Optional name for the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// One item of a bulk delta body: a create body tagged with `@contentId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkItem {
    /// `@contentId`: the client's handle for this item's outcome.
    #[serde(
        rename = "@contentId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_id: Option<String>,
    /// The token to create.
    #[serde(flatten)]
    pub device: CreateDevice,
}

/// Body of the bulk create (`PATCH` on the collection): `{"@context":"#$delta","value":[...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkDelta {
    /// `@context`, which must be `#$delta`.
    #[serde(rename = "@context")]
    pub context: String,
    /// The tokens to create.
    pub value: Vec<BulkItem>,
}

impl BulkDelta {
    /// A delta body for `items`, with `@contentId` set to "1", "2", ... in order.
    pub fn numbered(items: impl IntoIterator<Item = CreateDevice>) -> Self {
        let value = items
            .into_iter()
            .enumerate()
            .map(|(i, device)| BulkItem {
                content_id: Some((i + 1).to_string()),
                device,
            })
            .collect();
        Self {
            context: odata::DELTA_CONTEXT.to_owned(),
            value,
        }
    }
}

fn hash_shape() -> Shape {
    Shape::Enum(HashFunction::WIRE_NAMES)
}

fn device_ref_shape() -> Shape {
    Shape::Object(ObjectShape::new(
        Some(odata::TYPE_DEVICE),
        vec![Field::required("id", Shape::String)],
    ))
}

impl CreateDevice {
    /// The object shape of a create body.
    pub fn object_shape() -> ObjectShape {
        ObjectShape::new(
            Some(odata::TYPE_DEVICE),
            vec![
                Field::optional("displayName", Shape::String),
                Field::required("serialNumber", Shape::String),
                Field::required("manufacturer", Shape::String),
                Field::required("model", Shape::String),
                Field::required("secretKey", Shape::String),
                Field::required("timeIntervalInSeconds", Shape::Int32),
                Field::optional("hashFunction", hash_shape()),
                Field::optional(
                    "assignTo",
                    Shape::Object(ObjectShape::new(
                        Some(odata::TYPE_USER),
                        vec![Field::required("id", Shape::String)],
                    )),
                ),
            ],
        )
    }
}

impl Wire for CreateDevice {
    fn shape() -> Shape {
        Shape::Object(Self::object_shape())
    }
}

impl Wire for UpdateDevice {
    fn shape() -> Shape {
        Shape::Object(ObjectShape::new(
            Some(odata::TYPE_DEVICE),
            vec![
                Field::optional("displayName", Shape::String),
                Field::optional("serialNumber", Shape::String),
                Field::optional("manufacturer", Shape::String),
                Field::optional("model", Shape::String),
                Field::optional("secretKey", Shape::String),
                Field::optional("timeIntervalInSeconds", Shape::Int32),
                Field::optional("hashFunction", hash_shape()),
            ],
        ))
    }
}

impl Wire for AssignMethod {
    fn shape() -> Shape {
        Shape::Object(ObjectShape::new(
            Some(odata::TYPE_METHOD),
            vec![Field::required("device", device_ref_shape())],
        ))
    }
}

impl Wire for Activate {
    fn shape() -> Shape {
        Shape::Object(ObjectShape::new(
            None,
            vec![
                Field::required("verificationCode", Shape::String),
                Field::optional("displayName", Shape::String),
            ],
        ))
    }
}

impl Wire for AssignAndActivate {
    fn shape() -> Shape {
        Shape::Object(ObjectShape::new(
            None,
            vec![
                Field::required("device", device_ref_shape()),
                Field::required("verificationCode", Shape::String),
                Field::optional("displayName", Shape::String),
            ],
        ))
    }
}

impl Wire for AssignAndActivateBySerialNumber {
    fn shape() -> Shape {
        Shape::Object(ObjectShape::new(
            None,
            vec![
                Field::required("serialNumber", Shape::String),
                Field::required("verificationCode", Shape::String),
                Field::optional("displayName", Shape::String),
            ],
        ))
    }
}

impl Wire for BulkItem {
    fn shape() -> Shape {
        let mut shape = CreateDevice::object_shape();
        shape
            .fields
            .insert(0, Field::optional("@contentId", Shape::String));
        Shape::Object(shape)
    }
}

impl Wire for BulkDelta {
    fn shape() -> Shape {
        Shape::Object(ObjectShape::new(
            None,
            vec![
                Field::required("@context", Shape::String),
                Field::required("value", Shape::Array(Box::new(BulkItem::shape()))),
            ],
        ))
    }
}
