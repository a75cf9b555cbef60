//! `KeyUri::parse` and `KeyUri::to_uri_string`: no panic; parse -> format -> parse is the identity
//! and the formatted URI is a fixed point.
#![no_main]

use hwoath_otp::KeyUri;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match KeyUri::parse(text) {
        Ok(uri) => {
            let formatted = uri.to_uri_string();
            let again = KeyUri::parse(&formatted)
                .unwrap_or_else(|e| panic!("the formatted URI does not parse: {e}\n{formatted}"));
            assert_eq!(
                again, uri,
                "parse -> format -> parse changed the URI\n{formatted}"
            );
            assert_eq!(
                again.to_uri_string(),
                formatted,
                "the formatted URI is not a fixed point"
            );
            let _ = (uri.hotp().is_ok(), uri.totp().map(|t| t.is_ok()));
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
