//! The import journal reader: no panic on any bytes; what it accepts replays without panic; the
//! entries it read, written back one per line under their header, read back as the same entries;
//! and a line cut short at the end never changes what the complete lines say.
#![no_main]

use hwoath_onboard::fuzzing::{self as journal, Entry};
use libfuzzer_sys::fuzz_target;

fn write(header: &journal::Header, entries: &[Entry]) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(header).expect("a header serializes");
    bytes.push(b'\n');
    for entry in entries {
        serde_json::to_writer(&mut bytes, entry).expect("an entry serializes");
        bytes.push(b'\n');
    }
    bytes
}

fuzz_target!(|data: &[u8]| {
    let Ok((header, entries)) = journal::parse(data) else {
        return;
    };
    let recorded = journal::replay(&header.target, &entries);
    for entry in &entries {
        let progress = recorded.progress(&entry.serial);
        assert!(
            progress.intent
                || progress.device.is_some()
                || progress.assigned.is_some()
                || progress.activated
                || progress.existing,
            "an entry left no trace"
        );
    }
    let written = write(&header, &entries);
    let (again_header, again) = journal::parse(&written).expect("written entries read back");
    assert_eq!((&again_header, &again), (&header, &entries));
    let mut torn = written.clone();
    torn.extend_from_slice(b"{\"serial\":\"cut");
    assert_eq!(
        journal::parse(&torn)
            .expect("a torn last line is ignored")
            .1,
        entries
    );
});
