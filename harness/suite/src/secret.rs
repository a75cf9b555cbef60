//! The credentials the suite holds, by type: a bearer token and a client secret each print as
//! `[redacted]` through `Debug` and `Display`, and give their text only through `expose`, where it is
//! sent.

use std::fmt;

use crate::redact::REDACTED;

/// An OAuth2 bearer token (an access token the suite sends in `Authorization`).
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

/// An OAuth2 client secret (`AZURE_CLIENT_SECRET`).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

macro_rules! hidden_text {
    ($name:ident) => {
        impl $name {
            /// Wraps the text.
            pub fn new(text: impl Into<String>) -> Self {
                Self(text.into())
            }

            /// The text itself, for the one place that sends it.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({REDACTED})", stringify!($name))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(REDACTED)
            }
        }
    };
}

hidden_text!(BearerToken);
hidden_text!(ClientSecret);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neither_debug_nor_display_shows_the_text() {
        let token = BearerToken::new("eyJhbGciOi.payload.signature");
        let secret = ClientSecret::new("super-secret-value");
        for shown in [
            format!("{token:?}"),
            format!("{token}"),
            format!("{secret:?}"),
            format!("{secret}"),
        ] {
            assert!(
                !shown.contains("eyJ") && !shown.contains("super-secret"),
                "{shown}"
            );
            assert!(shown.contains(REDACTED));
        }
        assert_eq!(token.expose(), "eyJhbGciOi.payload.signature");
        assert_eq!(secret.expose(), "super-secret-value");
    }
}
