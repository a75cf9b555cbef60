//! Redaction of secrets before anything is recorded: bearer tokens, `secretKey` values, client secrets
//! and access tokens never reach a report, a log or a snapshot.

use serde_json::Value;

/// What replaces a redacted value.
pub const REDACTED: &str = "[redacted]";

/// JSON properties whose values are secrets wherever they appear.
const SECRET_PROPERTIES: [&str; 4] = [
    "secretKey",
    "client_secret",
    "access_token",
    "refresh_token",
];

/// JSON properties that hold credentials (never in a request body the suite builds, but masked if a
/// caller's ever does).
const CREDENTIAL_PROPERTIES: [&str; 3] = ["client_secret", "access_token", "refresh_token"];

/// Form fields whose values are secrets.
const SECRET_FORM_FIELDS: [&str; 2] = ["client_secret", "assertion"];

/// The only `Authorization` value any report shows.
pub const REDACTED_BEARER: &str = "Bearer [redacted]";

/// Whether a header carries credentials, so that only its scheme may be recorded.
pub fn is_credential_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("proxy-authorization")
}

/// A header value as it may be recorded (`Authorization` keeps only its scheme).
pub fn header_value(name: &str, value: &str) -> String {
    if !is_credential_header(name) {
        return value.to_owned();
    }
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} {REDACTED}"),
        None => REDACTED.to_owned(),
    }
}

/// Replaces the values of secret properties anywhere in a JSON value (a `null` stays `null`).
pub fn json_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if SECRET_PROPERTIES.contains(&key.as_str()) && !inner.is_null() {
                    *inner = Value::String(REDACTED.to_owned());
                } else {
                    json_value(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(json_value),
        _ => {}
    }
}

/// A body as it may be recorded: JSON with secret values replaced, form bodies with secret fields
/// replaced, anything else as lossy UTF-8 with known secrets masked.
pub fn body_text(bytes: &[u8], known_secrets: &[String]) -> String {
    let text = match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) => {
            json_value(&mut value);
            value.to_string()
        }
        Err(_) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            if looks_like_form(&text) {
                form_text(&text)
            } else {
                text
            }
        }
    };
    mask(text, known_secrets)
}

/// A request body as it may be recorded: as sent, so its `curl` line runs (the `secretKey` values the
/// suite sends are test data it generated), with known credentials masked, and, should the body carry
/// a credential field (a client secret, a token), every secret field redacted as [`body_text`] does.
pub fn request_text(bytes: &[u8], credentials: &[String]) -> String {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let carries_credential = match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => has_property(&value, &CREDENTIAL_PROPERTIES),
        Err(_) => looks_like_form(&text) && form_text(&text) != text,
    };
    if carries_credential {
        body_text(bytes, credentials)
    } else {
        mask(text, credentials)
    }
}

fn has_property(value: &Value, names: &[&str]) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(key, inner)| names.contains(&key.as_str()) || has_property(inner, names)),
        Value::Array(items) => items.iter().any(|item| has_property(item, names)),
        _ => false,
    }
}

/// Masks every occurrence of the given secrets (case-insensitively for Base32 keys).
pub fn mask(mut text: String, known_secrets: &[String]) -> String {
    for secret in known_secrets.iter().filter(|s| s.len() >= 8) {
        let lower = text.to_ascii_lowercase();
        let needle = secret.to_ascii_lowercase();
        if lower.contains(&needle) {
            let mut out = String::with_capacity(text.len());
            let mut rest = 0;
            for (start, _) in lower.match_indices(&needle) {
                if start >= rest {
                    out.push_str(&text[rest..start]);
                    out.push_str(REDACTED);
                    rest = start + needle.len();
                }
            }
            out.push_str(&text[rest..]);
            text = out;
        }
    }
    text
}

fn looks_like_form(text: &str) -> bool {
    !text.is_empty()
        && text.split('&').all(|pair| pair.contains('='))
        && !text.contains(char::is_whitespace)
}

fn form_text(text: &str) -> String {
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if SECRET_FORM_FIELDS.contains(&name) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn authorization_keeps_only_its_scheme() {
        assert_eq!(
            header_value("Authorization", "Bearer eyJabc.def.ghi"),
            "Bearer [redacted]"
        );
        assert_eq!(header_value("authorization", "opaque"), "[redacted]");
        assert_eq!(header_value("client-request-id", "abc"), "abc");
    }

    #[test]
    fn secret_properties_are_replaced_at_any_depth() {
        let mut value = json!({"secretKey": "JBSWY3DPEHPK3PXP", "value": [{"secretKey": null},
            {"nested": {"access_token": "tok"}}]});
        json_value(&mut value);
        assert_eq!(
            value,
            json!({"secretKey": "[redacted]", "value": [{"secretKey": null},
                {"nested": {"access_token": "[redacted]"}}]})
        );
    }

    #[test]
    fn request_bodies_keep_generated_keys_and_lose_credentials() {
        let create = br#"{"serialNumber":"S1","secretKey":"JBSWY3DPEHPK3PXP"}"#;
        assert_eq!(
            request_text(create, &["eyJhbGciOi.token".to_owned()]),
            String::from_utf8_lossy(create),
            "byte for byte"
        );
        let carrying = br#"{"secretKey":"JBSWY3DPEHPK3PXP","client_secret":"s3cr3t-value"}"#;
        let recorded = request_text(carrying, &[]);
        assert!(!recorded.contains("s3cr3t-value") && !recorded.contains("JBSWY3DP"));
        let form = b"grant_type=client_credentials&client_secret=s3cr3t-value";
        assert!(!request_text(form, &[]).contains("s3cr3t-value"));
        let echoed = b"token eyJhbGciOi.token in a body";
        assert_eq!(
            request_text(echoed, &["eyJhbGciOi.token".to_owned()]),
            "token [redacted] in a body"
        );
    }

    #[test]
    fn form_and_text_bodies_lose_their_secrets() {
        let form = b"grant_type=client_credentials&client_id=abc&client_secret=s3cr3t-value";
        assert_eq!(
            body_text(form, &[]),
            "grant_type=client_credentials&client_id=abc&client_secret=[redacted]"
        );
        let text = b"{broken json with jbswy3dpehpk3pxp inside";
        assert_eq!(
            body_text(text, &["JBSWY3DPEHPK3PXP".to_owned()]),
            "{broken json with [redacted] inside"
        );
    }
}
