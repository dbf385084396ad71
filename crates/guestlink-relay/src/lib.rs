//! The guestlink reference relay, its WebSocket protocol and a small client.
//!
//! The relay stores host-signed records and opaque envelopes per mailbox and pushes new ones to
//! connected parties. It checks everything it can without reading messages, using the core's
//! public verification API: record signatures ([`guestlink::InviteRecord::parse`],
//! `verify_claimed`, `verify_revocation`, `verify_pre_claim`), the mailbox proofs
//! ([`guestlink::verify_relay_auth`] over a random challenge it issued) and envelope headers
//! ([`guestlink::peek`]). See README.md for the protocol and its rules.
#![forbid(unsafe_code)]

pub mod client;
pub mod server;
pub mod store;
mod web;
pub mod wire;

/// An OS-backed CSPRNG for the library's `rng` arguments.
pub fn os_rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// Seconds since the Unix epoch (the library's `now`).
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
