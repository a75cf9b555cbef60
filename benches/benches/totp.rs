//! The TOTP core against peer crates, a pre-keyed RustCrypto `Hmac` cloned per code, and the SHA
//! floor: generate, verify (window ±1), one miss over the whole activation window (±2880 steps), a
//! server-side scan of 10,000 tokens, and two raw compressions (the physical limit of one code).
//!
//! Every contender gets the same key bytes, time, period and digits, and its output is checked
//! against hwoath's once before anything is measured.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use hwoath_benches::inputs::{
    ACTIVATION_WINDOW_STEPS, DIGITS, PERIOD, SCAN_MATCH, SCAN_TOKENS, TIME, rfc_key, scan_key,
};
use hwoath_otp::{Algorithm, Secret, Totp, Verifier};

fn peer_algorithm(algorithm: Algorithm) -> totp_rs::Algorithm {
    match algorithm {
        Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
        Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
        Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
    }
}

/// A totp-rs generator with the same key, digits and period, checking ±`skew` steps.
fn totp_rs(algorithm: Algorithm, key: &[u8], digits: u8, skew: u16) -> totp_rs::Totp {
    totp_rs::Builder::new()
        .with_algorithm(peer_algorithm(algorithm))
        .with_digits(digits)
        .with_skew(skew)
        .with_step_duration(PERIOD)
        .with_secret(key.to_vec())
        .build_noncompliant()
}

fn totp_lite(algorithm: Algorithm, key: &[u8], digits: u8, time: u64) -> String {
    let digits = u32::from(digits);
    match algorithm {
        Algorithm::Sha1 => totp_lite::totp_custom::<totp_lite::Sha1>(PERIOD, digits, key, time),
        Algorithm::Sha256 => totp_lite::totp_custom::<totp_lite::Sha256>(PERIOD, digits, key, time),
        Algorithm::Sha512 => totp_lite::totp_custom::<totp_lite::Sha512>(PERIOD, digits, key, time),
    }
}

/// RustCrypto's `Hmac<D>` keyed once (its ipad/opad states computed by `new_from_slice`), cloned per
/// code: what `harness/otp/src/keyed.rs` would be if it were built on `hmac`'s core.
#[derive(Clone)]
enum HmacClone {
    Sha1(Hmac<sha1::Sha1>),
    Sha256(Hmac<sha2::Sha256>),
    Sha512(Hmac<sha2::Sha512>),
}

impl HmacClone {
    fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        match algorithm {
            Algorithm::Sha1 => Self::Sha1(Hmac::new_from_slice(key).unwrap()),
            Algorithm::Sha256 => Self::Sha256(Hmac::new_from_slice(key).unwrap()),
            Algorithm::Sha512 => Self::Sha512(Hmac::new_from_slice(key).unwrap()),
        }
    }

    /// The code of `digits` digits at Unix time `time` (RFC 6238 over RFC 4226 §5.3's truncation).
    #[inline]
    fn generate_at(&self, time: u64, digits: u8) -> u32 {
        let counter = (time / PERIOD).to_be_bytes();
        let truncated = match self {
            Self::Sha1(keyed) => {
                truncate(&keyed.clone().chain_update(counter).finalize().into_bytes())
            }
            Self::Sha256(keyed) => {
                truncate(&keyed.clone().chain_update(counter).finalize().into_bytes())
            }
            Self::Sha512(keyed) => {
                truncate(&keyed.clone().chain_update(counter).finalize().into_bytes())
            }
        };
        truncated % 10u32.pow(u32::from(digits))
    }
}

/// Dynamic truncation (RFC 4226 §5.3) of a digest's bytes.
#[inline(always)]
fn truncate(digest: &[u8]) -> u32 {
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let word: [u8; 4] = digest[offset..offset + 4].try_into().unwrap();
    u32::from_be_bytes(word) & 0x7fff_ffff
}

fn hwoath(algorithm: Algorithm, key: &[u8], digits: u8) -> Totp {
    Totp::new(&Secret::from_bytes(key.to_vec()), algorithm, digits, PERIOD).unwrap()
}

fn label(algorithm: Algorithm, digits: u8) -> String {
    format!("{}-{digits}", algorithm.uri_name())
}

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    for algorithm in Algorithm::ALL {
        let key = rfc_key(algorithm);
        let secret = Secret::from_bytes(key.to_vec());
        for digits in DIGITS {
            let ours = hwoath(algorithm, key, digits);
            let peer = totp_rs(algorithm, key, digits, 1);
            let cloned = HmacClone::new(algorithm, key);
            let expected = ours.generate_at(TIME).unwrap().to_string();
            assert_eq!(
                cloned.generate_at(TIME, digits),
                ours.generate_at(TIME).unwrap().value(),
                "hmac-clone disagrees"
            );
            assert_eq!(
                peer.generate(TIME).to_string(),
                expected,
                "totp-rs disagrees"
            );
            assert_eq!(
                totp_lite(algorithm, key, digits, TIME),
                expected,
                "totp-lite disagrees"
            );
            let id = label(algorithm, digits);

            group.bench_function(BenchmarkId::new("hwoath-from-secret", &id), |b| {
                b.iter(|| {
                    Totp::new(black_box(&secret), algorithm, digits, PERIOD)
                        .unwrap()
                        .generate_at(black_box(TIME))
                        .unwrap()
                })
            });
            group.bench_function(BenchmarkId::new("hwoath-keyed", &id), |b| {
                b.iter(|| black_box(&ours).generate_at(black_box(TIME)).unwrap())
            });
            group.bench_function(BenchmarkId::new("hmac-clone", &id), |b| {
                b.iter(|| black_box(&cloned).generate_at(black_box(TIME), digits))
            });
            group.bench_function(BenchmarkId::new("totp-rs", &id), |b| {
                b.iter(|| black_box(&peer).generate(black_box(TIME)))
            });
            group.bench_function(BenchmarkId::new("totp-lite", &id), |b| {
                b.iter(|| totp_lite(algorithm, black_box(key), digits, black_box(TIME)))
            });
        }
    }
    group.finish();
}

/// A code of `digits` digits that no step of the ±`window` steps around [`TIME`] produces.
fn wrong_code(ours: &Totp, digits: u8, window: u64) -> String {
    let step = ours.step_at(TIME).unwrap();
    let taken: std::collections::HashSet<u32> = (step - window..=step + window)
        .map(|s| ours.generate_step(s).value())
        .collect();
    let modulus = 10u32.pow(u32::from(digits));
    let current = ours.generate_step(step).value();
    let wrong = (1..)
        .map(|delta| (current + delta) % modulus)
        .find(|candidate| !taken.contains(candidate))
        .unwrap();
    format!("{wrong:0width$}", width = usize::from(digits))
}

fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    let digits = 6;
    for algorithm in Algorithm::ALL {
        let key = rfc_key(algorithm);
        let ours = hwoath(algorithm, key, digits);
        let step = ours.step_at(TIME).unwrap();
        let verifier = Verifier::new(ours.clone(), 1);
        let peer = totp_rs(algorithm, key, digits, 1);
        let current = ours.generate_step(step).to_string();
        let wrong = wrong_code(&ours, digits, 1);
        assert_eq!(verifier.check(&current, TIME), Ok(step));
        assert_eq!(peer.check(&current, TIME), Some(step), "totp-rs disagrees");
        assert!(verifier.check(&wrong, TIME).is_err());
        assert_eq!(peer.check(&wrong, TIME), None, "totp-rs disagrees");

        for (case, code) in [("current", &current), ("wrong", &wrong)] {
            let id = format!("{}/{case}", label(algorithm, digits));
            group.bench_function(BenchmarkId::new("hwoath", &id), |b| {
                b.iter(|| black_box(&verifier).check(black_box(code), black_box(TIME)))
            });
            group.bench_function(BenchmarkId::new("totp-rs", &id), |b| {
                b.iter(|| black_box(&peer).check(black_box(code), black_box(TIME)))
            });
        }
    }
    group.finish();
}

/// One activation attempt with a code no step of the ±2880-step window has: the whole window is
/// scanned (5761 codes). Entra's activation accepts that window (one day of 30 s steps), so this is
/// what a wrong activation code costs a faithful server.
fn window_miss(c: &mut Criterion) {
    let mut group = c.benchmark_group("window-miss");
    let digits = 6;
    let skew = u16::try_from(ACTIVATION_WINDOW_STEPS).unwrap();
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256] {
        let key = rfc_key(algorithm);
        let ours = hwoath(algorithm, key, digits);
        let verifier = Verifier::new(ours.clone(), ACTIVATION_WINDOW_STEPS);
        let peer = totp_rs(algorithm, key, digits, skew);
        let wrong = wrong_code(&ours, digits, ACTIVATION_WINDOW_STEPS);
        assert!(verifier.check(&wrong, TIME).is_err());
        assert_eq!(peer.check(&wrong, TIME), None, "totp-rs disagrees");
        let edge = ours.step_at(TIME).unwrap() - ACTIVATION_WINDOW_STEPS;
        let oldest = ours.generate_step(edge).to_string();
        assert!(
            verifier.check(&oldest, TIME).is_ok(),
            "the window's edge is inside"
        );

        let id = label(algorithm, digits);
        group.bench_function(BenchmarkId::new("hwoath", &id), |b| {
            b.iter(|| black_box(&verifier).check(black_box(&wrong), black_box(TIME)))
        });
        group.bench_function(BenchmarkId::new("totp-rs", &id), |b| {
            b.iter(|| black_box(&peer).check(black_box(&wrong), black_box(TIME)))
        });
    }
    group.finish();
}

fn scan(c: &mut Criterion) {
    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Elements(SCAN_TOKENS as u64));
    let keys: Vec<[u8; 20]> = (0..SCAN_TOKENS).map(scan_key).collect();
    let ours: Vec<Totp> = keys
        .iter()
        .map(|key| hwoath(Algorithm::Sha1, key, 6))
        .collect();
    let peers: Vec<totp_rs::Totp> = keys
        .iter()
        .map(|key| totp_rs(Algorithm::Sha1, key, 6, 0))
        .collect();
    let submitted = ours[SCAN_MATCH].generate_at(TIME).unwrap().value();
    let submitted_peer = peers[SCAN_MATCH].generate(TIME);
    let ours_found: Vec<usize> = (0..SCAN_TOKENS)
        .filter(|&i| ours[i].generate_at(TIME).unwrap().value() == submitted)
        .collect();
    let peers_found: Vec<usize> = (0..SCAN_TOKENS)
        .filter(|&i| peers[i].generate(TIME) == submitted_peer)
        .collect();
    assert!(ours_found.contains(&SCAN_MATCH));
    assert_eq!(ours_found, peers_found, "totp-rs disagrees");

    let id = format!("{SCAN_TOKENS}-tokens/SHA1-6");
    group.bench_function(BenchmarkId::new("hwoath-keyed", &id), |b| {
        b.iter(|| {
            black_box(&ours)
                .iter()
                .filter(|totp| totp.generate_at(black_box(TIME)).unwrap().value() == submitted)
                .count()
        })
    });
    group.bench_function(BenchmarkId::new("totp-rs", &id), |b| {
        b.iter(|| {
            black_box(&peers)
                .iter()
                .filter(|totp| totp.generate(black_box(TIME)) == submitted_peer)
                .count()
        })
    });
    group.finish();
}

/// The last block of a hash over one already-compressed block plus `tail_len` bytes, as big-endian
/// words of `WORD` bytes: zeros where the tail goes, the 0x80 terminator, the bit length.
fn final_words<const WORD: usize>(tail_len: usize) -> [u64; 16] {
    let mut words = [0u64; 16];
    words[tail_len / WORD] = 1 << (WORD * 8 - 1);
    words[15] = ((16 * WORD + tail_len) * 8) as u64;
    words
}

/// `words` as the bytes of one block, each word big-endian (`be`), every byte written in one pass so
/// the compression reads the block back from whole stores, as the keyed generator builds its blocks.
#[inline(always)]
fn block_of<const BLOCK: usize, const WORD: usize, W: Copy>(
    words: [W; 16],
    be: fn(W) -> [u8; WORD],
) -> [u8; BLOCK] {
    let mut block = [0u8; BLOCK];
    for (chunk, word) in block.chunks_exact_mut(WORD).zip(words) {
        chunk.copy_from_slice(&be(word));
    }
    block
}

/// Two compressions, the second fed by the first (as HMAC's outer hash is by its inner one), and
/// nothing else: the least work one code can cost with precomputed pads.
///
/// Only the step and the two starting states pass through `black_box`, as they come from the keyed
/// generator, and each block is built from words in one pass, as the generator builds it: no block is
/// copied through `black_box` or patched byte by byte. SHA-512's keyed generator costs its two
/// compressions and nothing measurable besides, so it measures at this floor, on either side of it
/// by the spread of a run (`bench-report` allows for that spread and refuses anything further below).
fn floor(c: &mut Criterion) {
    let mut group = c.benchmark_group("floor");
    let step = TIME / PERIOD;
    group.bench_function(BenchmarkId::new("two-compressions", "SHA1"), |b| {
        let (inner_tail, outer_tail) = (final_words::<4>(8), final_words::<4>(20));
        let (inner_tail, outer_tail) = (inner_tail.map(|w| w as u32), outer_tail.map(|w| w as u32));
        b.iter(|| {
            let counter = black_box(step);
            let mut words = inner_tail;
            words[..2].copy_from_slice(&[(counter >> 32) as u32, counter as u32]);
            let mut inner = black_box([0x6745_2301u32, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 7]);
            sha1::block_api::compress(&mut inner, &[block_of(words, u32::to_be_bytes)]);
            let mut words = outer_tail;
            words[..5].copy_from_slice(&inner);
            let mut outer = black_box([0xC3D2_E1F0u32, 1, 2, 3, 4]);
            sha1::block_api::compress(&mut outer, &[block_of(words, u32::to_be_bytes)]);
            outer
        })
    });
    group.bench_function(BenchmarkId::new("two-compressions", "SHA256"), |b| {
        let (inner_tail, outer_tail) = (final_words::<4>(8), final_words::<4>(32));
        let (inner_tail, outer_tail) = (inner_tail.map(|w| w as u32), outer_tail.map(|w| w as u32));
        b.iter(|| {
            let counter = black_box(step);
            let mut words = inner_tail;
            words[..2].copy_from_slice(&[(counter >> 32) as u32, counter as u32]);
            let mut inner = black_box([0x6a09_e667u32, 1, 2, 3, 4, 5, 6, 7]);
            sha2::block_api::compress256(&mut inner, &[block_of(words, u32::to_be_bytes)]);
            let mut words = outer_tail;
            words[..8].copy_from_slice(&inner);
            let mut outer = black_box([0xbb67_ae85u32, 1, 2, 3, 4, 5, 6, 7]);
            sha2::block_api::compress256(&mut outer, &[block_of(words, u32::to_be_bytes)]);
            outer
        })
    });
    group.bench_function(BenchmarkId::new("two-compressions", "SHA512"), |b| {
        let (inner_tail, outer_tail) = (final_words::<8>(8), final_words::<8>(64));
        b.iter(|| {
            let mut words = inner_tail;
            words[0] = black_box(step);
            let mut inner = black_box([0x6a09_e667_f3bc_c908u64, 1, 2, 3, 4, 5, 6, 7]);
            sha2::block_api::compress512(&mut inner, &[block_of(words, u64::to_be_bytes)]);
            let mut words = outer_tail;
            words[..8].copy_from_slice(&inner);
            let mut outer = black_box([0xbb67_ae85_84ca_a73bu64, 1, 2, 3, 4, 5, 6, 7]);
            sha2::block_api::compress512(&mut outer, &[block_of(words, u64::to_be_bytes)]);
            outer
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = generate, verify, window_miss, scan, floor
}
criterion_main!(benches);
