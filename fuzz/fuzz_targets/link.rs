#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| guestlink_fuzz_targets::link(data));
