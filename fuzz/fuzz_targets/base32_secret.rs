//! `Secret::from_base32` (and `from_hex`): no panic; decode -> encode -> decode is the identity and
//! the canonical encoding is a fixed point; raw bytes survive encode -> decode.
#![no_main]

use hwoath_otp::Secret;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if !data.is_empty() {
        let from_bytes = Secret::from_bytes(data.to_vec());
        let encoded = from_bytes.to_base32();
        let decoded = Secret::from_base32(&encoded).expect("canonical Base32 decodes");
        assert_eq!(decoded.as_bytes(), data, "bytes -> Base32 -> bytes");
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(secret) = Secret::from_base32(text) {
        assert!(!secret.is_empty(), "a decoded secret is never empty");
        let canonical = secret.to_base32();
        let again = Secret::from_base32(&canonical).expect("canonical Base32 decodes");
        assert_eq!(again, secret, "Base32 -> bytes -> Base32 -> bytes");
        assert_eq!(
            again.to_base32(),
            canonical,
            "the canonical form is a fixed point"
        );
        assert!(!format!("{secret:?}{secret}").contains(&canonical) || canonical.len() < 8);
    }
    if let Ok(secret) = Secret::from_hex(text) {
        let hex: String = secret
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            Secret::from_hex(&hex).expect("hex decodes"),
            secret,
            "hex round trip"
        );
    }
});
