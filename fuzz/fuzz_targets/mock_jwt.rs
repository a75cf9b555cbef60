//! The mock's bearer tokens (`SigningKey::verify`): no panic on any token; claims the mock signs
//! verify back unchanged (or fail only on audience or lifetime); and arbitrary header or payload
//! bytes under a valid signature are refused without panicking.
#![no_main]

use data_encoding::BASE64URL_NOPAD;
use hmac::{Hmac, KeyInit, Mac};
use hwoath_mock::fuzzing::DEVELOPMENT_KEY;
use hwoath_mock::{Claims, SigningKey, TokenError};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;

/// A fixed "now" so that runs are reproducible.
const NOW: i64 = 1_750_000_000;

fn signed(header: &[u8], payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        BASE64URL_NOPAD.encode(header),
        BASE64URL_NOPAD.encode(payload)
    );
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(DEVELOPMENT_KEY).expect("any key");
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        BASE64URL_NOPAD.encode(&mac.finalize().into_bytes())
    )
}

fuzz_target!(|data: &[u8]| {
    let key = SigningKey::development();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        // The bytes as a token.
        0 => {
            if let Ok(token) = std::str::from_utf8(rest)
                && let Ok(claims) = key.verify(token, NOW)
            {
                let again = key.verify(&key.sign(&claims), NOW);
                assert_eq!(again.as_ref(), Ok(&claims), "re-signed claims changed");
            }
        }
        // The bytes as claims JSON, signed by the mock.
        1 => {
            if let Ok(claims) = serde_json::from_slice::<Claims>(rest) {
                match key.verify(&key.sign(&claims), NOW) {
                    Ok(read) => assert_eq!(read, claims, "signed claims read back differently"),
                    Err(TokenError::Audience | TokenError::Expired | TokenError::NotYetValid) => {}
                    Err(other) => panic!("the mock refused its own token: {other:?}"),
                }
            }
        }
        // The bytes as the payload under a valid HS256 header and signature.
        2 => {
            let _ = key.verify(&signed(br#"{"alg":"HS256","typ":"JWT"}"#, rest), NOW);
        }
        // The bytes as the header over valid claims, with a valid signature.
        _ => {
            let payload = br#"{"aud":"https://graph.microsoft.com","exp":1999999999}"#;
            let result = key.verify(&signed(rest, payload), NOW);
            if result.is_ok() {
                let header: serde_json::Value =
                    serde_json::from_slice(rest).expect("an accepted header is JSON");
                assert_eq!(
                    header["alg"], "HS256",
                    "a token without alg HS256 was accepted"
                );
            }
        }
    }
});
