//! Vendor-style token files made up on demand (for tests, benchmarks and trying the import out):
//! distinct serials, distinct 32-character Base32 seeds, and up to five tokens per user.

use std::fmt::Write;

use hwoath_graph::CsvRow;

/// Base32's alphabet (RFC 4648).
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The UPN of the `index`th made-up user (from 0): `user{index}@{domain}`.
pub fn upn(index: usize, domain: &str) -> String {
    format!("user{index}@{domain}")
}

/// The object id of the `index`th made-up user (from 0): a GUID ending in the index.
pub fn user_id(index: usize) -> String {
    format!("00000000-0000-4000-8000-{index:012x}")
}

/// A 32-character Base32 seed (160 bits) unique to `index` and `salt`.
pub fn seed(index: usize, salt: u64) -> String {
    // SplitMix64 over (salt, index): well spread, and the same on every machine.
    let mut state = salt ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..32)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            BASE32[((z ^ (z >> 31)) % 32) as usize] as char
        })
        .collect()
}

/// A file of `rows` tokens in Entra's format (LF line ends, no BOM): serials `{prefix}000001`, ...;
/// tokens dealt to `users` made-up users of `domain` in turn (`rows <= 5 * users` keeps every user
/// within Entra's five methods); every third token has a 60-second interval.
pub fn vendor_file(rows: usize, users: usize, domain: &str, prefix: &str, salt: u64) -> String {
    let mut text = CsvRow::HEADER.join(",");
    text.push('\n');
    for index in 0..rows {
        let interval = if index % 3 == 2 { 60 } else { 30 };
        let _ = writeln!(
            text,
            "{},{prefix}{:06},{},{interval},Contoso,Hardware Token 1000",
            upn(index % users.max(1), domain),
            index + 1,
            seed(index, salt)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_up_file_is_clean_and_its_seeds_distinct() {
        let text = vendor_file(40, 8, "contoso.com", "V-", 7);
        let file = hwoath_graph::CsvFile::parse(&text).unwrap();
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(file.rows.len(), 40);
        let seeds: std::collections::HashSet<_> = file
            .rows
            .iter()
            .map(|r| r.secret_key.expose().to_owned())
            .collect();
        assert_eq!(seeds.len(), 40);
        assert_eq!(file.rows[0].serial_number, "V-000001");
        assert_eq!(file.rows[9].upn, "user1@contoso.com");
        assert_eq!(file.rows[2].time_interval_in_seconds, 60);
        assert_ne!(seed(0, 1), seed(0, 2));
    }
}
