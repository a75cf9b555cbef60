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
    pub(crate) fn object_shape() -> ObjectShape {
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
    pub(crate) fn object_shape() -> ObjectShape {
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
    pub(crate) fn object_shape() -> ObjectShape {
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

impl Device {
    /// `@odata.context` of a single token for a service rooted at `base` (such as
    /// `https://graph.microsoft.com/beta`).
    pub fn entity_context(base: &str) -> String {
        format!("{}/$entity", Self::collection_context(base))
    }

    /// `@odata.context` of the token inventory for a service rooted at `base`.
    pub fn collection_context(base: &str) -> String {
        format!("{base}/$metadata#directory/authenticationMethodDevices/hardwareOathDevices")
    }
}

impl Method {
    /// `@odata.context` of one of `user_id`'s methods for a service rooted at `base`.
    pub fn entity_context(base: &str, user_id: &str) -> String {
        format!("{}/$entity", Self::collection_context(base, user_id))
    }

    /// `@odata.context` of `user_id`'s method collection for a service rooted at `base`.
    pub fn collection_context(base: &str, user_id: &str) -> String {
        format!("{base}/$metadata#users('{user_id}')/authentication/hardwareOathMethods")
    }
}

impl odata::Resource for Device {
    const ODATA_TYPE: &'static str = odata::TYPE_DEVICE;
}

impl odata::Resource for Method {
    const ODATA_TYPE: &'static str = odata::TYPE_METHOD;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::{Entity, Resource};
    use crate::parse::parse_strict;

    fn device() -> Device {
        Device {
            id: "9b037532-f999-1ed9-13fd-849ffb995e11".into(),
            display_name: Some("Token 1".into()),
            serial_number: "TOTP123456".into(),
            manufacturer: "Contoso".into(),
            model: "Hardware Token 1000".into(),
            time_interval_in_seconds: 30,
            hash_function: Some(HashFunction::Hmacsha1),
            status: Some(TokenStatus::Assigned),
            last_used_date_time: None,
            assigned_to: Some(Identity {
                id: "0cadbf92".into(),
                display_name: Some("Amy Masters".into()),
            }),
        }
    }

    #[test]
    fn device_serializes_like_the_docs_with_a_null_secret() {
        let json = serde_json::to_string(&Entity::new(device(), None)).unwrap();
        assert_eq!(
            json,
            concat!(
                r##"{"@odata.type":"#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice","##,
                r#""id":"9b037532-f999-1ed9-13fd-849ffb995e11","displayName":"Token 1","serialNumber":"TOTP123456","#,
                r#""manufacturer":"Contoso","model":"Hardware Token 1000","secretKey":null,"timeIntervalInSeconds":30,"#,
                r#""status":"assigned","lastUsedDateTime":null,"#,
                r#""assignedTo":{"id":"0cadbf92","displayName":"Amy Masters"},"hashFunction":"hmacsha1"}"#
            )
        );
        assert_eq!(
            parse_strict::<Entity<Device>>(&json).unwrap().value,
            device()
        );
    }

    #[test]
    fn method_with_expanded_device_round_trips() {
        let method = Method {
            id: "658d0bfe-3cb9-d4d3-5296-147bc3b1f130".into(),
            created_date_time: Some(Timestamp::from_unix_seconds(1_700_000_000)),
            last_used_date_time: None,
            device: Some(device()),
        };
        let json = serde_json::to_string(&Entity::new(method.clone(), Some("ctx".into()))).unwrap();
        assert!(json.starts_with(r##"{"@odata.context":"ctx","@odata.type":"#microsoft.graph.hardwareOathAuthenticationMethod","##));
        assert!(!json.contains("lastUsedDateTime\":null,\"device"));
        let back: Entity<Method> = parse_strict(&json).unwrap();
        assert_eq!(back.value, method);
        assert_eq!(Method::ODATA_TYPE, odata::TYPE_METHOD);
    }

    #[test]
    fn identity_requires_an_id() {
        let e = parse_strict::<Identity>(r#"{"displayName":"Amy"}"#).unwrap_err();
        assert_eq!(e.pointer, "/id");
        assert_eq!(
            parse_strict::<Identity>(r#"{"id":"u","displayName":null}"#)
                .unwrap()
                .display_name,
            None
        );
    }
}
