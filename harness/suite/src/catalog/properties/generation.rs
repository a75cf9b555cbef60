//! Preparing generated bodies for sending: a sample (or a saved failure's request) as text with
//! placeholders, the secrets to mask wherever it is shown, and where and how it goes.

use reqwest::Method;
use serde_json::Value;

use crate::endpoints::DEVICES;
use crate::generate::{Bindings, BodyKind, Frag, Label, Sample};
use crate::redact;
use crate::report::Failure;

/// A body ready to send: its kind, class and text with placeholders.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    /// The request kind.
    pub(super) kind: BodyKind,
    /// The label (its class decides the expected statuses).
    pub(super) label: Label,
    /// The content type sent.
    pub(super) content_type: Option<String>,
    /// The body with `{{serial}}`, `{{device}}`, `{{code}}` placeholders.
    pub(super) body: String,
    /// Secret values inside the body, masked wherever the body is shown.
    pub(super) secrets: Vec<String>,
}

fn template_secrets(fields: &[(String, Frag)], out: &mut Vec<String>) {
    for (name, value) in fields {
        match value {
            Frag::Json(Value::String(text)) if name == "secretKey" => out.push(text.clone()),
            Frag::Object(inner) => template_secrets(inner, out),
            Frag::Array(items) => {
                for item in items {
                    if let Frag::Object(inner) = item {
                        template_secrets(inner, out);
                    }
                }
            }
            _ => {}
        }
    }
}

impl Prepared {
    /// A generated sample, rendered with placeholders.
    pub(super) fn from_sample(sample: &Sample) -> Self {
        let (content_type, body) = sample.render(&Bindings::placeholders());
        let mut secrets = Vec::new();
        template_secrets(&sample.template.fields, &mut secrets);
        Self {
            kind: sample.kind,
            label: sample.label.clone(),
            content_type,
            body: String::from_utf8_lossy(&body).into_owned(),
            secrets,
        }
    }

    /// A saved failure's request.
    pub(super) fn from_failure(failure: &Failure) -> Self {
        let secrets = serde_json::from_str::<Value>(&failure.request.body)
            .ok()
            .and_then(|v| v["secretKey"].as_str().map(|s| vec![s.to_owned()]))
            .unwrap_or_default();
        Self {
            kind: failure.kind,
            label: failure.label.clone(),
            content_type: failure.request.content_type.clone(),
            body: failure.request.body.clone(),
            secrets,
        }
    }

    /// The statuses the label calls for.
    pub(super) fn expected(&self) -> &'static [u16] {
        self.label.class.expected(self.kind)
    }

    /// The body for display: secrets masked, cut at 600 characters.
    pub(super) fn shown(&self) -> String {
        let mut text = redact::mask(self.body.clone(), &self.secrets);
        if text.chars().count() > 600 {
            text = text.chars().take(600).collect::<String>() + "…";
        }
        text
    }
}

/// The path a body of `kind` goes to, with `{{device}}` and `{{user}}` placeholders.
pub(super) fn path(kind: BodyKind) -> String {
    let methods = "/users/{{user}}/authentication/hardwareOathMethods";
    match kind {
        BodyKind::Create | BodyKind::Bulk => DEVICES.to_owned(),
        BodyKind::Update => format!("{DEVICES}/{{{{device}}}}"),
        BodyKind::Assign => methods.to_owned(),
        BodyKind::Activate => format!("{methods}/{{{{device}}}}/activate"),
        BodyKind::AssignAndActivate => format!("{methods}/assignAndActivate"),
        BodyKind::AssignAndActivateBySerial => format!("{methods}/assignAndActivateBySerialNumber"),
    }
}

/// The HTTP method a body of `kind` goes with.
pub(super) fn method(kind: BodyKind) -> Method {
    match kind {
        BodyKind::Update | BodyKind::Bulk => Method::PATCH,
        _ => Method::POST,
    }
}
