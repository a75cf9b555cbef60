//! The TOTP core against peer crates and the SHA floor: generate, verify (window ±1), one miss over the
//! whole activation window (±2880 steps), a server-side scan of 10,000 tokens, and two raw compressions
//! (the physical limit of one code).
//!
//! Every contender gets the same key bytes, time, period and digits, and its output is checked
//! against hwoath's once before anything is measured.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
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
            let expected = ours.generate_at(TIME).unwrap().to_string();
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

/// The final block of a hash over one already-compressed block plus `tail_len` bytes.
fn final_block<const BLOCK: usize>(tail_len: usize) -> [u8; BLOCK] {
    let mut block = [0u8; BLOCK];
    block[tail_len] = 0x80;
    let bits = ((BLOCK + tail_len) as u64 * 8).to_be_bytes();
    block[BLOCK - 8..].copy_from_slice(&bits);
    block
}

/// Two compressions, the second fed by the first (as HMAC's outer hash is by its inner one), and
/// nothing else: the least work one code can cost with precomputed pads.
fn floor(c: &mut Criterion) {
    let mut group = c.benchmark_group("floor");
    let inner_block = final_block::<64>(8);
    group.bench_function(BenchmarkId::new("two-compressions", "SHA1"), |b| {
        let outer_block = final_block::<64>(20);
        b.iter(|| {
            let mut inner = black_box([0x6745_2301u32, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 7]);
            sha1::block_api::compress(&mut inner, &[black_box(inner_block)]);
            let mut block = black_box(outer_block);
            for (chunk, word) in block.chunks_exact_mut(4).zip(&inner) {
                chunk.copy_from_slice(&word.to_be_bytes());
            }
            let mut outer = black_box([0xC3D2_E1F0u32, 1, 2, 3, 4]);
            sha1::block_api::compress(&mut outer, &[block]);
            outer
        })
    });
    group.bench_function(BenchmarkId::new("two-compressions", "SHA256"), |b| {
        let outer_block = final_block::<64>(32);
        b.iter(|| {
            let mut inner = black_box([0x6a09_e667u32, 1, 2, 3, 4, 5, 6, 7]);
            sha2::block_api::compress256(&mut inner, &[black_box(inner_block)]);
            let mut block = black_box(outer_block);
            for (chunk, word) in block.chunks_exact_mut(4).zip(&inner) {
                chunk.copy_from_slice(&word.to_be_bytes());
            }
            let mut outer = black_box([0xbb67_ae85u32, 1, 2, 3, 4, 5, 6, 7]);
            sha2::block_api::compress256(&mut outer, &[block]);
            outer
        })
    });
    group.bench_function(BenchmarkId::new("two-compressions", "SHA512"), |b| {
        let inner_block = final_block::<128>(8);
        let outer_block = final_block::<128>(64);
        b.iter(|| {
            let mut inner = black_box([0x6a09_e667_f3bc_c908u64, 1, 2, 3, 4, 5, 6, 7]);
            sha2::block_api::compress512(&mut inner, &[black_box(inner_block)]);
            let mut block = black_box(outer_block);
            for (chunk, word) in block.chunks_exact_mut(8).zip(&inner) {
                chunk.copy_from_slice(&word.to_be_bytes());
            }
            let mut outer = black_box([0xbb67_ae85_84ca_a73bu64, 1, 2, 3, 4, 5, 6, 7]);
            sha2::block_api::compress512(&mut outer, &[block]);
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
