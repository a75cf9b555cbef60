//! OData constants (type names, context URLs) and the entity and collection envelopes.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::shape::{Field, ObjectShape, Shape, Wire};

/// `@odata.type` of an inventory token.
pub(crate) const TYPE_DEVICE: &str = "#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice";
/// `@odata.type` of a per-user hardware OATH method.
pub(crate) const TYPE_METHOD: &str = "#microsoft.graph.hardwareOathAuthenticationMethod";
/// `@odata.type` of a user (sent by the SDKs inside `assignTo`).
pub(crate) const TYPE_USER: &str = "#microsoft.graph.user";

/// A resource with a fixed `@odata.type`.
pub trait Resource {
    /// The resource's `@odata.type`, e.g. `#microsoft.graph.hardwareOathAuthenticationMethod`.
    const ODATA_TYPE: &'static str;
}

/// A single entity with its OData annotations, e.g. the body of `GET .../hardwareOathDevices/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
pub struct Entity<T> {
    /// `@odata.context`.
    #[serde(rename = "@odata.context")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// `@odata.type`.
    #[serde(rename = "@odata.type")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub odata_type: Option<String>,
    /// The entity's own properties.
    #[serde(flatten)]
    pub value: T,
}

impl<T: Resource> Entity<T> {
    /// Wraps `value` with its `@odata.type` and the given `@odata.context`.
    pub fn new(value: T, context: Option<String>) -> Self {
        Self {
            context,
            odata_type: Some(T::ODATA_TYPE.to_owned()),
            value,
        }
    }
}

/// A collection page: `{"@odata.context", "@odata.count"?, "value": [...], "@odata.nextLink"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
pub struct Collection<T> {
    /// `@odata.context`.
    #[serde(rename = "@odata.context")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// `@odata.count` (with `$count=true`).
    #[serde(rename = "@odata.count")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// The page's items.
    pub value: Vec<T>,
    /// `@odata.nextLink`: an opaque absolute URL of the next page.
    #[serde(rename = "@odata.nextLink")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

impl<T: Wire> Wire for Entity<T> {
    fn shape() -> Shape {
        T::shape()
    }
}

impl<T: Wire> Wire for Collection<T> {
    fn shape() -> Shape {
        Shape::Object(ObjectShape::new(
            None,
            vec![Field::required("value", Shape::Array(Box::new(T::shape())))],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Device, Method};

    /// The base URL of the real service.
    const GRAPH_BETA_BASE: &str = "https://graph.microsoft.com/beta";
    /// `@odata.context` of a single token on the real service.
    const CONTEXT_DEVICE_ENTITY: &str = "https://graph.microsoft.com/beta/$metadata#directory/authenticationMethodDevices/hardwareOathDevices/$entity";
    /// `@odata.context` of the token inventory on the real service.
    const CONTEXT_DEVICE_COLLECTION: &str = "https://graph.microsoft.com/beta/$metadata#directory/authenticationMethodDevices/hardwareOathDevices";

    #[test]
    fn context_urls_follow_the_real_service() {
        assert_eq!(
            Device::entity_context(GRAPH_BETA_BASE),
            CONTEXT_DEVICE_ENTITY
        );
        assert_eq!(
            Device::collection_context(GRAPH_BETA_BASE),
            CONTEXT_DEVICE_COLLECTION
        );
        assert_eq!(
            Method::entity_context("http://127.0.0.1:1/beta", "u1"),
            "http://127.0.0.1:1/beta/$metadata#users('u1')/authentication/hardwareOathMethods/$entity"
        );
        assert_eq!(
            Method::collection_context(GRAPH_BETA_BASE, "u1"),
            "https://graph.microsoft.com/beta/$metadata#users('u1')/authentication/hardwareOathMethods"
        );
    }

    #[test]
    fn collection_serializes_annotations_around_value() {
        let page = Collection {
            context: Some("c".into()),
            count: Some(1),
            value: vec![1],
            next_link: Some("n".into()),
        };
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"@odata.context":"c","@odata.count":1,"value":[1],"@odata.nextLink":"n"}"#
        );
        let bare: Collection<u8> = Collection {
            context: None,
            count: None,
            value: vec![],
            next_link: None,
        };
        assert_eq!(serde_json::to_string(&bare).unwrap(), r#"{"value":[]}"#);
    }
}
