//! Every published RFC 4226 and RFC 6238 value, read from the data files in `vectors/`.

use std::path::PathBuf;

use hwoath_otp::{Algorithm, Hotp, Secret, Totp};
use serde::Deserialize;

fn vector_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../vectors")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[derive(Deserialize)]
struct Seed {
    ascii: String,
    hex: String,
    base32: String,
}

impl Seed {
    /// The three encodings of a seed must name the same key.
    fn secret(&self) -> Secret {
        let from_ascii = Secret::from_bytes(self.ascii.as_bytes().to_vec());
        assert_eq!(Secret::from_hex(&self.hex).unwrap(), from_ascii);
        assert_eq!(Secret::from_base32(&self.base32).unwrap(), from_ascii);
        from_ascii
    }
}

#[derive(Deserialize)]
struct Rfc4226 {
    secret: Seed,
    digits: u8,
    vectors: Vec<HotpVector>,
}

#[derive(Deserialize)]
struct HotpVector {
    counter: u64,
    code: String,
}

#[derive(Deserialize)]
struct Rfc6238 {
    t0: u64,
    period: u64,
    digits: u8,
    seeds: std::collections::BTreeMap<String, Seed>,
    vectors: Vec<TotpVector>,
    wrong_seed_bug: WrongSeedBug,
}

#[derive(Deserialize)]
struct TotpVector {
    time: u64,
    step: String,
    algorithm: String,
    code: String,
}

#[derive(Deserialize)]
struct WrongSeedBug {
    time: u64,
    codes: std::collections::BTreeMap<String, String>,
}

#[test]
fn rfc4226_appendix_d() {
    let file: Rfc4226 = serde_json::from_str(&vector_file("rfc4226.json")).unwrap();
    let hotp = Hotp::new(&file.secret.secret(), Algorithm::Sha1, file.digits).unwrap();
    assert_eq!(file.vectors.len(), 10);
    for vector in &file.vectors {
        assert_eq!(
            hotp.generate(vector.counter).to_string(),
            vector.code,
            "counter {}",
            vector.counter
        );
    }
}

#[test]
fn rfc6238_appendix_b() {
    let file: Rfc6238 = serde_json::from_str(&vector_file("rfc6238.json")).unwrap();
    assert_eq!(file.vectors.len(), 18);
    for vector in &file.vectors {
        let algorithm: Algorithm = vector.algorithm.parse().unwrap();
        let totp = Totp::new(
            &file.seeds[&vector.algorithm].secret(),
            algorithm,
            file.digits,
            file.period,
        )
        .unwrap()
        .with_t0(file.t0);
        let step = totp.step_at(vector.time).unwrap();
        assert_eq!(format!("{step:016X}"), vector.step, "T={}", vector.time);
        assert_eq!(
            totp.generate_at(vector.time).unwrap().to_string(),
            vector.code,
            "T={} {algorithm}",
            vector.time
        );
        // Graph replays the last six digits of the same computation.
        let six = Totp::new(
            &file.seeds[&vector.algorithm].secret(),
            algorithm,
            6,
            file.period,
        )
        .unwrap();
        assert_eq!(
            six.generate_at(vector.time).unwrap().to_string(),
            vector.code[2..]
        );
    }
}

#[test]
fn the_wrong_seed_bug_is_not_ours() {
    let file: Rfc6238 = serde_json::from_str(&vector_file("rfc6238.json")).unwrap();
    let twenty_bytes = file.seeds["SHA1"].secret();
    for (name, buggy_code) in &file.wrong_seed_bug.codes {
        let algorithm: Algorithm = name.parse().unwrap();
        let with_wrong_seed = Totp::new(&twenty_bytes, algorithm, 8, 30).unwrap();
        assert_eq!(
            &with_wrong_seed
                .generate_at(file.wrong_seed_bug.time)
                .unwrap()
                .to_string(),
            buggy_code
        );
        let with_right_seed = Totp::new(&file.seeds[name].secret(), algorithm, 8, 30).unwrap();
        assert_ne!(
            &with_right_seed
                .generate_at(file.wrong_seed_bug.time)
                .unwrap()
                .to_string(),
            buggy_code
        );
    }
}
