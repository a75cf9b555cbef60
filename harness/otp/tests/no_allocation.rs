//! Generating and verifying codes with a keyed generator allocates nothing on the heap.
#![allow(unsafe_code)] // a counting global allocator needs `unsafe impl GlobalAlloc`

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use hwoath_otp::{Algorithm, Secret, Totp, Verifier};

/// Counts the allocations made by the current thread (other test threads do not disturb it).
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call forwards to the system allocator unchanged; only a thread-local counter is added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations_during(work: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    work();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn codes_allocate_nothing() {
    for algorithm in Algorithm::ALL {
        let secret = Secret::from_bytes(vec![7u8; 64]);
        let totp = Totp::new(&secret, algorithm, 6, 30).unwrap();
        let mut sink = 0u32;
        let allocations = allocations_during(|| {
            for step in 0..10_000u64 {
                sink ^= totp.generate_step(step).value();
                sink ^= totp.generate_at(step * 30).unwrap().value();
            }
        });
        assert_eq!(
            allocations, 0,
            "{algorithm}: {allocations} allocations for 20,000 codes"
        );
        std::hint::black_box(sink);
    }
}

#[test]
fn verification_allocates_nothing() {
    let secret = Secret::from_bytes(b"12345678901234567890".to_vec());
    let totp = Totp::new(&secret, Algorithm::Sha1, 6, 30).unwrap();
    let codes: Vec<String> = (0..1_000u64)
        .map(|step| totp.generate_step(step).to_string())
        .collect();
    let mut verifier = Verifier::new(totp, 1);
    let allocations = allocations_during(|| {
        for (step, code) in codes.iter().enumerate() {
            let accepted = verifier.verify(code, step as u64 * 30);
            assert!(accepted.is_ok());
            assert!(verifier.verify(code, step as u64 * 30).is_err());
        }
    });
    assert_eq!(allocations, 0);
}
