//! HS256 JSON Web Tokens signed and checked with the mock's own key (written by hand on `hmac` + `sha2`).

use data_encoding::BASE64URL_NOPAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The audience the mock writes into tokens it mints (Graph's resource URI).
pub(crate) const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
/// Graph's application id, the other audience Entra puts into Graph tokens.
pub(crate) const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// The fixed development key the mock signs with unless told otherwise. It is public: testing only.
pub const DEVELOPMENT_KEY: &[u8] =
    b"hwoath-mock development signing key - for testing only, never for production";

/// The HMAC key that signs and checks the mock's tokens; its Debug output never shows the key.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

impl Default for SigningKey {
    fn default() -> Self {
        Self::development()
    }
}

impl SigningKey {
    /// The fixed, public development key ([`DEVELOPMENT_KEY`]).
    pub fn development() -> Self {
        Self(DEVELOPMENT_KEY.to_vec())
    }

    /// A key from raw bytes (for example read from an environment variable).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this never fails.
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length")
    }

    /// Signs `claims` into a compact JWT (`header.payload.signature`).
    pub fn sign(&self, claims: &Claims) -> String {
        let header = BASE64URL_NOPAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let signing_input = format!("{header}.{}", BASE64URL_NOPAD.encode(&payload));
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let signature = BASE64URL_NOPAD.encode(&mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// Checks the token's form, algorithm, signature, audience and lifetime (against `now_unix`),
    /// and returns its claims.
    pub fn verify(&self, token: &str, now_unix: i64) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header: Header = decode_json(header)?;
        if header.alg != "HS256" {
            return Err(TokenError::Algorithm);
        }
        let signature = BASE64URL_NOPAD
            .decode(signature.as_bytes())
            .map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac();
        mac.update(&token.as_bytes()[..header_and_payload_len(token)]);
        mac.verify_slice(&signature)
            .map_err(|_| TokenError::Signature)?;
        let claims: Claims = decode_json(payload)?;
        if !claims.aud.iter().any(|aud| {
            let aud = aud.trim_end_matches('/');
            aud.eq_ignore_ascii_case(GRAPH_AUDIENCE) || aud.eq_ignore_ascii_case(GRAPH_APP_ID)
        }) {
            return Err(TokenError::Audience);
        }
        if claims.exp <= now_unix {
            return Err(TokenError::Expired);
        }
        if claims.nbf.is_some_and(|nbf| nbf > now_unix + 300) {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(0)
}

/// Decodes one Base64url part as a JSON object (RFC 7515 §4 and RFC 7519 §7.2: header and claims
/// are objects; serde would also read a struct from an array).
fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, TokenError> {
    let bytes = BASE64URL_NOPAD
        .decode(part.as_bytes())
        .map_err(|_| TokenError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(value @ serde_json::Value::Object(_)) => {
            serde_json::from_value(value).map_err(|_| TokenError::Malformed)
        }
        _ => Err(TokenError::Malformed),
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Why a bearer token was refused (every variant answers 401 `InvalidAuthenticationToken`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// No `Authorization: Bearer` header.
    #[error("Access token is empty.")]
    Missing,
    /// Not three Base64url parts of JSON.
    #[error("IDX14100: JWT is not well formed.")]
    Malformed,
    /// `alg` other than HS256 (including `none`).
    #[error("Access token validation failure: unsupported signing algorithm.")]
    Algorithm,
    /// The signature does not match.
    #[error("Access token validation failure. Invalid signature.")]
    Signature,
    /// `aud` is not Microsoft Graph.
    #[error("Access token validation failure. Invalid audience.")]
    Audience,
    /// `exp` has passed.
    #[error("Lifetime validation failed, the token is expired.")]
    Expired,
    /// `nbf` lies in the future.
    #[error("Lifetime validation failed, the token is not yet valid.")]
    NotYetValid,
    /// `tid` names another tenant.
    #[error("Access token validation failure. Invalid tenant.")]
    Tenant,
}

/// The claims the mock reads from (and writes into) a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Audience: Graph's URI or application id (a string or an array of strings).
    #[serde(with = "one_or_many")]
    pub aud: Vec<String>,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Tenant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    /// Object id of the signed-in user (delegated tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oid: Option<String>,
    /// Delegated scopes, space separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    /// Application roles (app-only tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Directory role template ids of the signed-in user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wids: Option<Vec<String>>,
    /// Client application id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// Issued at (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Not before (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Expiry (Unix seconds).
    pub exp: i64,
}

mod one_or_many {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(value: &[String], s: S) -> Result<S::Ok, S::Error> {
        match value {
            [one] => s.serialize_str(one),
            many => s.collect_seq(many),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match OneOrMany::deserialize(d)? {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            aud: vec![GRAPH_AUDIENCE.into()],
            iss: None,
            tid: Some("t".into()),
            oid: Some("u".into()),
            scp: Some("UserAuthenticationMethod.Read".into()),
            roles: None,
            wids: None,
            appid: None,
            iat: None,
            nbf: None,
            exp,
        }
    }

    #[test]
    fn round_trip_and_refusals() {
        let key = SigningKey::development();
        let token = key.sign(&claims(100));
        assert_eq!(key.verify(&token, 50).unwrap(), claims(100));
        assert_eq!(key.verify(&token, 100), Err(TokenError::Expired));
        assert_eq!(
            SigningKey::from_bytes(b"other".to_vec()).verify(&token, 50),
            Err(TokenError::Signature)
        );
        assert_eq!(key.verify("a.b", 0), Err(TokenError::Malformed));
        assert_eq!(key.verify("%%.%%.%%", 0), Err(TokenError::Malformed));
        let payload = token.split('.').nth(1).unwrap();
        let none = format!(
            "{}.{payload}.",
            BASE64URL_NOPAD.encode(br#"{"alg":"none"}"#)
        );
        assert_eq!(key.verify(&none, 0), Err(TokenError::Algorithm));
        let mut wrong_aud = claims(100);
        wrong_aud.aud = vec!["api://other".into()];
        assert_eq!(
            key.verify(&key.sign(&wrong_aud), 0),
            Err(TokenError::Audience)
        );
        let mut app_id_aud = claims(100);
        app_id_aud.aud = vec![GRAPH_APP_ID.into()];
        assert!(key.verify(&key.sign(&app_id_aud), 0).is_ok());
    }

    #[test]
    fn header_and_claims_must_be_objects() {
        // Found by the mock_jwt fuzz target: serde read `["HS256"]` as a header with alg HS256.
        let key = SigningKey::development();
        let token = key.sign(&claims(100));
        let payload = token.split('.').nth(1).unwrap();
        let array_header = BASE64URL_NOPAD.encode(br#"["HS256"]"#);
        let resigned = |header: &str, payload: &str| {
            let input = format!("{header}.{payload}");
            let mut mac = key.mac();
            mac.update(input.as_bytes());
            format!(
                "{input}.{}",
                BASE64URL_NOPAD.encode(&mac.finalize().into_bytes())
            )
        };
        assert_eq!(
            key.verify(&resigned(&array_header, payload), 50),
            Err(TokenError::Malformed)
        );
        let array_claims = BASE64URL_NOPAD.encode(
            br#"[["https://graph.microsoft.com"],null,"t",null,null,null,null,null,null,null,100]"#,
        );
        let header = token.split('.').next().unwrap();
        assert_eq!(
            key.verify(&resigned(header, &array_claims), 50),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(
            format!("{:?}", SigningKey::development()),
            "SigningKey([redacted])"
        );
    }
}
