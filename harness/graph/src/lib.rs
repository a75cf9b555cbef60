//! Microsoft Graph (beta) hardware OATH wire model.
//!
//! Serde types for the hardware OATH resources, request bodies, OData envelopes and Graph's error
//! envelope; strict and lenient parsing with typed errors that name the offending property; the
//! field rules a server applies to request bodies; and Entra's bulk-upload CSV rows. No I/O.
//!
//! ```
//! use hwoath_graph::{CreateDevice, ParseErrorKind, parse_lenient, parse_strict};
//!
//! let body = r#"{"serialNumber":"TOTP123456","manufacturer":"Contoso","model":"Hardware Token 1000",
//!     "secretKey":"6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB","timeIntervalInSeconds":30,"color":"red"}"#;
//! let err = parse_strict::<CreateDevice>(body).unwrap_err();
//! assert_eq!((err.pointer.as_str(), &err.kind), ("/color", &ParseErrorKind::UnknownProperty));
//!
//! let create: CreateDevice = parse_lenient(body)?;
//! let secret = create.validate()?; // the decoded 20-byte key
//! assert_eq!(secret.len(), 20);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

//! # Public surface
//!
//! Everything is at the crate root: the resources ([`Device`], [`Method`], [`Identity`]), the
//! request bodies ([`CreateDevice`], [`UpdateDevice`], [`AssignMethod`], [`Activate`],
//! [`AssignAndActivate`], [`AssignAndActivateBySerialNumber`], [`BulkDelta`]) each with its
//! `validate` rules, the envelopes ([`Entity`], [`Collection`], [`ErrorEnvelope`]), parsing
//! ([`parse()`], [`parse_strict`], [`parse_lenient`], [`parse_unique`] and the [`Wire`] shapes they
//! check against), and Entra's CSV ([`CsvFile::parse_bytes`], [`CsvRow`], [`LineCounter`]).

mod entra_csv;
mod enums;
mod error_envelope;
mod odata;
mod parse;
mod raw;
mod request;
mod resource;
mod secret_text;
mod shape;
mod timestamp;
mod validate;

pub use entra_csv::{CsvError, CsvFile, CsvProblem, CsvRow, LineCounter};
pub use enums::{HashFunction, TokenStatus, UnknownMember};
pub use error_envelope::{ErrorEnvelope, GraphError, InnerError};
pub use odata::{Collection, Entity, Resource};
pub use parse::{
    Mode, ParseError, ParseErrorKind, parse, parse_lenient, parse_strict, parse_unique,
};
pub use request::{
    Activate, AssignAndActivate, AssignAndActivateBySerialNumber, AssignMethod, AssignTo,
    BulkDelta, BulkItem, CreateDevice, DeviceRef, UpdateDevice,
};
pub use resource::{Device, Identity, Method};
pub use secret_text::SecretText;
pub use shape::{Field, ObjectShape, Shape, Wire};
pub use timestamp::{Timestamp, TimestampError};
pub use validate::ValidationError;
