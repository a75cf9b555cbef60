//! Microsoft Graph (beta) hardware OATH wire model.
//!
//! Serde types for the hardware OATH resources, request bodies, OData envelopes and Graph's error
//! envelope; strict and lenient parsing with typed errors that name the offending property; the
//! field rules a server applies to request bodies; and Entra's bulk-upload CSV rows. No I/O.
//!
//! ```
//! use hwoath_graph::{CreateDevice, ParseErrorKind, parse_lenient, parse_strict, validate};
//!
//! let body = r#"{"serialNumber":"TOTP123456","manufacturer":"Contoso","model":"Hardware Token 1000",
//!     "secretKey":"6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB","timeIntervalInSeconds":30,"color":"red"}"#;
//! let err = parse_strict::<CreateDevice>(body).unwrap_err();
//! assert_eq!((err.pointer.as_str(), &err.kind), ("/color", &ParseErrorKind::UnknownProperty));
//!
//! let create: CreateDevice = parse_lenient(body)?;
//! let secret = validate::create_device(&create)?; // the decoded 20-byte key
//! assert_eq!(secret.len(), 20);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod entra_csv;
pub mod enums;
pub mod error_envelope;
pub mod odata;
pub mod parse;
pub mod request;
pub mod resource;
pub mod secret_text;
pub mod shape;
pub mod timestamp;
pub mod validate;

mod raw;

pub use entra_csv::{CsvError, CsvFile, CsvRow};
pub use enums::{HashFunction, TokenStatus};
pub use error_envelope::{ErrorEnvelope, GraphError, InnerError};
pub use odata::{Collection, Entity};
pub use parse::{Mode, ParseError, ParseErrorKind, parse_lenient, parse_strict, parse_unique};
pub use request::{
    Activate, AssignAndActivate, AssignAndActivateBySerialNumber, AssignMethod, AssignTo,
    BulkDelta, BulkItem, CreateDevice, DeviceRef, UpdateDevice,
};
pub use resource::{Device, Identity, Method};
pub use secret_text::SecretText;
pub use shape::Wire;
pub use timestamp::Timestamp;
pub use validate::ValidationError;
