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
/// [`UpdateDevice::validate`] for which ones may actually change.
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
    /// The `@context` every bulk delta body carries.
    pub const CONTEXT: &'static str = "#$delta";

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
            context: Self::CONTEXT.to_owned(),
            value,
        }
    }
}

fn hash_shape() -> Shape {
    Shape::Enum(HashFunction::WIRE_NAMES)
}

/// The device's read-only properties: accepted in a write body only as `null` (as SDKs that
/// serialize a whole object send them), never with a value.
fn read_only_fields() -> [Field; 4] {
    ["id", "status", "lastUsedDateTime", "assignedTo"]
        .map(|name| Field::optional(name, Shape::Null))
}

fn device_ref_shape() -> Shape {
    Shape::Object(ObjectShape::new(
        Some(odata::TYPE_DEVICE),
        vec![Field::required("id", Shape::String)],
    ))
}

impl CreateDevice {
    /// The object shape of a create body.
    pub(crate) fn object_shape() -> ObjectShape {
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
            ]
            .into_iter()
            .chain(read_only_fields())
            .collect(),
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
                // Not nullable in the CSDL: absent leaves them alone, null is refused.
                Field::optional_non_null("manufacturer", Shape::String),
                Field::optional_non_null("model", Shape::String),
                Field::optional("secretKey", Shape::String),
                Field::optional_non_null("timeIntervalInSeconds", Shape::Int32),
                Field::optional("hashFunction", hash_shape()),
            ]
            .into_iter()
            .chain(read_only_fields())
            .collect(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_strict;

    #[test]
    fn create_body_serializes_in_doc_order_without_nulls() {
        let body = CreateDevice {
            display_name: Some("Token 1".into()),
            serial_number: "TOTP123456".into(),
            manufacturer: "Contoso".into(),
            model: "Hardware Token 1000".into(),
            secret_key: SecretText::new("6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB"),
            time_interval_in_seconds: 30,
            hash_function: Some(HashFunction::Hmacsha1),
            assign_to: Some(AssignTo {
                id: "0cadbf92".into(),
            }),
        };
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"displayName":"Token 1","serialNumber":"TOTP123456","manufacturer":"Contoso","#,
                r#""model":"Hardware Token 1000","secretKey":"6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB","#,
                r#""timeIntervalInSeconds":30,"hashFunction":"hmacsha1","assignTo":{"id":"0cadbf92"}}"#
            )
        );
        assert!(
            !format!("{body:?}").contains("6PJ4"),
            "Debug must not show the secret"
        );
        assert_eq!(parse_strict::<CreateDevice>(&json).unwrap(), body);
    }

    #[test]
    fn action_bodies_have_the_documented_shape() {
        let assign = AssignMethod {
            device: DeviceRef { id: "d1".into() },
        };
        assert_eq!(
            serde_json::to_string(&assign).unwrap(),
            r#"{"device":{"id":"d1"}}"#
        );
        let activate = Activate {
            verification_code: "012345".into(),
            display_name: None,
        };
        assert_eq!(
            serde_json::to_string(&activate).unwrap(),
            r#"{"verificationCode":"012345"}"#
        );
        let by_serial = AssignAndActivateBySerialNumber {
            serial_number: "S".into(),
            verification_code: "588651".into(),
            display_name: Some("n".into()),
        };
        assert_eq!(
            serde_json::to_string(&by_serial).unwrap(),
            r#"{"serialNumber":"S","verificationCode":"588651","displayName":"n"}"#
        );
        let e = parse_strict::<Activate>(r#"{"verificationCode":588651}"#).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.kind.code()),
            ("/verificationCode", "wrong-type")
        );
        let e = parse_strict::<AssignMethod>(r#"{"device":{}}"#).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.kind.code()),
            ("/device/id", "missing-property")
        );
    }

    #[test]
    fn read_only_properties_are_accepted_only_as_null() {
        let base = r#""serialNumber":"S","manufacturer":"C","model":"M","secretKey":"JBSWY3DPEHPK3PXP","timeIntervalInSeconds":30"#;
        let nulls = format!(
            r#"{{{base},"id":null,"status":null,"lastUsedDateTime":null,"assignedTo":null}}"#
        );
        assert_eq!(
            parse_strict::<CreateDevice>(&nulls).unwrap().serial_number,
            "S"
        );
        let status = format!(r#"{{{base},"status":"available"}}"#);
        let e = parse_strict::<CreateDevice>(&status).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.kind.code()),
            ("/status", "must-be-null")
        );
        let e = parse_strict::<UpdateDevice>(r#"{"id":"d1"}"#).unwrap_err();
        assert_eq!((e.pointer.as_str(), e.kind.code()), ("/id", "must-be-null"));
    }

    #[test]
    fn bulk_body_keeps_content_ids_and_checks_items() {
        let text = r##"{"@context":"#$delta","value":[{"@contentId":"1","serialNumber":"S","manufacturer":"C","model":"M","secretKey":"JBSWY3DPEHPK3PXP","timeIntervalInSeconds":30}]}"##;
        let bulk: BulkDelta = parse_strict(text).unwrap();
        assert_eq!(bulk.value[0].content_id.as_deref(), Some("1"));
        assert_eq!(serde_json::to_string(&bulk).unwrap(), text);
        let e = parse_strict::<BulkDelta>(&text.replace(r#""model":"M","#, "")).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.kind.code()),
            ("/value/0/model", "missing-property")
        );
        let e = parse_strict::<BulkDelta>(r#"{"value":[]}"#).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.kind.code()),
            ("/@context", "missing-property")
        );
    }
}
