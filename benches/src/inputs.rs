//! Inputs every contender of a benchmark is given, identical across crates.

use hwoath_otp::Algorithm;

/// The Unix time every code is computed at (an RFC 6238 Appendix B test time).
pub const TIME: u64 = 1_111_111_109;

/// The TOTP period in seconds.
pub const PERIOD: u64 = 30;

/// The digit counts benchmarked.
pub const DIGITS: [u8; 2] = [6, 8];

/// How many tokens the server-side scan checks one code against.
pub const SCAN_TOKENS: usize = 10_000;

/// The index of the scanned token whose code is submitted (so the scan has a real match to find).
pub const SCAN_MATCH: usize = 7_777;

/// Steps either side of the current one that Entra's activation accepts (one day of 30 s steps, two
/// days of 60 s steps): a wrong code costs `2 * ACTIVATION_WINDOW_STEPS + 1` codes.
pub const ACTIVATION_WINDOW_STEPS: u64 = 2_880;

/// Keep-alive connections of the mock benchmark, each with one request in flight at a time.
pub const MOCK_CONNECTIONS: usize = 32;

/// Tokens in the mock's inventory when a mock measurement starts.
pub const MOCK_INVENTORY: u64 = 1_000;

/// Inventory sizes (tokens already held) the mock's per-operation cost is measured at.
pub const SCALE_SIZES: [u64; 3] = [1_000, 10_000, 100_000];

/// How the mock keeps its inventory while measured at scale: in memory only, or also in its state
/// database (every change committed before it is answered).
pub const SCALE_MODES: [&str; 2] = ["memory", "durable"];

/// The operations measured at scale, one request each: read a token, create one, delete one, and
/// read one page of the listing.
pub const SCALE_OPERATIONS: [&str; 4] = ["get", "create", "delete", "page"];

/// Tokens per listing page (`$top`) of the `page` operation.
pub const SCALE_PAGE: usize = 100;

/// The most an operation at the largest size may cost, as a multiple of its cost at the smallest.
pub const SCALE_RATIO_TARGET: f64 = 1.5;

/// The most a durable create may cost at the largest size, in nanoseconds (2 ms).
pub const DURABLE_CREATE_TARGET_NS: f64 = 2_000_000.0;

/// The criterion id of operation `operation` in mode `mode` with `size` tokens in the inventory.
pub fn scale_id(mode: &str, operation: &str, size: u64) -> String {
    format!("mock_scale/{mode}/{operation}/{size}")
}

/// Rows of the vendor file the CSV import is measured with (the smaller size shows how it grows).
pub const IMPORT_SIZES: [usize; 2] = [1_000, 10_000];

/// Made-up users the imported tokens are dealt to, five tokens each at the largest size (Entra's most
/// per user).
pub const IMPORT_USERS: usize = 2_000;

/// Tokens per bulk (`#$delta`) body of the bulk variants.
pub const IMPORT_BULK: usize = 100;

/// Rows (or bulk bodies) an import has in progress at once: the importer's default.
pub const IMPORT_JOBS: usize = 4;

/// The CSV import's variants: the file check alone, then imports created one by one or in bulk
/// bodies, each without and with the fsync'd journal.
pub const IMPORT_VARIANTS: [&str; 5] = [
    "check",
    "one-by-one",
    "one-by-one-journal",
    "bulk-100",
    "bulk-100-journal",
];

/// The criterion id of CSV import variant `variant` with a file of `rows` rows.
pub fn import_id(variant: &str, rows: usize) -> String {
    format!("csv_import/{variant}/{rows}")
}

/// The RFC 6238 Appendix B seed for `algorithm` (20, 32 or 64 ASCII bytes).
pub fn rfc_key(algorithm: Algorithm) -> &'static [u8] {
    match algorithm {
        Algorithm::Sha1 => b"12345678901234567890",
        Algorithm::Sha256 => b"12345678901234567890123456789012",
        Algorithm::Sha512 => b"1234567890123456789012345678901234567890123456789012345678901234",
    }
}

/// A 20-byte key for token `index` of the scan, distinct per index (SplitMix64 output).
pub fn scan_key(index: usize) -> [u8; 20] {
    let mut state = (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut key = [0u8; 20];
    for chunk in key.chunks_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_be_bytes()[..chunk.len()]);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_keys_have_the_rfc_lengths() {
        assert_eq!(rfc_key(Algorithm::Sha1).len(), 20);
        assert_eq!(rfc_key(Algorithm::Sha256).len(), 32);
        assert_eq!(rfc_key(Algorithm::Sha512).len(), 64);
    }

    #[test]
    fn the_bulk_variants_are_named_after_their_body_size() {
        let bulk = format!("bulk-{IMPORT_BULK}");
        assert!(IMPORT_VARIANTS.contains(&bulk.as_str()));
        assert!(IMPORT_VARIANTS.contains(&format!("{bulk}-journal").as_str()));
        assert!(IMPORT_SIZES.iter().all(|&rows| rows <= 5 * IMPORT_USERS));
        assert_eq!(import_id("check", 10_000), "csv_import/check/10000");
    }

    #[test]
    fn scan_keys_are_distinct() {
        let keys: std::collections::HashSet<[u8; 20]> = (0..SCAN_TOKENS).map(scan_key).collect();
        assert_eq!(keys.len(), SCAN_TOKENS);
    }
}
