//! Secret text (a token's `secretKey` as sent on the wire) that never shows in Debug output.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// A secret string: serialized as itself, shown as `<redacted>` by Debug, wiped on drop.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretText(String);

impl SecretText {
    /// Wraps `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The secret itself; callers must keep it out of logs and errors.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

impl Drop for SecretText {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_and_serde_keeps_the_secret() {
        let s = SecretText::new("6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB");
        assert!(!format!("{s:?}").contains("6PJ4"));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB\""
        );
        let back: SecretText =
            serde_json::from_str("\"6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB\"").unwrap();
        assert_eq!(back.expose(), s.expose());
    }
}
