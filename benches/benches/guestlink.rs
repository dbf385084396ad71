//! `cargo bench -p guestlink-benches`: every benchmark (guestlink, the floor, vodozemac).
//! `cargo bench -p guestlink-benches -- --test` runs each body once.

use criterion::{Criterion, criterion_group, criterion_main};

fn all(c: &mut Criterion) {
    guestlink_benches::register(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
