//! Graph's error envelope: `{"error":{"code","message","innerError":{"request-id","client-request-id","date"}}}`.

use serde::{Deserialize, Serialize};

use crate::shape::{Field, ObjectShape, Shape, Wire};

/// The whole error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The error itself.
    pub error: GraphError,
}

/// `error`: what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphError {
    /// Machine-readable code clients may branch on, e.g. `invalidRequest`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Correlation data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_error: Option<InnerError>,
}

/// `innerError`: correlation data of the failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InnerError {
    /// `request-id`: the service's id of the request.
    #[serde(
        rename = "request-id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub request_id: Option<String>,
    /// `client-request-id`: the client's id of the request, echoed.
    #[serde(
        rename = "client-request-id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_request_id: Option<String>,
    /// `date`: when the error happened (Graph writes it without an offset, so it is kept as text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

impl ErrorEnvelope {
    /// An envelope with `code`, `message` and the given correlation data.
    pub fn new(
        code: impl Into<String>,
        message: impl Into<String>,
        inner_error: Option<InnerError>,
    ) -> Self {
        Self {
            error: GraphError {
                code: code.into(),
                message: message.into(),
                inner_error,
            },
        }
    }
}

impl Wire for ErrorEnvelope {
    fn shape() -> Shape {
        let inner = ObjectShape::new(
            None,
            vec![
                Field::optional("request-id", Shape::String),
                Field::optional("client-request-id", Shape::String),
                Field::optional("date", Shape::String),
            ],
        );
        let error = ObjectShape::new(
            None,
            vec![
                Field::required("code", Shape::String),
                Field::required("message", Shape::String),
                Field::optional("innerError", Shape::Object(inner)),
            ],
        );
        Shape::Object(ObjectShape::new(
            None,
            vec![Field::required("error", Shape::Object(error))],
        ))
    }
}
