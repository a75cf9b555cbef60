//! HMAC with the key's pad states computed once, so every code costs exactly two compressions and no
//! allocation: the inner hash resumes from the ipad state with one block holding the counter, the outer
//! hash from the opad state with one block holding the inner digest (RFC 2104 over RFC 4226's 8-byte
//! counter message).
//!
//! Why not RustCrypto's `hmac` core (a pre-keyed `Hmac<D>` cloned per code)? Our bar: build on it
//! if it comes within 5 % of this code for every algorithm. It does not. The `hmac-clone` contender
//! of `benches/benches/totp.rs` (`cargo bench -p hwoath-benches --bench totp -- generate`) measured
//! `hmac-clone / keyed` for 6-digit codes at 1.21x for SHA-1 (89.3 vs 73.6 ns), 1.11x for SHA-256
//! (98.4 vs 88.7 ns) and 1.07x for SHA-512 (291.1 vs 271.3 ns) in one quiet criterion run, and at
//! 1.23x / 1.18x / 1.07x as the minimum of 400 interleaved timings; runs on a busy machine moved the
//! figures but never brought SHA-1 or SHA-256 within 5 %. The same two compressions run either way;
//! what the clone adds is the rest: copying both hash cores and the block buffer per code, the
//! generic buffered finalization (the counter copied into the buffer, padding and the bit length
//! written into it, then read back as a block), the inner digest serialized to bytes and fed through
//! the buffer again for the outer hash, and truncation over digest bytes. Here the states are 20 to
//! 64 bytes, each block is built from words in one pass with its padding and length constant, and the
//! digest stays in words through the truncation.

use sha1::Digest;
use zeroize::Zeroize;

use crate::Algorithm;

const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];
const SHA512_IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

/// The HMAC ipad/opad compression states of one key, for one hash function.
#[derive(Clone)]
pub(crate) enum KeyedMac {
    /// HMAC-SHA-1 states.
    Sha1 { inner: [u32; 5], outer: [u32; 5] },
    /// HMAC-SHA-256 states.
    Sha256 { inner: [u32; 8], outer: [u32; 8] },
    /// HMAC-SHA-512 states.
    Sha512 { inner: [u64; 8], outer: [u64; 8] },
}

/// XORs a key (hashed first when longer than the block, RFC 2104 §2) into the two pad blocks.
///
/// The pads are computed over whole blocks from a zero-padded copy of the key, so the hash reads
/// them back from whole vector stores rather than from byte stores (a store-forwarding stall).
fn pads<const BLOCK: usize>(
    key: &[u8],
    hash: impl Fn(&[u8]) -> Vec<u8>,
) -> ([u8; BLOCK], [u8; BLOCK]) {
    let mut padded = [0u8; BLOCK];
    if key.len() > BLOCK {
        let mut hashed = hash(key);
        padded[..hashed.len()].copy_from_slice(&hashed);
        hashed.zeroize();
    } else {
        padded[..key.len()].copy_from_slice(key);
    }
    let ipad = padded.map(|byte| byte ^ 0x36);
    let opad = padded.map(|byte| byte ^ 0x5c);
    padded.zeroize();
    (ipad, opad)
}

fn state_from_block_32<const N: usize>(
    iv: [u32; N],
    block: &[u8; 64],
    compress: fn(&mut [u32; N], &[[u8; 64]]),
) -> [u32; N] {
    let mut state = iv;
    compress(&mut state, std::slice::from_ref(block));
    state
}

fn sha1_compress(state: &mut [u32; 5], blocks: &[[u8; 64]]) {
    sha1::block_api::compress(state, blocks);
}

fn sha256_compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
    sha2::block_api::compress256(state, blocks);
}

/// The last block of a SHA-1/SHA-256 hash over one compressed block plus `tail_len` bytes (a multiple
/// of 4), as big-endian words: zeros where the tail goes, the 0x80 terminator, the bit length.
const fn last_block_32(tail_len: usize) -> [u32; 16] {
    let mut words = [0u32; 16];
    words[tail_len / 4] = 0x8000_0000;
    words[15] = ((64 + tail_len) * 8) as u32;
    words
}

/// The last block of a SHA-512 hash over one compressed block plus `tail_len` bytes (a multiple of 8).
const fn last_block_64(tail_len: usize) -> [u64; 16] {
    let mut words = [0u64; 16];
    words[tail_len / 8] = 0x8000_0000_0000_0000;
    words[15] = ((128 + tail_len) * 8) as u64;
    words
}

/// The inner hash's last block for SHA-1 and SHA-256: the counter goes in its first two words.
const INNER_64: [u32; 16] = last_block_32(8);
/// The outer hash's last block for SHA-1: the inner digest goes in its first 5 words.
const OUTER_SHA1: [u32; 16] = last_block_32(20);
/// The outer hash's last block for SHA-256: the inner digest goes in its first 8 words.
const OUTER_SHA256: [u32; 16] = last_block_32(32);
/// The inner hash's last block for SHA-512: the counter goes in its first word.
const INNER_128: [u64; 16] = last_block_64(8);
/// The outer hash's last block for SHA-512: the inner digest goes in its first 8 words.
const OUTER_SHA512: [u64; 16] = last_block_64(64);

/// The bytes of `template` with `prefix` written over its first words.
///
/// Every word of the block is written here, in one pass, so the hash reads it back as whole vector
/// stores (a block patched into a byte template costs a store-forwarding stall per compression).
#[inline(always)]
fn block_32(mut template: [u32; 16], prefix: &[u32]) -> [u8; 64] {
    template[..prefix.len()].copy_from_slice(prefix);
    let mut block = [0u8; 64];
    for (chunk, word) in block.chunks_exact_mut(4).zip(template) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    block
}

/// The bytes of `template` with `prefix` written over its first words (see [`block_32`]).
#[inline(always)]
fn block_64(mut template: [u64; 16], prefix: &[u64]) -> [u8; 128] {
    template[..prefix.len()].copy_from_slice(prefix);
    let mut block = [0u8; 128];
    for (chunk, word) in block.chunks_exact_mut(8).zip(template) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    block
}

/// RFC 4226's message, the 8-byte big-endian counter, as two big-endian words.
#[inline(always)]
fn counter_words(counter: u64) -> [u32; 2] {
    [(counter >> 32) as u32, counter as u32]
}

/// Dynamic truncation (RFC 4226 §5.3) of a digest held as big-endian 32-bit words: the 31 bits at the
/// byte offset named by the digest's last nibble, read from the words without spilling them to bytes.
#[inline(always)]
fn truncate_words_32(words: &[u32]) -> u32 {
    let offset = (words[words.len() - 1] & 0x0f) as usize;
    let pair = (u64::from(words[offset / 4]) << 32) | u64::from(words[offset / 4 + 1]);
    ((pair << ((offset % 4) * 8)) >> 32) as u32 & 0x7fff_ffff
}

/// Dynamic truncation (RFC 4226 §5.3) of a digest held as big-endian 64-bit words.
#[inline(always)]
fn truncate_words_64(words: &[u64]) -> u32 {
    let offset = (words[words.len() - 1] & 0x0f) as usize;
    let pair = (u128::from(words[offset / 8]) << 64) | u128::from(words[offset / 8 + 1]);
    ((pair << ((offset % 8) * 8)) >> 96) as u32 & 0x7fff_ffff
}

impl KeyedMac {
    /// Computes the pad states of `key` for `algorithm`.
    pub(crate) fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        match algorithm {
            Algorithm::Sha1 => {
                let (mut ipad, mut opad) = pads::<64>(key, |k| sha1::Sha1::digest(k).to_vec());
                let keyed = KeyedMac::Sha1 {
                    inner: state_from_block_32(SHA1_IV, &ipad, sha1_compress),
                    outer: state_from_block_32(SHA1_IV, &opad, sha1_compress),
                };
                ipad.zeroize();
                opad.zeroize();
                keyed
            }
            Algorithm::Sha256 => {
                let (mut ipad, mut opad) = pads::<64>(key, |k| sha2::Sha256::digest(k).to_vec());
                let keyed = KeyedMac::Sha256 {
                    inner: state_from_block_32(SHA256_IV, &ipad, sha256_compress),
                    outer: state_from_block_32(SHA256_IV, &opad, sha256_compress),
                };
                ipad.zeroize();
                opad.zeroize();
                keyed
            }
            Algorithm::Sha512 => {
                let (mut ipad, mut opad) = pads::<128>(key, |k| sha2::Sha512::digest(k).to_vec());
                let (mut inner, mut outer) = (SHA512_IV, SHA512_IV);
                sha2::block_api::compress512(&mut inner, std::slice::from_ref(&ipad));
                sha2::block_api::compress512(&mut outer, std::slice::from_ref(&opad));
                ipad.zeroize();
                opad.zeroize();
                KeyedMac::Sha512 { inner, outer }
            }
        }
    }

    /// HMAC of the 8-byte big-endian counter, dynamically truncated to 31 bits (RFC 4226 §5.3).
    #[inline]
    pub(crate) fn truncated(&self, counter: u64) -> u32 {
        match self {
            KeyedMac::Sha1 { inner, outer } => {
                let mut inner = *inner;
                sha1_compress(&mut inner, &[block_32(INNER_64, &counter_words(counter))]);
                let mut outer = *outer;
                sha1_compress(&mut outer, &[block_32(OUTER_SHA1, &inner)]);
                truncate_words_32(&outer)
            }
            KeyedMac::Sha256 { inner, outer } => {
                let mut inner = *inner;
                sha256_compress(&mut inner, &[block_32(INNER_64, &counter_words(counter))]);
                let mut outer = *outer;
                sha256_compress(&mut outer, &[block_32(OUTER_SHA256, &inner)]);
                truncate_words_32(&outer)
            }
            KeyedMac::Sha512 { inner, outer } => {
                let mut inner = *inner;
                sha2::block_api::compress512(&mut inner, &[block_64(INNER_128, &[counter])]);
                let mut outer = *outer;
                sha2::block_api::compress512(&mut outer, &[block_64(OUTER_SHA512, &inner)]);
                truncate_words_64(&outer)
            }
        }
    }
}

impl Drop for KeyedMac {
    fn drop(&mut self) {
        match self {
            KeyedMac::Sha1 { inner, outer } => {
                inner.zeroize();
                outer.zeroize();
            }
            KeyedMac::Sha256 { inner, outer } => {
                inner.zeroize();
                outer.zeroize();
            }
            KeyedMac::Sha512 { inner, outer } => {
                inner.zeroize();
                outer.zeroize();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use hmac::{KeyInit, Mac};

    use super::*;

    /// Dynamic truncation (RFC 4226 §5.3) over digest bytes, as the RFC writes it.
    fn dynamic_truncate(digest: &[u8]) -> u32 {
        let offset = usize::from(digest[digest.len() - 1] & 0x0f);
        u32::from_be_bytes([
            digest[offset],
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]) & 0x7fff_ffff
    }

    fn reference(algorithm: Algorithm, key: &[u8], counter: u64) -> u32 {
        let digest = match algorithm {
            Algorithm::Sha1 => {
                let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
                mac.update(&counter.to_be_bytes());
                mac.finalize().into_bytes().to_vec()
            }
            Algorithm::Sha256 => {
                let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
                mac.update(&counter.to_be_bytes());
                mac.finalize().into_bytes().to_vec()
            }
            Algorithm::Sha512 => {
                let mut mac = hmac::Hmac::<sha2::Sha512>::new_from_slice(key).unwrap();
                mac.update(&counter.to_be_bytes());
                mac.finalize().into_bytes().to_vec()
            }
        };
        dynamic_truncate(&digest)
    }

    #[test]
    fn word_truncation_matches_byte_truncation_at_every_offset() {
        for offset in 0..16u32 {
            let words32: [u32; 8] =
                std::array::from_fn(|i| 0x9E37_79B9u32.wrapping_mul(i as u32 + 1) ^ offset);
            for len in [5usize, 8] {
                let mut words = words32[..len].to_vec();
                words[len - 1] = (words[len - 1] & !0x0f) | offset;
                let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
                assert_eq!(
                    truncate_words_32(&words),
                    dynamic_truncate(&bytes),
                    "offset {offset}"
                );
            }
            let mut words64: [u64; 8] =
                std::array::from_fn(|i| 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1));
            words64[7] = (words64[7] & !0x0f) | u64::from(offset);
            let bytes: Vec<u8> = words64.iter().flat_map(|w| w.to_be_bytes()).collect();
            assert_eq!(
                truncate_words_64(&words64),
                dynamic_truncate(&bytes),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn matches_hmac_for_short_block_sized_and_long_keys() {
        for algorithm in Algorithm::ALL {
            for key_len in [1usize, 20, 63, 64, 65, 127, 128, 129, 300] {
                let key: Vec<u8> = (0..key_len).map(|i| (i * 7 + 3) as u8).collect();
                let keyed = KeyedMac::new(algorithm, &key);
                for counter in [0u64, 1, 0x0000_0000_27BC_86AA, u64::MAX] {
                    assert_eq!(
                        keyed.truncated(counter),
                        reference(algorithm, &key, counter),
                        "{algorithm} key of {key_len} bytes, counter {counter}"
                    );
                }
            }
        }
    }
}
