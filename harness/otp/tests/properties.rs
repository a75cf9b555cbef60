//! Properties: encodings round-trip, the keyed generator equals a plain HMAC computation, and the
//! verifier obeys its window and replay laws.

use hmac::{KeyInit, Mac};
use hwoath_otp::{Algorithm, Hotp, KeyUri, OtpKind, Secret, Totp, Verifier, VerifyError};
use proptest::prelude::*;

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop::sample::select(Algorithm::ALL.to_vec())
}

/// RFC 4226 computed the plain way: HMAC over the counter, dynamic truncation, modulo.
fn reference_hotp(algorithm: Algorithm, key: &[u8], counter: u64, digits: u8) -> String {
    let message = counter.to_be_bytes();
    let digest = match algorithm {
        Algorithm::Sha1 => hmac::Hmac::<sha1::Sha1>::new_from_slice(key)
            .unwrap()
            .chain_update(message)
            .finalize()
            .into_bytes()
            .to_vec(),
        Algorithm::Sha256 => hmac::Hmac::<sha2::Sha256>::new_from_slice(key)
            .unwrap()
            .chain_update(message)
            .finalize()
            .into_bytes()
            .to_vec(),
        Algorithm::Sha512 => hmac::Hmac::<sha2::Sha512>::new_from_slice(key)
            .unwrap()
            .chain_update(message)
            .finalize()
            .into_bytes()
            .to_vec(),
    };
    let offset = usize::from(digest[digest.len() - 1] & 0xf);
    let value = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!(
        "{:0width$}",
        value % 10u32.pow(u32::from(digits)),
        width = usize::from(digits)
    )
}

proptest! {
    #[test]
    fn base32_round_trips(bytes in prop::collection::vec(any::<u8>(), 1..200)) {
        let expected = Secret::from_bytes(bytes);
        let text = expected.to_base32();
        let mut padded = text.clone();
        while !padded.len().is_multiple_of(8) { padded.push('='); }
        let spaced: String = text.chars().enumerate()
            .flat_map(|(i, c)| if i % 4 == 3 { vec![c, ' '] } else { vec![c] })
            .collect();
        for variant in [text.clone(), text.to_lowercase(), padded, spaced] {
            prop_assert_eq!(Secret::from_base32(&variant).unwrap(), expected.clone());
        }
    }

    #[test]
    fn base32_never_panics(text in ".{0,80}") {
        let _ = Secret::from_base32(&text);
    }

    #[test]
    fn generator_equals_plain_hmac(
        algorithm in algorithm(),
        key in prop::collection::vec(any::<u8>(), 1..300),
        counter in any::<u64>(),
        digits in 6u8..=9,
    ) {
        let hotp = Hotp::new(&Secret::from_bytes(key.clone()), algorithm, digits).unwrap();
        prop_assert_eq!(hotp.generate(counter).to_string(), reference_hotp(algorithm, &key, counter, digits));
    }

    #[test]
    fn totp_is_hotp_of_the_step(
        algorithm in algorithm(),
        key in prop::collection::vec(any::<u8>(), 1..80),
        t0 in 0u64..1_000_000,
        elapsed in 0u64..40_000_000_000,
        period in 1u64..600,
    ) {
        let secret = Secret::from_bytes(key.clone());
        let totp = Totp::new(&secret, algorithm, 6, period).unwrap().with_t0(t0);
        let time = t0 + elapsed;
        prop_assert_eq!(
            totp.generate_at(time).unwrap().to_string(),
            reference_hotp(algorithm, &key, elapsed / period, 6)
        );
        prop_assert!(totp.remaining_at(time).unwrap() >= 1);
        prop_assert!(totp.remaining_at(time).unwrap() <= period);
    }

    #[test]
    fn uri_round_trips(
        algorithm in algorithm(),
        key in prop::collection::vec(any::<u8>(), 1..64),
        account in "[^\u{0}]{1,30}",
        issuer in prop::option::of("[^:\u{0}]{1,20}"),
        digits in 6u8..=9,
        hotp in any::<bool>(),
        number in 1u64..100_000,
    ) {
        prop_assume!(!account.trim().is_empty() && !account.contains(':'));
        prop_assume!(account.trim() == account);
        prop_assume!(issuer.as_ref().is_none_or(|i| i.trim() == i && !i.is_empty()));
        let uri = KeyUri {
            kind: if hotp { OtpKind::Hotp { counter: number } } else { OtpKind::Totp { period: number } },
            account,
            issuer,
            secret: Secret::from_bytes(key),
            algorithm,
            digits,
        };
        prop_assert_eq!(KeyUri::parse(&uri.to_uri_string()).unwrap(), uri);
    }

    #[test]
    fn uri_parse_never_panics(text in "otpauth://[a-z]{0,5}/.{0,40}") {
        let _ = KeyUri::parse(&text);
    }

    #[test]
    fn window_law(
        key in prop::collection::vec(any::<u8>(), 16..40),
        now in 1_000_000u64..10_000_000_000,
        window in 0u64..4,
        offset in -6i64..=6,
    ) {
        let totp = Totp::new(&Secret::from_bytes(key), Algorithm::Sha1, 6, 30).unwrap();
        let step = totp.step_at(now).unwrap();
        let target = step.checked_add_signed(offset).unwrap();
        let code = totp.generate_step(target).to_string();
        let verifier = Verifier::new(totp, window);
        match verifier.check(&code, now) {
            // A code may also collide with another step of the window (probability 1e-6 per step).
            Ok(matched) => prop_assert!(matched.abs_diff(step) <= window),
            Err(VerifyError::Mismatch) => prop_assert!(offset.unsigned_abs() > window),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
        if offset.unsigned_abs() <= window {
            prop_assert!(verifier.check(&code, now).is_ok());
        }
    }

    #[test]
    fn replay_law(
        key in prop::collection::vec(any::<u8>(), 16..40),
        now in 1_000_000u64..10_000_000_000,
        offsets in prop::collection::vec(-1i64..=1, 1..8),
    ) {
        let totp = Totp::new(&Secret::from_bytes(key), Algorithm::Sha256, 6, 30).unwrap();
        let step = totp.step_at(now).unwrap();
        let mut verifier = Verifier::new(totp.clone(), 1);
        let mut last: Option<u64> = None;
        for offset in offsets {
            let target = step.checked_add_signed(offset).unwrap();
            let result = verifier.verify(&totp.generate_step(target).to_string(), now);
            match last {
                Some(last_step) if target <= last_step => {
                    prop_assert!(result.is_err(), "step {target} accepted after {last_step}");
                }
                _ => {
                    let accepted = result.unwrap();
                    prop_assert!(last.is_none_or(|l| accepted > l));
                    last = Some(accepted);
                }
            }
            prop_assert_eq!(verifier.last_accepted(), last);
        }
    }
}
