//! HMAC with the key's pad states computed once, so every code costs exactly two compressions and no
//! allocation: the inner hash resumes from the ipad state with one block holding the counter, the outer
//! hash from the opad state with one block holding the inner digest (RFC 2104 over RFC 4226's 8-byte
//! counter message).

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
fn pads<const BLOCK: usize>(
    key: &[u8],
    hash: impl Fn(&[u8]) -> Vec<u8>,
) -> ([u8; BLOCK], [u8; BLOCK]) {
    let mut ipad = [0x36u8; BLOCK];
    let mut opad = [0x5cu8; BLOCK];
    let mut hashed = if key.len() > BLOCK {
        hash(key)
    } else {
        Vec::new()
    };
    let key = if hashed.is_empty() { key } else { &hashed };
    for (index, byte) in key.iter().enumerate() {
        ipad[index] ^= byte;
        opad[index] ^= byte;
    }
    hashed.zeroize();
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

/// Dynamic truncation (RFC 4226 §5.3): 31 bits from the offset named by the last nibble.
fn dynamic_truncate(digest: &[u8]) -> u32 {
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    u32::from_be_bytes([
        digest[offset],
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]) & 0x7fff_ffff
}

/// Finishes a 64-byte-block hash (SHA-1 or SHA-256) of `prefix_len` already-compressed bytes plus `tail`.
fn final_block_64(tail: &[u8], prefix_len: u64) -> [u8; 64] {
    let mut block = [0u8; 64];
    block[..tail.len()].copy_from_slice(tail);
    block[tail.len()] = 0x80;
    block[56..].copy_from_slice(&((prefix_len + tail.len() as u64) * 8).to_be_bytes());
    block
}

/// Finishes a 128-byte-block hash (SHA-512) of `prefix_len` already-compressed bytes plus `tail`.
fn final_block_128(tail: &[u8], prefix_len: u64) -> [u8; 128] {
    let mut block = [0u8; 128];
    block[..tail.len()].copy_from_slice(tail);
    block[tail.len()] = 0x80;
    block[120..].copy_from_slice(&((prefix_len + tail.len() as u64) * 8).to_be_bytes());
    block
}

fn words_to_bytes_32<const N: usize, const B: usize>(words: &[u32; N]) -> [u8; B] {
    let mut bytes = [0u8; B];
    for (chunk, word) in bytes.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    bytes
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
        let message = counter.to_be_bytes();
        match self {
            KeyedMac::Sha1 { inner, outer } => {
                let mut state = *inner;
                sha1_compress(&mut state, &[final_block_64(&message, 64)]);
                let digest: [u8; 20] = words_to_bytes_32(&state);
                let mut state = *outer;
                sha1_compress(&mut state, &[final_block_64(&digest, 64)]);
                dynamic_truncate(&words_to_bytes_32::<5, 20>(&state))
            }
            KeyedMac::Sha256 { inner, outer } => {
                let mut state = *inner;
                sha256_compress(&mut state, &[final_block_64(&message, 64)]);
                let digest: [u8; 32] = words_to_bytes_32(&state);
                let mut state = *outer;
                sha256_compress(&mut state, &[final_block_64(&digest, 64)]);
                dynamic_truncate(&words_to_bytes_32::<8, 32>(&state))
            }
            KeyedMac::Sha512 { inner, outer } => {
                let mut state = *inner;
                sha2::block_api::compress512(&mut state, &[final_block_128(&message, 128)]);
                let mut digest = [0u8; 64];
                for (chunk, word) in digest.chunks_exact_mut(8).zip(&state) {
                    chunk.copy_from_slice(&word.to_be_bytes());
                }
                let mut state = *outer;
                sha2::block_api::compress512(&mut state, &[final_block_128(&digest, 128)]);
                for (chunk, word) in digest.chunks_exact_mut(8).zip(&state) {
                    chunk.copy_from_slice(&word.to_be_bytes());
                }
                dynamic_truncate(&digest)
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
